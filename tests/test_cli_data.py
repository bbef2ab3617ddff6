"""import, batches, verify, undo, export through the command line; exit codes 0/2/3."""

from __future__ import annotations

import json

import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import store_fingerprint

WRITE_TABLES = ("observations", "observation_history", "upload_batches")


@pytest.fixture(scope="module")
def base_db(small_pto_store_path):
    """The small store with Rayong's PTO staff and verifier accounts."""
    return small_pto_store_path


@pytest.fixture
def db(pto_store, capsys):
    """A private copy of the base store for one test, as a file and on the store server."""
    capsys.readouterr()
    return pto_store


def write(tmp_path, name: str, text: str, encoding: str = "utf-8-sig") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def snapshot(path: str) -> dict[str, tuple[int, int]]:
    """Rows and content hash of the tables an import, verify or undo writes."""
    return store_fingerprint(path, WRITE_TABLES)


def values(db: str, capsys, area: str = "21") -> dict[str, float]:
    capsys.readouterr()
    assert main(["export", "--db", db, "--item", "FIN01", "--area", area, "--format", "json"]) == 0
    return {r["period"]: r["value"] for r in json.loads(capsys.readouterr().out)}


GOOD = (
    "ผลการเบิกจ่ายงบประมาณ จังหวัดระยอง\n"
    "รหัสรายการ,พื้นที่,งวด,ค่า,หมายเหตุ\n"
    "FIN01,จ.ระยอง,ต.ค. 2569,๗๒.๕,\n"
    "FIN01,Rayong,2026-08,64.0,แก้ไขตามหนังสือ\n"
    "ที่มา: ระบบ GFMIS\n"
)


def test_import_commits_once_and_undo_restores(db, tmp_path, capsys):
    before = values(db, capsys)
    f = write(tmp_path, "fin.csv", GOOD)
    assert main(["import", f, "--user", "pto21", "--db", db, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    new = sum(p not in before for p in ("2026-10", "2026-08"))
    assert out["committed"] and (out["new"], out["changed"]) == (new, 2 - new)
    after = values(db, capsys)
    assert after["2026-10"] == 72.5 and after["2026-08"] == 64.0
    assert before.get("2026-08") != 64.0 and before.get("2026-10") != 72.5

    # the same file again changes nothing
    state = snapshot(db)
    assert main(["import", f, "--user", "pto21", "--db", db, "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not again["committed"] and again["unchanged"] == 2
    assert again["earlier_batches_same_file"] == [out["batch_id"]]
    assert snapshot(db) == state

    assert main(["undo", str(out["batch_id"]), "--user", "pto21", "--db", db]) == 0
    assert values(db, capsys) == before


def test_rejected_file_exits_2_and_changes_nothing(db, tmp_path, capsys):
    state = snapshot(db)
    f = write(
        tmp_path,
        "bad.csv",
        "item,area,period,value\nFIN01,Rayong,2026-09,abc\nFIN01,Rayongg,2026-09,5\n",
        encoding="cp874",
    )
    assert main(["import", f, "--user", "pto21", "--db", db, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "row 2, column value" in err and "not a number" in err
    assert "row 3, column area" in err and "Rayong (21)" in err
    assert snapshot(db) == state


def test_dry_run_commits_nothing(db, tmp_path, capsys):
    state = snapshot(db)
    f = write(tmp_path, "fin.csv", GOOD)
    assert main(["import", f, "--user", "pto21", "--db", db, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert snapshot(db) == state


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ("FIN01,Chon Buri,2026-09,50", "outside the account's area"),  # another province
        ("MAC06,Rayong,2026-09,107", "belongs to agency PCO"),  # another agency's item
    ],
)
def test_import_outside_rights_exits_3_and_is_audited(db, tmp_path, capsys, row, why):
    state = snapshot(db)
    f = write(tmp_path, "x.csv", f"item,area,period,value\n{row}\n")
    assert main(["import", f, "--user", "pto21", "--db", db]) == 3
    assert why in capsys.readouterr().err
    assert snapshot(db) == state
    with Store(db) as store:
        assert store.audit_log()["action"].iloc[0] == "denied"


def test_unknown_user_is_refused(db, tmp_path, capsys):
    f = write(tmp_path, "fin.csv", GOOD)
    assert main(["import", f, "--user", "nobody", "--db", db]) == 3
    assert "no active account" in capsys.readouterr().err


def test_verify_then_batches_and_undo_rights(db, tmp_path, capsys):
    f = write(tmp_path, "fin.csv", GOOD)
    assert main(["import", f, "--user", "pto21", "--db", db, "--format", "json"]) == 0
    batch = json.loads(capsys.readouterr().out)["batch_id"]
    # staff may not verify; the verifier may
    assert main(["verify", str(batch), "--user", "pto21", "--db", db]) == 3
    assert main(["verify", str(batch), "--user", "pto21v", "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", "--db", db, "--item", "FIN01", "--area", "21", "--format", "json"]) == 0
    rows = {r["period"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert rows["2026-10"] == "verified"
    # the upload cannot be undone while its verification stands
    assert main(["undo", str(batch), "--user", "pto21", "--db", db]) == 1
    assert "later batch" in capsys.readouterr().err
    assert main(["batches", "--db", db, "--agency", "PTO", "--format", "json"]) == 0
    kinds = [b["kind"] for b in json.loads(capsys.readouterr().out)]
    assert kinds == ["verify", "upload"]


def test_export_csv_header(db, capsys):
    assert main(["export", "--db", db, "--item", "POP01", "--area", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "item_code,area_code,period,value,status,batch_id"
    first = lines[1].split(",")
    assert first[:3] == ["POP01", "10", "2017"] and float(first[3]) > 1_000_000

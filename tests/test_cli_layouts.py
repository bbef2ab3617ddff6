"""import with --column, --save-layout and --layout; layouts list/rename/delete; jumps refused
without --confirm-jumps; verify of one item's or one area's values (exit codes 0/2/3)."""

from __future__ import annotations

import json
import shutil

import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import add_app_users, store_fingerprint

WRITE_TABLES = ("observations", "observation_history", "upload_batches")
# Accounts beside the base store's pto21 (staff) and pto21v (verifier) of Rayong:
EXTRA_USERS = (
    ("ptoall", "staff", "PTO", None),
    ("ptoallv", "verifier", "PTO", None),
    ("pco20", "staff", "PCO", "20"),
    ("admin1", "admin", None, None),
)

# Headers the reader does not know: the user says what each column is.
UNKNOWN = "หน่วยงานย่อย,รอบรายงาน,ร้อยละสะสม\nระยอง,2026-07,71.25\nระยอง,2026-06,66.5\n"
SAME_HEADER = "หน่วยงานย่อย,รอบรายงาน,ร้อยละสะสม\nระยอง,2026-05,60.75\n"
MAPPING = [
    "--column",
    "หน่วยงานย่อย=area",
    "--column",
    "รอบรายงาน=period",
    "--column",
    "ร้อยละสะสม=item:FIN01",
]


@pytest.fixture(scope="module")
def base_db(small_pto_store_path, tmp_path_factory):
    """The small PTO store with country-wide PTO accounts, another agency's and an admin."""
    path = tmp_path_factory.mktemp("layouts") / "base.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        add_app_users(store, EXTRA_USERS)
    return str(path)


@pytest.fixture
def db(base_db, tmp_path, capsys):
    path = tmp_path / "data.duckdb"
    shutil.copyfile(base_db, path)
    capsys.readouterr()
    return str(path)


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8-sig"))
    return str(path)


def run_json(capsys, *args) -> tuple[int, dict | list]:
    capsys.readouterr()
    code = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def values(db: str, capsys, item: str = "FIN01", area: str = "21") -> dict[str, float]:
    code, rows = run_json(capsys, "export", "--db", db, "--item", item, "--area", area)
    assert code == 0
    return {r["period"]: r["value"] for r in rows}


def statuses(db: str, capsys, period: str) -> dict[tuple[str, str], str]:
    code, rows = run_json(capsys, "export", "--db", db)
    return {(r["item_code"], r["area_code"]): r["status"] for r in rows if r["period"] == period}


# -- column mapping and saved layouts --------------------------------------------------------
def test_unknown_headers_are_a_question_answered_by_column(db, tmp_path, capsys):
    f = write(tmp_path, "unknown.csv", UNKNOWN)
    state = store_fingerprint(db, WRITE_TABLES)
    assert main(["import", f, "--user", "pto21", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "หน่วยงานย่อย" in err and "ร้อยละสะสม" in err and "--column" in err
    assert store_fingerprint(db, WRITE_TABLES) == state

    code, out = run_json(capsys, "import", f, "--user", "pto21", "--db", db, *MAPPING)
    assert code == 0 and out["committed"] and out["layout"] == "--column"
    stored = values(db, capsys)
    assert (stored["2026-07"], stored["2026-06"]) == (71.25, 66.5)


def test_a_malformed_column_option_exits_2_in_thai(db, tmp_path, capsys):
    f = write(tmp_path, "unknown.csv", UNKNOWN)
    assert main(["import", f, "--user", "pto21", "--db", db, "--column", "ร้อยละสะสม"]) == 2
    assert "หัวคอลัมน์=บทบาท" in capsys.readouterr().err
    assert main(["import", f, "--user", "pto21", "--db", db, "--column", "ปี=when"]) == 2
    assert "ไม่มีบทบาท 'when'" in capsys.readouterr().err


def test_a_saved_layout_reads_the_next_file_of_that_header(db, tmp_path, capsys):
    first = write(tmp_path, "july.csv", UNKNOWN)
    args = ["import", first, "--user", "pto21", "--db", db, *MAPPING]
    code, out = run_json(capsys, *args, "--save-layout", "เบิกจ่ายสะสม")
    assert code == 0 and out["layout_saved"] == "เบิกจ่ายสะสม"

    second = write(tmp_path, "may.csv", SAME_HEADER)  # no options: the saved layout is found
    code, out = run_json(capsys, "import", second, "--user", "pto21v", "--db", db)
    assert code == 0 and out["layout"] == "เบิกจ่ายสะสม" and out["committed"]
    assert values(db, capsys)["2026-05"] == 60.75

    # --layout forces it; an unknown name exits 2 naming the agency's layouts
    third = write(tmp_path, "april.csv", SAME_HEADER.replace("2026-05", "2026-04"))
    args = ["import", third, "--user", "pto21", "--db", db]
    assert main([*args, "--layout", "x"]) == 2
    err = capsys.readouterr().err
    assert "ไม่มีรูปแบบไฟล์ชื่อ 'x'" in err and "เบิกจ่ายสะสม" in err
    assert main([*args, "--layout", "เบิกจ่ายสะสม"]) == 0
    assert values(db, capsys)["2026-04"] == 60.75


def test_a_file_rejected_for_its_header_saves_no_layout(db, tmp_path, capsys):
    f = write(tmp_path, "unknown.csv", UNKNOWN)
    args = ["import", f, "--user", "pto21", "--db", db, "--save-layout", "x"]
    assert main(args) == 2
    assert main([*args, "--column", "หัวที่ไม่มีในไฟล์=area"]) == 2  # the header is not found
    with Store(db) as store:
        assert store.layouts().empty


# -- layouts list, rename, delete ------------------------------------------------------------
def _save(db, tmp_path, capsys, user: str, name: str) -> None:
    f = write(tmp_path, f"{name}.csv", UNKNOWN)
    args = ["import", f, "--user", user, "--db", db, *MAPPING, "--dry-run"]
    assert main([*args, "--save-layout", name]) == 0, capsys.readouterr().err


def test_layouts_list_rename_delete_and_rights(db, tmp_path, capsys):
    _save(db, tmp_path, capsys, "pto21", "ประชากร")
    code, rows = run_json(capsys, "layouts", "list", "--user", "pto21v", "--db", db)
    assert code == 0 and [(r["agency_code"], r["name"]) for r in rows] == [("PTO", "ประชากร")]
    assert "ร้อยละสะสม=item:FIN01" in rows[0]["columns"]
    capsys.readouterr()
    assert main(["layouts", "list", "--user", "pto21", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "agency_code,name,columns,sheets,period_rule,created_by,updated_at"
    assert lines[1].startswith("PTO,ประชากร,")

    # another agency: refused (exit 3) and audited, nothing changed
    for cmd in (["rename", "ประชากร", "x"], ["delete", "ประชากร"], ["list"]):
        assert main(["layouts", *cmd, "--user", "pco20", "--agency", "PTO", "--db", db]) == 3
    with Store(db) as store:
        assert store.audit_log()["action"].head(3).tolist() == ["denied"] * 3
        assert store.layouts("PTO")["name"].tolist() == ["ประชากร"]

    assert main(["layouts", "rename", "ประชากร", "ประชากรรายปี", "--user", "pto21", "--db", db]) == 0
    _save(db, tmp_path, capsys, "pto21", "อื่น")
    assert main(["layouts", "rename", "อื่น", "ประชากรรายปี", "--user", "pto21", "--db", db]) == 2
    assert "มีรูปแบบไฟล์ชื่อ 'ประชากรรายปี' อยู่แล้ว" in capsys.readouterr().err
    assert main(["layouts", "delete", "ไม่มี", "--user", "pto21", "--db", db]) == 2

    # an administrator sees every agency's and may delete any
    code, rows = run_json(capsys, "layouts", "list", "--user", "admin1", "--db", db)
    assert sorted(r["name"] for r in rows) == ["ประชากรรายปี", "อื่น"]
    args = ["layouts", "delete", "อื่น", "--user", "admin1", "--agency", "PTO", "--db", db]
    assert main(args) == 0
    with Store(db) as store:
        assert store.layouts()["name"].tolist() == ["ประชากรรายปี"]
        actions = store.audit_log()["action"].tolist()
    assert {"layout_saved", "layout_renamed", "layout_deleted"} <= set(actions)


# -- jumps need a confirmation ---------------------------------------------------------------
def test_jumps_are_refused_without_confirmation_and_listed_first(db, tmp_path, capsys):
    f = write(tmp_path, "jump.csv", "item,area,period,value\nFIN01,21,2026-07,0.5\n")
    state = store_fingerprint(db, WRITE_TABLES)
    capsys.readouterr()
    assert main(["import", f, "--user", "pto21", "--db", db, "--format", "json"]) == 2
    out = capsys.readouterr().out
    summary = json.loads(out)
    assert next(iter(summary)) == "jumps" and summary["jumps"][0]["value"] == 0.5
    assert "--confirm-jumps" in summary["refusal"] and not summary["committed"]
    assert store_fingerprint(db, WRITE_TABLES) == state

    assert main(["import", f, "--user", "pto21", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "ค่ากระโดด: FIN01 21 2026-07: 0.5 (เดิม " in err and "--confirm-jumps" in err

    assert main(["import", f, "--user", "pto21", "--db", db, "--confirm-jumps"]) == 0
    assert values(db, capsys)["2026-07"] == 0.5


# -- verify per item and per area ------------------------------------------------------------
def test_verify_one_item_or_one_area_leaves_the_rest_submitted(db, tmp_path, capsys):
    rows = [
        f"{i},{a},2026-07,{v}"
        for i, v in (("FIN01", 71.5), ("FIN02", 500))
        for a in "10 21".split()
    ]
    f = write(tmp_path, "two.csv", "item,area,period,value\n" + "\n".join(rows) + "\n")
    code, out = run_json(capsys, "import", f, "--user", "ptoall", "--db", db, "--confirm-jumps")
    assert code == 0
    batch = str(out["batch_id"])

    code, listed = run_json(capsys, "submitted", "--user", "ptoallv", "--batch", batch, "--db", db)
    assert code == 0 and len(listed) == 4 and listed[0]["period_label_th"] == "ก.ค. 2569"

    capsys.readouterr()
    assert main(["verify", batch, "--user", "ptoallv", "--item", "FIN01", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("2 values verified")
    now = statuses(db, capsys, "2026-07")
    assert now[("FIN01", "10")] == now[("FIN01", "21")] == "verified"
    assert now[("FIN02", "10")] == now[("FIN02", "21")] == "submitted"

    # Rayong's verifier may not judge Bangkok's value: the whole choice is refused (exit 3)
    before = statuses(db, capsys, "2026-07")
    assert main(["verify", batch, "--user", "pto21v", "--db", db]) == 3
    assert statuses(db, capsys, "2026-07") == before

    args = ["verify", batch, "--user", "ptoallv", "--area", "10", "--reject", "--db", db]
    code, out = run_json(capsys, *args)
    assert code == 0 and out["values"] == 1 and out["status"] == "rejected"
    now = statuses(db, capsys, "2026-07")
    assert now[("FIN02", "10")] == "rejected" and now[("FIN02", "21")] == "submitted"

    capsys.readouterr()
    assert main(["verify", batch, "--user", "pto21v", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("1 values verified")
    assert statuses(db, capsys, "2026-07")[("FIN02", "21")] == "verified"

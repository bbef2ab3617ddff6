"""`python -m lib quality list | check` on the small store: the follow-up list, marks,
exit codes 0 / 2 (bad input) / 3 (refused, audited)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pandas as pd
import pytest

from lib.cli import main
from lib.services import upload
from lib.store import Store
from tests.conftest import store_fingerprint

CELL = ["--item", "FIN01", "--area", "21", "--period", "2026-07"]
CHECK = ["quality", "check", *CELL, "--flag", "outlier_history"]


@pytest.fixture
def db(small_pto_store_path, tmp_path, capsys):
    """The small store (pto21 staff, pto21v verifier of PTO in Rayong) with one wild value:
    Rayong's budget disbursement of July 2026 (2569 BE) sent as 999 per cent."""
    path = tmp_path / "data.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    cell = pd.DataFrame(
        [("FIN01", "21", "2026-07", pd.Timestamp(date(2026, 7, 31)), 999.0, None)],
        columns=upload.CELL_COLUMNS,
    )
    with Store(path) as store:
        store.commit_cells(cell, {"username": "pto21"}, {"username": "pto21", "action": "upload"})
    capsys.readouterr()
    return str(path)


def _list(db: str, capsys, *extra: str) -> list[dict]:
    capsys.readouterr()
    assert main(["quality", "list", "--db", db, "--item", "FIN01", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_list_shows_the_wild_value_and_why(db, capsys):
    rows = _list(db, capsys)
    assert [(r["area_code"], r["period"], r["flag"]) for r in rows] == [
        ("21", "2026-07", "outlier_history")
    ]
    assert rows[0]["value"] == 999.0 and rows[0]["checked"] is False
    assert "ห่างจากค่ามัธยฐาน" in rows[0]["detail"]
    assert "modified z-score" in _list(db, capsys, "--lang", "en")[0]["detail"]
    capsys.readouterr()
    assert main(["quality", "list", "--db", db, "--area", "21"]) == 0
    csv = capsys.readouterr().out
    assert csv.startswith("item_code,area_code,period,value,flag,score_or_detail,detail,")
    assert "FIN01,21,2026-07,999.0,outlier_history," in csv


def test_a_verifier_checks_it_and_it_leaves_the_list_until_the_value_changes(db, capsys):
    note = ["--note", "หน่วยงานยืนยันตัวเลขแล้ว"]
    assert main([*CHECK, *note, "--user", "pto21v", "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "checked: FIN01 21 2026-07 outlier_history (value 999) by pto21v"
    assert _list(db, capsys) == []
    every = _list(db, capsys, "--all")
    assert [(r["checked"], r["checked_by"], r["note"]) for r in every] == [
        (True, "pto21v", "หน่วยงานยืนยันตัวเลขแล้ว")
    ]
    with Store(db) as store:
        entry = store.audit_log_filtered(action="quality_checked").iloc[0]
        assert (entry["username"], entry["origin"]) == ("pto21v", "cli")
        cell = pd.DataFrame(
            [("FIN01", "21", "2026-07", pd.Timestamp(date(2026, 7, 31)), 998.0, None)],
            columns=upload.CELL_COLUMNS,
        )
        store.commit_cells(cell, {"username": "pto21"}, {"username": "pto21", "action": "upload"})
    assert [r["value"] for r in _list(db, capsys)] == [998.0]  # a changed value: flagged again


def test_the_period_may_be_written_in_thai(db, capsys):
    args = ["quality", "check", "--item", "FIN01", "--area", "21", "--period", "ก.ค. 2569"]
    args += ["--flag", "outlier_history", "--note", "ok", "--user", "pto21v", "--json"]
    assert main([*args, "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["period"] == "2026-07"


@pytest.mark.parametrize("user", ["pto21", "nobody"])
def test_anyone_but_the_verifier_is_refused_with_exit_3_and_audited(db, capsys, user):
    before = store_fingerprint(db, ["quality_checks"])
    code = main([*CHECK, "--note", "ok", "--user", user, "--db", db])
    assert code == 3
    assert "refused" in capsys.readouterr().err or user == "nobody"
    assert store_fingerprint(db, ["quality_checks"]) == before
    with Store(db) as store:
        entry = store.audit_log().iloc[0]
    assert entry["action"] == "denied" and "quality_checked" in entry["detail"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*CHECK, "--note", " "], "ต้องเขียนบันทึกผลการตรวจ"),
        (["quality", "check", *CELL, "--flag", "outlier_peers", "--note", "ok"], "ไม่มีการแจ้งเตือน"),
        (
            [
                "quality",
                "check",
                *CELL[:4],
                "--period",
                "2026-06",
                "--flag",
                "outlier_history",
                "--note",
                "ok",
            ],
            "ไม่มีการแจ้งเตือน",
        ),
        (
            [
                "quality",
                "check",
                *CELL[:4],
                "--period",
                "2031-01",
                "--flag",
                "outlier_history",
                "--note",
                "ok",
            ],
            "ไม่มีค่าของ FIN01",
        ),
    ],
)
def test_no_such_flag_or_cell_is_exit_2_and_marks_nothing(db, capsys, args, message):
    before = store_fingerprint(db, ["quality_checks"])
    assert main([*args, "--user", "pto21v", "--db", db]) == 2
    assert message in capsys.readouterr().err
    assert store_fingerprint(db, ["quality_checks"]) == before


def test_list_of_an_unknown_item_is_exit_2_in_the_language_asked(db, capsys):
    assert main(["quality", "list", "--db", db, "--item", "NOPE", "--lang", "en"]) == 2
    assert "no item with code NOPE" in capsys.readouterr().err

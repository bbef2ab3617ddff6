"""`python -m lib history`: every version of one value, CSV or JSON; exit 2 (reason in Thai or
English) for an unknown item or area or an unreadable period; the store is only read."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import store_fingerprint
from tests.test_provenance import tell_the_story

CELL = ["--item", "FIN01", "--area", "21", "--period", "ก.ค. 2569"]


@pytest.fixture
def db(small_pto_store_path, tmp_path, monkeypatch, capsys):
    """A store file after the story of Rayong's FIN01 of July 2026; the batch ids on .ids."""
    path = tmp_path / "story.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        ids = tell_the_story(store, monkeypatch)
    capsys.readouterr()
    return str(path), ids


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_history_json_lists_every_version_oldest_first(db, capsys):
    path, ids = db
    code, out, err = run(capsys, "history", *CELL, "--db", path, "--json")
    assert code == 0 and err == ""
    shown = json.loads(out)
    assert (shown["item_code"], shown["area_code"], shown["period"]) == ("FIN01", "21", "2026-07")
    versions = shown["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4, 5, 6]
    assert [v["value"] for v in versions][1:] == [70.5, 70.5, 72.0, 74.0, 72.0]
    assert [v["file_name"] for v in versions][1:] == ["a.csv", "a.csv", "b.csv", "c.csv", "b.csv"]
    assert [v["undone"] for v in versions] == [False] * 4 + [True, False]
    assert [v["current"] for v in versions] == [False] * 5 + [True]
    undone = versions[4]
    assert undone["batch_id"] == ids["c"] and undone["replaced_by_batch"] == ids["undo"]
    assert undone["replaced_by_kind"] == "undo" and undone["undone_by"] == "pto21"
    assert undone["undone_at"].startswith("2026-11-01T09:00:00")
    assert versions[2]["verified_by"] == "pto21v" and versions[2]["made_by_kind"] == "verify"
    assert versions[-1]["in_force_until"] is None and versions[-1]["replaced_by_batch"] is None


def test_history_prints_csv_by_default_and_only_reads_the_store(db, capsys):
    path, ids = db
    before = store_fingerprint(path)
    code, out, _ = run(capsys, "history", "--db", path, "--item", "fin01", "--area", "21",
                       "--period", "2569-07")  # fmt: skip
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert frame.columns[:4].tolist() == ["version", "value", "status", "batch_id"]
    assert frame["value"].tolist()[1:] == [70.5, 70.5, 72.0, 74.0, 72.0]
    assert frame["batch_id"].tolist()[-1] == ids["b"] and frame["current"].tolist()[-1]
    assert store_fingerprint(path) == before


def test_a_cell_that_never_held_a_value_prints_the_header_only(db, capsys):
    path, _ = db
    args = ["--item", "FIN02", "--area", "21", "--period", "ส.ค. 2569", "--db", path]
    code, out, err = run(capsys, "history", *args)
    assert code == 0 and out.startswith("version,value,status") and len(out.splitlines()) == 1
    assert "ช่องนี้ยังไม่เคยมีค่า" in err
    code, out, _ = run(capsys, "history", *args, "--json")
    assert code == 0 and json.loads(out)["versions"] == []


@pytest.mark.parametrize(
    ("option", "value", "th", "en"),
    [
        ("--item", "NOPE9", "ไม่พบรายการข้อมูลรหัส 'NOPE9'", "no item with code 'NOPE9'"),
        ("--area", "99", "ไม่พบพื้นที่รหัส '99'", "no area with code '99'"),
        ("--period", "ไตรมาส 5/2569", "อ่านงวดข้อมูล", "Cannot read period"),
        ("--period", "2569", "ไม่ตรงกับความถี่ของรายการ", "does not match the item's frequency"),
    ],
)
def test_bad_input_exits_2_with_the_reason_in_thai_or_english(db, capsys, option, value, th, en):
    path, _ = db
    args = [*CELL, "--db", path]
    args[args.index(option) + 1] = value
    code, out, err = run(capsys, "history", *args)
    assert code == 2 and out == "" and th in err and "Traceback" not in err
    code, out, err = run(capsys, "history", *args, "--lang", "en", "--json")
    assert code == 2 and out == "" and en in err


def test_no_store_or_a_missing_option(tmp_path, capsys):
    code, out, err = run(capsys, "history", *CELL, "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and out == "" and "no store at" in err
    with pytest.raises(SystemExit) as exited:
        main(["history", "--item", "FIN01", "--area", "21"])
    assert exited.value.code == 2 and "--period" in capsys.readouterr().err


def test_help_names_the_options_in_thai_and_english(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["history", "--help"])
    text = capsys.readouterr().out
    assert exited.value.code == 0
    for words in ("--item", "--area", "--period", "--json", "--lang", "ที่มาของค่า", "Exit 0"):
        assert words in text

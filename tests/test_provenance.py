"""Provenance of a value: every version of a cell changed twice and undone once, and "then and
now": the cells whose value in force differs between two days, with the batches in between."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.services import auth, provenance, upload
from lib.store import Store
from tests.conftest import AS_OF

CELL = ("FIN01", "21", "ก.ค. 2569")  # Rayong's FIN01 of July 2026 (2026-07), held by the demo
# The story of the cell (the store's clock set to each moment):
TIMES = {
    "a": datetime(2026, 9, 1, 9, 0),  # a.csv: 70.5 replaces the demo value
    "verify": datetime(2026, 9, 3, 9, 0),  # pto21v verifies 70.5
    "b": datetime(2026, 10, 1, 9, 0),  # b.csv: 72 (and a new cell FIN02 = 500)
    "c": datetime(2026, 10, 15, 9, 0),  # c.csv: 74
    "undo": datetime(2026, 11, 1, 9, 0),  # pto21 undoes c.csv: 72 is back
}
FILES = {
    "a": "item,area,period,value\nFIN01,21,2026-07,70.5\n",
    "b": "item,area,period,value\nFIN01,21,2026-07,72\nFIN02,21,2026-07,500\n",
    "c": "item,area,period,value\nFIN01,21,2026-07,74\n",
}


class Clock(datetime):
    """datetime whose now() is the moment the test sets (the store stamps writes with it)."""

    at = TIMES["a"]

    @classmethod
    def now(cls, tz=None):
        return cls.at


def use_clock(monkeypatch) -> type[Clock]:
    """Make the store's writes happen at Clock.at."""
    monkeypatch.setattr("lib.store.observations.datetime", Clock)
    return Clock


def _upload(store: Store, user, name: str) -> int:
    Clock.at = TIMES[name]
    preview = upload.preview_upload(store, FILES[name].encode(), f"{name}.csv")
    assert preview.problems == []
    return upload.commit_as(store, user, preview, confirm_jumps=True, origin="test")


def tell_the_story(store: Store, monkeypatch) -> dict[str, int]:
    """Upload a, verify it, upload b and c, undo c; the batch id of each step."""
    use_clock(monkeypatch)
    staff, verifier = auth.load_user(store, "pto21"), auth.load_user(store, "pto21v")
    ids = {"a": _upload(store, staff, "a")}
    Clock.at = TIMES["verify"]
    ids["verify"] = upload.verify_values_as(store, verifier, ids["a"], origin="test")[1]
    ids["b"] = _upload(store, staff, "b")
    ids["c"] = _upload(store, staff, "c")
    Clock.at = TIMES["undo"]
    ids["undo"] = upload.undo_as(store, staff, ids["c"], origin="test")["undo_batch"]
    return ids


@pytest.fixture
def story(small_pto_store_path, tmp_path, monkeypatch):
    """(store, batch ids) of the small store after the cell's story."""
    path = tmp_path / "story.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        ids = tell_the_story(store, monkeypatch)
        yield store, ids


def test_versions_tell_the_whole_story_oldest_first(story):
    store, ids = story
    frame = provenance.versions(store, *CELL)
    assert frame.columns.tolist() == provenance.VERSION_COLUMNS
    assert frame["version"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["value"].tolist()[1:] == [70.5, 70.5, 72.0, 74.0, 72.0]
    assert frame["status"].tolist() == ["verified", "submitted", "verified"] + ["submitted"] * 3
    assert frame["batch_kind"].tolist() == ["demo"] + ["upload"] * 5
    batch = [ids["a"], ids["a"], ids["b"], ids["c"], ids["b"]]
    assert frame["batch_id"].tolist()[1:] == batch
    assert frame["file_name"].tolist()[1:] == ["a.csv", "a.csv", "b.csv", "c.csv", "b.csv"]
    assert set(frame["submitted_by"][1:]) == {"pto21"}
    assert frame["submitted_at"].tolist()[1:] == [TIMES[k] for k in ("a", "a", "b", "c", "b")]
    # who verified, and when: only the verified version says so
    assert (
        frame.loc[2, "verified_by"] == "pto21v" and frame.loc[2, "verified_at"] == TIMES["verify"]
    )
    assert frame.loc[1, ["verified_by", "verified_at"]].isna().all()


def test_versions_tell_the_undo_chain(story):
    store, ids = story
    frame = provenance.versions(store, *CELL)
    moments = [TIMES[k] for k in ("a", "verify", "b", "c", "undo")]
    assert frame["in_force_from"].tolist()[1:] == moments
    assert frame["in_force_until"].tolist()[:5] == moments  # each until the next one began
    assert pd.isna(frame["in_force_until"].iloc[-1])
    replaced = [ids["a"], ids["verify"], ids["b"], ids["c"], ids["undo"]]
    assert frame["replaced_by_batch"].tolist()[:5] == replaced
    kinds = ["upload", "verify", "upload", "upload", "undo"]
    assert frame["replaced_by_kind"].tolist()[:5] == kinds
    assert pd.isna(frame["replaced_by_kind"].iloc[-1])
    assert frame["replaced_by"].tolist()[:5] == ["pto21", "pto21v", "pto21", "pto21", "pto21"]
    assert frame["replaced_by_file"].fillna("-").tolist()[:4] == ["a.csv", "-", "b.csv", "c.csv"]
    # c.csv's value was undone, by whom and when; the others' batches stand
    assert frame["undone"].tolist() == [False, False, False, False, True, False]
    assert frame.loc[4, "undone_by"] == "pto21" and frame.loc[4, "undone_at"] == TIMES["undo"]
    assert frame["current"].tolist() == [False] * 5 + [True]
    # what put each version in force: the demo load, a.csv, the verification, b, c, the undo
    made = [1, ids["a"], ids["verify"], ids["b"], ids["c"], ids["undo"]]
    assert frame["made_by_batch"].tolist() == made
    assert frame["made_by_kind"].tolist() == [
        "demo",
        "upload",
        "verify",
        "upload",
        "upload",
        "undo",
    ]


@pytest.mark.parametrize("period", ["ก.ค. 2569", "2569-07", "2026-07", "7/2569", " 2569-07 "])
def test_the_period_is_read_as_an_upload_reads_it(story, period):
    store, _ = story
    frame = provenance.versions(store, "fin01", "21", period)
    assert frame["value"].iloc[-1] == 72.0 and len(frame) == 6
    assert provenance.cell_key(store, "fin01", " 21", period) == ("FIN01", "21", "2026-07")


def test_a_crop_year_is_read_by_the_item_s_rule():
    annual = {"frequency": "annual"}
    assert provenance.period_code("2565/66", annual) == "2022"
    assert provenance.period_code("2565/66", {**annual, "crop_year": "end"}) == "2023"


def test_a_cell_that_never_held_a_value_has_no_versions(story):
    store, _ = story
    frame = provenance.versions(store, "FIN02", "21", "ส.ค. 2569")
    assert frame.empty and frame.columns.tolist() == provenance.VERSION_COLUMNS


@pytest.mark.parametrize(
    ("cell", "th", "en"),
    [
        (("NOPE9", "21", "2569-07"), "ไม่พบรายการข้อมูลรหัส 'NOPE9'", "no item with code 'NOPE9'"),
        (("FIN01", "99", "2569-07"), "ไม่พบพื้นที่รหัส '99'", "no area with code '99'"),
        (("FIN01", "21", "2569-13"), "อ่านงวดข้อมูล '2569-13' ไม่ได้", "there is no month 13"),
        (("FIN01", "21", "ไตรมาส 1/2569"), "ไม่ตรงกับความถี่ของรายการ", "item's frequency"),
        (("FIN01", "21", "2569"), "รายการนี้รายเดือน", "this item is monthly"),
        (("FIN01", "21", "  "), "ไม่ได้ระบุงวดข้อมูล", "No period given"),
    ],
)
def test_an_unknown_item_area_or_period_is_refused_with_a_thai_reason(story, cell, th, en):
    store, _ = story
    with pytest.raises(InputError) as caught:
        provenance.versions(store, *cell)
    assert th in caught.value.message("th") and en in caught.value.message("en")


# -- then and now -----------------------------------------------------------------------
def _july(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """The changed cells of July 2026, by (item, area)."""
    rows = frame[frame["period"] == "2026-07"].to_dict("records")
    return {(r["item_code"], r["area_code"]): r for r in rows}


def test_then_and_now_lists_the_changed_values_and_the_batches_between(story):
    store, ids = story
    frame = provenance.changes_between(
        store, ["FIN01", "FIN02"], ["20", "21"], date(2026, 9, 15), AS_OF
    )
    assert frame.columns.tolist() == provenance.CHANGE_COLUMNS
    july = _july(frame)
    assert set(july) == {("FIN01", "21"), ("FIN02", "21")}  # Chon Buri's July never changed
    fin01 = july[("FIN01", "21")]
    assert (fin01["value_then"], fin01["value_now"]) == (70.5, 72.0)
    assert fin01["batches"] == [ids["b"], ids["c"], ids["undo"]]
    assert fin01["files"] == ["b.csv", "c.csv", None]
    assert fin01["kinds"] == ["upload", "upload", "undo"]
    assert (fin01["status_then"], fin01["status_now"]) == ("verified", "submitted")
    fin02 = july[("FIN02", "21")]  # absent then, present now
    assert pd.isna(fin02["value_then"]) and fin02["value_now"] == 500.0
    assert fin02["batches"] == [ids["b"]] and fin02["files"] == ["b.csv"]
    assert fin02["status_then"] is None


def test_a_change_undone_in_between_is_no_change(story):
    store, ids = story
    between_b_and_c = provenance.changes_between(store, ["FIN01"], ["21"], date(2026, 10, 5), AS_OF)
    assert ("FIN01", "21") not in _july(between_b_and_c)
    while_c_stood = provenance.changes_between(store, ["FIN01"], ["21"], date(2026, 10, 20), AS_OF)
    cell = _july(while_c_stood)[("FIN01", "21")]
    assert (cell["value_then"], cell["value_now"]) == (74.0, 72.0)
    assert cell["batches"] == [ids["undo"]] and cell["kinds"] == ["undo"]


def test_a_value_sent_on_the_day_counts_for_that_day(story):
    store, ids = story
    on_the_day = provenance.changes_between(store, ["FIN01"], ["21"], date(2026, 10, 1), AS_OF)
    assert ("FIN01", "21") not in _july(on_the_day)  # b.csv's 72 is what was known that day
    day_before = provenance.changes_between(store, ["FIN01"], ["21"], date(2026, 9, 30), AS_OF)
    assert _july(day_before)[("FIN01", "21")]["value_then"] == 70.5
    assert provenance.changes_between(store, ["FIN01"], ["21"], AS_OF, AS_OF).empty


def test_a_rejection_is_a_change_and_a_verification_is_not(story, monkeypatch):
    store, ids = story
    Clock.at = datetime(2026, 11, 5, 9, 0)
    verifier = auth.load_user(store, "pto21v")
    fin01 = pd.DataFrame({"item_code": ["FIN01"], "area_code": ["21"], "period": ["2026-07"]})
    _, rejected = upload.verify_values_as(store, verifier, None, "rejected", cells=fin01)
    _, verified = upload.verify_values_as(store, verifier, None, item_code="FIN02")
    frame = provenance.changes_between(store, ["FIN01", "FIN02"], ["21"], date(2026, 11, 2), AS_OF)
    july = _july(frame)
    assert set(july) == {("FIN01", "21")}  # FIN02 was only verified: the same value
    cell = july[("FIN01", "21")]
    assert cell["value_then"] == cell["value_now"] == 72.0
    assert (cell["status_then"], cell["status_now"]) == ("submitted", "rejected")
    assert cell["batches"] == [rejected] and cell["kinds"] == ["verify"]
    assert provenance.versions(store, *CELL)["status"].iloc[-1] == "rejected"


def test_then_and_now_refuses_bad_input(story):
    store, _ = story
    with pytest.raises(InputError, match="then .* is after now"):
        provenance.changes_between(store, ["FIN01"], ["21"], AS_OF, date(2026, 9, 1))
    with pytest.raises(InputError) as caught:
        provenance.changes_between(store, ["FIN01", "XX1"], ["21"], date(2026, 9, 1), AS_OF)
    assert "ไม่พบรายการข้อมูลรหัส 'XX1'" in caught.value.message("th")
    with pytest.raises(InputError, match="no area with code '77777'"):
        provenance.changes_between(store, ["FIN01"], ["77777"], date(2026, 9, 1), AS_OF)
    with pytest.raises(InputError, match="must be a date"):
        provenance.changes_between(store, ["FIN01"], ["21"], "2026-09-01", AS_OF)
    assert provenance.changes_between(store, [], [], date(2026, 9, 1), AS_OF).empty

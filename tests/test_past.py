"""Tests for the past: lib.views.past (the day a page describes), the then-and-now tables
(lib.views.cockpit.then_now) and the store's "as known on" rule (CELLS_AT) under them."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.engine import kpi
from lib.store import Store
from lib.store import observations as store_observations
from lib.views import past
from lib.views.cockpit import then_now
from lib.views.cockpit.query import Scope
from tests.conftest import AS_OF

# ---------------------------------------------------------------- parse_as_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2569-10-15", date(2026, 10, 15)),  # Buddhist year, year first (the URL's form)
        ("2026-10-15", date(2026, 10, 15)),  # Common Era
        ("15/10/2569", date(2026, 10, 15)),  # day first, as Thai forms write it
        ("15/10/2026", date(2026, 10, 15)),
        ("๒๕๖๙-๑๐-๑๕", date(2026, 10, 15)),  # Thai digits
        ("  5/1/2569 ", date(2026, 1, 5)),  # one-digit day and month, spaces
        ("2567-02-29", date(2024, 2, 29)),  # 2567 BE = 2024, a leap year
        ("2569-11-22", AS_OF),  # today itself
        ("2500-01-01", date(1957, 1, 1)),  # the earliest day
    ],
)
def test_parse_as_of_reads_the_ways_people_write_a_day(text, expected):
    assert past.parse_as_of(text, AS_OF) == expected


@pytest.mark.parametrize(
    ("text", "thai", "english"),
    [
        ("2569-11-23", "เลยวันนี้ (22 พ.ย. 2569)", "after today (22 Nov 2026)"),
        ("2027-01-01", "เลยวันนี้", "after today"),
        ("2499-12-31", "เก่ากว่า พ.ศ. 2500", "before 1957 (2500 BE)"),
        ("1899-01-01", "เก่ากว่า พ.ศ. 2500", "before 1957"),
        ("2569-02-30", "อ่านไม่ได้", "cannot be read"),
        ("2568-02-29", "อ่านไม่ได้", "cannot be read"),  # 2025: not a leap year
        ("yesterday", "อ่านไม่ได้", "cannot be read"),
        ("2569-10", "อ่านไม่ได้", "cannot be read"),
        ("", "ไม่ได้ระบุวันที่", "no date given"),
        ("x" * 5000, "x" * 30 + "…", "x" * 30 + "…"),  # a long value is quoted short
    ],
)
def test_parse_as_of_refuses_a_bad_or_future_day_in_thai_first(text, thai, english):
    with pytest.raises(InputError) as caught:
        past.parse_as_of(text, AS_OF)
    assert thai in caught.value.message_th and english in caught.value.message_en
    assert "x" * 31 not in caught.value.message_th


def test_the_url_form_is_a_buddhist_day_that_reads_back():
    day = date(2026, 10, 15)
    assert past.url_text(day) == "2569-10-15"
    assert past.parse_as_of(past.url_text(day), AS_OF) == day


def test_the_banner_names_the_day_and_what_counts():
    th = past.banner_text(date(2026, 10, 15))
    assert th.startswith("ข้อมูล ณ วันที่ 15 ต.ค. 2569 (มุมมองย้อนหลัง)")
    assert "ส่ง ตรวจสอบ และยังไม่ถูกยกเลิก" in th
    assert past.banner_text(date(2026, 10, 15), "en").startswith("Data as known on 15 Oct 2026")


def test_a_refused_value_is_named_under_its_own_key():
    exc = InputError("เลยวันนี้", "after today")
    assert past.refused_text("9999-12-31", exc, "asof").th.startswith("asof=9999-12-31: เลยวันนี้")


# ---------------------------------------------------------------- then and now tables


def tile(result: str, score: str, light: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"kpi_code": ["K1"], "value_text": [result], "score_text": [score], "light": [light]}
    )


def test_then_and_now_of_a_kpi_side_by_side_with_the_days_as_headers():
    table = then_now.kpi_then_now(
        tile("62.00", "1.4000", "red"),
        tile("78.00", "4.6000", "green"),
        "K1",
        date(2026, 11, 1),
        AS_OF,
    )
    assert list(table.columns) == ["", "ณ 1 พ.ย. 2569", "วันนี้ (22 พ.ย. 2569)"]
    assert table.values.tolist() == [
        ["ผล", "62.00", "78.00"],
        ["คะแนน", "1.4000", "4.6000"],
        ["สัญญาณไฟ", "แดง", "เขียว"],
    ]


def test_a_kpi_without_a_tile_on_one_day_shows_a_dash():
    table = then_now.kpi_then_now(
        tile("1", "2", "red").iloc[:0], tile("1", "2", "red"), "K1", date(2026, 11, 1), AS_OF, "en"
    )
    assert table.iloc[0].tolist() == ["Result", "-", "1"]


def test_the_changes_name_the_batches_and_files_and_a_value_not_known_then():
    changes = pd.DataFrame(
        {
            "item_code": ["FIN01", "FIN01"],
            "area_code": ["21", "2101"],
            "period": ["2026-09", "2026-Q3"],
            "value_then": [62.0, None],
            "value_now": [78.0, 3.5],
            "batches": [[3], [4, 5]],
            "files": [["fin-2.csv"], [None, "late.xlsx"]],
        }
    )
    shown = then_now.changes_table(
        changes, {"FIN01": "monthly"}, {"21": "ระยอง"}, {"FIN01": "เบิกจ่าย"}, "th"
    )
    assert shown.columns[-3:].tolist() == ["ค่า ณ วันนั้น", "ค่าวันนี้", "ชุดข้อมูลที่เปลี่ยน (ไฟล์)"]
    assert shown.iloc[0, -3:].tolist() == ["62", "78", "3 (fin-2.csv)"]
    assert shown.iloc[1, -3:].tolist() == ["(ไม่มีค่า)", "3.5", "4, 5 (late.xlsx)"]
    assert shown["งวด"].iloc[0] == "ก.ย. 2569"


def test_the_areas_of_a_scope_are_its_provinces_and_their_districts():
    members = pd.DataFrame(
        {
            "province_code": ["20", "21", "10"],
            "cluster_code": ["E1", "E1", None],
            "region_code": ["E", "E", "BKK"],
        }
    )
    areas = pd.DataFrame({"code": ["2101", "2001", "1001"], "parent_code": ["21", "20", "10"]})
    assert then_now.scope_areas(Scope("E1", "cluster"), members, areas) == [
        "20",
        "2001",
        "21",
        "2101",
    ]
    assert then_now.kpi_items(
        pd.DataFrame({"code": ["K"], "item_codes": ["FIN01,POP01"]}), "K"
    ) == [
        "FIN01",
        "POP01",
    ]


# ---------------------------------------------------------------- the store's rule (CELLS_AT)
CELL = {
    "item_code": "FIN01",
    "area_code": "21",
    "period": "2026-09",
    "period_end": date(2026, 9, 30),
}
FIRST, SECOND = datetime(2026, 10, 20, 9), datetime(2026, 11, 10, 9)


def upload(store: Store, value: float, when: datetime, name: str) -> int:
    """An upload of the one cell, committed at `when` (the batch's created_at)."""
    cells = pd.DataFrame([{**CELL, "value": value, "note": None}])
    batch = {
        "kind": "upload",
        "username": "pto21",
        "agency_code": "PTO",
        "file_name": name,
        "checksum": name,
        "created_at": when,
    }
    return store.commit_cells(cells, batch, {"username": "pto21", "action": "upload"})


def at_clock(monkeypatch, moment: datetime) -> None:
    """Verify and undo stamp datetime.now(): pin it for the next write."""

    class Pinned(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    monkeypatch.setattr(store_observations, "datetime", Pinned)


def value_on(store: Store, day: date) -> float:
    """FIN01 of Rayong for 2026-09 as known on `day` (the engine's door to the values)."""
    values = store.kpi_item_values(["FIN01"], day, date(2026, 9, 30), date(2026, 9, 30))
    return float(values.loc[values["province_code"] == "21", "value_mean"].iloc[0])


def kpi04_on(store: Store, day: date) -> float:
    scores = kpi.scores(store, "province", 2569, day, 12)
    return float(
        scores.loc[(scores["area_code"] == "21") & (scores["kpi_code"] == "KPI04"), "result"].iloc[
            0
        ]
    )


@pytest.fixture
def two_uploads(small_store_copy):
    """The small store with Rayong's FIN01 2026-09 uploaded as 62 (20 Oct) then 78 (10 Nov)."""
    with Store(small_store_copy) as store:
        original = value_on(store, AS_OF)
        first = upload(store, 62.0, FIRST, "fin-oct.csv")
        second = upload(store, 78.0, SECOND, "fin-nov.csv")
    return small_store_copy, original, first, second


def test_a_day_between_two_uploads_sees_the_first_value(two_uploads):
    path, original, _, _ = two_uploads
    with Store(path, read_only=True) as store:
        assert value_on(store, date(2026, 10, 19)) == original  # before both: the demo's value
        assert value_on(store, date(2026, 10, 20)) == 62.0  # submitted that day: it counts
        assert value_on(store, date(2026, 11, 9)) == 62.0
        assert value_on(store, date(2026, 11, 10)) == 78.0
        assert kpi04_on(store, date(2026, 11, 1)) == 62.0  # the KPI over it, as known then
        assert kpi04_on(store, AS_OF) == 78.0


def test_an_undone_upload_counts_until_the_day_it_was_undone(two_uploads, monkeypatch):
    path, _, _, second = two_uploads
    with Store(path) as store:
        at_clock(monkeypatch, datetime(2026, 11, 15, 9))
        store.undo_batch(second, "pto21")
        assert value_on(store, date(2026, 11, 14)) == 78.0  # not yet undone then
        assert value_on(store, date(2026, 11, 15)) == 62.0  # undone: the first value is back
        assert value_on(store, date(2026, 11, 1)) == 62.0


def test_a_value_verified_later_is_not_correct_before_it_was_verified(two_uploads, monkeypatch):
    path, _, _, _ = two_uploads
    due = pd.DataFrame({"item_code": ["FIN01"], "due_limit": [date(2026, 9, 30)]})

    def correct_on(store: Store, day: date) -> int:
        facts = store.coverage_facts(
            day, date(2026, 9, 1), date(2026, 9, 30), date(2025, 10, 1), date(2026, 9, 30), due
        )
        cell = facts.set_index(["item_code", "area_code"]).loc[("FIN01", "21")]
        return int(cell["correct_cells"])

    with Store(path) as store:
        at_clock(monkeypatch, datetime(2026, 11, 12, 9))
        store.set_status(pd.DataFrame([CELL]), "verified", "pto21v")
        assert correct_on(store, date(2026, 11, 11)) == 0  # submitted, not yet verified then
        assert correct_on(store, date(2026, 11, 12)) == 1
        assert value_on(store, date(2026, 11, 11)) == 78.0  # the value itself was known

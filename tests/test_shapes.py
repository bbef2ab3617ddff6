"""Tests for lib/ingest/shapes.py: two-row headers, month columns, year x month periods."""

from __future__ import annotations

import pytest

from lib.ingest.periods import period_for
from lib.ingest.shapes import grid_period_text, month_columns, two_row_header, unit_of

# NSO-style table: a measure over merged cells, the units in the row below.
NSO = [
    ["ข้อมูลครัวเรือน จังหวัด", "", "", "", "", ""],
    ["จังหวัด", "ปี", "จำนวนครัวเรือน", "", "รายได้เฉลี่ย", "ร้อยละคนจน"],
    ["", "", "ครัวเรือน", "(คน)", "บาท/เดือน", "%"],
    ["ระยอง", "2565", "250,000", "734,753", "31,250", "2.1"],
]


def test_a_measure_over_merged_cells_takes_each_unit_below():
    assert two_row_header(NSO, 1) == [
        "จังหวัด",
        "ปี",
        "จำนวนครัวเรือน (ครัวเรือน)",
        "จำนวนครัวเรือน (คน)",
        "รายได้เฉลี่ย (บาท/เดือน)",
        "ร้อยละคนจน (%)",
    ]


@pytest.mark.parametrize("i", [0, 2, 3])
def test_a_row_above_data_or_no_unit_row_is_no_two_row_header(i):
    assert two_row_header(NSO, i) is None  # title over header; units over data; last row


def test_a_merged_measure_stops_at_a_cell_without_a_unit():
    rows = [["ประชากร", "", "", "หมายเหตุ"], ["คน", "ราย", "", ""]]
    assert two_row_header(rows, 0) == ["ประชากร (คน)", "ประชากร (ราย)", "", "หมายเหตุ"]


def test_units_are_words_not_data():
    assert [unit_of(t) for t in ("ล้านบาท", "หน่วย: ไร่", "(ตัน)", "ร้อยละ", "Baht")] == [
        "ล้านบาท",
        "ไร่",
        "ตัน",
        "ร้อยละ",
        "Baht",
    ]
    assert [unit_of(t) for t in ("ระยอง", "2565", "1,234", "ชาย", "")] == [""] * 5


def test_month_columns_need_three_months_alone():
    labels = ["ปี", "ม.ค.", "กุมภาพันธ์", "มีค", "Apr", "May", "เดือน 6", "รวม"]
    assert month_columns(labels) == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}
    assert month_columns(["ปี", "ม.ค. 2567", "ก.พ. 2567", "มี.ค. 2567"]) == {}  # periods
    assert month_columns(["ปี", "ม.ค.", "ก.พ.", "ค่า"]) == {}


@pytest.mark.parametrize(
    ("year", "month", "code"),
    [
        ("2565", 3, "2022-03"),
        ("พ.ศ. 2565", 12, "2022-12"),
        ("ปี ๒๕๖๕", 1, "2022-01"),
        ("2022", 5, "2022-05"),
    ],
)
def test_grid_period_text_is_read_by_periods(year, month, code):
    text = grid_period_text(year, month)
    assert period_for(text, "monthly")[0] == code


def test_two_digit_years_only_when_asked_and_bad_months_refused():
    assert grid_period_text("65", 3) == ""
    assert grid_period_text("65", 3, two_digit=True) == "2565-03"
    assert grid_period_text("รวม", 3) == ""
    with pytest.raises(ValueError, match="month"):
        grid_period_text("2565", 13)

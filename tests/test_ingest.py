"""Tests for lib/ingest (read_upload and its modules): real-looking uploads built in code."""

from __future__ import annotations

import codecs
from datetime import date, datetime

import numpy as np
import pytest

from lib import ingest
from lib.ingest import CLEAN_COLUMNS, normalise_period
from tests.fixtures_ingest import (
    LONG_HEADER,
    codes,
    csv_bytes,
    long_file,
    read,
    xlsx_bytes,
)


def one(result, **expected):
    """The single clean row, checked against expected fields."""
    assert len(result.clean) == 1, result.problems
    row = result.clean.iloc[0]
    for key, value in expected.items():
        assert row[key] == value, (key, row[key], value)
    return row


# ---------------------------------------------------------------- encodings and layout

SMART_NOTE = "ข้อมูลเบื้องต้น “ยังไม่ยืนยัน” – ตรวจแล้ว"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp874", "cp874"), ("utf-16", "utf-16")],
)
def test_encodings_are_detected_and_thai_and_smart_quotes_survive(encoding, expected):
    data = long_file(
        [["FIN01", "ระยอง", "มี.ค. 2568", "45.5", SMART_NOTE]], title=True, encoding=encoding
    )
    if encoding == "cp874":
        data.decode("cp874")  # the smart quotes and en dash exist in cp874
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    result = read(data)
    assert result.encoding == expected
    assert result.ok, result.problems
    one(result, item_code="FIN01", area_code="21", period="2025-03", value=45.5, note=SMART_NOTE)


def test_tis_620_codec_is_not_what_reads_cp874():
    raw = "“ok”".encode("cp874")
    assert raw.decode("cp874") == "“ok”"
    assert raw.decode("tis_620") != "“ok”"  # the reason the module uses cp874


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter):
    body = [["POP01", "ระยอง", "2568", "1,234,567", ""], ["POP01", "ชลบุรี", "2568", "12", ""]]
    result = read(long_file(body, title=True, delimiter=delimiter))
    assert result.delimiter == delimiter
    assert result.ok, result.problems
    assert result.clean["value"].tolist() == [1234567.0, 12.0]


def test_title_rows_blank_lines_and_source_notes_keep_excel_row_numbers():
    rows = [
        ["ข้อมูลผลการเบิกจ่ายงบประมาณ"],
        ["จังหวัดระยอง ปีงบประมาณ 2568"],
        ["หน่วย: ร้อยละ"],
        LONG_HEADER,
        ["FIN01", "ระยอง", "2568-03", "50", ""],
        [],
        ["FIN01", "ระยอง", "2568-04", "60", ""],
        ["", "", "", "", ""],
        ["ที่มา: ระบบ GFMIS กรมบัญชีกลาง"],
        ["หมายเหตุ ข้อมูล ณ วันที่ 10 เม.ย. 2568"],
        ["Source: GFMIS"],
        ["* ข้อมูลเบื้องต้น"],
    ]
    result = read(csv_bytes(rows))
    assert result.ok, result.problems
    assert result.header_row == 4
    assert result.clean["source_row"].tolist() == [5, 7]
    assert result.clean["source_column"].tolist() == ["ค่า", "ค่า"]


def test_rows_after_the_table_that_are_not_notes_are_data():
    rows = [
        LONG_HEADER,
        ["FIN01", "ระยอง", "2568-03", "50", ""],
        ["ที่มา: กรมบัญชีกลาง"],
        ["FIN01", "ชลบุรี", "2568-03", "40", ""],
        ["จัดทำโดย สำนักงานคลังจังหวัด"],
    ]
    result = read(csv_bytes(rows))
    assert result.clean["area_code"].tolist() == ["21", "20"]
    assert not result.ok
    assert {p.row for p in result.errors} == {5}
    assert "unknown_item" in {p.code for p in result.errors}


def test_a_total_row_is_set_aside_with_a_warning_not_skipped():
    rows = [LONG_HEADER, ["FIN01", "ระยอง", "2568-03", "50", ""], ["รวม", "", "", "50", ""]]
    result = read(csv_bytes(rows))
    assert codes(result) == [(3, "รหัสรายการ", "total_set_aside")]
    assert "แถวผลรวม" in result.problems[0].message_th
    assert result.ok and result.clean["source_row"].tolist() == [2]


# ---------------------------------------------------------------- values

VALUE_CASES = [
    ("POP01", "1,234,567", 1234567.0),
    ("POP01", "1,234,567.00", 1234567.0),
    ("POP01", "๑,๒๓๔", 1234.0),
    ("MAC03", "๑๒.๕", 12.5),
    ("POP01", " 12 ", 12.0),
    ("POP01", "1 234", 1234.0),
    ("POP01", "1e3", 1000.0),
    ("MAC03", "(12.5)", -12.5),
    ("MAC03", "−5", -5.0),
    ("MAC03", "-5", -5.0),
    ("FIN01", "45.5%", 45.5),
    ("FIN01", "45.5 %", 45.5),
    ("POP01", "5%", "not_a_number"),
    ("POP01", "12,34", "not_a_number"),
    ("POP01", "1.234.567", "not_a_number"),
    ("POP01", "abc", "not_a_number"),
    ("POP01", "inf", "not_a_number"),
    ("POP01", "-", "blank"),
    ("POP01", "", "blank"),
    ("POP01", "n/a", "blank"),
    ("FIN01", "100.5", "out_of_range"),
    ("FIN01", "-1", "out_of_range"),
    ("FIN01", "100", 100.0),
    ("FIN01", "0", 0.0),
]


@pytest.mark.parametrize(("item", "text", "expected"), VALUE_CASES)
def test_values(item, text, expected):
    period = {"POP01": "2568", "MAC03": "2568", "FIN01": "2568-03"}[item]
    result = read(long_file([[item, "ระยอง", period, text, ""]]))
    if isinstance(expected, float):
        assert result.ok, result.problems
        one(result, value=expected)
    elif expected == "blank":  # a row left blank (no value, no note) is not reported
        assert result.clean.empty
        assert result.ok and codes(result) == []
        assert result.blank_rows == 1
    else:
        assert result.clean.empty
        assert codes(result) == [(2, "ค่า", expected)]
        assert not result.ok


def test_messages_name_the_reason_in_thai_and_english():
    result = read(
        long_file([["POP01", "ระยอง", "2568", "5%", ""], ["FIN01", "ระยอง", "2568-03", "101", ""]])
    )
    first, second = result.problems
    assert "ไม่ใช่ตัวเลข" in first.message_th and "ร้อยละ" in first.message_th
    assert "not a number" in first.message_en
    assert "อยู่นอกช่วง" in second.message_th and "0 ถึง 100" in second.message_th
    assert "0 to 100" in second.message_en


# ---------------------------------------------------------------- periods

PERIOD_CASES = [
    # monthly
    ("monthly", "2568-03", "2025-03"),
    ("monthly", "2025-03", "2025-03"),
    ("monthly", "2568/3", "2025-03"),
    ("monthly", "03/2568", "2025-03"),
    ("monthly", "3/2025", "2025-03"),
    ("monthly", "๐๓/๒๕๖๘", "2025-03"),
    ("monthly", "มี.ค. 68", "2025-03"),
    ("monthly", "มี.ค. 2568", "2025-03"),
    ("monthly", "มี.ค.68", "2025-03"),
    ("monthly", "มีค 68", "2025-03"),
    ("monthly", "มีนาคม 2568", "2025-03"),
    ("monthly", "เดือนมีนาคม พ.ศ. 2568", "2025-03"),
    ("monthly", "ธ.ค. 67", "2024-12"),
    ("monthly", "Mar 2025", "2025-03"),
    ("monthly", "March 2568", "2025-03"),
    ("monthly", "2025-03-15", "2025-03"),
    ("monthly", "2025-03-01 00:00:00", "2025-03"),
    ("monthly", "15/3/2568", "2025-03"),
    ("monthly", "2568", "period_not_of_frequency"),
    ("monthly", "ไตรมาส 1/2568", "period_not_of_frequency"),
    ("monthly", "FY2568", "period_not_of_frequency"),
    ("monthly", "Mar-25", "bad_period"),
    ("monthly", "13/2568", "bad_period"),
    ("monthly", "2568-13", "bad_period"),
    ("monthly", "3/68", "bad_period"),
    ("monthly", "เดือนหน้า", "bad_period"),
    ("monthly", "31/2/2568", "bad_period"),
    # quarterly: calendar quarters of the Buddhist or CE year
    ("quarterly", "ไตรมาส 1/2568", "2025-Q1"),
    ("quarterly", "ไตรมาสที่ 2 ปี 2568", "2025-Q2"),
    ("quarterly", "Q1 2568", "2025-Q1"),
    ("quarterly", "Q3/2025", "2025-Q3"),
    ("quarterly", "2568-Q1", "2025-Q1"),
    ("quarterly", "2025Q4", "2025-Q4"),
    ("quarterly", "1/2568", "2025-Q1"),
    ("quarterly", "2025-02-10", "2025-Q1"),
    ("quarterly", "5/2568", "bad_period"),
    ("quarterly", "2568-03", "period_not_of_frequency"),
    ("quarterly", "2568", "period_not_of_frequency"),
    # annual (calendar)
    ("annual", "2568", "2025"),
    ("annual", "2025", "2025"),
    ("annual", "พ.ศ. 2568", "2025"),
    ("annual", "ปี 2568", "2025"),
    ("annual", "๒๕๖๘", "2025"),
    ("annual", "ค.ศ. 2025", "2025"),
    ("annual", "68", "bad_period"),
    ("annual", "1800", "bad_period"),
    ("annual", "2568-03", "period_not_of_frequency"),
    ("annual", "ปีงบประมาณ 2568", "period_not_of_frequency"),
    # fiscal years
    ("fiscal_annual", "ปีงบประมาณ 2568", "FY2568"),
    ("fiscal_annual", "ปีงบประมาณ พ.ศ. 2568", "FY2568"),
    ("fiscal_annual", "ปีงบ 68", "FY2568"),
    ("fiscal_annual", "FY2568", "FY2568"),
    ("fiscal_annual", "FY 2568", "FY2568"),
    ("fiscal_annual", "fy2025", "FY2568"),
    ("fiscal_annual", "2568", "FY2568"),
    ("fiscal_annual", "2024-10-01", "FY2568"),
    ("fiscal_annual", "FY68", "bad_period"),
    ("fiscal_annual", "2568-03", "period_not_of_frequency"),
    ("fiscal_annual", "ไตรมาส 1/2568", "period_not_of_frequency"),
]
ITEM_OF_FREQUENCY = {
    "monthly": "FIN01",
    "quarterly": "LAB01",
    "annual": "POP01",
    "fiscal_annual": "COM02",
}


@pytest.mark.parametrize(("frequency", "text", "expected"), PERIOD_CASES)
def test_period_notations(frequency, text, expected):
    result = read(long_file([[ITEM_OF_FREQUENCY[frequency], "ระยอง", text, "5", ""]]))
    if expected.startswith(("bad", "period")):
        assert codes(result) == [(2, "งวด", expected)]
        with pytest.raises(ValueError):
            normalise_period(text, frequency)
    else:
        assert result.ok, result.problems
        one(result, period=expected)
        assert normalise_period(text, frequency) == expected


def test_period_end_is_the_last_day_of_the_period():
    row = one(read(long_file([["COM02", "ระยอง", "ปีงบ 68", "5", ""]])))
    assert row["period_end"] == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("period", "in_future"), [("2026-10", False), ("2026-11", True), ("2027-01", True)]
)
def test_period_not_ended_at_as_of_is_in_the_future(period, in_future):
    result = read(long_file([["FIN01", "ระยอง", period, "5", ""]]))
    assert (codes(result) == [(2, "งวด", "period_in_future")]) is in_future
    assert result.ok is not in_future


def test_as_of_defaults_to_today():
    result = ingest.read_upload(
        long_file([["FIN01", "ระยอง", "2099-01", "5", ""]]),
        "x.csv",
        *_frames(),
    )
    assert [p.code for p in result.problems] == ["period_in_future"]


def _frames():
    from tests.fixtures_ingest import areas, items

    return items(), areas()


# ---------------------------------------------------------------- areas

AREA_CASES = [
    ("FIN01", "21", "21"),
    ("FIN01", "21.0", "21"),
    ("FIN01", "๒๑", "21"),
    ("FIN01", "TH-21", "21"),
    ("FIN01", "th21", "21"),
    ("FIN01", "ระยอง", "21"),
    ("FIN01", "จ.ระยอง", "21"),
    ("FIN01", "จังหวัดระยอง", "21"),
    ("FIN01", "จังหวัด  ระยอง", "21"),
    ("FIN01", " ระ ยอง ", "21"),
    ("FIN01", "ระยอง\u200b", "21"),
    ("FIN01", "Rayong", "21"),
    ("FIN01", "RAYONG", "21"),
    ("FIN01", "Rayong Province", "21"),
    ("FIN01", "กรุงเทพฯ", "10"),
    ("FIN01", "กทม.", "10"),
    ("FIN01", "Bangkok", "10"),
    ("FIN01", "Chonburi", "20"),
    ("FIN01", "Phang Nga", "82"),
    ("FIN01", "กําแพงเพชร", "62"),  # sara am typed as nikhahit + sara aa
    ("FIN01", "พระนครศรีอยุธยา", "14"),  # also a district's name: the item's level decides
    ("HLT01", "2102", "2102"),
    ("HLT01", "2102.0", "2102"),
    ("HLT01", "บ้านฉาง", "2102"),
    ("HLT01", "อ.บ้านฉาง", "2102"),
    ("HLT01", "อำเภอบ้านฉาง", "2102"),
    ("HLT01", "กิ่งอำเภอบ้านฉาง", "2102"),
    ("HLT01", "อ.บ้านฉาง จ.ระยอง", "2102"),
    ("HLT01", "อำเภอ บ้านฉาง  จังหวัด ระยอง", "2102"),
    ("HLT01", "บ้านฉาง ระยอง", "2102"),
    ("HLT01", "Ban Chang, Rayong", "2102"),
    ("HLT01", "ban chang", "2102"),
    ("HLT01", "Amphoe Ban Chang", "2102"),
    ("HLT01", "อ.เมือง จ.ระยอง", "2101"),
    ("HLT01", "อำเภอเมืองระยอง", "2101"),
    ("HLT01", "Mueang Rayong", "2101"),
    ("HLT01", "Muang, Rayong", "2101"),
    ("HLT01", "อ.เมือง จ.พระนครศรีอยุธยา", "1401"),
    ("HLT01", "พระนครศรีอยุธยา", "1401"),
    ("HLT01", "เขตพระนคร", "1001"),
    ("HLT01", "พระนคร", "1001"),
    ("HLT01", "เฉลิมพระเกียรติ จ.น่าน", "5515"),
]


@pytest.mark.parametrize(("item", "text", "expected"), AREA_CASES)
def test_area_spellings(item, text, expected):
    result = read(long_file([[item, text, "2568-03", "5", ""]]))
    assert result.ok, result.problems
    one(result, area_code=expected)


AREA_PROBLEMS = [
    ("HLT01", "อ.เมือง", "ambiguous_area", "และอีก 74 แห่ง"),
    ("HLT01", "เฉลิมพระเกียรติ", "ambiguous_area", "เฉลิมพระเกียรติ จ.สระบุรี (1913)"),
    ("HLT01", "Bang Sai, Phra Nakhon Si Ayutthaya", "ambiguous_area", "บางซ้าย"),
    ("FIN01", "ระยองง", "unknown_area", "ระยอง (21)"),
    ("FIN01", "Rayongg", "unknown_area", "ระยอง"),
    ("FIN01", "99", "unknown_area", "ไม่มีรหัสพื้นที่นี้"),
    ("FIN01", "TH-99", "unknown_area", "ISO"),
    ("HLT01", "อ.บ้านฉางง จ.ระยอง", "unknown_area", "บ้านฉาง จ.ระยอง (2102)"),
    ("HLT01", "อ.บ้านฉาง จ.ชลบุรี", "unknown_area", "จ.ชลบุรี"),
    ("FIN01", "2102", "area_level_mismatch", "ระดับอำเภอ"),
    ("FIN01", "บ้านฉาง", "area_level_mismatch", "ระดับอำเภอ"),
    ("HLT01", "ระยอง", "area_level_mismatch", "ระดับจังหวัด"),
]


@pytest.mark.parametrize(("item", "text", "code", "in_message"), AREA_PROBLEMS)
def test_area_problems_name_candidates_and_suggestions(item, text, code, in_message):
    result = read(long_file([[item, text, "2568-03", "5", ""]]))
    assert result.clean.empty
    assert codes(result) == [(2, "พื้นที่", code)]
    assert in_message in result.problems[0].message_th
    assert result.problems[0].value == text


def test_english_suggestions_for_an_english_name():
    result = read(long_file([["FIN01", "Rayongg", "2568-03", "5", ""]]))
    assert "Rayong (21)" in result.problems[0].message_en


def test_district_and_province_columns_together():
    rows = [
        ["รหัสรายการ", "อำเภอ", "จังหวัด", "งวด", "ค่า"],
        ["HLT01", "เมือง", "ระยอง", "2568-01", "1"],
        ["HLT01", "บ้านฉาง", "Rayong", "2568-01", "2"],
        ["HLT01", "เมือง", "ชลบุรี", "2568-01", "3"],
    ]
    result = read(csv_bytes(rows))
    assert result.ok, result.problems
    assert result.clean["area_code"].tolist() == ["2101", "2102", "2001"]


# ---------------------------------------------------------------- long form variants


def test_item_argument_replaces_a_missing_item_column():
    rows = [["จังหวัด", "เดือน", "ค่าข้อมูล"], ["ระยอง", "มี.ค. 68", "5"]]
    result = read(csv_bytes(rows), item_code="FIN01")
    assert result.form == "long"
    one(result, item_code="FIN01", period="2025-03", source_column="ค่าข้อมูล")


def test_period_argument_replaces_a_missing_period_column():
    rows = [["Item Code", "Province", "Value", "Note"], ["fin01", "Rayong", "5", ""]]
    result = read(csv_bytes(rows), period="มี.ค. 2568")
    one(result, item_code="FIN01", period="2025-03")


def test_year_and_month_columns_make_the_period():
    rows = [
        ["รหัสรายการ", "จังหวัด", "ปี", "เดือน", "ค่า"],
        ["FIN01", "ระยอง", "2568", "3", "5"],
        ["FIN01", "ระยอง", "2568", "เมษายน", "6"],
    ]
    result = read(csv_bytes(rows))
    assert result.ok, result.problems
    assert result.clean["period"].tolist() == ["2025-03", "2025-04"]


def test_no_item_column_and_no_item_chosen():
    result = read(csv_bytes([["จังหวัด", "งวด", "ค่า"], ["ระยอง", "2568-03", "5"]]))
    assert codes(result) == [(None, "", "missing_item")]


def test_unknown_item_suggests_the_nearest_code():
    result = read(long_file([["FIN1", "ระยอง", "2568-03", "5", ""]]))
    assert codes(result) == [(2, "รหัสรายการ", "unknown_item")]
    assert "FIN01" in result.problems[0].message_th


def test_unknown_item_argument_is_one_problem_for_the_file():
    rows = [["จังหวัด", "งวด", "ค่า"], ["ระยอง", "2568-03", "5"], ["ชลบุรี", "2568-03", "6"]]
    result = read(csv_bytes(rows), item_code="NOPE01")
    assert codes(result) == [(None, "", "unknown_item")]


def test_duplicate_cells_name_both_rows_whatever_the_spelling():
    body = [
        ["FIN01", "ระยอง", "2568-03", "5", ""],
        ["FIN01", "ชลบุรี", "2568-03", "5", ""],
        ["FIN01", "21", "มี.ค. 68", "6", ""],
    ]
    result = read(long_file(body))
    assert codes(result) == [(2, "ค่า", "duplicate_cell"), (4, "ค่า", "duplicate_cell")]
    assert all("2, 4" in p.message_th for p in result.problems)
    assert result.clean["area_code"].tolist() == ["20"]


def test_a_neutralised_note_reads_back_as_typed():
    result = read(long_file([["FIN01", "ระยอง", "2568-03", "5", "'=1+1"]]))
    one(result, note="=1+1")


def test_clean_frame_shape_and_types():
    result = read(long_file([["FIN01", "ระยอง", "2568-03", "5", ""]]))
    assert list(result.clean.columns) == CLEAN_COLUMNS
    row = result.clean.iloc[0]
    assert isinstance(row["period_end"], date)
    assert row["note"] is None
    assert result.clean["value"].dtype == np.float64
    assert result.clean["source_row"].tolist() == [2]


def test_many_problems_are_listed_up_to_the_cap():
    body = [["FIN01", "ระยอง", f"2568-{m:02d}", "500", ""] for m in range(1, 13)]
    result = read(long_file(body), max_problems=5)
    assert result.problem_count == 12
    assert len(result.problems) == 6
    assert result.problems[-1].code == "too_many_problems"


def test_problems_frame_in_each_language():
    result = read(long_file([["FIN01", "ระยอง", "2568-03", "500", ""]]))
    th, en = result.problems_frame(), result.problems_frame("en")
    assert list(th.columns) == ["row", "column", "value", "code", "severity", "message"]
    assert th.loc[0, "row"] == 2 and th.loc[0, "column"] == "ค่า"
    assert "นอกช่วง" in th.loc[0, "message"] and "outside" in en.loc[0, "message"]


def test_a_larger_file_is_read_in_one_pass():
    provinces = [str(c) for c in range(10, 100) if str(c) in set(_frames()[1]["code"])]
    body = [
        ["FIN01", code, f"{y}-{m:02d}", str((i + m) % 100), ""]
        for i, code in enumerate(provinces)
        for y in range(2000, 2026)
        for m in range(1, 13)
    ]
    result = read(long_file(body))
    assert result.ok
    assert len(result.clean) == len(body) == 77 * 26 * 12
    assert result.clean["source_row"].iloc[-1] == len(body) + 1


# ---------------------------------------------------------------- wide forms

WIDE_PERIODS = [
    ["จังหวัด", "ม.ค. 2568", "ก.พ. 2568", "หมายเหตุ"],
    ["ระยอง", "10", "20", ""],
    ["ชลบุรี", "", "30", "ประมาณการ"],
]


def test_wide_periods_with_the_item_argument():
    result = read(csv_bytes(WIDE_PERIODS), item_code="FIN01")
    assert result.form == "wide_periods"
    assert result.ok, result.problems
    clean = result.clean.sort_values(["source_row", "period"])
    assert clean[["area_code", "period", "value"]].values.tolist() == [
        ["21", "2025-01", 10.0],
        ["21", "2025-02", 20.0],
        ["20", "2025-02", 30.0],
    ]
    assert clean["source_column"].tolist() == ["ม.ค. 2568", "ก.พ. 2568", "ก.พ. 2568"]
    assert clean["note"].tolist() == [None, None, "ประมาณการ"]
    assert result.item_code == "FIN01"


@pytest.mark.parametrize(
    "label_row",
    [["รหัสรายการ: FIN01"], ["รหัสรายการ:", "FIN01"], ["item_code: fin01"], ["รหัสรายการ : FIN01"]],
)
def test_wide_periods_with_the_item_in_a_cell_above(label_row):
    result = read(csv_bytes([["ผลการเบิกจ่าย"], label_row, *WIDE_PERIODS]))
    assert result.form == "wide_periods"
    assert result.ok, result.problems
    assert len(result.clean) == 3
    assert set(result.clean["item_code"]) == {"FIN01"}


def test_wide_periods_item_argument_and_cell_disagree():
    result = read(csv_bytes([["รหัสรายการ: FIN01"], *WIDE_PERIODS]), item_code="FIN02")
    assert codes(result)[0] == (1, "A", "item_mismatch")
    assert not result.ok


def test_wide_periods_without_an_item():
    result = read(csv_bytes(WIDE_PERIODS))
    assert codes(result) == [(None, "", "missing_item")]
    assert result.clean.empty


def test_wide_periods_header_problems_are_reported_once_at_the_header():
    rows = [
        ["จังหวัด", "ม.ค. 2568", "2568", "ธ.ค. 2569", "รวม"],
        ["ระยอง", "10", "20", "5", "35"],
        ["ชลบุรี", "11", "21", "6", "38"],
    ]
    result = read(csv_bytes(rows), item_code="FIN01")
    assert codes(result) == [
        (1, "รวม", "total_column"),
        (1, "2568", "period_not_of_frequency"),
        (1, "ธ.ค. 2569", "period_in_future"),
    ]
    assert result.clean["period"].tolist() == ["2025-01", "2025-01"]


def test_wide_periods_repeated_period_column():
    rows = [["จังหวัด", "ม.ค. 2568", "2568-01"], ["ระยอง", "10", "20"]]
    result = read(csv_bytes(rows), item_code="FIN01")
    assert (1, "2568-01", "duplicate_column") in codes(result)


WIDE_ITEMS = [
    ["พื้นที่", "FIN01", "FIN02", "TOU03"],
    ["ระยอง", "10", "1,000", "70.5"],
    ["TH-20", "11", "", "65"],
]


def test_wide_items_with_the_period_argument():
    result = read(csv_bytes(WIDE_ITEMS), period="มี.ค. 68")
    assert result.form == "wide_items"
    assert result.ok, result.problems
    got = sorted(map(tuple, result.clean[["item_code", "area_code", "value"]].values.tolist()))
    assert got == [
        ("FIN01", "20", 11.0),
        ("FIN01", "21", 10.0),
        ("FIN02", "21", 1000.0),
        ("TOU03", "20", 65.0),
        ("TOU03", "21", 70.5),
    ]
    assert set(result.clean["period"]) == {"2025-03"}
    assert result.period_text == "มี.ค. 68"


@pytest.mark.parametrize(
    "label_row", [["งวด: 2568-03"], ["งวด:", "มีนาคม 2568"], ["period: 2025-03"]]
)
def test_wide_items_with_the_period_in_a_cell_above(label_row):
    result = read(csv_bytes([["ข้อมูลรายเดือน จังหวัดระยอง"], label_row, *WIDE_ITEMS]))
    assert result.ok, result.problems
    assert set(result.clean["period"]) == {"2025-03"}
    assert len(result.clean) == 5


def test_wide_items_problems_sit_at_the_header_or_the_period_cell():
    rows = [["งวด: 2568-03"], ["จังหวัด", "FIN01", "FIN99", "LAB01"], ["ระยอง", "1", "2", "3"]]
    result = read(csv_bytes(rows))
    assert codes(result) == [(1, "A", "period_not_of_frequency"), (2, "FIN99", "unknown_item")]
    assert result.clean["item_code"].tolist() == ["FIN01"]


def test_wide_items_without_a_period():
    result = read(csv_bytes(WIDE_ITEMS))
    assert codes(result) == [(None, "", "missing_period")]


# ---------------------------------------------------------------- XLSX


def test_xlsx_with_title_excel_dates_numbers_as_text_and_float_codes():
    rows = [
        ["ข้อมูลอัตราป่วยโรคไข้เลือดออก รายอำเภอ"],
        [],
        ["รหัสรายการ", "รหัสพื้นที่", "งวด", "ค่า", "หมายเหตุ"],
        ["HLT01", 2101, datetime(2025, 3, 1), 12.5, None],
        ["HLT01", 2102.0, "มี.ค. 2568", "๑๒๓.๕", "เก็บเป็นข้อความ"],
        ["HLT01", "2103", date(2025, 3, 31), 0, None],
        [],
        ["ที่มา: ระบบรายงาน 506"],
    ]
    result = read(xlsx_bytes(rows), "dengue.xlsx")
    assert result.ok, result.problems
    assert result.encoding is None and result.sheet == "Sheet1"
    assert result.clean[["area_code", "period", "value", "source_row"]].values.tolist() == [
        ["2101", "2025-03", 12.5, 4],
        ["2102", "2025-03", 123.5, 5],
        ["2103", "2025-03", 0.0, 6],
    ]


def test_xlsx_problem_rows_are_excel_rows():
    rows = [["title"], [None], LONG_HEADER, ["FIN01", "ระยอง", "2568-03", 500, None]]
    result = read(xlsx_bytes(rows), "x.xlsx")
    assert codes(result) == [(4, "ค่า", "out_of_range")]


def test_xlsx_sheet_named_like_the_template_is_read_first():
    data = xlsx_bytes(
        [LONG_HEADER, ["FIN01", "ระยอง", "2568-03", 5, None]],
        sheet="ข้อมูล",
        extra_sheets=[("คำอธิบาย", [["กรอกข้อมูลในแผ่นงาน ข้อมูล"]])],
    )
    result = read(data, "x.xlsx")
    assert result.sheet == "ข้อมูล"
    one(result, value=5.0)


def test_xlsx_data_on_a_later_sheet_is_found():
    data = xlsx_bytes(
        [LONG_HEADER, ["FIN01", "ระยอง", "2568-03", 5, None]],
        sheet="Data",
        extra_sheets=[("Readme", [["How to fill in"]])],
    )
    result = read(data, "x.xlsx")
    assert result.sheet == "Data"
    one(result, value=5.0)


def test_xlsx_wide_periods_with_date_headers():
    rows = [
        ["รหัสรายการ: FIN01"],
        ["จังหวัด", datetime(2025, 1, 1), datetime(2025, 2, 1)],
        ["ระยอง", 10, 20],
    ]
    result = read(xlsx_bytes(rows), "x.xlsx")
    assert result.form == "wide_periods"
    assert result.clean["period"].tolist() == ["2025-01", "2025-02"]


# ---------------------------------------------------------------- whole-file problems


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "x.csv", "empty_file"),
        (b"\r\n\r\n  \r\n", "x.csv", "empty_file"),
        (codecs.BOM_UTF8, "x.csv", "empty_file"),
        (b"\xdb\xdc\xfc not a thai file", "x.csv", "bad_encoding"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls", "damaged_file"),
        (b"PK\x03\x04 broken zip", "x.xlsx", "damaged_file"),
        (b"\x00\x01\x02\x03binary", "x.csv", "unreadable_file"),
        ("ข้อมูลจังหวัดระยอง\nไม่มีหัวตาราง\n".encode(), "x.csv", "missing_header"),
        (csv_bytes([["a", "b"], ["1", "2"]]), "x.csv", "missing_header"),
    ],
)
def test_whole_file_problems(data, name, code):
    result = read(data, name)
    assert [(p.row, p.code) for p in result.problems] == [(None, code)]
    assert result.clean.empty and not result.ok
    assert result.problems[0].message_th and result.problems[0].message_en


def test_too_many_rows():
    body = [["FIN01", "ระยอง", f"2568-{m:02d}", "5", ""] for m in range(1, 13)]
    result = read(long_file(body), max_rows=5)
    assert [p.code for p in result.problems] == ["too_many_rows"]
    assert read(long_file(body), max_rows=12).ok


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="language"):
        read(long_file([]), lang="fr")
    with pytest.raises(ValueError, match="columns"):
        ingest.read_upload(b"x", "x.csv", _frames()[0][["code"]], _frames()[1])


def test_wide_periods_with_an_item_column_per_row():
    rows = [
        ["รหัสรายการ", "จังหวัด", "ม.ค. 2568", "ก.พ. 2568"],
        ["FIN01", "ระยอง", "10", "20"],
        ["TOU03", "ระยอง", "70", ""],
        ["FIN9", "ระยอง", "1", ""],
    ]
    result = read(csv_bytes(rows))
    assert result.form == "wide_periods"
    assert codes(result) == [(4, "รหัสรายการ", "unknown_item")]
    got = result.clean[["item_code", "period", "value"]].values.tolist()
    assert sorted(got) == [
        ["FIN01", "2025-01", 10.0],
        ["FIN01", "2025-02", 20.0],
        ["TOU03", "2025-01", 70.0],
    ]


def test_wide_items_with_a_period_column_per_row():
    rows = [
        ["จังหวัด", "งวด", "FIN01", "FIN02"],
        ["ระยอง", "มี.ค. 68", "10", "100"],
        ["ระยอง", "เม.ย. 68", "11", ""],
    ]
    result = read(csv_bytes(rows))
    assert result.form == "wide_items"
    assert result.ok, result.problems
    assert sorted(result.clean[["item_code", "period"]].values.tolist()) == [
        ["FIN01", "2025-03"],
        ["FIN01", "2025-04"],
        ["FIN02", "2025-03"],
    ]

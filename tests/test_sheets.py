"""Sheets and shapes (lib.ingest.sheets): every sheet, a sheet as its period, two-row headers,
year x month grids, the YYMM rule and base-year warnings."""

from __future__ import annotations

import io

import openpyxl

from lib.ingest import read_upload
from lib.ingest.layout import Layout
from tests.fixtures_ingest import AS_OF, areas, codes, csv_bytes, items, read

MONTHS = ("ม.ค. 2567", "ก.พ. 2567", "มี.ค. 2567")


def book(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """An XLSX workbook of (name, rows) sheets in that order."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def month_sheet(value: object) -> list[list[object]]:
    """A long sheet with no period column: the sheet's name gives it."""
    return [["พื้นที่", "ค่า"], ["ระยอง", value], ["ชลบุรี", 80]]


def test_all_sheets_are_read_each_sheet_one_month():
    data = book(*[(m, month_sheet(70 + i)) for i, m in enumerate(MONTHS)])
    result = read(data, "m.xlsx", item_code="FIN01", layout=Layout(all_sheets=True))
    assert result.ok, codes(result)
    assert result.sheets_read == list(MONTHS) and result.sheets == list(MONTHS)
    rayong = result.clean[result.clean["area_code"] == "21"]
    assert rayong[["period", "value"]].values.tolist() == [
        ["2024-01", 70],
        ["2024-02", 71],
        ["2024-03", 72],
    ]


def test_a_problem_names_its_sheet():
    sheets = [(m, month_sheet("x" if m == MONTHS[1] else 1)) for m in MONTHS]
    result = read(book(*sheets), "m.xlsx", item_code="FIN01", layout=Layout(all_sheets=True))
    assert codes(result) == [(2, "ชีต ก.พ. 2567: ค่า", "not_a_number")]
    assert len(result.clean) == 5


def test_duplicates_across_sheets_are_caught():
    rows = [["พื้นที่", "งวด", "ค่า"], ["ระยอง", "2567-01", 5]]
    layout = Layout(sheets=("ก", "ข"))
    result = read(
        book(("ก", rows), ("ข", rows), ("ค", [])), "d.xlsx", item_code="FIN01", layout=layout
    )
    assert {c for _, _, c in codes(result)} == {"duplicate_cell"}
    assert {col for _, col, _ in codes(result)} == {"ชีต ก: ค่า", "ชีต ข: ค่า"}


def test_a_named_sheet_missing_or_without_header_fails_all_sheets_skips_with_a_warning():
    data = book(("หมายเหตุ", [["ข้อมูลจากกรมการปกครอง"]]), (MONTHS[0], month_sheet(5)))
    missing = read(data, "m.xlsx", item_code="FIN01", layout=Layout(sheets=("Sheet9",)))
    assert [(p.code, p.value) for p in missing.problems] == [("unknown_sheet", "Sheet9")]
    named = read(data, "m.xlsx", item_code="FIN01", layout=Layout(sheets=("หมายเหตุ", MONTHS[0])))
    assert [p.code for p in named.errors] == ["missing_header"] and named.clean.empty
    every = read(data, "m.xlsx", item_code="FIN01", layout=Layout(all_sheets=True))
    assert every.ok and len(every.clean) == 2
    assert [(p.column, p.code, p.severity) for p in every.problems] == [
        ("ชีต หมายเหตุ", "missing_header", "warning")
    ]


def test_a_two_digit_sheet_name_is_a_buddhist_year():
    data = book(("58", [["จังหวัด", "จำนวน"], ["ระยอง", 700000]]))
    result = read(data, "p.xlsx", item_code="POP01")
    assert result.ok, codes(result)
    assert result.clean["period"].tolist() == ["2015"]


def test_a_title_row_gives_the_period():
    rows = [["ข้อมูลประจำเดือน ม.ค. 2567"], [], ["พื้นที่", "ค่า"], ["ระยอง", "5"]]
    result = read(csv_bytes(rows), item_code="FIN01", layout=Layout(period_rule="title"))
    assert result.clean["period"].tolist() == ["2024-01"]
    without = read(csv_bytes(rows), item_code="FIN01")
    assert [p.code for p in without.errors] == ["missing_period"]


def test_a_two_row_header_measure_over_unit():
    rows = [
        ["ชื่อจังหวัด", "ประชากรชาย", "ประชากรหญิง"],
        ["", "คน", "คน"],
        ["ระยอง", "100", "110"],
    ]
    layout = Layout(
        columns={"ชื่อจังหวัด": "area", "ประชากรชาย": "item:POP01", "ประชากรหญิง": "item:POP05"}
    )
    result = read(csv_bytes(rows), layout=layout, period="2565")
    assert result.ok and result.problems == [], codes(result)
    assert result.header_row == 2
    assert sorted(result.clean["value"].tolist()) == [100, 110]


def test_years_down_months_across():
    rows = [
        ["จังหวัด", "ปี", "ม.ค.", "ก.พ.", "มี.ค."],
        ["ระยอง", "2566", "10", "11", "12"],
        ["ระยอง", "2567", "20", "", "22"],
    ]
    result = read(csv_bytes(rows), item_code="TOU01")
    assert result.form == "wide_periods" and result.ok, codes(result)
    assert sorted(zip(result.clean["period"], result.clean["value"], strict=True)) == [
        ("2023-01", 10),
        ("2023-02", 11),
        ("2023-03", 12),
        ("2024-01", 20),
        ("2024-03", 22),
    ]


def test_the_yymm_rule_reads_dopa_codes():
    rows = [["พื้นที่", "งวด", "ค่า"], ["ระยอง", "2512", "5"]]
    result = read(csv_bytes(rows), item_code="FIN01", layout=Layout(period_rule="yymm"))
    assert result.clean["period"].tolist() == ["1982-12"]  # Dec 2525 BE, not the year 2512
    assert [p.code for p in read(csv_bytes(rows), item_code="FIN01").errors] != []


def test_a_title_base_year_other_than_the_items_warns_once():
    catalogue = items().assign(base_year=lambda f: f["code"].map({"MAC06": 2562}))
    rows = [
        ["ดัชนีราคาผู้บริโภค (ปีฐาน 2566 = 100)"],
        ["จังหวัด", "ม.ค. 2567", "ก.พ. 2567"],
        ["ระยอง", "101.5", "102.0"],
        ["ชลบุรี", "100.5", "101.0"],
    ]
    result = read_upload(
        csv_bytes(rows), "cpi.csv", catalogue, areas(), item_code="MAC06", as_of=AS_OF
    )
    assert codes(result) == [(1, "A", "base_year_changed")]
    assert "(รายการ MAC06 ใช้ปีฐาน 2562)" in result.problems[0].message("th")
    assert len(result.clean) == 4
    rows[0] = ["ดัชนีราคาผู้บริโภค (ปีฐาน 2562 = 100)"]
    same = read_upload(
        csv_bytes(rows), "cpi.csv", catalogue, areas(), item_code="MAC06", as_of=AS_OF
    )
    assert same.problems == []


def test_a_legacy_xls_workbook_is_read_sheet_by_sheet():
    import xlwt

    wb = xlwt.Workbook()
    for name in MONTHS[:2]:
        ws = wb.add_sheet(name)
        for i, row in enumerate(month_sheet(7)):
            for j, v in enumerate(row):
                ws.write(i, j, v)
    out = io.BytesIO()
    wb.save(out)
    result = read(out.getvalue(), "old.xls", item_code="FIN01", layout=Layout(all_sheets=True))
    assert result.ok, codes(result)
    assert sorted(set(result.clean["period"])) == ["2024-01", "2024-02"]
    assert len(result.clean) == 4

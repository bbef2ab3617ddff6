"""Files as agencies publish them, read end to end: what a new user tried and had to re-shape.

Each file is built in code the way the agency lays it out (DOPA's monthly births
by district with province rows and YYMM codes, a provincial price index kept as
years down and months across for one province, a wide table with a total
column, headers the reader does not know); the assertions are what the user
gets: the cells read, the rows set aside, the warnings, the roles offered.
"""

from __future__ import annotations

import io

import xlwt

from lib.ingest import read_upload
from lib.ingest.layout import Layout
from tests.fixtures_ingest import AS_OF, areas, csv_bytes, items, read

MONTHS = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]


def xls_bytes(rows: list[list[object]], sheet: str = "6509") -> bytes:
    """Rows written as a legacy .xls workbook (xlwt), as DOPA's statistics are downloaded."""
    book = xlwt.Workbook()
    ws = book.add_sheet(sheet)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.write(i, j, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# DOPA's births by district: a title, YYMM codes, each province's row over its districts,
# male / female / total columns, a source note. Chon Buri's row says 21 where its districts
# add up to 20.
BIRTHS = [
    ["สถิติการเกิด จำแนกรายอำเภอ"],
    [],
    ["ปี/เดือน", "จังหวัด/อำเภอ", "ชาย", "หญิง", "รวม"],
    ["6509", "ระยอง", 300, 310, 610],
    ["6509", "เมืองระยอง", 150, 160, 310],
    ["6509", "บ้านฉาง", 50, 50, 100],
    ["6509", "แกลง", 100, 100, 200],
    ["6509", "ชลบุรี", 10, 10, 21],
    ["6509", "เมือง", 5, 5, 10],
    ["6509", "บ้านบึง", 5, 5, 10],
    ["ที่มา: กรมการปกครอง"],
]
BIRTHS_LAYOUT = Layout({"ชาย": "ignore", "หญิง": "ignore", "รวม": "item:POP03"}, period_rule="yymm")


def test_dopa_births_by_district_read_with_a_layout():
    result = read(xls_bytes(BIRTHS), "births.xls", layout=BIRTHS_LAYOUT)
    clean = result.clean.set_index("area_code")
    # เมือง under ชลบุรี is Mueang Chon Buri: the province is carried down
    assert sorted(clean.index) == ["2001", "2002", "2101", "2102", "2103"]
    assert set(clean["period"]) == {"2022-09"}  # 6509: September 2565
    assert set(clean["item_code"]) == {"POP03"}  # the column headed รวม is data, not a total
    assert clean.loc["2101", "value"] == 310 and clean.loc["2001", "value"] == 10
    found = [(p.row, p.code) for p in result.problems]
    assert (4, "total_set_aside") in found and (8, "total_set_aside") in found
    assert [p.row for p in result.problems if p.code == "total_mismatch"] == [8]  # not Rayong
    mismatch = next(p for p in result.problems if p.code == "total_mismatch")
    assert "21" in mismatch.message_th and "20" in mismatch.message_th
    assert result.ok and result.set_aside == 2


def test_dopa_headers_are_known_words_and_the_others_are_asked_about():
    result = read(xls_bytes(BIRTHS), "births.xls")
    roles = {c["label"]: c["role"] for c in result.columns}
    assert roles["ปี/เดือน"] == "period" and roles["จังหวัด/อำเภอ"] == "area"
    assert roles["ชาย"] == roles["หญิง"] == ""  # a question for the user
    assert not result.ok and result.clean.empty  # nothing read until the columns are named


def grid_rows(title: str, with_area: bool) -> list[list[str]]:
    """A provincial price index as kept: years down, months across, an average column."""
    head = ["ปี", *MONTHS, "เฉลี่ย"]
    body = [
        [year, *[f"{base + m / 10:.1f}" for m in range(12)], f"{base + 0.55:.2f}"]
        for year, base in (("2566", 100), ("2567", 101))
    ]
    if with_area:
        head, body = ["จังหวัด", *head], [["ระยอง", *r] for r in body]
    return [[title], head, *body]


def test_a_year_by_month_grid_of_one_province_takes_the_province_from_its_title():
    title = "ดัชนีราคาผู้บริโภคจังหวัดระยอง (ปีฐาน 2562 = 100)"
    result = read(csv_bytes(grid_rows(title, with_area=False)), item_code="MAC06")
    assert len(result.clean) == 24 and set(result.clean["area_code"]) == {"21"}
    assert result.clean["period"].min() == "2023-01" and result.clean["period"].max() == "2024-12"
    march = result.clean.set_index("period").loc["2024-03", "value"]
    assert march == 101.2
    assert not [p for p in result.problems if p.code == "base_year_changed"]  # MAC06's own
    with_column = read(csv_bytes(grid_rows(title, with_area=True)), item_code="MAC06")
    assert with_column.clean[["period", "value"]].equals(result.clean[["period", "value"]])


def test_a_grid_without_an_area_column_or_a_province_in_its_title_is_not_guessed():
    result = read(csv_bytes(grid_rows("ดัชนีราคาผู้บริโภค", with_area=False)), item_code="MAC06")
    assert [p.code for p in result.errors] == ["missing_header"] and result.clean.empty


def test_a_base_year_other_than_the_items_is_a_warning_at_the_title():
    title = "ดัชนีราคาผู้บริโภคจังหวัดระยอง (ปีฐาน 2566 = 100)"
    result = read(csv_bytes(grid_rows(title, with_area=False)), item_code="MAC06")
    warned = [p for p in result.problems if p.code == "base_year_changed"]
    assert [(p.row, p.value) for p in warned] == [(1, "2566")]
    assert "2562" in warned[0].message_th and result.ok and len(result.clean) == 24


def test_a_total_column_is_set_aside_with_a_warning_not_refused():
    rows = [["จังหวัด", "ม.ค. 2568", "ก.พ. 2568", "รวม"], ["ระยอง", "10", "20", "30"]]
    result = read(csv_bytes(rows), item_code="FIN02")
    assert [(p.column, p.code, p.severity) for p in result.problems] == [
        ("รวม", "total_column", "warning")
    ]
    assert result.ok and result.clean["value"].tolist() == [10, 20]


def test_a_file_without_a_header_offers_the_roles_it_recognised():
    rows = [["จังหวัด", "งวด", "ยอดเบิกจ่ายสะสม"], ["ระยอง", "ส.ค. 2569", "64.5"]]
    result = read_upload(csv_bytes(rows), "x.csv", items(), areas(), as_of=AS_OF)
    assert [c["role"] for c in result.columns] == ["province", "period", ""]
    assert [c["recognised"] for c in result.columns] == [True, True, False]
    mapped = read(csv_bytes(rows), layout=Layout({"ยอดเบิกจ่ายสะสม": "item:FIN01"}))
    assert mapped.ok and mapped.clean["value"].tolist() == [64.5]

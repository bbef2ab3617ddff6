"""Column mapping (lib.ingest.mapping): mapped roles, item:CODE columns, unread and bad mappings."""

from __future__ import annotations

from lib.ingest.layout import Layout
from tests.fixtures_ingest import codes, csv_bytes, read

NSO = [
    ["จำนวนประชากร จำแนกตามเพศ"],
    ["ชื่อจังหวัด", "ประชากรชาย", "ประชากรหญิง", "ครัวเรือน"],
    ["ระยอง", "100", "110", "50"],
    ["ชลบุรี", "200", "210", "60"],
]
NSO_LAYOUT = Layout(
    columns={"ชื่อจังหวัด": "area", "ประชากรชาย": "item:POP01", "ประชากรหญิง": "item:POP05"},
    name="nso",
)


def test_item_columns_feed_several_items_from_one_file():
    result = read(csv_bytes(NSO), layout=NSO_LAYOUT, period="2565")
    got = sorted(
        zip(
            result.clean["item_code"], result.clean["area_code"], result.clean["value"], strict=True
        )
    )
    assert got == [
        ("POP01", "20", 200),
        ("POP01", "21", 100),
        ("POP05", "20", 210),
        ("POP05", "21", 110),
    ]
    assert set(result.clean["period"]) == {"2022"}
    assert result.form == "wide_items" and result.header_row == 2


def test_an_unknown_header_is_one_question_not_a_failure():
    result = read(csv_bytes(NSO), layout=NSO_LAYOUT, period="2565")
    assert codes(result) == [(2, "ครัวเรือน", "unread_column")]  # once, not per row
    assert result.ok
    by_label = {c["label"]: c for c in result.columns}
    assert by_label["ครัวเรือน"]["role"] == "" and by_label["ครัวเรือน"]["samples"] == ["50", "60"]
    assert by_label["ประชากรชาย"]["role"] == "item:POP01"
    assert by_label["ประชากรชาย"]["recognised"] is False
    assert result.signature == ("ชื่อจังหวัด", "ประชากรชาย", "ประชากรหญิง", "ครัวเรือน")


def test_a_mapped_header_missing_from_the_file_is_bad_mapping():
    layout = Layout(columns={"ชื่อจังหวัด": "area", "ประชากรรวม": "item:POP01"})
    result = read(csv_bytes(NSO), layout=layout, period="2565")
    assert [(p.code, p.value) for p in result.problems] == [("bad_mapping", "ประชากรรวม")]
    assert "ประชากรชาย" in result.problems[0].message("th")  # the headers present are listed
    assert "no such header" in result.problems[0].message("en")
    assert result.clean.empty


def test_no_header_leaves_the_likeliest_row_for_the_role_pickers():
    result = read(csv_bytes(NSO), period="2565")
    assert [p.code for p in result.errors] == ["missing_header"]
    assert [c["label"] for c in result.columns] == [
        "ชื่อจังหวัด",
        "ประชากรชาย",
        "ประชากรหญิง",
        "ครัวเรือน",
    ]
    # what the header's words say is offered; the measures are a question for the user
    assert [c["role"] for c in result.columns] == ["area_name", "", "", ""]
    assert result.columns[1]["samples"] == ["100", "200"]


def test_a_saved_layout_is_chosen_by_the_file_header():
    other = Layout(columns={"อำเภอ": "district", "ผู้ป่วย": "item:HLT01"}, name="moph")
    result = read(csv_bytes(NSO), layouts=[other, NSO_LAYOUT], period="2565")
    assert result.layout_name == "nso" and len(result.clean) == 4
    unrelated = read(
        csv_bytes([["พื้นที่", "งวด", "ค่า"], ["ระยอง", "2568", "5"]]), layouts=[NSO_LAYOUT]
    )
    assert unrelated.layout_name is None


def test_a_mapped_role_wins_and_ignore_drops_a_column():
    rows = [
        ["พื้นที่", "งวด", "ค่า", "ค่าปรับปรุง", "หมายเหตุ"],
        ["ระยอง", "2568-03", "1", "85.5", "ประมาณการ"],
    ]
    layout = Layout(columns={"ค่า": "ignore", "ค่าปรับปรุง": "value", "หมายเหตุ": "ignore"})
    result = read(csv_bytes(rows), layout=layout, item_code="FIN01")
    assert result.clean["value"].tolist() == [85.5]
    assert result.clean["note"].tolist() == [None]
    assert result.problems == []


def test_a_mapped_value_column_with_the_chosen_item_is_a_long_sheet():
    rows = [["จังหวัด", "ปีข้อมูล", "จำนวนคน"], ["ระยอง", "2565", "700"]]
    layout = Layout(columns={"ปีข้อมูล": "period", "จำนวนคน": "value"})
    result = read(csv_bytes(rows), layout=layout, item_code="POP01")
    assert result.form == "long"
    assert result.clean[["item_code", "period", "value"]].values.tolist() == [
        ["POP01", "2022", 700]
    ]


def test_an_unknown_code_of_an_item_column_is_reported_at_its_header():
    layout = Layout(columns={"ชื่อจังหวัด": "area", "ประชากรชาย": "item:POP99"})
    result = read(csv_bytes(NSO), layout=layout, period="2565")
    assert (2, "ประชากรชาย", "unknown_item") in codes(result)
    assert (2, "ประชากรหญิง", "unread_column") in codes(result)

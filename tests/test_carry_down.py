"""District rows listed under their province's row (no province column): the province is
carried down, and the province row is a subtotal (lib.ingest.totals.carry_down)."""

from __future__ import annotations

from tests.fixtures_ingest import LONG_HEADER, codes, csv_bytes, items, read, xlsx_bytes


def agr(area: str, value: str, period: str = "2567") -> list[str]:
    """An AGR01 row (a district item, summed)."""
    return ["AGR01", area, period, value, ""]


def test_districts_under_their_province_row_are_read_within_it():
    rows = [
        agr("ระยอง", "60"),
        agr("เมือง", "10"),  # เมืองระยอง, not any other เมือง
        agr("บ้านฉาง", "50"),
        agr("เชียงใหม่", "30"),
        agr("จอมทอง", "30"),  # also a khet of Bangkok: within เชียงใหม่ here
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok, result.problems
    assert result.clean["area_code"].tolist() == ["2101", "2102", "5002"]
    assert codes(result) == [(2, "พื้นที่", "total_set_aside"), (5, "พื้นที่", "total_set_aside")]
    assert "ผลรวมจังหวัดระยอง" in result.problems[0].message_th
    assert "Rayong province" in result.problems[0].message_en
    assert result.set_aside == 2


def test_a_province_row_that_differs_from_its_districts_is_a_warning():
    rows = [agr("ระยอง", "70"), agr("เมือง", "10"), agr("บ้านฉาง", "50")]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    [mismatch] = [p for p in result.problems if p.code == "total_mismatch"]
    assert (mismatch.row, mismatch.value) == (2, "ระยอง")
    assert "ต่างกัน 10" in mismatch.message_th
    assert result.clean["area_code"].tolist() == ["2101", "2102"]


def test_a_province_row_over_its_districts_in_a_wide_sheet():
    rows = [
        ["รหัสรายการ: AGR01"],
        ["พื้นที่", "2566", "2567"],
        ["ระยอง", 3, 60],
        ["เมือง", 1, 10],
        ["บ้านฉาง", 2, 50],
        ["รวม", 3, 61],  # 2567: 60 would be right
    ]
    result = read(xlsx_bytes(rows), "wide.xlsx")
    assert sorted(result.clean["area_code"]) == ["2101", "2101", "2102", "2102"]
    mismatches = [(p.row, p.column) for p in result.problems if p.code == "total_mismatch"]
    assert mismatches == [(6, "2567")]
    assert result.set_aside == 2


def test_a_province_row_sharing_its_name_with_a_district_is_the_province():
    rows = [
        agr("พระนครศรีอยุธยา", "30"),  # the province (its capital district bears its name)
        agr("พระนครศรีอยุธยา", "10"),  # the district 1401
        agr("ท่าเรือ", "20"),
        agr("ระยอง", "5"),
        agr("บ้านฉาง", "5"),
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok, result.problems
    assert result.clean["area_code"].tolist() == ["1401", "1402", "2102"]
    assert [p.row for p in result.problems if p.code == "total_set_aside"] == [2, 5]
    assert not [p for p in result.problems if p.code == "total_mismatch"]


def test_a_district_file_without_province_rows_reads_as_before():
    rows = [agr("พระนครศรีอยุธยา", "10"), agr("ท่าเรือ", "20"), agr("บ้านฉาง", "5")]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok and result.problems == []
    assert result.clean["area_code"].tolist() == ["1401", "1402", "2102"]
    assert result.set_aside == 0


def test_an_ambiguous_district_without_its_province_row_is_still_ambiguous():
    result = read(csv_bytes([LONG_HEADER, agr("บ้านฉาง", "5"), agr("จอมทอง", "3")]))
    assert codes(result) == [(3, "พื้นที่", "ambiguous_area")]


def test_a_province_with_no_districts_under_it_is_a_level_mismatch_as_before():
    result = read(csv_bytes([LONG_HEADER, agr("บ้านฉาง", "5"), agr("ระยอง", "5")]))
    assert codes(result) == [(3, "พื้นที่", "area_level_mismatch")]


def test_a_province_column_turns_the_carry_down_off():
    header = ["รหัสรายการ", "จังหวัด", "อำเภอ", "งวด", "ค่า"]
    rows = [["AGR01", "ระยอง", "เมือง", "2567", "10"], ["AGR01", "ระยอง", "บ้านฉาง", "2567", "5"]]
    result = read(csv_bytes([header, *rows]))
    assert result.ok and result.set_aside == 0
    assert result.clean["area_code"].tolist() == ["2101", "2102"]


def test_a_province_items_rows_are_data_beside_a_district_items_carry_down():
    rows = [
        agr("ระยอง", "15"),
        ["POP01", "ระยอง", "2567", "700000", ""],  # a province item: its own value
        agr("เมือง", "10"),
        agr("บ้านฉาง", "5"),
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok, result.problems
    assert list(zip(result.clean["item_code"], result.clean["area_code"], strict=True)) == [
        ("POP01", "21"),
        ("AGR01", "2101"),
        ("AGR01", "2102"),
    ]


def test_the_items_crop_year_rule_reads_a_crop_year():
    catalogue = items().assign(crop_year=lambda f: f["code"].map({"AGR01": "end"}).fillna(""))
    rows = [agr("บ้านฉาง", "5", "2565/66"), ["POP01", "ระยอง", "2565/66", "1", ""]]
    from lib.ingest import read_upload
    from tests.fixtures_ingest import AS_OF, areas

    result = read_upload(csv_bytes([LONG_HEADER, *rows]), "x.csv", catalogue, areas(), as_of=AS_OF)
    assert result.ok, result.problems
    assert result.clean["period"].tolist() == ["2023", "2022"]  # AGR01 ends, POP01 starts


def test_a_total_closing_a_file_of_province_blocks_is_the_whole_files_sum():
    rows = [
        agr("ระยอง", "15"),
        agr("เมือง", "10"),
        agr("บ้านฉาง", "5"),
        agr("ชลบุรี", "3"),
        agr("เมือง", "1"),
        agr("บางละมุง", "2"),
        agr("รวม", "18"),
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert [p.code for p in result.problems] == ["total_set_aside"] * 3
    assert result.clean["area_code"].tolist() == ["2101", "2102", "2001", "2004"]
    result = read(csv_bytes([LONG_HEADER, *rows[:-1], agr("รวม", "19")]))
    assert [p.row for p in result.problems if p.code == "total_mismatch"] == [8]

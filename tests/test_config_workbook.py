"""The configuration workbook: what is written reads back unchanged; bad cells are located."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from lib.services.config import workbook
from lib.services.config.fields import ITEMS, SHEETS
from tests.config_fixtures import frames_of, minimal_config, minimal_rows


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.drop(columns="_row", errors="ignore").to_dict("records")


def _tricky_rows() -> dict[str, list[dict]]:
    rows = minimal_rows()
    rows["data_groups"][0]["name_th"] = "=SUM(A1)"  # a formula if written carelessly
    rows["items"][0]["unit_th"] = "-5 คน"
    rows["items"][0]["valid_max"] = 5494932.0  # a float that is a whole number
    rows["items"][1]["responsible_contact"] = "+66 81 234 5678"
    rows["kpis"][1]["target"] = 76337.8
    rows["kpis"][0]["steps_th"] = "ขั้นที่ 1 ตั้งคณะทำงาน\nขั้นที่ 2 @ทบทวนข้อมูล"
    return rows


def _handmade(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx written the way a person might: tabs and cells as given."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ round trip


def test_a_written_workbook_reads_back_as_the_same_frames():
    frames = frames_of(_tricky_rows())
    read, problems = workbook.read_workbook(workbook.write_workbook(frames))
    assert problems == []
    assert list(read) == [s.key for s in SHEETS]
    for sheet in SHEETS:
        assert _records(read[sheet.key]) == _records(frames[sheet.key]), sheet.key
        assert read[sheet.key]["_row"].tolist() == list(range(2, len(frames[sheet.key]) + 2))
    group, item, kpi = read["data_groups"].iloc[0], read["items"].iloc[0], read["kpis"].iloc[1]
    assert group["name_th"] == "=SUM(A1)" and item["unit_th"] == "-5 คน"
    assert item["valid_max"] == 5494932 and type(item["valid_max"]) is int
    assert kpi["target"] == 76337.8 and type(kpi["target"]) is float
    assert read["items"].iloc[1]["responsible_contact"] == "+66 81 234 5678"
    assert read["kpis"].iloc[0]["steps_th"].splitlines()[1] == "ขั้นที่ 2 @ทบทวนข้อมูล"
    assert item["higher_is_better"] is True and read["items"].iloc[0]["from_fy"] is None


def test_numbers_are_written_without_float_noise_or_a_trailing_point_zero():
    rows = _tricky_rows()
    rows["kpis"][1]["target"] = 76337.79999999999  # what a float sum may leave behind
    sheet = _open(workbook.write_workbook(frames_of(rows)))["ตัวชี้วัด (kpis)"]
    header = [c.value for c in sheet[1]]
    target = sheet.cell(row=3, column=header.index("ค่าเป้าหมาย (target)") + 1).value
    assert target == 76337.8
    items = _open(workbook.write_workbook(frames_of(rows)))["รายการข้อมูล (items)"]
    header = [c.value for c in items[1]]
    cell = items.cell(row=2, column=header.index("ค่าสูงสุดที่ยอมรับ (valid_max)") + 1)
    assert cell.value == 5494932 and isinstance(cell.value, int)
    published = items.cell(row=2, column=header.index("เผยแพร่ (is_published)") + 1)
    assert published.value == 1


def test_text_that_looks_like_a_formula_is_stored_as_text():
    data = workbook.write_workbook(frames_of(_tricky_rows()))
    cell = _open(data)["กลุ่มข้อมูล (data_groups)"]["B2"]
    assert cell.value == "=SUM(A1)" and cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)  # no formula anywhere


def test_the_workbook_has_a_readme_then_one_tab_per_sheet_with_keyed_headers():
    book = _open(workbook.write_workbook(minimal_config()))
    assert book.sheetnames[0] == "อ่านก่อน (README)"
    assert book.sheetnames[1:] == [f"{s.th} ({s.key})" for s in SHEETS]
    assert all(len(name) <= 31 for name in book.sheetnames)
    items = book["รายการข้อมูล (items)"]
    assert items["A1"].value == "รหัส (code)" and items.freeze_panes == "A2"
    assert items.column_dimensions["A"].width >= 10
    readme = [[c for c in row if c is not None] for row in book.worksheets[0].values]
    keys_listed = {(row[0], row[2]) for row in readme if len(row) > 2}
    for sheet in SHEETS:
        for f in sheet.fields:
            assert (workbook.tab_name(sheet), f.key) in keys_listed, f.key
    frequency = next(row for row in readme if len(row) > 2 and row[2] == "frequency")
    assert "monthly, quarterly, annual, fiscal_annual, biennial" in frequency


def test_the_same_frames_give_the_same_cells():
    frames = frames_of(_tricky_rows())
    first, second = (_open(workbook.write_workbook(frames)) for _ in range(2))
    for name in first.sheetnames:
        assert list(first[name].values) == list(second[name].values)


# ------------------------------------------------------------------ reading what a person made


ITEM_HEADER = [
    "code",  # a bare key
    "รหัสด้าน",  # the Thai header alone
    "ชื่อภาษาไทย (name_th)",
    "name_en",
    "หน่วยนับ",
    "หน่วยนับ (อังกฤษ)",  # Thai header whose brackets hold no key
    "ทศนิยม (decimals)",
    "area_level",
    "frequency",
    "owner_agency",
    "responsible_person",
    "source",
    "release_lag_days",
    "valid_max",
    "higher_is_better",
    "aggregation",
    "is_published",
    "counts_for_coverage",
    "retired_from_fy",
    "หมายเหตุของฉัน",  # a column of the user's own: ignored
]


def _item(**changes) -> list[object]:
    values = {
        "code": "MAC01",
        "รหัสด้าน": "ECO-MAC",
        "ชื่อภาษาไทย (name_th)": "  ผลิตภัณฑ์มวลรวม  ",
        "name_en": "GPP",
        "หน่วยนับ": "ล้านบาท",
        "หน่วยนับ (อังกฤษ)": "million baht",
        "ทศนิยม (decimals)": "๒",
        "area_level": "Province",
        "frequency": " Annual ",
        "owner_agency": "PSO",
        "responsible_person": "หัวหน้า",
        "source": "สศช.",
        "release_lag_days": 540.0,
        "valid_max": "1,234.5",
        "higher_is_better": "ใช่",
        "aggregation": "SUM",
        "is_published": "y",
        "counts_for_coverage": "FALSE",
        "retired_from_fy": "๒๕๖๙",
        "หมายเหตุของฉัน": "ข้อความอะไรก็ได้",
    }
    values.update(changes)
    return [values[h] for h in ITEM_HEADER]


def test_a_workbook_made_by_hand_is_read_by_key_thai_or_english_names():
    data = _handmade(
        {
            "README": [["ข้อความ"]],
            "Items": [ITEM_HEADER, _item(), [None] * len(ITEM_HEADER), _item(code="MAC02")],
            "งานของฉัน": [["อะไรก็ได้"]],
        }
    )
    frames, problems = workbook.read_workbook(data)
    assert [p.sheet for p in problems] == [
        "deployment",
        "data_groups",
        "aspects",
        "agencies",
        "kpis",
    ]
    assert all(p.row is None and "ไม่พบแผ่นงาน" in p.reason_th for p in problems)
    items = frames["items"]
    assert items["_row"].tolist() == [2, 4]  # the empty row 3 is skipped
    first = items.iloc[0]
    assert first["aspect_code"] == "ECO-MAC" and first["unit_en"] == "million baht"
    assert first["name_th"] == "ผลิตภัณฑ์มวลรวม" and first["decimals"] == 2
    assert (first["area_level"], first["frequency"], first["aggregation"]) == (
        "province",
        "annual",
        "sum",
    )
    assert first["valid_max"] == 1234.5 and first["release_lag_days"] == 540
    assert first["higher_is_better"] is True and first["counts_for_coverage"] is False
    assert first["retired_from_fy"] == 2569 and first["valid_min"] is None
    assert "หมายเหตุของฉัน" not in items.columns


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("code", "MAC 01", "A-Z"),
        ("ทศนิยม (decimals)", "2.5", "จำนวนเต็ม"),
        ("valid_max", "มาก", "ตัวเลข"),
        ("higher_is_better", "อาจจะ", "1 หรือ 0"),
        ("frequency", "weekly", "monthly, quarterly, annual, fiscal_annual"),
        ("retired_from_fy", 2026, "2569"),  # a Gregorian year: use the Buddhist one
        ("retired_from_fy", 2800, "2500-2700"),
    ],
)
def test_each_bad_cell_is_a_problem_with_its_row_column_and_value(column, value, reason):
    data = _handmade({"รายการข้อมูล (items)": [ITEM_HEADER, _item(), _item(**{column: value})]})
    frames, problems = workbook.read_workbook(data)
    bad = [p for p in problems if p.sheet == "items"]
    assert len(bad) == 1
    key = workbook._field_of(ITEMS, column)
    assert (bad[0].row, bad[0].column, bad[0].value) == (3, key, str(value))
    assert reason in bad[0].reason_th and bad[0].reason_en
    assert frames["items"].iloc[1][key] is None and len(frames["items"]) == 2


def test_linked_item_codes_are_normalised_and_each_is_checked():
    kpi = minimal_rows()["kpis"][1]
    header = list(kpi)
    rows = [header, [kpi[k] for k in header]]
    rows[1][header.index("item_codes")] = " MAC01 , MAC03,MAC01 "
    frames, problems = workbook.read_workbook(_handmade({"kpis": rows}))
    assert frames["kpis"].iloc[0]["item_codes"] == "MAC01,MAC03"
    rows[1][header.index("item_codes")] = "MAC01,MAC 3"
    _, problems = workbook.read_workbook(_handmade({"kpis": rows}))
    assert [(p.row, p.column) for p in problems if p.sheet == "kpis"] == [(2, "item_codes")]


def test_a_missing_required_column_is_a_problem_without_a_row():
    header = [h for h in ITEM_HEADER if h != "frequency"]
    row = [v for h, v in zip(ITEM_HEADER, _item(), strict=True) if h != "frequency"]
    _, problems = workbook.read_workbook(_handmade({"items": [header, row]}))
    missing = [p for p in problems if p.sheet == "items"]
    assert [(p.row, p.column) for p in missing] == [(None, "frequency")]
    assert "ความถี่ (frequency)" in missing[0].reason_th


@pytest.mark.parametrize(
    "data",
    [b"", b"not a workbook at all", b"PK\x05\x06" + b"\0" * 18, "zip"],
)
def test_a_file_that_is_not_a_workbook_is_one_problem(data):
    if data == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "สวัสดี")
        data = buffer.getvalue()
    frames, problems = workbook.read_workbook(data)
    assert len(problems) == 1
    assert problems[0].sheet == workbook.WORKBOOK and problems[0].row is None
    assert problems[0].reason_th and problems[0].reason_en
    assert set(frames) == {s.key for s in SHEETS} and all(f.empty for f in frames.values())


def test_a_workbook_is_read_from_a_path_too(tmp_path):
    path = tmp_path / "config.xlsx"
    path.write_bytes(workbook.write_workbook(minimal_config()))
    frames, problems = workbook.read_workbook(path)
    assert problems == [] and frames["kpis"]["code"].tolist() == ["KPI01", "KPI02"]
    _, problems = workbook.read_workbook(tmp_path / "missing.xlsx")
    assert len(problems) == 1 and problems[0].sheet == workbook.WORKBOOK

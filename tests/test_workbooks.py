"""Tests for lib/ingest/workbooks.py: XLSX, legacy XLS and ODS workbooks read as they come.

Files are written in code (xlwt for .xls, pandas' odf writer for .ods, openpyxl for
.xlsx); hostile ones (a cell in A1 and one in IV65536, repeated ODS rows) are built
byte by byte and must be refused by the guards before calamine reads them.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
import xlwt

from lib.core.limits import Limits
from lib.ingest import xlsguard
from lib.ingest.result import FileProblem
from lib.ingest.workbooks import read_workbook_grids, sheet_names, workbook_kind

ROWS = [
    ["จังหวัด", "ค่า", "วันที่", "หมายเหตุ"],
    ["  ระยอง ", 0.1, date(2024, 3, 1), "ก"],
    ["ชลบุรี", 1234.5, None, None],
    ["จันทบุรี", 3.0, None, 5494932],
    ["ตราด", 76337.8, None, "-"],
]
TEXT = [
    ["จังหวัด", "ค่า", "วันที่", "หมายเหตุ"],
    ["ระยอง", "0.1", "2024-03-01", "ก"],
    ["ชลบุรี", "1234.5", "", ""],
    ["จันทบุรี", "3", "", "5494932"],
    ["ตราด", "76337.8", "", "-"],
]
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument'
    ':xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
    f'{ODS_MIME}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type'
    '="text/xml"/></manifest:manifest>'
)
CELL = (
    '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
    "</table:table-cell>"
)
WIDE_CELL = CELL.replace(
    "<table:table-cell", '<table:table-cell table:number-columns-repeated="400"'
)


def xls_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A legacy .xls workbook (xlwt) with these sheets and rows; None leaves a cell empty."""
    book = xlwt.Workbook(encoding="utf-8")
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, (date, datetime)):
                    ws.write(i, j, v, dated)
                elif v is not None:
                    ws.write(i, j, v)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_book(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx workbook (openpyxl) with these sheets, in this order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .ods workbook (pandas' odf writer) with these sheets and rows."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="odf") as writer:
        for name, rows in sheets.items():
            frame = pd.DataFrame(rows, dtype=object)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return out.getvalue()


def raw_ods(table_xml: str) -> bytes:
    """An .ods file whose one sheet is the given rows of content.xml, written by hand."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis'
        ':names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument'
        ':xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:'
        'version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        f"{table_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", MANIFEST)
    return out.getvalue()


def grids(data: bytes, name: str, limits: Limits | None = None, sheets=()) -> list:
    """(sheet, cells as lists) of every grid read."""
    found = read_workbook_grids(data, name, limits or Limits(), sheets)
    return [(g.sheet, g.cells.values.tolist()) for g in found]


def problem(data: bytes, name: str, limits: Limits | None = None, sheets=()):
    """The FileProblem's problem of a workbook refused as a whole."""
    with pytest.raises(FileProblem) as caught:
        read_workbook_grids(data, name, limits or Limits(), sheets)
    return caught.value.problem


BOOKS = {
    "xls": lambda sheets: (xls_bytes(sheets), "book.xls"),
    "ods": lambda sheets: (ods_bytes(sheets), "book.ods"),
    "xlsx": lambda sheets: (xlsx_book(sheets), "book.xlsx"),
}


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_every_kind_gives_the_same_cell_text(kind):
    data, name = BOOKS[kind]({"ม.ค. 2567": ROWS})
    assert workbook_kind(data, name) == kind
    assert grids(data, name) == [("ม.ค. 2567", TEXT)]


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_all_sheets_in_workbook_order_with_the_template_first(kind):
    sheets = {"ม.ค.": [["a", 1]], "ข้อมูล": [["b", 2]], "ก.พ.": [["c", 3]]}
    data, name = BOOKS[kind](sheets)
    assert sheet_names(data, name) == ["ม.ค.", "ข้อมูล", "ก.พ."]
    assert [s for s, _ in grids(data, name)] == ["ข้อมูล", "ม.ค.", "ก.พ."]
    chosen = grids(data, name, sheets=["ก.พ.", " ม.ค. "])
    assert chosen == [("ก.พ.", [["c", "3"]]), ("ม.ค.", [["a", "1"]])]


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_a_sheet_not_in_the_workbook_is_named_with_the_sheets_there_are(kind):
    data, name = BOOKS[kind]({"ม.ค.": [["a", 1]], "ก.พ.": [["c", 3]]})
    found = problem(data, name, sheets=["ม.ค.", "มี.ค."])
    assert found.code == "unknown_sheet"
    assert "มี.ค." in found.message("th") and "ชีตในไฟล์: ม.ค., ก.พ." in found.message("th")
    assert "sheets in the file: ม.ค., ก.พ." in found.message("en")


def test_the_kind_comes_from_the_bytes_not_the_name():
    ods = ods_bytes({"S": [["a", 1]]})
    assert workbook_kind(ods, "renamed.xlsx") == "ods"
    assert grids(ods, "renamed.xlsx") == [("S", [["a", "1"]])]
    assert workbook_kind(xls_bytes({"S": [["a"]]}), "x.csv") == "xls"
    assert workbook_kind("จังหวัด,ค่า\n".encode(), "page.xls") is None  # text saved as .xls
    assert sheet_names(b"a,b\n1,2\n", "a.csv") == []


def test_libreoffice_trailing_empty_rows_and_columns_cost_nothing():
    trail = (
        f'<table:table-row>{CELL}<table:table-cell table:number-columns-repeated="16383"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    assert grids(raw_ods(trail), "lo.ods") == [("S", [["1"]])]


# ---------------------------------------------------------------- limits


def test_an_xls_with_a_cell_in_each_far_corner_is_refused_before_reading():
    data = xls_bytes({"S": [[1]]})
    book = xlwt.Workbook()
    ws = book.add_sheet("S")
    ws.write(0, 0, 1)
    ws.write(65535, 255, 2)  # calamine would hold 65,536 x 256 cells
    out = io.BytesIO()
    book.save(out)
    found = problem(out.getvalue(), "far.xls")
    assert found.code == "over_limit" and "16,777,216" in found.message("en")
    assert grids(data, "near.xls") == [("S", [["1"]])]


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_rows_columns_cells_and_characters_are_limited(kind):
    wide = [[f"c{j}" for j in range(8)]]
    long = [[str(i), "x"] for i in range(60)]
    data, name = BOOKS[kind]({"S": wide})
    assert (
        problem(data, name, Limits(columns=5))
        .message("en")
        .startswith("The file is over a limit: columns 8")
    )
    assert problem(data, name, Limits(cells=7)).code == "over_limit"
    data, name = BOOKS[kind]({"S": long})
    assert problem(data, name, Limits(rows=10)).code == "too_many_rows"
    assert len(grids(data, name, Limits(rows=20))[0][1]) == 60  # 20 rows + 40 before a header
    data, name = BOOKS[kind]({"S": [["ก" * 200]]})
    assert "characters in a cell 200" in problem(data, name, Limits(cell_chars=150)).message("en")
    assert problem(data + bytes(2 << 20), name, Limits(file_mb=1)).code == "over_limit"


@pytest.mark.parametrize(
    ("table_xml", "words"),
    [
        (f'<table:table-row table:number-rows-repeated="900000">{CELL}</table:table-row>', "rows"),
        (
            '<table:table-row><table:table-cell table:number-columns-repeated="9999"/>'
            f"{CELL}</table:table-row>",
            "columns 10,000",
        ),
        (
            f'<table:table-row table:number-rows-repeated="40000">{WIDE_CELL}</table:table-row>',
            "cells (rows x columns) 40,000 x 400",
        ),
    ],
)
def test_repeated_ods_rows_and_cells_are_counted_as_calamine_expands_them(table_xml, words):
    found = problem(raw_ods(table_xml), "bomb.ods", Limits(rows=100_000))
    assert words in found.message("en") or found.code == "too_many_rows"
    assert found.code == ("too_many_rows" if words == "rows" else "over_limit")


def test_an_ods_declaring_entities_is_damaged():
    data = raw_ods(f"<table:table-row>{CELL}</table:table-row>")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "content.xml":
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            z.writestr(info, body)
    assert problem(out.getvalue(), "dtd.ods").code == "damaged_file"


# ---------------------------------------------------------------- damaged files


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_a_truncated_workbook_is_damaged_not_a_traceback(kind):
    data, name = BOOKS[kind]({"S": ROWS, "T": ROWS})
    for cut in (len(data) // 3, len(data) // 2, len(data) - 200):
        found = problem(data[:cut], name)
        assert found.code in ("damaged_file", "unreadable_file"), found.message("en")
        assert found.message("th") and found.message("en")


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_no_damaged_workbook_raises(kind):
    data, name = BOOKS[kind]({"S": ROWS})
    rng = random.Random(12)
    for _ in range(60):
        broken = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        try:
            read_workbook_grids(bytes(broken), name, Limits())  # grids, or a FileProblem
        except FileProblem as exc:
            assert exc.problem.message("en")


def test_a_broken_sector_chain_is_damaged():
    data = bytearray(xls_bytes({"S": ROWS}))
    data[0x30:0x34] = (10**6).to_bytes(4, "little")  # the directory's first sector: nowhere
    found = problem(bytes(data), "x.xls")
    assert found.code == "damaged_file"
    assert xlsguard.xls_extent(xls_bytes({"S": ROWS, "T": [[1]] * 3})) == [(5, 4), (3, 1)]


# ---------------------------------------------------------------- XLSX: which reader


def sheet_member(data: bytes, edit) -> bytes:
    """The workbook with its first worksheet's XML changed by edit(text)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            raw = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                raw = edit(raw.decode()).encode()
            z.writestr(info.filename, raw)
    return out.getvalue()


@pytest.fixture
def readers(monkeypatch):
    """The XLSX reader each read used ("calamine" or "openpyxl"), in order."""
    from lib.ingest import workbooks

    used: list[str] = []
    for name, opener in (("calamine", "_open_calamine"), ("openpyxl", "_open_openpyxl")):
        real = getattr(workbooks, opener)
        monkeypatch.setattr(
            workbooks, opener, lambda data, real=real, name=name: used.append(name) or real(data)
        )
    return used


def test_an_xlsx_is_read_by_calamine_when_the_guard_sizes_every_sheet(readers):
    data = xlsx_book({"ม.ค. 2567": ROWS, "S2": [["a", 1]]})
    assert grids(data, "book.xlsx") == [("ม.ค. 2567", TEXT), ("S2", [["a", "1"]])]
    assert readers == ["calamine"]


def test_an_xlsx_with_a_far_cell_is_streamed_by_openpyxl_never_held_whole(readers):
    """A value in ZZ200000 would make calamine hold 200,000 x 702 cells (4.3 GB seen):
    openpyxl streams that sheet instead, and the limits refuse it row by row."""
    far = '<row r="200000"><c r="ZZ200000"><v>5</v></c></row></sheetData>'
    data = sheet_member(xlsx_book({"S": [["a", 1]]}), lambda x: x.replace("</sheetData>", far))
    found = problem(data, "far.xlsx")
    assert found.code == "over_limit" and "702" in found.message("en")  # columns, on its row
    assert readers == ["openpyxl"]


def test_an_xlsx_cell_without_its_reference_is_streamed_by_openpyxl(readers):
    data = sheet_member(xlsx_book({"S": [["a", 1]]}), lambda x: x.replace(' r="B1"', ""))
    assert grids(data, "book.xlsx") == [("S", [["a", "1"]])]
    assert readers == ["openpyxl"]


def test_the_sheet_extent_is_the_same_however_the_xml_arrives_in_pieces():
    from lib.ingest.guards import _SheetExtent

    xml = (
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="AB7"/></row>'
        b'<row r="30"><c s="1" r="C30"><v>1</v></c></row><cols/><x:c r="B2"/></sheetData>'
    )
    whole = _SheetExtent()
    whole.feed(xml, last=True)
    assert (whole.rows, whole.columns, whole.placed) == (30, 28, False)  # x:c: not placed
    for cut in range(1, len(xml)):
        split = _SheetExtent()
        split.feed(xml[:cut])
        split.feed(xml[cut:])
        split.feed(b"", last=True)
        assert (split.rows, split.columns, split.placed) == (30, 28, False), cut

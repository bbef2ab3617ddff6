"""Upload files built in code for the ingest and template tests (no binary files checked in)."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import lru_cache

import openpyxl
import pandas as pd

from lib.geo.reference import reference_frames
from lib.ingest import UploadResult, read_upload
from lib.services.demo import catalog_frames

AS_OF = date(2026, 11, 22)
LONG_HEADER = ["รหัสรายการ", "พื้นที่", "งวด", "ค่า", "หมายเหตุ"]


@lru_cache(maxsize=1)
def items() -> pd.DataFrame:
    """The 79-item demo catalogue."""
    return catalog_frames()["items"]


@lru_cache(maxsize=1)
def areas() -> pd.DataFrame:
    """Country, groupings, 77 provinces and 928 districts."""
    return reference_frames()["areas"]


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Rows written as a CSV file in an encoding ('utf-8-sig' adds the BOM)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], sheet: str = "Sheet1", extra_sheets=()) -> bytes:
    """Rows written as an XLSX workbook (None leaves a cell empty); extra sheets come first."""
    book = openpyxl.Workbook()
    first = book.active
    for name, extra_rows in extra_sheets:
        ws = book.create_sheet(name, 0)
        for r in extra_rows:
            ws.append(r)
    first.title = sheet
    for r in rows:
        first.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def long_file(body: list[list[object]], title: bool = False, **kw) -> bytes:
    """A long-form CSV: optional title rows, the standard header, then body."""
    rows = [["ข้อมูลผลการเบิกจ่าย จังหวัดระยอง"], []] if title else []
    return csv_bytes([*rows, LONG_HEADER, *body], **kw)


def read(data: bytes, name: str = "upload.csv", **kw) -> UploadResult:
    """read_upload with the demo catalogue, the reference areas and AS_OF."""
    kw.setdefault("as_of", AS_OF)
    return read_upload(data, name, items(), areas(), **kw)


def codes(result: UploadResult) -> list[tuple]:
    """(row, column, code) of every problem."""
    return [(p.row, p.column, p.code) for p in result.problems]

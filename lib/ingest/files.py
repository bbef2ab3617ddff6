"""From bytes to a grid of stripped text cells: CSV (any Thai encoding) or XLSX sheets.

CSV or XLSX (zip magic ``PK``; the sheet named ``ข้อมูล`` if there is one, else
the first sheet on which a header is found; values, not formulas). Encodings
tried strictly in order: UTF-16 with a BOM (Excel "Unicode text"), UTF-8
(with or without BOM), cp874. Python's ``tis_620`` codec is never used (it
turns Excel's smart quotes and euro sign into control characters). Delimiter:
comma, semicolon or tab, whichever makes a header row appear in the first 40
records. A plain CSV (no quotes, every row as wide) is split by Arrow; anything
else by pandas' C parser, or the csv module for ragged rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lib.ingest.header import HEADER_SCAN_ROWS, find_header
from lib.ingest.items import ItemLookup
from lib.ingest.result import FileProblem, make_problem
from lib.ingest.text import clean_text, str_series

# Sheet name of the XLSX templates; read first when present.
TEMPLATE_SHEET = "ข้อมูล"


@dataclass
class Grid:
    """One sheet of text cells and how it was read."""

    cells: pd.DataFrame  # str cells, stripped; row i is Excel row i + 1
    encoding: str | None
    delimiter: str | None
    sheet: str | None

    def meta(self) -> dict:
        """encoding, delimiter and sheet, as FileProblem and UploadResult take them."""
        return {"encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet}


def is_xlsx(data: bytes, file_name: str) -> bool:
    """True for an XLSX workbook (zip magic or the file name)."""
    return data[:2] == b"PK" or file_name.lower().endswith((".xlsx", ".xlsm"))


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of CSV bytes: UTF-16 with a BOM, UTF-8 (BOM or not), else cp874."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileProblem(make_problem("bad_encoding")) from None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    offset = 0
    for codec, name in (("utf-8-sig", encoding), ("cp874", "cp874")):  # strictly, in this order
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            offset = exc.start  # the cp874 failure is the one reported
    byte = data[offset : offset + 1].hex()
    raise FileProblem(
        make_problem(
            "bad_encoding",
            th=f" (ไบต์ 0x{byte} ตำแหน่ง {offset})",
            en=f" (byte 0x{byte} at offset {offset})",
        )
    )


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        return out  # a broken quote in the sample; the full parse reports it
    return out


def _choose_delimiter(text: str, items: ItemLookup) -> tuple[str, int]:
    """(delimiter, width of the sample): the one giving the best header, then the widest."""
    sample = text[:65536]
    best: tuple[int, int, str] | None = None
    for delim in (",", ";", "\t"):
        recs = _records(sample, delim, HEADER_SCAN_ROWS)
        header = find_header([[clean_text(c) for c in r] for r in recs], items)
        score = header.score if header else 0
        width = max((len(r) for r in recs), default=0)
        if best is None or (score, width) > best[:2]:
            best = (score, width, delim)
    assert best is not None
    return best[2], best[1]


def read_csv_grid(data: bytes, max_rows: int, items: ItemLookup) -> Grid:
    """The grid of a CSV file; FileProblem if it cannot be decoded, is empty or too long."""
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไม่ใช่ไฟล์ CSV หรือ XLSX)",
                en=" (not a CSV or XLSX file)",
            ),
            encoding,
        )
    if not text or text.isspace():  # not text.strip(), without copying the text
        raise FileProblem(make_problem("empty_file"), encoding)
    delim, width = _choose_delimiter(text, items)
    # pandas reads a text buffer as its UTF-8 bytes: hand it those bytes directly.
    raw = data if encoding == "utf-8" else text.encode("utf-8")
    frame = _arrow_csv_frame(raw, delim, width)
    if frame is None:
        frame = _pandas_csv_frame(raw, text, delim, width, encoding)
    if len(frame) > max_rows + HEADER_SCAN_ROWS:
        raise FileProblem(make_problem("too_many_rows", value=f"{max_rows:,}"), encoding)
    return Grid(frame, encoding, delim, None)


def _pandas_csv_frame(raw: bytes, text: str, delim: str, width: int, encoding: str):
    """The stripped grid read by pandas' C parser, or the csv module when rows are ragged."""
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=delim,
            header=None,
            names=range(max(width, 1)),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            engine="c",
        )
    except pd.errors.ParserError:
        # A row wider than the first rows: read it all with the csv module instead.
        try:
            recs = list(csv.reader(io.StringIO(text), delimiter=delim))
        except csv.Error as exc:
            raise FileProblem(
                make_problem("unreadable_file", th=f" ({exc})", en=f" ({exc})"), encoding
            ) from None
        width = max(len(r) for r in recs)
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in recs], dtype=str)
    return frame.apply(lambda s: s.str.strip())


def _arrow_csv_frame(raw: bytes, delim: str, width: int) -> pd.DataFrame | None:
    """The stripped grid of a plain CSV (no quotes, every row `width` cells) read by Arrow.

    Such a file is split on the delimiter and line ends alone, so pandas' C parser would
    give the same cells; anything else (quotes, a BOM left, blank or ragged rows) is None
    and left to pandas.
    """
    if width < 2 or b'"' in raw or raw.startswith(codecs.BOM_UTF8):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(raw),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(
                delimiter=delim, quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{j}": pa.large_string() for j in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None  # a blank or ragged row: pandas reads it (and pads it) instead
    if table.num_columns != width:
        return None
    return pd.DataFrame(
        {j: str_series(pc.utf8_trim_whitespace(c)) for j, c in enumerate(table.columns)},
        columns=range(width),
    )


def _cell_text(value: object) -> str:
    """An XLSX cell value as text: whole floats without '.0', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def read_xlsx_grids(data: bytes, max_rows: int) -> list[Grid]:
    """A grid per worksheet, the template's sheet first; FileProblem if the file is broken."""
    import openpyxl  # only needed for XLSX

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            make_problem("unreadable_file", th=f" (XLSX เสียหาย: {exc})", en=f" (bad XLSX: {exc})")
        ) from None
    try:
        sheets = list(book.worksheets)
        sheets.sort(key=lambda ws: ws.title != TEMPLATE_SHEET)  # the template's sheet first
        grids = []
        for ws in sheets:
            if not hasattr(ws, "iter_rows"):  # chart sheets
                continue
            ws.reset_dimensions()  # some writers store a wrong size; read every row
            rows = []
            for values in ws.iter_rows(values_only=True):
                rows.append([_cell_text(v) for v in values])
                if len(rows) > max_rows + HEADER_SCAN_ROWS:
                    raise FileProblem(make_problem("too_many_rows", value=f"{max_rows:,}"))
            width = max((len(r) for r in rows), default=0)
            frame = pd.DataFrame(
                [r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=str
            )
            frame = frame.apply(lambda s: s.str.strip()) if width else frame
            grids.append(Grid(frame, None, None, ws.title))
        return grids
    finally:
        book.close()


def all_blank(cells: pd.DataFrame) -> bool:
    """True when no cell is filled in (the first rows are looked at first)."""
    if cells.empty:
        return True
    if cells.iloc[:HEADER_SCAN_ROWS].ne("").any().any():
        return False
    return not cells.ne("").any().any()

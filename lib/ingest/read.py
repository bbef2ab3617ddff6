"""Reading agency uploads (CSV or XLSX, as Thai offices send them) and validating them.

One pure function, :func:`read_upload`, turns the bytes of a file into an
:class:`UploadResult`: the rows that are fit to load (``clean``) and every
problem found, each naming the row and column as the user sees them in Excel
(1-based row, header text or column letter), the value and the reason in Thai
and English. Nothing here writes anywhere; the caller decides what to commit
(nothing, unless the user explicitly chooses the clean rows only).

Files
    CSV or XLSX (zip magic ``PK``; the sheet named ``ข้อมูล`` if there is one,
    else the first sheet on which a header is found; values, not formulas).
    Encodings tried strictly in order: UTF-16 with a BOM (Excel "Unicode
    text"), UTF-8 (with or without BOM), cp874. Python's ``tis_620`` codec is
    never used (it turns Excel's smart quotes and euro sign into control
    characters). Delimiter: comma, semicolon or tab, whichever makes a header
    row appear in the first 40 records.

Layout
    Up to 40 title rows above the header; blank rows anywhere are skipped; a
    row with one non-empty cell starting with ที่มา / หมายเหตุ / แหล่งข้อมูล /
    Source / Note / ``*`` is a note and skipped; any other row below the header
    is data (a "รวม"/"Total" row is reported, never skipped silently).

    ============ =================================================================
    form         header
    ============ =================================================================
    long         item, area, period, value, note (item may be absent when an item
                 is chosen; period may be absent when a period is chosen);
                 อำเภอ + จังหวัด columns together name a district in a province;
                 ปี + เดือน (or ปี + ไตรมาส) columns together make the period
    wide_periods area column, then one column per period; the item comes from
                 the ``item_code`` argument, a cell above such as
                 ``รหัสรายการ: FIN01``, or an item column (one item per row)
    wide_items   area column, then one column per item code; the period comes
                 from the ``period`` argument, a cell such as ``งวด: 2568-03``,
                 or a period column (one period per row)
    ============ =================================================================

Periods (read according to the item's frequency; Thai digits allowed; a year
of 2400 or more is Buddhist, 1900..2399 Common Era)

    ================================ =========== ==========================================
    written                          frequency   read as
    ================================ =========== ==========================================
    2568-03, 2025-03, 2568/3         monthly     March 2025 (``2025-03``)
    03/2568, 3/2025                  monthly     March 2025 (month/year)
    มี.ค. 68, มีค 2568, มีนาคม 2568      monthly     March 2025; two-digit years (68 = 2568)
                                                 only with Thai month names
    Mar 2025, March 2568             monthly     March 2025 (two-digit year: bad_period)
    date cell, 2025-03-15, 15/3/2568 any         the period holding that day (day first)
    ไตรมาส 1/2568, Q1 2568, 2568-Q1   quarterly   Jan-Mar 2025 (``2025-Q1``): calendar
                                                 quarters, not fiscal quarters
    1/2568                           quarterly   quarter 1 of 2025 (the same text is
                                                 January for a monthly item)
    2568, 2025, พ.ศ. 2568, ปี 2568    annual      calendar year 2025 (``2025``)
    ปีงบประมาณ 2568, ปีงบ 68, FY2568,  fiscal      ``FY2568`` (Oct 2024 - Sep 2025); a bare
    FY 2025, 2568, 2025              _annual     year is the fiscal year it names; FY68
                                                 (two digits after FY) is bad_period
    a year for a monthly/quarterly   -           period_not_of_frequency (never a guess)
    a month/quarter for an annual    -           period_not_of_frequency
    a fiscal year for a non-fiscal   -           period_not_of_frequency
    ================================ =========== ==========================================

    A period whose last day is on or after ``as_of`` has not ended:
    period_in_future.

Areas (provinces and districts of ``areas``; NFC, zero-width characters and
odd spacing removed, English case-insensitive, spaces/hyphens/dots ignored)

    =============================== ===============================================
    written                         read as
    =============================== ===============================================
    21, 21.0, ๒๑, 2101, 2101.0      DOPA code (Excel's float form accepted)
    TH-21, th21                     ISO 3166-2 code of a province
    ระยอง, จ.ระยอง, จังหวัดระยอง      province by Thai name; Rayong, Rayong Province
    กรุงเทพฯ, กทม., อยุธยา, Korat     common short names of provinces
    บ้านฉาง, อ.บ้านฉาง, อำเภอบ้านฉาง   district by name, when unique in the country
    อ.บ้านฉาง จ.ระยอง, Ban Chang,    district within a province (also an อำเภอ column
    Rayong, บ้านฉาง ระยอง           next to a จังหวัด column); อ.เมือง จ.ระยอง is
                                    the capital district
    เขตพระนคร, พระนคร               Bangkok khet with or without เขต
    a name found more than once     ambiguous_area listing the candidates
    a name found nowhere            unknown_area suggesting the nearest names
    a province for a district item  area_level_mismatch (and vice versa)
    =============================== ===============================================

Values: Thai digits, thousands separators (``1,234,567.50``; a comma elsewhere
is not_a_number), ``(12.5)`` = -12.5, a trailing ``%`` for percent items only.
Empty, ``-``, a dash or ``n/a`` is *missing, not zero*: in long form such a
row is skipped with an ``empty_value`` warning (a warning does not make the
file fail ``ok``); in the wide forms an empty cell is simply a cell not filled
in and is skipped silently.

Arguments: in a long sheet the item and period columns win and the
``item_code`` / ``period`` arguments only fill their empty cells (or stand for
a missing column); in a wide sheet an argument that disagrees with the label
cell is item_mismatch / period_mismatch.

Problem codes (see :data:`PROBLEM_CODES`); all are errors except the warning
``empty_value``. A row with any error is left out of ``clean``; both rows of a
duplicate_cell are left out.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lib.core import thaicalendar as tc

MAX_ROWS = 1_000_000
MAX_PROBLEMS = 10_000
# Sheet name of the XLSX templates; read first when present.
TEMPLATE_SHEET = "ข้อมูล"
FORMS = ("long", "wide_periods", "wide_items")
HEADER_SCAN_ROWS = 40

CLEAN_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "period_end",
    "value",
    "note",
    "source_row",
    "source_column",
]

# Header words per role; compared after _header_key (case, spaces, "_", "-", "." and a
# parenthesised suffix ignored).
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "item": ("รหัสรายการ", "รายการข้อมูล", "รหัสรายการข้อมูล", "รายการ", "item", "item_code"),
    "area": ("พื้นที่", "รหัสพื้นที่", "area", "area_code"),
    "province": ("จังหวัด", "รหัสจังหวัด", "province", "province_code", "changwat"),
    "district": ("อำเภอ", "อำเภอ/เขต", "เขต", "รหัสอำเภอ", "district", "district_code", "amphoe"),
    "area_name": ("ชื่อพื้นที่", "area_name", "ชื่อจังหวัด", "ชื่ออำเภอ", "province_name"),
    "period": ("งวด", "ช่วงเวลา", "period", "ปีงบประมาณ", "fiscal_year"),
    "year": ("ปี", "ปีพ.ศ.", "พ.ศ.", "year"),
    "month": ("เดือน", "month"),
    "quarter": ("ไตรมาส", "quarter"),
    "value": ("ค่า", "ค่าข้อมูล", "value", "จำนวน"),
    "note": ("หมายเหตุ", "note", "notes", "remark", "remarks"),
    "ignore": (
        "ลำดับ",
        "ลำดับที่",
        "no",
        "#",
        "หน่วย",
        "หน่วยนับ",
        "unit",
        "ชื่อรายการ",
        "ชื่อรายการข้อมูล",
        "item_name",
        "district_name",
    ),
}

SEVERITY = {"empty_value": "warning"}

# code -> (Thai, English) message; {value} is the cell, {th}/{en} the detail.
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    "unreadable_file": (
        "อ่านไฟล์ไม่ได้{th}",
        "The file cannot be read{en}",
    ),
    "empty_file": ("ไฟล์ว่าง ไม่มีข้อมูล", "The file is empty"),
    "bad_encoding": (
        "อ่านตัวอักษรในไฟล์ไม่ได้ (รองรับ UTF-8 และ TIS-620/cp874){th}",
        "The file's characters cannot be decoded (UTF-8 and TIS-620/cp874 are read){en}",
    ),
    "missing_header": (
        "ไม่พบแถวหัวตาราง{th}",
        "No header row found{en}",
    ),
    "too_many_rows": (
        "ไฟล์มีข้อมูลเกิน {value} แถว กรุณาแบ่งไฟล์",
        "The file has more than {value} rows; split it",
    ),
    "missing_item": (
        "ไม่ได้ระบุรายการข้อมูล{th}",
        "No data item given{en}",
    ),
    "unknown_item": (
        "ไม่พบรายการข้อมูล '{value}' ในระบบ{th}",
        "Unknown data item '{value}'{en}",
    ),
    "item_mismatch": (
        "รายการข้อมูลในไฟล์ '{value}' ไม่ตรงกับที่เลือกไว้{th}",
        "The file's data item '{value}' differs from the one chosen{en}",
    ),
    "missing_area": (
        "ไม่ได้ระบุพื้นที่",
        "No area given",
    ),
    "unknown_area": (
        "ไม่พบพื้นที่ '{value}'{th}",
        "Unknown area '{value}'{en}",
    ),
    "ambiguous_area": (
        "ชื่อพื้นที่ '{value}' ซ้ำกันหลายแห่ง กรุณาระบุรหัสหรือจังหวัด: {th}",
        "Area name '{value}' matches several areas; give the code or the province: {en}",
    ),
    "area_level_mismatch": (
        "พื้นที่ '{value}' {th}",
        "Area '{value}' {en}",
    ),
    "total_row": (
        "แถวผลรวม '{value}' ไม่ใช่ข้อมูลรายพื้นที่ กรุณาลบแถวนี้",
        "Total row '{value}' is not an area's value; remove this row",
    ),
    "total_column": (
        "คอลัมน์ผลรวม '{value}' ไม่ใช่งวดหรือรายการข้อมูล กรุณาลบคอลัมน์นี้",
        "Total column '{value}' is neither a period nor an item; remove this column",
    ),
    "missing_period": (
        "ไม่ได้ระบุงวดข้อมูล{th}",
        "No period given{en}",
    ),
    "bad_period": (
        "อ่านงวดข้อมูล '{value}' ไม่ได้{th}",
        "Cannot read period '{value}'{en}",
    ),
    "period_not_of_frequency": (
        "งวด '{value}' ไม่ตรงกับความถี่ของรายการ{th}",
        "Period '{value}' does not match the item's frequency{en}",
    ),
    "period_mismatch": (
        "งวดในไฟล์ '{value}' ไม่ตรงกับงวดที่เลือกไว้{th}",
        "The file's period '{value}' differs from the one chosen{en}",
    ),
    "period_in_future": (
        "งวด '{value}' ยังไม่สิ้นสุด{th}",
        "Period '{value}' has not ended yet{en}",
    ),
    "empty_value": (
        "ไม่มีค่าข้อมูล (ข้ามแถวนี้ ไม่นับเป็นศูนย์)",
        "No value (row skipped, not read as zero)",
    ),
    "not_a_number": (
        "ค่า '{value}' ไม่ใช่ตัวเลข{th}",
        "Value '{value}' is not a number{en}",
    ),
    "out_of_range": (
        "ค่า '{value}' อยู่นอกช่วงที่ยอมรับ{th}",
        "Value '{value}' is outside the accepted range{en}",
    ),
    "duplicate_cell": (
        "ข้อมูลซ้ำ: รายการ พื้นที่ และงวดเดียวกันอยู่ในแถว {th}",
        "Duplicate: the same item, area and period are in rows {en}",
    ),
    "duplicate_column": (
        "คอลัมน์ '{value}' ซ้ำกับคอลัมน์อื่น{th}",
        "Column '{value}' repeats another column{en}",
    ),
    "too_many_problems": (
        "พบปัญหาทั้งหมด {value} รายการ แสดงเฉพาะ {th} รายการแรก",
        "{value} problems found; only the first {en} are listed",
    ),
}


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, located as the user sees it in Excel."""

    row: int | None  # 1-based row in the sheet; None for the whole file or a chosen argument
    column: str  # header text, else column letter; "" for the whole file
    value: str
    code: str
    message_th: str
    message_en: str
    severity: str = "error"  # "error" or "warning"

    def message(self, lang: str = "th") -> str:
        """The message in a language ('th' or 'en')."""
        return self.message_th if lang == "th" else self.message_en


@dataclass(frozen=True, eq=False)
class UploadResult:
    """What read_upload found: the clean rows, the problems and how the file was read."""

    clean: pd.DataFrame
    problems: list[Problem]
    form: str | None
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None
    header_row: int | None = None
    rows_read: int = 0
    problem_count: int = 0  # all problems, also those beyond the listed MAX_PROBLEMS
    lang: str = "th"
    item_code: str | None = None  # item of a wide_periods file (argument or label cell)
    period_text: str | None = None  # period of a wide_items file (argument or label cell)
    errors: list[Problem] = field(default_factory=list, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "errors", [p for p in self.problems if p.severity == "error"])

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not self.errors

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are warnings only."""
        return [p for p in self.problems if p.severity != "error"]

    def problems_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Problems as a frame: row, column, value, code, severity, message (in lang)."""
        lang = lang or self.lang
        return pd.DataFrame(
            [
                (p.row, p.column, p.value, p.code, p.severity, p.message(lang))
                for p in self.problems
            ],
            columns=["row", "column", "value", "code", "severity", "message"],
        ).astype({"row": "Int64"})


def make_problem(
    code: str, row: int | None = None, column: str = "", value: str = "", th: str = "", en: str = ""
) -> Problem:
    """A Problem with its messages filled in from PROBLEM_CODES."""
    msg_th, msg_en = PROBLEM_CODES[code]
    return Problem(
        row=row,
        column=column,
        value=value,
        code=code,
        message_th=msg_th.format(value=value, th=th, en=en),
        message_en=msg_en.format(value=value, th=th, en=en),
        severity=SEVERITY.get(code, "error"),
    )


class _FileProblem(Exception):
    """The file as a whole cannot be read; carries one Problem."""

    def __init__(self, problem: Problem, encoding: str | None = None):
        super().__init__(problem.message_en)
        self.problem = problem
        self.encoding = encoding


# ---------------------------------------------------------------- text helpers

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")


def clean_text(text: object) -> str:
    """NFC, zero-width characters gone, Thai digits as 0-9, spaces collapsed and stripped.

    >>> clean_text("  จ.ระยอง\u200b  ๒๑ ")
    'จ.ระยอง 21'
    """
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFC", s).translate(_ZERO_WIDTH)
    # Sara am typed as nikhahit + sara aa (common in text pasted from PDF or Word).
    s = s.replace("\u0e4d\u0e32", "\u0e33")
    return _SPACES.sub(" ", tc.thai_digits_to_arabic(s)).strip()


def _header_key(text: object) -> str:
    s = clean_text(text).lower()
    s = re.sub(r"\(.*\)\s*$", "", s).strip().rstrip(":：").strip()
    return re.sub(r"[\s_\-.]+", "", s) if s not in ("no.", "พ.ศ.", "ปีพ.ศ.") else s


_HEADER_ROLE = {_header_key(w): role for role, words in HEADER_WORDS.items() for w in words}


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


# ---------------------------------------------------------------- reading the grid


@dataclass
class _Grid:
    cells: pd.DataFrame  # str cells, stripped; row i is Excel row i + 1
    encoding: str | None
    delimiter: str | None
    sheet: str | None


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _FileProblem(make_problem("bad_encoding")) from None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    offset = 0
    for codec, name in (("utf-8-sig", encoding), ("cp874", "cp874")):  # strictly, in this order
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            offset = exc.start  # the cp874 failure is the one reported
    byte = data[offset : offset + 1].hex()
    raise _FileProblem(
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


def _read_csv_grid(data: bytes, max_rows: int, items: _Items) -> _Grid:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise _FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไม่ใช่ไฟล์ CSV หรือ XLSX)",
                en=" (not a CSV or XLSX file)",
            ),
            encoding,
        )
    if not text or text.isspace():  # not text.strip(), without copying the text
        raise _FileProblem(make_problem("empty_file"), encoding)
    sample = text[:65536]
    best: tuple[int, int, str, list[list[str]]] | None = None
    for delim in (",", ";", "\t"):
        recs = _records(sample, delim, HEADER_SCAN_ROWS)
        header = _find_header([[clean_text(c) for c in r] for r in recs], items)
        score = header.score if header else 0
        width = max((len(r) for r in recs), default=0)
        key = (score, width)
        if best is None or key > best[:2]:
            best = (score, width, delim, recs)
    assert best is not None
    _, width, delim, _ = best
    # pandas reads a text buffer as its UTF-8 bytes: hand it those bytes directly.
    raw = data if encoding == "utf-8" else text.encode("utf-8")
    frame = _arrow_csv_frame(raw, delim, width)
    if frame is None:
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
                raise _FileProblem(
                    make_problem("unreadable_file", th=f" ({exc})", en=f" ({exc})"), encoding
                ) from None
            width = max(len(r) for r in recs)
            frame = pd.DataFrame([r + [""] * (width - len(r)) for r in recs], dtype=str)
        frame = frame.apply(lambda s: s.str.strip())
    if len(frame) > max_rows + HEADER_SCAN_ROWS:
        raise _FileProblem(make_problem("too_many_rows", value=f"{max_rows:,}"), encoding)
    return _Grid(frame, encoding, delim, None)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A "str" Series over Arrow strings, without a round trip through Python objects."""
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=_STR))


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
        {j: _str_series(pc.utf8_trim_whitespace(c)) for j, c in enumerate(table.columns)},
        columns=range(width),
    )


def _read_xlsx_grids(data: bytes, max_rows: int) -> list[_Grid]:
    import openpyxl  # only needed for XLSX

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _FileProblem(
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
                    raise _FileProblem(make_problem("too_many_rows", value=f"{max_rows:,}"))
            width = max((len(r) for r in rows), default=0)
            frame = pd.DataFrame(
                [r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=str
            )
            frame = frame.apply(lambda s: s.str.strip()) if width else frame
            grids.append(_Grid(frame, None, None, ws.title))
        return grids
    finally:
        book.close()


# ---------------------------------------------------------------- header detection


@dataclass
class _Header:
    row: int  # 0-based grid row
    form: str
    roles: dict[str, int]  # role -> column index
    data_columns: list[int]  # wide forms: the period or item columns
    score: int
    labels: list[str]  # header text per column (column letter when empty)


_LABEL_ITEM = re.compile(
    r"^(?:รหัสรายการข้อมูล|รหัสรายการ|รายการข้อมูล|item[ _]?code|item)\s*[:：]\s*(.*)$", re.I
)
_LABEL_PERIOD = re.compile(r"^(?:งวดข้อมูล|งวด|ช่วงเวลา|period)\s*[:：]\s*(.*)$", re.I)


def _find_header(rows: list[list[str]], items: _Items) -> _Header | None:
    """The first row (within the first HEADER_SCAN_ROWS) that reads as a header."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = [_header_key(c) for c in row]
        roles: dict[str, int] = {}
        role_columns = set()
        for j, k in enumerate(keys):
            role = _HEADER_ROLE.get(k)
            if role:
                role_columns.add(j)
                roles.setdefault(role, j)
        has_area = bool({"area", "province", "district"} & roles.keys())
        labels = [c or column_letter(j) for j, c in enumerate(row)]
        if has_area and "value" in roles:
            return _Header(i, "long", roles, [], len(roles) + 10, labels)
        rest = [
            j
            for j, c in enumerate(row)
            if c and j not in role_columns and not (_LABEL_ITEM.match(c) or _LABEL_PERIOD.match(c))
        ]
        periods = [j for j in rest if _period_notation(row[j])[0] != "bad"]
        item_cols = [j for j in rest if items.resolve(row[j])[0] is not None]
        if not has_area and row and not row[0] and len(periods) + len(item_cols) >= 2:
            roles["area"] = 0  # an unlabelled first column of area names
            has_area = True
        if not has_area:
            continue
        if periods and len(periods) >= len(item_cols):
            return _Header(i, "wide_periods", roles, rest, len(periods) + 5, labels)
        if item_cols:
            return _Header(i, "wide_items", roles, rest, len(item_cols) + 5, labels)
    return None


def _label_above(rows: list[list[str]], header_row: int, pattern: re.Pattern) -> tuple | None:
    """(text, row, column label) of a 'label: value' cell above or in the header row."""
    for i in range(header_row + 1):
        row = rows[i]
        for j, c in enumerate(row):
            m = pattern.match(c)
            if not m:
                continue
            text = m.group(1).strip()
            if not text:  # "รหัสรายการ:" | "FIN01" in the next cell
                text = next((x for x in row[j + 1 :] if x), "")
            if text:
                return text, i + 1, column_letter(j)
    return None


# ---------------------------------------------------------------- periods

_THAI_MONTHS = {
    **{m.replace(".", ""): i for i, m in enumerate(tc.THAI_MONTHS_ABBR, 1)},
    **{m: i for i, m in enumerate(tc.THAI_MONTHS_FULL, 1)},
}
_EN_MONTHS = {
    **{m.lower(): i for i, m in enumerate(tc.EN_MONTHS_ABBR, 1)},
    **{m.lower(): i for i, m in enumerate(tc.EN_MONTHS_FULL, 1)},
    "sept": 9,
}
_TH_MONTH_RE = "|".join(sorted(map(re.escape, _THAI_MONTHS), key=len, reverse=True))
_EN_MONTH_RE = "|".join(sorted(map(re.escape, _EN_MONTHS), key=len, reverse=True))

_BE_MARK = re.compile(r"พ\.\s?ศ\.?")
_CE_MARK = re.compile(r"ค\.\s?ศ\.?")
_P_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_P_DATE_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_P_FISCAL = re.compile(r"(?:ปีงบประมาณ|ปีงบ\.?|fy|fiscal year|fiscal)\s*(\d{4}|\d{2})")
_P_QUARTER_A = re.compile(r"(?:ไตรมาสที่|ไตรมาส|quarter|q)\s*([1-4])\s*(?:/|-|ปี|of|,)?\s*(\d{4})")
_P_QUARTER_B = re.compile(r"(\d{4})\s*[-/ ]?\s*(?:q|ไตรมาสที่|ไตรมาส)\s*([1-4])")
_P_YM = re.compile(r"(\d{4})\s*[-/]\s*(\d{1,2})")
_P_NY = re.compile(r"(\d{1,2})\s*[-/]\s*(\d{4})")
_P_TH_MONTH = re.compile(rf"({_TH_MONTH_RE})(\d{{4}}|\d{{2}})")
_P_EN_MONTH = re.compile(rf"({_EN_MONTH_RE})[\s\-/,]*(\d{{4}}|\d{{2}})")
_P_YEAR = re.compile(r"(?:ปี)?\s*(\d{4})")


def _year(text: str, era: str | None) -> int:
    """Buddhist year of a 4-digit year; era forces BE ('be') or CE ('ce')."""
    y = int(text)
    if era == "be":
        if y < tc.BE_MIN:
            raise ValueError(f"พ.ศ. {y}")
        return y
    if era == "ce":
        if not tc.CE_MIN <= y < tc.BE_MIN:
            raise ValueError(f"ค.ศ. {y}")
        return y + tc.BE_OFFSET
    return tc.normalise_year(y)


@lru_cache(maxsize=8192)
def _period_notation(text: str) -> tuple:
    """What a period text says, whatever the item: (kind, ...) or ('bad', th, en).

    Kinds: ('date', date), ('fiscal', be), ('quarter', be, q), ('month', be, m),
    ('num', be, n) for 'n/yyyy', ('year', be).
    """
    t = clean_text(text).lower()
    if not t:
        return ("bad", "", "")
    era = None
    if _BE_MARK.search(t):
        era, t = "be", _BE_MARK.sub(" ", t)
    elif _CE_MARK.search(t):
        era, t = "ce", _CE_MARK.sub(" ", t)
    t = _SPACES.sub(" ", t).strip()
    try:
        if m := _P_DATE_ISO.fullmatch(t):
            y = _year(m.group(1), era) - tc.BE_OFFSET
            return ("date", date(y, int(m.group(2)), int(m.group(3))))
        if m := _P_DATE_DMY.fullmatch(t):
            y = _year(m.group(3), era) - tc.BE_OFFSET
            return ("date", date(y, int(m.group(2)), int(m.group(1))))
        if m := _P_FISCAL.fullmatch(t):
            digits = m.group(1)
            if len(digits) == 2:
                if t.startswith("f"):
                    return (
                        "bad",
                        " (เขียนปีงบประมาณเป็น 4 หลัก เช่น FY2568)",
                        " (write the fiscal year in 4 digits, e.g. FY2568)",
                    )
                return ("fiscal", 2500 + int(digits))
            return ("fiscal", _year(digits, era))
        if m := _P_QUARTER_A.fullmatch(t):
            return ("quarter", _year(m.group(2), era), int(m.group(1)))
        if m := _P_QUARTER_B.fullmatch(t):
            return ("quarter", _year(m.group(1), era), int(m.group(2)))
        if m := _P_YM.fullmatch(t):
            return _month(_year(m.group(1), era), int(m.group(2)))
        if m := _P_NY.fullmatch(t):
            return ("num", _year(m.group(2), era), int(m.group(1)))
        compact = re.sub(r"ปี(?=\d)", "", t.replace(".", "").replace(" ", ""))
        compact = compact.removeprefix("เดือน")
        if m := _P_TH_MONTH.fullmatch(compact):
            digits = m.group(2)
            be = 2500 + int(digits) if len(digits) == 2 else _year(digits, era)
            return ("month", be, _THAI_MONTHS[m.group(1)])
        if m := _P_EN_MONTH.fullmatch(t.replace(".", "")):
            if len(m.group(2)) == 2:
                return (
                    "bad",
                    " (เขียนปีเป็น 4 หลัก เช่น Mar 2025 หรือ มี.ค. 68)",
                    " (write the year in 4 digits, e.g. Mar 2025)",
                )
            return ("month", _year(m.group(2), era), _EN_MONTHS[m.group(1)])
        if m := _P_YEAR.fullmatch(t):
            return ("year", _year(m.group(1), era))
    except ValueError as exc:  # a year out of range or an impossible date
        return ("bad", f" (ปีหรือวันที่ไม่ถูกต้อง: {exc})", f" ({exc})")
    return ("bad", "", "")


def _month(be: int, m: int) -> tuple:
    if not 1 <= m <= 12:
        return ("bad", f" (ไม่มีเดือนที่ {m})", f" (there is no month {m})")
    return ("month", be, m)


_FREQ_TH = {
    "monthly": "รายเดือน",
    "quarterly": "รายไตรมาส",
    "annual": "รายปี (ปีปฏิทิน)",
    "fiscal_annual": "รายปีงบประมาณ",
}
_FREQ_EXAMPLE = {
    "monthly": "มี.ค. 2568 / 2568-03",
    "quarterly": "ไตรมาส 1/2568 / 2568-Q1",
    "annual": "2568",
    "fiscal_annual": "ปีงบประมาณ 2568 / FY2568",
}


@lru_cache(maxsize=16384)
def _period_for(text: str, frequency: str) -> tuple:
    """(period code, last day) or (None, problem code, detail_th, detail_en)."""
    notation = _period_notation(text)
    kind = notation[0]
    hint_th = f" (รายการนี้{_FREQ_TH[frequency]} เช่น {_FREQ_EXAMPLE[frequency]})"
    hint_en = f" (this item is {frequency.replace('_', ' ')}, e.g. {_FREQ_EXAMPLE[frequency]})"
    wrong = (None, "period_not_of_frequency", hint_th, hint_en)
    if kind == "bad":
        th = notation[1] or hint_th
        en = notation[2] or hint_en
        return (None, "bad_period", th, en)
    try:
        if kind == "date":
            code = tc.period_of(notation[1], frequency)
        elif kind == "fiscal":
            if frequency != "fiscal_annual":
                return wrong
            code = f"FY{notation[1]}"
        elif kind == "quarter":
            if frequency != "quarterly":
                return wrong
            code = f"{notation[1] - tc.BE_OFFSET}-Q{notation[2]}"
        elif kind == "month":
            if frequency != "monthly":
                return wrong
            code = f"{notation[1] - tc.BE_OFFSET}-{notation[2]:02d}"
        elif kind == "num":
            be, n = notation[1], notation[2]
            if frequency == "monthly":
                if not 1 <= n <= 12:
                    return (None, "bad_period", f" (ไม่มีเดือนที่ {n})", f" (no month {n})")
                code = f"{be - tc.BE_OFFSET}-{n:02d}"
            elif frequency == "quarterly":
                if not 1 <= n <= 4:
                    return (None, "bad_period", f" (ไม่มีไตรมาสที่ {n})", f" (no quarter {n})")
                code = f"{be - tc.BE_OFFSET}-Q{n}"
            else:
                return wrong
        elif frequency == "annual":  # a bare year
            code = str(notation[1] - tc.BE_OFFSET)
        elif frequency == "fiscal_annual":
            code = f"FY{notation[1]}"
        else:
            return wrong
        return (code, tc.period_bounds(code, frequency)[1])
    except ValueError as exc:
        return (None, "bad_period", f" ({exc})", f" ({exc})")


def normalise_period(text: str, frequency: str) -> str:
    """Period code of a period written any way read_upload accepts, for an item's frequency.

    >>> normalise_period("มี.ค. 68", "monthly"), normalise_period("ไตรมาส 1/2568", "quarterly")
    ('2025-03', '2025-Q1')
    >>> normalise_period("ปีงบ 68", "fiscal_annual"), normalise_period("2568", "annual")
    ('FY2568', '2025')
    """
    if frequency not in tc.FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    result = _period_for(str(text), frequency)
    if result[0] is None:
        raise ValueError(f"{PROBLEM_CODES[result[1]][1].format(value=text, en=result[3])}")
    return result[0]


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class _Item:
    code: str
    frequency: str
    area_level: str
    valid_min: float
    valid_max: float
    is_percent: bool
    name_th: str
    name_en: str


def _float_or_nan(x: object) -> float:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return f


class _Items:
    """Catalogue lookup: code (case-insensitive) or exact Thai/English name -> item."""

    def __init__(self, items: pd.DataFrame):
        missing = {"code", "frequency", "area_level"} - set(items.columns)
        if missing:
            raise ValueError(f"items frame lacks columns {sorted(missing)}")
        self.info: dict[str, _Item] = {}
        self.by_key: dict[str, str] = {}
        for r in items.to_dict("records"):
            unit = f"{r.get('unit_th') or ''} {r.get('unit_en') or ''}".lower()
            item = _Item(
                code=str(r["code"]),
                frequency=str(r["frequency"]),
                area_level=str(r["area_level"]),
                valid_min=_float_or_nan(r.get("valid_min")),
                valid_max=_float_or_nan(r.get("valid_max")),
                is_percent="ร้อยละ" in unit or "percent" in unit,
                name_th=str(r.get("name_th") or ""),
                name_en=str(r.get("name_en") or ""),
            )
            self.info[item.code] = item
            self.by_key[item.code.upper()] = item.code
        for item in self.info.values():  # names never shadow a code
            for name in (item.name_th, item.name_en):
                key = _header_key(name)
                if key:
                    self.by_key.setdefault(key, item.code)
        self._cache: dict[str, tuple] = {}

    def resolve(self, text: str) -> tuple:
        """(code, "", "") or (None, detail_th, detail_en) with suggestions."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._cache[text] = self._resolve(text)
        return hit

    def _resolve(self, text: str) -> tuple:
        t = clean_text(text)
        code = self.by_key.get(t.upper()) or self.by_key.get(_header_key(t))
        if code is None and (m := re.match(r"([A-Za-z0-9_]+)(?:\s*[-:–(]|\s)", t)):
            code = self.by_key.get(m.group(1).upper())  # "FIN01 ผลการเบิกจ่าย..."
        if code is not None:
            return (code, "", "")
        close = difflib.get_close_matches(t.upper(), list(self.info), n=3, cutoff=0.6)
        if not close:
            return (None, "", "")
        names = ", ".join(close)
        return (None, f" (หรือหมายถึง {names})", f" (did you mean {names}?)")


# ---------------------------------------------------------------- areas

_TH_PROVINCE_PREFIX = re.compile(r"^(?:จังหวัด|จ\.)\s*")
_TH_DISTRICT_PREFIX = re.compile(r"^(?:กิ่งอำเภอ|กิ่ง\s*อ\.|อำเภอ|อ\.|เขต)\s*")
_EN_PROVINCE_AFFIX = re.compile(r"^(?:changwat\s+|province\s+of\s+)|\s+province$", re.I)
_EN_DISTRICT_AFFIX = re.compile(
    r"^(?:king\s+amphoe\s+|amphoe\s+|amphur\s+|khet\s+)|\s+district$", re.I
)
_TH_PROVINCE_IN_TEXT = re.compile(r"\s*(?:จังหวัด|จ\.)\s*(\S.*)$")
_THAI_CHAR = re.compile(r"[\u0e00-\u0e7f]")
_CODE = re.compile(r"(\d{2}|\d{4})(?:\.0+)?")
_ISO = re.compile(r"th-?(\d{2})", re.I)
_TOTAL = re.compile(r"(?:รวม|ยอดรวม|รวมทั้งสิ้น|รวมทั้งหมด|ทั้งหมด|total|grand total|sum)", re.I)
_MUEANG = ("เมือง", "mueang")
_PROVINCE_ALIASES = {
    "กรุงเทพ": "10",
    "กรุงเทพฯ": "10",
    "กทม": "10",
    "krungthep": "10",
    "krungthepmahanakhon": "10",
    "bkk": "10",
    "อยุธยา": "14",
    "ayutthaya": "14",
    "ayudhya": "14",
    "โคราช": "30",
    "korat": "30",
}


def _name_key(text: str) -> str:
    """Matching key of a name: lower case, no spaces, hyphens, dots or apostrophes."""
    key = re.sub(r"[\s\-.'’`]+", "", text.lower())
    return key.replace("muang", "mueang")


def _province_key(text: str) -> str:
    t = _EN_PROVINCE_AFFIX.sub("", _TH_PROVINCE_PREFIX.sub("", text.strip())).strip()
    return _name_key(t)


def _district_key(text: str) -> str:
    t = _EN_DISTRICT_AFFIX.sub("", _TH_DISTRICT_PREFIX.sub("", text.strip())).strip()
    return _name_key(t)


class _Areas:
    """Province and district lookup by code, ISO code or name (see the module table)."""

    def __init__(self, areas: pd.DataFrame):
        missing = {"code", "level", "name_th", "name_en"} - set(areas.columns)
        if missing:
            raise ValueError(f"areas frame lacks columns {sorted(missing)}")
        frame = areas[areas["level"].isin(["province", "district"])]
        self.level: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        self.names: dict[str, tuple[str, str]] = {}
        self.provinces: dict[str, set[str]] = {}
        self.districts: dict[str, set[str]] = {}
        self.in_province: dict[tuple[str, str], set[str]] = {}
        for r in frame.to_dict("records"):
            code = str(r["code"])
            self.level[code] = r["level"]
            self.parent[code] = str(r.get("parent_code") or "")
            self.names[code] = (clean_text(r["name_th"]), clean_text(r["name_en"]))
        for code, (th, en) in self.names.items():
            if self.level[code] == "province":
                for key in (_province_key(th), _province_key(en)):
                    self.provinces.setdefault(key, set()).add(code)
            else:
                for key in (_district_key(th), _district_key(en)):
                    self.districts.setdefault(key, set()).add(code)
                    self.in_province.setdefault((self.parent[code], key), set()).add(code)
                if th.startswith("เมือง") or en.startswith("Mueang"):
                    for word in _MUEANG:
                        self.districts.setdefault(word, set()).add(code)
                        self.in_province.setdefault((self.parent[code], word), set()).add(code)
        for key, code in _PROVINCE_ALIASES.items():
            if code in self.level:
                self.provinces.setdefault(key, set()).add(code)
        # A province without a Mueang district: its capital district bears its name (14 -> 1401).
        for code, level in self.level.items():
            if level != "province" or (code, "เมือง") in self.in_province:
                continue
            capital = self.in_province.get((code, _province_key(self.names[code][0])))
            if capital:
                for word in _MUEANG:
                    self.in_province[(code, word)] = set(capital)
                    self.districts.setdefault(word, set()).update(capital)
        self._pool: dict[bool, dict[str, set[str]]] = {True: {}, False: {}}
        for code, (th, en) in self.names.items():
            key = _province_key if self.level[code] == "province" else _district_key
            self._pool[True].setdefault(key(th), set()).add(code)
            self._pool[False].setdefault(key(en), set()).add(code)
        self._cache: dict[tuple[str, str], tuple] = {}

    def label(self, code: str, lang: str) -> str:
        """'บ้านฉาง จ.ระยอง (2102)' / 'Ban Chang, Rayong (2102)'; provinces without parent."""
        th, en = self.names[code]
        if self.level[code] == "district":
            pth, pen = self.names.get(self.parent[code], ("", ""))
            return f"{th} จ.{pth} ({code})" if lang == "th" else f"{en}, {pen} ({code})"
        return f"{th} ({code})" if lang == "th" else f"{en} ({code})"

    def resolve(self, text: str, qualifier: str = "") -> tuple:
        """(candidate codes, detail_th, detail_en); no candidates means unknown."""
        hit = self._cache.get((text, qualifier))
        if hit is None:
            hit = self._cache[(text, qualifier)] = self._resolve(text, qualifier)
        return hit

    def _suggest(self, text: str, codes: set[str] | None = None) -> tuple:
        thai = bool(_THAI_CHAR.search(text))
        pool = self._pool[thai]
        if codes is not None:
            pool = {k: v & codes for k, v in pool.items() if v & codes}
        key = _district_key(text) if _TH_DISTRICT_PREFIX.match(text) else _province_key(text)
        close = difflib.get_close_matches(key, list(pool), n=3, cutoff=0.6)
        found = sorted({c for k in close for c in pool[k]})[:5]
        if not found:
            return ((), "", "")
        th = ", ".join(self.label(c, "th") for c in found)
        en = ", ".join(self.label(c, "en") for c in found)
        return ((), f" (หรือหมายถึง: {th})", f" (did you mean: {en}?)")

    def _resolve(self, text: str, qualifier: str) -> tuple:
        t = clean_text(text)
        if t.startswith("'"):
            t = t[1:]
        q = clean_text(qualifier)
        if not t:
            t, q = q, ""
        if m := _CODE.fullmatch(t):
            code = m.group(1)
            if code in self.level:
                return ((code,), "", "")
            return ((), " (ไม่มีรหัสพื้นที่นี้)", " (no area has this code)")
        if m := _ISO.fullmatch(t):
            code = m.group(1)
            if self.level.get(code) == "province":
                return ((code,), "", "")
            return ((), " (ไม่มีรหัส ISO นี้)", " (no province has this ISO code)")
        district_part, province_part = t, q
        if not province_part:
            m = _TH_PROVINCE_IN_TEXT.search(t)
            if m and m.start() > 0:
                district_part, province_part = t[: m.start()], m.group(1)
            elif "," in t:
                district_part, province_part = (s.strip() for s in t.rsplit(",", 1))
        if province_part:
            provinces = self._province(province_part)
            if not provinces:
                return self._suggest(province_part)
            if _CODE.fullmatch(district_part):
                found = {district_part.split(".")[0]} & set(self.level)
            else:
                dkey = _district_key(district_part)
                found = set().union(*(self.in_province.get((p, dkey), set()) for p in provinces))
            if found:
                return (tuple(sorted(found)), "", "")
            inside = {c for c, p in self.parent.items() if p in provinces}
            return self._suggest(district_part, inside)
        district_prefix = bool(_TH_DISTRICT_PREFIX.match(t) or _EN_DISTRICT_AFFIX.search(t))
        province_prefix = bool(_TH_PROVINCE_PREFIX.match(t) or _EN_PROVINCE_AFFIX.search(t))
        found = set()
        if not district_prefix:
            found |= self._province(t)
        if not province_prefix:
            found |= self.districts.get(_district_key(t), set())
        if not found and " " in t:  # "บ้านฉาง ระยอง": district then province, no prefix
            words = t.split(" ")
            for i in range(len(words) - 1, 0, -1):
                provinces = self._province(" ".join(words[i:]))
                dkey = _district_key(" ".join(words[:i]))
                found = set().union(*(self.in_province.get((p, dkey), set()) for p in provinces))
                if found:
                    break
        if found:
            return (tuple(sorted(found)), "", "")
        return self._suggest(t)

    def _province(self, text: str) -> set[str]:
        if m := _CODE.fullmatch(text):
            return {m.group(1)} if self.level.get(m.group(1)) == "province" else set()
        if m := _ISO.fullmatch(text):
            return {m.group(1)} if self.level.get(m.group(1)) == "province" else set()
        return self.provinces.get(_province_key(text), set())


# ---------------------------------------------------------------- values

_EMPTY_VALUES = ("", "-", "–", "—", "−", "n/a", "N/A", "na", "NA")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


# Plain decimals that Arrow and pandas both read exactly (15 characters at most: every
# digit string fits a double's mantissa, so both divide it by an exact power of ten).
_PLAIN_INT = r"^-?[0-9]{1,15}$"
_PLAIN_DECIMAL = r"^-?[0-9]+(?:\.[0-9]+)?$"


def _plain_values(raw: pd.Series, empty: np.ndarray) -> np.ndarray | None:
    """pd.to_numeric(raw, errors="coerce") as floats, read by Arrow; None unless every text
    is empty (see _EMPTY_VALUES) or a plain decimal of at most 15 characters.

    pandas reads a column of integers only as int64 ("-0" is 0) and any other column
    as floats ("-0" is -0.0); the empty texts do not parse, so they make it floats.
    """
    arr = pa.array(raw.array)
    if not len(arr) or arr.null_count:
        return None
    short = pc.less_equal(pc.utf8_length(arr), 15)
    if empty.any():
        texts = pc.filter(arr, pa.array(~empty))
        if not pc.all(pc.match_substring_regex(texts, _PLAIN_DECIMAL)).as_py():
            return None
        if not pc.all(pc.filter(short, pa.array(~empty))).as_py():
            return None
        values = np.full(len(raw), np.nan)
        values[~empty] = pc.cast(texts, pa.float64()).to_numpy()
        return values
    if not pc.all(short).as_py():
        return None
    if pc.all(pc.match_substring_regex(arr, _PLAIN_INT)).as_py():
        return np.array(pc.cast(pc.cast(arr, pa.int64()), pa.float64()).to_numpy())
    if pc.all(pc.match_substring_regex(arr, _PLAIN_DECIMAL)).as_py():
        return np.array(pc.cast(arr, pa.float64()).to_numpy())
    return None


def _parse_values(raw: pd.Series, is_percent: np.ndarray) -> tuple:
    """(values, empty mask, bad mask, detail_th, detail_en) of stripped value texts."""
    empty = raw.isin(_EMPTY_VALUES).to_numpy()
    values = _plain_values(raw, empty)
    if values is None:
        numbers = pd.to_numeric(raw, errors="coerce")
        values = np.array(numbers.to_numpy(dtype=float, na_value=np.nan))
    slow = np.isnan(values) & ~empty
    n = len(raw)
    detail_th: np.ndarray | str = ""
    detail_en: np.ndarray | str = ""
    if slow.any():
        detail_th = np.full(n, "", dtype=object)
        detail_en = np.full(n, "", dtype=object)
        s = raw[slow].map(clean_text).str.replace(r"[\s']", "", regex=True)
        s = s.str.replace("\u2212", "-", regex=False)
        neg = s.str.fullmatch(r"\(.*\)")
        s = s.where(~neg, s.str.slice(1, -1))
        pct = s.str.endswith("%")
        s = s.where(~pct, s.str.slice(0, -1))
        comma = s.str.contains(",", regex=False)
        bad_comma = comma & ~s.str.fullmatch(_GROUPED.pattern)
        s = s.str.replace(",", "", regex=False)
        parsed = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        parsed = np.where(neg.to_numpy(), -parsed, parsed)
        pct_np = pct.to_numpy()
        bad_pct = pct_np & ~is_percent[slow]
        parsed[bad_comma.to_numpy() | bad_pct] = np.nan
        values[slow] = parsed
        idx = np.flatnonzero(slow)
        detail_th[idx[bad_pct]] = " (มีเครื่องหมาย % แต่รายการนี้ไม่ใช่ร้อยละ)"
        detail_en[idx[bad_pct]] = " (a % sign, but this item is not a percentage)"
        detail_th[idx[bad_comma.to_numpy()]] = " (ใช้จุลภาคคั่นหลักพันไม่ถูกตำแหน่ง)"
        detail_en[idx[bad_comma.to_numpy()]] = " (a comma that is not a thousands separator)"
    bad = ~empty & ~np.isfinite(values)
    return values, empty, bad, detail_th, detail_en


# ---------------------------------------------------------------- cells


_NOTE = re.compile(
    r"^(?:ที่มา|หมายเหตุ|แหล่งที่มา|แหล่งข้อมูล|ข้อมูล ณ|source|sources|note|notes|remark|\*)",
    re.I,
)


def _data_rows(grid: pd.DataFrame, header_row: int) -> pd.DataFrame:
    """Rows below the header without blank rows and note rows (one cell: ที่มา:, Source...)."""
    body = grid.iloc[header_row + 1 :]
    if body.empty:
        return body
    filled = body.ne("").to_numpy()
    count = filled.sum(axis=1)
    drop = count == 0
    single = count == 1
    if single.any():
        text = np.full(len(body), "", dtype=object)
        for j, column in enumerate(body.columns):
            m = single & filled[:, j]
            if m.any():
                text[m] = body[column].to_numpy(dtype=object)[m]
        drop |= single & pd.Series(text).str.match(_NOTE.pattern, case=False).to_numpy(bool)
    return body[~drop] if drop.any() else body


@dataclass
class _Cells:
    """Cells to validate, one per (data row, value column), and where each role's text sits.

    frame: row (Excel row), item, area, area_q (province of a district), period, value, note.
    locs: role -> (row, column label) of its text, each a scalar or one entry per cell;
    row 0 means the chosen argument (no place in the file).
    """

    frame: pd.DataFrame
    locs: dict[str, tuple[object, object]]


_NO_ITEM_TH = " (ไม่มีคอลัมน์รหัสรายการ และไม่ได้เลือกรายการ)"
_NO_ITEM_EN = " (no item column and no item chosen)"
_NO_PERIOD_TH = " (ไม่มีคอลัมน์งวด และไม่ได้เลือกงวด)"
_NO_PERIOD_EN = " (no period column and no period chosen)"


def _constant(text: str, n: int) -> pd.Series:
    return _str_series(pa.repeat(pa.scalar(text, pa.large_string()), n))


def _long_cells(
    grid: pd.DataFrame, header: _Header, item_arg: str | None, period_arg: str | None
) -> tuple[_Cells | None, list[Problem]]:
    roles, labels = header.roles, header.labels
    body = _data_rows(grid, header.row)
    n = len(body)
    rows = body.index.to_numpy(dtype=np.int64) + 1

    def col(role: str) -> pd.Series:
        return body[roles[role]].reset_index(drop=True)

    if "district" in roles and "province" in roles:
        area_role, qual = "district", col("province")
    else:
        area_role = next(r for r in ("area", "district", "province") if r in roles)
        qual = col("province") if area_role == "area" and "province" in roles else None
    area = col(area_role)
    if "area_name" in roles:  # the code column empty, the name filled in
        area = area.where(area != "", col("area_name"))
    locs: dict[str, tuple[object, object]] = {
        "area": (rows, labels[roles[area_role]]),
        "value": (rows, labels[roles["value"]]),
    }

    if "item" in roles:
        item = col("item")
        if item_arg:
            item = item.where(item != "", item_arg)
        locs["item"] = (rows, labels[roles["item"]])
    elif item_arg:
        item = _constant(item_arg, n)
        locs["item"] = (0, "")
    else:
        return None, [make_problem("missing_item", th=_NO_ITEM_TH, en=_NO_ITEM_EN)]

    if "period" in roles:
        period = col("period")
        locs["period"] = (rows, labels[roles["period"]])
    elif "year" in roles and ("month" in roles or "quarter" in roles):
        part_role = "month" if "month" in roles else "quarter"
        year, part = col("year"), col(part_role)
        digit = part.str.fullmatch(r"\d{1,2}")
        if part_role == "month":
            period = (part + "/" + year).where(digit, part + " " + year)
        else:
            period = ("ไตรมาส " + part + "/" + year).where(digit, part + " " + year)
        period = period.where((year != "") & (part != ""), "")
        locs["period"] = (rows, f"{labels[roles['year']]}+{labels[roles[part_role]]}")
    elif part_role := next((r for r in ("year", "month", "quarter") if r in roles), None):
        period = col(part_role)
        locs["period"] = (rows, labels[roles[part_role]])
    elif period_arg:
        period = _constant(period_arg, n)
        locs["period"] = (0, "")
    else:
        return None, [make_problem("missing_period", th=_NO_PERIOD_TH, en=_NO_PERIOD_EN)]
    if period_arg and locs["period"][0] is rows:
        period = period.where(period != "", period_arg)

    frame = pd.DataFrame(
        {
            "row": rows,
            "item": item,
            "area": area,
            "area_q": qual if qual is not None else _constant("", n),
            "period": period,
            "value": col("value"),
            "note": col("note") if "note" in roles else _constant("", n),
        }
    )
    return _Cells(frame, locs), []


def _wide_cells(
    grid: pd.DataFrame,
    header: _Header,
    items: _Items,
    item_arg: str | None,
    period_arg: str | None,
) -> tuple[_Cells | None, list[Problem], str | None, str | None]:
    """Cells of a wide sheet, one per filled (area row, period or item column)."""
    roles, labels = header.roles, header.labels
    head_rows = grid.iloc[: header.row + 1].values.tolist()
    problems: list[Problem] = []
    if header.form == "wide_periods":
        role, pattern, arg = "item", _LABEL_ITEM, item_arg
    else:
        role, pattern, arg = "period", _LABEL_PERIOD, period_arg
    label = _label_above(head_rows, header.row, pattern)
    if arg and label:
        same = (
            items.resolve(label[0])[0] == items.resolve(arg)[0]
            if role == "item"
            else _period_notation(label[0]) == _period_notation(arg)
        )
        if not same:
            problems.append(
                make_problem(
                    f"{role}_mismatch",
                    row=label[1],
                    column=label[2],
                    value=label[0],
                    th=f" ({arg})",
                    en=f" ({arg})",
                )
            )
    # an item (or period) column gives one per row; the argument or label fills its blanks
    row_roles = ("item",) if role == "item" else ("period", "year", "month", "quarter")
    row_role = next((r for r in row_roles if r in roles), None)
    if arg:
        fixed = (arg, 0, "")
    elif label:
        fixed = label
    elif row_role is not None:
        fixed = ("", 0, "")
    elif role == "item":
        problems.append(make_problem("missing_item", th=_NO_ITEM_TH, en=_NO_ITEM_EN))
        return None, problems, None, None
    else:
        problems.append(make_problem("missing_period", th=_NO_PERIOD_TH, en=_NO_PERIOD_EN))
        return None, problems, None, None

    body = _data_rows(grid, header.row)
    rows = body.index.to_numpy(dtype=np.int64) + 1
    area_role = next(r for r in ("area", "district", "province") if r in roles)
    area = body[roles[area_role]]
    if "area_name" in roles:
        area = area.where(area != "", body[roles["area_name"]])
    if area_role != "province" and "province" in roles:
        qual = body[roles["province"]]
    else:
        qual = pd.Series("", index=body.index, dtype="str")
    note = body[roles["note"]] if "note" in roles else pd.Series("", index=body.index, dtype="str")
    per_row = None
    if row_role is not None:
        per_row = body[roles[row_role]]
        if fixed[0]:
            per_row = per_row.where(per_row != "", fixed[0])
    parts, labels_per_cell = [], []
    for j in header.data_columns:
        if _TOTAL.fullmatch(clean_text(labels[j])):
            problems.append(
                make_problem("total_column", row=header.row + 1, column=labels[j], value=labels[j])
            )
            continue
        filled = (body[j] != "").to_numpy()
        if not filled.any():
            continue
        part = pd.DataFrame(
            {
                "row": rows[filled],
                "area": area[filled],
                "area_q": qual[filled],
                "value": body[j][filled],
                "note": note[filled],
                "fixed": per_row[filled] if per_row is not None else "",
            }
        ).reset_index(drop=True)
        parts.append(part)
        labels_per_cell.append(np.full(int(filled.sum()), labels[j], dtype=object))
    columns = ["row", "area", "area_q", "value", "note", "fixed"]
    if parts:
        frame = pd.concat(parts, ignore_index=True)
        per_cell = np.concatenate(labels_per_cell)
    else:
        frame = pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "row" else "str") for c in columns}
        )
        per_cell = np.array([], dtype=object)
    per_cell_str = pd.Series(per_cell, dtype="str")
    cells_rows = frame["row"].to_numpy(dtype=np.int64)
    if per_row is not None:
        fixed_text = frame["fixed"].astype("str")
        fixed_loc = (cells_rows, labels[roles[row_role]])
    else:
        fixed_text = _constant(fixed[0], len(frame))
        fixed_loc = (fixed[1], fixed[2])
    frame = frame.drop(columns="fixed")
    header_row = header.row + 1
    if header.form == "wide_periods":
        frame["item"], frame["period"] = fixed_text, per_cell_str
        item_loc, period_loc = fixed_loc, (header_row, per_cell)
    else:
        frame["item"], frame["period"] = per_cell_str, fixed_text
        item_loc, period_loc = (header_row, per_cell), fixed_loc
    locs = {
        "item": item_loc,
        "period": period_loc,
        "area": (cells_rows, labels[roles[area_role]]),
        "value": (cells_rows, per_cell),
    }
    item_text = fixed[0] if role == "item" and fixed[0] else None
    period_text = fixed[0] if role == "period" and fixed[0] else None
    return _Cells(frame, locs), problems, item_text, period_text


# ---------------------------------------------------------------- validation


def _at(spec: object, idx: np.ndarray, dtype) -> np.ndarray:
    """Entries idx of a per-cell array, or a scalar repeated."""
    if isinstance(spec, np.ndarray):
        return spec[idx]
    return np.full(len(idx), spec, dtype=dtype)


def _problem_frame(cells: _Cells, mask: np.ndarray, role: str, code: str, th, en) -> pd.DataFrame:
    """Problems for the cells in mask, located at the role's row and column."""
    idx = np.flatnonzero(mask)
    row_spec, col_spec = cells.locs[role]
    return pd.DataFrame(
        {
            "row": _at(row_spec, idx, np.int64).astype(np.int64),
            "column": _at(col_spec, idx, object),
            "value": cells.frame[role].iloc[idx].to_numpy(dtype=object),
            "code": code,
            "th": th[idx] if isinstance(th, np.ndarray) else th,
            "en": en[idx] if isinstance(en, np.ndarray) else en,
        }
    )


def _per(values: list, codes: np.ndarray, dtype=object) -> np.ndarray:
    """Per-cell array from per-distinct-value results and the cells' codes."""
    distinct = np.asarray(values, dtype=dtype)
    if dtype is bool and not distinct.any():  # nothing flagged: no need to index
        return np.zeros(len(codes), dtype=bool)
    return distinct[codes]


def _per_text(values: list[str], codes: np.ndarray) -> np.ndarray | str:
    """Like _per for a problem's detail texts; just "" when every text is empty."""
    return _per(values, codes) if any(values) else ""


_LEVELS = ("", "province", "district")


def _validate(
    cells: _Cells, items: _Items, areas: _Areas, as_of: date, form: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Clean rows and problem frames; every lookup runs once per distinct text."""
    f = cells.frame
    n = len(f)
    found: list[pd.DataFrame] = []
    error = np.zeros(n, dtype=bool)

    # items, and "รวม"/"Total" rows (one problem, nothing else for that row)
    icodes, iuniq = pd.factorize(f["item"])
    iuniq = list(iuniq)
    iresolved = [items.resolve(u) if u else (None, "", "") for u in iuniq]
    iinfo = [items.info.get(r[0]) if r[0] else None for r in iresolved]
    item_known = _per([i is not None for i in iinfo], icodes, bool)
    item_blank = _per([u == "" for u in iuniq], icodes, bool)
    total_item = _per([bool(_TOTAL.fullmatch(clean_text(u))) for u in iuniq], icodes, bool)
    acodes, auniq = pd.factorize(f["area"])
    auniq = list(auniq)
    total_area = _per([bool(_TOTAL.fullmatch(clean_text(u))) for u in auniq], acodes, bool)
    total = total_item | total_area

    def report(mask, role, code, th="", en=""):
        nonlocal error
        if code != "total_row":
            mask = mask & ~total
        if mask.any():
            found.append(_problem_frame(cells, mask, role, code, th, en))
            if SEVERITY.get(code, "error") == "error":
                error |= mask

    report(total_area, "area", "total_row")
    report(total_item & ~total_area, "item", "total_row")
    report(item_blank, "item", "missing_item")
    report(
        ~item_known & ~item_blank,
        "item",
        "unknown_item",
        _per_text([r[1] for r in iresolved], icodes),
        _per_text([r[2] for r in iresolved], icodes),
    )

    def attr(name, default, dtype=object):
        return _per([getattr(i, name) if i else default for i in iinfo], icodes, dtype)

    freq_idx = _per(
        [tc.FREQUENCIES.index(i.frequency) + 1 if i else 0 for i in iinfo], icodes, np.int64
    )
    level_idx = _per([_LEVELS.index(i.area_level) if i else 0 for i in iinfo], icodes, np.int64)

    # areas: once per distinct (text, province qualifier, item level)
    qcodes, quniq = pd.factorize(f["area_q"])
    quniq = list(quniq)
    akey = (acodes.astype(np.int64) * len(quniq) + qcodes) * len(_LEVELS) + level_idx
    ainv, akeys = _factorize_keys(akey)
    decided = []
    for k in akeys.tolist():
        rest, lvl = divmod(k, len(_LEVELS))
        a, q = divmod(rest, len(quniq))
        decided.append(_decide_area(areas, auniq[a], quniq[q], _LEVELS[lvl]))
    area_blank = _per([not d[4] for d in decided], ainv, bool)
    report(area_blank, "area", "missing_area")
    for code in ("unknown_area", "ambiguous_area", "area_level_mismatch"):
        hit = _per([d[1] == code for d in decided], ainv, bool)
        if hit.any():
            th = _per([d[2] for d in decided], ainv)
            en = _per([d[3] for d in decided], ainv)
            report(hit, "area", code, th, en)

    # periods: once per distinct (text, frequency)
    pcodes, puniq = pd.factorize(f["period"])
    puniq = list(puniq)
    nf = len(tc.FREQUENCIES) + 1
    pinv, pkeys = _factorize_keys(pcodes.astype(np.int64) * nf + freq_idx)
    parsed = []
    for k in pkeys.tolist():
        p, fi = divmod(k, nf)
        parsed.append(_parse_period_key(puniq[p], tc.FREQUENCIES[fi - 1] if fi else ""))
    period_blank = _per([p[5] for p in parsed], pinv, bool)
    report(period_blank, "period", "missing_period")
    for code in ("bad_period", "period_not_of_frequency"):
        hit = _per([p[2] == code for p in parsed], pinv, bool)
        if hit.any():
            th = _per([p[3] for p in parsed], pinv)
            en = _per([p[4] for p in parsed], pinv)
            report(hit, "period", code, th, en)
    future = _per([bool(p[1]) and p[1] >= as_of for p in parsed], pinv, bool)
    report(
        future,
        "period",
        "period_in_future",
        f" (ณ วันที่ {tc.thai_date(as_of)})",
        f" (as of {as_of.isoformat()})",
    )

    # values
    values, empty, bad, vth, ven = _parse_values(f["value"], attr("is_percent", False, bool))
    if form == "long":
        report(empty, "value", "empty_value")
    report(bad, "value", "not_a_number", vth, ven)
    ok_value = ~empty & ~bad
    outside = ok_value & (
        (values < attr("valid_min", np.nan, float)) | (values > attr("valid_max", np.nan, float))
    )
    if outside.any():
        rng_th = [f" ({_fmt(i.valid_min)} ถึง {_fmt(i.valid_max)})" if i else "" for i in iinfo]
        rng_en = [f" ({_fmt(i.valid_min)} to {_fmt(i.valid_max)})" if i else "" for i in iinfo]
        report(outside, "value", "out_of_range", _per(rng_th, icodes), _per(rng_en, icodes))

    # duplicates: cells naming the same item, area and period (by code, not by spelling)
    item_id = pd.factorize(pd.Series([r[0] for r in iresolved], dtype=object))[0][icodes]
    area_id = pd.factorize(pd.Series([d[0] for d in decided], dtype=object))[0][ainv]
    period_id = pd.factorize(pd.Series([p[0] for p in parsed], dtype=object))[0][pinv]
    keyed = (item_id >= 0) & (area_id >= 0) & (period_id >= 0) & ~empty & ~total
    dup = _duplicated(item_id[keyed], area_id[keyed], period_id[keyed])
    if dup.any():
        ids = pd.DataFrame({"i": item_id, "a": area_id, "p": period_id})[keyed]
        d = ids[dup].assign(row=f["row"].to_numpy()[ids.index[dup]])
        rows_of = d.groupby(["i", "a", "p"])["row"].transform(
            lambda r: ", ".join(map(str, sorted(r)))
        )
        mask = np.zeros(n, dtype=bool)
        mask[d.index.to_numpy()] = True
        detail = np.full(n, "", dtype=object)
        detail[d.index.to_numpy()] = rows_of.to_numpy(dtype=object)
        report(mask, "value", "duplicate_cell", detail, detail)

    keep = np.flatnonzero(~error & ~empty)
    note = f["note"].take(keep).reset_index(drop=True)
    if not (note != "").any():  # no notes at all (the common case)
        note = pd.Series(np.full(len(note), None, dtype=object), name=note.name)
    else:
        quoted = note.str.match(r"'[=+\-@]")  # a note exported neutralised reads back as typed
        note = note.where(~quoted, note.str.slice(1)).astype(object).where(note != "", None)
    value_col = cells.locs["value"][1]
    clean = pd.DataFrame(
        {
            "item_code": _take_str([r[0] or "" for r in iresolved], icodes[keep]),
            "area_code": _take_str([d[0] or "" for d in decided], ainv[keep]),
            "period": _take_str([p[0] or "" for p in parsed], pinv[keep]),
            "period_end": _per([p[1] for p in parsed], pinv[keep]),
            "value": values[keep],
            "note": note,
            "source_row": f["row"].to_numpy(dtype=np.int64)[keep],
            "source_column": (
                pd.Series(value_col[keep], dtype="str")
                if isinstance(value_col, np.ndarray)
                else _take_str([value_col], np.zeros(len(keep), dtype=np.intp))
            ),
        },
        columns=CLEAN_COLUMNS,
    )
    return clean, found


def _factorize_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct keys) of int64 keys; the order of the distinct keys is immaterial."""
    size = int(keys.max()) + 1 if len(keys) else 0
    if size > 4 * len(keys) + 1024 or (len(keys) and keys.min() < 0):
        return pd.factorize(keys)  # by hash
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return position[keys], np.flatnonzero(present)


def _duplicated(i: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Mask of the (i, a, p) triples (non-negative ids) that occur more than once."""
    if not len(i):
        return np.zeros(0, dtype=bool)
    ni, na, np_ = (int(x.max()) + 1 for x in (i, a, p))
    slots = ni * na * np_
    if slots < 2**62:  # one int64 key per triple
        key = (i.astype(np.int64) * na + a) * np_ + p
        if slots <= 4 * len(key) + 1024:  # few possible triples: count them
            return np.bincount(key, minlength=slots)[key] > 1
        return pd.Series(key).duplicated(keep=False).to_numpy()
    ids = pd.DataFrame({"i": i, "a": a, "p": p})
    return ids.duplicated(keep=False).to_numpy()


def _take_str(values: list[str], codes: np.ndarray) -> pd.Series:
    """A str Series of values[codes] (taken in Arrow, not built string by string)."""
    return _str_series(pc.take(pa.array(values, pa.large_string()), pa.array(codes)))


def _fmt(x: float) -> str:
    return "-" if np.isnan(x) else f"{x:,.10g}"


def _parse_period_key(text: str, frequency: str) -> tuple:
    """(code, end, problem, th, en, blank) of a period text for a frequency ('' = unknown)."""
    if not text:
        return (None, None, None, "", "", True)
    if not frequency:
        return (None, None, None, "", "", False)
    result = _period_for(text, frequency)
    if result[0] is None:
        return (None, None, *result[1:], False)
    return (result[0], result[1], None, "", "", False)


_LEVEL_TH = {"province": "ระดับจังหวัด", "district": "ระดับอำเภอ"}
_LEVEL_EN = {"province": "a province", "district": "a district"}


def _decide_area(areas: _Areas, text: str, qualifier: str, level: str) -> tuple:
    """(code, problem, detail_th, detail_en, given) for an area text at an item level."""
    if not text and not qualifier:
        return (None, None, "", "", False)
    if _TOTAL.fullmatch(clean_text(text)):
        return (None, None, "", "", True)
    candidates, th, en = areas.resolve(text, qualifier)
    if not candidates:
        return (None, "unknown_area", th, en, True)
    at_level = [c for c in candidates if not level or areas.level[c] == level]
    if len(at_level) == 1:
        return (at_level[0], None, "", "", True)
    if len(at_level) > 1:
        shown = at_level[:6]
        more_th = f" และอีก {len(at_level) - 6} แห่ง" if len(at_level) > 6 else ""
        more_en = f" and {len(at_level) - 6} more" if len(at_level) > 6 else ""
        return (
            None,
            "ambiguous_area",
            ", ".join(areas.label(c, "th") for c in shown) + more_th,
            ", ".join(areas.label(c, "en") for c in shown) + more_en,
            True,
        )
    other = areas.level[candidates[0]]
    return (
        None,
        "area_level_mismatch",
        f"เป็นพื้นที่{_LEVEL_TH[other]} แต่รายการนี้เก็บข้อมูล{_LEVEL_TH[level]}",
        f"is {_LEVEL_EN[other]}, but this item is reported by {level}",
        True,
    )


# ---------------------------------------------------------------- entry point


def _is_xlsx(data: bytes, file_name: str) -> bool:
    return data[:2] == b"PK" or file_name.lower().endswith((".xlsx", ".xlsm"))


def read_upload(
    data: bytes,
    file_name: str,
    items: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    item_code: str | None = None,
    period: str | None = None,
    as_of: date | None = None,
    lang: str = "th",
    max_rows: int = MAX_ROWS,
    max_problems: int = MAX_PROBLEMS,
) -> UploadResult:
    """Read and validate an uploaded CSV or XLSX file (see the module docstring for the rules).

    items: the catalogue (code, frequency, area_level, valid_min, valid_max, unit_th...);
    areas: provinces and districts (code, level, name_th, name_en, parent_code);
    item_code / period: the chosen item (wide_periods) or period (wide_items), also used
    for empty item or period cells of a long sheet; as_of: today unless given.
    """
    as_of = tc._check_date(as_of if as_of is not None else date.today(), "as_of")
    if lang not in tc.LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {tc.LANGS}")
    item_index = _Items(items)
    area_index = _Areas(areas)
    item_code = clean_text(item_code) or None if item_code is not None else None
    period = clean_text(period) or None if period is not None else None

    def fail(problem: Problem, encoding=None, delimiter=None, sheet=None, form=None):
        return UploadResult(
            clean=pd.DataFrame(columns=CLEAN_COLUMNS),
            problems=[problem],
            form=form,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            problem_count=1,
            lang=lang,
        )

    if not data or not data.strip(b" \t\r\n\x00"):
        return fail(make_problem("empty_file"))
    if data[:4] == b"\xd0\xcf\x11\xe0":  # old binary .xls (OLE2)
        return fail(
            make_problem(
                "unreadable_file",
                th=" (ไฟล์ .xls แบบเก่า กรุณาบันทึกเป็น .xlsx หรือ CSV)",
                en=" (old .xls format: save it as .xlsx or CSV)",
            )
        )
    if data.count(b"\n") > 2 * max_rows + 1000:
        return fail(make_problem("too_many_rows", value=f"{max_rows:,}"))
    try:
        if _is_xlsx(data, file_name):
            grids = _read_xlsx_grids(data, max_rows)
        else:
            grids = [_read_csv_grid(data, max_rows, item_index)]
    except _FileProblem as exc:
        return fail(exc.problem, exc.encoding)
    if not grids or all(_all_blank(g.cells) for g in grids):
        g0 = grids[0] if grids else None
        return fail(make_problem("empty_file"), *(_meta(g0) if g0 else ()))

    grid, header = grids[0], None
    for g in grids:
        head = g.cells.iloc[:HEADER_SCAN_ROWS].values.tolist()
        header = _find_header(head, item_index)
        if header is not None:
            grid = g
            break
    if header is None:
        return fail(
            make_problem(
                "missing_header",
                th=" (ต้องมีคอลัมน์ พื้นที่ และ ค่า หรือคอลัมน์งวด/รหัสรายการ ในแบบตารางกว้าง)",
                en=" (need area and value columns, or period/item columns in a wide sheet)",
            ),
            *_meta(grid),
        )
    cells_frame = grid.cells
    data_rows = len(cells_frame) - header.row - 1
    if data_rows > max_rows:
        return fail(make_problem("too_many_rows", value=f"{max_rows:,}"), *_meta(grid))

    item_text = period_text = None
    if header.form == "long":
        cells, problems = _long_cells(cells_frame, header, item_code, period)
    else:
        cells, problems, item_text, period_text = _wide_cells(
            cells_frame, header, item_index, item_code, period
        )
        problems += _wide_header_problems(header, item_index, item_text)
    if cells is None:
        return UploadResult(
            clean=pd.DataFrame(columns=CLEAN_COLUMNS),
            problems=problems,
            form=header.form,
            encoding=grid.encoding,
            delimiter=grid.delimiter,
            sheet=grid.sheet,
            header_row=header.row + 1,
            problem_count=len(problems),
            lang=lang,
        )
    clean, found = _validate(cells, item_index, area_index, as_of, header.form)
    listed, total = _collect(problems, found, max_problems)
    return UploadResult(
        clean=clean,
        problems=listed,
        form=header.form,
        encoding=grid.encoding,
        delimiter=grid.delimiter,
        sheet=grid.sheet,
        header_row=header.row + 1,
        rows_read=_count_distinct(cells.frame["row"].to_numpy(dtype=np.int64)),
        problem_count=total,
        lang=lang,
        item_code=item_index.resolve(item_text)[0] if item_text else None,
        period_text=period_text,
    )


def _count_distinct(rows: np.ndarray) -> int:
    """Number of distinct rows (a long sheet's rows are already increasing)."""
    if len(rows) < 2 or bool((rows[1:] > rows[:-1]).all()):
        return len(rows)
    return int(pd.Series(rows).nunique())


def _all_blank(cells: pd.DataFrame) -> bool:
    """True when no cell is filled in (the first rows are looked at first)."""
    if cells.empty:
        return True
    if cells.iloc[:HEADER_SCAN_ROWS].ne("").any().any():
        return False
    return not cells.ne("").any().any()


def _meta(grid: _Grid) -> tuple:
    return (grid.encoding, grid.delimiter, grid.sheet)


def _wide_header_problems(header: _Header, items: _Items, item_text: str | None) -> list[Problem]:
    """Duplicate period or item columns of a wide header (same period written twice)."""
    problems = []
    seen: dict[object, str] = {}
    for j in header.data_columns:
        text = header.labels[j]
        if header.form == "wide_items":
            key = items.resolve(text)[0] or text
        else:
            key = _period_notation(text)
            if key[0] == "bad":
                key = text
        if key in seen:
            problems.append(
                make_problem(
                    "duplicate_column",
                    row=header.row + 1,
                    column=text,
                    value=text,
                    th=f" ({seen[key]})",
                    en=f" ({seen[key]})",
                )
            )
        else:
            seen[key] = text
    return problems


def _collect(
    problems: list[Problem], found: list[pd.DataFrame], max_problems: int
) -> tuple[list[Problem], int]:
    """Problems sorted by row, deduplicated by (row, column, code), capped at max_problems."""
    if found:
        frame = pd.concat(found, ignore_index=True)
        frame = frame.drop_duplicates(["row", "column", "code"])
        frame = frame.sort_values("row", kind="stable")
    else:
        frame = pd.DataFrame(columns=["row", "column", "value", "code", "th", "en"])
    total = len(problems) + len(frame)
    room = max(max_problems - len(problems), 0)
    out = list(problems)
    for r in frame.head(room).itertuples(index=False):
        out.append(
            make_problem(
                r.code,
                row=int(r.row) or None,
                column=str(r.column),
                value=str(r.value),
                th=str(r.th),
                en=str(r.en),
            )
        )
    if total > len(out):
        out.append(
            make_problem("too_many_problems", value=f"{total:,}", th=str(room), en=str(room))
        )
    return out, total

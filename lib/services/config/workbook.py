"""The configuration workbook: config frames to an .xlsx file and back (no store here).

`write_workbook`: a README sheet explaining every column, then a tab "th (key)"
per sheet of SHEETS (and of an optional sheet the frames hold: rules), headers
"th (key)", numbers without float noise or ".0", text always a text cell
(never a formula). `read_workbook` finds tabs and columns by key or name,
converts cells by type, and reports each bad cell as a Problem with its Excel
row; a file that is not a workbook is one Problem.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core.i18n import InputError
from lib.core.limits import current as current_limits
from lib.core.numbers import is_missing
from lib.services.config.fields import (
    ALL_SHEETS,
    BOOL,
    CHOICE,
    CODE,
    CODES,
    INT,
    NUMBER,
    OPTIONAL_SHEETS,
    SHEETS,
    TEXT,
    YEAR,
    Field,
    Problem,
    Sheet,
)

README_TAB = "อ่านก่อน (README)"
WORKBOOK = "workbook"  # Problem.sheet of a problem with the file as a whole
ROW = "_row"  # the Excel row a record came from (the header is row 1)
YEAR_MIN, YEAR_MAX = 2500, 2700
GREGORIAN_OFFSET = 543  # Buddhist Era year = Gregorian year + 543
CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,40}")
FORMULA_PREFIXES = ("=", "+", "-", "@")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "ใช่", "จริง"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "ไม่ใช่", "ไม่", "เท็จ"})
_KEY_IN_BRACKETS = re.compile(r"\(\s*([A-Za-z0-9_]+)\s*\)\s*$")
_CODE_SEPARATORS = re.compile(r"[,;\n]+")  # "MAC 3" is one (bad) code, not two
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an XLSX cell cannot hold

# Each type's name and allowed values, as the README sheet shows them.
TYPE_HELP = {
    TEXT: ("ข้อความ (text)", ""),
    CODE: ("รหัส (code)", "A-Z a-z 0-9 . _ - (≤ 40)"),
    INT: ("จำนวนเต็ม (whole number)", "เช่น 5 (e.g. 5)"),
    NUMBER: ("ตัวเลข (number)", "เช่น 1234.5 (e.g. 1234.5)"),
    BOOL: ("ใช่/ไม่ใช่ (yes/no)", "1 = ใช่ (yes), 0 = ไม่ใช่ (no)"),
    CHOICE: ("ค่าจากรายการ (one of a list)", ""),
    YEAR: ("ปีงบประมาณ พ.ศ. (fiscal year, Buddhist Era)", f"{YEAR_MIN}-{YEAR_MAX}"),
    CODES: ("รหัสหลายรายการ (list of codes)", "คั่นด้วยจุลภาค เช่น A,B (comma-separated)"),
}
README_HEADER = (
    "แผ่นงาน (sheet)",
    "หัวคอลัมน์ (header)",
    "รหัสคอลัมน์ (field key)",
    "ชื่อภาษาอังกฤษ (English name)",
    "ชนิด (type)",
    "จำเป็น (required)",
    "ค่าที่ใช้ได้ (allowed values)",
    "คำอธิบาย (help)",
    "คำอธิบายภาษาอังกฤษ (help, English)",
)


def tab_name(sheet: Sheet) -> str:
    """The workbook tab of a sheet: 'th (key)', or the key alone past Excel's 31 characters.

    >>> from lib.services.config.fields import ITEMS
    >>> tab_name(ITEMS)
    'รายการข้อมูล (items)'
    """
    name = f"{sheet.th} ({sheet.key})"
    return name if len(name) <= 31 else sheet.key[:31]


def header_of(field: Field) -> str:
    """The column header of a field: 'th (key)'."""
    return f"{field.th} ({field.key})"


def empty_frame(sheet: Sheet) -> pd.DataFrame:
    """A config frame of a sheet with no rows (the sheet's columns and `_row`)."""
    return pd.DataFrame(columns=[*sheet.columns, ROW], dtype=object).astype({ROW: "int64"})


# ------------------------------------------------------------------ values


def clean_number(value: object) -> int | float:
    """A number without float noise (15 significant digits); a whole number as int.

    >>> clean_number(5494932.0), clean_number(76337.79999999999), clean_number(7)
    (5494932, 76337.8, 7)
    """
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return int(value)
    number = float(f"{float(value):.15g}")  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def cell_text(raw: object) -> str | None:
    """A cell as trimmed text (whole floats without '.0', dates ISO); empty -> None."""
    if is_missing(raw):
        return None
    if isinstance(raw, bool | np.bool_):
        text = "TRUE" if raw else "FALSE"
    elif isinstance(raw, float | np.floating):
        text = str(clean_number(raw)) if math.isfinite(raw) else str(raw)
    elif isinstance(raw, datetime):
        text = raw.date().isoformat() if raw.time() == time() else raw.isoformat(sep=" ")
    elif isinstance(raw, date | time):
        text = raw.isoformat()
    else:
        text = str(raw)
    return text.strip() or None


def _bad(field: Field, th: str, en: str) -> InputError:
    return InputError(f"{field.th}: {th}", f"{field.en}: {en}")


def _number(raw: object, field: Field) -> int | float:
    """A number from a cell: 5, 5.0, '1,234.5', Thai digits; InputError otherwise."""
    if isinstance(raw, int | float | np.integer | np.floating) and not isinstance(
        raw, bool | np.bool_
    ):
        if math.isfinite(raw):
            return clean_number(raw)
        text = str(raw)
    else:
        text = cell_text(raw) or ""
        if isinstance(raw, str):
            text = text.translate(THAI_DIGITS).replace(",", "").replace(" ", "")
            text = text.replace("\u2212", "-")  # a typographic minus sign
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _bad(field, "ต้องเป็นตัวเลข", "must be a number")
    return clean_number(int(value) if value == value.to_integral_value() else float(value))


def _whole(raw: object, field: Field) -> int:
    value = _number(raw, field)
    if not isinstance(value, int):
        raise _bad(field, "ต้องเป็นจำนวนเต็ม", "must be a whole number")
    return value


def _year(raw: object, field: Field) -> int:
    year = _whole(raw, field)
    buddhist = year + GREGORIAN_OFFSET
    if YEAR_MIN <= buddhist <= YEAR_MAX:  # a Gregorian year
        th, en = f"ใช้ปี พ.ศ.: {year} น่าจะเป็น {buddhist}", f"use the Buddhist year: {buddhist}"
        raise _bad(field, th, en + f", not {year}")
    if not YEAR_MIN <= year <= YEAR_MAX:
        th, en = (
            f"ต้องเป็นปี พ.ศ. {YEAR_MIN}-{YEAR_MAX}",
            f"must be a Buddhist year {YEAR_MIN}-{YEAR_MAX}",
        )
        raise _bad(field, th, en)
    return year


def _bool(raw: object, field: Field) -> bool:
    if isinstance(raw, bool | np.bool_):
        return bool(raw)
    text = (cell_text(raw) or "").translate(THAI_DIGITS).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _bad(field, "ต้องเป็น 1 หรือ 0 (ใช่/ไม่ใช่)", "must be 1 or 0 (yes/no)")


def _choice(text: str, field: Field) -> str:
    for choice in field.choices:
        if text.casefold() == choice.casefold():
            return choice
    allowed = ", ".join(field.choices)
    raise _bad(field, f"ต้องเป็นค่าใดค่าหนึ่งใน {allowed}", f"must be one of {allowed}")


def _code(text: str, field: Field) -> str:
    if not CODE_PATTERN.fullmatch(text):
        th = "รหัสใช้ได้เฉพาะ A-Z a-z 0-9 . _ - ไม่เว้นวรรค ยาวไม่เกิน 40 ตัวอักษร"
        raise _bad(field, th, "a code uses only A-Z a-z 0-9 . _ - (no spaces, at most 40)")
    return text


def _codes(text: str, field: Field) -> str | None:
    codes = [_code(part.strip(), field) for part in _CODE_SEPARATORS.split(text) if part.strip()]
    return ",".join(dict.fromkeys(codes)) or None


_NUMERIC = {INT: _whole, NUMBER: _number, YEAR: _year, BOOL: _bool}
_TEXTUAL = {CODE: _code, CODES: _codes, CHOICE: _choice}


def cell_value(raw: object, field: Field) -> object:
    """A cell converted by its field's type (None when empty); InputError when it cannot be.

    >>> from lib.services.config.fields import ITEMS
    >>> cell_value("๕", ITEMS.field("decimals")), cell_value(" Monthly ", ITEMS.field("frequency"))
    (5, 'monthly')
    """
    if is_missing(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    if field.kind in _NUMERIC:
        return _NUMERIC[field.kind](raw, field)
    text = cell_text(raw)
    convert = _TEXTUAL.get(field.kind)
    return convert(text, field) if convert and text is not None else text


def _excel_value(value: object, field: Field) -> object:
    """What a cell holds for a value: int/float for numbers, 1/0 for yes/no, else text."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    if is_missing(value):
        return None
    try:
        converted = cell_value(value, field)
    except InputError:  # a value the reader would refuse: write it as it is, as text
        return _ILLEGAL.sub("", cell_text(value) or "")
    if isinstance(converted, bool):
        return int(converted)
    if field.kind in (TEXT, CODE, CHOICE, CODES) and isinstance(converted, str):
        return _ILLEGAL.sub("", converted)
    return converted


# ------------------------------------------------------------------ writing


def _readme_rows() -> list[list[object]]:
    """The README sheet's rows: how to use the workbook, then one row per sheet and column."""
    cli = "python -m lib config import FILE.xlsx --user NAME"
    rows: list[list[object]] = [
        ["สมุดงานการตั้งค่าระบบ (configuration workbook)"],
        [f"แก้ไขแล้วนำเข้าที่หน้าผู้ดูแลระบบ หรือ {cli}", f"Edit, then import (admin page or {cli})"],
        ["อย่าแก้รหัสในวงเล็บของชื่อแผ่นและหัวคอลัมน์", "Keep the (key) of each tab and header"],
        [],
        list(README_HEADER),
    ]
    for sheet in ALL_SHEETS:
        rows.append(
            [tab_name(sheet), "", sheet.key, sheet.en, "", "", "", sheet.help_th, sheet.help_en]
        )
        for f in sheet.fields:
            required = "ต้องกรอก (required)" if f.required else ""
            help_th, help_en = f.help_th or f.th, f.help_en or f.en
            kind, allowed = TYPE_HELP[f.kind]
            row = [tab_name(sheet), header_of(f), f.key, f.en, kind, required]
            rows.append([*row, ", ".join(f.choices) or allowed, help_th, help_en])
    return rows


def _put(ws, row: int, column: int, value: object, text: bool = False):
    """Write one cell; a text is a text cell (never a formula) and shows as typed."""
    cell = ws.cell(row=row, column=column, value=None)
    if value is None:
        return cell
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # "=SUM(A1)" stays text
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
    if text:
        cell.number_format = "@"
    return cell


def _finish(ws, rows: list[list[object]], widest: int = 50) -> None:
    """Bold header at the top, frozen below it, column widths from the content."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    width = max((len(r) for r in rows), default=0)
    for j in range(width):
        longest = max(
            (len(str(r[j])) for r in rows[:200] if j < len(r) and r[j] is not None), default=0
        )
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(longest + 2, 10), widest)


def _write_sheet(ws, sheet: Sheet, frame: pd.DataFrame | None) -> None:
    """One sheet's tab: the header row, then a row per record."""
    headers = [header_of(f) for f in sheet.fields]
    rows: list[list[object]] = [headers]
    for j, h in enumerate(headers, start=1):
        _put(ws, 1, j, h, text=True)
    records = [] if frame is None else frame.to_dict("records")
    for i, record in enumerate(records, start=2):
        values = [_excel_value(record.get(f.key), f) for f in sheet.fields]
        for j, (f, value) in enumerate(zip(sheet.fields, values, strict=True), start=1):
            _put(ws, i, j, value, text=f.kind in (TEXT, CODE, CHOICE, CODES))
        rows.append(values)
    _finish(ws, rows)


def write_workbook(frames: dict[str, pd.DataFrame]) -> bytes:
    """The configuration as .xlsx bytes: the README sheet, then one tab per sheet of SHEETS."""
    from openpyxl import Workbook

    book = Workbook()
    readme = book.active
    readme.title = README_TAB
    rows = _readme_rows()
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            _put(readme, i, j, value)
    _finish(readme, rows[4:], widest=60)
    readme.freeze_panes = "A6"
    for sheet in [*SHEETS, *(s for s in OPTIONAL_SHEETS if s.key in frames)]:
        _write_sheet(book.create_sheet(tab_name(sheet)), sheet, frames.get(sheet.key))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ reading


def _open_book(source: bytes | str | Path):
    """The workbook opened read-only with defusedxml; InputError when it cannot be."""
    import openpyxl

    from lib.ingest import guards

    if isinstance(source, str | Path):
        try:
            source = Path(source).read_bytes()
        except OSError as exc:
            raise InputError(f"อ่านไฟล์ไม่ได้: {exc}", f"cannot read the file: {exc}") from None
    limits = current_limits()
    guards.check_file_size(len(source), limits)
    guards.open_archive(source, limits).close()  # zip bombs, DTDs, sizes: before parsing
    if not openpyxl.DEFUSEDXML:
        raise InputError("อ่าน XLSX อย่างปลอดภัยไม่ได้ (ไม่มี defusedxml)", "no defusedxml")
    try:
        return openpyxl.load_workbook(io.BytesIO(source), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises any type on a malformed part
        raise InputError(f"ไฟล์เสียหาย: {exc}", f"damaged workbook: {exc}") from None


def _sheet_of(title: str) -> Sheet | None:
    """The sheet a tab holds, by '(key)' in its name or its Thai or English name."""
    found = _KEY_IN_BRACKETS.search(title)
    for sheet in ALL_SHEETS:
        if found and found.group(1).casefold() == sheet.key:
            return sheet
    name = title.strip().casefold()
    for sheet in ALL_SHEETS:
        if name in (sheet.key, sheet.th.casefold(), sheet.en.casefold()):
            return sheet
    return None


def _field_of(sheet: Sheet, header: object) -> str | None:
    """The field a header names: '(key)' in it, the bare key, or the Thai or English header."""
    text = cell_text(header)
    if text is None:
        return None
    found = _KEY_IN_BRACKETS.search(text)
    if found and found.group(1).casefold() in sheet.columns:
        return found.group(1).casefold()
    name = text.casefold()
    for f in sheet.fields:
        if name == f.key:
            return f.key
    for f in sheet.fields:
        if text == f.th or name == f.en.casefold():
            return f.key
    return None


def _columns(sheet: Sheet, header: Iterable[object]) -> tuple[dict[int, str], list[Problem]]:
    """{position: field key} of a header row, and the duplicate and missing required columns."""
    columns: dict[int, str] = {}
    problems = []
    for j, cell in enumerate(header):
        key = _field_of(sheet, cell)
        if key is None:
            continue
        if key in columns.values():
            th, en = "คอลัมน์นี้ซ้ำกับอีกคอลัมน์หนึ่ง", "this column repeats another one"
            problems.append(Problem(sheet.key, 1, key, cell_text(cell), th, en))
            continue
        columns[j] = key
    for f in sheet.fields:
        if f.required and f.key not in columns.values():
            th, en = f"ไม่พบคอลัมน์ที่ต้องมี: {header_of(f)}", f"column missing: {header_of(f)}"
            problems.append(Problem(sheet.key, None, f.key, None, th, en))
    return columns, problems


def _read_sheet(sheet: Sheet, ws) -> tuple[pd.DataFrame, list[Problem]]:
    """One tab's records (with `_row`) and the cells it could not read.

    A row with no value under a known column is skipped (empty, or notes of the user's own).
    """
    ws.reset_dimensions()  # some writers store a wrong size; read every row
    rows = ws.iter_rows(values_only=True)
    columns, problems = _columns(sheet, next(rows, ()))
    records = []
    for number, values in enumerate(rows, start=2):
        cells = {key: values[j] if j < len(values) else None for j, key in columns.items()}
        if all(is_missing(v) or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        record: dict[str, object] = dict.fromkeys(sheet.columns)
        record[ROW] = number
        for key, raw in cells.items():
            try:
                record[key] = cell_value(raw, sheet.field(key))
            except InputError as exc:
                problems.append(
                    Problem(sheet.key, number, key, cell_text(raw), exc.message_th, exc.message_en)
                )
        records.append(record)
    if not records:
        return empty_frame(sheet), problems
    frame = pd.DataFrame(records, columns=[*sheet.columns, ROW], dtype=object)
    return frame.astype({ROW: "int64"}), problems


def _read_book(book) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every sheet of SHEETS from an open workbook (a missing one is a Problem), and each
    optional sheet the workbook holds (one it lacks is left out: the store's is kept)."""
    tabs: dict[str, object] = {}
    problems = []
    for ws in book.worksheets:
        sheet = _sheet_of(ws.title)
        if sheet is None or not hasattr(ws, "iter_rows"):
            continue  # the README and any sheet of the user's own
        if sheet.key in tabs:
            read = tabs[sheet.key].title
            th = f"มีแผ่นงาน {sheet.key} มากกว่าหนึ่งแผ่น (อ่านแผ่น {read})"
            en = f"more than one {sheet.key} sheet (read {read})"
            problems.append(Problem(sheet.key, None, None, ws.title, th, en))
            continue
        tabs[sheet.key] = ws
    frames = {}
    for sheet in SHEETS:
        if sheet.key not in tabs:
            th, en = f"ไม่พบแผ่นงาน {tab_name(sheet)}", f"sheet missing: {tab_name(sheet)}"
            problems.append(Problem(sheet.key, None, None, None, th, en))
            frames[sheet.key] = empty_frame(sheet)
            continue
        frames[sheet.key], found = _read_sheet(sheet, tabs[sheet.key])
        problems += found
    for sheet in (s for s in OPTIONAL_SHEETS if s.key in tabs):
        frames[sheet.key], found = _read_sheet(sheet, tabs[sheet.key])
        problems += found
    return frames, problems


def read_workbook(source: bytes | str | Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Config frames (with `_row`) from a workbook and every problem found; never raises."""
    empty = {sheet.key: empty_frame(sheet) for sheet in SHEETS}
    try:
        book = _open_book(source)
    except InputError as exc:
        return empty, [Problem(WORKBOOK, None, None, None, exc.message_th, exc.message_en)]
    try:
        return _read_book(book)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises any type on a malformed part while rows stream
        th, en = f"ไฟล์เสียหาย: {exc}", f"damaged workbook: {exc}"
        return empty, [Problem(WORKBOOK, None, None, None, th, en)]
    finally:
        book.close()

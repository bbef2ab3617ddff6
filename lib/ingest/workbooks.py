"""Workbooks as agencies send them, to grids of stripped text cells: XLSX, legacy XLS, ODS.

Legacy XLS (OLE2 magic ``d0 cf 11 e0``), ODS (zip whose ``mimetype`` is
``application/vnd.oasis.opendocument.spreadsheet``) and XLSX (zip, no OpenDocument
``mimetype``) are read by calamine (values, not formulas), except an XLSX whose
sheets the guards cannot size as calamine will hold them (a cell without its
reference, a sheet's block from A1 to its last cell over the limits): openpyxl
streams that one (XML parsed by defusedxml). Every sheet is read in workbook
order, the template's sheet ``ข้อมูล`` first, or only the sheets asked for, in
that order (a name not in the workbook is ``unknown_sheet``, listing the names
there are). Before any parser runs :mod:`lib.ingest.guards` checks the bytes
(size, zip members, XML, the extent of every sheet); as rows are read each is checked again
(columns, cells, characters in a cell, rows). A damaged file is
``damaged_file`` with what is wrong, never a traceback.

Cell text is the same whichever reader: whole numbers without ``.0``, other
numbers by their shortest form (``0.1`` stays ``0.1``), dates in ISO form.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd

from lib.core.limits import Limits
from lib.core.limits import current as current_limits
from lib.ingest import guards, xlsguard
from lib.ingest.header import HEADER_SCAN_ROWS
from lib.ingest.result import FileProblem, make_problem
from lib.ingest.text import column_letter

# Sheet name of the XLSX templates; read first when present.
TEMPLATE_SHEET = "ข้อมูล"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass
class Grid:
    """One sheet of text cells and how it was read."""

    cells: pd.DataFrame  # str cells, stripped; row i is Excel row i + 1
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    # Problems of single rows found while reading (row, column, value, code, th, en).
    found: list[pd.DataFrame] = field(default_factory=list)

    def meta(self) -> dict:
        """encoding, delimiter and sheet, as FileProblem and UploadResult take them."""
        return {"encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet}


def workbook_kind(data: bytes, file_name: str) -> str | None:
    """ "xlsx", "xls" or "ods" by the file's first bytes (else its name); None for CSV/text.

    >>> workbook_kind(bytes.fromhex("d0cf11e0a1b11ae1"), "a.xls"), workbook_kind(b"a,b", "a.csv")
    ('xls', None)
    >>> workbook_kind(b"PK\\x03\\x04", "book.xlsx"), workbook_kind(b"PK\\x03\\x04", "book.ods")
    ('xlsx', 'ods')
    """
    name = file_name.lower()
    if data[:4] == xlsguard.OLE_MAGIC[:4]:
        return "xls"
    if data[:2] == b"PK":
        # ODS writes its mimetype first, stored: at offset 30 after the member's name.
        if data[30:38] == b"mimetype" and data[38 : 38 + len(_ODS_MIME)] == _ODS_MIME:
            return "ods"
        return "ods" if name.endswith(".ods") else "xlsx"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "ods" if name.endswith(".ods") else None


def is_xlsx(data: bytes, file_name: str) -> bool:
    """True for an XLSX workbook (zip magic or the file name)."""
    return data[:2] == b"PK" or file_name.lower().endswith((".xlsx", ".xlsm"))


def sheet_names(data: bytes, file_name: str, limits: Limits | None = None) -> list[str]:
    """The worksheet names of a workbook in workbook order ([] for CSV); FileProblem if broken."""
    lim = limits or current_limits()
    kind = _checked_kind(data, file_name, lim)
    if kind is None:
        return []
    with _Book(data, *kind) as book:
        return book.names


def read_workbook_grids(
    data: bytes, file_name: str, limits: Limits, sheets: Sequence[str] = ()
) -> list[Grid]:
    """A grid per worksheet (template sheet first), or per sheet asked for, in that order.

    FileProblem when the file is broken, over a limit, not a workbook, or lacks a sheet.
    """
    kind = _checked_kind(data, file_name, limits)
    if kind is None:
        raise FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไม่ใช่ไฟล์ XLSX, XLS หรือ ODS)",
                en=" (not an XLSX, XLS or ODS workbook)",
            )
        )
    with _Book(data, *kind) as book:
        names = chosen_sheets(book.names, sheets)
        budget = _Budget(limits)
        return [book.grid(name, budget) for name in names]


def read_xlsx_grids(data: bytes, limits: Limits, sheets: Sequence[str] = ()) -> list[Grid]:
    """A grid per worksheet of an XLSX file, the template's sheet first (read_workbook_grids)."""
    return read_workbook_grids(data, "book.xlsx", limits, sheets)


def chosen_sheets(names: list[str], wanted: Sequence[str]) -> list[str]:
    """The sheets to read: all (the template's first) or those wanted, matched loosely.

    >>> chosen_sheets(["ม.ค.", "ข้อมูล"], []), chosen_sheets(["Jan", "Feb"], [" feb", "Jan"])
    (['ข้อมูล', 'ม.ค.'], ['Feb', 'Jan'])
    """
    if not wanted:
        return sorted(names, key=lambda n: n != TEMPLATE_SHEET)
    loose = {" ".join(n.split()).casefold(): n for n in reversed(names)}
    out = []
    for name in wanted:
        found = name if name in names else loose.get(" ".join(str(name).split()).casefold())
        if found is None:
            listed = ", ".join(names)
            raise FileProblem(
                make_problem(
                    "unknown_sheet",
                    value=str(name),
                    th=f" (ชีตในไฟล์: {listed})",
                    en=f" (sheets in the file: {listed})",
                )
            )
        out.append(found)
    return out


def _checked_kind(data: bytes, file_name: str, limits: Limits) -> tuple[str, bool] | None:
    """(workbook kind, calamine may read it) after the guards passed (an ODS named .xlsx
    is found here); None for CSV/text."""
    kind = workbook_kind(data, file_name)
    if kind is None:
        return None
    guards.check_file_size(len(data), limits)
    if kind == "xls":
        xlsguard.check_xls(data, limits)
        return kind, True
    ods, dense = guards.zip_workbook(data, limits)
    return ("ods", True) if ods else ("xlsx", dense)


class _Book:
    """An open workbook of either reader: its worksheet names and each sheet's grid."""

    def __init__(self, data: bytes, kind: str, calamine: bool = True):
        self.kind = kind
        self.streamed = kind == "xlsx" and not calamine  # openpyxl, row by row
        self.book = _guarded(_open_openpyxl if self.streamed else _open_calamine, data)
        if self.streamed:
            self.names = [ws.title for ws in self.book.worksheets if hasattr(ws, "iter_rows")]
        else:
            from python_calamine import SheetTypeEnum

            sheets = self.book.sheets_metadata
            self.names = [m.name for m in sheets if m.typ == SheetTypeEnum.WorkSheet]

    def __enter__(self) -> _Book:
        return self

    def __exit__(self, *exc) -> None:
        self.book.close()

    def grid(self, name: str, budget: _Budget) -> Grid:
        """The grid of one worksheet, checked row by row."""
        return _guarded(self._grid, name, budget)

    def _grid(self, name: str, budget: _Budget) -> Grid:
        rows = _GridRows(budget, name)
        if self.streamed:
            ws = self.book[name]
            ws.reset_dimensions()  # some writers store a wrong size; read every row
            for values in ws.iter_rows(values_only=True):
                rows.add(values)
        else:
            sheet = self.book.get_sheet_by_name(name)
            limit = budget.limits.rows + HEADER_SCAN_ROWS + 1
            for values in sheet.to_python(skip_empty_area=False, nrows=limit):
                rows.add(values)
        return rows.grid()


def _open_openpyxl(data: bytes):
    import openpyxl  # only needed for XLSX

    if not openpyxl.DEFUSEDXML:  # defusedxml missing or switched off: no safe XML parser
        raise FileProblem(
            make_problem("unreadable_file", th=" (ไม่มี defusedxml)", en=" (no defusedxml)")
        )
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def _open_calamine(data: bytes):
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไฟล์มีรหัสผ่าน กรุณาเอารหัสผ่านออกแล้วส่งใหม่)",
                en=" (the file has a password: remove it and send it again)",
            )
        ) from None


def _guarded(read, *args):
    """read(*args); any error of a reader on a malformed file is damaged_file."""
    try:
        return read(*args)
    except (FileProblem, MemoryError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the readers raise any type; calamine panics are BaseException
        raise guards.damaged(_reason(exc), _reason(exc)) from None


def _reason(exc: BaseException) -> str:
    """'Type: first line of the message' of the exception's first cause."""
    while exc.__cause__ is not None:  # openpyxl wraps the parser's error in a ValueError
        exc = exc.__cause__
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def cell_text(value: object) -> str:
    """A workbook cell's value as text: whole floats without '.0', dates in ISO form.

    Other numbers by their shortest form (repr), so a cell holding 0.1 is "0.1".

    >>> [cell_text(v) for v in (3.0, 0.1, 76337.8, 5494932, None, date(2024, 3, 1))]
    ['3', '0.1', '76337.8', '5494932', '', '2024-03-01']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):  # a date cell is a datetime at midnight to some readers
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


class _Budget:
    """Cells read so far across the sheets, against the cell limit."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0


class _GridRows:
    """The rows of one sheet as they are read, each checked (columns, cells, chars, rows)."""

    def __init__(self, budget: _Budget, sheet: str):
        self.budget, self.sheet = budget, sheet
        self.rows: list[list[str]] = []
        self.width = 0

    def add(self, values: Sequence[object]) -> None:
        """Add one row of cell values (trailing blanks dropped); FileProblem over a limit."""
        lim, sheet = self.budget.limits, self.sheet
        row = [cell_text(v) for v in values]
        while row and row[-1] == "":
            row.pop()
        n = len(self.rows) + 1
        if len(row) > lim.columns:
            raise guards.over_limit("columns", len(row), lim.columns, row=n, sheet=sheet)
        self.budget.cells += len(values)
        if self.budget.cells > lim.cells:
            raise guards.over_limit("cells", self.budget.cells, lim.cells, sheet=sheet)
        if row and max(map(len, row)) > lim.cell_chars:
            j = next(j for j, c in enumerate(row) if len(c) > lim.cell_chars)
            raise guards.over_limit(
                "cell_chars", len(row[j]), lim.cell_chars, n, column_letter(j), sheet=sheet
            )
        self.rows.append(row)
        self.width = max(self.width, len(row))
        if len(self.rows) > lim.rows + HEADER_SCAN_ROWS:
            raise FileProblem(make_problem("too_many_rows", value=f"{lim.rows:,}"), sheet=sheet)

    def grid(self) -> Grid:
        """The sheet's grid: every row as wide as the widest, cells stripped."""
        width = self.width
        frame = pd.DataFrame(
            [r + [""] * (width - len(r)) for r in self.rows], columns=range(width), dtype=str
        )
        frame = frame.apply(lambda s: s.str.strip()) if width else frame
        return Grid(frame, None, None, self.sheet)

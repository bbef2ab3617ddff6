"""A report document as an XLSX workbook (openpyxl): one sheet per section.

Each sheet carries the document's title and subtitle on its top rows, then the
section's blocks down column A: headings, label/value rows for fields, a label
and a wrapped merged cell for a paragraph, check boxes as "☑ รอบ ๑๒ เดือน"
text, tables with a bold filled header (frozen under it when the sheet has one
table), and the footer under everything. Numbers stay numbers: the cell holds
the engine's value and its number format shows Cell.decimals ("0.0000" for a
score, "#,##0" for a count); with Thai digits the format carries Excel's
Thai-numeral locale prefix [$-D07041E] (0D Thai digits, 07 Thai Buddhist
calendar, 041E Thai) and text digits are converted. Text a spreadsheet would
run as a formula (= + - @) is stored as text with a quote prefix, by the rule
of lib.core.exporting. Cells use Sarabun (Excel falls back when it is absent);
widths and heights are estimated from the text (Thai marks above and below a
letter take no width).
"""

from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from lib.core.exporting import neutralise_cell
from lib.reports.document import Cell, Checkboxes, Document, Fields, Heading, Paragraph, Table
from lib.reports.html import FILL_COLOURS, FILL_INK, as_cell, cell_text, is_number, thai_digits

THAI_DIGITS_FORMAT = "[$-D07041E]"  # numeral shape 0D (Thai), calendar 07 (Thai BE), th-TH
FONT = "Sarabun"
BODY_PT = 11
LINE_HEIGHT = 1.8  # a line of Sarabun is 1.8 times its size (tall marks: 20pt at 11pt)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MIN_WIDTH, MAX_WIDTH = 8.0, 50.0
SHEET_WIDTH = 100.0  # what a sheet widens to for its long merged text (A4 across)
FORBIDDEN_IN_SHEET_NAMES = "[]:*?/\\"
CHECKED, UNCHECKED = "☑", "☐"


def display_width(text: str) -> int:
    """How many letters wide a text is: Thai vowel and tone marks above or below take none.

    >>> display_width("น้ำหนัก"), display_width("score")
    (5, 5)
    """
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for sections: no []:*?/\\, at most 31 characters, unique.

    >>> sheet_names(["ก/ข", "ก/ข", "x" * 40, ""])
    ['ก-ข', 'ก-ข (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Sheet']
    """
    out: list[str] = []
    for name in names:
        clean = "".join("-" if ch in FORBIDDEN_IN_SHEET_NAMES else ch for ch in str(name))
        clean = clean.strip().strip("'")[:31].strip() or "Sheet"
        candidate, n = clean, 1
        while candidate.lower() in {o.lower() for o in out}:
            n += 1
            suffix = f" ({n})"
            candidate = clean[: 31 - len(suffix)] + suffix
        out.append(candidate)
    return out


def number_format(value: float, decimals: int | None, use_thai_digits: bool) -> str:
    """The number format of a numeric cell, as the PDF shows it.

    >>> number_format(0.35, 4, False), number_format(12345, None, False)
    ('0.0000', '#,##0')
    >>> number_format(0.35, 4, True)
    '[$-D07041E]0.0000'
    """
    grouped = abs(value) >= 1000
    if decimals is None and float(value).is_integer():
        code = "#,##0"
    elif decimals is None:
        code = "#,##0.####"
    elif decimals == 0:
        code = "#,##0"
    else:
        code = ("#,##0." if grouped else "0.") + "0" * decimals
    return (THAI_DIGITS_FORMAT if use_thai_digits else "") + code


class _Sheet:
    """Writes one section down a sheet, remembering text to size columns and rows."""

    def __init__(self, ws, doc: Document, use_thai_digits: bool, width: int):
        self.ws, self.doc, self.thai = ws, doc, use_thai_digits
        self.width = max(2, width)  # columns the sheet spans
        self.row = 1
        self.texts: list[tuple[int, int, int, str, int]] = []  # row, cols, text, size
        self.header_row: int | None = None  # the header of the last table

    def text(self, row: int, col: int, text: str, last_col: int | None = None, **style):
        """Put text (Thai digits if asked; never a formula) at row/col, merged to last_col."""
        text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
        if self.thai:
            text = thai_digits(text)
        cell = self.ws.cell(row=row, column=col, value=text or None)
        if neutralise_cell(text) != text:  # exporting's rule: a spreadsheet would run it
            cell.data_type = "s"
            cell.quotePrefix = True
        last = last_col or col
        if last > col:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=last)
        self.style(cell, **style)
        self.texts.append((row, col, last, text, style.get("size", BODY_PT)))
        return cell

    def style(self, cell, bold=False, size=BODY_PT, wrap=True, fill=None, ink=None, italic=False):
        """Sarabun, top-aligned and wrapped; bold, size, fill and ink as given."""
        cell.font = Font(name=FONT, size=size, bold=bold, italic=italic, color=ink)
        cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        if fill is not None:
            cell.fill = fill

    def heading(self, text: str, size: int, bold: bool = True, italic: bool = False):
        """A line across the sheet."""
        self.text(self.row, 1, text, self.width, bold=bold, size=size, italic=italic)
        self.row += 1

    def block(self, block) -> None:
        """Write one block and leave a blank row after paragraphs and tables."""
        if isinstance(block, Heading):
            self.heading(block.text, 14 if block.level <= 1 else 12)
        elif isinstance(block, Paragraph):
            self.pair(block.label or "", block.text)
            self.row += 1
        elif isinstance(block, Fields):
            for label, value in block.rows:
                self.pair(f"{label} :", value)
        elif isinstance(block, Checkboxes):
            boxes = "    ".join(
                f"{CHECKED if on else UNCHECKED} {label}" for label, on in block.options
            )
            self.text(self.row, 1, boxes, self.width)
            self.row += 1
        elif isinstance(block, Table):
            self.table(block)
            self.row += 1
        else:
            raise TypeError(f"not a report block: {type(block).__name__}")

    def pair(self, label: str, value: str) -> None:
        """A bold label in column A and its (wrapped, merged) value beside it."""
        if label:
            self.text(self.row, 1, label, bold=True)
            self.text(self.row, 2, value, self.width)
        else:
            self.text(self.row, 1, value, self.width)
        self.row += 1

    def table(self, block: Table) -> None:
        """Caption, a bold filled bordered header, then the rows (numbers as numbers)."""
        if block.caption:
            self.text(self.row, 1, block.caption, self.width, bold=True)
            self.row += 1
        for col, label in enumerate(block.columns, start=1):
            cell = self.text(self.row, col, label, bold=True, fill=HEADER_FILL)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.header_row = self.row
        self.row += 1
        for values in block.rows:
            for col, value in enumerate(values, start=1):
                self.table_cell(col, as_cell(value))
            self.row += 1

    def table_cell(self, col: int, cell: Cell) -> None:
        """One table cell: a number with its format, or text; a light's colour and word."""
        fill = ink = None
        if cell.fill in FILL_COLOURS:
            fill = PatternFill("solid", fgColor=FILL_COLOURS[cell.fill].lstrip("#").upper())
            ink = FILL_INK[cell.fill].lstrip("#").upper()
        if is_number(cell.value):
            value = cell.value
            target = self.ws.cell(row=self.row, column=col, value=value)
            target.number_format = number_format(value, cell.decimals, self.thai)
            self.style(target, bold=cell.bold, wrap=False, fill=fill, ink=ink)
            shown = cell_text(cell, self.doc.lang)
            self.texts.append((self.row, col, col, shown, BODY_PT))
        else:
            target = self.text(self.row, col, cell_text(cell, self.doc.lang), bold=cell.bold)
            self.style(target, bold=cell.bold, fill=fill, ink=ink)
        target.border = BORDER

    def footer(self) -> None:
        """The document's footer under the sheet, and on every printed page."""
        if self.doc.footer:
            self.row += 1
            self.heading(self.doc.footer, 9, bold=False, italic=True)
        text = thai_digits(self.doc.footer) if self.thai else self.doc.footer
        self.ws.oddFooter.left.text = text.replace("&", "&&")
        self.ws.oddFooter.right.text = "&P/&N"

    def size(self) -> None:
        """Set column widths, then row heights from the lines each text wraps to."""
        widths = self.column_widths()
        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = round(width, 1)
        heights: dict[int, float] = {}
        for row, first, last, text, size in self.texts:
            room = sum(widths.get(c, MIN_WIDTH) for c in range(first, last + 1)) * BODY_PT / size
            need = sum(wrapped_lines(line, room - 1) for line in text.split("\n"))
            heights[row] = max(heights.get(row, 0.0), need * size * LINE_HEIGHT)
        for row, height in heights.items():
            self.ws.row_dimensions[row].height = round(height, 1)

    def column_widths(self) -> dict[int, float]:
        """Each column as wide as its longest single-cell text (8 to 50), and wide enough
        together for the longest merged text (up to 100)."""
        widths = dict.fromkeys(range(1, self.width + 1), MIN_WIDTH)
        widest_merged = 0
        for _row, first, last, text, _size in self.texts:
            longest = max(display_width(line) for line in text.split("\n"))
            if first == last:
                widths[first] = max(widths.get(first, MIN_WIDTH), min(MAX_WIDTH, longest * 1.1 + 2))
            else:
                widest_merged = max(widest_merged, longest)
        deficit = min(SHEET_WIDTH, widest_merged) - sum(widths.values())
        if deficit > 0:  # room for paragraphs and fields: widen the columns after the labels
            for col in range(2, self.width + 1):
                widths[col] += deficit / (self.width - 1)
        return widths


def wrapped_lines(text: str, room: float) -> int:
    """How many lines a text wraps to in a cell `room` letters wide (at least one).

    >>> wrapped_lines("ก" * 25, 10), wrapped_lines("", 10)
    (3, 1)
    """
    return max(1, math.ceil(display_width(text) / max(1.0, room)))


def _write_section(wb: Workbook, name: str, doc: Document, blocks, use_thai_digits: bool):
    """One sheet: title rows, the blocks, the footer, print setup, sizes."""
    tables = [b for b in blocks if isinstance(b, Table)]
    width = max([len(t.columns) for t in tables] or [2])
    sheet = _Sheet(wb.create_sheet(name), doc, use_thai_digits, width)
    sheet.heading(doc.title, 16)
    if doc.subtitle:
        sheet.heading(doc.subtitle, 12, bold=False)
    sheet.row += 1
    for block in blocks:
        sheet.block(block)
    if len(tables) == 1:
        sheet.ws.freeze_panes = sheet.ws.cell(row=sheet.header_row + 1, column=1)
    sheet.footer()
    sheet.size()
    ws = sheet.ws
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if doc.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def to_xlsx(doc: Document, thai_digits: bool = False) -> bytes:
    """The document as XLSX bytes: one sheet per section, named after it."""
    wb = Workbook()
    wb.remove(wb.active)
    sections = doc.sections or ()
    names = sheet_names([s.name for s in sections]) if sections else ["Sheet"]
    for name, section in zip(names, sections or [None], strict=True):
        _write_section(wb, name, doc, section.blocks if section else (), thai_digits)
    wb.properties.title = doc.title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

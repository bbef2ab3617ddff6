"""Limits checked on the raw bytes before any parser runs (see :mod:`lib.core.limits`).

A file over a limit is rejected as a whole (``over_limit``, naming the limit and
the value found). Checked before parsing:

- every file: its size;
- XLSX and ODS (any zip): the member count and the size of the central
  directory from the end record, before ``zipfile`` lists the members; the sum
  of the members' unpacked sizes (``zipfile`` never unpacks more than a member
  declares: a member that would is damaged); then every XML member unpacked in
  1 MB pieces, never whole: a DTD or entity declaration (a spreadsheet never
  holds one; "billion laughs" and XXE) is ``damaged_file``; a run of text longer
  than 10 characters per cell character allowed is a cell over the limit; the
  ``<row>``, ``<c>`` and shared ``<si>`` elements are counted against the row
  and cell limits. calamine (no entity expansion, no external entities) or
  openpyxl with defusedxml (the same) then parses, and the rows are checked again
  as they are read. An ODS
  file's ``content.xml`` is read the same way, counting the cells that hold
  something where calamine will put them (``number-rows-repeated`` and
  ``number-columns-repeated`` expanded; empty repeated cells are free): rows,
  columns and rows x columns of every sheet (calamine holds a sheet as a dense
  block) against the limits. An XLSX worksheet's cells are located the same way (the
  ``r`` reference of every ``<c>``): when every sheet's block from A1 to its last cell
  is within the limits, calamine may read it (ten times faster than openpyxl);
  otherwise (a cell without a reference, a far cell) openpyxl streams it;
- legacy XLS (OLE2): :mod:`lib.ingest.xlsguard`, before calamine reads anything;
- CSV: the characters of every line, and lines times the header's width
  against the cell limit, before a frame is built.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import numpy as np

from lib.core.limits import Limits, over_limit_text
from lib.core.limits import current as current_limits
from lib.ingest.header import HEADER_SCAN_ROWS
from lib.ingest.result import FileProblem, Problem, make_problem

CHUNK = 1 << 20
# A cell's text in XML may take up to this many bytes per character (UTF-8, entities).
XML_BYTES_PER_CHAR = 10
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_CD_ENTRY_ALLOWANCE = 1024  # bytes of central directory allowed per member
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_ODS_MIME = b"application/vnd.oasis.opendocument"


def over_limit(
    name: str, found: int | str, limit: int, row: int | None = None, column: str = "", **where
) -> FileProblem:
    """The FileProblem of a file over one limit (found: the value, limit: the limit)."""
    th, en = over_limit_text(name, found, limit)
    problem = make_problem("over_limit", row=row, column=column, value=str(found), th=th, en=en)
    return FileProblem(problem, **where)


def damaged(th: str, en: str) -> FileProblem:
    """The FileProblem of a damaged workbook, with what is wrong."""
    return FileProblem(make_problem("damaged_file", th=f" ({th})", en=f" ({en})"))


def check_file_size(size: int, limits: Limits) -> None:
    """FileProblem when a file of `size` bytes is over the file size limit."""
    if size > limits.file_bytes:
        raise over_limit("file_mb", f"{size / (1024 * 1024):,.1f}", limits.file_mb)


def file_size_problem(size: int, limits: Limits | None = None) -> Problem | None:
    """The over_limit problem of a file of `size` bytes, or None; ask before reading it.

    >>> file_size_problem(10), file_size_problem(60 * 1024 * 1024).code
    (None, 'over_limit')
    """
    try:
        check_file_size(size, limits or current_limits())
    except FileProblem as exc:
        return exc.problem
    return None


# ------------------------------------------------------------------ zip archives


def _end_record(data: bytes, limits: Limits) -> None:
    """Check the member count and directory size the zip's end record declares."""
    pos = data.rfind(_EOCD, max(0, len(data) - _EOCD_SIZE - 65535))
    if pos < 0 or pos + _EOCD_SIZE > len(data):
        raise damaged("ไม่พบสารบัญของไฟล์ zip", "no zip directory found")
    entries, cd_size = struct.unpack_from("<HI", data, pos + 10)
    if entries > limits.zip_members or entries == 0xFFFF:
        raise over_limit("zip_members", entries, limits.zip_members)
    if cd_size > limits.zip_members * _CD_ENTRY_ALLOWANCE:
        raise over_limit("zip_members", f"> {cd_size // 46:,}", limits.zip_members)


def open_archive(data: bytes, limits: Limits, ods: bool = False) -> zipfile.ZipFile:
    """The checked zip archive of an XLSX file (member count, unpacked size, XML members).

    ods: an ODS spreadsheet is accepted too (its content.xml checked); else it is
    unreadable_file asking for .xlsx or CSV.
    """
    return _checked_archive(data, limits, ods)[0]


def zip_workbook(data: bytes, limits: Limits) -> tuple[bool, bool]:
    """(is ODS, every XLSX worksheet fits a dense block within the limits) of a zip workbook
    checked as open_archive(ods=True) does; FileProblem when it is not fit to read."""
    archive, tally = _checked_archive(data, limits, ods=True)
    try:
        return is_ods_archive(archive), tally.dense
    finally:
        archive.close()


def _checked_archive(data: bytes, limits: Limits, ods: bool) -> tuple[zipfile.ZipFile, _XmlTally]:
    _end_record(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise damaged(f"zip: {exc}", f"zip: {exc}") from None
    except (struct.error, NotImplementedError, UnicodeDecodeError) as exc:
        raise damaged(f"zip: {exc}", f"zip: {exc}") from None
    if len(members) > limits.zip_members:
        raise over_limit("zip_members", len(members), limits.zip_members)
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.unzipped_bytes:
        raise over_limit("unzipped_mb", f"{unpacked / (1024 * 1024):,.1f}", limits.unzipped_mb)
    is_ods = is_ods_archive(archive)
    if is_ods and not ods:
        raise FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไฟล์ ODS ของ LibreOffice กรุณาบันทึกเป็น .xlsx หรือ CSV)",
                en=" (a LibreOffice ODS file: save it as .xlsx or CSV)",
            )
        )
    if not is_ods and "[Content_Types].xml" not in {m.filename for m in members}:
        raise damaged("ไม่ใช่ไฟล์ XLSX", "not an XLSX workbook")
    return archive, _scan_xml_members(archive, members, limits, is_ods)


def is_ods_archive(archive: zipfile.ZipFile) -> bool:
    """True when the archive's ``mimetype`` member names an OpenDocument file (ODS)."""
    names = {m.filename for m in archive.infolist()}
    return "mimetype" in names and _member_head(archive, "mimetype").startswith(_ODS_MIME)


def _member_head(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first bytes of a member (its declared size is already checked)."""
    try:
        with archive.open(name) as member:
            return member.read(200)
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError):
        return b""
    except (ValueError, EOFError, struct.error):  # a local header pointing outside the file
        return b""


class _XmlTally:
    """What the XML members hold, counted piece by piece."""

    def __init__(self, limits: Limits, ods: bool = False):
        self.limits = limits
        self.ods = ods
        self.cells = 0
        self.texts = 0
        self.dense = True  # every worksheet's cells fit a dense block within the limits

    def member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Scan one XML member in pieces: DTDs, the longest text, rows, cells, texts."""
        sheet = info.filename.startswith("xl/worksheets/")
        strings = info.filename == "xl/sharedStrings.xml"
        longest = run = rows = 0
        tail = b""
        tables = _OdsTables(self.limits) if self.ods and info.filename == "content.xml" else None
        extent = _SheetExtent() if sheet else None
        with archive.open(info) as member:
            while piece := member.read(CHUNK):
                if tables is not None:
                    tables.feed(piece)
                if extent is not None:
                    extent.feed(piece)
                if any(mark in tail + piece[:16] or mark in piece for mark in _DTD_MARKS):
                    raise damaged(
                        f"มีการประกาศ DTD/entity ใน {info.filename}",
                        f"{info.filename} declares a DTD or entities",
                    )
                longest, run = _longest_text(piece, longest, run)
                if sheet:
                    rows += piece.count(b"<row") + piece.count(b":row ")
                    self.cells += sum(piece.count(t) for t in (b"<c ", b"<c>", b"<c/", b":c "))
                if strings:
                    self.texts += sum(piece.count(t) for t in (b"<si>", b"<si ", b":si>"))
                tail = piece[-16:]
        if tables is not None:
            tables.feed(b"", last=True)
        if extent is not None:
            extent.feed(b"", last=True)
            self.dense = self.dense and extent.fits(self.limits)
        self._check(info.filename, max(longest, run), rows)

    def _check(self, name: str, longest: int, rows: int) -> None:
        lim = self.limits
        if longest > lim.cell_chars * XML_BYTES_PER_CHAR:
            found = f"> {longest // XML_BYTES_PER_CHAR:,} ({name})"
            raise over_limit("cell_chars", found, lim.cell_chars)
        if rows > lim.rows + HEADER_SCAN_ROWS:
            raise FileProblem(make_problem("too_many_rows", value=f"{lim.rows:,}"))
        if self.cells > lim.cells:
            raise over_limit("cells", self.cells, lim.cells)
        if self.texts > lim.cells:
            raise over_limit("cells", self.texts, lim.cells)


def _longest_text(piece: bytes, longest: int, run: int) -> tuple[int, int]:
    """(longest run without '<' so far, run still open at the piece's end)."""
    arr = np.frombuffer(piece, dtype=np.uint8)
    tags = np.flatnonzero(arr == 60)
    if not len(tags):
        return longest, run + len(piece)
    inner = int(np.diff(tags).max()) - 1 if len(tags) > 1 else 0
    longest = max(longest, run + int(tags[0]), inner)
    return longest, len(piece) - int(tags[-1]) - 1


def _scan_xml_members(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: Limits, ods: bool = False
) -> _XmlTally:
    tally = _XmlTally(limits, ods)
    for info in members:
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            tally.member(archive, info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise damaged(f"{info.filename}: {exc}", f"{info.filename}: {exc}") from None
        except (NotImplementedError, RuntimeError) as exc:  # compression or encryption
            raise damaged(f"{info.filename}: {exc}", f"{info.filename}: {exc}") from None
    return tally


# ------------------------------------------------------------------ CSV text


def check_lines(raw: bytes, limits: Limits, encoding: str) -> tuple[int, int]:
    """(lines, bytes of the longest); FileProblem naming the first line over the limit.

    Lines end at LF (at CR in a file without any LF). raw is UTF-8: a line of at most
    `line_chars` bytes is within the limit; the characters of a longer one are counted
    (bytes that do not continue a character).
    """
    end = 10 if b"\n" in raw else 13
    limit = limits.line_chars
    arr = np.frombuffer(raw, dtype=np.uint8)
    start = lines = longest = 0
    step = 8 * CHUNK
    for lo in range(0, len(arr), step):
        ends = np.flatnonzero(arr[lo : lo + step] == end) + lo
        if not len(ends):
            continue
        lines += len(ends)
        bounds = np.concatenate(([start], ends[:-1] + 1))
        longest = max(longest, int((ends - bounds).max()))
        for i in np.flatnonzero(ends - bounds > limit).tolist():
            _check_line(arr, int(bounds[i]), int(ends[i]), limit, encoding)
        start = int(ends[-1]) + 1
    if len(arr) - start > limit:
        _check_line(arr, start, len(arr), limit, encoding)
    return lines, max(longest, len(arr) - start)


def _check_line(arr: np.ndarray, start: int, end: int, limit: int, encoding: str) -> None:
    chars = int(np.count_nonzero((arr[start:end] & 0xC0) != 0x80))
    if chars > limit:
        line = int(np.count_nonzero(arr[:start] == 10)) + 1
        raise over_limit("line_chars", chars, limit, row=line, encoding=encoding)


def check_csv_cells(lines: int, width: int, limits: Limits, encoding: str) -> None:
    """FileProblem when a CSV of `lines` lines and `width` columns may be over a limit."""
    if lines > 2 * limits.rows + 1000:
        raise FileProblem(make_problem("too_many_rows", value=f"{limits.rows:,}"), encoding)
    if (lines + 1) * width > limits.cells:
        found = f"{lines + 1:,} x {width:,}"
        raise over_limit("cells", found, limits.cells, encoding=encoding)


# ------------------------------------------------------------------ ODS sheets

# Sheets, rows and cells of an ODS content.xml, by calamine's own (prefixed) names.
_ODS_TAG = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>"
)
_MAX_TAG = CHUNK  # a tag longer than this is no spreadsheet's


def _whole_tags(carry: bytes, piece: bytes, last: bool) -> tuple[bytes, int]:
    """(what was carried and this piece, the end of its whole tags): cut before the last
    '<' (a tag the next piece may finish), or at the end for the last piece or plain text
    (the carry, when there is one, starts with '<')."""
    buf = carry + piece
    cut = len(buf) if last else buf.rfind(b"<")
    return buf, len(buf) if cut < 0 else cut


def _repeat(attrs: bytes, name: bytes) -> int:
    """The number a ``table:number-...-repeated`` attribute gives (1 without one)."""
    m = re.search(name + rb'="\s*(\d+)', attrs)
    if m is None:
        return 1
    digits = m.group(1)
    return int(digits) if len(digits) <= 12 else 10**12


class _OdsTables:
    """Filled rows and columns of every sheet of content.xml, fed piece by piece."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.carry = b""
        self.dense = 0  # rows x columns of the sheets already closed
        self._sheet()

    def _sheet(self) -> None:
        if hasattr(self, "rows"):
            self._check()
            self.dense += self.rows * self.columns
        self.row = self.rows = self.columns = self.cells_in_row = self.column = 0
        self.row_repeat = 1

    def feed(self, piece: bytes, last: bool = False) -> None:
        """Count the whole tags of what was carried and this piece; check the limits."""
        buf, cut = _whole_tags(self.carry, piece, last)
        self.carry = buf[cut:]
        if len(self.carry) > _MAX_TAG:
            raise damaged("แท็ก XML ยาวผิดปกติใน content.xml", "an XML tag too long in content.xml")
        for m in _ODS_TAG.finditer(buf, 0, cut):
            self._tag(m.group(1) == b"/", m.group(2), m.group(3))
        self._check()

    def _tag(self, closing: bool, name: bytes, attrs: bytes) -> None:
        if name == b"table":
            self._sheet()
        elif name == b"table-row" and closing:
            if self.cells_in_row:
                self.rows = max(self.rows, self.row + self.row_repeat)
            self.row += self.row_repeat
        elif name == b"table-row":
            self.row_repeat = _repeat(attrs, b"number-rows-repeated")
            self.column = self.cells_in_row = 0
            if attrs.endswith(b"/"):  # an empty row
                self.row += self.row_repeat
        elif not closing:  # a cell: filled when it has a value or content
            repeat = _repeat(attrs, b"number-columns-repeated")
            if b"value-type" in attrs or not attrs.endswith(b"/"):
                self.columns = max(self.columns, self.column + repeat)
                self.cells_in_row += repeat
            self.column += repeat

    def _check(self) -> None:
        lim = self.limits
        if self.rows > lim.rows + HEADER_SCAN_ROWS:
            raise FileProblem(make_problem("too_many_rows", value=f"{lim.rows:,}"))
        if self.columns > lim.columns:
            raise over_limit("columns", self.columns, lim.columns)
        if self.dense + self.rows * self.columns > lim.cells:
            raise over_limit("cells", f"{self.rows:,} x {self.columns:,}", lim.cells)


# ------------------------------------------------------------------ XLSX sheets

_XLSX_CELL = re.compile(rb"<(\w+:)?c(?=[\s/>])([^>]*)>")
_XLSX_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')


class _SheetExtent:
    """The last row and column holding a cell of an XLSX worksheet, fed piece by piece
    (calamine holds a sheet as a dense block up to them); `placed`: every cell has its
    ``r`` reference (calamine and openpyxl place one without it each its own way)."""

    def __init__(self):
        self.carry = b""
        self.rows = self.columns = 0
        self.placed = True

    def feed(self, piece: bytes, last: bool = False) -> None:
        buf, cut = _whole_tags(self.carry, piece, last)
        self.carry = buf[cut:][:_MAX_TAG]  # a longer tag is refused by the tally's text run
        for m in _XLSX_CELL.finditer(buf, 0, cut):
            ref = _XLSX_REF.search(m.group(2))
            if m.group(1) or ref is None:
                self.placed = False
                continue
            column = 0
            for letter in ref.group(1):
                column = column * 26 + letter - 64
            self.columns = max(self.columns, column)
            self.rows = max(self.rows, int(ref.group(2)))

    def fits(self, limits: Limits) -> bool:
        """True when calamine's block for this sheet (A1 to the last cell) is within limits.

        >>> e = _SheetExtent(); e.feed(b'<c r="B2" t="n"><v>1</v></c><c r="AA10"/>', last=True)
        >>> e.rows, e.columns, e.placed
        (10, 27, True)
        """
        return (
            self.placed
            and self.columns <= limits.columns
            and self.rows <= limits.rows + HEADER_SCAN_ROWS
            and self.rows * self.columns <= limits.cells
        )

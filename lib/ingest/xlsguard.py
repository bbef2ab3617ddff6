"""Legacy XLS files checked before calamine reads them (see :mod:`lib.ingest.guards`).

calamine sets memory aside from fields of the file (the compound file's header and
directory, the count of shared strings, a sheet's DIMENSIONS record) and follows
sector chains without bounds; a 5 KB file could make it ask for terabytes and stop
the process. So the ``Workbook`` stream is found through the compound file's
sector tables here, every field calamine sizes memory by and every sector of every
chain it follows is checked, and the BIFF cell records of every sheet are walked
(never their values): the last row and column of every sheet against the row,
column and cell limits (calamine holds a sheet as a dense block: one cell in A1
and one in IV65536 would be 16.7 million cells).
"""

from __future__ import annotations

import struct

from lib.core.limits import Limits
from lib.core.limits import current as current_limits
from lib.ingest.guards import check_file_size, damaged, over_limit
from lib.ingest.header import HEADER_SCAN_ROWS
from lib.ingest.result import FileProblem, make_problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN, _RESERVED, _DIFSECT = 0xFFFFFFFE, 0xFFFFFFFA, 0xFFFFFFFC
_MINI_STREAM_BELOW = 4096  # calamine reads a stream this short from the mini stream
_MAX_DIFAT = 1 << 24  # entries calamine may set aside for the DIFAT (a header field)
# BIFF records holding a cell value: FORMULA, NUMBER, LABEL, BOOLERR, STRING, RK,
# LABELSST, RSTRING, MULRK (a run of RK cells: its last column is its last two bytes).
_CELL_RECORDS = frozenset((0x6, 0x203, 0x204, 0x205, 0x207, 0x27E, 0xFD, 0xD6, 0xBD))
_EOF, _BOUNDSHEET, _DIMENSIONS, _SST, _CONTINUE, _MULRK = 0xA, 0x85, 0x200, 0xFC, 0x3C, 0xBD


class _Compound:
    """An OLE2 compound file (MS-CFB) checked the way calamine will read it.

    calamine sets memory aside from header and directory fields and follows sector
    chains without bounds: every field it sizes memory by, and every sector of every
    chain it follows, is checked here first (damaged_file otherwise).
    """

    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            raise damaged("ไม่ใช่ไฟล์ XLS", "not an XLS workbook")
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise damaged("ขนาดเซกเตอร์ของไฟล์ XLS ผิด", "bad XLS sector size")
        self.data, self.shift, self.size = data, shift, 1 << shift
        self.count = max(0, (len(data) >> shift) - 1)  # whole sectors after the header
        fields = struct.unpack_from("<9I", data, 0x28)
        dir_len, n_fat, self.first_dir, _, _, self.first_mini, self.n_mini, difat_at, _ = fields
        difat_len = struct.unpack_from("<I", data, 62)[0]  # calamine reads it from here
        if max(dir_len, n_fat, self.n_mini) > self.count or difat_len > _MAX_DIFAT:
            raise damaged("ส่วนหัวของไฟล์ XLS ผิด", "bad XLS header")
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        seen = 0
        while difat_at < _RESERVED:  # DIFAT sectors beyond the header's 109
            seen += 1
            if difat_at >= self.count or seen > self.count:
                raise damaged("สารบัญเซกเตอร์ของไฟล์ XLS เสีย", "broken XLS sector chain")
            difat += struct.unpack(f"<{self.size // 4}I", self.sector(difat_at))
            difat_at = difat.pop()
        fat_sectors = [s for s in difat if s < _DIFSECT]
        if any(s >= self.count for s in fat_sectors):
            raise damaged("สารบัญเซกเตอร์ของไฟล์ XLS เสีย", "broken XLS sector chain")
        fat = b"".join(self.sector(s) for s in fat_sectors)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)

    def sector(self, n: int) -> bytes:
        """Sector n's bytes."""
        start = (n + 1) << self.shift
        return self.data[start : start + self.size]

    def chain(self, start: int, table: tuple[int, ...], limit: int) -> list[int]:
        """The sector numbers of a chain; damaged when it loops or leaves the table."""
        out = []
        while start != _END_OF_CHAIN:
            if start >= len(table) or start >= limit or len(out) >= limit:
                raise damaged("สารบัญเซกเตอร์ของไฟล์ XLS เสีย", "broken XLS sector chain")
            out.append(start)
            start = table[start]
        return out

    def read(self, start: int) -> bytes:
        """The bytes of a chain of full sectors."""
        return b"".join(self.sector(n) for n in self.chain(start, self.fat, self.count))

    def stream(self, names: tuple[str, ...]) -> bytes:
        """The first stream named one of names (by calamine's rule: any entry, first match)."""
        directory = self.read(self.first_dir)
        entries = []
        for at in range(0, len(directory) - 127, 128):
            name = directory[at : at + 64].decode("utf-16-le", "replace").split("\x00")[0]
            start = struct.unpack_from("<I", directory, at + 0x74)[0]
            size = struct.unpack_from("<I" if self.shift == 9 else "<Q", directory, at + 0x78)[0]
            if size > len(self.data):
                raise damaged("ขนาดข้อมูลในไฟล์ XLS ผิด", "bad XLS stream size")
            entries.append((name, start, size))
        if not entries:
            raise damaged("ไม่พบสมุดงานในไฟล์ XLS", "no Workbook stream in the XLS file")
        mini = b""
        if self.n_mini:  # calamine reads the mini stream and its table when there is one
            root_start, root_size = entries[0][1:]
            mini = self.read(root_start)[:root_size]
            table = self.read(self.first_mini)
            self.minifat = struct.unpack(f"<{len(table) // 4}I", table)
        for wanted in names:
            found = next((e for e in entries if e[0] == wanted), None)
            if found is None:
                continue
            _, start, size = found
            if size >= _MINI_STREAM_BELOW:
                return self.read(start)[:size]
            if not self.n_mini:
                break
            pieces = self.chain(start, self.minifat, len(mini) // 64)
            return b"".join(mini[n * 64 : n * 64 + 64] for n in pieces)[:size]
        raise damaged("ไม่พบสมุดงานในไฟล์ XLS", "no Workbook stream in the XLS file")


def _records(stream: bytes, pos: int):
    """(type, body start, body length) of the BIFF records from pos to an EOF record."""
    end = len(stream) - 4
    while 0 <= pos <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if body + length > len(stream):
            return
        yield kind, body, length
        if kind == _EOF:
            return
        pos = body + length


def _sheet_positions(stream: bytes) -> list[int]:
    """Where each sheet's records start (BoundSheet8), after checking the shared strings."""
    positions = []
    records = list(_records(stream, 0))
    for i, (kind, body, length) in enumerate(records):
        if kind == _BOUNDSHEET and length >= 4:
            positions.append(struct.unpack_from("<I", stream, body)[0])
        elif kind == _SST and length >= 8:
            count = struct.unpack_from("<i", stream, body + 4)[0]
            size = length + sum(n for k, _, n in _continued(records, i + 1))
            if not 0 <= count <= size // 3:  # calamine sets aside a string per count
                raise damaged("จำนวนข้อความในไฟล์ XLS ผิด", "bad XLS shared string count")
    return positions


def _continued(records: list, i: int):
    """The CONTINUE records right after record i - 1."""
    while i < len(records) and records[i][0] == _CONTINUE:
        yield records[i]
        i += 1


def _sheet_extent(stream: bytes, pos: int, limits: Limits) -> tuple[int, int, int]:
    """(last row, last column) holding a value, 1-based, and bytes walked, of one sheet."""
    rows = cols = walked = 0
    unpack = struct.unpack_from
    for kind, body, length in _records(stream, pos):
        walked += length + 4
        if kind in _CELL_RECORDS and length >= 4:
            row, col = unpack("<HH", stream, body)
            if kind == _MULRK and length >= 6:
                col = max(col, unpack("<H", stream, body + length - 2)[0])
            rows, cols = max(rows, row + 1), max(cols, col + 1)
        elif kind == _DIMENSIONS and length in (10, 14):  # calamine sets aside rows x cols
            first, last, c0, c1 = unpack("<HHHH" if length == 10 else "<IIHH", stream, body)
            span = ((last - 1 - first + 1) % (1 << 32)) * (c1 - 1 - c0 + 1) if last and c1 else 1
            if span > limits.cells:
                raise over_limit("cells", f"{span:,}", limits.cells)
    return rows, cols, walked


def xls_extent(data: bytes, limits: Limits | None = None) -> list[tuple[int, int]]:
    """(last row, last column) holding a value, 1-based, of each sheet of an XLS file.

    The compound file's ``Workbook`` (or BIFF5 ``Book``) stream, its records walked by
    their headers from where each sheet starts; damaged_file when the file is no OLE2
    compound file or is broken in a way that would make calamine set aside memory
    the file does not hold.
    """
    lim = limits or current_limits()
    try:
        stream = _Compound(data).stream(("Workbook", "Book"))
        out, walked = [], 0
        for pos in _sheet_positions(stream):
            rows, cols, n = _sheet_extent(stream, pos, lim)
            walked += n
            if walked > 2 * len(stream) + 4096:  # sheets read over and over
                raise damaged("ชีตในไฟล์ XLS ซ้อนกัน", "XLS sheets overlap")
            out.append((rows, cols))
    except (struct.error, IndexError, OverflowError) as exc:
        raise damaged(f"XLS: {exc}", f"XLS: {exc}") from None
    return out


def check_xls(data: bytes, limits: Limits) -> None:
    """FileProblem when an XLS file is over the size limit, broken, or a sheet over a limit."""
    check_file_size(len(data), limits)
    cells = 0
    for rows, cols in xls_extent(data, limits):
        if rows > limits.rows + HEADER_SCAN_ROWS:
            raise FileProblem(make_problem("too_many_rows", value=f"{limits.rows:,}"))
        if cols > limits.columns:
            raise over_limit("columns", cols, limits.columns)
        cells += rows * cols
        if cells > limits.cells:
            raise over_limit("cells", f"{rows:,} x {cols:,}", limits.cells)

"""From bytes to a grid of stripped text cells: CSV (any Thai encoding); workbooks in
:mod:`lib.ingest.workbooks` (XLSX, XLS, ODS; their readers are importable from here too).

CSV encodings
tried strictly in order: UTF-16 with a BOM (Excel "Unicode text"), UTF-8
(with or without BOM), cp874. Python's ``tis_620`` codec is never used (it
turns Excel's smart quotes and euro sign into control characters). Delimiter:
comma, semicolon or tab, whichever makes a header row appear in the first 40
records. A plain CSV (no quotes, every row as wide) is split by Arrow; anything
else by pandas' C parser with as many columns as the widest row. A file that
is not UTF-8 must read *cleanly* as cp874, or it is bad_encoding: a Thai
combining mark after a non-Thai character, or one or two Thai characters
between Latin letters (``caf้``, ``K๖ln``: Latin-1 accents read as Thai), is
not Thai text. The limits of :mod:`lib.core.limits` are checked first
(:mod:`lib.ingest.guards`), the widest row before a frame is built, every
cell's characters after; quoting mistakes are reported by
:mod:`lib.ingest.quotes`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lib.core.limits import Limits
from lib.ingest import guards, quotes
from lib.ingest.header import HEADER_SCAN_ROWS, find_header
from lib.ingest.items import ItemLookup
from lib.ingest.result import FileProblem, make_problem
from lib.ingest.text import clean_text, column_letter, str_series
from lib.ingest.workbooks import (  # noqa: F401  (the workbook readers, read here before)
    TEMPLATE_SHEET,
    Grid,
    is_xlsx,
    read_workbook_grids,
    read_xlsx_grids,
    sheet_names,
    workbook_kind,
)

# cp874 text that is not Thai: a combining mark after a non-Thai character, or one
# or two Thai characters between Latin letters (or after a digit, before a letter).
_NOT_THAI = re.compile(
    r"[^\u0e01-\u0e4e][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
    r"|[A-Za-z0-9][\u0e01-\u0e5b]{1,2}[A-Za-z]"
)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of CSV bytes: UTF-16 with a BOM, UTF-8 (BOM or not), else clean cp874."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileProblem(make_problem("bad_encoding")) from None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    offset = 0
    for codec, name in (("utf-8-sig", encoding), ("cp874", "cp874")):  # strictly, in this order
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            offset = exc.start  # the cp874 failure is the one reported
            continue
        if name == "cp874":
            _check_thai(text)
        return text, name
    byte = data[offset : offset + 1].hex()
    raise FileProblem(
        make_problem(
            "bad_encoding",
            th=f" (ไบต์ 0x{byte} ตำแหน่ง {offset})",
            en=f" (byte 0x{byte} at offset {offset})",
        )
    )


def _check_thai(text: str) -> None:
    """bad_encoding when text read as cp874 is not Thai (Latin-1 accents became Thai)."""
    m = _NOT_THAI.search(text)
    if m is None:
        return
    start = text.rfind("\n", 0, m.start()) + 1
    word = text[max(start, m.start() - 12) : m.end() + 12].splitlines()[0]
    raise FileProblem(
        make_problem(
            "bad_encoding",
            row=text.count("\n", 0, m.start()) + 1,
            value=word,
            th=f" (ไม่ใช่ UTF-8 และอ่านเป็น TIS-620 ได้ '{word}' ซึ่งไม่ใช่ภาษาไทย กรุณาบันทึกเป็น CSV UTF-8)",
            en=f" (not UTF-8, and read as TIS-620 it gives '{word}', which is not Thai:"
            " save it as CSV UTF-8)",
        ),
        "cp874",
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


def _choose_delimiter(text: str, items: ItemLookup, limits: Limits) -> tuple[str, int]:
    """(delimiter, width of the sample): the one giving the best header, then the widest.

    A sample row wider than the column limit is over_limit before any header is sought.
    """
    sample = text[:65536]
    best: tuple[int, int, str] = (0, 0, ",")
    too_wide = None
    for delim in (",", ";", "\t"):
        recs = _records(sample, delim, HEADER_SCAN_ROWS)
        width = max((len(r) for r in recs), default=0)
        if width > limits.columns:  # never split into more columns than allowed
            row = next(i for i, r in enumerate(recs) if len(r) > limits.columns)
            too_wide = too_wide or guards.over_limit(
                "columns", len(recs[row]), limits.columns, row=row + 1, delimiter=delim
            )
            continue
        header = find_header([[clean_text(c) for c in r] for r in recs], items)
        score = header.score if header else 0
        if (score, width) > best[:2]:
            best = (score, width, delim)
    if too_wide is not None and best[0] == 0:  # no header but with too many columns
        raise too_wide
    return best[2], best[1]


def read_csv_grid(data: bytes, limits: Limits, items: ItemLookup) -> Grid:
    """The grid of a CSV file; FileProblem if it cannot be decoded, is empty or over a limit."""
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
    # pandas reads a text buffer as its UTF-8 bytes: hand it those bytes directly.
    raw = data if encoding == "utf-8" else text.encode("utf-8")
    lines, longest = guards.check_lines(raw, limits, encoding)
    delim, width = _choose_delimiter(text, items, limits)
    guards.check_csv_cells(lines, width, limits, encoding)
    frame = _arrow_csv_frame(raw, delim, width)
    found = []
    if frame is None:
        frame = _pandas_csv_frame(raw, text, delim, width, encoding, limits)
        if '"' in text:
            found = [quotes.stray_quotes(text, delim), quotes.multiline_cells(frame)]
    where = {"encoding": encoding, "delimiter": delim}
    if len(frame) > limits.rows + HEADER_SCAN_ROWS:
        raise FileProblem(make_problem("too_many_rows", value=f"{limits.rows:,}"), **where)
    if '"' in text or longest > limits.cell_chars:  # else no cell can be too long
        _check_cell_chars(frame, limits, where)
    return Grid(frame, encoding, delim, None, [f for f in found if not f.empty])


def _check_cell_chars(frame: pd.DataFrame, limits: Limits, where: dict) -> None:
    """over_limit at the first cell (by column) holding more characters than allowed."""
    for j in frame.columns:
        lengths = pc.utf8_length(pa.array(frame[j].array)).to_numpy(zero_copy_only=False)
        if len(lengths) and lengths.max() > limits.cell_chars:
            i = int(np.argmax(lengths > limits.cell_chars))
            raise guards.over_limit(
                "cell_chars",
                int(lengths[i]),
                limits.cell_chars,
                row=i + 1,
                column=column_letter(int(j)),
                **where,
            )


def _read_c(raw: bytes, delim: str, width: int) -> pd.DataFrame:
    return pd.read_csv(
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


def _pandas_csv_frame(
    raw: bytes, text: str, delim: str, width: int, encoding: str, limits: Limits
) -> pd.DataFrame:
    """The stripped grid read by pandas' C parser, as wide as the widest row."""
    where = {"encoding": encoding, "delimiter": delim}
    try:
        try:
            frame = _read_c(raw, delim, width)
        except pd.errors.ParserError as exc:
            if not str(exc).rstrip().split(" saw ")[-1].isdigit():  # not "Expected n fields"
                raise
            # A row wider than the first rows: read again as wide as the widest row.
            frame = _read_c(raw, delim, _widest(text, delim, limits, where))
    except pd.errors.ParserError as exc:
        if m := quotes.EOF_IN_QUOTE.search(str(exc)):
            problem = quotes.unclosed_at_end(text, delim, int(m.group(1)))
            raise FileProblem(problem, **where) from None
        raise FileProblem(
            make_problem("unreadable_file", th=f" ({exc})", en=f" ({exc})"), **where
        ) from None
    return frame.apply(lambda s: s.str.strip())


def _widest(text: str, delim: str, limits: Limits, where: dict) -> int:
    """Fields in the widest record; over_limit at the first record wider than allowed."""
    width = 0
    try:
        for i, rec in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
            if len(rec) > width:
                width = len(rec)
                if width > limits.columns:
                    raise guards.over_limit("columns", width, limits.columns, row=i + 1, **where)
    except csv.Error as exc:
        raise FileProblem(
            make_problem("unreadable_file", th=f" ({exc})", en=f" ({exc})"), **where
        ) from None
    return width


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
    except pa.ArrowException:
        return None  # a blank or ragged row: pandas reads it (and pads it) instead
    if table.num_columns != width:
        return None
    return pd.DataFrame(
        {j: str_series(pc.utf8_trim_whitespace(c)) for j, c in enumerate(table.columns)},
        columns=range(width),
    )


def all_blank(cells: pd.DataFrame) -> bool:
    """True when no cell is filled in (the first rows are looked at first)."""
    if cells.empty:
        return True
    if cells.iloc[:HEADER_SCAN_ROWS].ne("").any().any():
        return False
    return not cells.ne("").any().any()

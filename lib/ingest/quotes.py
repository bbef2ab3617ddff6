"""Quoting mistakes in a CSV file: problems with their row and column, never a silent merge.

============================== ===============================================
written                        reported as
============================== ===============================================
``1,ab"c,2`` or ``1,"ab"c,2``  stray_quote: a quote inside a cell that does not
                               start with one, or text after a closing quote
``1,"abc`` ... ``2,x"``        unclosed_quote: a quoted cell holding a line break
                               (the quote swallowed the next lines); a line break
                               typed inside a cell is reported the same way
``1,"abc`` to the end          unclosed_quote at the row where the quote opens
                               (the whole file is rejected)
============================== ===============================================

Rows are as Excel shows the file (one per record); the row of a problem is left
out of the clean rows. A doubled quote inside a quoted cell (``"a ""b"" c"``)
and a quote typed at the very end of an unquoted cell (``5"``) are text.
"""

from __future__ import annotations

import csv
import re

import pandas as pd

from lib.ingest.result import Problem, make_problem
from lib.ingest.text import column_letter

EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
FOUND_COLUMNS = ["row", "column", "value", "code", "th", "en"]
_SHOWN = 60


def _shown(text: str) -> str:
    """A cell's text cut for a message (first line, at most 60 characters)."""
    first = text.splitlines()[0] if text else ""
    return first[:_SHOWN] + ("…" if len(first) > _SHOWN or first != text else "")


def _fields(line: str, delim: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return line.split(delim)


def stray_quotes(text: str, delim: str) -> pd.DataFrame:
    """stray_quote problems: one per line, at the cell of the line's first stray quote."""
    d = re.escape(delim)
    pattern = re.compile(rf'(?<=[^{d}"\r\n])"(?=[^{d}"\r\n])')
    out = []
    line, last, last_line = 1, 0, 0
    for m in pattern.finditer(text):
        pos = m.start()
        line += text.count("\n", last, pos)
        last = pos
        if line == last_line:
            continue
        last_line = line
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        before = _fields(text[start:pos], delim)
        whole = _fields(text[start : end if end >= 0 else len(text)], delim)
        j = max(len(before) - 1, 0)
        value = whole[j] if j < len(whole) else text[start:pos]
        out.append((line, column_letter(j), _shown(value.strip()), "stray_quote", "", ""))
    return pd.DataFrame(out, columns=FOUND_COLUMNS)


def multiline_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """unclosed_quote problems for the cells of a CSV grid holding a line break."""
    out = []
    for j in frame.columns:
        col = frame[j]
        hit = col.str.contains("[\r\n]", regex=True).to_numpy(dtype=bool, na_value=False)
        for i in hit.nonzero()[0].tolist():
            text = col.iat[i]
            lines = len(text.splitlines())
            th = f" (ข้อความ {lines} บรรทัดรวมอยู่ในช่องนี้: ปิดเครื่องหมายคำพูด หรือลบการขึ้นบรรทัดใหม่ในช่อง)"
            en = f" ({lines} lines are in this cell: close the quote or remove the line break)"
            out.append((i + 1, column_letter(int(j)), _shown(text), "unclosed_quote", th, en))
    return pd.DataFrame(out, columns=FOUND_COLUMNS)


def unclosed_at_end(text: str, delim: str, record: int) -> Problem:
    """unclosed_quote for a quote open at the end of the file, opened in record (0-based)."""
    lines = text.split("\n", record + 1)
    line = lines[record] if record < len(lines) else ""
    column = ""
    pieces = line.split(delim)
    for j, piece in enumerate(pieces):
        rest = delim.join(pieces[j:])
        if piece.lstrip().startswith('"') and rest.count('"') % 2 == 1:
            column = column_letter(j)
            break
    return make_problem(
        "unclosed_quote",
        row=record + 1,
        column=column,
        value=_shown(line),
        th=" (ข้อความตั้งแต่ตรงนี้ถึงท้ายไฟล์จะรวมเป็นช่องเดียว)",
        en=" (everything from here to the end of the file would be one cell)",
    )

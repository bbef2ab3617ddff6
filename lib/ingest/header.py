"""Where the table starts: the header row, its form, label cells above it, note rows below.

Up to 40 title rows above the header; blank rows anywhere are skipped; a row
with one non-empty cell starting with ที่มา / หมายเหตุ / แหล่งข้อมูล / Source /
Note / ``*`` is a note and skipped; any other row below the header is data (a
"รวม"/"Total" row is reported, never skipped silently). The header's words
(:data:`HEADER_WORDS`) decide the form (see :mod:`lib.ingest.forms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.ingest.items import ItemLookup
from lib.ingest.periods import period_notation
from lib.ingest.text import column_letter, header_key

HEADER_SCAN_ROWS = 40

# Header words per role; compared after header_key (case, spaces, "_", "-", "." and a
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

_HEADER_ROLE = {header_key(w): role for role, words in HEADER_WORDS.items() for w in words}


@dataclass
class Header:
    """The header row found: its form, the column of each role and the data columns."""

    row: int  # 0-based grid row
    form: str
    roles: dict[str, int]  # role -> column index
    data_columns: list[int]  # wide forms: the period or item columns
    score: int
    labels: list[str]  # header text per column (column letter when empty)


LABEL_ITEM = re.compile(
    r"^(?:รหัสรายการข้อมูล|รหัสรายการ|รายการข้อมูล|item[ _]?code|item)\s*[:：]\s*(.*)$", re.I
)
LABEL_PERIOD = re.compile(r"^(?:งวดข้อมูล|งวด|ช่วงเวลา|period)\s*[:：]\s*(.*)$", re.I)


def find_header(rows: list[list[str]], items: ItemLookup) -> Header | None:
    """The first row (within the first HEADER_SCAN_ROWS) that reads as a header."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = [header_key(c) for c in row]
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
            return Header(i, "long", roles, [], len(roles) + 10, labels)
        rest = [
            j
            for j, c in enumerate(row)
            if c and j not in role_columns and not (LABEL_ITEM.match(c) or LABEL_PERIOD.match(c))
        ]
        periods = [j for j in rest if period_notation(row[j])[0] != "bad"]
        item_cols = [j for j in rest if items.resolve(row[j])[0] is not None]
        if not has_area and row and not row[0] and len(periods) + len(item_cols) >= 2:
            roles["area"] = 0  # an unlabelled first column of area names
            has_area = True
        if not has_area:
            continue
        if periods and len(periods) >= len(item_cols):
            return Header(i, "wide_periods", roles, rest, len(periods) + 5, labels)
        if item_cols:
            return Header(i, "wide_items", roles, rest, len(item_cols) + 5, labels)
    return None


def label_above(rows: list[list[str]], header_row: int, pattern: re.Pattern) -> tuple | None:
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


_NOTE = re.compile(
    r"^(?:ที่มา|หมายเหตุ|แหล่งที่มา|แหล่งข้อมูล|ข้อมูล ณ|source|sources|note|notes|remark|\*)",
    re.I,
)


def data_rows(grid: pd.DataFrame, header_row: int) -> pd.DataFrame:
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


def extra_fields(grid: pd.DataFrame, header: Header) -> pd.DataFrame:
    """extra_fields problems: data rows with a cell filled right of the header's last column.

    Such a cell is usually a value split at a comma that was not quoted (``1,234``):
    every later cell of the row moved one column right, so the row is not read.
    """
    names = grid.iloc[header.row].to_numpy(dtype=object)
    filled_header = np.flatnonzero(names != "")
    last = int(filled_header[-1]) if len(filled_header) else -1
    columns = ["row", "column", "value", "code", "th", "en"]
    if last + 1 >= grid.shape[1]:  # no column right of the header: the common case
        return pd.DataFrame(columns=columns)
    body = data_rows(grid, header.row)
    extra = body.iloc[:, last + 1 :]
    if body.empty:
        return pd.DataFrame(columns=columns)
    filled = extra.ne("").to_numpy()
    hit = np.flatnonzero(filled.any(axis=1))
    first = filled[hit].argmax(axis=1)
    values = extra.to_numpy(dtype=object)[hit, first]
    return pd.DataFrame(
        {
            "row": body.index.to_numpy()[hit] + 1,
            "column": [column_letter(last + 1 + int(j)) for j in first],
            "value": [str(v)[:60] for v in values],
            "code": "extra_fields",
            "th": "",
            "en": "",
        },
        columns=columns,
    )

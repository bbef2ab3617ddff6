"""Where the table starts: the header row, its form, label cells above it, note rows below.

Up to 40 title rows above the header; blank rows anywhere are skipped; a row
with one non-empty cell starting with ที่มา / หมายเหตุ / แหล่งข้อมูล / Source /
Note / ``*`` is a note and skipped; any other row below the header is data (a
"รวม"/"Total" row is reported, never skipped silently). The header's words
(:data:`HEADER_WORDS`) decide the form (see :mod:`lib.ingest.forms`). A column
mapping (:mod:`lib.ingest.mapping`) gives roles by header text, winning over the
words: then the header is the first row holding every mapped header. A header
row whose next row holds only units is a two-row header (measure over unit,
:func:`lib.ingest.shapes.two_row_header`): its labels are merged and the data
start below the unit row. An area and a year column with three or more month
columns (ม.ค. ก.พ. มี.ค.) is a year-down x month-across grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from lib.ingest.items import ItemLookup
from lib.ingest.periods import period_notation
from lib.ingest.shapes import month_columns, two_row_header
from lib.ingest.text import clean_text, column_letter, header_key

HEADER_SCAN_ROWS = 40

# Header words per role; compared after header_key (case, spaces, "_", "-", "." and a
# parenthesised suffix ignored).
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "item": ("รหัสรายการ", "รายการข้อมูล", "รหัสรายการข้อมูล", "รายการ", "item", "item_code"),
    "area": (
        "พื้นที่",
        "รหัสพื้นที่",
        "area",
        "area_code",
        "จังหวัด/อำเภอ",
        "อำเภอ/จังหวัด",
        "ท้องที่",
        "จังหวัด/เขต",
    ),
    "province": ("จังหวัด", "รหัสจังหวัด", "province", "province_code", "changwat"),
    "district": ("อำเภอ", "อำเภอ/เขต", "เขต", "รหัสอำเภอ", "district", "district_code", "amphoe"),
    "area_name": ("ชื่อพื้นที่", "area_name", "ชื่อจังหวัด", "ชื่ออำเภอ", "province_name"),
    "period": (
        "งวด",
        "ช่วงเวลา",
        "period",
        "ปีงบประมาณ",
        "fiscal_year",
        "ปี/เดือน",
        "เดือน/ปี",
        "yymm",
        "ปีการผลิต",
    ),
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

    row: int  # 0-based grid row (the unit row of a two-row header: data start below it)
    form: str
    roles: dict[str, int]  # role -> column index
    data_columns: list[int]  # wide forms: the period or item columns
    score: int
    labels: list[str]  # header text per column (column letter when empty)
    texts: list[str] = field(default_factory=list)  # header text per column ("" when empty)
    top: int = -1  # first header row (row - 1 for a two-row header); -1: same as row
    # column -> (role, recognised): recognised from the header's words, else from a mapping
    column_roles: dict[int, tuple[str, bool]] = field(default_factory=dict)
    items_of: dict[int, str] = field(default_factory=dict)  # item:CODE columns -> CODE
    months: dict[int, int] = field(default_factory=dict)  # year x month grid: column -> month

    def __post_init__(self):
        if not self.texts:
            self.texts = [
                "" if lab == column_letter(j) else lab for j, lab in enumerate(self.labels)
            ]
        if self.top < 0:
            self.top = self.row

    def signature(self) -> tuple[str, ...]:
        """Header keys of the non-empty header cells (what a saved layout is matched by)."""
        return tuple(k for k in map(header_key, self.texts) if k)


LABEL_ITEM = re.compile(
    r"^(?:รหัสรายการข้อมูล|รหัสรายการ|รายการข้อมูล|item[ _]?code|item)\s*[:：]\s*(.*)$", re.I
)
LABEL_PERIOD = re.compile(r"^(?:งวดข้อมูล|งวด|ช่วงเวลา|period)\s*[:：]\s*(.*)$", re.I)
AREA_ROLES = {"area", "province", "district"}


def find_header(
    rows: list[list[str]], items: ItemLookup, mapped: dict[str, str] | None = None
) -> Header | None:
    """The first row (within the first HEADER_SCAN_ROWS) that reads as a header.

    mapped: header key -> role of a column mapping (lib.ingest.layout); a mapped role wins
    over the one recognised and only a row holding every mapped header can be the header.
    A row read as a header whose next row holds the units (two_row_header) makes a
    two-row header: labels merged, the data start below the unit row.
    """
    need = {k for k in (mapped or {}) if k}
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if need and not need <= {header_key(c) for c in row}:
            continue
        header = classify_row(i, row, items, mapped)
        if header is not None:
            return _with_unit_row(rows, header, items, mapped)
        if need:  # the row holding every mapped header is the header, or there is none
            return None
    return None


def _with_unit_row(rows, header: Header, items: ItemLookup, mapped) -> Header:
    """The header extended over a unit row below it (measure over unit), if there is one."""
    merged = two_row_header(rows, header.row)
    if not merged:
        return header
    merged = [clean_text(c) for c in merged]
    again = classify_row(header.row, merged, items, mapped)
    again = again if again is not None and again.form == header.form else header
    labels = [c or column_letter(j) for j, c in enumerate(merged)]
    return replace(again, row=header.row + 1, top=header.row, labels=labels, texts=merged)


def column_roles(row: list[str], mapped: dict[str, str] | None) -> dict[int, tuple[str, bool]]:
    """column -> (role, recognised) of a header row: the mapping first, then the words."""
    out = {}
    for j, c in enumerate(row):
        k = header_key(c)
        if not k:
            continue
        if mapped and k in mapped:
            out[j] = (mapped[k], False)
        elif k in _HEADER_ROLE:
            out[j] = (_HEADER_ROLE[k], True)
    return out


def classify_row(
    i: int, row: list[str], items: ItemLookup, mapped: dict[str, str] | None = None
) -> Header | None:
    """The header a row makes (its form and roles), or None when it is not a header."""
    croles = column_roles(row, mapped)
    roles: dict[str, int] = {}
    items_of = {}
    for j, (role, _) in croles.items():
        if role.startswith("item:"):
            items_of[j] = role[5:]
        elif role != "ignore":
            roles.setdefault(role, j)
    if "area_name" in roles and not AREA_ROLES & roles.keys():  # ชื่อจังหวัด alone: the area
        roles["area"] = roles.pop("area_name")
    has_area = bool(AREA_ROLES & roles.keys())
    labels = [c or column_letter(j) for j, c in enumerate(row)]
    made = {"labels": labels, "texts": list(row), "column_roles": croles, "items_of": items_of}
    if items_of and has_area:
        return Header(i, "wide_items", roles, sorted(items_of), len(items_of) + 5, **made)
    if has_area and "value" in roles:
        return Header(i, "long", roles, [], len(roles) + 10, **made)
    rest = [
        j
        for j, c in enumerate(row)
        if c and j not in croles and not (LABEL_ITEM.match(c) or LABEL_PERIOD.match(c))
    ]
    months = month_columns([row[j] if j in rest else "" for j in range(len(row))])
    if "year" in roles and len(months) >= 3:  # years down, months across (the area: a column
        # or, for one province's table, its title: lib.ingest.sheets.title_area)
        cols = sorted(months)
        return Header(i, "wide_periods", roles, cols, len(cols) + 5, months=months, **made)
    periods = [j for j in rest if period_notation(row[j])[0] != "bad"]
    item_cols = [j for j in rest if items.resolve(row[j])[0] is not None]
    if not has_area and row and not row[0] and len(periods) + len(item_cols) >= 2:
        roles["area"] = 0  # an unlabelled first column of area names
        has_area = True
    if not has_area:
        return None
    if periods and len(periods) >= len(item_cols):
        return Header(i, "wide_periods", roles, rest, len(periods) + 5, **made)
    if item_cols:
        return Header(i, "wide_items", roles, rest, len(item_cols) + 5, **made)
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
    filled_header = [j for j, t in enumerate(header.texts) if t]
    last = filled_header[-1] if filled_header else -1
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

"""Sheets of a workbook read together, and what a sheet's name or title says about its cells.

A layout chooses the sheets (its ``sheets`` in order, or ``all_sheets``); each
sheet finds its own header and its cells are validated together with the
others' (a cell repeated on two sheets is a duplicate). When more than one
sheet is read, every problem's column names its sheet (``ชีต ม.ค. 2567: ค่า``).

A sheet's period, where no column or ``งวด:`` label gives one: with the period
rule ``sheet`` its name (``58`` is 2558, ``ม.ค. 2567``); with ``title`` a title
row above the header (``ข้อมูลประจำเดือน ม.ค. 2567``); automatically, its name
when that reads as a period. The rule ``yymm`` reads every period text as
DOPA's YYMM code (``6512`` = Dec 2565). A title row giving a base year
(``ปีฐาน 2566 = 100``, ``base year 2019``) other than an item's is one
base_year_changed warning.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.ingest.areas import AreaLookup
from lib.ingest.forms import Cells
from lib.ingest.header import LABEL_PERIOD, Header, label_above
from lib.ingest.items import ItemLookup
from lib.ingest.periods import from_yymm, sheet_period_text
from lib.ingest.result import Problem, make_problem
from lib.ingest.text import clean_text, column_letter
from lib.ingest.workbooks import Grid

_ROLES = ("item", "period", "area", "value")
_TITLE_PROVINCE = re.compile(r"(?:จังหวัด|จ\.)\s*([\u0e01-\u0e4e]+)")
_PERIOD_ROLES = ("period", "year", "month", "quarter")
_BASE_YEAR = re.compile(
    r"(?:ปีฐาน|base\s*year)\s*(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)?\s*(\d{4})|ปี\s*(\d{4})\s*=\s*100", re.I
)


def sheet_label(name: str | None, label: str) -> str:
    """A column label with its sheet in front ('ชีต ม.ค. 2567: ค่า'); the label alone without."""
    if not name:
        return label
    mark = f"ชีต {name}"
    if label.startswith(mark):
        return label
    return f"{mark}: {label}" if label else mark


def sheet_period(grid: Grid, header: Header, rule: str) -> tuple[str, int, str] | None:
    """(period text, row, column) a sheet's name or title gives, under the period rule."""
    if rule == "title":
        rows = grid.cells.iloc[: header.top].values.tolist()
        for i, row in enumerate(rows):
            for j, c in enumerate(row):
                if c and (text := sheet_period_text(c)):
                    return text, i + 1, column_letter(j)
        return None
    if not grid.sheet or (rule != "sheet" and has_period(grid, header)):
        return None
    text = sheet_period_text(grid.sheet)
    if text is None and rule != "sheet":
        return None
    return text or grid.sheet, 0, f"ชีต {grid.sheet}"


def has_period(grid: Grid, header: Header) -> bool:
    """True when a column, the header (wide_periods) or a ``งวด:`` label gives the period."""
    if header.form == "wide_periods" or any(r in header.roles for r in _PERIOD_ROLES):
        return True
    head = grid.cells.iloc[: header.row + 1].values.tolist()
    return label_above(head, header.row, LABEL_PERIOD) is not None


def placed_period(cells: Cells, where: tuple[str, int, str]) -> Cells:
    """Cells whose period came from a sheet's name or title, located there (not as chosen)."""
    row, col = cells.locs["period"]
    if isinstance(row, np.ndarray) or row != 0 or col != "":
        return cells
    return Cells(cells.frame, {**cells.locs, "period": (where[1], where[2])})


def yymm_periods(cells: Cells) -> Cells:
    """Cells whose period texts are DOPA YYMM codes read as Buddhist year-month (6512 = 2565-12)."""
    codes, distinct = pd.factorize(cells.frame["period"])
    texts = [from_yymm(t) or t for t in distinct]
    period = pd.Series(np.asarray(texts, dtype=object)[codes], dtype="str") if len(codes) else None
    frame = cells.frame.assign(period=period) if period is not None else cells.frame
    return Cells(frame, cells.locs)


def base_year_problems(grid: Grid, header: Header, cells: Cells, items: ItemLookup) -> list:
    """One base_year_changed warning when a title row's base year is not an item's."""
    title = _base_year_title(grid.cells.iloc[: header.top].values.tolist())
    if title is None:
        return []
    year, text, row, col = title
    for item_text in pd.unique(cells.frame["item"]):
        code = items.resolve(str(item_text))[0] if item_text else None
        item = items.info.get(code) if code else None
        if item is not None and item.base_year is not None and item.base_year != year:
            return [
                make_problem(
                    "base_year_changed",
                    row=row,
                    column=col,
                    value=text,
                    th=f" (รายการ {code} ใช้ปีฐาน {item.base_year})",
                    en=f" (item {code} has base year {item.base_year} BE)",
                )
            ]
    return []


def _base_year_title(rows: list[list[str]]) -> tuple[int, str, int, str] | None:
    """(base year BE, year as written, row, column) of the first title cell giving one."""
    for i, row in enumerate(rows):
        for j, c in enumerate(row):
            if c and (m := _BASE_YEAR.search(clean_text(c))):
                written = m.group(1) or m.group(2)
                return tc.normalise_year(int(written)), written, i + 1, column_letter(j)
    return None


def labelled_problems(problems: list[Problem], sheet: str | None) -> list[Problem]:
    """Problems with their sheet in front of the column (when several sheets are read)."""
    if not sheet:
        return problems
    return [replace(p, column=sheet_label(sheet, p.column)) for p in problems]


def labelled_found(found: pd.DataFrame, sheet: str | None) -> pd.DataFrame:
    """A problem frame with its sheet in front of the column (per distinct column text)."""
    if not sheet or found.empty:
        return found
    codes, distinct = pd.factorize(found["column"].astype(object))
    shown = np.asarray([sheet_label(sheet, str(c)) for c in distinct], dtype=object)
    return found.assign(column=shown[codes])


def combined(parts: list[tuple[Cells, str | None]]) -> Cells:
    """The cells of several sheets as one (each location with its sheet in front)."""
    if len(parts) == 1 and parts[0][1] is None:
        return parts[0][0]
    locs = {}
    for role in _ROLES:
        rows, cols = [], []
        for cells, sheet in parts:
            n = len(cells.frame)
            row, col = cells.locs[role]
            rows.append(row if isinstance(row, np.ndarray) else np.full(n, row, dtype=np.int64))
            col = col if isinstance(col, np.ndarray) else np.full(n, col, dtype=object)
            codes, distinct = pd.factorize(pd.Series(col, dtype=object))
            shown = np.asarray([sheet_label(sheet, str(c)) for c in distinct], dtype=object)
            cols.append(shown[codes] if len(codes) else np.array([], dtype=object))
        locs[role] = (np.concatenate(rows).astype(np.int64), np.concatenate(cols))
    frame = pd.concat(
        [c.frame.assign(sheet=np.int64(k)) for k, (c, _) in enumerate(parts)], ignore_index=True
    )  # the sheet's position orders rows across sheets (lib.ingest.totals)
    return Cells(frame, locs)


def title_area(grid: Grid, header: Header, areas: AreaLookup) -> tuple[str, int] | None:
    """(province name, Excel row) of the one province a title row above the header names
    (``ดัชนีราคาผู้บริโภคจังหวัดระยอง``): the area of a table without an area column."""
    for i, row in enumerate(grid.cells.iloc[: header.top].values.tolist()):
        for c in row:
            for m in _TITLE_PROVINCE.finditer(c):
                codes = areas.resolve(m.group(1))[0]
                if len([x for x in codes if areas.level.get(x) == "province"]) == 1:
                    return m.group(1), i + 1
    return None


def with_area_column(grid: Grid, header: Header, area: tuple[str, int]) -> Grid:
    """The grid with one more column: the title's province on every filled row below the
    header, headed 'จังหวัด (ชื่อเรื่อง แถว N)' so that problems say where it came from."""
    cells = grid.cells.copy()
    filled = cells.ne("").any(axis=1).to_numpy()
    below = np.arange(len(cells)) > header.row
    column = np.where(filled & below, area[0], "").astype(object)
    column[header.row] = f"จังหวัด (ชื่อเรื่อง แถว {area[1]})"
    if header.top != header.row:  # a two-row header: the unit row is the header's row
        column[header.top] = column[header.row]
        column[header.row] = ""
    cells[cells.shape[1]] = pd.Series(column, index=cells.index, dtype="str")
    return replace(grid, cells=cells)

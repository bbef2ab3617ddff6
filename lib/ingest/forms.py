"""The three shapes of a sheet, each turned into one cell per value to check.

============ =================================================================
form         header
============ =================================================================
long         item, area, period, value, note (item may be absent when an item
             is chosen; period may be absent when a period is chosen);
             อำเภอ + จังหวัด columns together name a district in a province;
             ปี + เดือน (or ปี + ไตรมาส) columns together make the period
wide_periods area column, then one column per period (or a year column and a
             column per month: each cell's period is its row's year and its
             column's month); the item comes from
             the ``item_code`` argument, a cell above such as
             ``รหัสรายการ: FIN01``, or an item column (one item per row)
wide_items   area column, then one column per item code (or per column
             mapped to ``item:CODE``); the period comes from the ``period``
             argument, a cell such as ``งวด: 2568-03``, or a period column
             (one period per row)
============ =================================================================

Arguments: in a long sheet the item and period columns win and the
``item_code`` / ``period`` arguments only fill their empty cells (or stand for
a missing column); in a wide sheet an argument that disagrees with the label
cell is item_mismatch / period_mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.ingest.header import LABEL_ITEM, LABEL_PERIOD, Header, data_rows, label_above
from lib.ingest.items import ItemLookup
from lib.ingest.periods import period_notation
from lib.ingest.result import Problem, make_problem
from lib.ingest.shapes import grid_period_text
from lib.ingest.text import constant_str, is_total

FORMS = ("long", "wide_periods", "wide_items")


@dataclass
class Cells:
    """Cells to validate, one per (data row, value column), and where each role's text sits.

    frame: row (Excel row), item, area, area_q (province of a district), period, value, note.
    locs: role -> (row, column label) of its text, each a scalar or one entry per cell;
    row 0 means the chosen argument (no place in the file).
    """

    frame: pd.DataFrame
    locs: dict[str, tuple[object, object]]


_NO_ITEM_TH = " (ไม่มีคอลัมน์รหัสรายการ และไม่ได้เลือกรายการ)"
_NO_ITEM_EN = " (no item column and no item chosen)"
_NO_PERIOD_TH = " (ไม่มีคอลัมน์งวด และไม่ได้เลือกงวด)"
_NO_PERIOD_EN = " (no period column and no period chosen)"

_Column = Callable[[str], pd.Series]


def long_cells(
    grid: pd.DataFrame, header: Header, item_arg: str | None, period_arg: str | None
) -> tuple[Cells | None, list[Problem]]:
    """Cells of a long sheet, one per data row; none when nothing names the item or period."""
    roles, labels = header.roles, header.labels
    body = data_rows(grid, header.row)
    n = len(body)
    rows = body.index.to_numpy(dtype=np.int64) + 1

    def col(role: str) -> pd.Series:
        return body[roles[role]].reset_index(drop=True)

    if "district" in roles and "province" in roles:
        area_role, qual = "district", col("province")
    else:
        area_role = next(r for r in ("area", "district", "province") if r in roles)
        qual = col("province") if area_role == "area" and "province" in roles else None
    area = col(area_role)
    if "area_name" in roles:  # the code column empty, the name filled in
        area = area.where(area != "", col("area_name"))
    item = _long_item(header, col, rows, item_arg)
    if item is None:
        return None, [make_problem("missing_item", th=_NO_ITEM_TH, en=_NO_ITEM_EN)]
    period = _long_period(header, col, rows, period_arg)
    if period is None:
        return None, [make_problem("missing_period", th=_NO_PERIOD_TH, en=_NO_PERIOD_EN)]
    locs: dict[str, tuple[object, object]] = {
        "area": (rows, labels[roles[area_role]]),
        "value": (rows, labels[roles["value"]]),
        "item": item[1],
        "period": period[1],
    }
    frame = pd.DataFrame(
        {
            "row": rows,
            "item": item[0],
            "area": area,
            "area_q": qual if qual is not None else constant_str("", n),
            "period": period[0],
            "value": col("value"),
            "note": col("note") if "note" in roles else constant_str("", n),
        }
    )
    return Cells(frame, locs), []


def _long_item(header: Header, col: _Column, rows: np.ndarray, item_arg: str | None):
    """(item texts, location) from the item column or the argument; None if neither."""
    if "item" in header.roles:
        item = col("item")
        if item_arg:
            item = item.where(item != "", item_arg)
        return item, (rows, header.labels[header.roles["item"]])
    if item_arg:
        return constant_str(item_arg, len(rows)), (0, "")
    return None


def _long_period(header: Header, col: _Column, rows: np.ndarray, period_arg: str | None):
    """(period texts, location) from the period column(s) or the argument; None if neither."""
    roles, labels = header.roles, header.labels
    if "period" in roles:
        period, loc = col("period"), (rows, labels[roles["period"]])
    elif "year" in roles and ("month" in roles or "quarter" in roles):
        part_role = "month" if "month" in roles else "quarter"
        year, part = col("year"), col(part_role)
        digit = part.str.fullmatch(r"\d{1,2}")
        if part_role == "month":
            period = (part + "/" + year).where(digit, part + " " + year)
        else:
            period = ("ไตรมาส " + part + "/" + year).where(digit, part + " " + year)
        period = period.where((year != "") & (part != ""), "")
        loc = (rows, f"{labels[roles['year']]}+{labels[roles[part_role]]}")
    elif part_role := next((r for r in ("year", "month", "quarter") if r in roles), None):
        period, loc = col(part_role), (rows, labels[roles[part_role]])
    elif period_arg:
        return constant_str(period_arg, len(rows)), (0, "")
    else:
        return None
    if period_arg:  # the argument fills the column's empty cells
        period = period.where(period != "", period_arg)
    return period, loc


def wide_cells(
    grid: pd.DataFrame,
    header: Header,
    items: ItemLookup,
    item_arg: str | None,
    period_arg: str | None,
) -> tuple[Cells | None, list[Problem], str | None, str | None]:
    """Cells of a wide sheet, one per filled (area row, period or item column)."""
    roles, labels = header.roles, header.labels
    role, fixed, row_role, problems = _wide_given(grid, header, items, item_arg, period_arg)
    if fixed is None:
        return None, problems, None, None
    body = data_rows(grid, header.row)
    area_role = next(r for r in ("area", "district", "province") if r in roles)
    per_row = None
    if row_role is not None:
        per_row = body[roles[row_role]]
        if fixed[0]:
            per_row = per_row.where(per_row != "", fixed[0])
    frame, per_cell, total_columns = _wide_frame(body, header, area_role, per_row)
    problems += total_columns
    per_cell_str = frame.pop("column_text").astype("str")
    cells_rows = frame["row"].to_numpy(dtype=np.int64)
    if per_row is not None:
        fixed_text = frame["fixed"].astype("str")
        fixed_loc = (cells_rows, labels[roles[row_role]])
    else:
        fixed_text = constant_str(fixed[0], len(frame))
        fixed_loc = (fixed[1], fixed[2])
    frame = frame.drop(columns="fixed")
    header_row = header.row + 1
    if header.form == "wide_periods":
        frame["item"], frame["period"] = fixed_text, per_cell_str
        item_loc, period_loc = fixed_loc, (header_row, per_cell)
        if header.months:  # years down, months across: the year cell and the month header
            shown = {labels[j]: f"{labels[roles['year']]}+{labels[j]}" for j in header.months}
            period_loc = (cells_rows, pd.Series(per_cell, dtype=object).map(shown).to_numpy())
    else:
        frame["item"], frame["period"] = per_cell_str, fixed_text
        item_loc, period_loc = (header_row, per_cell), fixed_loc
    locs = {
        "item": item_loc,
        "period": period_loc,
        "area": (cells_rows, labels[roles[area_role]]),
        "value": (cells_rows, per_cell),
    }
    item_text = fixed[0] if role == "item" and fixed[0] else None
    period_text = fixed[0] if role == "period" and fixed[0] else None
    return Cells(frame, locs), problems, item_text, period_text


def _wide_given(
    grid: pd.DataFrame,
    header: Header,
    items: ItemLookup,
    item_arg: str | None,
    period_arg: str | None,
) -> tuple[str, tuple | None, str | None, list[Problem]]:
    """What names the sheet's one item (wide_periods) or period (wide_items).

    (role, fixed, row_role, problems): fixed is (text, row, column) of the argument or the
    label cell, ("", 0, "") when a column (row_role) gives one per row, None when nothing
    names it (a missing_item or missing_period problem).
    """
    head_rows = grid.iloc[: header.row + 1].values.tolist()
    problems: list[Problem] = []
    if header.form == "wide_periods":
        role, pattern, arg = "item", LABEL_ITEM, item_arg
    else:
        role, pattern, arg = "period", LABEL_PERIOD, period_arg
    label = label_above(head_rows, header.row, pattern)
    if arg and label:
        same = (
            items.resolve(label[0])[0] == items.resolve(arg)[0]
            if role == "item"
            else period_notation(label[0]) == period_notation(arg)
        )
        if not same:
            problems.append(
                make_problem(
                    f"{role}_mismatch",
                    row=label[1],
                    column=label[2],
                    value=label[0],
                    th=f" ({arg})",
                    en=f" ({arg})",
                )
            )
    # an item (or period) column gives one per row; the argument or label fills its blanks
    row_roles = ("item",) if role == "item" else ("period", "year", "month", "quarter")
    row_role = next((r for r in row_roles if r in header.roles), None)
    if arg:
        return role, (arg, 0, ""), row_role, problems
    if label:
        return role, label, row_role, problems
    if row_role is not None:
        return role, ("", 0, ""), row_role, problems
    if role == "item":
        problems.append(make_problem("missing_item", th=_NO_ITEM_TH, en=_NO_ITEM_EN))
    else:
        problems.append(make_problem("missing_period", th=_NO_PERIOD_TH, en=_NO_PERIOD_EN))
    return role, None, row_role, problems


def _wide_frame(
    body: pd.DataFrame, header: Header, area_role: str, per_row: pd.Series | None
) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """(cells, the column label of each cell, problems of "รวม"/"Total" columns left out)."""
    roles, labels = header.roles, header.labels
    rows = body.index.to_numpy(dtype=np.int64) + 1
    blank = pd.Series("", index=body.index, dtype="str")
    area = body[roles[area_role]]
    if "area_name" in roles:
        area = area.where(area != "", body[roles["area_name"]])
    qual = body[roles["province"]] if area_role != "province" and "province" in roles else blank
    note = body[roles["note"]] if "note" in roles else blank
    problems, parts, labels_per_cell = [], [], []
    years = body[roles["year"]] if header.months else None
    for j in header.data_columns:
        if is_total(labels[j]) and j not in header.items_of:  # a column mapped item:CODE is data
            problems.append(
                make_problem("total_column", row=header.row + 1, column=labels[j], value=labels[j])
            )
            continue
        filled = (body[j] != "").to_numpy()
        if not filled.any():
            continue
        part = pd.DataFrame(
            {
                "row": rows[filled],
                "area": area[filled],
                "area_q": qual[filled],
                "value": body[j][filled],
                "note": note[filled],
                "fixed": per_row[filled] if per_row is not None else "",
                "column_text": _column_text(header, j, years, filled),
            }
        ).reset_index(drop=True)
        parts.append(part)
        labels_per_cell.append(np.full(int(filled.sum()), labels[j], dtype=object))
    if parts:
        return pd.concat(parts, ignore_index=True), np.concatenate(labels_per_cell), problems
    columns = ["row", "area", "area_q", "value", "note", "fixed", "column_text"]
    frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in columns})
    return frame, np.array([], dtype=object), problems


def _column_text(header: Header, j: int, years: pd.Series | None, filled: np.ndarray):
    """What a wide column names for its cells: its header, the mapped item, or year + month."""
    if j in header.items_of:
        return header.items_of[j]
    if years is None or j not in header.months:
        return header.labels[j]
    codes, distinct = pd.factorize(years[filled])
    # a year that reads as none stays as written: bad_period names it
    texts = [grid_period_text(y, header.months[j]) or y if y else "" for y in distinct]
    return np.asarray(texts, dtype=object)[codes] if len(codes) else ""


def wide_header_problems(header: Header, items: ItemLookup, item_text: str | None) -> list[Problem]:
    """Duplicate period or item columns of a wide header (same period written twice)."""
    problems = []
    seen: dict[object, str] = {}
    for j in header.data_columns:
        text = header.labels[j]
        if j in header.items_of:
            key = items.resolve(header.items_of[j])[0] or header.items_of[j]
        elif header.months:
            key = header.months[j]
        elif header.form == "wide_items":
            key = items.resolve(text)[0] or text
        else:
            key = period_notation(text)
            if key[0] == "bad":
                key = text
        if key in seen:
            problems.append(
                make_problem(
                    "duplicate_column",
                    row=header.row + 1,
                    column=text,
                    value=text,
                    th=f" ({seen[key]})",
                    en=f" ({seen[key]})",
                )
            )
        else:
            seen[key] = text
    return problems

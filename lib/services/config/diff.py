"""An import merged with the stored configuration, and the list of what it changes.

Nothing is ever deleted by an import: an item absent from the workbook is kept
and retired from the import's fiscal year (its history stays), and the KPI
sets of fiscal years the workbook does not hold are kept as they are (a
workbook replaces the KPI sets of the years it holds, and only those); the
validation rules are replaced by the workbook's rules sheet, and kept when it
has none. An empty cell of a field with a default takes it. Values
are compared as a person reads them: 5 equals 5.0, empty equals NaN, "A,B"
equals "B, A". Pure: frames in, frames out.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from lib.core.numbers import is_missing
from lib.services.config.fields import (
    ALL_SHEETS,
    CODES,
    DEPLOYMENT,
    ITEMS,
    KPIS,
    OPTIONAL_SHEETS,
    SHEETS,
    Sheet,
)
from lib.services.config.workbook import ROW, cell_text, clean_number

CHANGE_COLUMNS = ["sheet", "key", "change", "fields", "before", "after"]
CHANGE_KINDS = ("added", "changed", "retired", "removed")


def _plain(value: object) -> object:
    """A cell as a plain Python value: None when missing or blank, numbers without float noise."""
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return clean_number(value)
    return value


def _rows(sheet: Sheet, frame: pd.DataFrame | None) -> list[dict]:
    """A config frame's rows as dicts of the sheet's fields and `_row` (None when absent)."""
    if frame is None:
        return []
    return [
        {key: _plain(rec.get(key)) for key in [*sheet.columns, ROW]}
        for rec in frame.to_dict("records")
    ]


def _with_defaults(sheet: Sheet, rows: list[dict]) -> list[dict]:
    """Rows whose empty cells of a field with a default hold that default."""
    for row in rows:
        for f in sheet.fields:
            if row[f.key] is None and f.default is not None:
                row[f.key] = f.default
    return rows


def _frame(sheet: Sheet, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*sheet.columns, ROW], dtype=object)


def merge(
    current: dict[str, pd.DataFrame], incoming: dict[str, pd.DataFrame], fiscal_year: int
) -> dict[str, pd.DataFrame]:
    """The configuration after importing `incoming` over `current` (nothing is deleted).

    Every sheet is the incoming rows, except that items absent from incoming are
    kept, retired from `fiscal_year` when they were in force, and the KPIs of
    fiscal years absent from incoming are kept unchanged. A sheet missing from
    `incoming` altogether is kept as it is (the rules of a workbook without a rules
    sheet). Kept rows carry no `_row` (None); incoming rows take the fields' defaults.
    """
    merged = {}
    for sheet in ALL_SHEETS:
        kept = _rows(sheet, current.get(sheet.key))
        for row in kept:
            row[ROW] = None
        if sheet.key not in incoming:
            merged[sheet.key] = _frame(sheet, kept)
            continue
        rows = _with_defaults(sheet, _rows(sheet, incoming[sheet.key]))
        if sheet is ITEMS:
            codes = {cell_text(r["code"]) for r in rows}
            kept = [r for r in kept if cell_text(r["code"]) not in codes]
            for row in kept:
                if row["retired_from_fy"] is None:
                    row["retired_from_fy"] = int(fiscal_year)
            rows += kept
        elif sheet is KPIS:
            years = {cell_text(r["fiscal_year"]) for r in rows}
            rows += [r for r in kept if cell_text(r["fiscal_year"]) not in years]
        merged[sheet.key] = _frame(sheet, rows)
    return merged


def _number(value: object) -> float | None:
    if isinstance(value, bool | int | float | np.number | np.bool_):
        return float(value)
    return None


def same(a: object, b: object, kind: str = "") -> bool:
    """True when two cells hold the same value as a person reads it.

    >>> same(5, 5.0), same(None, float("nan")), same("A,B", "B, A", "codes"), same(1, 2)
    (True, True, True, False)
    """
    a, b = _plain(a), _plain(b)
    if a is None or b is None:
        return a is None and b is None
    if kind == CODES:
        return sorted(set(re.split(r"[,;\s]+", str(a).strip()))) == sorted(
            set(re.split(r"[,;\s]+", str(b).strip()))
        )
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)
    return str(a).strip() == str(b).strip()


def row_key(sheet: Sheet, row: dict) -> str:
    """How a change names a row: its code, or 'fiscal year/code' for a KPI ('2569/KPI01')."""
    return "/".join(cell_text(row.get(k)) or "" for k in sheet.keys)


def _keyed(sheet: Sheet, frame: pd.DataFrame | None) -> dict[str, dict]:
    """{key: the row's fields} of a frame (the first row of a repeated key)."""
    out: dict[str, dict] = {}
    for row in _rows(sheet, frame):
        row.pop(ROW)
        out.setdefault(row_key(sheet, row), row)
    return out


def _sheet_changes(sheet: Sheet, old: dict[str, dict], new: dict[str, dict]) -> list[tuple]:
    """The change rows of one sheet: added, changed or retired (in merged order), removed."""
    if sheet is DEPLOYMENT and len(old) == 1 and len(new) == 1:
        old = {next(iter(new)): next(iter(old.values()))}  # a new scope changes the one row
    out = []
    for key, after in new.items():
        before = old.get(key)
        if before is None:
            out.append((sheet.key, key, "added", "", None, after))
            continue
        fields = [f.key for f in sheet.fields if not same(before[f.key], after[f.key], f.kind)]
        if not fields:
            continue
        retired = sheet is ITEMS and before["retired_from_fy"] is None
        retired = retired and after["retired_from_fy"] is not None
        change = "retired" if retired else "changed"
        out.append((sheet.key, key, change, ",".join(fields), before, after))
    out += [(sheet.key, k, "removed", "", row, None) for k, row in old.items() if k not in new]
    return out


def changes(current: dict[str, pd.DataFrame], merged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What applying `merged` over `current` changes, row by row (unchanged rows left out).

    Columns: sheet, key, change (added, changed, retired, removed), fields (the
    changed field keys, comma-separated), before and after (dicts, or None).
    """
    rows = []
    for sheet in ALL_SHEETS:
        old = _keyed(sheet, current.get(sheet.key))
        new = _keyed(sheet, merged.get(sheet.key))
        rows += _sheet_changes(sheet, old, new)
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS, dtype=object)
    return frame.astype({c: str for c in ["sheet", "key", "change", "fields"]})


def summary(changes: pd.DataFrame) -> pd.DataFrame:
    """How many rows of each sheet of SHEETS (and of an optional sheet with a change) are
    added, changed, retired and removed."""
    rows = []
    touched = set(changes["sheet"]) if len(changes) else set()
    for sheet in [*SHEETS, *(s for s in OPTIONAL_SHEETS if s.key in touched)]:
        mine = changes[changes["sheet"] == sheet.key] if len(changes) else changes
        counts = mine["change"].value_counts() if len(mine) else pd.Series(dtype="int64")
        rows.append([sheet.key, *(int(counts.get(kind, 0)) for kind in CHANGE_KINDS)])
    return pd.DataFrame(rows, columns=["sheet", *CHANGE_KINDS])

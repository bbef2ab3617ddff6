"""A column mapping applied to a file: the layout chosen, bad mappings, unread columns.

A :class:`~lib.ingest.layout.Layout` maps header texts (compared by
``header_key``) to roles; :func:`lib.ingest.header.find_header` gives a mapped
role precedence over the recognised one. This module chooses a saved layout by
the file's header (:func:`choose_layout`: the first whose mapped headers all
stand in one of the first 40 rows), reports a mapped header the file lacks
(``bad_mapping``, listing the headers present), warns once per header cell that
has no role but data below it (``unread_column``) and describes the header row
for the mapping step (:func:`header_columns`: position, label, role, recognised,
samples). Everything here is per column or per header row, never per data row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lib.ingest.header import (
    HEADER_SCAN_ROWS,
    LABEL_ITEM,
    LABEL_PERIOD,
    Header,
    column_roles,
    data_rows,
)
from lib.ingest.items import ItemLookup
from lib.ingest.layout import Layout
from lib.ingest.result import Problem, make_problem
from lib.ingest.text import column_letter, header_key
from lib.ingest.workbooks import Grid

SAMPLES = 3
_NUMBER = re.compile(r"[-+(]?[\d,]*\.?\d+\)?%?")


def mapped_roles(layout: Layout | None) -> dict[str, str]:
    """header key -> role of a layout's columns ({} without a layout)."""
    if layout is None:
        return {}
    return {k: role for text, role in layout.columns.items() if (k := header_key(text))}


def choose_layout(grids: Sequence[Grid], layouts: Sequence[Layout]) -> Layout | None:
    """The first layout whose mapped headers all stand in one row of a sheet's first 40 rows."""
    if not layouts:
        return None
    keys = [
        [{header_key(c) for c in row} for row in g.cells.iloc[:HEADER_SCAN_ROWS].values.tolist()]
        for g in grids
    ]
    for layout in layouts:
        if any(layout.matches(tuple(row)) for sheet in keys for row in sheet):
            return layout
    return None


def likeliest_row(rows: list[list[str]]) -> int | None:
    """The first row with two or more filled text (not number) cells: a header, most likely."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for c in row if c and not _NUMBER.fullmatch(c)) >= 2:
            return i
    return None


def bad_mapping(rows: list[list[str]], mapped: dict[str, str], layout: Layout) -> list[Problem]:
    """bad_mapping for each mapped header absent from the row holding most of them."""
    scan = rows[:HEADER_SCAN_ROWS]
    held = [len(mapped.keys() & {header_key(c) for c in row}) for row in scan]
    best = max(range(len(scan)), key=lambda i: held[i]) if scan and max(held) else None
    if best is None:
        best = likeliest_row(scan)
    present = [c for c in scan[best] if c] if best is not None else []
    keys = {header_key(c) for c in present}
    shown = ", ".join(present) or "-"
    return [
        make_problem(
            "bad_mapping",
            row=best + 1 if best is not None else None,
            value=text,
            th=f" (ไม่พบหัวคอลัมน์นี้ในไฟล์ หัวคอลัมน์ที่มี: {shown})",
            en=f" (no such header in the file; the headers are: {shown})",
        )
        for text in layout.columns
        if header_key(text) and header_key(text) not in keys
    ]


def _role_of(header: Header, j: int, items: ItemLookup) -> tuple[str, bool]:
    """(role, recognised) of a header's column j ("" when it has none)."""
    if j in header.column_roles:
        return header.column_roles[j]
    if j in header.data_columns:
        if header.form == "wide_items":
            code = items.resolve(header.labels[j])[0]
            return (f"item:{code}" if code else "", True)
        return ("value", True)  # a period column (or a month of a year x month grid)
    if j in header.roles.values():
        return (next(r for r, c in header.roles.items() if c == j), True)
    return ("", False)


def header_columns(grid: Grid, header: Header, items: ItemLookup) -> list[dict]:
    """One dict per column of the header used: position (0-based), label, role, recognised,
    samples (the first data cells)."""
    body = data_rows(grid.cells.iloc[: header.row + 1 + 40 * SAMPLES], header.row)
    out = []
    for j in range(max(len(header.texts), grid.cells.shape[1])):
        samples = body[j].iloc[:SAMPLES].tolist() if j in body.columns else []
        text = header.texts[j] if j < len(header.texts) else ""
        if not text and not any(samples):
            continue
        role, recognised = _role_of(header, j, items)
        out.append(
            {
                "position": j,
                "label": text or column_letter(j),
                "role": role,
                "recognised": recognised,
                "samples": samples,
            }
        )
    return out


def row_columns(grid: Grid, i: int, mapped: dict[str, str] | None = None) -> list[dict]:
    """The columns of a row that is not a whole header, for the mapping step: each with the
    role its words (or the mapping) give, "" for a header the user must name."""
    row = grid.cells.iloc[i].tolist()
    roles = column_roles(row, mapped)
    body = data_rows(grid.cells.iloc[: i + 1 + 40 * SAMPLES], i)
    return [
        {
            "position": j,
            "label": text or column_letter(j),
            "role": roles.get(j, ("", False))[0],
            "recognised": roles.get(j, ("", False))[1],
            "samples": body[j].iloc[:SAMPLES].tolist(),
        }
        for j, text in enumerate(row)
        if text or body[j].iloc[:SAMPLES].ne("").any()
    ]


def unread_columns(grid: Grid, header: Header) -> list[Problem]:
    """One unread_column warning per header cell with no role and data below it."""
    used = set(header.column_roles) | set(header.data_columns) | set(header.roles.values())
    body = None
    out = []
    for j, text in enumerate(header.texts):
        if not text or j in used or j >= grid.cells.shape[1]:
            continue
        if LABEL_ITEM.match(text) or LABEL_PERIOD.match(text):
            continue
        if body is None:
            body = data_rows(grid.cells, header.row)
        if (body[j] != "").any():
            out.append(make_problem("unread_column", row=header.row + 1, column=text, value=text))
    return out

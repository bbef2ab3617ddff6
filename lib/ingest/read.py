"""Reading agency uploads (CSV or XLSX, as Thai offices send them) and validating them.

One pure function, :func:`read_upload`, turns the bytes of a file into an
:class:`~lib.ingest.result.UploadResult`: the rows that are fit to load
(``clean``) and every problem found, each naming the row and column as the user
sees them in Excel (1-based row, header text or column letter), the value and
the reason in Thai and English. Nothing here writes anywhere; the caller
decides what to commit (nothing, unless the user explicitly chooses the clean
rows only).

The steps, each with its rules in its module's docstring: :mod:`~lib.ingest.files`
(bytes to a grid of text cells), :mod:`~lib.ingest.header` (the header row and
the form), :mod:`~lib.ingest.mapping` (a layout's column roles),
:mod:`~lib.ingest.sheets` (several sheets, a sheet's period),
:mod:`~lib.ingest.forms` (long and wide sheets to cells),
:mod:`~lib.ingest.validate` (items, :mod:`~lib.ingest.areas`,
:mod:`~lib.ingest.periods`, :mod:`~lib.ingest.values`, duplicates) and
:mod:`~lib.ingest.result` (problem codes and messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from lib.core import limits as upload_limits
from lib.core import settings
from lib.core import thaicalendar as tc
from lib.core.i18n import check_lang
from lib.core.limits import Limits
from lib.ingest.areas import AreaLookup
from lib.ingest.files import all_blank, read_csv_grid
from lib.ingest.forms import long_cells, wide_cells, wide_header_problems
from lib.ingest.guards import check_file_size
from lib.ingest.header import (
    AREA_ROLES,
    HEADER_SCAN_ROWS,
    Header,
    data_rows,
    extra_fields,
    find_header,
)
from lib.ingest.items import ItemLookup
from lib.ingest.jsondoc import is_json, json_as_csv
from lib.ingest.layout import Layout
from lib.ingest.lookups import lookups_for
from lib.ingest.mapping import (
    bad_mapping,
    choose_layout,
    header_columns,
    likeliest_row,
    mapped_roles,
    row_columns,
    unread_columns,
)
from lib.ingest.result import (
    CLEAN_COLUMNS,
    FileProblem,
    Problem,
    UploadResult,
    collect_problems,
    make_problem,
)
from lib.ingest.sheets import (
    base_year_problems,
    combined,
    labelled_found,
    labelled_problems,
    placed_period,
    sheet_label,
    sheet_period,
    title_area,
    with_area_column,
    yymm_periods,
)
from lib.ingest.text import clean_text, column_letter, header_key
from lib.ingest.validate import validate
from lib.ingest.workbooks import (
    Grid,
    chosen_sheets,
    read_workbook_grids,
    sheet_names,
    workbook_kind,
)

MAX_PROBLEMS = 10_000
_NO_HEADER_TH = " (ต้องมีคอลัมน์ พื้นที่ และ ค่า หรือคอลัมน์งวด/รหัสรายการ ในแบบตารางกว้าง)"
_NO_HEADER_EN = " (need area and value columns, or period/item columns in a wide sheet)"


class _NoTable(FileProblem):
    """No table to read: the problems, and the likeliest header row for the mapping step."""

    def __init__(self, problems: list[Problem], grid: Grid | None, columns=(), signature=()):
        super().__init__(problems[0], **(grid.meta() if grid else {}))
        self.problems = problems
        self.columns = list(columns)
        self.signature = tuple(signature)

    def meta(self) -> dict:
        """FileProblem's meta, and the likeliest header row's columns and signature."""
        return {**super().meta(), "columns": self.columns, "signature": self.signature}


def read_upload(
    data: bytes,
    file_name: str,
    items: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    item_code: str | None = None,
    period: str | None = None,
    as_of: date | None = None,
    lang: str = "th",
    max_rows: int | None = None,
    max_problems: int = MAX_PROBLEMS,
    limits: Limits | None = None,
    confirm_old_years: bool = False,
    layout: Layout | None = None,
    layouts: Sequence[Layout] = (),
    members: pd.DataFrame | None = None,
) -> UploadResult:
    """Read and validate an uploaded CSV, XLSX, XLS or ODS file (rules: the package's modules).

    items: the catalogue (code, frequency, area_level, valid_min, valid_max, unit_th...);
    areas: provinces and districts (code, level, name_th, name_en, parent_code);
    item_code / period: the chosen item (wide_periods) or period (wide_items), also used
    for empty item or period cells of a long sheet; as_of: settings.today() unless given;
    limits: lib.core.limits.current() unless given (max_rows replaces its rows);
    confirm_old_years: old periods are a warning, not an error (validate's oldest);
    layout: the column roles, sheets and period rule to read with; else the first of
    layouts whose mapped headers stand in one of the first 40 rows (result.layout_name);
    members: the provinces of each region and cluster (scheme, group_code, province_code),
    against which a region's total row is checked.
    """
    as_of = tc._check_date(as_of if as_of is not None else settings.today(), "as_of")
    check_lang(lang)
    lim = (limits or upload_limits.current()).with_rows(max_rows)
    item_index, area_index = lookups_for(items, areas, members)  # built once per content
    try:
        grids = _grids(data, file_name, lim, item_index, layout)
    except FileProblem as exc:
        return _failed([exc.problem], lang, **exc.meta())
    if layout is None:
        layout = choose_layout(grids, layouts)
    book = {"sheets": _all_sheets(data, file_name, lim, grids, layout)}
    book["layout_name"] = (layout.name or None) if layout is not None else None
    try:
        tables, notes = _tables(grids, layout, (item_index, area_index), lim)
    except FileProblem as exc:
        return _failed(getattr(exc, "problems", [exc.problem]), lang, **exc.meta(), **book)
    job = _Job(
        items=item_index,
        areas=area_index,
        item_arg=_arg(item_code),
        period_arg=_arg(period),
        rule=layout.period_rule if layout is not None else "",
        as_of=as_of,
        oldest=(date(lim.confirm_years_before - tc.BE_OFFSET, 1, 1), confirm_old_years),
        max_problems=max_problems,
        lang=lang,
    )
    read_as = {**_read_as(tables, item_index), **book}
    return _read_tables(tables, notes, job, read_as)


def _read_as(tables: list[tuple[Grid, Header]], items: ItemLookup) -> dict:
    """How the file was read (UploadResult's fields): the first table's header and form."""
    grid, header = tables[0]
    return {
        "form": header.form,
        "header_row": header.row + 1,
        **grid.meta(),
        "sheets_read": [g.sheet for g, _ in tables if g.sheet],
        "columns": header_columns(grid, header, items),
        "signature": header.signature(),
    }


def _arg(text: str | None) -> str | None:
    """A chosen item or period as text (None when not chosen or blank)."""
    return clean_text(text) or None if text is not None else None


@dataclass(frozen=True)
class _Job:
    """What reading the tables of one upload needs besides the tables."""

    items: ItemLookup
    areas: AreaLookup
    item_arg: str | None
    period_arg: str | None
    rule: str
    as_of: date
    oldest: tuple[date, bool]
    max_problems: int
    lang: str


def _read_tables(
    tables: list[tuple[Grid, Header]], notes: list[Problem], job: _Job, read_as: dict
) -> UploadResult:
    """Cells of every table, validated together, and the result."""
    many = len(tables) > 1
    parts, problems, reading, texts, rows_read = [], list(notes), [], [], 0
    for grid, header in tables:
        sheet = grid.sheet if many else None
        cells, found, item_text, period_text = _table_cells(grid, header, job)
        problems += labelled_problems(found, sheet)
        if cells is None:
            continue
        parts.append((cells, sheet))
        reading.append((sheet, [labelled_found(f, sheet) for f in _reading(grid, header)]))
        texts.append((item_text, period_text))
        rows_read += _count_distinct(cells.frame["row"].to_numpy(dtype=np.int64))
    if not parts:
        return _failed(problems, job.lang, **read_as)
    cells = combined(parts)
    form = "long" if any(h.form == "long" for _, h in tables) else tables[0][1].form
    clean, found, counts = validate(cells, job.items, job.areas, job.as_of, form, job.oldest)
    found = list(found)
    clean = _without_rows(clean, reading)
    found += [f for _, frames in reading for f in frames]
    listed, total = collect_problems(problems, found, job.max_problems)
    item_text, period_text = texts[0]
    return UploadResult(
        clean=clean,
        problems=listed,
        rows_read=rows_read,
        problem_count=total,
        lang=job.lang,
        item_code=job.items.resolve(item_text)[0] if item_text else None,
        period_text=period_text,
        blank_rows=int(counts.get("blank_rows", 0)),
        set_aside=int(counts.get("set_aside", 0)),
        **read_as,
    )


def _table_cells(grid: Grid, header: Header, job: _Job) -> tuple:
    """(cells or None, problems, item text, period text) of one sheet's table."""
    where = None if job.period_arg else sheet_period(grid, header, job.rule)
    period_arg = job.period_arg or (where[0] if where else None)
    item_text = period_text = None
    if header.form == "long":
        cells, problems = long_cells(grid.cells, header, job.item_arg, period_arg)
    else:
        cells, problems, item_text, period_text = wide_cells(
            grid.cells, header, job.items, job.item_arg, period_arg
        )
        problems += wide_header_problems(header, job.items, item_text)
    if cells is not None:
        if where is not None:
            cells = placed_period(cells, where)
        if job.rule == "yymm":
            cells = yymm_periods(cells)
        problems += base_year_problems(grid, header, cells, job.items)
        problems += unread_columns(grid, header)
    return cells, problems, item_text, period_text


def _failed(problems: list[Problem], lang: str, **read_as) -> UploadResult:
    """A result with no clean rows: the file, or what names its item or period, failed."""
    fields = {"form": None, "encoding": None, "delimiter": None, **read_as}
    return UploadResult(
        clean=pd.DataFrame(columns=CLEAN_COLUMNS),
        problems=problems,
        problem_count=len(problems),
        lang=lang,
        **fields,
    )


def _reading(grid: Grid, header: Header) -> list[pd.DataFrame]:
    """Problems of single rows found while reading (quoting, extra fields), by header text."""
    return [_labelled(f, header) for f in (*grid.found, extra_fields(grid.cells, header))]


def _labelled(found: pd.DataFrame, header: Header) -> pd.DataFrame:
    """Problems found while reading, their column letters replaced by the header's text."""
    label = {column_letter(j): text for j, text in enumerate(header.labels)}
    return found.assign(column=found["column"].map(lambda c: label.get(c, c)))


def _without_rows(clean: pd.DataFrame, reading: list[tuple[str | None, list]]) -> pd.DataFrame:
    """The clean rows but those of a sheet's rows with a problem found while reading."""
    drop = np.zeros(len(clean), dtype=bool)
    source = clean["source_row"].to_numpy(dtype=np.int64)
    for sheet, found in reading:
        rows = np.unique(np.concatenate([f["row"].to_numpy(dtype=np.int64) for f in found]))
        if not len(rows):
            continue
        hit = np.isin(source, rows)
        if sheet is not None:
            hit &= clean["source_column"].str.startswith(sheet_label(sheet, "")).to_numpy(bool)
        drop |= hit
    return clean[~drop].reset_index(drop=True) if drop.any() else clean


def _grids(
    data: bytes, file_name: str, lim: Limits, items: ItemLookup, layout: Layout | None
) -> list[Grid]:
    """Every grid of the file (a forced layout's sheets only); FileProblem if it fails."""
    check_file_size(len(data), lim)
    if not data or not data.strip(b" \t\r\n\x00"):
        raise FileProblem(make_problem("empty_file"))
    if is_json(data, file_name):  # a feed's JSON document: its records read as a CSV table
        data, file_name = json_as_csv(data), f"{file_name}.csv"
    if workbook_kind(data, file_name) is None:
        grids = [read_csv_grid(data, lim, items)]
    else:
        wanted = layout.sheets if layout is not None and not layout.all_sheets else ()
        grids = read_workbook_grids(data, file_name, lim, sheets=tuple(wanted))
    if not grids or all(all_blank(g.cells) for g in grids):
        raise FileProblem(make_problem("empty_file"), **(grids[0].meta() if grids else {}))
    return grids


def _all_sheets(
    data: bytes, file_name: str, lim: Limits, grids: list[Grid], layout: Layout | None
) -> list[str]:
    """Every sheet of a workbook, also when a layout read only some ([] for a CSV file)."""
    if grids[0].sheet is None:
        return []
    if layout is not None and layout.sheets and not layout.all_sheets:
        return sheet_names(data, file_name, lim)
    return [g.sheet for g in grids if g.sheet]


def _head(grid: Grid) -> list[list[str]]:
    """The first rows of a grid, where the header is sought."""
    return grid.cells.iloc[:HEADER_SCAN_ROWS].values.tolist()


def _chosen(grids: list[Grid], layout: Layout | None) -> tuple[list[Grid], bool]:
    """(the grids to read, whether every one is read); unknown_sheet for a sheet not there."""
    if layout is None or not (layout.sheets or layout.all_sheets) or grids[0].sheet is None:
        return grids, False
    if not layout.sheets:
        return grids, True
    by_name = {g.sheet: g for g in grids}
    try:
        names = chosen_sheets(list(by_name), layout.sheets)
    except FileProblem as exc:
        raise _NoTable([exc.problem], grids[0]) from None
    return [by_name[s] for s in names], True


def _tables(
    grids: list[Grid], layout: Layout | None, lookups: tuple[ItemLookup, AreaLookup], lim: Limits
) -> tuple[list[tuple[Grid, Header]], list[Problem]]:
    """(grid, header) of each sheet to read, and warnings of sheets left out (all_sheets).

    Without a sheet choice the first sheet with a header is read; a sheet named in the
    layout must hold one (else the whole upload fails); with all_sheets a sheet without
    one is left out with a warning.
    """
    mapped = mapped_roles(layout)
    chosen, every = _chosen(grids, layout)
    named = every and bool(layout.sheets)
    tables, notes = [], []
    for grid in chosen:
        if all_blank(grid.cells):
            continue
        header = find_header(_head(grid), lookups[0], mapped)
        grid, header = _with_area(grid, header, lookups, mapped)
        if header is None:
            if named:
                raise _missing([grid], mapped, layout, grid.sheet)
            if every:
                notes.append(_skipped(grid))
            continue
        if data_rows(grid.cells, header.row).empty:
            problem = make_problem("no_data_rows", row=header.row + 1)
            if not every:
                raise FileProblem(problem, **grid.meta())
            if named:
                raise _NoTable(labelled_problems([problem], grid.sheet), grid)
            notes.append(_skipped(grid))
            continue
        tables.append((grid, header))
        if not every:
            break
    if not tables:
        raise _missing(chosen, mapped, layout, None)
    body = sum(len(g.cells) - h.row - 1 for g, h in tables)
    if body > lim.rows:
        raise FileProblem(make_problem("too_many_rows", value=f"{lim.rows:,}"), **grid.meta())
    return tables, notes


def _with_area(grid: Grid, header: Header | None, lookups, mapped=None) -> tuple:
    """(grid, header) of a table; one without an area column (a year x month grid of one
    province) gets the province its title names as a column, else no header at all."""
    if header is None or AREA_ROLES & header.roles.keys():
        return grid, header
    area = title_area(grid, header, lookups[1])
    if area is None:
        return grid, None
    grid = with_area_column(grid, header, area)
    return grid, find_header(_head(grid), lookups[0], mapped)


def _skipped(grid: Grid) -> Problem:
    """The warning for a sheet left out of all_sheets (no header or no data rows)."""
    name = grid.sheet or ""
    problem = make_problem(
        "missing_header", th=f" (ชีต {name} ไม่ได้อ่าน)", en=f" (sheet {name} not read)"
    )
    return replace(problem, column=sheet_label(name, ""), severity="warning")


def _missing(
    grids: list[Grid], mapped: dict[str, str], layout: Layout | None, sheet: str | None
) -> _NoTable:
    """bad_mapping (a mapped header not in the file) or missing_header, with the likeliest
    header row's columns so that the mapping step can offer role pickers."""
    grid = next((g for g in grids if not all_blank(g.cells)), grids[0])
    rows = _head(grid)
    whole = {k for k in mapped if k}
    held = any(whole <= {header_key(c) for c in row} for g in grids for row in _head(g))
    if mapped and not held:
        problems = bad_mapping(rows, mapped, layout)
    else:
        problems = [make_problem("missing_header", th=_NO_HEADER_TH, en=_NO_HEADER_EN)]
    i = likeliest_row(rows)
    columns = row_columns(grid, i, mapped) if i is not None else []
    signature = tuple(k for k in map(header_key, rows[i]) if k) if i is not None else ()
    return _NoTable(labelled_problems(problems, sheet), grid, columns, signature)


def _count_distinct(rows: np.ndarray) -> int:
    """Number of distinct rows (a long sheet's rows are already increasing)."""
    if len(rows) < 2 or bool((rows[1:] > rows[:-1]).all()):
        return len(rows)
    return int(pd.Series(rows).nunique())

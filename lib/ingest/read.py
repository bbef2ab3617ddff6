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
the form), :mod:`~lib.ingest.forms` (long and wide sheets to cells),
:mod:`~lib.ingest.validate` (items, :mod:`~lib.ingest.areas`,
:mod:`~lib.ingest.periods`, :mod:`~lib.ingest.values`, duplicates) and
:mod:`~lib.ingest.result` (problem codes and messages).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lib.core import limits as upload_limits
from lib.core import settings
from lib.core import thaicalendar as tc
from lib.core.i18n import check_lang
from lib.core.limits import Limits
from lib.ingest.areas import AreaLookup
from lib.ingest.files import Grid, all_blank, is_xlsx, read_csv_grid, read_xlsx_grids
from lib.ingest.forms import long_cells, wide_cells, wide_header_problems
from lib.ingest.guards import check_file_size
from lib.ingest.header import HEADER_SCAN_ROWS, Header, data_rows, extra_fields, find_header
from lib.ingest.items import ItemLookup
from lib.ingest.result import (
    CLEAN_COLUMNS,
    FileProblem,
    Problem,
    UploadResult,
    collect_problems,
    make_problem,
)
from lib.ingest.text import clean_text, column_letter
from lib.ingest.validate import validate

MAX_PROBLEMS = 10_000


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
) -> UploadResult:
    """Read and validate an uploaded CSV or XLSX file (see the package's modules for the rules).

    items: the catalogue (code, frequency, area_level, valid_min, valid_max, unit_th...);
    areas: provinces and districts (code, level, name_th, name_en, parent_code);
    item_code / period: the chosen item (wide_periods) or period (wide_items), also used
    for empty item or period cells of a long sheet; as_of: settings.today() unless given;
    limits: lib.core.limits.current() unless given (max_rows replaces its rows);
    confirm_old_years: old periods are a warning, not an error (validate's oldest).
    """
    as_of = tc._check_date(as_of if as_of is not None else settings.today(), "as_of")
    check_lang(lang)
    lim = (limits or upload_limits.current()).with_rows(max_rows)
    item_index, area_index = ItemLookup(items), AreaLookup(areas)
    item_code = clean_text(item_code) or None if item_code is not None else None
    period = clean_text(period) or None if period is not None else None
    try:
        grid, header = _sheet(data, file_name, lim, item_index)
    except FileProblem as exc:
        return _failed([exc.problem], lang, **exc.meta())

    item_text = period_text = None
    if header.form == "long":
        cells, problems = long_cells(grid.cells, header, item_code, period)
    else:
        cells, problems, item_text, period_text = wide_cells(
            grid.cells, header, item_index, item_code, period
        )
        problems += wide_header_problems(header, item_index, item_text)
    read_as = {"form": header.form, "header_row": header.row + 1, **grid.meta()}
    if cells is None:
        return _failed(problems, lang, **read_as)
    oldest = (date(lim.confirm_years_before - tc.BE_OFFSET, 1, 1), confirm_old_years)
    clean, found = validate(cells, item_index, area_index, as_of, header.form, oldest)
    clean, found = _with_reading_problems(clean, found, grid, header)
    listed, total = collect_problems(problems, found, max_problems)
    return UploadResult(
        clean=clean,
        problems=listed,
        rows_read=_count_distinct(cells.frame["row"].to_numpy(dtype=np.int64)),
        problem_count=total,
        lang=lang,
        item_code=item_index.resolve(item_text)[0] if item_text else None,
        period_text=period_text,
        **read_as,
    )


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


def _with_reading_problems(
    clean: pd.DataFrame, found: list[pd.DataFrame], grid: Grid, header: Header
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Clean rows without the rows of quoting and extra-field problems; all problems."""
    rows = [_labelled(f, header) for f in (*grid.found, extra_fields(grid.cells, header))]
    return _without_rows(clean, rows), found + rows


def _labelled(found: pd.DataFrame, header: Header) -> pd.DataFrame:
    """Problems found while reading, their column letters replaced by the header's text."""
    label = {column_letter(j): text for j, text in enumerate(header.labels)}
    return found.assign(column=found["column"].map(lambda c: label.get(c, c)))


def _without_rows(clean: pd.DataFrame, found: list[pd.DataFrame]) -> pd.DataFrame:
    """The clean rows but those of the rows with a problem found while reading."""
    rows = np.unique(np.concatenate([f["row"].to_numpy(dtype=np.int64) for f in found]))
    if not len(rows):
        return clean
    keep = ~np.isin(clean["source_row"].to_numpy(dtype=np.int64), rows)
    return clean[keep].reset_index(drop=True)


def _sheet(data: bytes, file_name: str, lim: Limits, items: ItemLookup) -> tuple[Grid, Header]:
    """The grid holding the table and its header; FileProblem when the file as a whole fails."""
    check_file_size(len(data), lim)
    if not data or not data.strip(b" \t\r\n\x00"):
        raise FileProblem(make_problem("empty_file"))
    if data[:4] == b"\xd0\xcf\x11\xe0":  # old binary .xls (OLE2)
        raise FileProblem(
            make_problem(
                "unreadable_file",
                th=" (ไฟล์ .xls แบบเก่า กรุณาบันทึกเป็น .xlsx หรือ CSV)",
                en=" (old .xls format: save it as .xlsx or CSV)",
            )
        )
    if is_xlsx(data, file_name):
        grids = read_xlsx_grids(data, lim)
    else:
        grids = [read_csv_grid(data, lim, items)]
    if not grids or all(all_blank(g.cells) for g in grids):
        raise FileProblem(make_problem("empty_file"), **(grids[0].meta() if grids else {}))
    for grid in grids:
        header = find_header(grid.cells.iloc[:HEADER_SCAN_ROWS].values.tolist(), items)
        if header is not None:
            break
    else:
        raise FileProblem(
            make_problem(
                "missing_header",
                th=" (ต้องมีคอลัมน์ พื้นที่ และ ค่า หรือคอลัมน์งวด/รหัสรายการ ในแบบตารางกว้าง)",
                en=" (need area and value columns, or period/item columns in a wide sheet)",
            ),
            **grids[0].meta(),
        )
    if len(grid.cells) - header.row - 1 > lim.rows:
        raise FileProblem(make_problem("too_many_rows", value=f"{lim.rows:,}"), **grid.meta())
    if data_rows(grid.cells, header.row).empty:
        raise FileProblem(make_problem("no_data_rows", row=header.row + 1), **grid.meta())
    return grid, header


def _count_distinct(rows: np.ndarray) -> int:
    """Number of distinct rows (a long sheet's rows are already increasing)."""
    if len(rows) < 2 or bool((rows[1:] > rows[:-1]).all()):
        return len(rows)
    return int(pd.Series(rows).nunique())

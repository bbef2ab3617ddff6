"""Provenance of a value: every version a cell has held, and what changed between two days.

`versions` answers "where did this number come from": each version of one cell
(item, area, period) with its value, status, batch and file, who sent and who
verified or rejected it and when, when it was in force, which batch replaced
it (an upload, a verification, an undo) and whether its own batch was undone.
`changes_between` answers "why is it different now": the cells whose version
in force at the end of one day differs from the one in force at the end of
another, with the batches (and their files) that changed them in between.
The period is read as an upload reads it (Buddhist Era forms accepted); an
unknown item, area or period is an InputError with the reason in Thai first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from numbers import Integral

import pandas as pd

from lib.core.i18n import InputError
from lib.ingest.periods import parse_period_key
from lib.ingest.result import make_problem
from lib.store import Store
from lib.store.rules import end_of_day

VERSION_COLUMNS = [
    "version",
    "value",
    "status",
    "batch_id",
    "batch_kind",
    "file_name",
    "submitted_by",
    "submitted_at",
    "verified_by",
    "verified_at",
    "note",
    "in_force_from",
    "in_force_until",
    "replaced_by_batch",
    "replaced_by_kind",
    "undone",
    "current",
    # what else a reader of the undo chain needs
    "undone_by",
    "undone_at",
    "replaced_by",
    "replaced_by_file",
    "made_by_batch",
    "made_by_kind",
]
CHANGE_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "value_then",
    "value_now",
    "batches",
    "files",
    # the kind of each batch (upload, verify, undo), the statuses and the period's last day
    "kinds",
    "status_then",
    "status_now",
    "period_end",
]


def _item(store: Store, item_code: str) -> dict:
    """The catalogue row of an item code; InputError when there is none."""
    code = str(item_code or "").strip().upper()
    catalog = store.catalog()
    found = catalog[catalog["code"] == code]
    if found.empty:
        raise InputError(
            f"ไม่พบรายการข้อมูลรหัส '{item_code}' (ดูรหัสด้วย `python -m lib catalog`)",
            f"no item with code '{item_code}' (see the codes with `python -m lib catalog`)",
        )
    return found.iloc[0].to_dict()


def _area_codes(store: Store, area_codes: Iterable[str]) -> list[str]:
    """The area codes as given (stripped); InputError naming the first unknown one."""
    known = set(store.areas()["code"])
    codes = [str(code or "").strip() for code in area_codes]
    for code in codes:
        if code not in known:
            raise InputError(
                f"ไม่พบพื้นที่รหัส '{code}' (ใช้รหัสพื้นที่ของกรมการปกครอง เช่น 21 = ระยอง)",
                f"no area with code '{code}' (use the DOPA area code, e.g. 21 = Rayong)",
            )
    return codes


def period_code(period_text: str, item: dict) -> str:
    """The period code of a period written any way an upload reads it, for the item's
    frequency (lib.ingest normalise_period's reading); InputError with the reason.

    >>> period_code("ก.ค. 2569", {"frequency": "monthly"})
    '2026-07'
    """
    crop_year = "end" if item.get("crop_year") == "end" else "start"
    text = str(period_text or "").strip()
    code, _end, problem, th, en, blank = parse_period_key(text, item["frequency"], crop_year)
    if code is not None:
        return code
    found = make_problem("missing_period" if blank else problem, value=text, th=th, en=en)
    raise InputError(found.message_th, found.message_en)


def cell_key(store: Store, item_code: str, area_code: str, period_text: str) -> tuple:
    """(item code, area code, period code) of a cell as a person names it; InputError (Thai
    first) for an unknown item or area or a period the item's frequency cannot read."""
    item = _item(store, item_code)
    (area,) = _area_codes(store, [area_code])
    return item["code"], area, period_code(period_text, item)


def versions(store: Store, item_code: str, area_code: str, period_text: str) -> pd.DataFrame:
    """Every version of one cell, oldest first (version 1), with VERSION_COLUMNS.

    in_force_until is NaT for the version in force now (current); undone says its
    batch was undone; replaced_by_kind says what replaced it (upload, verify, undo).
    A cell that never held a value has no rows.
    """
    item, area, period = cell_key(store, item_code, area_code, period_text)
    frame = store.cell_versions(item, area, period)
    return frame[VERSION_COLUMNS].reset_index(drop=True)


def _day(value, name_th: str, name_en: str) -> date:
    """A date (a datetime counts as its day); InputError for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise InputError(f"{name_th}ต้องเป็นวันที่: {value!r}", f"{name_en} must be a date: {value!r}")


def changes_between(
    store: Store,
    item_codes: Iterable[str],
    area_codes: Iterable[str],
    then: date,
    now: date,
) -> pd.DataFrame:
    """The cells of the items x areas whose version in force at the end of `then` differs
    from the one in force at the end of `now` ("then and now"), with CHANGE_COLUMNS.

    A cell differs when its value does, when it is present on one day only, or when
    it is rejected on one day only. batches/files/kinds list, in order, the batches
    that acted on it in between (an upload, a verification, an undo) and their file
    names (None for a batch without a file). InputError for an unknown item or
    area, or when `then` is after `now`.
    """
    then, now = _day(then, "วันก่อนหน้า", "then"), _day(now, "วันปัจจุบัน", "now")
    if then > now:
        raise InputError(
            f"วันก่อนหน้า ({then.isoformat()}) อยู่หลังวันที่เทียบ ({now.isoformat()})",
            f"then ({then.isoformat()}) is after now ({now.isoformat()})",
        )
    items = [_item(store, code)["code"] for code in item_codes]
    areas = _area_codes(store, area_codes)
    frame = store.changed_cells(items, areas, end_of_day(then), end_of_day(now))
    for column in ("batches", "files", "kinds"):
        frame[column] = [_as_list(v) for v in frame[column]]
    for column in ("status_then", "status_now"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame[CHANGE_COLUMNS].reset_index(drop=True)


def _as_list(value) -> list:
    """A list column's cell as a plain list (ints as int, missing as None)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [_plain(v) for v in value]


def _plain(value):
    """A value of a list cell as Python: int for an integer, None for a missing one."""
    if value is None or value != value:
        return None
    return int(value) if isinstance(value, Integral) else value

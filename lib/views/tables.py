"""Tables as users read them: Thai (or English) headers and words, Buddhist-era periods and dates.

Every table of the Upload, Verify, Administration and overview pages goes
through `display_table`: column keys become the headers of
lib.core.labels.COLUMN_LABELS, status, kind, severity, change, role and action
codes become words (lib.core.labels.CELL_LABELS), periods and times read the
Thai way (lib.core.thaicalendar), and problem codes are replaced by their
messages (lib.ingest.result.PROBLEM_CODES, through each Problem). Empty cells
stay empty (missing), for the page to draw blank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd

from lib.core import labels
from lib.core import thaicalendar as tc
from lib.core.i18n import check_lang
from lib.core.numbers import is_missing

# The columns of a file's problems, in the order a user reads them (no code: its message).
PROBLEM_COLUMNS = ("row", "column", "value", "severity", "message")
# Columns of true/false flags, shown as yes / no words whatever their dtype.
FLAG_COLUMNS = ("jump", "is_active")


def period_text(period: object, frequency: str | None, lang: str) -> object:
    """A period's display name (Buddhist year in Thai); unknown or unreadable stays as it is.

    >>> period_text("2026-Q3", "quarterly", "th"), period_text("2026-Q3", "quarterly", "en")
    ('ไตรมาส 3/2569', 'Q3 2026')
    >>> period_text("2026-Q3", None, "th"), period_text(None, "monthly", "th")
    ('2026-Q3', None)
    """
    if not isinstance(period, str) or frequency is None:
        return period
    try:
        return tc.thai_period_label(period, frequency, lang)
    except ValueError:  # a period of another frequency: show what is stored
        return period


def time_text(moment: object, lang: str) -> object:
    """A date or time the Thai way (Buddhist year); missing stays missing.

    >>> time_text(datetime(2026, 11, 22, 9, 5, 7), "th"), time_text(date(2026, 11, 22), "en")
    ('22 พ.ย. 2569 09:05:07', '22 Nov 2026')
    >>> time_text(pd.NaT, "th") is None
    True
    """
    if is_missing(moment) or moment is pd.NaT:
        return None
    if isinstance(moment, datetime):  # pandas.Timestamp too
        return f"{tc.thai_date(moment.date(), lang)} {moment:%H:%M:%S}"
    if isinstance(moment, date):
        return tc.thai_date(moment, lang)
    return moment


def _is_time_column(series: pd.Series) -> bool:
    """True for datetime columns and object columns holding dates."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if series.dtype != object:
        return False
    present = series.dropna()
    return not present.empty and all(isinstance(v, date) for v in present.head(20))


def display_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    *,
    frequencies: Mapping[str, str] | None = None,
    area_names: Mapping[str, str] | None = None,
    item_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The chosen columns, in order, as a user reads them in `lang`.

    `frequencies` (item code -> frequency) turns the `period` column into its
    display name by each row's `item_code`; `area_names` (area code -> name)
    adds an area-name column after `area_code`, `item_names` an item-name column
    after `item_code`. Flags (`jump`, true/false columns) read yes or no.
    Missing cells stay missing.

    >>> batches = pd.DataFrame({"batch_id": [7], "kind": ["upload"], "status": ["undone"],
    ...                         "n_changed": [2], "note": [None]})
    >>> shown = display_table(batches, ["batch_id", "kind", "status", "n_changed", "note"], "th")
    >>> shown.iloc[0].to_dict()
    {'ชุดที่': 7, 'ประเภท': 'นำเข้า', 'สถานะ': 'ยกเลิกแล้ว', 'เปลี่ยนแปลง': 2, 'หมายเหตุ': None}
    """
    check_lang(lang)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"no column {missing} in the table; it has {list(frame.columns)}")
    out = frame[list(columns)].copy()
    if item_names is not None and "item_code" in out.columns and "item_name" not in out.columns:
        where = out.columns.get_loc("item_code") + 1
        out.insert(where, "item_name", out["item_code"].map(item_names))
    if area_names is not None and "area_code" in out.columns:
        where = out.columns.get_loc("area_code") + 1
        out.insert(where, "area_name", out["area_code"].map(area_names))
    if frequencies is not None and {"period", "item_code"} <= set(frame.columns):
        out["period"] = [
            period_text(p, frequencies.get(item), lang)
            for p, item in zip(frame["period"], frame["item_code"], strict=True)
        ]
    for col in out.columns:
        if col in labels.CELL_LABELS:
            out[col] = out[col].map(lambda code, c=col: labels.cell_label(c, code, lang))
        elif col in FLAG_COLUMNS or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(lambda flag: labels.yes_no(flag, lang)).astype(object)
        elif _is_time_column(out[col]):
            out[col] = out[col].map(lambda m: time_text(m, lang)).astype(object)
    out.columns = [labels.column_label(c, lang) for c in out.columns]
    return out


def problems_table(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A file's problems (UploadResult.problems_frame), errors first: row, column, value, reason.

    >>> found = pd.DataFrame({"row": [2, 3], "column": ["ค่า", "งวด"], "value": ["", "x"],
    ...                       "severity": ["warning", "error"], "message": ["ว่าง", "ผิด"]})
    >>> problems_table(found, "th")["แถว"].tolist()
    [3, 2]
    """
    ordered = problems.sort_values("severity", key=lambda s: s != "error", kind="stable")
    return display_table(ordered, PROBLEM_COLUMNS, lang)

"""What is due: the coverage window and, per item, the periods due at an as-of date.

The one rule of "due" (SPEC section 4): a period is due once its end plus the
item's release lag is on or before as_of (lib.core.thaicalendar.latest_due_period).
`due_limit` turns it into the last period end due at as_of; the required cells
(`item_requirements`) and the present cells counted by the store
(`Store.coverage_facts`, given `due_limits`) both compare with that limit.
The periods expected of a frequency are those of `tc.periods_between`: a
biennial item is expected in even Buddhist years only, so an odd year is never
required nor overdue, and its due limit is the latest survey year due.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError
from lib.core.settings import WINDOW_YEARS_BEFORE
from lib.engine.checks import check_columns


def window_years(fiscal_year: int, years_before: int = WINDOW_YEARS_BEFORE) -> tuple[int, ...]:
    """The fiscal years of the coverage window ending with fiscal_year.

    >>> window_years(2568)
    (2565, 2566, 2567, 2568)
    """
    fy = tc.normalise_year(fiscal_year)
    if years_before < 0:
        raise ValueError(f"years_before must be >= 0, got {years_before}")
    return tuple(range(fy - years_before, fy + 1))


def window_bounds(fiscal_years: Sequence[int], as_of: date, end: date | None = None):
    """(first day, last day) of the window: the last day is capped at end and as_of.

    >>> window_bounds((2567, 2568), date(2025, 3, 1))
    (datetime.date(2023, 10, 1), datetime.date(2025, 3, 1))
    """
    if not fiscal_years:
        raise ValueError("the window needs at least one fiscal year")
    first = tc.fiscal_year_bounds(min(fiscal_years))[0]
    last = tc.fiscal_year_bounds(max(fiscal_years))[1]
    last = min(last, as_of, end or last)
    if last < first:
        raise ValueError(f"as-of {as_of} is before the window, which starts on {first}")
    return first, last


def due_dates(period_ends: pd.Series, release_lag_days: pd.Series) -> pd.Series:
    """The day each period is due: its end plus the item's release lag (tc.due_date, vectorised).

    >>> due_dates(pd.Series([date(2024, 12, 31)]), pd.Series([45])).dt.date.tolist()
    [datetime.date(2025, 2, 14)]
    """
    lag = pd.to_timedelta(release_lag_days.astype("int64"), unit="D")
    return pd.to_datetime(period_ends) + lag


def due_limit(frequency: str, release_lag_days: int, as_of: date) -> date | None:
    """The last period end that is due at as_of (None when no period is).

    >>> due_limit("monthly", 45, date(2025, 2, 14)), due_limit("monthly", 45, date(2025, 2, 13))
    (datetime.date(2024, 12, 31), datetime.date(2024, 11, 30))
    """
    period = tc.latest_due_period(as_of, frequency, release_lag_days)
    return None if period is None else tc.period_bounds(period, frequency)[1]


def due_limits(items: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """item_code -> due_limit of every item (what Store.coverage_facts compares with).

    >>> items = pd.DataFrame({"code": ["A", "Q"], "frequency": ["monthly", "quarterly"],
    ...                       "release_lag_days": [30, 45]})
    >>> due_limits(items, date(2025, 5, 15))
      item_code  due_limit
    0         A 2025-03-31
    1         Q 2025-03-31
    """
    check_columns(items, ["code", "frequency", "release_lag_days"], "items")
    limits = [
        due_limit(f, int(lag), as_of)
        for f, lag in zip(items["frequency"], items["release_lag_days"], strict=True)
    ]
    return pd.DataFrame(
        {
            "item_code": items["code"].to_numpy(),
            "due_limit": pd.to_datetime(pd.Series(limits, dtype="object")),
        }
    )


def required_periods(
    frequency: str, release_lag_days: int, start: date, end: date, as_of: date
) -> tuple[int, date | None]:
    """(number of periods ending in [start, end] due by as_of, end of the latest of them).

    >>> required_periods("quarterly", 45, date(2024, 10, 1), date(2025, 9, 30), date(2025, 6, 1))
    (2, datetime.date(2025, 3, 31))
    >>> required_periods("biennial", 0, date(2021, 10, 1), date(2025, 9, 30), date(2025, 6, 1))
    (2, datetime.date(2023, 12, 31))
    """
    limit = due_limit(frequency, release_lag_days, as_of)
    if limit is None:
        return 0, None
    ends = [tc.period_bounds(p, frequency)[1] for p in tc.periods_between(start, end, frequency)]
    due = [e for e in ends if e <= limit]
    if not due:
        return 0, None
    return len(due), due[-1]


# Items share a few (frequency, lag) pairs and pages ask for the same windows: computed once.
_required_periods = functools.lru_cache(maxsize=4096)(required_periods)


def item_requirements(items: pd.DataFrame, start: date, end: date, as_of: date) -> pd.DataFrame:
    """Per item: periods_required and latest_due_end in the window at as_of.

    >>> items = pd.DataFrame({"code": ["A"], "frequency": ["monthly"], "release_lag_days": [30]})
    >>> item_requirements(items, date(2025, 1, 1), date(2025, 6, 30), date(2025, 5, 15))
      code  periods_required latest_due_end
    0    A                 3     2025-03-31
    """
    check_columns(items, ["code", "frequency", "release_lag_days"], "items")
    rows = [
        _required_periods(str(f), int(lag), start, end, as_of)
        for f, lag in zip(items["frequency"], items["release_lag_days"], strict=True)
    ]
    return pd.DataFrame(
        {
            "code": items["code"].to_numpy(),
            "periods_required": np.array([r[0] for r in rows], dtype="int64"),
            "latest_due_end": pd.to_datetime(pd.Series([r[1] for r in rows], dtype="object")),
        }
    )


def owed_period(
    latest_due_end, frequency: str, release_lag_days: int
) -> tuple[str | None, date | None]:
    """The period an area owes for an item whose latest due period is missing, and its due
    date: the period ending on `latest_due_end` (item_requirements), due `release_lag_days`
    after it ends. (None, None) when nothing is due yet.

    >>> owed_period(date(2026, 10, 31), "monthly", 10)
    ('2026-10', datetime.date(2026, 11, 10))
    >>> owed_period(None, "monthly", 10)
    (None, None)
    """
    if latest_due_end is None or pd.isna(latest_due_end):
        return None, None
    period = tc.period_of(pd.Timestamp(latest_due_end).date(), frequency)
    return period, tc.due_date(period, frequency, int(release_lag_days))


def fiscal_as_of(fiscal_year: int, as_of: date | None, today: date) -> date:
    """The day a fiscal year's figures are known on: the one given, else the earlier of today
    and the year's last day. InputError (Thai first) when that day is before the year starts.

    >>> fiscal_as_of(2569, None, date(2026, 12, 5))
    datetime.date(2026, 9, 30)
    >>> fiscal_as_of(2570, None, date(2026, 12, 5))
    datetime.date(2026, 12, 5)
    """
    start, end = tc.fiscal_year_bounds(fiscal_year)
    day = as_of or min(today, end)
    if day < start:
        raise InputError(
            f"ปีงบประมาณ {fiscal_year} เริ่มวันที่ {tc.thai_date(start)} "
            f"หลังวันที่ของข้อมูล ({tc.thai_date(day)})",
            f"fiscal year {fiscal_year} starts on {start}, after the as-of date {day}",
        )
    return day


def round_window(fiscal_year: int, round_months: int, as_of: date) -> tuple[date, date]:
    """First and last period end that a round's results use (capped at as_of).

    >>> round_window(2568, 6, date(2026, 1, 1))
    (datetime.date(2024, 10, 1), datetime.date(2025, 3, 31))
    """
    fy = tc.normalise_year(fiscal_year)
    start = tc.fiscal_year_bounds(fy)[0]
    end = min(tc.round_end(fy, round_months), as_of)
    if end < start:
        raise ValueError(f"as-of {as_of} is before fiscal year {fy}, which starts on {start}")
    return start, end


def lookback_start(catalog: pd.DataFrame, item_codes: Sequence[str], fy_start: date) -> date:
    """Earliest period end a `last` KPI may fall back to: one year plus the longest lag.

    >>> cat = pd.DataFrame({"code": ["GPP"], "release_lag_days": [540]})
    >>> lookback_start(cat, ["GPP"], date(2025, 10, 1))
    datetime.date(2023, 4, 9)
    """
    lags = catalog.loc[catalog["code"].isin(list(item_codes)), "release_lag_days"]
    longest = int(lags.max()) if len(lags) else 0
    return fy_start - timedelta(days=366 + longest)

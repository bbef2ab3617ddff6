"""How values combine: the one registry of aggregations for items and KPIs.

An **item** says how the values of several areas (districts into a province,
provinces into a cluster) or several periods combine: `sum` for counts and
amounts (persons, rai, million baht), `mean` for rates and averages (per 100,000
population, %). A **KPI** says how the values of its item over the round
combine into its result: `last` (the latest period with a value), `sum`,
`mean`, or `coverage` (the result is the KPI 4.4 milestone level computed by
lib.engine.coverage, not a value of the item).

The map, the profile's trends and the KPI engine all pool through `combine`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core.i18n import Text
from lib.engine.checks import check_one_of

ITEM_AGGREGATIONS = ("sum", "mean")
KPI_AGGREGATIONS = ("last", "sum", "mean", "coverage")
COVERAGE = "coverage"


def check_item_aggregation(value: object) -> str:
    """An item's aggregation, or InputError naming the allowed ones.

    >>> check_item_aggregation("sum")
    'sum'
    >>> check_item_aggregation("total")
    Traceback (most recent call last):
    ...
    lib.core.i18n.InputError: aggregation must be one of sum, mean, not 'total'
    """
    return check_one_of(value, ITEM_AGGREGATIONS, Text("วิธีรวมค่า", "aggregation"))


def check_kpi_aggregation(value: object) -> str:
    """A KPI's aggregation, or InputError naming the allowed ones."""
    return check_one_of(value, KPI_AGGREGATIONS, Text("วิธีรวมค่าของตัวชี้วัด", "KPI aggregation"))


def combine(values: pd.Series, how: str) -> float:
    """Sum or mean of the values present (NaN when none is).

    >>> combine(pd.Series([1.0, 3.0, None]), "sum"), combine(pd.Series([1.0, 3.0]), "mean")
    (4.0, 2.0)
    >>> combine(pd.Series([None], dtype=float), "sum")
    nan
    """
    present = values.dropna()
    if present.empty:
        return np.nan
    if how == "sum":
        return float(present.sum())
    if how == "mean":
        return float(present.mean())
    raise ValueError(f"how must be one of {ITEM_AGGREGATIONS}, got {how!r}")

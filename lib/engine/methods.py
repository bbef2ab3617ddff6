"""The registry of KPI scoring methods: the one place a method name maps to its scoring rule.

- `milestone` (ขั้นตอน): the result is already the level reached (0..5; see
  `scoring.milestone_score`), so the score is the result, kept within 0..5.
- `linear` (เชิงเส้น): the result is scored against the KPI's thresholds T1..T5,
  direction and floor (`scoring.linear_scores`).

Adding a method means adding one function here; the KPI engine and the
catalogue check go through `check_scoring_method` and `score_results`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from lib.core.i18n import Text
from lib.engine.checks import check_one_of
from lib.engine.scoring import SCORE_MAX, SCORE_MIN, linear_scores

MILESTONE = "milestone"
LINEAR = "linear"
METHOD_LABELS = {MILESTONE: Text("ขั้นตอน", "milestone"), LINEAR: Text("เชิงเส้น", "linear")}


def _milestone(results: pd.Series, kpi: Mapping) -> pd.Series:
    """The level reached is the score."""
    return results.astype("float64").clip(SCORE_MIN, SCORE_MAX)


def _linear(results: pd.Series, kpi: Mapping) -> pd.Series:
    """Linear score against T1..T5 with the KPI's direction and floor."""
    return linear_scores(
        results,
        [kpi["t1"], kpi["t2"], kpi["t3"], kpi["t4"], kpi["t5"]],
        higher_is_better=bool(kpi["higher_is_better"]),
        floor=float(kpi["floor_score"]),
    )


SCORING_METHODS: dict[str, Callable[[pd.Series, Mapping], pd.Series]] = {
    MILESTONE: _milestone,
    LINEAR: _linear,
}


def check_scoring_method(value: object) -> str:
    """A KPI's scoring method, or InputError naming the allowed ones.

    >>> check_scoring_method("linear")
    'linear'
    >>> check_scoring_method("steps")
    Traceback (most recent call last):
    ...
    lib.core.i18n.InputError: scoring method must be one of milestone, linear, not 'steps'
    """
    return check_one_of(value, tuple(SCORING_METHODS), Text("วิธีให้คะแนน", "scoring method"))


def score_results(results: pd.Series, kpi: Mapping) -> pd.Series:
    """Scores of a KPI's results (NaN stays NaN) by the KPI's method, same index.

    >>> kpi = {"method": "linear", "t1": 10, "t2": 20, "t3": 40, "t4": 80, "t5": 160,
    ...        "higher_is_better": True, "floor_score": 1.0}
    >>> score_results(pd.Series([30.0, None, 7.0]), kpi).tolist()
    [2.5, nan, 1.0]
    >>> score_results(pd.Series([4.0, 6.0]), {"method": "milestone"}).tolist()
    [4.0, 5.0]
    """
    return SCORING_METHODS[check_scoring_method(kpi["method"])](results, kpi)

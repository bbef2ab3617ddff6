"""The registry of KPI scoring methods: the one place a method name maps to its scoring rule.

- `milestone` (ขั้นตอน): the result is already the level reached (0..5; see
  `scoring.milestone_score`), so the score is the result, kept within 0..5.
- `linear` (เชิงเส้น): the result is scored against the KPI's thresholds T1..T5,
  direction and floor (`scoring.linear_scores`).

Adding a method means adding one function here; the KPI engine and the
catalogue check go through `check_scoring_method` and `score_results`, and the
configuration check of a KPI row through `check_kpi_definition`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from lib.core.i18n import InputError, Text
from lib.core.numbers import is_missing
from lib.engine.checks import check_one_of
from lib.engine.scoring import (
    N_LEVELS,
    SCORE_MAX,
    SCORE_MIN,
    _check_direction,
    _check_floor,
    _check_light_bars,
    _check_thresholds,
    linear_scores,
)

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


def _kpi_error(field: str, th: str, en: str) -> InputError:
    """An InputError about one column of a KPI row; `.field` names the column."""
    error = InputError(th, en)
    error.field = field
    return error


def _kpi_direction(value: object) -> bool:
    """A KPI's higher_is_better as bool (1/0 accepted), else InputError on that column."""
    if not is_missing(value) and not isinstance(value, bool | np.bool_) and value in (0, 1):
        value = bool(value)
    try:
        return _check_direction(value)
    except ValueError as exc:
        raise _kpi_error("higher_is_better", "ยิ่งมากยิ่งดีต้องเป็น 1 หรือ 0", str(exc)) from None


def _check_kpi_thresholds(kpi: Mapping, higher: bool) -> None:
    """T1..T5 of a linear KPI all present and strictly monotone in its direction."""
    values = [kpi.get(f"t{i}") for i in range(1, N_LEVELS + 1)]
    for i, value in enumerate(values, start=1):
        if is_missing(value):
            raise _kpi_error(
                f"t{i}",
                f"ตัวชี้วัดแบบเชิงเส้นต้องมีเกณฑ์ครบ 5 ระดับ: ไม่มีเกณฑ์ระดับ {i}",
                f"a linear KPI needs all five thresholds: T{i} is empty",
            )
    try:
        _check_thresholds(values, higher)
    except ValueError as exc:
        at = re.search(r"T(\d)=", str(exc))  # the engine names the threshold out of order
        shown = ", ".join(f"T{i}={v}" for i, v in enumerate(values, start=1))
        order = "น้อยไปมาก (ยิ่งมากยิ่งดี)" if higher else "มากไปน้อย (ยิ่งน้อยยิ่งดี)"
        raise _kpi_error(
            f"t{at.group(1)}" if at else "t1",
            f"เกณฑ์ต้องเรียงจาก{order} และไม่ซ้ำกัน: {shown}",
            str(exc),
        ) from None


def _check_kpi_floor(kpi: Mapping, method: str) -> None:
    """The floor score (below T1) is 0..1; a linear KPI must have one."""
    floor = kpi.get("floor_score")
    if is_missing(floor) and method != LINEAR:
        return
    try:
        _check_floor(floor)
    except ValueError as exc:
        raise _kpi_error("floor_score", "คะแนนต่ำสุดต้องเป็นตัวเลขตั้งแต่ 0 ถึง 1", str(exc)) from None


def _check_kpi_lights(kpi: Mapping) -> None:
    """green_at and amber_at are scores 0..5, amber not above green (scores: higher is better)."""
    for key in ("green_at", "amber_at"):
        value = kpi.get(key)
        ok = not is_missing(value) and not isinstance(value, str | bool)
        if not ok or not SCORE_MIN <= float(value) <= SCORE_MAX:
            raise _kpi_error(
                key,
                f"{key} ต้องเป็นคะแนนตั้งแต่ {SCORE_MIN:g} ถึง {SCORE_MAX:g}",
                f"{key} must be a score from {SCORE_MIN:g} to {SCORE_MAX:g}, got {value!r}",
            )
    try:
        _check_light_bars(kpi["green_at"], kpi["amber_at"], True)
    except ValueError as exc:
        raise _kpi_error(
            "amber_at",
            f"คะแนนสีเหลือง ({kpi['amber_at']}) ต้องไม่สูงกว่าคะแนนสีเขียว ({kpi['green_at']})",
            str(exc),
        ) from None


def check_kpi_definition(kpi: Mapping) -> None:
    """InputError when a KPI row cannot be scored as defined; `.field` names the column.

    Checks the method, the direction, a linear KPI's thresholds T1..T5 (all present,
    strictly monotone in its direction), the floor score and the light bars.

    >>> kpi = {"method": "linear", "t1": 60, "t2": 65, "t3": 64, "t4": 75, "t5": 80,
    ...        "higher_is_better": True, "floor_score": 1, "green_at": 4, "amber_at": 3}
    >>> check_kpi_definition({**kpi, "t3": 70}) is None
    True
    >>> try:
    ...     check_kpi_definition(kpi)
    ... except InputError as exc:
    ...     print(exc.field, "|", exc)
    t3 | thresholds must rise strictly when higher is better: T3=64 is not above T2=65
    """
    try:
        method = check_scoring_method(kpi.get("method"))
    except InputError as exc:
        raise _kpi_error("method", exc.message_th, exc.message_en) from None
    higher = _kpi_direction(kpi.get("higher_is_better"))
    if method == LINEAR:
        _check_kpi_thresholds(kpi, higher)
    _check_kpi_floor(kpi, method)
    _check_kpi_lights(kpi)

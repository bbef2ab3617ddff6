"""KPI scoring as the official forms do it: milestone and linear scores, weights, lights.

Scores run 1..5 (0 where a KPI says that missing level 1 earns nothing) and are
shown with 4 decimals, rounded half up, as in the forms of the seeds:
weight 7 % x score 5 = 0.3500 (seed 000), 4 % x 5 = 0.2000 (seeds 001, 002),
5 % x 5 = 0.2500 (seed 003). Arithmetic is done in decimal so that a figure
that is exactly half way (2.00025) rounds up (2.0003), as a person with a
calculator would, and not to whatever binary floating point lands on.

Pure functions: no Streamlit, no database. Bad input of any kind, wrong type
included, raises ValueError saying what is wrong (project rule; hence the
TRY004 exemptions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from lib.core.labels import FLAG_LABELS
from lib.core.numbers import half_up, is_missing, to_decimal

SCORE_MIN = 0.0
SCORE_MAX = 5.0
N_LEVELS = 5
LIGHTS = ("green", "amber", "red")
# Codes of the reasons a result is not to be trusted, with Thai and English labels.
FLAGGED_VALUES = "flagged_values"  # a red light resting on values not yet checked
RELIABILITY_REASONS = {
    code: FLAG_LABELS[code] for code in ("low_coverage", "unverified", "stale", FLAGGED_VALUES)
}
_HUNDRED = Decimal(100)


# ---------------------------------------------------------------- helpers


def _round4(value: Decimal) -> float:
    """Round half up to 4 decimals and return as float."""
    return float(half_up(value, 4))


def _check_direction(higher_is_better: object) -> bool:
    """Return higher_is_better as bool, or raise ValueError if it is not a boolean."""
    if not isinstance(higher_is_better, (bool, np.bool_)):
        message = f"higher_is_better must be True or False, got {higher_is_better!r}"
        raise ValueError(message)  # noqa: TRY004
    return bool(higher_is_better)


def _as_list(values: object, what: str) -> list:
    """values as a list, if it is a sequence (not a string or mapping), else ValueError."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(
        values, (Sequence, np.ndarray, pd.Series)
    ):
        raise ValueError(f"expected {what}, got {values!r}")  # noqa: TRY004
    return list(values)


def _check_thresholds(thresholds: object, higher_is_better: bool) -> tuple[Decimal, ...]:
    """Thresholds T1..T5 as Decimals, strictly monotone in the better direction."""
    values = _as_list(thresholds, "thresholds as a sequence of 5 numbers (T1..T5)")
    if len(values) != N_LEVELS:
        raise ValueError(
            f"thresholds must have exactly {N_LEVELS} values (T1..T5), got {len(values)}"
        )
    levels = tuple(to_decimal(t, f"threshold T{i}") for i, t in enumerate(values, start=1))
    for i in range(1, N_LEVELS):
        before, after = levels[i - 1], levels[i]
        if higher_is_better and not after > before:
            raise ValueError(
                f"thresholds must rise strictly when higher is better: "
                f"T{i + 1}={values[i]} is not above T{i}={values[i - 1]}"
            )
        if not higher_is_better and not after < before:
            raise ValueError(
                f"thresholds must fall strictly when lower is better: "
                f"T{i + 1}={values[i]} is not below T{i}={values[i - 1]}"
            )
    return levels


def _check_floor(floor: object) -> Decimal:
    """The score given below T1: a number from 0 to 1."""
    value = to_decimal(floor, "floor")
    if not 0 <= value <= 1:
        raise ValueError(f"floor must be between 0 and 1, got {floor!r}")
    return value


def _linear(result: Decimal, levels: tuple[Decimal, ...], higher: bool, floor: Decimal) -> float:
    """The linear score of a checked result against checked thresholds."""

    def reaches(threshold: Decimal) -> bool:
        return result >= threshold if higher else result <= threshold

    if reaches(levels[-1]):
        return SCORE_MAX
    if not reaches(levels[0]):
        return _round4(floor)
    k = max(i for i in range(N_LEVELS) if reaches(levels[i]))  # 0-based level reached
    low, high = levels[k], levels[k + 1]
    # The same formula serves both directions: numerator and denominator change sign together.
    return _round4(Decimal(k + 1) + (result - low) / (high - low))


def _as_series(values: object, name: str) -> pd.Series:
    """values as a float Series (NaN for missing); ValueError if not numeric."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_bool_dtype(series.dtype):
        raise ValueError(f"{name} must hold numbers, not booleans")
    try:
        numeric = pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    infinite = np.isinf(numeric.to_numpy())
    if infinite.any():
        where = list(numeric.index[infinite][:5])
        raise ValueError(f"{name} holds infinite values at index {where}")
    return numeric


def _check_light_bars(green_at: object, amber_at: object, higher_is_better: object) -> tuple:
    """(green_at, amber_at, higher) checked: amber must not be better than green."""
    green = float(to_decimal(green_at, "green_at"))
    amber = float(to_decimal(amber_at, "amber_at"))
    higher = _check_direction(higher_is_better)
    if higher and amber > green:
        raise ValueError(f"amber_at ({amber_at}) must not be above green_at ({green_at})")
    if not higher and amber < green:
        raise ValueError(
            f"amber_at ({amber_at}) must not be below green_at ({green_at}) when lower is better"
        )
    return green, amber, higher


# ---------------------------------------------------------------- scores


def milestone_score(steps_done: Sequence[bool]) -> int:
    """Milestone level (ระดับขั้นตอน): the number of consecutive steps done from step 1.

    Seed 000 (MOI KPI 4.4) and seed 003 (Rayong): steps 1-5 all done give level 5.

    >>> milestone_score([True, True, True, True, True])
    5
    >>> milestone_score([True, True, False, True, True])  # step 3 missing: level 2
    2
    >>> milestone_score([False, True, True, True, True])
    0
    """
    steps = _as_list(steps_done, "steps_done as a sequence of 5 booleans")
    if len(steps) != N_LEVELS:
        raise ValueError(f"steps_done must have exactly {N_LEVELS} items, got {len(steps)}")
    level = 0
    for number, done in enumerate(steps, start=1):
        if is_missing(done) or isinstance(done, (str, bytes)) or done not in (True, False):
            raise ValueError(f"step {number} must be True or False, got {done!r}")
        if done and level == number - 1:
            level = number
    return level


def linear_score(
    result: float,
    thresholds: Sequence[float],
    higher_is_better: bool = True,
    floor: float = 1.0,
) -> float:
    """Linear score: 1 at T1, 5 at or beyond T5, k + (x - Tk)/(Tk+1 - Tk) in between.

    Below T1 the score is floor (1, or 0 where missing level 1 earns nothing).
    Rounded half up to 4 decimals. Seed 002: 6..10 sub-issues covered -> levels 1..5.

    >>> [linear_score(x, [6, 7, 8, 9, 10]) for x in (6, 7, 8.5, 10, 12)]
    [1.0, 2.0, 3.5, 5.0, 5.0]
    >>> linear_score(5, [6, 7, 8, 9, 10]), linear_score(5, [6, 7, 8, 9, 10], floor=0.0)
    (1.0, 0.0)

    Lower is better (e.g. days late): thresholds fall from T1 to T5.

    >>> linear_score(12.5, [20, 15, 10, 5, 0], higher_is_better=False)
    2.5
    """
    higher = _check_direction(higher_is_better)
    levels = _check_thresholds(thresholds, higher)
    return _linear(to_decimal(result, "result"), levels, higher, _check_floor(floor))


def linear_scores(
    results: pd.Series,
    thresholds: Sequence[float],
    higher_is_better: bool = True,
    floor: float = 1.0,
) -> pd.Series:
    """linear_score for each value of a Series (NaN result -> NaN score), same index.

    >>> linear_scores(pd.Series([6, 8.5, None, 11], index=list("abcd")), [6, 7, 8, 9, 10])
    a    1.0
    b    3.5
    c    NaN
    d    5.0
    dtype: float64
    """
    higher = _check_direction(higher_is_better)
    levels = _check_thresholds(thresholds, higher)
    floor_value = _check_floor(floor)
    values = _as_series(results, "results")
    # Score each distinct value once, in decimal, so the result equals linear_score exactly.
    distinct = pd.unique(values.dropna().to_numpy())
    scores = {v: _linear(Decimal(repr(float(v))), levels, higher, floor_value) for v in distinct}
    return values.map(scores).astype("float64").rename(getattr(results, "name", None))


def weighted_score(weight_pct: float, score: float) -> float:
    """Weighted score (ค่าคะแนนถ่วงน้ำหนัก) = weight % x score / 100, 4 decimals half up.

    >>> weighted_score(7, 5), weighted_score(4, 5), weighted_score(5, milestone_score([True] * 5))
    (0.35, 0.2, 0.25)
    """
    weight = to_decimal(weight_pct, "weight_pct")
    value = to_decimal(score, "score")
    if not 0 <= weight <= 100:
        raise ValueError(f"weight_pct must be between 0 and 100, got {weight_pct!r}")
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"score must be between 0 and 5, got {score!r}")
    return _round4(weight * value / _HUNDRED)


def composite_score(pairs: Iterable[tuple[float, float]]) -> float:
    """Composite score: sum(weight x score) / sum(weight), 0..5, 4 decimals half up.

    Equal to the sum of the (unrounded) weighted scores when the weights sum to 100.

    >>> composite_score([(7, 5), (4, 5), (5, 5)])
    5.0
    >>> composite_score([(60, 5), (40, 2.5)])
    4.0
    """
    if isinstance(pairs, (str, bytes, Mapping)):
        raise ValueError(f"pairs must be (weight_pct, score) pairs, got {pairs!r}")  # noqa: TRY004
    total_weight = Decimal(0)
    total = Decimal(0)
    count = 0
    for number, pair in enumerate(pairs, start=1):
        if isinstance(pair, (str, bytes)) or len(pair) != 2:
            raise ValueError(f"pair {number} must be (weight_pct, score), got {pair!r}")
        weight = to_decimal(pair[0], f"weight of pair {number}")
        value = to_decimal(pair[1], f"score of pair {number}")
        if weight < 0:
            raise ValueError(f"weight of pair {number} is negative: {pair[0]!r}")
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise ValueError(f"score of pair {number} must be between 0 and 5, got {pair[1]!r}")
        total_weight += weight
        total += weight * value
        count += 1
    if count == 0:
        raise ValueError("composite_score needs at least one (weight_pct, score) pair")
    if total_weight == 0:
        raise ValueError("the weights sum to 0; a composite score needs a positive total weight")
    return _round4(total / total_weight)


def format_score(x: float | None) -> str:
    """A score the way the official forms show it: 4 decimals, half up ('-' when missing).

    >>> format_score(weighted_score(7, 5)), format_score(5), format_score(None)
    ('0.3500', '5.0000', '-')
    """
    if is_missing(x):
        return "-"
    return f"{half_up(x, 4, 'score'):.4f}"


# ---------------------------------------------------------------- warnings (ระบบเตือนภัย)


def traffic_light(
    score: float, green_at: float = 4.0, amber_at: float = 3.0, higher_is_better: bool = True
) -> str:
    """'green' at or beyond green_at, 'amber' at or beyond amber_at, else 'red'.

    With higher_is_better=False (for item values such as a crime rate) "beyond"
    means at or below, and amber_at must not be below green_at.

    >>> traffic_light(5), traffic_light(3.5), traffic_light(2.9999)
    ('green', 'amber', 'red')
    >>> traffic_light(12, green_at=10, amber_at=15, higher_is_better=False)
    'amber'
    """
    green, amber, higher = _check_light_bars(green_at, amber_at, higher_is_better)
    value = float(to_decimal(score, "score"))
    if higher:
        return "green" if value >= green else "amber" if value >= amber else "red"
    return "green" if value <= green else "amber" if value <= amber else "red"


def traffic_lights(
    scores: pd.Series,
    green_at: float = 4.0,
    amber_at: float = 3.0,
    higher_is_better: bool = True,
) -> pd.Series:
    """traffic_light for each value of a Series; a missing score gets a missing light.

    >>> traffic_lights(pd.Series([4.0, 3.2, 1.0, None])).tolist()
    ['green', 'amber', 'red', nan]
    """
    green, amber, higher = _check_light_bars(green_at, amber_at, higher_is_better)
    values = _as_series(scores, "scores")
    array = values.to_numpy()
    with np.errstate(invalid="ignore"):
        is_green = array >= green if higher else array <= green
        is_amber = array >= amber if higher else array <= amber
    lights = np.select(
        [np.isnan(array), is_green, is_amber], [None, "green", "amber"], default="red"
    )
    return pd.Series(lights, index=values.index, name=getattr(scores, "name", None), dtype="str")


@dataclass(frozen=True)
class Light:
    """A traffic light and whether the data under it can be trusted."""

    colour: str
    unreliable: bool = False
    reasons: tuple[str, ...] = ()


def reliability(
    complete_pct: float | None,
    correct_pct: float | None,
    timely_pct: float | None,
    coverage_bar: float = 80.0,
) -> tuple[bool, list[str]]:
    """(reliable, reasons): each data-health figure below the bar adds a reason code.

    complete -> "low_coverage", correct (verified) -> "unverified",
    timely -> "stale". A missing figure counts as below the bar.
    Labels for the codes are in RELIABILITY_REASONS.

    >>> reliability(95.0, 100.0, 90.0)
    (True, [])
    >>> reliability(60.0, None, 79.9)
    (False, ['low_coverage', 'unverified', 'stale'])
    """
    bar = to_decimal(coverage_bar, "coverage_bar")
    if not 0 < bar <= 100:
        raise ValueError(f"coverage_bar must be above 0 and at most 100, got {coverage_bar!r}")
    reasons = []
    figures = (
        ("complete_pct", complete_pct, "low_coverage"),
        ("correct_pct", correct_pct, "unverified"),
        ("timely_pct", timely_pct, "stale"),
    )
    for name, pct, code in figures:
        if is_missing(pct):
            reasons.append(code)
            continue
        value = to_decimal(pct, name)
        if not 0 <= value <= 100:
            raise ValueError(f"{name} must be a percentage from 0 to 100, got {pct!r}")
        if value < bar:
            reasons.append(code)
    return not reasons, reasons


def flagged_reason(colour: object, flagged: bool) -> list[str]:
    """["flagged_values"] when a red light rests on flagged values not yet checked, else [].

    Only a red is doubted this way: a bad result that may come from a wrong value
    (an outlier or a broken validation rule, lib.engine.quality) is not yet bad news.

    >>> flagged_reason("red", True), flagged_reason("amber", True), flagged_reason("red", False)
    (['flagged_values'], [], [])
    """
    return [FLAGGED_VALUES] if colour == "red" and bool(flagged) else []


def assess(
    score: float,
    complete_pct: float | None = 100.0,
    correct_pct: float | None = 100.0,
    timely_pct: float | None = 100.0,
    *,
    green_at: float = 4.0,
    amber_at: float = 3.0,
    higher_is_better: bool = True,
    coverage_bar: float = 80.0,
    flagged: bool = False,
) -> Light:
    """The light of a score and, from the health of its data, whether it is unreliable.

    Any colour may be unreliable; a red on poor data is "unreliable", not just "bad";
    flagged: the score rests on flagged values no verifier has checked (`flagged_reason`).

    >>> assess(2.0, complete_pct=55.0, correct_pct=90.0, timely_pct=95.0)
    Light(colour='red', unreliable=True, reasons=('low_coverage',))
    >>> assess(4.25)
    Light(colour='green', unreliable=False, reasons=())
    >>> assess(1.5, flagged=True)
    Light(colour='red', unreliable=True, reasons=('flagged_values',))
    """
    colour = traffic_light(score, green_at, amber_at, higher_is_better)
    reliable, reasons = reliability(complete_pct, correct_pct, timely_pct, coverage_bar)
    reasons += flagged_reason(colour, flagged)
    return Light(colour=colour, unreliable=bool(reasons), reasons=tuple(reasons))

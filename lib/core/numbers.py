"""Exact decimal figures: numbers read by their shortest form and rounded half up.

The official KPI forms show scores to 4 decimals rounded half up; Python's
round() rounds half to even on a binary approximation. Scoring and display
both go through these two functions.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np


def is_missing(x: object) -> bool:
    """True for None, NaN and pandas.NA.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0)
    (True, True, False)
    """
    if x is None:
        return True
    try:
        return math.isnan(x)  # type: ignore[arg-type]
    except TypeError:  # not a number; pandas.NA is the one missing marker among these
        return type(x).__name__ == "NAType"


def to_decimal(x: object, name: str = "value") -> Decimal:
    """A finite number as Decimal (floats by their shortest repr), else ValueError.

    >>> to_decimal(8.5), to_decimal(7)
    (Decimal('8.5'), Decimal('7'))
    """
    if is_missing(x):
        raise ValueError(f"{name} is missing (None or NaN); a number is needed")
    if isinstance(x, (bool, np.bool_, str, bytes)):
        raise ValueError(f"{name} must be a number, got {x!r}")  # noqa: TRY004
    try:
        if isinstance(x, Decimal):
            value = x
        elif hasattr(x, "__index__"):  # int and numpy integers: exact
            value = Decimal(int(x.__index__()))
        else:  # floats: 8.5 is Decimal("8.5"), not its binary approximation
            value = Decimal(repr(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError, InvalidOperation):
        raise ValueError(f"{name} must be a number, got {x!r}") from None
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    return value


def half_up(x: object, decimals: int, name: str = "value") -> Decimal:
    """x rounded half up to `decimals` places, read from its shortest decimal form.

    >>> half_up(2.675, 2), half_up(0.00005, 4)
    (Decimal('2.68'), Decimal('0.0001'))
    """
    return to_decimal(x, name).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def round_to_decimals(values: np.ndarray, decimals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values rounded half up to each one's decimals, mask of those that changed).

    Only the values with more decimals than allowed go through `half_up` (few in practice);
    NaN stays NaN. An item's `decimals` governs what is stored.

    >>> v, changed = round_to_decimals(np.array([1.005, 76337.8, 12.0, np.nan]),
    ...                                np.array([2, 1, 0, 0]))
    >>> v.tolist(), changed.tolist()
    ([1.01, 76337.8, 12.0, nan], [True, False, False, False])
    """
    values = np.asarray(values, dtype="float64")
    places = np.asarray(decimals, dtype="int64")
    scaled = values * np.power(10.0, places)
    off = np.abs(scaled - np.round(scaled))
    changed = np.isfinite(values) & (off > 1e-12 * np.maximum(1.0, np.abs(scaled)))
    out = values.copy()
    for i in np.flatnonzero(changed):
        out[i] = float(half_up(values[i], int(places[i])))
    return out, changed


def exact_text(value: object, decimals: int) -> str:
    """A stored value as its decimal text with the item's decimals ("" when missing).

    >>> exact_text(5494932.0, 0), exact_text(76337.79999999999, 1), exact_text(None, 2)
    ('5494932', '76337.8', '')
    """
    if is_missing(value):
        return ""
    return str(half_up(value, int(decimals)))


def exact_number(value: object, decimals: int) -> int | float | None:
    """A stored value as a JSON-friendly number: int for 0 decimals, else the rounded float.

    >>> exact_number(5494932.0, 0), exact_number(76337.79999999999, 1)
    (5494932, 76337.8)
    """
    if is_missing(value):
        return None
    exact = half_up(value, int(decimals))
    return int(exact) if int(decimals) == 0 else float(exact)

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

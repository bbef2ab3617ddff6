"""Half-up rounding of figures read by their shortest decimal form."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

from lib.core import numbers


def test_doctests():
    assert doctest.testmod(numbers).failed == 0


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (2.675, 2, "2.68"),  # round() gives 2.67 on the binary approximation
        (0.35, 1, "0.4"),
        (-2.5, 0, "-3"),  # half away from zero, as the forms do
        (7, 4, "7.0000"),
    ],
)
def test_half_up(x, decimals, expected):
    assert numbers.half_up(x, decimals) == Decimal(expected)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (None, "is missing"),
        (float("nan"), "is missing"),
        ("8", "must be a number"),
        (True, "must be a number"),
        (float("inf"), "finite"),
    ],
)
def test_bad_numbers(x, message):
    with pytest.raises(ValueError, match=message):
        numbers.to_decimal(x, "score")

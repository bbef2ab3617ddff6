"""Input checks shared by the engine's pure functions: frame columns, levels, registry names."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib.core.i18n import InputError, Text

LEVELS = ("province", "cluster", "region", "country")


def check_columns(frame: object, columns: Sequence[str], name: str) -> pd.DataFrame:
    """frame if it is a DataFrame holding columns, else ValueError naming what lacks.

    >>> check_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "facts")
    Traceback (most recent call last):
    ...
    ValueError: facts lacks columns ['b']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame, got {type(frame).__name__}")  # noqa: TRY004
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")
    return frame


def check_level(level: str) -> str:
    """level if it is one of LEVELS, else ValueError.

    >>> check_level("cluster")
    'cluster'
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return level


def check_one_of(value: object, allowed: Sequence[str], what: Text) -> str:
    """value when it is one of allowed, else InputError naming them (what: the field's name).

    >>> check_one_of("mean", ("sum", "mean"), Text("วิธีรวมค่า", "aggregation"))
    'mean'
    """
    if value not in allowed:
        names = ", ".join(allowed)
        raise InputError(
            f"{what.th}ต้องเป็น {names} ไม่ใช่ {value!r}",
            f"{what.en} must be one of {names}, not {value!r}",
        )
    return str(value)

"""Input checks shared by the engine's pure functions: frame columns and area levels."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

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

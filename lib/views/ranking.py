"""The one rank rule of the views: 1 is best, ties share the best rank, missing is unranked."""

from __future__ import annotations

import pandas as pd


def rank_of(values: pd.Series, code: str, higher_is_better: bool = True) -> tuple[int | None, int]:
    """(rank, number ranked) of code among values indexed by area code.

    >>> import numpy as np
    >>> rank_of(pd.Series({"a": 3.0, "b": 4.0, "c": 3.0, "d": np.nan}), "c")
    (2, 3)
    >>> rank_of(pd.Series({"a": 3.0, "b": 4.0}), "a", higher_is_better=False), rank_of(
    ...     pd.Series({"a": np.nan}), "a")
    ((1, 2), (None, 0))
    """
    values = values.dropna()
    if code not in values.index:
        return None, len(values)
    ranks, _ = group_ranks(values, pd.Series(0, index=values.index), higher_is_better)
    return int(ranks[code]), len(values)


def group_ranks(
    values: pd.Series, groups: pd.Series, higher_is_better: bool = True
) -> tuple[pd.Series, pd.Series]:
    """(rank, number ranked) of every value within its group, by rank_of's rule, in one pass
    (missing values are unranked: NaN rank, not counted).

    >>> r, n = group_ranks(pd.Series([3.0, 4.0, 3.0, 1.0]), pd.Series(["k", "k", "k", "j"]))
    >>> r.tolist(), n.tolist()
    ([2.0, 1.0, 2.0, 1.0], [3, 3, 3, 1])
    """
    grouped = values.groupby(groups.to_numpy(), sort=False)
    return grouped.rank(ascending=not higher_is_better, method="min"), grouped.transform("count")


def rank_text(rank: int | None, n: int | None) -> str:
    """'2/7', or '-' when there is no rank.

    >>> rank_text(2, 7), rank_text(None, 7)
    ('2/7', '-')
    """
    if rank is None or pd.isna(rank) or not n:
        return "-"
    return f"{int(rank)}/{int(n)}"

"""Outliers by modified z-score: each value against the other values of its group.

Pure numpy and pandas: frames in, frames out (lib.engine.quality re-exports
every name; lib.services.quality reads the store and follows flagged values up).

DHIS2's modified z-score: a value x against its reference (other values)
scores M = 0.6745 * (x - median) / MAD (MAD: median absolute deviation from the
reference's median); |M| above the threshold (default 3.5) flags it. When the
MAD is 0, M = (x - median) / (1.2533 * MeanAD) (mean absolute deviation from
the median); when that is 0 too (the reference is one value) M is +-inf for a
value different from all the others, else 0: only a value different from all
others is flagged. A reference holding a NaN has a NaN median; a NaN scores NaN.

- `history_outliers`: the reference of a value is its own item x area's other
  periods (the value itself left out; at least MIN_HISTORY others);
- `peer_outliers`: the reference is the same item and period in the other
  areas (of the same level when a `peer_group` column is given; at least
  MIN_PEERS others).

Leaving each value out of its group costs O(n log n) per group of n, not
O(n^2): with the group sorted (s[0..n-1]), leaving out the value of rank r
leaves r'[j] = s[j + (j >= r)], whose median is the mean of r'[lo] and r'[hi]
(lo = (n-2)//2, hi = (n-1)//2): one of at most three medians (r <= lo,
lo < r <= hi, r > hi). Around each of them the deviations are sorted once, and
the same rank trick leaves a value's own deviation out of its MAD; the sum of
the others' deviations is the sum of those ranked below it plus those above.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from lib.core.i18n import InputError

THRESHOLD = 3.5  # |modified z-score| above this flags a value
MIN_HISTORY = 4  # other periods of the item x area needed to judge a value
MIN_PEERS = 5  # other areas (same item, period) needed to judge a value
FLAG_HISTORY = "outlier_history"
FLAG_PEERS = "outlier_peers"
# Values of equal-size groups scored at once: about 20 arrays of this many floats (memory bound).
_CHUNK = 250_000
# Blocks of _CHUNK values scored at the same time (two: twice the memory of one, and a
# million-value upload's outliers in 0.17 s instead of 0.29 s on two cores).
_THREADS = min(2, os.cpu_count() or 1)


def modified_z(value: float, reference: Iterable[float]) -> float:
    """The modified z-score of a value against a reference (see the module docstring).

    >>> modified_z(10.0, [1.0, 2.0, 3.0, 4.0, 5.0])
    4.7215
    >>> modified_z(5.0, [3.0, 3.0, 3.0, 5.0]), modified_z(4.0, [3.0, 3.0, 3.0])
    (3.1916, inf)
    """
    ref = np.asarray(list(reference), dtype=float)
    median = np.median(ref)
    deviation = np.abs(ref - median)
    score = _score(float(value) - median, np.median(deviation), deviation.mean())
    return round(float(score), 4)


def _score(diff, mad, mean_ad):
    """Modified z-scores from the distance to the reference's median, its MAD and MeanAD."""
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            mad > 0,
            0.6745 * diff / mad,
            np.where(mean_ad > 0, diff / (1.2533 * mean_ad), np.sign(diff) * np.inf),
        )
    return np.where((mad == 0) & (mean_ad == 0) & (diff == 0), 0.0, score)


def _median_without(ordered: np.ndarray, left_out: np.ndarray) -> np.ndarray:
    """The median of each row of `ordered` (sorted along axis 1) without its value at each
    rank of `left_out` (one row of ranks per row): r'[j] = s[j + (j >= r)] at lo and hi."""
    n = ordered.shape[1]
    lo, hi = (n - 2) // 2, (n - 1) // 2
    low = np.take_along_axis(ordered, lo + (left_out <= lo), axis=1)
    if lo == hi:
        return low
    return (low + np.take_along_axis(ordered, hi + (left_out <= hi), axis=1)) / 2


def _spread_without(ordered: np.ndarray, center: np.ndarray, ranks: slice):
    """(MAD, MeanAD) around `center` (one per row) of each row of `ordered` without its
    value at each rank of `ranks`: the deviations sorted once, the value's own left out."""
    rows, n = ordered.shape
    deviation = np.abs(ordered - center[:, None])
    order = np.argsort(deviation, axis=1, kind="stable")
    by_size = np.take_along_axis(deviation, order, axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(n), order.shape), axis=1)
    own = rank[:, ranks]  # where each value's own deviation sits among the sorted ones
    mad = _median_without(by_size, own)
    zero = np.zeros((rows, 1))
    below = np.concatenate([zero, np.cumsum(by_size, axis=1)], axis=1)  # sum of ranks < k
    above = np.concatenate([np.cumsum(by_size[:, ::-1], axis=1)[:, ::-1], zero], axis=1)
    others = np.take_along_axis(below, own, axis=1) + np.take_along_axis(above, own + 1, axis=1)
    return mad, others / (n - 1)  # both sums leave the own deviation out: no cancellation


def _leave_one_out(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores, medians) of each value of each row of `block` against the row's other values."""
    n = block.shape[1]
    order = np.argsort(block, axis=1, kind="stable")
    ordered = np.take_along_axis(block, order, axis=1)
    median = _median_without(ordered, np.broadcast_to(np.arange(n), ordered.shape))
    mad, mean_ad = np.empty_like(ordered), np.empty_like(ordered)
    lo, hi = (n - 2) // 2, (n - 1) // 2
    for ranks in (slice(0, lo + 1), slice(lo + 1, hi + 1), slice(hi + 1, n)):
        if ranks.start < ranks.stop:  # one median for every rank of the class
            spread = _spread_without(ordered, median[:, ranks.start], ranks)
            mad[:, ranks], mean_ad[:, ranks] = spread
    score = _score(ordered - median, mad, mean_ad)
    missing = np.isnan(ordered)
    if missing.any():  # a reference holding a NaN: NaN median and score
        others_missing = missing.sum(axis=1, keepdims=True) - missing > 0
        median, score = (np.where(others_missing, np.nan, a) for a in (median, score))
    out_score, out_median = np.empty_like(block), np.empty_like(block)
    np.put_along_axis(out_score, order, score, axis=1)
    np.put_along_axis(out_median, order, median, axis=1)
    return out_score, out_median


def outlier_scores(values: pd.DataFrame, keys: list[str], minimum: int) -> pd.DataFrame:
    """Each value's score and reference median against the other values of its group.

    keys: the columns that make a group (the value itself is left out of its
    reference); a group with fewer than `minimum` other values scores NaN.
    Returns `values` with score, median and n_reference (the other values).
    """
    frame = values.reset_index(drop=True)
    score = np.full(len(frame), np.nan)
    median = np.full(len(frame), np.nan)
    grouped = frame.groupby(keys, dropna=False, sort=False)
    sizes = grouped["value"].transform("size").to_numpy()
    vals = frame["value"].to_numpy(float)
    order = np.lexsort((grouped.ngroup().to_numpy(), sizes))  # by size, then group
    by_size = sizes[order]
    blocks = []  # rows of equal-size groups, about _CHUNK values each: disjoint rows
    for n in np.unique(by_size[by_size > max(minimum, 1)]).tolist():
        start, stop = np.searchsorted(by_size, [n, n + 1])
        groups = order[start:stop].reshape(-1, n)
        step = max(1, _CHUNK // n)
        blocks += [groups[first : first + step] for first in range(0, len(groups), step)]

    def score_block(part: np.ndarray) -> None:
        score[part], median[part] = _leave_one_out(vals[part])

    _each(score_block, blocks)
    return frame.assign(score=score, median=median, n_reference=sizes - 1)


def _each(run, blocks: list) -> None:
    """run(block) for every block, _THREADS at a time when there are several (numpy's sorts
    and takes release the GIL; each block writes only its own rows)."""
    if len(blocks) < 2 or _THREADS < 2:
        for block in blocks:
            run(block)
        return
    with ThreadPoolExecutor(min(_THREADS, len(blocks))) as pool:
        list(pool.map(run, blocks))  # list(): a block's error is raised here


def _flagged(scored: pd.DataFrame, flag: str, threshold: float) -> pd.DataFrame:
    """The rows whose |score| exceeds the threshold, with their flag."""
    if not (isinstance(threshold, int | float) and np.isfinite(threshold) and threshold > 0):
        raise InputError(
            f"เกณฑ์ค่าผิดปกติต้องเป็นตัวเลขมากกว่า 0 ไม่ใช่ {threshold!r}",
            f"the outlier threshold must be a number above 0, not {threshold!r}",
        )
    out = scored[scored["score"].abs() > threshold].assign(flag=flag)
    return out.reset_index(drop=True)


def need_columns(values: pd.DataFrame, columns: list[str]) -> None:
    """ValueError naming the columns `values` lacks among `columns`."""
    missing = [c for c in columns if c not in values]
    if missing:
        raise ValueError(f"values lack columns {missing}")


def history_outliers(values: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Values far from their own item x area's other periods (flag 'outlier_history').

    values: item_code, area_code, period, value (one row per cell; more columns
    are kept). Returns the flagged rows with flag, score, median (of the other
    periods) and n_reference; a cell with fewer than MIN_HISTORY other periods
    is never flagged.

    >>> v = pd.DataFrame({"item_code": "A", "area_code": "10",
    ...     "period": ["2020", "2021", "2022", "2023", "2024"],
    ...     "value": [100.0, 102.0, 98.0, 101.0, 500.0]})
    >>> history_outliers(v)[["period", "flag", "median"]].to_dict("records")
    [{'period': '2024', 'flag': 'outlier_history', 'median': 100.5}]
    """
    need_columns(values, ["item_code", "area_code", "period", "value"])
    scored = outlier_scores(values, ["item_code", "area_code"], MIN_HISTORY)
    return _flagged(scored, FLAG_HISTORY, threshold)


def peer_outliers(values: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Values far from the same item and period in the other areas (flag 'outlier_peers').

    values: item_code, area_code, period, value, and optionally peer_group (the
    area's level: provinces are compared with provinces, districts with
    districts). A value with fewer than MIN_PEERS other areas is never flagged.

    >>> v = pd.DataFrame({"item_code": "A", "period": "2024",
    ...     "area_code": ["10", "11", "12", "13", "14", "15"],
    ...     "value": [50.0, 52.0, 49.0, 51.0, 50.0, 5.0]})
    >>> peer_outliers(v)[["area_code", "flag"]].to_dict("records")
    [{'area_code': '15', 'flag': 'outlier_peers'}]
    """
    need_columns(values, ["item_code", "area_code", "period", "value"])
    keys = ["item_code", "period"] + (["peer_group"] if "peer_group" in values else [])
    scored = outlier_scores(values, keys, MIN_PEERS)
    return _flagged(scored, FLAG_PEERS, threshold)

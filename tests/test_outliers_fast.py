"""lib.engine.outliers: the O(n log n) leave-one-out scores equal the brute-force (n, n-1) ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.engine import outliers, quality


# -- the former algorithm: each value against an (n, n-1) matrix of the others ----------
def _brute_scores(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(x)
    others = np.tile(x, (n, 1))[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    median = np.median(others, axis=1)
    deviation = np.abs(others - median[:, None])
    mad = np.median(deviation, axis=1)
    mean_ad = deviation.mean(axis=1)
    diff = x - median
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            mad > 0,
            0.6745 * diff / mad,
            np.where(mean_ad > 0, diff / (1.2533 * mean_ad), np.sign(diff) * np.inf),
        )
    return np.where((mad == 0) & (mean_ad == 0) & (diff == 0), 0.0, score), median


def _brute(values: pd.DataFrame, keys: list[str], minimum: int) -> pd.DataFrame:
    frame = values.reset_index(drop=True)
    score, median = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    sizes = frame.groupby(keys, dropna=False, sort=False)["value"].transform("size").to_numpy()
    vals = frame["value"].to_numpy(float)
    for rows in frame.groupby(keys, dropna=False, sort=False).indices.values():
        if len(rows) > minimum:
            score[rows], median[rows] = _brute_scores(vals[rows])
    return frame.assign(score=score, median=median, n_reference=sizes - 1)


def _same(values: pd.DataFrame, keys: list[str], minimum: int) -> None:
    """outlier_scores equals the brute force: medians and n_reference exactly, scores to
    rounding (the mean absolute deviation is summed in another order), the same flags."""
    fast, brute = outliers.outlier_scores(values, keys, minimum), _brute(values, keys, minimum)
    pd.testing.assert_frame_equal(fast.drop(columns="score"), brute.drop(columns="score"))
    np.testing.assert_allclose(fast["score"], brute["score"], rtol=1e-12, atol=0)
    over = outliers.THRESHOLD
    assert (fast["score"].abs() > over).tolist() == (brute["score"].abs() > over).tolist()


def _groups(sizes_and_values: list[list[float]], seed: int = 0) -> pd.DataFrame:
    """One row per value, group g's values under item 'I<g>', the rows shuffled."""
    frame = pd.DataFrame(
        [
            {"item_code": f"I{g}", "period": "2024", "area_code": str(k), "value": v}
            for g, values in enumerate(sizes_and_values)
            for k, v in enumerate(values)
        ]
    )
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


# Values with many ties (MAD 0), few distinct values, integers, and any floats.
_VALUE_KINDS = [
    st.sampled_from([5.0, 5.0, 5.0, 5.0, 6.0, 9.5]),
    st.integers(0, 3).map(float),
    st.integers(-1000, 1000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
]


@st.composite
def _random_groups(draw) -> pd.DataFrame:
    groups = []
    for _ in range(draw(st.integers(1, 5))):
        size = draw(st.integers(5, 60))
        kind = draw(st.sampled_from(_VALUE_KINDS))
        groups.append(draw(st.lists(kind, min_size=size, max_size=size)))
    return _groups(groups, seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=300, deadline=None)
@given(_random_groups(), st.integers(0, 6))
def test_random_groups_score_as_the_brute_force(values, minimum):
    _same(values, ["item_code", "period"], minimum)


@settings(max_examples=50, deadline=None)
@given(_random_groups())
def test_small_blocks_score_as_one_block(values):
    whole = outliers.outlier_scores(values, ["item_code"], 4)
    saved = outliers._CHUNK
    outliers._CHUNK = 1  # one group per block
    try:
        blocked = outliers.outlier_scores(values, ["item_code"], 4)
    finally:
        outliers._CHUNK = saved
    pd.testing.assert_frame_equal(whole, blocked)


@pytest.mark.parametrize(
    "values",
    [
        [7.0] * 6,  # MAD 0, mean AD 0: every score 0
        [7.0] * 6 + [8.0],  # only the 8 differs from all the others: inf
        [3.0, 3.0, 3.0, 3.0, 5.0, 5.0],  # MAD 0, mean AD > 0
        [3.0, 3.0, 3.0, 5.0, 5.0, 5.0],  # the median moves with the value left out
        [100.0, 103.0, 98.0, 101.0, 99.0, 102.0, 500.0],
        [10.0, 11.0, 12.0, 13.0, 14.0, 40.0],
        [-5.0, 0.0, 0.0, 1e-9, 2e-9, 1e9],
        [0.0] * 6 + [1.0, 1e17],  # MAD 0: 1e17 + 1 - 1e17 would cancel the others' sum
        list(np.arange(928.0)),  # the largest peer group of the national store
    ],
)
def test_hand_made_groups_score_as_the_brute_force(values):
    _same(_groups([values]), ["item_code", "period"], 4)


def test_the_value_itself_is_left_out():
    scored = outliers.outlier_scores(
        _groups([[10.0, 11.0, 12.0, 13.0, 14.0, 40.0]]), ["item_code"], 4
    )
    last = scored.loc[scored["value"] == 40.0].iloc[0]
    assert last["median"] == 12.0 and last["score"] == pytest.approx(0.6745 * 28 / 1)


def test_groups_too_small_and_empty_frames_score_nan():
    _same(_groups([[1.0, 2.0, 3.0, 4.0, 50.0], [1.0] * 2]), ["item_code"], 4)
    empty = pd.DataFrame({"item_code": pd.Series(dtype=object), "value": pd.Series(dtype=float)})
    assert outliers.outlier_scores(empty, ["item_code"], 4).empty


def test_missing_keys_form_one_group():
    values = _groups([[50.0, 52.0, 49.0, 51.0, 50.0, 5.0]]).assign(peer_group=None)
    _same(values, ["item_code", "period", "peer_group"], 4)


@pytest.mark.parametrize(
    "values",
    [[1.0, 2.0, np.nan, 4.0, 5.0, 60.0, 7.0], [np.nan, 2.0, np.nan, 4.0, 5.0, 6.0]],
)
def test_a_nan_value_spoils_the_reference_it_is_in(values):
    fast = outliers.outlier_scores(_groups([values]), ["item_code"], 4)
    brute = _brute(_groups([values]), ["item_code"], 4)
    pd.testing.assert_frame_equal(fast, brute)


def test_modified_z_scores_the_first_value_against_the_rest():
    for value, reference in [(10.0, [1.0, 2, 3, 4, 5]), (5.0, [3.0, 3, 3, 5]), (4.0, [3.0] * 3)]:
        block = np.array([value, *reference])
        expected = _brute_scores(block)[0][0]
        assert outliers.modified_z(value, reference) == round(float(expected), 4)


def test_quality_re_exports_the_outlier_names():
    for name in ("modified_z", "outlier_scores", "history_outliers", "peer_outliers"):
        assert getattr(quality, name) is getattr(outliers, name)
    assert (quality.THRESHOLD, quality.MIN_HISTORY, quality.MIN_PEERS) == (3.5, 4, 5)
    assert (quality.FLAG_HISTORY, quality.FLAG_PEERS) == ("outlier_history", "outlier_peers")

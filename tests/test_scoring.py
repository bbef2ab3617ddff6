"""Tests for lib/scoring.py, with the scoring tables of the seeds (000-003)."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from lib.engine import scoring as sc

# Seed 002: 6..10 sub-issues (ประเด็นย่อย) covered -> levels 1..5.
SEED_002 = [6, 7, 8, 9, 10]
# A lower-is-better table (e.g. days late): 20 days is level 1, on time is level 5.
DAYS_LATE = [20, 15, 10, 5, 0]


def test_doctests_pass():
    result = doctest.testmod(sc, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0


# ---------------------------------------------------------------- milestone


@pytest.mark.parametrize(
    ("steps", "level"),
    [
        ([True] * 5, 5),  # seeds 000 and 003: steps 1-5 done
        ([True, True, True, True, False], 4),
        ([True, True, True, False, False], 3),
        ([True, False, True, True, True], 1),  # later steps do not count past a gap
        ([False] * 5, 0),
        ([False, True, True, True, True], 0),
        ((True, True, False, False, False), 2),
        (np.array([True, True, True, False, True]), 3),
        (pd.Series([True, True, True, True, True]), 5),
        ([1, 1, 0, 1, 1], 2),
    ],
)
def test_milestone_score(steps, level):
    assert sc.milestone_score(steps) == level


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([True] * 4, "exactly 5 items, got 4"),
        ([True] * 6, "exactly 5 items, got 6"),
        ([], "exactly 5 items, got 0"),
        ([True, True, None, True, True], "step 3 must be True or False"),
        ([True, "yes", True, True, True], "step 2 must be True or False"),
        ([True, True, True, True, 2], "step 5 must be True or False"),
        ([True, True, True, True, float("nan")], "step 5 must be True or False"),
        ("TTTTT", "sequence of 5 booleans"),
        (5, "sequence of 5 booleans"),
        (None, "sequence of 5 booleans"),
    ],
)
def test_milestone_score_errors(steps, message):
    with pytest.raises(ValueError, match=message):
        sc.milestone_score(steps)


# ---------------------------------------------------------------- linear


@pytest.mark.parametrize(
    ("result", "thresholds", "higher", "floor", "score"),
    [
        # Exactly on each threshold (seed 002).
        (6, SEED_002, True, 1.0, 1.0),
        (7, SEED_002, True, 1.0, 2.0),
        (8, SEED_002, True, 1.0, 3.0),
        (9, SEED_002, True, 1.0, 4.0),
        (10, SEED_002, True, 1.0, 5.0),
        # In between.
        (8.5, SEED_002, True, 1.0, 3.5),
        (6.25, SEED_002, True, 1.0, 1.25),
        (9.99, SEED_002, True, 1.0, 4.99),
        (7 + 1 / 3, SEED_002, True, 1.0, 2.3333),
        (7 + 2 / 3, SEED_002, True, 1.0, 2.6667),
        # Below T1: the floor (1 by default, 0 where missing level 1 earns nothing).
        (5, SEED_002, True, 1.0, 1.0),
        (5, SEED_002, True, 0.0, 0.0),
        (5.9999, SEED_002, True, 0.0, 0.0),
        (-100, SEED_002, True, 1.0, 1.0),
        (6, SEED_002, True, 0.0, 1.0),  # on T1 the floor does not apply
        # At or above T5.
        (11, SEED_002, True, 1.0, 5.0),
        (1e9, SEED_002, True, 1.0, 5.0),
        # Unequal steps between thresholds (coverage %, seed 000's 80/90/100 bars).
        (85, [70, 80, 90, 95, 100], True, 1.0, 2.5),
        (97.5, [70, 80, 90, 95, 100], True, 1.0, 4.5),
        # Lower is better: mirrored.
        (20, DAYS_LATE, False, 1.0, 1.0),
        (15, DAYS_LATE, False, 1.0, 2.0),
        (10, DAYS_LATE, False, 1.0, 3.0),
        (5, DAYS_LATE, False, 1.0, 4.0),
        (0, DAYS_LATE, False, 1.0, 5.0),
        (-3, DAYS_LATE, False, 1.0, 5.0),  # at or below T5
        (12.5, DAYS_LATE, False, 1.0, 2.5),
        (1, DAYS_LATE, False, 1.0, 4.8),
        (21, DAYS_LATE, False, 1.0, 1.0),  # worse than T1
        (21, DAYS_LATE, False, 0.0, 0.0),
        # Numpy and integer-like inputs.
        (np.float64(8.5), SEED_002, True, 1.0, 3.5),
        (np.int64(9), np.array(SEED_002), True, 1.0, 4.0),
        (8.5, pd.Series(SEED_002, dtype="float64"), True, 1.0, 3.5),
        (8.5, (6.0, 7.0, 8.0, 9.0, 10.0), True, 0.5, 3.5),
    ],
)
def test_linear_score(result, thresholds, higher, floor, score):
    assert sc.linear_score(result, thresholds, higher_is_better=higher, floor=floor) == score


def test_linear_score_rounds_half_up_not_to_even():
    # 2 + (1.00025 - 1) / 1 = 2.00025 exactly; round() gives 2.0002 (binary 2.000249999...).
    assert round(2.00025, 4) == 2.0002
    assert sc.linear_score(1.00025, [0, 1, 2, 3, 4]) == 2.0003
    # Mirrored: 3 + (7.99975 - 8) / (4 - 8) = 3.0000625 -> 3.0001.
    assert sc.linear_score(7.99975, [16, 12, 8, 4, 0], higher_is_better=False) == 3.0001


@pytest.mark.parametrize(
    ("thresholds", "higher", "message"),
    [
        ([6, 7, 8, 9], True, "exactly 5 values"),
        ([6, 7, 8, 9, 10, 11], True, "exactly 5 values"),
        ([6, 7, 7, 9, 10], True, "T3=7 is not above T2=7"),
        ([6, 8, 7, 9, 10], True, "T3=7 is not above T2=8"),
        ([10, 9, 8, 7, 6], True, "must rise strictly"),
        ([6, 7, 8, 9, 10], False, "must fall strictly"),
        ([20, 15, 15, 5, 0], False, "T3=15 is not below T2=15"),
        ([6, 7, None, 9, 10], True, "threshold T3 is missing"),
        ([6, 7, float("nan"), 9, 10], True, "threshold T3 is missing"),
        ([6, 7, 8, 9, float("inf")], True, "threshold T5 must be a finite number"),
        ([6, 7, "8", 9, 10], True, "threshold T3 must be a number"),
        ("67890", True, "sequence of 5 numbers"),
        (None, True, "sequence of 5 numbers"),
        ({1: 6}, True, "sequence of 5 numbers"),
    ],
)
def test_linear_score_rejects_bad_thresholds(thresholds, higher, message):
    with pytest.raises(ValueError, match=message):
        sc.linear_score(8, thresholds, higher_is_better=higher)


@pytest.mark.parametrize(
    ("result", "kwargs", "message"),
    [
        (None, {}, "result is missing"),
        (float("nan"), {}, "result is missing"),
        (pd.NA, {}, "result is missing"),
        (float("inf"), {}, "result must be a finite number"),
        ("8", {}, "result must be a number"),
        (True, {}, "result must be a number"),
        (8, {"floor": 2.0}, "floor must be between 0 and 1"),
        (8, {"floor": -0.5}, "floor must be between 0 and 1"),
        (8, {"floor": None}, "floor is missing"),
        (8, {"higher_is_better": "lower"}, "higher_is_better must be True or False"),
    ],
)
def test_linear_score_rejects_bad_input(result, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sc.linear_score(result, SEED_002, **kwargs)


# ---------------------------------------------------------------- linear_scores


@pytest.mark.parametrize(
    ("thresholds", "higher", "floor"),
    [
        (SEED_002, True, 1.0),
        (SEED_002, True, 0.0),
        (DAYS_LATE, False, 1.0),
        (DAYS_LATE, False, 0.0),
    ],
)
def test_linear_scores_equals_linear_score_elementwise(thresholds, higher, floor):
    rng = np.random.default_rng(2568)
    values = np.concatenate(
        [rng.uniform(-5, 25, 400), np.round(rng.uniform(-5, 25, 400), 2), thresholds, [1.00025]]
    )
    series = pd.Series(values, index=[f"area{i}" for i in range(len(values))], name="result")
    scores = sc.linear_scores(series, thresholds, higher_is_better=higher, floor=floor)
    expected = [
        sc.linear_score(v, thresholds, higher_is_better=higher, floor=floor) for v in values
    ]
    assert scores.tolist() == expected
    assert scores.index.equals(series.index)
    assert scores.name == "result"
    assert scores.dtype == "float64"


def test_linear_scores_missing_result_gives_missing_score():
    series = pd.Series([6, None, 8.5, np.nan, 12], index=[10, 20, 30, 40, 50])
    scores = sc.linear_scores(series, SEED_002, floor=0.0)
    assert scores.index.tolist() == [10, 20, 30, 40, 50]
    assert scores.iloc[[0, 2, 4]].tolist() == [1.0, 3.5, 5.0]
    assert scores.iloc[[1, 3]].isna().all()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pd.Series(["6", "x"]), "must hold numbers"),
        (pd.Series([True, False]), "not booleans"),
        (pd.Series([6.0, np.inf]), "infinite values"),
    ],
)
def test_linear_scores_rejects_non_numbers(values, message):
    with pytest.raises(ValueError, match=message):
        sc.linear_scores(values, SEED_002)


def test_linear_scores_accepts_plain_lists_and_empty_series():
    assert sc.linear_scores([7, 9.5], SEED_002).tolist() == [2.0, 4.5]
    assert sc.linear_scores(pd.Series([], dtype="float64"), SEED_002).empty


def test_linear_scores_rejects_bad_thresholds_before_looking_at_data():
    with pytest.raises(ValueError, match="must rise strictly"):
        sc.linear_scores(pd.Series([1.0]), [1, 1, 2, 3, 4])


# ---------------------------------------------------------------- weighted / composite


@pytest.mark.parametrize(
    ("weight", "score", "weighted", "shown"),
    [
        (7, 5, 0.35, "0.3500"),  # seed 000: KPI 4.4, weight 7 %, level 5
        (4, 5, 0.2, "0.2000"),  # seeds 001 and 002: weight 4 %, level 5
        (5, 5, 0.25, "0.2500"),  # seed 003: Rayong, weight 5 %, steps 1-5
        (7, 3.5, 0.245, "0.2450"),
        (10, 2.3333, 0.2333, "0.2333"),
        (100, 5, 5.0, "5.0000"),
        (0, 5, 0.0, "0.0000"),
        (7, 0, 0.0, "0.0000"),
        (2.5, 4.2, 0.105, "0.1050"),
        # Half up: 1 x 0.015 / 100 = 0.00015 -> 0.0002; round() gives 0.0001.
        (1, 0.015, 0.0002, "0.0002"),
    ],
)
def test_weighted_score(weight, score, weighted, shown):
    assert sc.weighted_score(weight, score) == weighted
    assert sc.format_score(sc.weighted_score(weight, score)) == shown


def test_weighted_score_half_up_differs_from_round():
    assert round(1 * 0.015 / 100, 4) == 0.0001
    assert sc.weighted_score(1, 0.015) == 0.0002


def test_weighted_score_of_seed_milestones():
    assert sc.weighted_score(7, sc.milestone_score([True] * 5)) == 0.35  # seed 000
    assert sc.weighted_score(5, sc.milestone_score([True] * 5)) == 0.25  # seed 003


@pytest.mark.parametrize(
    ("weight", "score", "message"),
    [
        (-1, 5, "weight_pct must be between 0 and 100"),
        (101, 5, "weight_pct must be between 0 and 100"),
        (7, 5.5, "score must be between 0 and 5"),
        (7, -1, "score must be between 0 and 5"),
        (None, 5, "weight_pct is missing"),
        (7, float("nan"), "score is missing"),
        ("7", 5, "weight_pct must be a number"),
    ],
)
def test_weighted_score_errors(weight, score, message):
    with pytest.raises(ValueError, match=message):
        sc.weighted_score(weight, score)


@pytest.mark.parametrize(
    ("pairs", "composite"),
    [
        ([(7, 5), (4, 5), (5, 5)], 5.0),
        ([(60, 5), (40, 2.5)], 4.0),  # weights sum to 100
        ([(3, 5), (1, 1)], 4.0),  # weights sum to 4: normalised, (15 + 1) / 4
        ([(50, 4), (25, 3), (25, 1)], 3.0),
        ([(1, 1), (1, 2), (1, 2)], 1.6667),
        ([(7, 3.5)], 3.5),
        ([(0, 1), (5, 4)], 4.0),  # a zero weight counts for nothing
        ([(1, 2.0001), (1, 2.0)], 2.0001),  # 2.00005 half up; round() gives 2.0
        ([(7.5, 4), (2.5, 2)], 3.5),
        (iter([(10, 5), (10, 4)]), 4.5),  # any iterable
        (pd.DataFrame({"w": [60, 40], "s": [5, 2.5]}).itertuples(index=False), 4.0),
    ],
)
def test_composite_score(pairs, composite):
    assert sc.composite_score(pairs) == composite


def test_composite_equals_sum_of_weighted_scores_when_weights_sum_to_100():
    pairs = [(20, 4.5), (30, 3.25), (50, 2.0)]
    assert sum(w for w, _ in pairs) == 100
    weighted = sum(sc.weighted_score(w, s) for w, s in pairs)
    assert sc.composite_score(pairs) == pytest.approx(weighted, abs=1e-12) == 2.875


def test_composite_half_up_differs_from_round():
    assert round((2.0001 + 2.0) / 2, 4) == 2.0
    assert sc.composite_score([(1, 2.0001), (1, 2.0)]) == 2.0001


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([], "at least one"),
        (iter(()), "at least one"),
        ([(0, 5), (0, 3)], "weights sum to 0"),
        ([(-1, 5), (101, 3)], "pair 1 is negative"),
        ([(5, 5), (5, 6)], "score of pair 2 must be between 0 and 5"),
        ([(5, 5), (5, None)], "score of pair 2 is missing"),
        ([(5, 5, 1)], "pair 1 must be"),
        (["ab"], "pair 1 must be"),
        ("ab", "pairs must be"),
    ],
)
def test_composite_score_errors(pairs, message):
    with pytest.raises(ValueError, match=message):
        sc.composite_score(pairs)


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (0.35, "0.3500"),
        (0.2, "0.2000"),
        (5, "5.0000"),
        (3.45675, "3.4568"),  # half up (float repr 3.45675)
        (np.float64(2.5), "2.5000"),
        (None, "-"),
        (float("nan"), "-"),
    ],
)
def test_format_score(x, shown):
    assert sc.format_score(x) == shown


# ---------------------------------------------------------------- traffic lights


@pytest.mark.parametrize(
    ("score", "green_at", "amber_at", "higher", "light"),
    [
        (5.0, 4.0, 3.0, True, "green"),
        (4.0, 4.0, 3.0, True, "green"),  # on the bar
        (3.9999, 4.0, 3.0, True, "amber"),
        (3.0, 4.0, 3.0, True, "amber"),
        (2.9999, 4.0, 3.0, True, "red"),
        (0.0, 4.0, 3.0, True, "red"),
        (3.5, 3.5, 3.5, True, "green"),  # amber band may be empty
        (3.4, 3.5, 3.5, True, "red"),
        (85.0, 90.0, 80.0, True, "amber"),  # coverage %, seed 000's bars
        # Lower is better (item values such as a rate of offences).
        (8.0, 10.0, 15.0, False, "green"),
        (10.0, 10.0, 15.0, False, "green"),
        (12.0, 10.0, 15.0, False, "amber"),
        (15.0, 10.0, 15.0, False, "amber"),
        (15.1, 10.0, 15.0, False, "red"),
    ],
)
def test_traffic_light(score, green_at, amber_at, higher, light):
    assert sc.traffic_light(score, green_at, amber_at, higher_is_better=higher) == light
    lights = sc.traffic_lights(pd.Series([score]), green_at, amber_at, higher_is_better=higher)
    assert lights.tolist() == [light]


@pytest.mark.parametrize(
    ("score", "green_at", "amber_at", "higher", "message"),
    [
        (3.0, 3.0, 4.0, True, "amber_at .* must not be above green_at"),
        (3.0, 15.0, 10.0, False, "must not be below green_at"),
        (None, 4.0, 3.0, True, "score is missing"),
        (float("nan"), 4.0, 3.0, True, "score is missing"),
        (3.0, None, 3.0, True, "green_at is missing"),
        (3.0, 4.0, 3.0, "yes", "higher_is_better must be True or False"),
    ],
)
def test_traffic_light_errors(score, green_at, amber_at, higher, message):
    with pytest.raises(ValueError, match=message):
        sc.traffic_light(score, green_at, amber_at, higher_is_better=higher)


def test_traffic_lights_keeps_index_and_marks_missing():
    scores = pd.Series([4.5, 3.0, 1.0, None, 4.0], index=list("abcde"), name="score")
    lights = sc.traffic_lights(scores)
    assert lights.index.tolist() == list("abcde")
    assert lights.name == "score"
    assert lights.drop("d").tolist() == ["green", "amber", "red", "green"]
    assert lights.isna().tolist() == [False, False, False, True, False]


def test_traffic_lights_equals_traffic_light_elementwise():
    values = np.round(np.random.default_rng(4).uniform(0, 5, 500), 4)
    lights = sc.traffic_lights(pd.Series(values), 3.75, 2.5)
    assert lights.tolist() == [sc.traffic_light(v, 3.75, 2.5) for v in values]


def test_traffic_lights_rejects_bad_bars():
    with pytest.raises(ValueError, match="must not be above green_at"):
        sc.traffic_lights(pd.Series([1.0]), green_at=2.0, amber_at=3.0)


# ---------------------------------------------------------------- reliability


@pytest.mark.parametrize(
    ("complete", "correct", "timely", "bar", "reliable", "reasons"),
    [
        (100.0, 100.0, 100.0, 80.0, True, []),
        (80.0, 80.0, 80.0, 80.0, True, []),  # on the bar is enough
        (79.99, 100.0, 100.0, 80.0, False, ["low_coverage"]),
        (100.0, 50.0, 100.0, 80.0, False, ["unverified"]),
        (100.0, 100.0, 0.0, 80.0, False, ["stale"]),
        (10.0, 20.0, 30.0, 80.0, False, ["low_coverage", "unverified", "stale"]),
        (None, 100.0, float("nan"), 80.0, False, ["low_coverage", "stale"]),  # missing = poor
        (95.0, 95.0, 89.0, 90.0, False, ["stale"]),
        (100.0, 100.0, 99.9, 100.0, False, ["stale"]),
    ],
)
def test_reliability(complete, correct, timely, bar, reliable, reasons):
    assert sc.reliability(complete, correct, timely, coverage_bar=bar) == (reliable, reasons)
    assert all(code in sc.RELIABILITY_REASONS for code in reasons)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((101.0, 100.0, 100.0), "complete_pct must be a percentage"),
        ((100.0, -1.0, 100.0), "correct_pct must be a percentage"),
        ((100.0, 100.0, "90"), "timely_pct must be a number"),
        ((100.0, 100.0, 100.0, 0.0), "coverage_bar must be above 0"),
        ((100.0, 100.0, 100.0, 120.0), "coverage_bar must be above 0"),
    ],
)
def test_reliability_errors(args, message):
    with pytest.raises(ValueError, match=message):
        sc.reliability(*args)


@pytest.mark.parametrize(
    ("score", "health", "colour", "unreliable", "reasons"),
    [
        (1.5, (100.0, 100.0, 100.0), "red", False, ()),  # bad, but the data is sound
        (1.5, (40.0, 100.0, 100.0), "red", True, ("low_coverage",)),  # red on poor data
        (1.5, (100.0, 100.0, 60.0), "red", True, ("stale",)),
        (3.2, (100.0, 70.0, 100.0), "amber", True, ("unverified",)),
        (4.8, (None, None, None), "green", True, ("low_coverage", "unverified", "stale")),
        (4.8, (90.0, 85.0, 81.0), "green", False, ()),
    ],
)
def test_assess(score, health, colour, unreliable, reasons):
    light = sc.assess(score, *health)
    assert light == sc.Light(colour=colour, unreliable=unreliable, reasons=reasons)


def test_assess_passes_bars_and_direction_through():
    light = sc.assess(12.0, 50.0, 100.0, 100.0, green_at=10, amber_at=15, higher_is_better=False)
    assert light == sc.Light("amber", True, ("low_coverage",))
    assert sc.assess(3.6, coverage_bar=90.0, complete_pct=85.0, green_at=3.5).reasons == (
        "low_coverage",
    )


def test_light_is_frozen():
    light = sc.Light("green")
    assert (light.unreliable, light.reasons) == (False, ())
    with pytest.raises(AttributeError):
        light.colour = "red"  # type: ignore[misc]


def test_scores_are_plain_floats():
    for value in (
        sc.linear_score(8.5, SEED_002),
        sc.weighted_score(7, 5),
        sc.composite_score([(1, 3)]),
    ):
        assert type(value) is float
        assert math.isfinite(value)


# Unevenly spaced thresholds: each band is as wide as everything below it.
UNEVEN = [10, 20, 40, 80, 160]


@pytest.mark.parametrize(
    ("result", "score"),
    [(10, 1.0), (15, 1.5), (20, 2.0), (30, 2.5), (60, 3.5), (70, 3.75), (120, 4.5), (160, 5.0)],
)
def test_uneven_thresholds_score_linearly_within_each_band(result, score):
    assert sc.linear_score(result, UNEVEN) == score
    assert sc.linear_scores(pd.Series([float(result)]), UNEVEN).iloc[0] == score


@pytest.mark.parametrize(
    ("result", "score"),
    [(160, 1.0), (120, 1.5), (80, 2.0), (60, 2.5), (30, 3.5), (25, 3.75), (15, 4.5), (10, 5.0)],
)
def test_uneven_thresholds_mirrored_when_lower_is_better(result, score):
    falling = UNEVEN[::-1]
    assert sc.linear_score(result, falling, higher_is_better=False) == score
    scored = sc.linear_scores(pd.Series([float(result)]), falling, higher_is_better=False)
    assert scored.iloc[0] == score


def test_kpi_engine_scores_uneven_thresholds_through_the_method_registry():
    from lib.engine.methods import check_scoring_method, score_results

    kpi = {"method": "linear", "t1": 10, "t2": 20, "t3": 40, "t4": 80, "t5": 160,
           "higher_is_better": True, "floor_score": 0.0}  # fmt: skip
    assert score_results(pd.Series([5.0, 30.0, 120.0]), kpi).tolist() == [0.0, 2.5, 4.5]
    with pytest.raises(ValueError, match="scoring method must be one of milestone, linear"):
        check_scoring_method("curve")

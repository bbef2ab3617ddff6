"""KPI results: the tiny hand-built store of test_coverage, pure scoring, the demo store."""

from __future__ import annotations

import doctest
from datetime import date

import pandas as pd
import pytest
from test_coverage import AREAS, AS_OF, KPIS, MEMBERS, load_tiny

from lib.engine import coverage as cv
from lib.engine import kpi

KPI_FRAME = KPIS.assign(
    green_at=4.0, amber_at=3.0, item_codes=["FEED", "M1", "Q1"], target=None, unit_th="x"
)


@pytest.fixture
def tiny_round(empty_store):
    load_tiny(empty_store)
    # Round 6 of 2568 ends 31 Mar 2025; seen on 15 Mar 2025 (coverage window: 2568 only).
    return kpi.load_kpi_inputs(empty_store, 2568, 6, AS_OF, years_before=0)


# Worked out by hand. KM = sum of M1 (T 100..300), KQ = last of Q1, lower is better
# (T 500..100, floor 0), K44 = coverage milestone (weights 50 / 30 / 20).
#   10: KM 5 x 50 = 250 -> 4.0; KQ 250 -> 3 + (250-300)/(200-300) = 3.5; K44 level 5
#   90: KM 3 x 60 = 180 (January arrived after as-of) -> 2.6; KQ 350 -> 2.5; K44 level 1
#   91: KM 4 x 70 = 280 (unverified values count) -> 4.6; KQ out of range -> no data; K44 0
EXPECTED = {
    ("10", "KM"): (250.0, 4.0, 2.0),
    ("10", "KQ"): (250.0, 3.5, 1.05),
    ("10", "K44"): (5.0, 5.0, 1.0),
    ("90", "KM"): (180.0, 2.6, 1.3),
    ("90", "KQ"): (350.0, 2.5, 0.75),
    ("90", "K44"): (1.0, 1.0, 0.2),
    ("91", "KM"): (280.0, 4.6, 2.3),
    ("91", "KQ"): (None, 0.0, 0.0),
    ("91", "K44"): (0.0, 0.0, 0.0),
}
COMPOSITE = {"10": 4.05, "90": 2.25, "91": 2.3}


@pytest.mark.parametrize(("key", "expected"), sorted(EXPECTED.items()))
def test_tiny_province_results(tiny_round, key, expected):
    out = kpi.kpi_scores(tiny_round, "province").set_index(["area_code", "kpi_code"])
    row = out.loc[key]
    result, score, weighted = expected
    if result is None:
        assert pd.isna(row.result)
        assert not row.reliable
        assert row.reasons.startswith("no_data")
    else:
        assert row.result == pytest.approx(result)
    assert row.score == pytest.approx(score)
    assert row.weighted_score == pytest.approx(weighted)
    assert row.composite == pytest.approx(COMPOSITE[key[0]])


def test_tiny_lights_and_reliability(tiny_round):
    out = kpi.kpi_scores(tiny_round, "province").set_index(["area_code", "kpi_code"])
    assert out.loc[("10", "KM"), "light"] == "green"
    assert out.loc[("10", "KQ"), "light"] == "amber"
    assert out.loc[("90", "KM"), "light"] == "red"
    assert bool(out.loc[("10", "KM"), "reliable"])
    # 90's M1 misses its latest due month at as-of: stale.
    assert "stale" in out.loc[("90", "KM"), "reasons"]
    assert out.loc[("91", "KQ"), "reasons"] == "no_data,unverified"


def test_missing_excluded_rule(tiny_round):
    out = kpi.kpi_scores(tiny_round, "province", missing="exclude").set_index("area_code")
    # 91 without KQ: (20 x 0 + 50 x 4.6) / 70
    assert out.loc["91", "composite"].iloc[0] == pytest.approx(3.2857)
    assert pd.isna(out.loc["91"].set_index("kpi_code").loc["KQ", "score"])


def test_cluster_is_mean_of_member_results(tiny_round):
    members = MEMBERS.query("scheme == 'cluster_2017'")
    out = kpi.kpi_scores(tiny_round, "cluster", members).set_index("kpi_code")
    assert set(out["area_code"]) == {"C1"}
    assert out.loc["KM", "result"] == pytest.approx(230.0)  # mean of 180 and 280
    assert out.loc["KM", "score"] == pytest.approx(3.6)
    assert out.loc["KQ", "result"] == pytest.approx(350.0)  # only 90 has a value
    assert out.loc["KQ", "members_with_data"] == 1
    assert out.loc["K44", "result"] == 0  # 91 has no feed: step 1 fails for the cluster
    assert out.loc["KM", "composite"] == pytest.approx(2.55)


def test_country_row_count(tiny_round):
    out = kpi.kpi_scores(tiny_round, "country")
    assert out["area_code"].unique().tolist() == ["TH"]
    assert len(out) == 3
    assert list(out.columns) == kpi.RESULT_COLUMNS


def test_levels_scored_together_keep_each_levels_figures(tiny_round):
    """The cockpit scores every level in one pass (kpi_scores_levels): each level keeps the
    figures worked out by hand for it, its own composites, and the order the levels were
    asked in (the country first here, though its code sorts last)."""
    cluster = MEMBERS.query("scheme == 'cluster_2017'")
    out = kpi.kpi_scores_levels(tiny_round, {"country": None, "province": None, "cluster": cluster})
    assert list(dict.fromkeys(out["level"])) == ["country", "province", "cluster"]
    assert list(out.columns) == kpi.RESULT_COLUMNS
    provinces = out[out["level"] == "province"].set_index(["area_code", "kpi_code"])
    for key, (_, score, weighted) in EXPECTED.items():
        assert provinces.loc[key, "score"] == pytest.approx(score)
        assert provinces.loc[key, "weighted_score"] == pytest.approx(weighted)
        assert provinces.loc[key, "composite"] == pytest.approx(COMPOSITE[key[0]])
    clusters = out[out["level"] == "cluster"].set_index("kpi_code")
    assert clusters.loc["KM", "result"] == pytest.approx(230.0)
    assert clusters.loc["KM", "composite"] == pytest.approx(2.55)
    country = out[out["level"] == "country"].reset_index(drop=True)
    pd.testing.assert_frame_equal(country, kpi.kpi_scores(tiny_round, "country"))


def test_levels_scored_together_refuse_an_area_code_of_two_levels(tiny_round):
    """A group coded like a province would pool both areas' KPIs into one composite."""
    clash = MEMBERS.query("scheme == 'cluster_2017'").assign(group_code="90")
    with pytest.raises(ValueError, match="more than one level"):
        kpi.kpi_scores_levels(tiny_round, {"province": None, "cluster": clash})


# -- pure functions -------------------------------------------------------------
def _values(rows):
    return pd.DataFrame(
        rows, columns=["item_code", "province_code", "period_end", "value_sum", "value_mean", "n"]
    ).assign(period_end=lambda d: pd.to_datetime(d.period_end))


@pytest.mark.parametrize(
    ("aggregation", "level", "expected"),
    [
        ("last", "province", 5.0),
        ("sum", "province", 8.0),
        ("mean", "province", 4.0),
        ("sum", "district", 18.0),  # district sums per period, then summed: 8 + 10
        ("mean", "district", 4.0),  # district means per period, then their mean: (5 + 3) / 2
    ],
)
def test_province_results_aggregation(aggregation, level, expected):
    kpis = pd.DataFrame({"code": ["K"], "aggregation": [aggregation], "item_codes": ["A"]})
    items = pd.DataFrame({"code": ["A"], "area_level": [level]})
    if level == "province":  # one value per period: sum = mean
        rows = [("A", "10", "2025-02-28", 5.0, 5.0, 1), ("A", "10", "2025-01-31", 3.0, 3.0, 1)]
    else:  # two districts per period, pooled in SQL to sum and mean
        rows = [("A", "10", "2025-02-28", 8.0, 5.0, 2), ("A", "10", "2025-01-31", 10.0, 3.0, 2)]
    values = _values(rows)
    assert kpi.province_results(kpis, values, items)["result"].iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("result", "higher", "floor", "score", "light"),
    [
        (6, True, 1.0, 1.0, "red"),  # exactly T1
        (8, True, 1.0, 3.0, "amber"),  # exactly T3
        (5, True, 1.0, 1.0, "red"),  # below T1, floor 1
        (5, True, 0.0, 0.0, "red"),  # below T1, floor 0
        (12, True, 1.0, 5.0, "green"),  # above T5
        (9.5, False, 1.0, 1.5, "red"),  # lower is better: T 10..6 mirrored
        (5, False, 1.0, 5.0, "green"),
        (None, True, 1.0, 0.0, "red"),  # missing: 0
    ],
)
def test_score_kpis_table(result, higher, floor, score, light):
    t = [6, 7, 8, 9, 10] if higher else [10, 9, 8, 7, 6]
    kpis = pd.DataFrame(
        {
            "code": ["K"],
            "name_th": ["k"],
            "weight_pct": [10.0],
            "method": ["linear"],
            **{f"t{i}": [v] for i, v in enumerate(t, start=1)},
            "higher_is_better": [higher],
            "floor_score": [floor],
            "green_at": [4.0],
            "amber_at": [3.0],
            "aggregation": ["last"],
            "item_codes": ["A"],
        }
    )
    results = pd.DataFrame({"area_code": ["10"], "kpi_code": ["K"], "result": [result]})
    row = kpi.score_kpis(results, kpis, pd.DataFrame({"area_code": ["10"]})).iloc[0]
    assert row.score == pytest.approx(score)
    assert row.light == light
    assert row.composite == pytest.approx(score)  # one KPI: composite = its score


def test_weights_not_summing_to_100():
    kpis = KPI_FRAME.assign(weight_pct=[10.0, 10.0, 20.0])
    results = pd.DataFrame(
        {"area_code": ["10"] * 3, "kpi_code": ["K44", "KM", "KQ"], "result": [5.0, 300, 300]}
    )
    out = kpi.score_kpis(results, kpis, pd.DataFrame({"area_code": ["10"]}))
    # (10 x 5 + 10 x 5 + 20 x 3) / 40 = 4.0
    assert out["composite"].iloc[0] == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: kpi.score_kpis(pd.DataFrame(), KPI_FRAME, pd.DataFrame({"area_code": []})),
            "lacks",
        ),
        (
            lambda: kpi.score_kpis(
                pd.DataFrame(columns=["area_code", "kpi_code", "result"]),
                KPI_FRAME.iloc[0:0],
                pd.DataFrame({"area_code": ["10"]}),
            ),
            "no KPIs",
        ),
        (
            lambda: kpi.score_kpis(
                pd.DataFrame(columns=["area_code", "kpi_code", "result"]),
                KPI_FRAME,
                pd.DataFrame({"area_code": ["10"]}),
                missing="maybe",
            ),
            "missing must be",
        ),
        (lambda: kpi.round_window(2568, 7, date(2025, 9, 30)), "round must be"),
        (lambda: kpi.round_window(2570, 6, date(2025, 9, 30)), "before fiscal year"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_areas_fixture_consistent():
    assert set(AREAS.loc[AREAS.level == "province", "code"]) == {"10", "90", "91"}


# -- the demo store -------------------------------------------------------------
@pytest.mark.parametrize(("level", "areas"), [
    ("province", 77), ("cluster", 18), ("region", 7), ("country", 1),
])  # fmt: skip
def test_demo_scores(demo_store, level, areas):
    as_of = date(2026, 11, 22)
    inputs = kpi.load_kpi_inputs(demo_store, 2570, 12, as_of)
    out = kpi.kpi_scores(inputs, level, cv.group_members_at(demo_store, level, as_of))
    assert len(out) == areas * 13
    assert out["score"].between(0, 5).all()
    assert out.groupby("area_code")["composite"].nunique().eq(1).all()
    assert set(out["light"]) <= {"green", "amber", "red"}


def test_doctests():
    assert doctest.testmod(kpi).failed == 0


def test_last_falls_back_to_the_latest_release_but_sum_keeps_to_the_year():
    kpis = pd.DataFrame(
        {"code": ["GPP", "PM"], "aggregation": ["last", "sum"], "item_codes": ["A", "B"]}
    )
    items = pd.DataFrame({"code": ["A", "B"], "area_level": ["province", "province"]})
    values = pd.DataFrame(
        {
            "item_code": ["A", "A", "B", "B"],
            "province_code": ["21"] * 4,
            # A: annual GPP growth, latest release is calendar 2024 (before FY2569)
            # B: monthly days, one month before the fiscal year and one inside it
            "period_end": pd.to_datetime(["2023-12-31", "2024-12-31", "2025-09-30", "2025-10-31"]),
            "value_sum": [2.5, 3.5, 10.0, 4.0],
            "value_mean": [2.5, 3.5, 10.0, 4.0],
            "n": [1, 1, 1, 1],
        }
    )
    out = kpi.province_results(kpis, values, items, fy_start=date(2025, 10, 1))
    assert out.set_index("kpi_code")["result"].to_dict() == {"GPP": 3.5, "PM": 4.0}


def test_each_kpi_is_lit_by_its_own_light_bars():
    """The same score is amber under the default bars and green under a KPI's own lower
    bars (KPIs sharing bars are lit together, each still by its own)."""
    kpis = pd.DataFrame(
        {
            "code": ["K1", "K2", "K3"],
            "name_th": ["a", "b", "c"],
            "weight_pct": [40, 30, 30],
            "method": ["linear"] * 3,
            "t1": [1, 1, 1],
            "t2": [2, 2, 2],
            "t3": [3, 3, 3],
            "t4": [4, 4, 4],
            "t5": [5, 5, 5],
            "higher_is_better": [True] * 3,
            "floor_score": [1.0] * 3,
            "green_at": [4.0, 3.5, 4.0],
            "amber_at": [3.0, 2.0, 3.0],
            "aggregation": ["last"] * 3,
            "item_codes": ["A", "B", "C"],
        }
    )
    results = pd.DataFrame(
        {"area_code": ["10"] * 3, "kpi_code": ["K1", "K2", "K3"], "result": [3.5, 3.5, 4.5]}
    )
    out = kpi.score_kpis(results, kpis, pd.DataFrame({"area_code": ["10"]}))
    lights = dict(zip(out["kpi_code"], out["light"], strict=True))
    assert out["score"].tolist() == [3.5, 3.5, 4.5]
    assert lights == {"K1": "amber", "K2": "green", "K3": "green"}

"""Coverage: a tiny hand-built store worked out by hand, pure functions, the demo's spread."""

from __future__ import annotations

import doctest
from datetime import date, datetime

import pandas as pd
import pytest

from lib.engine import coverage as cv
from lib.geo import reference

AS_OF = date(2025, 3, 15)  # fiscal year 2568; window of this year only (years_before=0)

# Three provinces (10 = Bangkok, in no cluster), one cluster, one region.
AREAS = pd.DataFrame(
    [
        ("TH", "country", "ประเทศไทย", "Thailand", None, None),
        ("R1", "region", "ภาคหนึ่ง", "Region 1", "TH", "region_nesdc7"),
        ("C1", "cluster", "กลุ่มหนึ่ง", "Cluster 1", "TH", "cluster_2017"),
        ("10", "province", "กรุงเทพมหานคร", "Bangkok", "TH", None),
        ("90", "province", "สงขลา", "Songkhla", "TH", None),
        ("91", "province", "สตูล", "Satun", "TH", None),
    ],
    columns=["code", "level", "name_th", "name_en", "parent_code", "scheme"],
)
SCHEMES = reference.SCHEMES.copy()
MEMBERS = pd.DataFrame(
    [
        ("cluster_2017", "C1", "90", None, None),
        ("cluster_2017", "C1", "91", None, None),
        ("region_nesdc7", "R1", "10", None, None),
        ("region_nesdc7", "R1", "90", None, None),
        ("region_nesdc7", "R1", "91", None, None),
    ],
    columns=["scheme", "group_code", "province_code", "valid_from", "valid_to"],
)
# M1: monthly, lag 30 -> Oct..Jan due at AS_OF (4 cells); Q1: quarterly, lag 45 ->
# 2024-Q4 due (1 cell); FEED: the integration feed (does not count for coverage).
ITEMS = pd.DataFrame(
    [
        ("M1", "ECO-X", "monthly", 30, 0.0, 100.0, True, True),
        ("Q1", "SOC-X", "quarterly", 45, 0.0, 1000.0, False, True),
        ("FEED", "ECO-X", "monthly", 0, 0.0, 1e9, True, False),
    ],
    columns=[
        "code",
        "aspect_code",
        "frequency",
        "release_lag_days",
        "valid_min",
        "valid_max",
        "higher_is_better",
        "counts_for_coverage",
    ],
).assign(
    name_th=lambda d: d.code,
    name_en=lambda d: d.code,
    unit_th="หน่วย",
    unit_en="unit",
    area_level="province",
    owner_agency="POPS",
    responsible_person="ผู้รับผิดชอบ",
    source="test",
    is_published=True,
    decimals=0,
)
KPIS = pd.DataFrame(
    [
        ("K44", "milestone", None, None, None, None, None, True, 1.0, 20.0, "coverage"),
        ("KM", "linear", 100, 150, 200, 250, 300, True, 1.0, 50.0, "sum"),
        ("KQ", "linear", 500, 400, 300, 200, 100, False, 0.0, 30.0, "last"),
    ],
    columns=[
        "code",
        "method",
        "t1",
        "t2",
        "t3",
        "t4",
        "t5",
        "higher_is_better",
        "floor_score",
        "weight_pct",
        "aggregation",
    ],
).assign(name_th=lambda d: d.code, name_en=lambda d: d.code, owner_agency="POPS")
KPI_ITEMS = pd.DataFrame(
    [("K44", "FEED"), ("KM", "M1"), ("KQ", "Q1")], columns=["kpi_code", "item_code"]
)


def _cell(item, area, period, end, value, status="verified", submitted=date(2025, 3, 1)):
    return {
        "item_code": item,
        "area_code": area,
        "period": period,
        "period_end": pd.Timestamp(end),
        "value": float(value),
        "status": status,
        "submitted_by": "t",
        "submitted_at": pd.Timestamp(datetime.combine(submitted, datetime.min.time())),
        "verified_by": "v" if status == "verified" else None,
        "verified_at": pd.Timestamp(submitted) if status == "verified" else pd.NaT,
        "note": None,
    }


MONTHS = [("2024-10", "2024-10-31"), ("2024-11", "2024-11-30"), ("2024-12", "2024-12-31")]
JAN = ("2025-01", "2025-01-31")
Q4 = ("2024-Q4", "2024-12-31")


def tiny_observations() -> pd.DataFrame:
    """10: all perfect; 90: January sent after as-of; 91: January unverified, Q1 out of range."""
    rows = []
    for p, e in [*MONTHS, JAN]:
        rows.append(_cell("M1", "10", p, e, 50))
    rows.append(_cell("M1", "10", "2025-02", "2025-02-28", 50))  # not yet due: not counted
    rows.append(_cell("Q1", "10", *Q4, 250))
    rows.append(_cell("FEED", "10", "2025-02", "2025-02-28", 1))
    for p, e in MONTHS:
        rows.append(_cell("M1", "90", p, e, 60))
    rows.append(_cell("M1", "90", *JAN, 60, submitted=date(2025, 3, 20)))  # after as-of
    rows.append(_cell("Q1", "90", *Q4, 350))
    rows.append(_cell("FEED", "90", "2025-01", "2025-01-31", 1))
    for p, e in MONTHS:
        rows.append(_cell("M1", "91", p, e, 70))
    rows.append(_cell("M1", "91", *JAN, 70, status="submitted"))
    rows.append(_cell("Q1", "91", *Q4, 5000))  # verified but above valid_max 1000
    return pd.DataFrame(rows)


def load_tiny(store) -> None:
    """Fill a migrated empty store with the tiny hand-built case."""
    store.replace_tables(
        {
            "areas": AREAS,
            "grouping_schemes": SCHEMES,
            "grouping_members": MEMBERS,
            "agencies": pd.DataFrame(
                [("POPS", "สนจ.", "POPS", None, None)],
                columns=["code", "name_th", "name_en", "ministry_th", "ministry_en"],
            ),
            "data_groups": pd.DataFrame(
                [("ECO", "เศรษฐกิจ", "Economy", 1), ("SOC", "สังคม", "Society", 2)],
                columns=["code", "name_th", "name_en", "sort_order"],
            ),
            "aspects": pd.DataFrame(
                [("ECO-X", "ECO", "x", "x", 1), ("SOC-X", "SOC", "x", "x", 1)],
                columns=["code", "group_code", "name_th", "name_en", "sort_order"],
            ),
            "items": ITEMS,
            "kpis": KPIS,
            "kpi_items": KPI_ITEMS,
        }
    )
    # FEED's cells arrived through an integration feed (KPI 4.4 step 1)
    batch = {"username": "test", "kind": "demo", "feed_items": ["FEED"]}
    store.load_observations(tiny_observations(), batch)


@pytest.fixture
def tiny(empty_store):
    load_tiny(empty_store)
    return empty_store


def tiny_inputs(store):
    return cv.load_coverage_inputs(store, 2568, AS_OF, years_before=0)


# Worked out by hand (required: M1 4 months + Q1 one quarter = 5 cells per province):
#   10: present 5, correct 5, timely 2/2, correct-and-timely 5  -> 100 %
#   90: January arrived after as-of: present 4, correct 4, M1 not timely -> ct = Q1's 1 -> 20 %
#   91: January unverified, Q1 out of range: present 5, correct 3, both timely -> ct 3 -> 60 %
EXPECTED_PROVINCES = {
    "10": (5, 5, 5, 5, 2, 100.0, 100.0, 100.0, 100.0, True, 5),
    "90": (5, 4, 4, 1, 1, 80.0, 100.0, 50.0, 20.0, True, 1),
    "91": (5, 5, 3, 3, 2, 100.0, 60.0, 100.0, 60.0, False, 0),
}


@pytest.mark.parametrize("code", sorted(EXPECTED_PROVINCES))
def test_tiny_store_province_figures(tiny, code):
    report = cv.coverage_report(tiny_inputs(tiny), "province").set_index("area_code")
    row = report.loc[code]
    req, present, correct, ct, timely, comp, corr, tim, ctp, feed, level = EXPECTED_PROVINCES[code]
    assert (row.required_cells, row.present_cells, row.correct_cells, row.ct_cells) == (
        req,
        present,
        correct,
        ct,
    )
    assert row.item_areas_timely == timely
    assert row.complete_pct == pytest.approx(comp)
    assert row.correct_pct == pytest.approx(corr)
    assert row.timely_pct == pytest.approx(tim)
    assert row.correct_and_timely_pct == pytest.approx(ctp)
    assert bool(row.step1_feed) is feed
    assert row.milestone_level == level


@pytest.mark.parametrize(
    ("level", "members", "code", "pooled", "ct_pct", "weakest", "weakest_pct"),
    [
        # Cluster C1 = 90 + 91 (Bangkok is in no cluster): 10 required, ct 1 + 3 = 4.
        ("cluster", cv.members_for("cluster", AREAS, MEMBERS.query("scheme == 'cluster_2017'")),
         "C1", (10, 9, 7, 4), 40.0, "90", 20.0),
        # Region R1 and the country pool all three: 15 required, ct 5 + 1 + 3 = 9.
        ("region", cv.members_for("region", AREAS, MEMBERS.query("scheme == 'region_nesdc7'")),
         "R1", (15, 14, 12, 9), 60.0, "90", 20.0),
        ("country", cv.members_for("country", AREAS), "TH", (15, 14, 12, 9), 60.0, "90", 20.0),
    ],
)  # fmt: skip
def test_rollup_pools_cells_and_names_weakest(tiny, level, members, code, pooled, ct_pct, weakest,
                                              weakest_pct):  # fmt: skip
    inputs = tiny_inputs(tiny)
    group = members.rename(columns={"area_code": "group_code"})
    report = cv.coverage_report(inputs, level, None if level == "country" else group)
    row = report.set_index("area_code").loc[code]
    assert (row.required_cells, row.present_cells, row.correct_cells, row.ct_cells) == pooled
    assert row.correct_and_timely_pct == pytest.approx(ct_pct)
    assert row.weakest_code == weakest
    assert row.weakest_correct_and_timely_pct == pytest.approx(weakest_pct)
    # Step 1 of a group needs the feed in every member: 91 has none.
    assert not row.step1_feed
    assert row.milestone_level == 0


def test_store_loader_and_grouping(tiny):
    report = cv.coverage(tiny, "cluster", 2568, AS_OF)
    assert report["area_code"].tolist() == ["C1"]
    assert report.loc[0, "members"] == 2
    report = cv.coverage(tiny, "region", 2568, AS_OF)
    assert report.loc[0, "members"] == 3


def test_by_group(tiny):
    inputs = tiny_inputs(tiny)
    out = cv.coverage_by_group(inputs, "province").set_index(["area_code", "group_code"])
    # 91: ECO = M1 (4 required, 3 correct, timely) -> 75 %; SOC = Q1 out of range -> 0 %.
    assert out.loc[("91", "ECO"), "correct_and_timely_pct"] == pytest.approx(75.0)
    assert out.loc[("91", "SOC"), "correct_and_timely_pct"] == pytest.approx(0.0)
    assert out.loc[("90", "ECO"), "timely_pct"] == pytest.approx(0.0)


def test_later_as_of_counts_late_arrival(tiny):
    # On 20 March the January value of 90 has arrived: M1 is timely again.
    inputs = cv.load_coverage_inputs(tiny, 2568, date(2025, 3, 20), years_before=0)
    row = cv.coverage_report(inputs, "province").set_index("area_code").loc["90"]
    assert (row.present_cells, row.ct_cells) == (5, 5)


@pytest.mark.parametrize(
    ("required", "ct", "level"),
    [
        (10, 7, 1),  # 70 %
        (10, 8, 2),  # exactly 80 %
        (1000, 799, 1),  # 79.9 %
        (10, 9, 3),  # exactly 90 %
        (1000, 999, 3),  # 99.9 %: not 100
        (10, 10, 5),  # 100 % and step 5
        (0, 0, 1),  # nothing required: steps 2-4 not reached
    ],
)
def test_milestone_bars_exact(required, ct, level):
    frame = pd.DataFrame({"required_cells": [required], "ct_cells": [ct]})
    frame = frame.assign(step1_feed=True, step5_groups=True)
    assert cv.milestone_steps(frame)["milestone_level"].iloc[0] == level


@pytest.mark.parametrize(
    ("step1", "step5", "level"), [(False, True, 0), (True, False, 4), (True, True, 5)]
)
def test_milestone_steps_1_and_5(step1, step5, level):
    frame = pd.DataFrame(
        {"required_cells": [4], "ct_cells": [4], "step1_feed": [step1], "step5_groups": [step5]}
    )
    assert cv.milestone_steps(frame)["milestone_level"].iloc[0] == level


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cv.check_level("planet"), "unknown level"),
        (lambda: cv.item_area_coverage("x", ITEMS, AREAS, AS_OF, [2568]), "DataFrame"),
        (lambda: cv.item_area_coverage(pd.DataFrame(), ITEMS, AREAS, AS_OF, [2568]), "lacks"),
        (lambda: cv.window_bounds([], AS_OF), "at least one"),
        (lambda: cv.window_bounds([2570], AS_OF), "before the window"),
        (lambda: cv.scheme_for("cluster", "1999"), "unknown cluster"),
        (lambda: cv.scheme_for("region", regions="x"), "unknown region"),
        (lambda: cv.members_for("cluster", AREAS), "needs the group members"),
        (lambda: cv.milestone_steps(pd.DataFrame(), bars=(80, 90)), "lacks"),
    ],
)
def test_bad_input_raises_clear_valueerror(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_empty_facts_give_zero_coverage():
    items = ITEMS.assign(group_code=["ECO", "SOC", "ECO"])
    facts = pd.DataFrame(columns=list(cv.FACT_COLUMNS))
    cells = cv.item_area_coverage(facts, items, AREAS, AS_OF, [2568])
    assert cells["required_cells"].sum() == 15
    assert cells["present_cells"].sum() == 0


# -- reference groupings --------------------------------------------------------
@pytest.fixture
def reference_store(empty_store):
    empty_store.replace_tables(reference.reference_frames())
    return empty_store


@pytest.mark.parametrize(
    ("on", "grouping", "expected"),
    [
        (date(2015, 6, 1), None, "C09-SB"),  # the 2009 set was in force: Southern Border
        (date(2020, 6, 1), None, "C17-SG"),  # the 2017 set: Southern Gulf
        (date(2020, 6, 1), "2009", "C09-SB"),  # a chosen set wins
    ],
)
def test_songkhla_cluster_by_date(reference_store, on, grouping, expected):
    members = cv.group_members_at(reference_store, "cluster", on, grouping)
    assert members.set_index("province_code").loc["90", "group_code"] == expected


def test_bangkok_in_regions_not_clusters(reference_store):
    clusters = cv.group_members_at(reference_store, "cluster", date(2026, 1, 1))
    regions = cv.group_members_at(reference_store, "region", date(2026, 1, 1))
    assert "10" not in set(clusters["province_code"])
    assert "10" in set(regions["province_code"])
    assert clusters["group_code"].nunique() == 18
    assert regions["group_code"].nunique() == 7


# -- the demo store -------------------------------------------------------------
DEMO_AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_inputs(demo_store):
    return cv.load_coverage_inputs(demo_store, 2570, DEMO_AS_OF)


def test_demo_spread_between_provinces(demo_inputs):
    report = cv.coverage_report(demo_inputs, "province")
    assert len(report) == 77
    pct = report["correct_and_timely_pct"]
    assert pct.notna().all()
    assert (pct >= 95).any(), pct.describe()
    assert (pct < 80).any(), pct.describe()
    assert report["milestone_level"].nunique() >= 3


@pytest.mark.parametrize(("level", "rows", "members"), [
    ("province", 77, 77), ("cluster", 18, 76), ("region", 7, 77), ("country", 1, 77),
])  # fmt: skip
def test_demo_levels(demo_store, demo_inputs, level, rows, members):
    group = cv.group_members_at(demo_store, level, DEMO_AS_OF)
    report = cv.coverage_report(demo_inputs, level, group)
    assert len(report) == rows
    assert report["members"].sum() == members
    by_group = cv.coverage_by_group(demo_inputs, level, group)
    assert len(by_group) == rows * 4


def test_doctests():
    assert doctest.testmod(cv).failed == 0

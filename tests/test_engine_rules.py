"""Rules of the figures seen through the engine on a small store built in code.

The store holds the shipped reference and catalogue (no demo data) and a few
cells per test, so each figure can be worked out by hand.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lib.engine import coverage as cv


@pytest.fixture
def store(reference_store):
    """A store with reference and catalogue: a file, then on the store server."""
    return reference_store


def load(store, rows, status="submitted", verified_at=None, feed_items=()) -> None:
    """Load monthly cells (item, area, period, value, submitted on) as one batch; those of
    feed_items as delivered by an integration feed."""
    frame = pd.DataFrame(
        [
            {
                "item_code": item,
                "area_code": area,
                "period": period,
                "period_end": pd.Period(period, "M").end_time.normalize().date(),
                "value": value,
                "status": status,
                "submitted_by": "pto",
                "submitted_at": datetime.combine(on, datetime.min.time()),
                "verified_by": "pto-v" if verified_at else None,
                "verified_at": verified_at,
                "note": None,
            }
            for item, area, period, value, on in rows
        ]
    )
    store.load_observations(
        frame, {"username": "test", "kind": "demo", "feed_items": list(feed_items)}
    )


def cell(store, item, area, as_of, fiscal_year=2568):
    """The coverage cell of one item x area in the window of fiscal_year only, at as_of."""
    inputs = cv.load_coverage_inputs(store, fiscal_year, as_of, years_before=0)
    cells = inputs.cells(only_counting=False).set_index(["item_code", "area_code"])
    return cells.loc[(item, area)]


# FIN01: monthly, release lag 10 days, so January 2025 is due on 10 February 2025.
JANUARY = ("FIN01", "21", "2025-01", 50.0, date(2025, 2, 5))


def test_a_cell_due_on_the_as_of_day_is_required_and_present(store):
    load(store, [JANUARY])
    on_the_day = cell(store, "FIN01", "21", date(2025, 2, 10))
    # October .. January are due; January is present and is the latest due month.
    assert (on_the_day.required_cells, on_the_day.present_cells) == (4, 1)
    assert on_the_day.item_areas_timely == 1


def test_a_cell_due_the_day_after_the_as_of_day_is_neither_required_nor_present(store):
    load(store, [JANUARY])
    day_before = cell(store, "FIN01", "21", date(2025, 2, 9))
    # January's value is stored, but it is not due yet: October .. December are required.
    assert (day_before.required_cells, day_before.present_cells) == (3, 0)
    assert day_before.item_areas_timely == 0


def test_a_verification_dated_after_the_as_of_day_does_not_count_as_correct_then(store):
    load(store, [JANUARY], status="verified", verified_at=datetime(2025, 2, 12, 9, 30))
    before = cell(store, "FIN01", "21", date(2025, 2, 11))
    assert (before.present_cells, before.correct_cells, before.ct_cells) == (1, 0, 0)
    after = cell(store, "FIN01", "21", date(2025, 2, 12))
    assert (after.present_cells, after.correct_cells, after.ct_cells) == (1, 1, 1)


@pytest.mark.parametrize(
    ("as_of", "cluster", "members", "present"),
    [
        # The 2009 set is in force up to 16 Nov 2017: Songkhla (90) is in the Southern Border
        # cluster with 91, 94, 95, 96; two of them (91, 94) delivered September 2017.
        (date(2017, 11, 16), "C09-SB", {"90", "91", "94", "95", "96"}, 2),
        # From 17 Nov 2017 the 2017 set: Southern Gulf with 80, 84, 86, 93; three delivered.
        (date(2017, 11, 17), "C17-SG", {"80", "84", "86", "90", "93"}, 3),
    ],
)
def test_cluster_rollup_follows_the_2017_regrouping(store, as_of, cluster, members, present):
    on = date(2017, 10, 5)
    load(store, [("FIN01", p, "2017-09", 1.0, on) for p in ("91", "94", "80", "84", "86")])
    report = cv.coverage(store, "cluster", 2561, as_of).set_index("area_code")
    assert all(code.startswith(cluster[:4]) for code in report.index)
    row = report.loc[cluster]
    assert row.members == len(members)
    per_province = cv.coverage(store, "province", 2561, as_of).set_index("area_code")
    assert row.required_cells == per_province.loc[sorted(members), "required_cells"].sum()
    assert row.present_cells == present
    # Songkhla delivered nothing and the others are tied at 0 % correct: lowest code first.
    assert row.weakest_code == sorted(members)[0]


def test_a_district_feed_delivery_counts_for_its_provinces_step_1(store):
    # A feed delivered a district item (CRM03) of a district of province 21.
    load(store, [("CRM03", "2101", "2025-01", 3.0, date(2025, 2, 5))], feed_items=["CRM03"])
    report = cv.coverage(store, "province", 2568, date(2025, 3, 31)).set_index("area_code")
    assert bool(report.loc["21", "step1_feed"]) is True
    assert bool(report.loc["20", "step1_feed"]) is False
    assert (report.loc["21", "milestone_level"], report.loc["20", "milestone_level"]) == (1, 0)

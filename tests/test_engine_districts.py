"""District figures (lib.engine.districts): data health and KPI results per district.

Small frames built in code; one check on the demo store that district figures use
the same cells as the province figures.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.engine import coverage as cv
from lib.engine import districts as ed
from lib.engine import kpi
from tests.conftest import AS_OF

AREAS = pd.DataFrame(
    {
        "code": ["21", "2101", "2102", "2103"],
        "level": ["province", "district", "district", "district"],
        "parent_code": ["TH", "21", "21", "21"],
        "name_th": ["ระยอง", "เมืองระยอง", "บ้านฉาง", "แกลง"],
        "name_en": ["Rayong", "Mueang Rayong", "Ban Chang", "Klaeng"],
    }
)
ITEMS = pd.DataFrame(
    {
        "code": ["D1", "D2", "P1"],
        "area_level": ["district", "district", "province"],
    }
)
KPIS = pd.DataFrame(
    {
        "code": ["KD", "KM", "KP", "KC"],
        "name_th": ["d", "m", "p", "c"],
        "weight_pct": [40, 20, 30, 10],
        "method": ["linear", "linear", "linear", "milestone"],
        "t1": [10, 1, 1, None],
        "t2": [20, 2, 2, None],
        "t3": [30, 3, 3, None],
        "t4": [40, 4, 4, None],
        "t5": [50, 5, 5, None],
        "higher_is_better": [True, True, True, True],
        "floor_score": [1.0] * 4,
        "green_at": [4.0] * 4,
        "amber_at": [3.0] * 4,
        "aggregation": ["sum", "mean", "last", "coverage"],
        "item_codes": ["D1", "D1,D2", "P1", "P1"],
    }
)


def cells(rows):
    """Item x area coverage cells: (item, area, required, present, correct, timely)."""
    out = []
    for item, area, req, present, correct, timely in rows:
        out.append(
            {
                "item_code": item,
                "area_code": area,
                "province_code": area[:2],
                "required_cells": req,
                "present_cells": present,
                "correct_cells": correct,
                "ct_cells": correct if timely else 0,
                "item_areas_required": 1,
                "item_areas_timely": int(timely),
            }
        )
    return pd.DataFrame(out)


def test_district_health_pools_each_districts_cells_as_the_province_figures_do():
    c = cells(
        [
            ("D1", "2101", 4, 3, 3, False),  # the worked example of lib.engine.coverage
            ("D2", "2101", 4, 4, 3, True),
            ("D1", "2102", 4, 4, 4, True),
            ("P1", "21", 4, 4, 4, True),  # a province cell: not a district's
        ]
    )
    out = ed.district_health(c, AREAS).set_index("area_code")
    assert list(out.index) == ["2101", "2102", "2103"]
    assert out.at["2101", "correct_and_timely_pct"] == pytest.approx(37.5)
    assert out.at["2101", "complete_pct"] == pytest.approx(87.5)
    assert out.at["2101", "correct_pct"] == pytest.approx(6 / 7 * 100)
    assert out.at["2101", "timely_pct"] == pytest.approx(50.0)
    assert out.at["2102", "correct_and_timely_pct"] == pytest.approx(100.0)
    assert np.isnan(out.at["2103", "complete_pct"])  # nothing required there
    assert (out["province_code"] == "21").all() and (out["level"] == "district").all()


def test_each_kpi_says_whether_it_has_district_figures_and_why_not():
    status = ed.district_kpi_status(KPIS, ITEMS).set_index("kpi_code")
    assert status["available"].to_dict() == {"KD": True, "KM": True, "KP": False, "KC": False}
    assert (
        status.at["KP", "reason"] == "province_items" and status.at["KP", "province_items"] == "P1"
    )
    assert status.at["KC", "reason"] == "coverage"


def values(rows):
    """Per-district values: (item, district, period_end, value)."""
    return pd.DataFrame(
        [
            {
                "item_code": i,
                "province_code": a,
                "period_end": pd.Timestamp(e),
                "value_sum": v,
                "value_mean": v,
                "n": 1,
            }
            for i, a, e, v in rows
        ]
    )


def test_district_kpi_results_follow_the_kpis_aggregation_and_thresholds():
    v = values(
        [
            ("D1", "2101", "2025-01-31", 10.0),
            ("D1", "2101", "2025-02-28", 15.0),
            ("D1", "2102", "2025-01-31", 50.0),
            ("D2", "2101", "2025-01-31", 4.0),
            ("D1", "2101", "2024-06-30", 99.0),  # before the fiscal year: not in a sum
        ]
    )
    c = cells([("D1", "2101", 2, 2, 2, True), ("D2", "2101", 2, 1, 0, False)])
    out = ed.district_kpi_scores(KPIS, v, c, ITEMS, AREAS, date(2024, 10, 1))
    out = out.set_index(["area_code", "kpi_code"])
    assert set(out.index.get_level_values("kpi_code")) == {"KD", "KM"}  # not KP, KC
    assert out.at[("2101", "KD"), "result"] == pytest.approx(25.0)  # sum of the year's months
    assert out.at[("2101", "KD"), "score"] == pytest.approx(2.5)  # linear between T2 and T3
    assert out.at[("2102", "KD"), "score"] == pytest.approx(5.0)
    # mean KPI on two items: mean of each item's mean (12.5 and 4)
    assert out.at[("2101", "KM"), "result"] == pytest.approx((12.5 + 4.0) / 2)
    assert np.isnan(out.at[("2103", "KD"), "result"]) and out.at[("2103", "KD"), "score"] == 0
    assert not out.at[("2103", "KD"), "reliable"]
    # reliability from the district's own data health of the linked items
    assert out.at[("2101", "KD"), "complete_pct"] == pytest.approx(100.0)
    assert out.at[("2101", "KM"), "complete_pct"] == pytest.approx(75.0)
    assert out["composite"].isna().all() and (out["level"] == "district").all()


def test_no_district_kpis_gives_an_empty_frame():
    only_province = KPIS.loc[KPIS["code"].isin(["KP", "KC"])]
    out = ed.district_kpi_scores(only_province, values([]), cells([]), ITEMS, AREAS)
    assert out.empty and "score" in out.columns


def test_demo_district_health_uses_the_province_cells(demo_store):
    fy = 2569
    inputs = cv.load_coverage_inputs(demo_store, fy, AS_OF)
    all_cells = inputs.cells()
    report = ed.district_coverage(demo_store, fy, AS_OF)
    assert len(report) == 928
    district_items = set(inputs.items.loc[inputs.items["area_level"] == "district", "code"])
    rayong = all_cells.loc[
        (all_cells["province_code"] == "21") & all_cells["item_code"].isin(district_items)
    ]
    mine = report.loc[report["province_code"] == "21"]
    assert mine["required_cells"].sum() == rayong["required_cells"].sum() > 0
    assert mine["ct_cells"].sum() == rayong["ct_cells"].sum()
    assert mine["correct_and_timely_pct"].notna().all()


def test_demo_kpis_are_province_level_so_no_district_scores(demo_store):
    scores = ed.district_scores(demo_store, 2569, AS_OF)
    status = ed.district_kpi_status(demo_store.kpis(), demo_store.catalog())
    assert scores.empty and not status["available"].any()
    assert set(status["reason"]) == {"province_items", "coverage"}
    assert set(kpi.RESULT_COLUMNS) <= set(scores.columns)

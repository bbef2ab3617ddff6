"""The demo catalogue and its seeded generator."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import pytest

from lib.core import thaicalendar as tc
from lib.core.settings import DEMO_YEARS_BEFORE
from lib.geo import reference
from lib.services import demo

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def areas():
    frames = reference.reference_frames()
    return demo.demo_areas(frames["areas"], reference.province_baseline(), demo.DEMO_SEED)


def _digest(items, areas, seed, as_of=AS_OF) -> str:
    h = hashlib.sha256()
    for frame in demo.generate_observations(items, areas, as_of, seed):
        h.update(frame.to_csv(index=False).encode("utf-8"))
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(areas):
    items = demo.demo_items().head(12)
    assert _digest(items, areas, 7) == _digest(items, areas, 7)
    assert _digest(items, areas, 7) != _digest(items, areas, 8)


def test_catalogue_shape():
    frames = demo.catalog_frames()
    items, aspects = frames["items"], frames["aspects"]
    assert len(items) >= 60
    assert set(frames["data_groups"].code) == {"ECO", "SOC", "ENV", "SEC"}
    per_group = aspects.groupby("group_code").size()
    assert (per_group >= 5).all(), per_group
    assert set(items.frequency) == {"monthly", "quarterly", "annual", "fiscal_annual"}
    assert (items.area_level == "district").sum() >= 5
    assert items.code.is_unique
    assert items.name_th.str.contains(r"[\u0E00-\u0E7F]").all()
    assert set(items.owner_agency) <= set(frames["agencies"].code)
    assert {"PSO", "PAO", "PHO", "PPOL", "PNRE", "PTO", "PLO"} <= set(items.owner_agency)


def test_kpis_include_the_seed_kpis():
    kpis = demo.catalog_frames()["kpis"].set_index("code")
    assert len(kpis) >= 10
    assert kpis.weight_pct.sum() == pytest.approx(100.0)
    moi = kpis.loc["KPI01"]
    assert (moi.method, moi.weight_pct, moi.aggregation) == ("milestone", 7.0, "coverage")
    seed002 = kpis.loc["KPI02"]
    assert seed002.method == "linear"
    assert [seed002[t] for t in ("t1", "t2", "t3", "t4", "t5")] == [6, 7, 8, 9, 10]


def test_registered_population_is_the_real_dopa_figure(demo_store):
    pop = demo_store.table_frame("observations").query("item_code == 'POP01'")
    values = pop.set_index(["area_code", "period"])["value"]
    base = reference.province_baseline().set_index("province_code")
    for code in ("10", "21", "50"):
        assert values[(code, "2021")] == base.loc[code, "population_dopa_2021"]
        assert values[(code, "2017")] == base.loc[code, "population_dopa_2017"]


def test_every_province_has_values_for_the_window(demo_store):
    obs = demo_store.table_frame("observations")
    fy_first = tc.fiscal_year_of(AS_OF) - DEMO_YEARS_BEFORE
    monthly = obs[obs.item_code == "FIN01"]
    fys = {tc.fiscal_year_of(d.date()) for d in pd.to_datetime(monthly.period_end)}
    assert fys == set(range(fy_first, fy_first + DEMO_YEARS_BEFORE + 1))
    assert monthly.area_code.nunique() == 77
    # district items are reported by district
    assert obs[obs.item_code == "HLT01"].area_code.str.len().eq(4).all()


def test_imperfection_is_visible(demo_store):
    obs = demo_store.table_frame("observations")
    status = obs.status.value_counts(normalize=True)
    assert 0.02 < status["submitted"] < 0.3
    assert status.get("rejected", 0) > 0
    # some provinces are behind: fewer cells present in the last due month
    last_month = tc.latest_due_period(AS_OF, "monthly", 10)
    present = obs[
        (obs.item_code.isin(["FIN01", "CRM02", "ORD02", "GOV02"])) & (obs.period == last_month)
    ]
    per_province = (
        present.groupby("area_code")
        .size()
        .reindex([f"{c}" for c in reference.provinces().code], fill_value=0)
    )
    assert per_province.max() == 4 and per_province.min() < 4


def test_national_scale_catalogue_is_monthly_district_items():
    items = demo.national_items(demo.demo_items(), 210)
    assert len(items) == 210 and items.code.is_unique
    assert set(items.frequency) == {"monthly"} and set(items.area_level) == {"district"}
    # 210 items x 928 districts x 120 months is well over 10 million cells
    assert 210 * 928 * 120 > 10_000_000


@pytest.mark.parametrize(
    ("fiscal_year", "as_of"), [(2570, AS_OF), (2569, date(2026, 9, 30)), (2569, date(2026, 3, 15))]
)
def test_the_demo_gov02_values_are_a_feeds_deliveries_for_step_1(demo_store, fiscal_year, as_of):
    """KPI 4.4 step 1 holds where the demo's feed delivered GOV02 in the fiscal year by as_of."""
    from lib.engine import coverage as cv

    start, end = tc.fiscal_year_bounds(fiscal_year)
    obs = demo_store.table_frame("observations")
    ends, sent = pd.to_datetime(obs["period_end"]).dt.date, pd.to_datetime(obs["submitted_at"])
    gov02 = obs[
        (obs["item_code"] == "GOV02")
        & ends.between(start, min(end, as_of))
        & (sent < pd.Timestamp(as_of) + pd.Timedelta(days=1))
    ]
    report = cv.coverage(demo_store, "province", fiscal_year, as_of)
    fed = set(report.loc[report["step1_feed"], "area_code"])
    assert fed == set(gov02["area_code"]) and fed

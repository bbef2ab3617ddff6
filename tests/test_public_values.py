"""The public sees verified values of published items only (store and service level).

A store built in code holds, for a few items, verified values and one value still
awaiting its verifier (submitted) per item; the public's view of the store (the
verified view) leaves the submitted ones out of every value figure, a signed-in
account sees them, and data health counts both.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lib.core import thaicalendar as tc
from lib.engine import coverage as cv
from lib.engine import kpi
from lib.services import auth, catalogue
from lib.services.auth import displays
from lib.services.bootstrap import init_store
from lib.store import Store
from lib.views.map import figures as map_figures
from lib.views.map import state as map_state
from tests.conftest import AS_OF

FY = map_state.default_fiscal_year(AS_OF)
SUBMITTED_AT = datetime(2026, 11, 1, 9, 0)
VERIFIED_AT = datetime(2026, 11, 2, 9, 0)
# FIN01 over the fiscal year the pages show (FY 2569: October 2025 to September 2026)
FIN_MONTHS = [f"2025-{m}" for m in (10, 11, 12)] + [f"2026-{m:02d}" for m in range(1, 10)]


def _cell(item, area, period, freq, value, status="verified") -> dict:
    verified = status == "verified"
    return {
        "item_code": item,
        "area_code": area,
        "period": period,
        "period_end": tc.period_bounds(period, freq)[1],
        "value": float(value),
        "status": status,
        "submitted_by": "loader",
        "submitted_at": SUBMITTED_AT,
        "verified_by": "checker" if verified else None,
        "verified_at": VERIFIED_AT if verified else None,
        "note": None,
    }


def value_cells(rayong_districts: list[str]) -> pd.DataFrame:
    """The values of the test store: one submitted value per item among verified ones."""
    rows = [
        # MAC01 (published, annual): Rayong's 2025 value awaits its verifier
        _cell("MAC01", "10", "2025", "annual", 100),
        _cell("MAC01", "20", "2025", "annual", 200),
        _cell("MAC01", "21", "2025", "annual", 300, "submitted"),
        _cell("MAC01", "21", "2024", "annual", 250),
        _cell("MAC01", "10", "2023", "annual", 90, "submitted"),  # a period only submitted
        # POP01 (published): the home page's density
        _cell("POP01", "10", "2025", "annual", 5_000_000),
        _cell("POP01", "20", "2025", "annual", 1_600_000),
        _cell("POP01", "21", "2025", "annual", 800_000, "submitted"),
        _cell("POP01", "21", "2024", "annual", 700_000),
        # ORD03: an unpublished item, verified
        _cell("ORD03", "10", "2026-Q3", "quarterly", 5),
        _cell("ORD03", "21", "2026-Q3", "quarterly", 7),
    ]
    for area, base in (("10", 60), ("20", 70), ("21", 80)):  # FIN01 feeds KPI04 (last value)
        for i, month in enumerate(FIN_MONTHS):
            submitted = area == "21" and month == FIN_MONTHS[-1]
            value = 11 if submitted else base + i
            status = "submitted" if submitted else "verified"
            rows.append(_cell("FIN01", area, month, "monthly", value, status))
    first, second = rayong_districts[:2]  # HLT01: a district item
    rows += [
        _cell("HLT01", first, "2026-09", "monthly", 10),
        _cell("HLT01", first, "2026-10", "monthly", 99, "submitted"),
        _cell("HLT01", second, "2026-09", "monthly", 20),
    ]
    frame = pd.DataFrame(rows)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame


def build_values_store(path) -> Store:
    """Reference and catalogue, then the values of `value_cells` as one load; open store."""
    store = Store(path)
    init_store(store, with_demo=False)
    districts = store.areas("district")
    rayong = sorted(districts.loc[districts["parent_code"] == "21", "code"])
    batch = {"kind": "demo", "username": "loader", "created_at": SUBMITTED_AT, "origin": "test"}
    meta = {"demo_as_of": AS_OF.isoformat()}  # the day the pages describe
    store.load_observation_chunks(iter([value_cells(rayong)]), batch, meta)
    return store


@pytest.fixture
def store(tmp_path):
    s = build_values_store(tmp_path / "values.duckdb")
    yield s
    s.close()


@pytest.fixture
def public(store):
    return catalogue.values_seen_by(store, None)


EXECUTIVE = auth.User("gov21", "executive", area_code="21")


# -- who sees what -----------------------------------------------------------------
def test_only_signed_in_accounts_see_unverified_values():
    assert catalogue.sees_unverified(None) is False
    for role in ("staff", "verifier", "executive", "admin"):
        assert catalogue.sees_unverified(auth.User("u", role)) is True
    assert catalogue.sees_unverified(auth.User("u", "executive", is_active=False)) is False
    wall = displays.viewer({"id": 1, "scopes": "21", "label": "wall"})
    assert catalogue.sees_unverified(wall) is False  # a display link is a public screen


def test_the_public_reads_the_verified_view_and_an_account_the_store(store, public):
    assert public.verified_only and not store.verified_only
    assert catalogue.values_seen_by(store, EXECUTIVE) is store
    assert public.verified_view() is public
    assert public.path == store.path


def test_readable_codes_leave_unpublished_items_out_for_the_public(store):
    catalog = store.catalog()
    codes = catalogue.readable_codes(catalog, None)
    assert "ORD03" not in codes and "MAC01" in codes
    assert set(codes) == set(catalog.loc[catalog["is_published"], "code"])
    assert catalogue.readable_codes(catalog, EXECUTIVE) is None


# -- map and profile values ------------------------------------------------------------
def test_a_submitted_value_is_absent_from_the_publics_map_cells(store, public):
    mine = store.map_item_cells("MAC01", "2025").set_index("area_code")
    theirs = public.map_item_cells("MAC01", "2025").set_index("area_code")
    assert mine.at["21", "value"] == 300 and mine.at["21", "status"] == "submitted"
    assert pd.isna(theirs.at["21", "value"])  # the public: no value yet
    assert theirs.at["21", "latest_end"] == pd.Timestamp("2024-12-31")  # its verified one
    for area, value in (("10", 100), ("20", 200)):  # verified values: shown to both
        assert mine.at[area, "value"] == theirs.at[area, "value"] == value


def test_a_period_with_only_submitted_values_is_not_offered_to_the_public(store, public):
    assert "2023" in set(store.map_item_periods("MAC01")["period"])
    assert "2023" not in set(public.map_item_periods("MAC01")["period"])
    assert {"2024", "2025"} <= set(public.map_item_periods("MAC01")["period"])


def test_the_publics_map_figures_rest_on_verified_values(store, public):
    areas = store.areas()
    members = map_state.memberships(
        store.group_members("region_nesdc7", AS_OF), store.group_members("cluster_2017", AS_OF)
    )
    state = map_state.MapState(kind="item", code="MAC01", period="2025")
    mine, theirs = (
        map_figures.load_figures(s, state, "province", AS_OF, members, areas).set_index("code")
        for s in (store, public)
    )
    assert mine.at["21", "value"] == 300 and "unverified" in mine.at["21", "flag"]
    assert pd.isna(theirs.at["21", "value"])
    assert theirs.at["10", "value"] == mine.at["10", "value"] == 100


def test_the_publics_trend_and_kpi_values_leave_the_submitted_month_out(store, public):
    start, end = date(2025, 10, 1), AS_OF
    mine = store.kpi_item_values(["FIN01"], AS_OF, start, end)
    theirs = public.kpi_item_values(["FIN01"], AS_OF, start, end)
    last = pd.Timestamp("2026-09-30")
    key = (mine["province_code"] == "21") & (mine["period_end"] == last)
    assert mine.loc[key, "value_mean"].tolist() == [11]
    rayong = theirs.loc[theirs["province_code"] == "21"]
    assert last not in set(rayong["period_end"])
    assert len(mine) == len(theirs) + 1  # only the submitted value is left out


def test_the_publics_kpi_score_uses_verified_values_only(store, public):
    mine = kpi.scores(store, "province", FY, AS_OF, 12).set_index(["area_code", "kpi_code"])
    theirs = kpi.scores(public, "province", FY, AS_OF, 12).set_index(["area_code", "kpi_code"])
    assert mine.at[("21", "KPI04"), "result"] == 11  # the last value: the submitted one
    assert theirs.at[("21", "KPI04"), "result"] == 80 + len(FIN_MONTHS) - 2  # August's
    assert mine.at[("10", "KPI04"), "result"] == theirs.at[("10", "KPI04"), "result"]


def test_the_publics_district_values_are_the_latest_verified(store, public):
    mine = store.district_latest_values("21").set_index("area_code")["value"]
    theirs = public.district_latest_values("21").set_index("area_code")["value"]
    first = sorted(mine.index)[0]
    assert mine[first] == 99 and theirs[first] == 10
    assert len(mine) == len(theirs) == 2


def test_the_publics_population_density_uses_verified_population(store, public):
    mine = store.population_density().set_index("code")
    theirs = public.population_density().set_index("code")
    assert mine.at["21", "population"] == 800_000 and mine.at["21", "period"] == "2025"
    assert theirs.at["21", "population"] == 700_000 and theirs.at["21", "period"] == "2024"
    assert theirs.at["10", "population"] == mine.at["10", "population"] == 5_000_000


# -- home counts and data health --------------------------------------------------------
def test_load_summary_counts_what_the_reader_may_see(store, public):
    everything = int(store.load_summary()["cells"].sum())
    assert everything == store.observation_count()
    published = catalogue.readable_codes(store.catalog(), None)
    seen = public.load_summary(published)
    observations = store.table_frame("observations")
    expected = observations.loc[
        (observations["status"] == "verified") & observations["item_code"].isin(published)
    ]
    assert int(seen["cells"].sum()) == len(expected) < everything
    assert int(public.load_summary()["cells"].sum()) == (observations["status"] == "verified").sum()
    assert int(store.load_summary(["ORD03"])["cells"].sum()) == 2
    assert public.load_summary([]).empty


def test_data_health_counts_every_committed_value_for_the_public_too(store, public):
    mine = cv.coverage(store, "province", FY, AS_OF).set_index("area_code")
    theirs = cv.coverage(public, "province", FY, AS_OF).set_index("area_code")
    pd.testing.assert_frame_equal(mine, theirs)

"""The past on the map's item figures and the profile's districts: the version of each cell in
force at the end of a day (Store.map_item_cells / map_item_periods / district_latest_values with
as_of), for a signed-in account and for the public, in the store and on the pages.

A store built in code: Rayong's MAC01 of 2025 and two Rayong districts' HLT01 uploaded on
20 Oct 2026 (MAC01 verified on 25 Oct), then changed on 10 Nov 2026, which also brings MAC01's
2024 and a newer HLT01 month. 1 Nov 2026 lies between the uploads.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from lib.core import thaicalendar as tc
from lib.geo import districts as ds
from lib.services.auth import accounts
from lib.services.bootstrap import init_store
from lib.store import Store
from lib.views.map import figures as map_figures
from lib.views.map import state as map_state
from tests.conftest import AS_OF, add_app_users
from tests.test_past import at_clock

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIRST, VERIFIED, SECOND = (
    datetime(2026, 10, 20, 9),
    datetime(2026, 10, 25, 9),
    datetime(2026, 11, 10, 9),
)
BEFORE, BETWEEN = date(2026, 10, 1), date(2026, 11, 1)
BETWEEN_URL = "2569-11-01"  # the URL's form of BETWEEN (Buddhist year)
HLT01 = "ไข้เลือดออก"  # the HLT01 column of the profile's district table


def cell(item: str, area: str, period: str, freq: str, value: float) -> dict:
    return {
        "item_code": item,
        "area_code": area,
        "period": period,
        "period_end": tc.period_bounds(period, freq)[1],
        "value": float(value),
        "note": None,
    }


def upload(store: Store, rows: list[dict], when: datetime, name: str) -> int:
    """One upload of these cells committed at `when` (submitted, awaiting the verifier)."""
    frame = pd.DataFrame(rows)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": name}
    batch |= {"checksum": name, "created_at": when}
    return store.commit_cells(frame, batch, {"username": "pto21", "action": "upload"})


def rayong_districts(store: Store) -> list[str]:
    districts = store.areas("district")
    return sorted(districts.loc[districts["parent_code"] == "21", "code"])[:2]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    """Reference and catalogue, the app's accounts and the two uploads (built once)."""
    path = tmp_path_factory.mktemp("past_values") / "values.duckdb"
    with pytest.MonkeyPatch.context() as mp, Store(path) as store:
        mp.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
        init_store(store, with_demo=False)
        add_app_users(store)
        d1, d2 = rayong_districts(store)
        mac = cell("MAC01", "21", "2025", "annual", 300)
        upload(
            store,
            [
                mac,
                cell("HLT01", d1, "2026-09", "monthly", 10),
                cell("HLT01", d2, "2026-09", "monthly", 20),
            ],
            FIRST,
            "first.csv",
        )
        at_clock(mp, VERIFIED)
        key = ["item_code", "area_code", "period", "period_end"]
        store.set_status(pd.DataFrame([mac])[key], "verified", "pto21v")
        upload(
            store,
            [
                cell("MAC01", "21", "2025", "annual", 320),
                cell("MAC01", "21", "2024", "annual", 250),
                cell("HLT01", d1, "2026-09", "monthly", 12),
                cell("HLT01", d2, "2026-10", "monthly", 25),
            ],
            SECOND,
            "second.csv",
        )
    return path


@pytest.fixture
def store(store_path):
    with Store(store_path, read_only=True) as s:
        yield s


def rayong_mac01(store: Store, as_of: date | None) -> float:
    cells = store.map_item_cells("MAC01", "2025", as_of).set_index("area_code")
    return cells.at["21", "value"] if "21" in cells.index else None


# ---------------------------------------------------------------- the store


def test_map_item_cells_as_of_a_day_between_the_uploads_give_the_first_value(store):
    assert rayong_mac01(store, BETWEEN) == 300
    assert rayong_mac01(store, AS_OF) == 320 == rayong_mac01(store, None)
    assert rayong_mac01(store, BEFORE) is None  # not yet sent
    then = store.map_item_cells("MAC01", "2025", BETWEEN).set_index("area_code")
    assert then.at["21", "status"] == "verified"  # verified on 25 Oct, changed on 10 Nov
    assert store.map_item_cells("MAC01", "2025").set_index("area_code").at["21", "status"] == (
        "submitted"
    )


def test_the_public_as_of_a_day_sees_the_values_verified_then(store):
    public = store.verified_view()
    assert rayong_mac01(public, BETWEEN) == 300
    assert pd.isna(rayong_mac01(public, AS_OF))  # today's value awaits its verifier
    assert public.district_latest_values("21", BETWEEN).empty  # HLT01 never verified


def test_map_item_periods_as_of_a_day_list_the_periods_known_then(store):
    assert list(store.map_item_periods("MAC01", BETWEEN)["period"]) == ["2025"]
    assert list(store.map_item_periods("MAC01", AS_OF)["period"]) == ["2024", "2025"]
    assert store.map_item_periods("MAC01", AS_OF).equals(store.map_item_periods("MAC01"))
    assert store.map_item_periods("MAC01", BEFORE).empty


def test_district_latest_values_as_of_a_day_give_that_days_latest(store):
    d1, d2 = rayong_districts(store)

    def latest(as_of):
        frame = store.district_latest_values("21", as_of)
        frame = frame.loc[frame["item_code"] == "HLT01"].set_index("area_code")
        return {a: (r.period, r.value) for a, r in frame.iterrows()}

    assert latest(BETWEEN) == {d1: ("2026-09", 10.0), d2: ("2026-09", 20.0)}
    assert latest(AS_OF) == {d1: ("2026-09", 12.0), d2: ("2026-10", 25.0)} == latest(None)
    assert latest(BEFORE) == {}


def test_the_map_figures_of_an_item_rest_on_the_days_values(store):
    areas = store.areas()
    members = map_state.memberships(
        store.group_members("region_nesdc7", AS_OF), store.group_members("cluster_2017", AS_OF)
    )
    state = map_state.from_query({"fig": "item:MAC01", "per": "2025"})

    def rayong(as_of):
        figures = map_figures.load_figures(store, state, "province", as_of, members, areas)
        return figures.set_index("code").at["21", "value"]

    assert rayong(BETWEEN) == 300 and rayong(AS_OF) == 320


# ---------------------------------------------------------------- the pages


@pytest.fixture
def app_store(store_path, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    # never read or write the real district layer
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    return path


def open_page(page: str, user: str | None = "gov21", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def map_value(at, label: str) -> float:
    """Rayong's value in the table behind the map (its column is named by the item)."""
    table = at.dataframe[0].value.set_index("รหัส")
    (column,) = [c for c in table.columns if c.startswith(label)]
    return table.at["21", column]


def test_the_map_of_an_item_as_of_a_day_between_the_uploads_shows_the_first_value(app_store, store):
    label = store.catalog().set_index("code").at["MAC01", "name_th"]
    params = {"fig": "item:MAC01", "per": "2025"}
    then = open_page("map", as_of=BETWEEN_URL, **params)
    assert map_value(then, label) == 300
    assert then.query_params["per"] == "2025"
    periods = next(s for s in then.sidebar.selectbox if s.label == "งวด")
    assert periods.options == ["2568"]  # 2025 BE 2568: the only period known then (no 2024)
    assert map_value(open_page("map", **params), label) == 320
    public = open_page("map", user=None, as_of=BETWEEN_URL, **params)
    assert map_value(public, label) == 300  # verified then
    assert pd.isna(map_value(open_page("map", user=None, **params), label))


def districts_column(at) -> list:
    table = next(d.value for d in at.dataframe if "อำเภอ/เขต" in d.value.columns)
    return table[next(c for c in table.columns if HLT01 in c)].tolist()


def test_the_profile_districts_as_of_a_day_between_the_uploads_show_that_days_values(app_store):
    then = districts_column(open_page("profile", code="21", as_of=BETWEEN_URL))
    assert 10 in then and 20 in then and 12 not in then and 25 not in then
    today = districts_column(open_page("profile", code="21"))
    assert 12 in today and 25 in today and 10 not in today


def test_links_from_the_profile_to_the_map_keep_the_day(app_store):
    at = open_page("profile", code="21", as_of=BETWEEN_URL)
    links = [e.proto for e in at.main.get("page_link") if "map" in e.proto.page]
    assert links and all(f"as_of={BETWEEN_URL}" in link.query_string for link in links), links

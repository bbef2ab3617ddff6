"""AppTest of home, map and profile as the public and as a signed-in executive.

On a store built in code (tests/test_public_values.py: one value per item still
awaiting its verifier, an unpublished item), the public sees only verified values
of published items, the executive every committed value, and the home page counts
what each may see.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.geo import districts as ds
from lib.store import Store
from tests.conftest import add_app_users
from tests.test_public_values import build_values_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
EXECUTIVE = "gov21"


@pytest.fixture
def store_path(tmp_path, monkeypatch, fast_hasher):
    """The values store with one account per role, used by the app."""
    path = tmp_path / "app.duckdb"
    store = build_values_store(path)
    add_app_users(store)
    store.close()
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    # never read or write the real district layer
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    return path


def run(page: str, user: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["auth_user"] = user
    if page != "home":
        at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def counts(path: Path) -> dict[str, int]:
    """What each viewer may see: every value and item, or verified values of published ones."""
    with Store(path, read_only=True) as store:
        obs = store.table_frame("observations")
        catalog = store.catalog()
    published = set(catalog.loc[catalog["is_published"], "code"])
    seen = obs.loc[(obs["status"] == "verified") & obs["item_code"].isin(published)]
    return {
        "values": len(obs),
        "items": len(catalog),
        "public_values": len(seen),
        "public_items": len(published),
    }


def test_home_counts_only_what_the_viewer_may_see(store_path):
    expected = counts(store_path)
    public, executive = run("home"), run("home", EXECUTIVE)
    assert metrics(public)["ค่าข้อมูล"] == f"{expected['public_values']:,}"
    assert metrics(public)["รายการข้อมูล"] == f"{expected['public_items']:,}"
    assert metrics(executive)["ค่าข้อมูล"] == f"{expected['values']:,}"
    assert metrics(executive)["รายการข้อมูล"] == f"{expected['items']:,}"
    assert expected["public_values"] < expected["values"]
    for at, total in ((public, "public_values"), (executive, "values")):
        table = at.dataframe[0].value
        assert table.iloc[:, 2:].sum().sum() == expected[total]  # the table adds up to the metric


def map_table(at):
    return at.dataframe[0].value.set_index("รหัส")


def test_the_public_map_leaves_out_a_submitted_value(store_path):
    params = {"fig": "item:MAC01", "per": "2025"}
    public, executive = run("map", **params), run("map", EXECUTIVE, **params)
    label = next(c for c in map_table(public).columns if "GPP" in c)
    theirs, mine = map_table(public), map_table(executive)
    assert mine.at["21", label] == 300
    assert "ยังไม่ผ่านการตรวจสอบ" in mine.at["21", "หมายเหตุ"]  # flagged unverified
    assert theirs.at["21", label] != theirs.at["21", label]  # NaN: no verified value
    assert "ยังไม่ผ่านการตรวจสอบ" not in theirs.at["21", "หมายเหตุ"]
    assert theirs.at["10", label] == mine.at["10", label] == 100  # verified: shown to both
    # a period with only submitted values is not offered to the public
    periods = next(s for s in public.sidebar.selectbox if s.label == "งวด").options
    assert "2566" not in periods
    assert "2566" in next(s for s in executive.sidebar.selectbox if s.label == "งวด").options


def test_the_public_map_offers_no_unpublished_item(store_path):
    public = run("map", fig="item:ORD03", per="2026-Q3")
    title = public.title[0].value
    assert "ORD03" not in title and "แรงงานต่างด้าว" not in title
    executive = run("map", EXECUTIVE, fig="item:ORD03", per="2026-Q3")
    assert "แรงงานต่างด้าว" in executive.title[0].value
    assert map_table(executive).iloc[:, 1].dropna().tolist() == [5.0, 7.0]


def kpi_table(at):
    return next(d.value for d in at.dataframe if "ตัวชี้วัด" in d.value.columns).set_index("ตัวชี้วัด")


def trend_values(at, series: str) -> list[float]:
    """The y values of one line of the profile's trend chart (plotly may pack them)."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    y = next(t["y"] for t in spec["data"] if t["name"] == series)
    if isinstance(y, dict):  # {"dtype": "f8", "bdata": base64}
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return y


def test_the_public_profile_kpis_and_trends_rest_on_verified_values(store_path):
    public, executive = run("profile", code="21"), run("profile", EXECUTIVE, code="21")
    assert kpi_table(executive).at["KPI04", "ผล (จังหวัด)"] == 11  # the submitted last month
    assert kpi_table(public).at["KPI04", "ผล (จังหวัด)"] == 90  # the last verified month
    for at in (public, executive):
        picker = next(s for s in at.selectbox if s.label == "รายการข้อมูล")
        picker.set_value("FIN01").run()
    assert 11 in trend_values(executive, "จังหวัด")
    assert 11 not in trend_values(public, "จังหวัด") and 90 in trend_values(public, "จังหวัด")


def test_the_public_profile_health_counts_every_committed_value(store_path):
    public, executive = run("profile", code="21"), run("profile", EXECUTIVE, code="21")
    assert metrics(public) == metrics(executive)  # data health: the data work, for everyone


def districts_table(at):
    return next(d.value for d in at.dataframe if "อำเภอ/เขต" in d.value.columns)


def test_the_public_profile_districts_show_the_latest_verified_value(store_path):
    public, executive = run("profile", code="21"), run("profile", EXECUTIVE, code="21")
    column = next(c for c in districts_table(executive).columns if "ไข้เลือดออก" in c)
    assert 99 in districts_table(executive)[column].tolist()
    assert 99 not in districts_table(public)[column].tolist()
    assert 10 in districts_table(public)[column].tolist()


def test_the_public_profile_districts_show_published_items_only(store_path):
    with Store(store_path) as store:  # the district item HLT01 (ไข้เลือดออก) unpublished
        items = store.config_tables()["items"]
        items.loc[items["code"] == "HLT01", "is_published"] = False
        store.replace_tables({"items": items})
    public, executive = run("profile", code="21"), run("profile", EXECUTIVE, code="21")
    assert any("ไข้เลือดออก" in c for c in districts_table(executive).columns)
    assert not any("ไข้เลือดออก" in c for c in districts_table(public).columns)

"""AppTest of the map page and the province profile: controls, URL state, values, offline guard."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from lib.engine import coverage as cv
from lib.engine import districts as ed
from lib.engine import kpi
from lib.geo import districts as ds
from lib.geo.mapview import external_urls
from lib.store import Store
from lib.views.map import state as map_state
from tests.conftest import AS_OF

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FY = map_state.default_fiscal_year(AS_OF)


@pytest.fixture
def app(demo_store_path, monkeypatch, tmp_path):
    monkeypatch.setenv("EIS_DB_PATH", str(demo_store_path))
    # never read or write the real district layer
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    return AppTest.from_file(APP, default_timeout=120)


def open_map(app, **params) -> AppTest:
    app.switch_page("pages/map.py")
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def folium_specs(at) -> list[dict]:
    return [json.loads(e.proto.json_args) for e in at.get("component_instance")]


def widget(elements, label):
    found = [e for e in elements if e.label == label]
    assert found, f"no widget labelled {label!r}: {[e.label for e in elements]}"
    return found[0]


def map_table(at) -> pd.DataFrame:
    return at.dataframe[0].value.set_index("รหัส")


def test_map_draws_77_provinces_offline(app):
    at = open_map(app)
    assert not at.exception
    specs = folium_specs(at)
    assert len(specs) == 1
    spec = specs[0]
    page = spec["script"] + spec["html"] + spec["header"] + (spec["feature_group"] or "")
    assert external_urls(page) == []
    assert external_urls(" ".join(f'src="{u}"' for u in spec["css_links"] + spec["js_links"])) == []
    assert all(link.startswith("/app/static/") for link in spec["css_links"] + spec["js_links"])
    assert "Choropleth" not in page and "d3" not in " ".join(spec["js_links"])
    assert spec["feature_group"].count('"type": "Feature"') == 77
    assert spec["returned_objects"] == ["last_active_drawing"]
    assert "tile" not in spec["script"].lower()  # no base map by default
    # the view is in the URL
    assert at.query_params["fig"] == "health:correct_and_timely_pct"
    assert at.query_params["lv"] == "province"
    assert at.query_params["per"] == str(FY)
    assert [b.proto.label for b in at.get("download_button")] == ["ภาพแผนที่ (PNG)", "CSV", "XLSX"]


def test_health_values_equal_the_engine(app, demo_store):
    at = open_map(app)
    table = map_table(at)
    engine = cv.coverage(demo_store, "province", FY, AS_OF).set_index("area_code")
    assert len(table) == 77
    column = "ถูกต้องและทันเหตุการณ์ (%)"
    np.testing.assert_allclose(
        table.loc[engine.index, column].astype(float), engine["correct_and_timely_pct"]
    )
    legend = [m.value for m in at.markdown if "background:" in m.value]
    assert any("ต่ำกว่า 80" in m for m in legend) and any("ไม่มีข้อมูล" in m for m in legend)


def test_choosing_an_item_recolours_without_remount_and_updates_the_url(app, demo_store):
    at = open_map(app)
    before = at.get("component_instance")[0]
    widget(at.sidebar.radio, "แสดง").set_value("item").run()
    widget(at.sidebar.selectbox, "ตัวเลข").set_value("POP01").run()
    widget(at.sidebar.selectbox, "งวด").set_value("2024").run()
    assert not at.exception
    assert at.query_params["fig"] == "item:POP01" and at.query_params["per"] == "2024"
    assert at.query_params["cls"] == "quantiles"
    after = at.get("component_instance")[0]
    # same base map, same component id: only the feature group changed
    assert after.proto.id == before.proto.id
    a, b = json.loads(before.proto.json_args), json.loads(after.proto.json_args)
    assert a["script"] == b["script"] and a["feature_group"] != b["feature_group"]
    table = map_table(at)
    stored = (
        demo_store.verified_view().map_item_cells("POP01", "2024").set_index("area_code")["value"]
    )
    label = demo_store.catalog().set_index("code").at["POP01", "name_th"]
    assert stored.notna().sum() > 60
    for code in table.index:
        assert table.at[code, label] == pytest.approx(stored.get(code, np.nan), nan_ok=True)


def test_cluster_level_sums_an_item_over_members(app, demo_store):
    at = open_map(app, fig="item:POP01", per="2024", lv="cluster")
    assert not at.exception
    assert folium_specs(at)[0]["feature_group"].count('"type": "Feature"') == 18
    table = map_table(at)
    members = demo_store.group_members("cluster_2017", AS_OF)
    stored = (
        demo_store.verified_view().map_item_cells("POP01", "2024").set_index("area_code")["value"]
    )
    label = demo_store.catalog().set_index("code").at["POP01", "name_th"]
    for cluster, group in members.groupby("group_code"):
        values = stored.reindex(group["province_code"]).dropna()
        expected = values.sum() if len(values) else np.nan
        assert table.at[cluster, label] == pytest.approx(expected, nan_ok=True)


def test_kpi_scores_by_region_equal_the_engine(app, demo_store):
    at = open_map(app, fig="kpi:KPI04", per=str(FY), lv="region", rs="region_royin6")
    assert not at.exception
    assert folium_specs(at)[0]["feature_group"].count('"type": "Feature"') == 6
    engine = kpi.scores(
        demo_store.verified_view(), "region", FY, AS_OF, 12, regions="region_royin6"
    )
    engine = engine.loc[engine["kpi_code"] == "KPI04"].set_index("area_code")
    table = map_table(at)
    column = [c for c in table.columns if c.startswith("KPI04")][0]
    for code, row in engine.iterrows():
        assert table.at[code, column] == pytest.approx(row["score"])
    assert widget(at.sidebar.selectbox, "การจัดชั้น").value == "fixed"


def test_drill_path_in_the_url_shows_a_cluster_with_a_breadcrumb(app, demo_store):
    at = open_map(app, lv="region", path="R7-E,C17-E1")
    assert not at.exception
    members = demo_store.group_members("cluster_2017", AS_OF)
    n = int((members["group_code"] == "C17-E1").sum())
    assert folium_specs(at)[0]["feature_group"].count('"type": "Feature"') == n
    crumbs = [b for b in at.button if b.key and b.key.startswith("crumb_")]
    names = demo_store.areas().set_index("code")["name_th"]
    assert [b.label for b in crumbs] == ["ประเทศไทย", names["R7-E"], names["C17-E1"]]
    assert crumbs[2].disabled  # the current view
    crumbs[1].click().run()  # up one level: the clusters of the East
    assert at.query_params["path"] == "R7-E"
    assert folium_specs(at)[0]["feature_group"].count('"type": "Feature"') >= 2
    at.button(key="crumb_0").click().run()
    assert at.query_params["path"] == ""
    assert folium_specs(at)[0]["feature_group"].count('"type": "Feature"') == 7
    at.query_params["path"] = "R7-E,C17-E1"
    at.run()
    # changing the level leaves the drill-down
    widget(at.sidebar.radio, "ระดับ").set_value("cluster").run()
    assert at.query_params["path"] == ""


def test_english_labels(app):
    at = open_map(app, lang="en")
    assert not at.exception
    assert at.title[0].value == "Map: Correct and timely (%)"
    assert widget(at.sidebar.radio, "Show").value == "health"


def synthetic_districts(demo_store):
    """Rayong's 8 districts as a 4 x 2 grid of boxes (no real geometry ships)."""
    areas = demo_store.areas("district")
    codes = sorted(areas.loc[areas["parent_code"] == "21", "code"])
    boxes = [
        shapely.box(
            101 + (i % 4) * 0.1, 12.6 + (i // 4) * 0.1, 101.1 + (i % 4) * 0.1, 12.7 + (i // 4) * 0.1
        )
        for i in range(len(codes))
    ]
    gdf = gpd.GeoDataFrame({"AMP_CODE": codes}, geometry=boxes, crs="EPSG:4326")
    return gdf.to_json().encode(), codes


@pytest.fixture
def admin_app(app_store_path, monkeypatch, tmp_path):
    """The app on a private copy of the store with accounts, signed in as an administrator."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = "admin1"
    return at, path


def test_the_public_sees_published_items_and_no_layer_upload(app, demo_store):
    at = open_map(app, fig="item:POP01")
    widget(at.sidebar.radio, "แสดง").set_value("item").run()
    options = widget(at.sidebar.selectbox, "ตัวเลข").options
    published = demo_store.catalog().query("is_published")
    assert len(options) == len(published) < len(demo_store.catalog())
    assert not at.file_uploader
    assert "สำหรับผู้ดูแลระบบ" not in [e.label for e in at.expander]


def test_admin_loads_a_district_layer_and_drills_to_districts(admin_app, demo_store):
    app, path = admin_app
    data, codes = synthetic_districts(demo_store)
    shipped = open_map(app, fig="item:HLT01", lv="province", path="R7-E,C17-E1,21")
    shipped = folium_specs(shipped)[0]["feature_group"]  # Rayong's districts, shipped layer
    at = open_map(app)
    assert "อำเภอ" in widget(at.sidebar.radio, "ระดับ").options  # the shipped layer
    at.file_uploader[0].upload("amphoe.geojson", data, "application/geo+json").run()
    widget(at.button, "ตรวจและบันทึก").click().run()
    assert not at.exception
    report = (at.success or at.warning)[0].value
    assert "บันทึกได้ 8 อำเภอ" in report and "อำเภอในทะเบียนที่ไม่มีรูปแปลง 920" in report
    assert ds.DISTRICTS_PATH.exists()
    with Store(path) as store:  # same settings as the app's open handle in this process
        audit = store.audit_log()
    entry = audit.loc[audit["action"] == "load_district_layer"].iloc[0]
    assert (entry["username"], entry["target"]) == ("admin1", "amphoe.geojson")
    at = open_map(app, fig="item:HLT01", lv="province", path="R7-E,C17-E1,21")
    assert not at.exception
    drawn = folium_specs(at)[0]["feature_group"]
    assert drawn.count('"type": "Feature"') == 8
    assert drawn != shipped  # the loaded layer's shapes, not those drawn before it came
    table = map_table(at)
    assert table.index.tolist() == codes
    cells = demo_store.map_item_cells("HLT01", at.query_params["per"]).set_index("area_code")
    label = demo_store.catalog().set_index("code").at["HLT01", "name_th"]
    for code in codes:
        expected = cells["value"].get(code, np.nan)
        assert table.at[code, label] == pytest.approx(expected, nan_ok=True)


RAYONG_PATH = "R7-E,C17-E1,21"


def test_a_province_view_draws_its_districts_coloured_by_district_health(app, demo_store):
    at = open_map(app, path=RAYONG_PATH)
    assert not at.exception
    spec = folium_specs(at)[0]
    assert spec["feature_group"].count('"type": "Feature"') == 8
    assert "CC BY-IGO 3.0, OCHA/HDX, 2019" in spec["script"]
    table = map_table(at)
    engine = ed.district_coverage(demo_store, FY, AS_OF).set_index("area_code")
    codes = sorted(engine.index[engine["province_code"] == "21"])
    assert table.index.tolist() == codes
    column = "ถูกต้องและทันเหตุการณ์ (%)"
    np.testing.assert_allclose(
        table.loc[codes, column].astype(float), engine.loc[codes, "correct_and_timely_pct"]
    )
    assert table[column].notna().all() and not at.info  # every district coloured
    assert [link.proto.label for link in at.get("page_link")][-1] == "ข้อมูลจังหวัด"


def test_a_province_level_kpi_says_so_at_district_level(app):
    at = open_map(app, fig="kpi:KPI04", path=RAYONG_PATH)
    assert not at.exception
    assert "KPI04" in at.info[0].value and "ระดับจังหวัด" in at.info[0].value
    picker = widget(at.sidebar.selectbox, "ตัวเลข")
    assert all(label.endswith("(ไม่มีค่ารายอำเภอ)") for label in picker.options)
    at = open_map(app, fig="item:HLT01", path=RAYONG_PATH)  # a district item: no note
    assert not at.info
    options = {o.split()[0]: o for o in widget(at.sidebar.selectbox, "ตัวเลข").options}
    assert "ไม่มีค่ารายอำเภอ" not in options["HLT01"] and "ไม่มีค่ารายอำเภอ" in options["POP01"]


def test_district_item_values_colour_the_districts(app, demo_store):
    at = open_map(app, fig="item:HLT01", path=RAYONG_PATH)
    table = map_table(at)
    public = demo_store.verified_view()  # the public sees verified values only
    cells = public.map_item_cells("HLT01", at.query_params["per"]).set_index("area_code")
    label = demo_store.catalog().set_index("code").at["HLT01", "name_th"]
    assert len(table) == 8 and table[label].notna().any()
    for code in table.index:
        assert table.at[code, label] == pytest.approx(cells.at[code, "value"], nan_ok=True)


def test_switching_back_to_data_item_takes_one_click_and_keeps_the_item(app):
    at = open_map(app)
    widget(at.sidebar.radio, "แสดง").set_value("item").run()
    widget(at.sidebar.selectbox, "ตัวเลข").set_value("HLT01").run()
    assert at.query_params["fig"] == "item:HLT01"
    widget(at.sidebar.radio, "แสดง").set_value("kpi").run()
    assert at.query_params["fig"].startswith("kpi:")
    widget(at.sidebar.selectbox, "ตัวเลข").set_value("KPI04").run()
    widget(at.sidebar.radio, "แสดง").set_value("item").run()  # one click back
    assert not at.exception
    assert at.query_params["fig"] == "item:HLT01"
    assert widget(at.sidebar.radio, "แสดง").value == "item"
    assert widget(at.sidebar.selectbox, "ตัวเลข").value == "HLT01"
    widget(at.sidebar.radio, "แสดง").set_value("kpi").run()  # and the KPI was kept too
    assert at.query_params["fig"] == "kpi:KPI04"


# ---------------------------------------------------------------- profile


def open_profile(app, code="21", **params) -> AppTest:
    app.switch_page("pages/profile.py")
    app.query_params["code"] = code
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def test_profile_deep_link_shows_name_groups_and_engine_figures(app, demo_store):
    at = open_profile(app, "21")
    assert not at.exception
    names = demo_store.areas().set_index("code")["name_th"]
    assert at.title[0].value == f"{names['21']} (21)"
    members = map_state.memberships(
        demo_store.group_members("region_nesdc7", AS_OF),
        demo_store.group_members("cluster_2017", AS_OF),
    ).set_index("province_code")
    region, cluster = members.at["21", "region_code"], members.at["21", "cluster_code"]
    assert names[region] in at.caption[0].value and names[cluster] in at.caption[0].value
    health = cv.coverage(demo_store, "province", FY, AS_OF).set_index("area_code").loc["21"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ครบถ้วน (%)"] == f"{health['complete_pct']:.1f}%"
    assert metrics["ถูกต้องและทันเหตุการณ์ (%)"] == f"{health['correct_and_timely_pct']:.1f}%"
    assert metrics["ระดับขั้นตอน มท. 4.4"] == str(int(health["milestone_level"]))
    # breadcrumb back to the map: country, region, cluster
    links = [link.proto.label for link in at.get("page_link")]
    assert links == ["ประเทศไทย", names[region], names[cluster]]


def test_profile_kpis_against_cluster_and_country_equal_the_engine(app, demo_store):
    at = open_profile(app, "21")
    kpis = next(d.value for d in at.dataframe if "ตัวชี้วัด" in d.value.columns)
    public = demo_store.verified_view()  # the public's KPI scores rest on verified values
    prov = kpi.scores(public, "province", FY, AS_OF, 12).set_index(["area_code", "kpi_code"])
    clusters = kpi.scores(public, "cluster", FY, AS_OF, 12, grouping="cluster_2017")
    country = kpi.scores(public, "country", FY, AS_OF, 12).set_index("kpi_code")
    cluster = map_state.province_path(
        "21",
        map_state.memberships(
            demo_store.group_members("region_nesdc7", AS_OF),
            demo_store.group_members("cluster_2017", AS_OF),
        ),
    )[1]
    clusters = clusters.loc[clusters["area_code"] == cluster].set_index("kpi_code")
    # the public sees the KPIs built on published items only (not KPI01, KPI02)
    published = demo_store.catalog().query("is_published")["code"]
    visible = kpi.kpis_on_items(demo_store.kpis(), published)["code"]
    assert list(kpis.iloc[:, 0]) == sorted(visible) and len(visible) == len(country) - 2
    for row in kpis.itertuples(index=False):
        code = row[0]
        assert row[3] == pytest.approx(prov.at[("21", code), "score"])
        assert row[2] == pytest.approx(prov.at[("21", code), "result"], nan_ok=True)
        assert row[4] == pytest.approx(clusters.at[code, "result"], nan_ok=True)
        assert row[6] == pytest.approx(country.at[code, "result"], nan_ok=True)
        assert row[8].endswith("/77")


def test_profile_owed_items_and_districts(app, demo_store):
    at = open_profile(app, "21")
    owed = next(d.value for d in at.dataframe if "หน่วยงานเจ้าของข้อมูล" in d.value.columns)
    inputs = cv.load_coverage_inputs(demo_store, FY, AS_OF)
    cells = cv.item_area_coverage(
        inputs.facts, inputs.items, inputs.areas, AS_OF, inputs.fiscal_years, inputs.window_end
    )
    late = cells.loc[(cells["province_code"] == "21") & (cells["item_areas_timely"] == 0)]
    published = set(demo_store.catalog().query("is_published")["code"])
    assert set(owed["รหัส"]) == set(late["item_code"]) & published  # the public reads these
    assert owed["ผู้รับผิดชอบ"].str.len().min() > 0
    districts = next(d.value for d in at.dataframe if "อำเภอ/เขต" in d.value.columns)
    assert len(districts) == 8
    # the shipped district layer draws Rayong's 8 districts, with its attribution
    specs = folium_specs(at)
    assert len(specs) == 1 and specs[0]["feature_group"].count('"type": "Feature"') == 8
    assert "CC BY-IGO 3.0" in specs[0]["script"]
    assert not any("ขอบเขตอำเภอ" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1


def test_profile_draws_districts_when_a_layer_is_loaded(app, demo_store):
    data, _ = synthetic_districts(demo_store)
    layer, _ = ds.prepare_layer(data, "amphoe.geojson", demo_store.areas("district"))
    ds.save_layer(layer)
    at = open_profile(app, "21")
    assert not at.exception
    specs = folium_specs(at)
    assert len(specs) == 1 and specs[0]["feature_group"].count('"type": "Feature"') == 8
    spec = specs[0]
    assert (
        external_urls(spec["script"] + spec["html"] + spec["header"] + spec["feature_group"]) == []
    )


def test_profile_with_an_unknown_code_asks_for_a_province(app):
    at = open_profile(app, "99")
    assert not at.exception
    assert "99" in at.warning[0].value
    assert at.selectbox[0].label == "เลือกจังหวัด"
    at.selectbox[0].set_value("50").run()
    assert at.query_params["code"] == "50"
    assert "(50)" in at.title[0].value


def test_profile_links_the_chosen_items_values_to_their_provenance(app):
    at = open_profile(app, "21", as_of="2569-10-15")
    assert not at.exception
    item = next(b.value for b in at.selectbox if b.label == "รายการข้อมูล")  # the trend's item
    links = [m.value for m in at.markdown if "/explore?" in m.value]
    assert links == [
        f"[ที่มาของค่าแต่ละงวด (ทุกฉบับ ผู้ส่ง ผู้รับรอง) →](/explore?item={item}&area=21&as_of=2569-10-15)"
    ]


@pytest.fixture
def held_keeper(demo_store_path, tmp_path, monkeypatch):
    """(store copy, keeper, release): the app on a private copy of the demo store, its
    keeper running as the server's does, and serve's background recomputations held until
    release is set (so a page arrives while the server recomputes after a commit)."""
    from lib.ui import core as ui_core
    from lib.views import fresh

    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    keeper = fresh.keeper(ui_core.store())  # the app's store: one per process
    release, computed = threading.Event(), keeper._computed

    def slow(*args):  # only the background recomputations serve starts wait
        if threading.current_thread().name == "eis-fresh-serve":
            release.wait(60)
        return computed(*args)

    monkeypatch.setattr(keeper, "_computed", slow)
    try:
        yield path, keeper, release
    finally:
        release.set()
        keeper.served(60)
        keeper.stop()


def test_while_the_server_recomputes_after_an_upload_the_map_says_its_figures_are_older(
    held_keeper,
):
    """With the server's keeper running, the map visited during the recomputation after a
    commit is drawn at once from the figures before it, with a note; then the new ones."""
    from tests.test_pages_cockpit import commit_kpi08_jump

    path, keeper, release = held_keeper
    at = open_map(AppTest.from_file(APP, default_timeout=120))
    assert not at.exception and not at.info
    before = map_table(at)
    keeper.start(poll=3600)  # as the server does (its own refresh never comes in this test)
    commit_kpi08_jump(path)
    at.run()
    assert not at.exception
    assert "ตัวเลขที่เห็นเป็นของก่อนการบันทึกครั้งล่าสุด" in at.info[0].value
    pd.testing.assert_frame_equal(map_table(at), before)
    release.set()
    keeper.served(60)
    at.button(key="fresh_figures_reload").click().run()
    assert not at.exception and not at.info


def test_a_page_waits_for_recomputed_figures_once_not_once_per_figure(held_keeper, monkeypatch):
    """The profile shows four kept figures; while the server recomputes them after a commit,
    the page's run waits fresh.WAIT_SECONDS in all for them, then shows the older ones."""
    import time

    from lib.views import fresh
    from tests.test_pages_cockpit import commit_kpi08_jump

    path, keeper, _ = held_keeper
    at = open_profile(AppTest.from_file(APP, default_timeout=120), "21")
    assert not at.exception
    keeper.start(poll=3600)
    serve, asked = keeper.serve, []  # (when, wait) of each kept figure the run asks for

    def recorded(key, compute, **options):
        asked.append((time.monotonic(), options.get("wait", fresh.WAIT_SECONDS)))
        return serve(key, compute, **options)

    monkeypatch.setattr(keeper, "serve", recorded)
    commit_kpi08_jump(path)
    at.run()
    assert not at.exception
    assert "ตัวเลขที่เห็นเป็นของก่อนการบันทึกครั้งล่าสุด" in at.info[0].value
    assert len(asked) >= 4
    deadline = asked[0][0] + fresh.WAIT_SECONDS
    # each figure waits only what is left of the run's one wait
    assert all(wait <= max(0.0, deadline - when) + 0.05 for when, wait in asked), asked


def trend_series(at) -> dict[str, list[float]]:
    """The profile's trend chart: each line's values by its name (plotly's typed arrays read)."""
    import base64

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    out = {}
    for trace in spec["data"]:
        y = trace["y"]
        if isinstance(y, dict):  # plotly 6 writes numbers as a typed array
            y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
        out[trace["name"]] = y
    return out


def test_profile_trend_draws_the_values_and_follows_a_commit(admin_app):
    # the chart is drawn once per data version for every session: a commit draws it again
    from datetime import date, datetime

    app, path = admin_app
    at = open_profile(app, "21")
    widget(at.selectbox, "รายการข้อมูล").set_value("FIN01").run()
    assert not at.exception
    before = trend_series(at)["จังหวัด"]
    assert before and 99.25 not in before
    cells = pd.DataFrame(
        [("FIN01", "21", "2026-10", date(2026, 10, 31), 99.25, None)],
        columns=["item_code", "area_code", "period", "period_end", "value", "note"],
    )
    batch = {"kind": "upload", "username": "admin1", "created_at": datetime(2026, 11, 20, 9)}
    with Store(path) as store:  # same settings as the app's open handle in this process
        assert store.commit_cells(cells, batch, {"username": "admin1", "action": "upload"})
    at.run()
    after = trend_series(at)["จังหวัด"]
    assert 99.25 in after and len(after) == len(before)

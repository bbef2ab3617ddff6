"""AppTest of the app's pages (no browser): what the page shows, in Thai and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.geo.mapview import external_urls

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(demo_store_path, monkeypatch):
    monkeypatch.setenv("EIS_DB_PATH", str(demo_store_path))
    return AppTest.from_file(APP, default_timeout=60)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_home_shows_what_is_loaded(app, demo_store):
    at = app.run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["จังหวัด"] == "77"
    assert metrics["อำเภอ/เขต"] == "928"
    # the public: published items and their verified values only
    published = list(demo_store.catalog().query("is_published")["code"])
    summary = demo_store.verified_view().load_summary(published)
    assert metrics["รายการข้อมูล"] == f"{len(published)}" == "75"
    assert metrics["ค่าข้อมูล"] == f"{int(summary['cells'].sum()):,}"
    # the latest of what the public sees: values submitted on the demo's as-of await checking
    assert at.caption[0].value == "ปรับปรุงล่าสุด 21 พ.ย. 2569"
    table = at.dataframe[0].value
    assert len(table) == 77
    rayong = summary[summary.province_code == "21"].set_index("group_name_th")["cells"]
    assert list(table.columns[:2]) == ["รหัสจังหวัด", "จังหวัด"]
    row = table[table["รหัสจังหวัด"] == "21"].iloc[0]
    for group, cells in rayong.items():
        assert row[group] == cells


def test_home_in_english_from_the_url(app):
    app.query_params["lang"] = "en"
    at = app.run()
    assert not at.exception
    assert _metrics(at)["Provinces"] == "77"
    assert {"Province code", "Province", "Economy"} <= set(at.dataframe[0].value.columns)


def folium_specs(at) -> list[dict]:
    """Arguments of every streamlit-folium component on the page."""
    return [json.loads(e.proto.json_args) for e in at.get("component_instance")]


def test_home_map_is_offline_and_draws_77_provinces(app):
    at = app.run()
    specs = folium_specs(at)
    assert len(specs) == 1, "the folium map component was not rendered"
    spec = specs[0]
    page = spec["script"] + spec["html"] + spec["header"]
    assert external_urls(page + " ".join(spec["css_links"] + spec["js_links"])) == []
    assert all(link.startswith("/app/static/") for link in spec["js_links"] + spec["css_links"])
    assert spec["script"].count('"type": "Feature"') == 77
    # pan and zoom must not rerun the script: only the clicked feature comes back
    assert spec["returned_objects"] == ["last_active_drawing"]


def test_first_start_builds_the_store_from_shipped_files(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "eis.duckdb"
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert path.exists()
    assert _metrics(at)["จังหวัด"] == "77"
    assert int(_metrics(at)["ค่าข้อมูล"].replace(",", "")) > 100_000

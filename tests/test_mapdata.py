"""Map logic: URL state, drill-down, figures against the store and the engine, classes, exports."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from PIL import Image

from lib.engine import coverage as cv
from lib.engine import kpi
from lib.geo import layers as geo
from lib.geo import mapview
from lib.views import profile as profile_view
from lib.views.map import export as map_export
from lib.views.map import figures as map_figures
from lib.views.map import layer as map_layer
from lib.views.map import legend as map_legend
from lib.views.map import state as map_state
from lib.views.map.state import MapState
from tests.conftest import AS_OF

FY = map_state.default_fiscal_year(AS_OF)


# ---------------------------------------------------------------- URL state


@pytest.mark.parametrize(
    "state",
    [
        MapState(),
        MapState(kind="item", code="POP01", period="2024", method="natural_breaks", k=7),
        MapState(kind="kpi", code="KPI04", period="2569", round_months=6, level="region"),
        MapState(
            level="cluster",
            path=("C09-E", "21"),
            region_scheme="region_royin6",
            cluster_scheme="cluster_2009",
        ),
    ],
)
def test_state_survives_the_url(state):
    query = map_state.to_query(state)
    assert all(isinstance(v, str) for v in query.values())
    assert map_state.from_query(query) == state


def test_unreadable_url_falls_back_to_defaults():
    state = map_state.from_query(
        {
            "fig": "health:nonsense",
            "lv": "village",
            "rs": "x",
            "cs": "cluster_1999",
            "rnd": "7",
            "k": "99",
            "cls": "fixed",
            "path": "R7-C,<script>,21",
        }
    )
    assert state.code == "correct_and_timely_pct"
    assert (state.level, state.region_scheme, state.cluster_scheme) == (
        "province",
        "region_nesdc7",
        "cluster_2017",
    )
    assert (state.round_months, state.k) == (12, 5)
    assert state.path == ("R7-C", "21")
    # fixed bands are for policy figures only: an item falls back to quantiles
    assert map_state.from_query({"fig": "item:POP01", "cls": "fixed"}).method == "quantiles"


# ---------------------------------------------------------------- drill-down


def test_drill_region_cluster_province_district_and_back():
    s = MapState(level="region")
    assert map_state.view_level(s) == "region"
    s, profile = map_state.drill(s, "R7-C", has_districts=True)
    assert (s.path, map_state.view_level(s), profile) == (("R7-C",), "cluster", None)
    s, profile = map_state.drill(s, "C17-UC", has_districts=True)
    assert (map_state.view_level(s), profile) == ("province", None)
    s, profile = map_state.drill(s, "14", has_districts=True)
    assert (s.path, map_state.view_level(s), profile) == (
        ("R7-C", "C17-UC", "14"),
        "district",
        None,
    )
    # nothing below districts: a district opens its province's profile
    assert map_state.drill(s, "1401", has_districts=True) == (s, "14")
    crumbs = map_state.breadcrumb(s, {"R7-C": "ภาคกลาง", "C17-UC": "กลางตอนบน", "14": "อยุธยา"})
    assert [label for label, _ in crumbs] == ["ประเทศไทย", "ภาคกลาง", "กลางตอนบน", "อยุธยา"]
    assert [c.path for _, c in crumbs] == [(), ("R7-C",), ("R7-C", "C17-UC"), s.path]
    assert map_state.view_level(crumbs[0][1]) == "region"
    assert map_state.breadcrumb(s, {}, "en")[0][0] == "Thailand"


def test_a_province_without_district_layer_only_opens_its_profile():
    s = MapState(path=("C17-UC",))
    assert map_state.drill(s, "14", has_districts=False) == (s, "14")


def test_a_province_clicked_on_the_national_map_drills_with_its_region_and_cluster():
    members = pd.DataFrame(
        {
            "province_code": ["14", "10"],
            "region_code": ["R7-C", "R7-BKK"],
            "cluster_code": ["C17-UC", None],
        }
    )
    s, profile = map_state.drill(MapState(), "14", has_districts=True, members=members)
    assert (s.path, profile) == (("R7-C", "C17-UC", "14"), None)
    s, _ = map_state.drill(MapState(), "10", has_districts=True, members=members)
    assert s.path == ("R7-BKK", "10")  # Bangkok is in no cluster


def test_area_levels_by_code_form():
    assert [map_state.area_level(c) for c in ["TH", "R6-N", "C09-UC1", "10", "1001", "", "1a"]] == [
        "country",
        "region",
        "cluster",
        "province",
        "district",
        None,
        None,
    ]


@pytest.fixture(scope="module")
def reference(demo_store):
    areas = demo_store.areas()
    members = map_state.memberships(
        demo_store.group_members("region_nesdc7", AS_OF),
        demo_store.group_members("cluster_2017", AS_OF),
    )
    return areas, members


def test_view_areas_at_each_level(reference):
    areas, members = reference
    assert len(map_state.view_areas(MapState(level="province"), members, areas)) == 77
    assert len(map_state.view_areas(MapState(level="cluster"), members, areas)) == 18
    regions6 = MapState(level="region", region_scheme="region_royin6")
    assert len(map_state.view_areas(regions6, members, areas)) == 6
    # Bangkok and vicinity: the clusters with a member there, and Bangkok (in no cluster)
    bkk = map_state.view_areas(MapState(path=("R7-BKK",)), members, areas)
    inside = members.loc[members["region_code"] == "R7-BKK"]
    assert set(bkk.loc[bkk["level"] == "cluster", "code"]) == set(inside["cluster_code"].dropna())
    assert bkk.loc[bkk["level"] == "province", "code"].tolist() == ["10"]
    cluster = map_state.view_areas(MapState(path=("R7-E", "C17-E1")), members, areas)
    expected = members.loc[members["cluster_code"] == "C17-E1", "province_code"]
    assert cluster["code"].tolist() == sorted(expected)
    rayong = map_state.view_areas(MapState(path=("R7-E", "C17-E1", "21")), members, areas)
    assert rayong["code"].tolist() == [f"21{i:02d}" for i in range(1, 9)]


def test_province_path_follows_its_groups(reference):
    _, members = reference
    row = members.set_index("province_code").loc["21"]
    assert map_state.province_path("21", members) == (row["region_code"], row["cluster_code"])
    assert map_state.province_path("10", members) == ("R7-BKK",)
    assert map_state.province_path("99", members) == ()


def test_view_layer_uses_finer_provinces_when_drilled(reference):
    areas, members = reference
    layers = {
        "province": geo.province_layer(),
        "province_detail": geo.province_layer(detail=True),
        "cluster": geo.group_layer("cluster_2017"),
        "region": geo.group_layer("region_nesdc7"),
        "district": None,
    }
    national = map_layer.view_layer(
        MapState(), map_state.view_areas(MapState(), members, areas), layers
    )
    assert len(national) == 77 and national["code"].is_monotonic_increasing
    drilled = MapState(path=("R7-E", "C17-E1"))
    layer = map_layer.view_layer(drilled, map_state.view_areas(drilled, members, areas), layers)
    detail = layers["province_detail"].set_index("code").geometry
    assert all(layer.set_index("code").geometry[c].equals(detail[c]) for c in layer["code"])
    mixed = MapState(path=("R7-BKK",))
    layer = map_layer.view_layer(mixed, map_state.view_areas(mixed, members, areas), layers)
    assert "10" in set(layer["code"]) and set(layer["level"]) == {"cluster", "province"}
    no_districts = MapState(path=("R7-E", "C17-E1", "21"))
    assert map_layer.view_layer(
        no_districts, map_state.view_areas(no_districts, members, areas), layers
    ).empty


# ---------------------------------------------------------------- figures


def test_pool_sums_or_averages_members_and_flags_gaps():
    values = pd.DataFrame(
        {"area_code": ["a", "b", "c"], "value": [1.0, 3.0, np.nan], "flag": ["", "unverified", ""]}
    )
    mapping = pd.DataFrame({"child": ["a", "b", "c", "d"], "parent": ["G", "G", "H", "H"]})
    total = map_figures.pool(values, mapping, "sum").set_index("code")
    assert total.at["G", "value"] == 4.0 and total.at["G", "flag"] == "unverified"
    assert np.isnan(total.at["H", "value"]) and total.at["H", "members_with_data"] == 0
    mean = map_figures.pool(values, mapping, "mean").set_index("code")
    assert mean.at["G", "value"] == 2.0 and mean.at["G", "members"] == 2
    with pytest.raises(ValueError, match="how"):
        map_figures.pool(values, mapping, "median")


def test_items_carry_their_own_aggregation(demo_store):
    catalog = demo_store.catalog().set_index("code")
    assert catalog.at["POP01", "aggregation"] == "sum"  # persons add up
    assert set(catalog["aggregation"]) == {"sum", "mean"}


def _item(demo_store, code):
    row = demo_store.catalog().set_index("code").loc[code]
    return {"code": code, **row.to_dict()}


def test_item_figures_equal_the_stores_values(demo_store, reference):
    areas, members = reference
    item = _item(demo_store, "POP01")  # persons: clusters sum their provinces
    periods = demo_store.map_item_periods("POP01")
    period = map_state.default_item_period(periods, 77)
    cells = demo_store.map_item_cells("POP01", period)
    prov = map_figures.item_figures(cells, item, "province", members, areas, AS_OF).set_index(
        "code"
    )
    assert len(prov) == 77
    stored = demo_store.table_frame("observations")
    stored = stored.loc[(stored["item_code"] == "POP01") & (stored["period"] == period)]
    stored = stored.loc[stored["status"] != "rejected"].set_index("area_code")["value"]
    for code, value in stored.items():
        assert prov.at[code, "value"] == pytest.approx(value)
    clusters = map_figures.item_figures(cells, item, "cluster", members, areas, AS_OF).set_index(
        "code"
    )
    c_members = members.loc[members["cluster_code"] == "C17-E1", "province_code"]
    assert clusters.at["C17-E1", "value"] == pytest.approx(prov.loc[c_members, "value"].sum())
    assert clusters.at["C17-E1", "members"] == len(c_members)
    # the item's aggregation decides, not its unit: the same persons as a mean
    as_mean = map_figures.item_figures(
        cells, {**item, "aggregation": "mean"}, "cluster", members, areas, AS_OF
    )
    mean = as_mean.set_index("code").at["C17-E1", "value"]
    assert mean == pytest.approx(prov.loc[c_members, "value"].mean())


def test_district_item_pools_its_districts(demo_store, reference):
    areas, members = reference
    item = _item(demo_store, "HLT01")  # a rate per district: provinces take the mean
    period = map_state.default_item_period(demo_store.map_item_periods("HLT01"), 928)
    cells = demo_store.map_item_cells("HLT01", period)
    districts = map_figures.item_figures(cells, item, "district", members, areas, AS_OF).set_index(
        "code"
    )
    provinces = map_figures.item_figures(cells, item, "province", members, areas, AS_OF).set_index(
        "code"
    )
    districts["province"] = districts.index.str[:2]
    reported = districts.dropna(subset=["value"]).groupby("province")["value"]
    assert len(reported.mean()) > 50
    for code, mean in reported.mean().items():
        assert provinces.at[code, "value"] == pytest.approx(mean)
        assert provinces.at[code, "members_with_data"] == reported.size()[code]
    # a province item is not split into districts
    pop = _item(demo_store, "POP01")
    none = map_figures.item_figures(
        demo_store.map_item_cells("POP01", "2025"), pop, "district", members, areas, AS_OF
    )
    assert len(none) == 928 and none["value"].isna().all()


def test_item_flags_stale_and_unverified():
    cells = pd.DataFrame(
        {
            "area_code": ["10", "11", "12"],
            "value": [1.0, 2.0, np.nan],
            "status": ["verified", "submitted", None],
            "latest_end": pd.to_datetime(["2025-12-31", "2025-12-31", "2023-12-31"]),
        }
    )
    flags = map_figures.item_flags(cells, date(2025, 12, 31)).set_index("area_code")["flag"]
    assert flags.to_dict() == {"10": "", "11": "unverified", "12": "stale"}


def test_health_figures_equal_the_engine(demo_store, reference):
    areas, members = reference
    for level, scheme in (("province", None), ("cluster", "cluster_2017")):
        state = MapState(code="complete_pct", period=str(FY))
        figures = map_figures.load_figures(demo_store, state, level, AS_OF, members, areas)
        engine = cv.coverage(demo_store, level, FY, AS_OF, grouping=scheme)
        merged = figures.merge(engine, left_on="code", right_on="area_code")
        assert len(merged) == len(engine) == len(figures)
        np.testing.assert_allclose(merged["value"], merged["complete_pct"])


def test_kpi_figures_equal_the_engine(demo_store, reference):
    areas, members = reference
    state = MapState(kind="kpi", code="KPI04", period=str(FY), round_months=12)
    figures = map_figures.load_figures(demo_store, state, "region", AS_OF, members, areas)
    engine = kpi.scores(demo_store, "region", FY, AS_OF, 12, regions="region_nesdc7")
    engine = engine.loc[engine["kpi_code"] == "KPI04"].set_index("area_code")
    figures = figures.set_index("code")
    assert set(figures.index) == set(engine.index)
    for code, row in engine.iterrows():
        if pd.isna(row["result"]):
            assert np.isnan(figures.at[code, "value"])
        else:
            assert figures.at[code, "value"] == pytest.approx(row["score"])
    composite = map_figures.load_figures(
        demo_store, replace(state, code=map_figures.COMPOSITE), "region", AS_OF, members, areas
    ).set_index("code")
    for code, row in engine.iterrows():
        assert composite.at[code, "value"] == pytest.approx(row["composite"])


def test_district_health_comes_from_the_engine_and_province_kpis_have_no_district_figures(
    demo_store, reference
):
    from lib.engine import districts as engine_districts

    areas, members = reference
    health = map_figures.load_figures(demo_store, MapState(), "district", AS_OF, members, areas)
    engine = engine_districts.district_coverage(demo_store, 2569, AS_OF).set_index("area_code")
    health = health.set_index("code")
    assert len(health) == 928 and health["value"].notna().all()
    np.testing.assert_allclose(
        health["value"], engine.loc[health.index, "correct_and_timely_pct"].astype(float)
    )
    for code in ("KPI04", map_figures.COMPOSITE):  # province-level items; the composite
        state = MapState(kind="kpi", code=code)
        figures = map_figures.load_figures(demo_store, state, "district", AS_OF, members, areas)
        assert len(figures) == 928 and figures["value"].isna().all()
        note = map_figures.district_note(state, demo_store.catalog(), demo_store.kpis(), "en")
        assert "no district" in note or "not per district" in note
    note = map_figures.district_note(
        MapState(kind="kpi", code="KPI01"), demo_store.catalog(), demo_store.kpis(), "th"
    )
    assert note.startswith("KPI01") and "มท. 4.4" in note


def test_default_periods():
    assert map_state.default_fiscal_year(date(2026, 11, 22)) == 2569
    assert map_state.default_fiscal_year(date(2026, 3, 31)) == 2569
    periods = pd.DataFrame(
        {
            "period": ["2025-01", "2025-02", "2025-03"],
            "period_end": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"]),
            "cells": [77, 70, 12],
        }
    )
    assert map_state.default_item_period(periods, 77) == "2025-02"
    assert map_state.default_item_period(periods.iloc[:0], 77) is None


def test_period_choices_are_thai(demo_store):
    periods = demo_store.map_item_periods("TOU01")
    codes, labels = map_state.period_choices(MapState(kind="item"), periods, "monthly", AS_OF, "th")
    assert codes[0] == periods["period"].iloc[-1] and len(codes) == len(periods)
    assert labels[codes.index("2025-03")] == "มี.ค. 2568"
    years, labels = map_state.period_choices(MapState(), None, None, AS_OF, "th")
    assert years[0] == "2570" and labels[0] == "ปีงบประมาณ 2570"


# ---------------------------------------------------------------- classes


def test_fixed_health_bands_at_the_policy_bars():
    c = map_legend.classify_figure([79.99, 80, 89.9, 90, 99.99, 100, None], "health", "fixed")
    assert c.classes.tolist() == [0, 1, 1, 2, 2, 3, -1]
    assert c.colours == mapview.palette(4, True)
    assert c.colours[0] == "#d7191c"  # red is bad: the lowest band
    assert c.legend["label"].tolist()[:4] == [
        "ต่ำกว่า 80",
        "80 – < 90",
        "90 – < 100",
        "100 (ครบทุกเกณฑ์)",
    ]
    assert c.legend["label"].iloc[-1] == "ไม่มีข้อมูล"
    assert c.legend["count"].tolist() == [1, 2, 2, 1, 1]


def test_fixed_score_bands_and_stale_row():
    c = map_legend.classify_figure([0, 1, 2.5, 4.9999, 5], "kpi", "fixed", stale=True, lang="en")
    assert c.classes.tolist() == [0, 1, 2, 4, 5]
    assert c.legend["label"].tolist()[-2:] == ["no data", "out of date / unverified / partial"]
    with pytest.raises(ValueError, match="policy"):
        map_legend.classify_figure([1, 2], "item", "fixed")


def test_data_methods_use_mapclassify_and_shrink_k():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    for method in ("quantiles", "equal_interval", "natural_breaks"):
        c = map_legend.classify_figure(values, "item", method, k=5, higher_is_better=False)
        assert c.classes.max() == 4 and c.method == method
        assert c.colours == mapview.palette(5, False)
        assert c.colours[-1] == "#d7191c"  # lower is better: high values are red
    few = map_legend.classify_figure([1, 1, 2, np.nan], "item", "quantiles", k=5)
    assert few.classes.tolist() == [0, 0, 1, -1] and "2" in few.note
    one = map_legend.classify_figure([3.0, 3.0], "item", "quantiles")
    assert one.classes.tolist() == [0, 0]
    none = map_legend.classify_figure([np.nan, np.nan], "item", "quantiles")
    assert none.classes.tolist() == [-1, -1]


def test_neutral_palette_for_items_without_direction():
    c = map_legend.classify_figure(range(10), "item", "quantiles", higher_is_better=None)
    assert c.colours == mapview.palette(5, None)


# ---------------------------------------------------------------- joining, map, exports


@pytest.fixture
def tiny_layer():
    return gpd.GeoDataFrame(
        {
            "code": ["10", "11", "12"],
            "name_th": ["<b>ก</b>", "ข", "ค"],
            "name_en": ["A", "B", "C"],
        },
        geometry=[shapely.box(100, 13, 100.5, 13.5), shapely.box(100.5, 13, 101, 13.5), None],
        crs="EPSG:4326",
    )


def test_join_keeps_every_area_and_escapes_tooltips(tiny_layer):
    figures = pd.DataFrame(
        {
            "code": ["10", "11"],
            "level": "province",
            "value": [1234.5, 2.0],
            "flag": ["stale", ""],
            "members": [3, 1],
            "members_with_data": [2, 1],
        }
    )
    joined = map_layer.join_figures(tiny_layer, figures, "th", decimals=1)
    assert joined["code"].tolist() == ["10", "11", "12"]
    assert joined["shown"].tolist() == ["1,234.5", "2.0", "ไม่มีข้อมูล"]
    assert joined["members_text"].tolist() == ["2/3", "", ""]
    assert joined["flag_text"].tolist()[0] == "ข้อมูลไม่ทันเหตุการณ์"  # lib.core.labels
    classes = map_legend.classify_figure(joined["value"], "item", "quantiles", k=2)
    group = map_layer.choropleth_group(
        joined.iloc[:2],
        classes.__class__(classes.classes[:2], classes.colours, classes.legend, classes.method),
    )
    rendered = group._children[next(iter(group._children))].data
    props = rendered["features"][0]["properties"]
    assert "&lt;b&gt;" in " ".join(str(v) for v in props.values())
    assert "<b>" not in " ".join(str(v) for v in props.values())


def test_clicked_code_reads_the_feature():
    assert map_state.clicked_code({"last_active_drawing": {"id": "21", "properties": {}}}) == "21"
    assert (
        map_state.clicked_code({"last_active_drawing": {"properties": {"code": "C17-E1"}}})
        == "C17-E1"
    )
    assert map_state.clicked_code({"last_active_drawing": None}) is None
    assert map_state.clicked_code({"last_active_drawing": {"id": "<x>"}}) is None
    assert map_state.clicked_code(None) is None


def test_exports_neutralise_formulas_and_keep_thai():
    table = pd.DataFrame(
        {"พื้นที่": ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "ระยอง"], "ค่า": [1, -2, 3, 4, 5]}
    )
    csv = map_export.table_csv(table)
    assert csv.startswith(b"\xef\xbb\xbf")
    text = csv.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n'+1+1," in text and "'@SUM" in text
    assert "\n-2," in text  # text that is a plain number is data, not a formula
    assert "ระยอง,5" in text and ",-2\n" in text  # numbers stay numbers
    book = openpyxl.load_workbook(io.BytesIO(map_export.table_xlsx(table)))
    cells = [row for row in book.active.iter_rows(values_only=True)]
    assert cells[0] == ("พื้นที่", "ค่า")
    assert [r[0] for r in cells[1:]] == ['\'=HYPERLINK("x")', "'+1+1", "-2", "'@SUM(A1)", "ระยอง"]
    assert [r[1] for r in cells[1:]] == [1, -2, 3, 4, 5]
    assert all(book.active.cell(r, 1).data_type == "s" for r in range(2, 7))


def test_map_png_draws_the_classes(tiny_layer):
    figures = pd.DataFrame(
        {
            "code": ["10", "11"],
            "level": "province",
            "value": [70.0, 95.0],
            "flag": ["", "stale"],
            "members": 1,
            "members_with_data": 1,
        }
    )
    joined = map_layer.join_figures(tiny_layer, figures)
    classes = map_legend.classify_figure(joined["value"], "health", "fixed", stale=True)
    png = map_export.map_png(joined, classes, "ถูกต้องและทันเหตุการณ์ (%)", "ประเทศไทย", width=600)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == 600
    colours = {c for _, c in image.getcolors(maxcolors=1_000_000)}
    assert (0xD7, 0x19, 0x1C) in colours  # the red band (below 80)
    assert (0xAB, 0xD9, 0xE9) in colours  # the 90 - < 100 band


def test_figure_table_columns(tiny_layer):
    figures = pd.DataFrame(
        {"code": ["10"], "level": "province", "value": [1.0], "flag": [""], "members": 1}
    ).assign(members_with_data=1)
    joined = map_layer.join_figures(tiny_layer, figures, "en")
    table = map_export.figure_table(joined, "Population", "persons", "en")
    assert table.columns.tolist() == [
        "Code",
        "Area",
        "Population",
        "Unit",
        "Areas reporting",
        "Note",
    ]
    assert len(table) == 3


# ---------------------------------------------------------------- profile


def test_kpi_comparison_ranks():
    def rows(codes, scores, results, level="province"):
        return pd.DataFrame(
            {
                "area_code": codes,
                "kpi_code": "K1",
                "kpi_name_th": "ตัวชี้วัด",
                "score": scores,
                "result": results,
                "level": level,
            }
        )

    province = rows(["10", "11", "12", "13"], [5.0, 3.0, 5.0, 1.0], [90, 60, 95, np.nan])
    clusters = rows(["G"], [4.0], [80.0], "cluster")
    country = rows(["TH"], [3.5], [81.7], "country")
    table = profile_view.kpi_comparison(province, clusters, country, "10", "G", ["10", "11"])
    row = table.iloc[0]
    assert row["ผล (จังหวัด)"] == 90 and row["คะแนน"] == 5.0
    assert row["ผล (กลุ่มจังหวัด)"] == 80.0 and row["ผล (ประเทศ)"] == 81.7
    assert row["อันดับในประเทศ"] == "2/4"  # 12 has the same score and a higher result
    assert row["อันดับในกลุ่ม"] == "1/2"


def test_owed_items_name_the_owner_and_the_person(demo_store):
    inputs = cv.load_coverage_inputs(demo_store, FY, AS_OF)
    cells = cv.item_area_coverage(
        inputs.facts, inputs.items, inputs.areas, AS_OF, inputs.fiscal_years, inputs.window_end
    )
    start, _ = cv.window_bounds(inputs.fiscal_years, AS_OF, inputs.window_end)
    requirements = cv.item_requirements(inputs.items, start, inputs.window_end, AS_OF)
    owed = profile_view.owed_items(cells, requirements, demo_store.catalog(), "21")
    late = cells.loc[(cells["province_code"] == "21") & (cells["item_areas_timely"] == 0)]
    assert len(owed) == late["item_code"].nunique() > 0
    catalog = demo_store.catalog().set_index("code")
    mine = cells.loc[cells["province_code"] == "21"]
    for row in owed.itertuples(index=False):
        code = row[0]
        assert row[5] == catalog.at[code, "owner_name_th"]
        assert row[6] == catalog.at[code, "responsible_person"]
        n_late = late.loc[late["item_code"] == code, "area_code"].nunique()
        n_all = mine.loc[mine["item_code"] == code, "area_code"].nunique()
        assert row[4] == f"{n_late}/{n_all}"  # areas overdue of the areas owing the item
    hidden = owed.iloc[0, 0]  # a reader who may not see an item is not told it is owed
    readable = demo_store.catalog().query("code != @hidden")
    shown = profile_view.owed_items(cells, requirements, readable, "21")
    assert len(shown) == len(owed) - 1
    assert shown.empty or hidden not in set(shown.iloc[:, 0])


def test_trend_frame_has_province_cluster_and_country():
    values = pd.DataFrame(
        {
            "province_code": ["10", "11", "12"] * 2,
            "period_end": pd.to_datetime(["2024-12-31"] * 3 + ["2025-12-31"] * 3),
            "value_sum": [1.0, 2.0, 6.0, 2.0, 4.0, 9.0],
            "value_mean": [1.0, 2.0, 6.0, 2.0, 4.0, 9.0],
        }
    )
    trend = profile_view.trend_frame(values, "annual", "10", ["10", "11"])
    wide = trend.pivot(index="label", columns="series", values="value")
    assert wide.index.tolist() == ["2567", "2568"]  # Buddhist years
    assert wide["จังหวัด"].tolist() == [1.0, 2.0]
    assert wide["เฉลี่ยจังหวัดในกลุ่ม"].tolist() == [1.5, 3.0]
    assert wide["เฉลี่ยทั้งประเทศ"].tolist() == [3.0, 5.0]


def test_districts_table_spreads_latest_values(demo_store):
    areas = demo_store.areas("district")
    rayong = areas.loc[areas["parent_code"] == "21"]
    latest = demo_store.district_latest_values("21")
    table = profile_view.districts_table(rayong, latest, demo_store.catalog())
    assert table["รหัส"].tolist() == rayong["code"].tolist()
    name = demo_store.catalog().set_index("code").at["HLT01", "name_th"]
    first = latest.loc[(latest["item_code"] == "HLT01") & (latest["area_code"] == "2101"), "value"]
    assert table.loc[table["รหัส"] == "2101", name].iloc[0] == pytest.approx(first.iloc[0])

"""lib.mapview: class breaks, palettes, offline map HTML and escaped tooltips (no network)."""

import ast
import html
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from lib.geo import mapview

XSS_NAMES = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _provinces(n=77, crs="EPSG:4326"):
    """n small squares over Thailand with codes "10".."86", Thai names and a density."""
    codes = [str(10 + i) for i in range(n)]
    geoms = [
        box(98 + (i % 11) * 0.6, 6 + (i // 11) * 2, 98.5 + (i % 11) * 0.6, 7.5 + (i // 11) * 2)
        for i in range(n)
    ]
    names = [f"จังหวัด {c}" for c in codes]
    names[: len(XSS_NAMES)] = XSS_NAMES
    density = np.linspace(20.0, 5000.0, n)
    density[3 % n] = np.nan
    gdf = gpd.GeoDataFrame(
        {"code": codes, "ชื่อ จังหวัด": names, "density": density}, geometry=geoms, crs="EPSG:4326"
    )
    return gdf.to_crs(crs)


def _layer(gdf, **kw):
    """A choropleth layer of gdf coloured by quantiles of density."""
    _, classes = mapview.classify(gdf["density"], "quantiles", k=5)
    colours = mapview.class_colours(classes, mapview.palette(5, higher_is_better=None))
    return mapview.choropleth_layer(
        gdf,
        "density",
        dict(zip(gdf["code"], colours, strict=True)),
        [("ชื่อ จังหวัด", "จังหวัด"), ("density", "คน/ตร.กม.")],
        **kw,
    )


def _red(colour):
    """True for a red or red-orange hex colour (not yellow)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r > 0xC0 and r - b > 0x60 and g < 0xB0


# classify


@pytest.mark.parametrize(
    ("method", "values", "k", "bins", "classes"),
    [
        ("quantiles", range(1, 11), 5, [2.8, 4.6, 6.4, 8.2, 10.0], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
        ("equal_interval", [0, 2, 4, 6, 8, 10], 5, [2, 4, 6, 8, 10], [0, 0, 1, 2, 3, 4]),
        ("natural_breaks", [1, 2, 3, 10, 11, 12, 50, 51], 3, [3, 12, 51], [0, 0, 0, 1, 1, 1, 2, 2]),
    ],
)
def test_classify_data_driven_methods(method, values, k, bins, classes):
    got_bins, got_classes = mapview.classify(values, method, k=k)
    assert got_bins == pytest.approx(bins)
    assert got_classes.tolist() == classes


def test_classify_fixed_upper_edges_like_mapclassify():
    bins, classes = mapview.classify([75, 80, 85, 90, 95, 100], "fixed", bands=[80, 90, 100])
    assert bins == [80, 90, 100]
    assert classes.tolist() == [0, 0, 1, 1, 2, 2]


def test_classify_fixed_lower_edges_for_milestones():
    _, classes = mapview.classify(
        [75, 80, 89.9, 90, 100], "fixed", bands=[0, 80, 90, 100], closed="left"
    )
    assert classes.tolist() == [0, 1, 1, 2, 3]


def test_classify_fixed_scores_one_class_each():
    _, classes = mapview.classify([1, 2, 3, 4, 5, 2.5], "fixed", bands=[1, 2, 3, 4, 5])
    assert classes.tolist() == [0, 1, 2, 3, 4, 2]


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "natural_breaks", "fixed"])
def test_missing_values_get_no_data_class(method):
    values = [1.0, np.nan, 2.0, None, 3.0, "n/a", 4.0, 5.0]
    _, classes = mapview.classify(values, method, k=3, bands=[2, 4, 6])
    assert classes.tolist()[1] == classes.tolist()[3] == classes.tolist()[5] == -1
    assert (classes[[0, 2, 4, 6, 7]] >= 0).all()


def test_fixed_with_every_value_missing_is_all_no_data():
    _, classes = mapview.classify([np.nan, None], "fixed", bands=[1, 2])
    assert classes.tolist() == [-1, -1]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1, 2, 3], "jenks"), {}, "unknown classification method"),
        (([1, 2, np.nan], "quantiles"), {"k": 3}, "at least k=3"),
        (([1, 2], "fixed"), {}, "needs bands"),
        (([1, 2], "fixed"), {"bands": [3, 2]}, "increase"),
        (([1, 101], "fixed"), {"bands": [80, 90, 100]}, "above the top"),
        (([1, 2], "fixed"), {"bands": [5, 10], "closed": "left"}, "below the lowest"),
    ],
)
def test_classify_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mapview.classify(*args, **kwargs)


# palettes and legend


@pytest.mark.parametrize("n", range(1, 10))
def test_palette_has_n_distinct_colours(n):
    for direction in (True, False, None):
        colours = mapview.palette(n, higher_is_better=direction)
        assert len(colours) == len(set(colours)) == n


@pytest.mark.parametrize("n", [3, 5, 7])
def test_palette_red_is_always_the_bad_end(n):
    good_high = mapview.palette(n, higher_is_better=True)
    good_low = mapview.palette(n, higher_is_better=False)
    assert _red(good_high[0]) and not _red(good_high[-1])
    assert _red(good_low[-1]) and not _red(good_low[0])
    assert good_low == good_high[::-1]
    assert not any(_red(c) for c in mapview.palette(n, higher_is_better=None))


def test_palette_rejects_class_counts_out_of_range():
    for n in (0, 10):
        with pytest.raises(ValueError, match="1 to 9"):
            mapview.palette(n)


def test_no_data_and_stale_styles_stand_apart_from_palettes():
    every = {c for n in range(1, 10) for d in (True, False, None) for c in mapview.palette(n, d)}
    assert mapview.NO_DATA_COLOUR not in every
    assert mapview.STALE_STYLE["dashArray"]
    assert mapview.class_colours([0, -1, 1], ["#000001", "#000002"]) == [
        "#000001",
        mapview.NO_DATA_COLOUR,
        "#000002",
    ]


def test_legend_rows_labels_and_counts():
    rows = mapview.legend_rows(
        [80, 90, 100], ["#a", "#b", "#c"], fmt="{:.0f}", counts=[0, 0, 1, 2, -1]
    )
    assert rows["label"].tolist() == ["≤ 80", "80 – 90", "90 – 100", mapview.NO_DATA_LABEL]
    assert rows["colour"].tolist() == ["#a", "#b", "#c", mapview.NO_DATA_COLOUR]
    assert rows["count"].tolist() == [2, 1, 1, 1]
    left = mapview.legend_rows(
        [0, 80], ["#a", "#b"], closed="left", fmt="{:.0f}", no_data=False, stale=True
    )
    assert left["label"].tolist() == ["0 – < 80", "≥ 80", mapview.STALE_LABEL]


# offline map HTML


def test_offline_map_loads_only_local_leaflet():
    m = mapview.offline_map()
    _layer(_provinces()).add_to(m)
    page = m.get_root().render()
    assert mapview.external_urls(page) == []
    assert mapview.asset_links(m) == [
        "/app/static/vendor/leaflet/leaflet.js",
        "/app/static/vendor/leaflet/leaflet.css",
    ]
    assert "leafletjs.com" not in page and "openstreetmap" not in page.lower()
    # Instance attributes only: folium's class defaults stay as they were for other maps.
    assert any("cdn" in url for _, url in folium.Map.default_js)


def test_offline_map_honours_base_url_path_and_bounds():
    m = mapview.offline_map(bounds=((13.0, 100.0), (14.0, 101.0)), base_url_path="/eis/")
    page = m.get_root().render()
    assert mapview.asset_links(m)[0] == "/eis/app/static/vendor/leaflet/leaflet.js"
    assert "/eis/app/static/fonts/sarabun-thai-400-normal.woff2" in page
    assert "[[13.0, 100.0], [14.0, 101.0]]" in page
    from_gdf = mapview.offline_map(bounds=np.array([100.0, 13.0, 101.0, 14.0]))
    assert "[[13.0, 100.0], [14.0, 101.0]]" in from_gdf.get_root().render()


def test_tiles_are_checked_by_the_guard():
    local = mapview.offline_map(tiles_url="http://127.0.0.1:8080/{z}/{x}/{y}.png")
    assert mapview.external_urls(local.get_root().render()) == []
    remote = mapview.offline_map(tiles_url="https://tile.example.org/{z}/{x}/{y}.png")
    assert mapview.external_urls(remote.get_root().render()) == [
        "https://tile.example.org/{z}/{x}/{y}.png"
    ]


def test_a_default_folium_map_fails_the_guard():
    page = folium.Map().get_root().render()
    assert any("cdn.jsdelivr.net" in url for url in mapview.external_urls(page))


def test_external_urls_finds_off_machine_references_only():
    page = """
    <script src="https://cdn.example.com/a.js"></script>
    <link rel=stylesheet href=//fonts.example.com/b.css>
    <style>@import "https://x.example.com/c.css"; .a{background:url('http://img.example.com/d.png')}</style>
    <script>L.tileLayer("https://{s}.tile.example.net/{z}/{x}/{y}.png")</script>
    <script src="/app/static/vendor/leaflet/leaflet.js"></script>
    <img src="http://127.0.0.1:8501/media/e.png"><img src="http://localhost/f.png">
    <img src="http://[::1]:8501/g.png"><img src="data:image/png;base64,AAAA">
    <svg xmlns="http://www.w3.org/2000/svg"></svg><a href="#top">top</a>
    """
    assert mapview.external_urls(page) == [
        "https://cdn.example.com/a.js",
        "//fonts.example.com/b.css",
        "http://img.example.com/d.png",
        "https://x.example.com/c.css",
        "https://{s}.tile.example.net/{z}/{x}/{y}.png",
    ]


# choropleth layer


def test_tooltip_text_is_escaped():
    gdf = _provinces(5)
    m = mapview.offline_map()
    layer = mapview.choropleth_layer(
        gdf, "density", {}, [("ชื่อ จังหวัด", "<b>ชื่อ</b>")], popup_fields=[("code", "รหัส")]
    )
    layer.add_to(m)
    page = m.get_root().render()
    for name in XSS_NAMES:
        assert name not in page
    assert "<b>ชื่อ</b>" not in page
    shown = [f["properties"]["_t0"] for f in layer.data["features"][:2]]
    assert shown == [html.escape(name) for name in XSS_NAMES]


def test_layer_for_77_provinces():
    gdf = _provinces(77, crs="EPSG:32647")  # projected input is reprojected for Leaflet
    layer = _layer(gdf, stale_codes=["20"], name="<i>density</i>")
    features = layer.data["features"]
    assert len(features) == 77
    assert [f["id"] for f in features] == gdf["code"].tolist()
    assert features[0]["properties"]["code"] == "10"  # raw code for st_folium clicks
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert 97 < lon < 106 and 5 < lat < 21
    styles = {f["id"]: layer.style_function(f) for f in features}
    assert styles["13"]["fillColor"] == mapview.NO_DATA_COLOUR  # NaN density
    assert styles["20"]["dashArray"] == mapview.STALE_STYLE["dashArray"]
    assert "dashArray" not in styles["21"]
    assert len({s["fillColor"] for s in styles.values()}) == 6  # 5 classes + no data
    assert features[3]["properties"]["_t1"] == mapview.NO_DATA_LABEL
    assert layer.layer_name == "&lt;i&gt;density&lt;/i&gt;"


def test_layer_names_missing_columns():
    with pytest.raises(ValueError, match="name_th"):
        mapview.choropleth_layer(_provinces(3), "density", {}, [("name_th", "ชื่อ")])


def test_mapview_does_not_import_streamlit():
    tree = ast.parse(Path(mapview.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "streamlit" not in imported


def test_a_shape_is_converted_once_and_a_changed_shape_is_drawn_anew():
    frame = gpd.GeoDataFrame(
        {"code": ["10", "11"], "v": [1.0, 2.0]}, geometry=[box(0, 0, 1, 1), None], crs=4326
    )
    first = mapview._feature_collection(frame, "code", "v", {}, {})["features"]
    again = mapview._feature_collection(frame, "code", "v", {}, {})["features"]
    assert again[0]["geometry"] is first[0]["geometry"]  # the page's next run: no conversion
    assert first[1]["geometry"] is None  # a missing shape stays missing
    moved = frame.set_geometry([box(0, 0, 1, 2), None], crs=4326)  # a new boundary layer
    drawn = mapview._feature_collection(moved, "code", "v", {}, {})["features"][0]["geometry"]
    ring = [tuple(p) for p in drawn["coordinates"][0]]
    assert drawn["type"] == "Polygon" and (0.0, 2.0) in ring and (0.0, 1.0) not in ring

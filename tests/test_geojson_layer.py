"""lib.geo.geojson_layer: the map's coloured layer renders the page folium renders."""

import re

import folium
import geopandas as gpd
from branca.element import Element
from shapely.geometry import box, mapping

from lib.geo import mapview
from lib.geo.geojson_layer import GeoJsonLayer, as_template_renders
from lib.geo.tooltip import TooltipStays

HIGHLIGHT = {"weight": 3}


def _data(names):
    """A feature collection of one square per name, with a code and a shown name."""
    features = [
        {
            "type": "Feature",
            "id": str(10 + i),
            "properties": {"code": str(10 + i), "_t0": name},
            "geometry": mapping(box(100 + i, 13, 100.5 + i, 13.5)),
        }
        for i, name in enumerate(names)
    ]
    return {"type": "FeatureCollection", "features": features}


def _page(cls, names) -> str:
    """The whole page of a map with a group holding one layer of `cls`, as mapview builds it
    (style and highlight functions, a tooltip, the tooltip's helper), its random ids
    numbered in order of appearance."""
    m = mapview.offline_map()
    group = folium.FeatureGroup(name="figure")
    layer = cls(
        _data(names),
        name="figure",
        style_function=lambda f: {"fillColor": "#d7191c" if f["id"] == "10" else "#2c7bb6"},
        highlight_function=lambda f: HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(fields=["_t0"], aliases=["ชื่อ"], sticky=False),
    )
    layer.add_child(TooltipStays())
    layer.add_to(group)
    group.add_to(m)
    page = m.get_root().render()
    ids: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda h: ids.setdefault(h.group(), f"id{len(ids)}"), page)


def test_the_layer_renders_the_page_folium_renders():
    names = ["ระยอง", "เมืองระยอง", "บ้านฉาง"]
    ours, folium_s = _page(GeoJsonLayer, names), _page(folium.GeoJson, names)
    assert ours == folium_s
    # coloured by its style function; made before its tooltip, its helper and its add-to
    assert '"fillColor": "#d7191c"' in ours and '"fillColor": "#2c7bb6"' in ours
    made = ours.index("var geo_json_id")
    after = ["bindTooltip", 'layer.off("mouseover"', "addTo(feature_group_id"]
    assert made < ours.index(after[0]) < ours.index(after[1]) < ours.index(after[2])


def test_names_that_look_like_templates_are_shown_as_written():
    # folium compiles its rendered script once more as a Jinja template, which evaluates
    # them; the layer puts the text in the page as it is
    names = ["{{ 7 * 7 }}", "ระยอง"]
    assert "{{ 7 * 7 }}" in _page(GeoJsonLayer, names)
    assert "{{ 7 * 7 }}" not in _page(folium.GeoJson, names)


def test_the_map_layer_is_one():
    layer = mapview.choropleth_layer(
        _frame(), "value", {"10": "#d7191c"}, [("name", "ชื่อ")], link=("url", "ที่มา")
    )
    assert isinstance(layer, GeoJsonLayer)


def _frame():
    return gpd.GeoDataFrame(
        {"code": ["10"], "value": [1.0], "name": ["ระยอง"], "url": ["/explore?item=A"]},
        geometry=[box(100, 13, 100.5, 13.5)],
        crs="EPSG:4326",
    )


def test_text_is_put_in_the_page_as_an_element_of_it_renders():
    # a branca Element compiles its text as a template, which drops one trailing newline
    for text in ["var a = 1;", "var a = 1;\n", "var a = 1;\n\n", "\n    var a = 1;\n    "]:
        assert as_template_renders(text) == Element(text).render()

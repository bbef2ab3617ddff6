"""Boundaries of the areas a view draws, joined to their figures, as a folium layer."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column
from lib.core.labels import NO_DATA
from lib.geo import mapview
from lib.views.explore import cell_link
from lib.views.map.figures import flag_text
from lib.views.map.legend import Classes
from lib.views.map.state import MapState

# The tooltip's link to the Explore page's provenance of the value shown (an item's own cell).
SOURCE_LINK = Text("ที่มาของค่า", "Where this value came from")
TOOLTIP = {
    "name": Text("พื้นที่", "Area"),
    "shown": Text("ค่า", "Value"),
    "members_text": Text("พื้นที่ที่มีข้อมูล", "Areas reporting"),
    "flag_text": Text("หมายเหตุ", "Note"),
}


def view_layer(state: MapState, view: pd.DataFrame, layers: Mapping[str, object]):
    """The geometry of the view's areas (GeoDataFrame: code, level, name_th, name_en, geometry).

    layers: "region" and "cluster" (the chosen schemes), "province", "province_detail"
    and "district" (None when no district layer is loaded). A drilled-in view of
    provinces uses the finer province layer.
    """
    import geopandas as gpd

    parts = []
    for level, codes in view.groupby("level")["code"]:
        key = "province_detail" if level == "province" and state.path else level
        layer = layers.get(key)
        if layer is None:
            continue
        rows = layer.loc[layer["code"].isin(set(codes)), ["code", "name_th", "name_en", "geometry"]]
        parts.append(rows.assign(level=level))
    if not parts:
        return gpd.GeoDataFrame(
            {c: [] for c in ["code", "level", "name_th", "name_en"]}, geometry=[], crs="EPSG:4326"
        )
    out = pd.concat(parts, ignore_index=True)
    if state.kind == "item" and state.period:  # each area's cell of the item and period
        out["source_url"] = [cell_link(state.code, code, state.period) for code in out["code"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326").sort_values(
        "code", ignore_index=True
    )


def source_links(joined) -> pd.Series | None:
    """The provenance link of each area whose value is one cell (not pooled from members),
    '' elsewhere; None when the view is not of an item's period."""
    if "source_url" not in joined.columns:
        return None
    own = joined["value"].notna() & ~(joined["members"].fillna(1) > 1)
    return joined["source_url"].where(own, "")


def join_figures(layer, figures: pd.DataFrame, lang: str = "th", decimals: int = 1):
    """The layer with value, flag text, members and a display string per area (all areas kept)."""
    merged = layer.merge(
        figures.drop(columns=["level"], errors="ignore"), on="code", how="left", validate="1:1"
    )
    merged["name"] = merged[pick_column("name", lang)]
    merged["shown"] = [
        pick(NO_DATA, lang) if pd.isna(v) else tc.format_number_th(v, decimals)
        for v in merged["value"]
    ]
    merged["flag_text"] = [flag_text(f, lang) for f in merged["flag"].fillna("")]
    merged["members_text"] = [
        "" if pd.isna(m) or m <= 1 else f"{int(w)}/{int(m)}"
        for m, w in zip(merged["members"], merged["members_with_data"], strict=True)
    ]
    return merged


def choropleth_group(joined, classes: Classes, lang: str = "th") -> folium.FeatureGroup:
    """A FeatureGroup holding the coloured layer (passed to st_folium as feature_group_to_add)."""
    colours = dict(
        zip(joined["code"], mapview.class_colours(classes.classes, classes.colours), strict=True)
    )
    stale = joined.loc[joined["flag"].fillna("") != "", "code"]
    columns = ["code", "value", "name", "shown", "members_text", "flag_text", "geometry"]
    links = source_links(joined)
    shapes = joined[columns] if links is None else joined[columns].assign(source_url=links)
    layer = mapview.choropleth_layer(
        shapes,
        "value",
        colours,
        tooltip_fields=[(field, pick(label, lang)) for field, label in TOOLTIP.items()],
        stale_codes=stale,
        name="figure",
        link=None if links is None else ("source_url", pick(SOURCE_LINK, lang)),
    )
    group = folium.FeatureGroup(name="figure")
    layer.add_to(group)
    return group


def view_bounds(layer) -> tuple[float, float, float, float] | None:
    """minx, miny, maxx, maxy of a layer (None when it is empty)."""
    if layer is None or len(layer) == 0:
        return None
    return tuple(float(v) for v in layer.total_bounds)

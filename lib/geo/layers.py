"""Load the province, cluster and region boundary layers shipped in geo/ (see geo/README.md)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from lib.core.settings import GEO_DIR  # noqa: F401

PROVINCES_PATH = GEO_DIR / "provinces.geojson"
PROVINCES_DETAIL_PATH = GEO_DIR / "provinces_detail.geojson"
GROUP_PATHS = {
    "cluster_2009": GEO_DIR / "clusters_2009.geojson",
    "cluster_2017": GEO_DIR / "clusters_2017.geojson",
    "region_royin6": GEO_DIR / "regions_royin6.geojson",
    "region_nesdc7": GEO_DIR / "regions_nesdc7.geojson",
}
LAYER_PATHS = {
    "provinces": PROVINCES_PATH,
    "provinces_detail": PROVINCES_DETAIL_PATH,
    **GROUP_PATHS,
}


def _read(path: Path) -> gpd.GeoDataFrame:
    """Read one shipped GeoJSON layer as EPSG:4326 with string codes, sorted by code."""
    frame = gpd.read_file(path)
    frame["code"] = frame["code"].astype(str)
    return frame.sort_values("code", ignore_index=True).to_crs("EPSG:4326")


def province_layer(detail: bool = False) -> gpd.GeoDataFrame:
    """Return the 77 provinces (code, name_th, name_en, level, geometry); detail=True is finer."""
    return _read(PROVINCES_DETAIL_PATH if detail else PROVINCES_PATH)


def group_layer(scheme: str) -> gpd.GeoDataFrame:
    """Return the dissolved polygons (code, name_th, name_en, geometry) of a grouping scheme."""
    if scheme not in GROUP_PATHS:
        raise ValueError(
            f"unknown grouping scheme {scheme!r}; expected one of {sorted(GROUP_PATHS)}"
        )
    return _read(GROUP_PATHS[scheme])


def layer_geojson_text(name: str) -> str:
    """Return the raw GeoJSON text of a layer named as in LAYER_PATHS (e.g. "provinces")."""
    if name not in LAYER_PATHS:
        raise ValueError(f"unknown layer {name!r}; expected one of {sorted(LAYER_PATHS)}")
    return LAYER_PATHS[name].read_text(encoding="utf-8")

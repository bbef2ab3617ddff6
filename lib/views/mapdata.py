"""Map page and province profile logic: what to colour, drill-down, URL state, exports.

Pure pandas and folium, no Streamlit. The page reads its state from the URL
(`from_query`), asks `load_figures` (the one function that reaches the store and
the engine) for a figure per area, joins it to a boundary layer (`view_layer`,
`join_figures`), classifies it (`classify_figure`) and draws it. Drill-down is a
path of area codes in the URL: region -> cluster -> province -> district.

Rules chosen here (the spec leaves them open):

- **item values above province level** combine by the item's own aggregation
  (lib.engine.aggregations): `sum` over the member provinces for counts and
  amounts, `mean` of the members with a value for rates, per-capita figures and
  percentages. District items pool their districts the same way.
- **flags** (drawn with a dashed outline): an item value is *unverified* when its
  status is still "submitted", *stale* when the area's latest period is older
  than the latest period due at the as-of date (period end + release lag);
  a group is *partial* when some members have no value and inherits its members'
  flags. A KPI score is flagged when the engine marks it unreliable.
- **drilling into a region** shows the clusters with at least one member in it,
  drawn whole (their figure is the whole cluster's), plus the region's provinces
  that belong to no cluster (Bangkok), drawn as provinces.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import folium
import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.exporting import safe_csv_bytes, safe_xlsx_bytes
from lib.core.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME, MILESTONE_BARS, ROOT
from lib.engine import aggregations
from lib.geo import mapview

KINDS = ("health", "kpi", "item")
LEVELS = ("region", "cluster", "province", "district")
REGION_SCHEMES = ("region_nesdc7", "region_royin6")
CLUSTER_SCHEMES = ("cluster_2017", "cluster_2009")
CHILD_LEVEL = {
    "country": "region",
    "region": "cluster",
    "cluster": "province",
    "province": "district",
}
HEALTH_MEASURES = {
    "correct_and_timely_pct": ("ถูกต้องและทันเหตุการณ์ (%)", "Correct and timely (%)"),
    "complete_pct": ("ครบถ้วน (%)", "Complete (%)"),
    "correct_pct": ("ถูกต้อง (%)", "Correct (%)"),
    "timely_pct": ("ทันเหตุการณ์ (%)", "Timely (%)"),
}
COMPOSITE = "composite"  # the KPI code standing for the composite score
# Policy bands (lower edges): data health at the KPI 4.4 bars, scores at whole levels.
HEALTH_BANDS = (0.0, *MILESTONE_BARS)
SCORE_BANDS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
ROUNDS = tc.ROUNDS
FLAG_LABELS = {
    "stale": ("ไม่เป็นปัจจุบัน", "out of date"),
    "unverified": ("ยังไม่ยืนยัน", "not verified"),
    "partial": ("ข้อมูลไม่ครบทุกพื้นที่", "not all areas reported"),
    "unreliable": ("ข้อมูลไม่น่าเชื่อถือ", "rests on poor data"),
    "no_data": ("ไม่มีข้อมูล", "no data"),
}
FIGURE_COLUMNS = ["code", "level", "value", "flag", "members", "members_with_data"]
FONT_PATH = ROOT / "static" / "fonts" / "Sarabun-Regular.ttf"


def _t(th: str, en: str, lang: str) -> str:
    return en if lang == "en" else th


# ---------------------------------------------------------------- URL state


@dataclass(frozen=True)
class MapState:
    """Everything the map shows, as it lives in the URL."""

    kind: str = "health"
    code: str = "correct_and_timely_pct"
    period: str = ""  # item: its period code; kpi/health: the Buddhist fiscal year; "" = default
    round_months: int = 12
    level: str = "province"  # the national level chosen; the drill path goes below it
    path: tuple[str, ...] = ()
    region_scheme: str = DEFAULT_REGION_SCHEME
    cluster_scheme: str = DEFAULT_CLUSTER_SCHEME
    method: str = "fixed"
    k: int = 5


_KEYS = {
    "fig": "figure",
    "per": "period",
    "rnd": "round_months",
    "lv": "level",
    "path": "path",
    "rs": "region_scheme",
    "cs": "cluster_scheme",
    "cls": "method",
    "k": "k",
}


def to_query(state: MapState) -> dict[str, str]:
    """The URL parameters of a state (every key, so a link is complete on its own).

    >>> to_query(MapState(path=("R7-C", "C17-LC2")))["path"]
    'R7-C,C17-LC2'
    """
    return {
        "fig": f"{state.kind}:{state.code}",
        "per": state.period,
        "rnd": str(state.round_months),
        "lv": state.level,
        "path": ",".join(state.path),
        "rs": state.region_scheme,
        "cs": state.cluster_scheme,
        "cls": state.method,
        "k": str(state.k),
    }


def from_query(params: Mapping[str, str]) -> MapState:
    """A state from URL parameters; anything unreadable falls back to the default.

    >>> s = from_query({"fig": "item:POP01", "lv": "cluster", "path": "C17-E1", "k": "x"})
    >>> (s.kind, s.code, s.level, s.path, s.k, s.method)
    ('item', 'POP01', 'cluster', ('C17-E1',), 5, 'quantiles')
    """
    d = MapState()
    kind, _, code = str(params.get("fig", "")).partition(":")
    if kind not in KINDS or not code:
        kind, code = d.kind, d.code
    if kind == "health" and code not in HEALTH_MEASURES:
        code = d.code
    level = params.get("lv", d.level)
    level = level if level in LEVELS else d.level
    rs = params.get("rs", d.region_scheme)
    cs = params.get("cs", d.cluster_scheme)
    path = tuple(c for c in str(params.get("path", "")).split(",") if area_level(c))
    method = params.get("cls") or default_method(kind)
    if method not in allowed_methods(kind):
        method = default_method(kind)
    return MapState(
        kind=kind,
        code=code,
        period=str(params.get("per", "")),
        round_months=_int_in(params.get("rnd"), ROUNDS, d.round_months),
        level=level,
        path=path,
        region_scheme=rs if rs in REGION_SCHEMES else d.region_scheme,
        cluster_scheme=cs if cs in CLUSTER_SCHEMES else d.cluster_scheme,
        method=method,
        k=_int_in(params.get("k"), range(3, 8), d.k),
    )


def _int_in(text, allowed, default: int) -> int:
    try:
        value = int(str(text))
    except ValueError:
        return default
    return value if value in allowed else default


def allowed_methods(kind: str) -> tuple[str, ...]:
    """Classification methods offered for a kind of figure (fixed bands only for policy figures)."""
    base = ("quantiles", "equal_interval", "natural_breaks")
    return ("fixed", *base) if kind in ("health", "kpi") else base


def default_method(kind: str) -> str:
    """Fixed policy bands for data health and scores, quantiles for data items."""
    return "fixed" if kind in ("health", "kpi") else "quantiles"


# ---------------------------------------------------------------- drill-down


def area_level(code: str) -> str | None:
    """Level of an area code by its form: R6-/R7- region, C09-/C17- cluster, 2 or 4 digits.

    >>> [area_level(c) for c in ["TH", "R7-C", "C17-LC2", "21", "2101", "x"]]
    ['country', 'region', 'cluster', 'province', 'district', None]
    """
    code = str(code)
    if code == "TH":
        return "country"
    if code[:3] in ("R6-", "R7-"):
        return "region"
    if code[:4] in ("C09-", "C17-"):
        return "cluster"
    if code.isascii() and code.isdigit() and len(code) in (2, 4):
        return "province" if len(code) == 2 else "district"
    return None


def view_level(state: MapState) -> str:
    """Level of the areas drawn: the chosen level, or the one below the last drilled area."""
    if not state.path:
        return state.level
    return CHILD_LEVEL[area_level(state.path[-1])]


def drill(state: MapState, code: str, has_districts: bool) -> tuple[MapState, str | None]:
    """The state after a click on area code, and the province whose profile to open (or None).

    >>> s, profile = drill(MapState(level="region"), "R7-C", False)
    >>> s.path, view_level(s), profile
    (('R7-C',), 'cluster', None)
    >>> s, profile = drill(s, "C17-LC2", False)
    >>> drill(s, "70", False)[1], drill(s, "70", True)[0].path
    ('70', ('R7-C', 'C17-LC2', '70'))
    """
    level = area_level(code)
    if level in ("region", "cluster"):
        return replace(state, path=(*state.path, code)), None
    if level == "province":
        if has_districts:
            return replace(state, path=(*state.path, code)), code
        return state, code
    return state, None


def breadcrumb(
    state: MapState, names: Mapping[str, str], lang: str = "th"
) -> list[tuple[str, MapState]]:
    """(label, state) from the whole country down to the current view; the last is current."""
    crumbs = [(_t("ประเทศไทย", "Thailand", lang), replace(state, path=()))]
    for i, code in enumerate(state.path):
        crumbs.append((names.get(code, code), replace(state, path=state.path[: i + 1])))
    return crumbs


def province_path(code: str, members: pd.DataFrame) -> tuple[str, ...]:
    """Drill path that leads to a province: its region and its cluster (if it has one).

    members: province_code, region_code, cluster_code (see `memberships`).
    """
    row = members.loc[members["province_code"] == code]
    if row.empty:
        return ()
    region, cluster = row.iloc[0]["region_code"], row.iloc[0]["cluster_code"]
    path = tuple(c for c in (region, cluster) if isinstance(c, str) and c)
    return path


def memberships(regions: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """province_code, region_code, cluster_code from two group_members frames."""
    r = regions[["province_code", "group_code"]].rename(columns={"group_code": "region_code"})
    c = clusters[["province_code", "group_code"]].rename(columns={"group_code": "cluster_code"})
    out = r.merge(c, on="province_code", how="outer")
    return (
        out.astype(object).where(out.notna(), None).sort_values("province_code", ignore_index=True)
    )


def view_areas(state: MapState, members: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """code and level of every area the current view draws.

    areas: the store's areas (code, level, parent_code, scheme).
    """
    if not state.path:
        level = state.level
        scheme = {"region": state.region_scheme, "cluster": state.cluster_scheme}.get(level)
        rows = areas.loc[areas["level"] == level]
        if scheme:
            rows = rows.loc[rows["scheme"] == scheme]
        return rows[["code", "level"]].reset_index(drop=True)
    scope = state.path[-1]
    kind = area_level(scope)
    if kind == "region":
        inside = members.loc[members["region_code"] == scope]
        clusters = sorted(inside["cluster_code"].dropna().unique())
        loose = sorted(inside.loc[inside["cluster_code"].isna(), "province_code"])
        return pd.DataFrame(
            {
                "code": [*clusters, *loose],
                "level": ["cluster"] * len(clusters) + ["province"] * len(loose),
            }
        )
    if kind == "cluster":
        codes = sorted(members.loc[members["cluster_code"] == scope, "province_code"])
        return pd.DataFrame({"code": codes, "level": "province"})
    if kind == "province":
        codes = areas.loc[(areas["level"] == "district") & (areas["parent_code"] == scope), "code"]
        return pd.DataFrame({"code": sorted(codes), "level": "district"})
    raise ValueError(f"cannot drill below {scope!r}")


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
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326").sort_values(
        "code", ignore_index=True
    )


# ---------------------------------------------------------------- figures (pure)


def item_flags(cells: pd.DataFrame, due_end: date | None) -> pd.DataFrame:
    """area_code, value, flag of one item x period from Store.map_item_cells.

    >>> cells = pd.DataFrame({"area_code": ["10", "11", "12"], "value": [1.0, 2.0, None],
    ...     "status": ["verified", "submitted", None],
    ...     "latest_end": pd.to_datetime(["2025-12-31", "2024-12-31", "2025-12-31"])})
    >>> item_flags(cells, date(2025, 12, 31))["flag"].tolist()
    ['', 'stale,unverified', '']
    """
    out = cells[["area_code", "value"]].copy()
    has = out["value"].notna()
    stale = (
        pd.to_datetime(cells["latest_end"]) < pd.Timestamp(due_end)
        if due_end is not None
        else pd.Series(False, index=cells.index)
    )
    unverified = has & (cells["status"] != "verified")
    out["flag"] = [
        ",".join(f for f, on in (("stale", s), ("unverified", u)) if on)
        for s, u in zip(stale.fillna(False), unverified, strict=True)
    ]
    return out


def pool(values: pd.DataFrame, mapping: pd.DataFrame, how: str) -> pd.DataFrame:
    """Pool child values (area_code, value, flag) into parents via mapping (child, parent).

    Every parent in mapping gets a row: value = sum or mean of the children with a
    value, members, members_with_data, and a flag (partial + the children's flags).

    >>> v = pd.DataFrame({"area_code": ["a", "b"], "value": [1.0, 3.0], "flag": ["", "stale"]})
    >>> m = pd.DataFrame({"child": ["a", "b", "c"], "parent": ["G", "G", "G"]})
    >>> out = pool(v, m, "mean")
    >>> out[["code", "value", "members", "members_with_data", "flag"]].to_numpy().tolist()
    [['G', 2.0, 3, 2, 'partial,stale']]
    """
    if how not in aggregations.ITEM_AGGREGATIONS:
        raise ValueError(f"how must be one of {aggregations.ITEM_AGGREGATIONS}, got {how!r}")
    rows = mapping.merge(values.rename(columns={"area_code": "child"}), on="child", how="left")
    rows["has"] = rows["value"].notna()
    out = []
    for parent, g in rows.groupby("parent", sort=True):
        present = g.loc[g["has"], "value"]
        value = aggregations.combine(present, how)
        flags = {f for text in g["flag"].dropna() for f in str(text).split(",") if f}
        if 0 < len(present) < len(g):
            flags.add("partial")
        out.append(
            {
                "code": parent,
                "value": float(value),
                "flag": ",".join(sorted(flags)) if len(present) else "",
                "members": len(g),
                "members_with_data": int(len(present)),
            }
        )
    return pd.DataFrame(out, columns=["code", "value", "flag", "members", "members_with_data"])


def _area_mapping(level: str, item_level: str, members: pd.DataFrame, areas: pd.DataFrame):
    """(child, parent) from the item's own areas to the areas of level (None: not reachable)."""
    districts = areas.loc[areas["level"] == "district", ["code", "parent_code"]]
    if level == item_level:
        codes = areas.loc[areas["level"] == level, "code"]
        return pd.DataFrame({"child": codes, "parent": codes})
    if level == "district":
        return None  # a province figure is not split into districts
    column = {"region": "region_code", "cluster": "cluster_code"}.get(level)
    if level == "province":
        prov = areas.loc[areas["level"] == "province", "code"]
        prov = pd.DataFrame({"province_code": prov, "parent": prov})
    else:
        prov = members[["province_code", column]].dropna().rename(columns={column: "parent"})
    if item_level == "province":
        return prov.rename(columns={"province_code": "child"})[["child", "parent"]]
    d = districts.rename(columns={"code": "child", "parent_code": "province_code"})
    return d.merge(prov, on="province_code")[["child", "parent"]]


def item_figures(
    cells: pd.DataFrame,
    item: Mapping,
    level: str,
    members: pd.DataFrame,
    areas: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    """FIGURE_COLUMNS of one item and period at a level (all areas of the level, NaN = no data)."""
    due = tc.latest_due_period(as_of, item["frequency"], int(item["release_lag_days"]))
    due_end = tc.period_bounds(due, item["frequency"])[1] if due else None
    values = item_flags(cells, due_end)
    mapping = _area_mapping(level, item["area_level"], members, areas)
    if mapping is None:
        codes = areas.loc[areas["level"] == level, "code"]
        out = pd.DataFrame({"code": codes, "value": np.nan, "flag": "", "members": 0})
        out["members_with_data"] = 0
    else:
        out = pool(values, mapping, item["aggregation"])
    return out.assign(level=level)[FIGURE_COLUMNS]


def kpi_figures(scores: pd.DataFrame, code: str, level: str) -> pd.DataFrame:
    """FIGURE_COLUMNS from kpi.scores rows: the score of one KPI, or the composite."""
    if code == COMPOSITE:
        g = scores.groupby("area_code", sort=True)
        out = pd.DataFrame(
            {
                "value": g["composite"].first(),
                "members": g["result"].size(),
                "members_with_data": g["result"].count(),
            }
        )
        out["flag"] = np.where(out["members_with_data"] < out["members"], "partial", "")
        out = out.reset_index().rename(columns={"area_code": "code"})
    else:
        rows = scores.loc[scores["kpi_code"] == code]
        has = rows["result"].notna()
        out = pd.DataFrame(
            {
                "code": rows["area_code"].to_numpy(),
                "value": rows["score"].where(has).to_numpy(),
                "flag": np.where(has & ~rows["reliable"].astype(bool), "unreliable", ""),
                "members": 1,
                "members_with_data": rows["members_with_data"].to_numpy(),
            }
        )
    return out.assign(level=level)[FIGURE_COLUMNS].reset_index(drop=True)


def health_figures(report: pd.DataFrame, measure: str, level: str) -> pd.DataFrame:
    """FIGURE_COLUMNS from a coverage report (coverage.coverage): one of HEALTH_MEASURES."""
    if measure not in HEALTH_MEASURES:
        raise ValueError(f"unknown data-health measure {measure!r}; use {sorted(HEALTH_MEASURES)}")
    out = pd.DataFrame(
        {
            "code": report["area_code"].to_numpy(),
            "value": report[measure].astype("float64").to_numpy(),
            "flag": "",
            "members": report["members"].to_numpy(),
            "members_with_data": report["members"].to_numpy(),
        }
    )
    return out.assign(level=level)[FIGURE_COLUMNS]


def default_fiscal_year(as_of: date) -> int:
    """The latest fiscal year whose first round (6 months) has ended by as_of.

    >>> default_fiscal_year(date(2026, 11, 22)), default_fiscal_year(date(2027, 4, 1))
    (2569, 2570)
    """
    fy = tc.fiscal_year_of(as_of)
    return fy if tc.round_end(fy, ROUNDS[0]) <= as_of else fy - 1


def default_item_period(periods: pd.DataFrame, n_areas: int) -> str | None:
    """Latest period where at least half of the item's areas have a value (else the latest)."""
    if periods.empty:
        return None
    full = periods.loc[periods["cells"] >= 0.5 * max(n_areas, 1)]
    rows = full if not full.empty else periods
    return str(rows.sort_values("period_end")["period"].iloc[-1])


# ---------------------------------------------------------------- classes and legend


@dataclass
class Classes:
    """Class index per area, colours, legend rows, and the method actually used."""

    classes: np.ndarray
    colours: list[str]
    legend: pd.DataFrame
    method: str
    note: str = ""


def classify_figure(
    values: Sequence[float],
    kind: str,
    method: str,
    k: int = 5,
    higher_is_better: bool | None = True,
    decimals: int = 1,
    stale: bool = False,
    lang: str = "th",
) -> Classes:
    """Classes for a figure: fixed policy bands, or quantiles / equal interval / natural breaks.

    A data method falls back to fewer classes when there are fewer distinct values.
    """
    y = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").astype("float64")
    fmt = f"{{:,.{max(int(decimals), 0)}f}}"
    note = ""
    if method == "fixed":
        if kind not in ("health", "kpi"):
            raise ValueError("fixed policy bands exist for data health and scores only")
        bands = HEALTH_BANDS if kind == "health" else SCORE_BANDS
        bins, classes = mapview.classify(
            y.clip(lower=bands[0]), "fixed", bands=bands, closed="left"
        )
        colours = mapview.palette(len(bins), True)
        labels = _band_labels(bins, kind, lang)
        legend = mapview.legend_rows(
            bins, colours, labels, closed="left", counts=classes, stale=stale
        )
        return Classes(classes, colours, _translate(legend, lang), "fixed", note)
    distinct = int(y.dropna().nunique())
    if distinct == 0:
        classes = np.full(len(y), mapview.NO_DATA_CLASS)
        legend = pd.DataFrame(
            {"colour": [mapview.NO_DATA_COLOUR], "label": [mapview.NO_DATA_LABEL], "count": len(y)}
        )
        return Classes(classes, [], _translate(legend, lang), method, note)
    k_used = min(int(k), distinct)
    if k_used < 2:
        classes = np.where(y.notna(), 0, mapview.NO_DATA_CLASS)
        colours = mapview.palette(1, higher_is_better)
        legend = mapview.legend_rows(
            [float(y.max())], colours, [fmt.format(y.max())], counts=classes, stale=stale
        )
        return Classes(classes, colours, _translate(legend, lang), method, note)
    if k_used < k:
        note = _t(f"ค่ามีน้อย ใช้ {k_used} ชั้นแทน {k}", f"few distinct values: {k_used} classes", lang)
    bins, classes = mapview.classify(y, method, k=k_used)
    colours = mapview.palette(len(bins), higher_is_better)
    legend = mapview.legend_rows(
        bins, colours, fmt=fmt, lowest=float(y.min()), counts=classes, stale=stale
    )
    return Classes(classes, colours, _translate(legend, lang), method, note)


def _band_labels(bins: Sequence[float], kind: str, lang: str) -> list[str]:
    """Legend text of the policy bands: "< 80", "80 - < 90", ..., "100"."""
    if kind == "health":
        return [
            _t("ต่ำกว่า 80", "below 80", lang),
            "80 – < 90",
            "90 – < 100",
            _t("100 (ครบทุกเกณฑ์)", "100 (all met)", lang),
        ]
    labels = [_t("ต่ำกว่า 1", "below 1", lang)]
    labels += [f"{int(bins[i])} – < {int(bins[i + 1])}" for i in range(1, len(bins) - 1)]
    labels.append(_t("5 (สูงสุด)", "5 (top)", lang))
    return labels


def _translate(legend: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The no-data and stale rows of mapview.legend_rows in the page's language."""
    if lang != "en":
        legend = legend.replace({"label": {mapview.STALE_LABEL: "ไม่เป็นปัจจุบัน/ยังไม่ยืนยัน/ไม่ครบ"}})
        return legend
    return legend.replace(
        {
            "label": {
                mapview.NO_DATA_LABEL: "no data",
                mapview.STALE_LABEL: "out of date / unverified / partial",
            }
        }
    )


# ---------------------------------------------------------------- joining and drawing


def join_figures(layer, figures: pd.DataFrame, lang: str = "th", decimals: int = 1):
    """The layer with value, flag text, members and a display string per area (all areas kept)."""
    merged = layer.merge(
        figures.drop(columns=["level"], errors="ignore"), on="code", how="left", validate="1:1"
    )
    merged["name"] = merged[f"name_{'en' if lang == 'en' else 'th'}"]
    merged["shown"] = [
        _t("ไม่มีข้อมูล", "no data", lang) if pd.isna(v) else tc.format_number_th(v, decimals)
        for v in merged["value"]
    ]
    merged["flag_text"] = [flag_text(f, lang) for f in merged["flag"].fillna("")]
    merged["members_text"] = [
        "" if pd.isna(m) or m <= 1 else f"{int(w)}/{int(m)}"
        for m, w in zip(merged["members"], merged["members_with_data"], strict=True)
    ]
    return merged


def flag_text(flag: str, lang: str = "th") -> str:
    """Flags such as "stale,unverified" in words."""
    words = [
        FLAG_LABELS[f][1 if lang == "en" else 0] for f in str(flag).split(",") if f in FLAG_LABELS
    ]
    return ", ".join(words)


def choropleth_group(joined, classes: Classes, lang: str = "th") -> folium.FeatureGroup:
    """A FeatureGroup holding the coloured layer (passed to st_folium as feature_group_to_add)."""
    colours = dict(
        zip(joined["code"], mapview.class_colours(classes.classes, classes.colours), strict=True)
    )
    stale = joined.loc[joined["flag"].fillna("") != "", "code"]
    fields = [
        ("name", _t("พื้นที่", "Area", lang)),
        ("shown", _t("ค่า", "Value", lang)),
        ("members_text", _t("พื้นที่ที่มีข้อมูล", "Areas reporting", lang)),
        ("flag_text", _t("หมายเหตุ", "Note", lang)),
    ]
    layer = mapview.choropleth_layer(
        joined[["code", "value", "name", "shown", "members_text", "flag_text", "geometry"]],
        "value",
        colours,
        tooltip_fields=fields,
        stale_codes=stale,
        name="figure",
    )
    group = folium.FeatureGroup(name="figure")
    layer.add_to(group)
    return group


def view_bounds(layer) -> tuple[float, float, float, float] | None:
    """minx, miny, maxx, maxy of a layer (None when it is empty)."""
    if layer is None or len(layer) == 0:
        return None
    return tuple(float(v) for v in layer.total_bounds)


def clicked_code(value: Mapping | None) -> str | None:
    """Area code of the feature st_folium reports as last_active_drawing (None if none)."""
    if not value:
        return None
    drawing = value.get("last_active_drawing") or {}
    code = drawing.get("id") or (drawing.get("properties") or {}).get("code")
    return str(code) if code and area_level(str(code)) else None


# ---------------------------------------------------------------- the table and exports


def figure_table(joined, label: str, unit: str, lang: str = "th") -> pd.DataFrame:
    """The table behind the map: area, value, unit, areas reporting, class, note."""
    table = pd.DataFrame(
        {
            _t("รหัส", "Code", lang): joined["code"],
            _t("พื้นที่", "Area", lang): joined["name"],
            label: joined["value"],
            _t("หน่วย", "Unit", lang): unit,
            _t("พื้นที่ที่มีข้อมูล", "Areas reporting", lang): joined["members_text"],
            _t("หมายเหตุ", "Note", lang): joined["flag_text"],
        }
    )
    return table.sort_values(table.columns[0], ignore_index=True)


def table_csv(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (Excel then reads Thai correctly), formulas neutralised."""
    return safe_csv_bytes(frame)


def table_xlsx(frame: pd.DataFrame, sheet: str = "map") -> bytes:
    """An XLSX workbook of the table, formulas neutralised."""
    return safe_xlsx_bytes(frame, sheet)


def map_png(
    joined,
    classes: Classes,
    title: str,
    subtitle: str = "",
    width: int = 900,
    font_path: Path = FONT_PATH,
) -> bytes:
    """The current map as a PNG drawn on the server with Pillow (no browser, no network).

    Polygons in an equirectangular projection scaled by cos(latitude), the app's
    legend on the right, the title in the bundled Thai font; drawn at twice the
    size and reduced, for smooth edges.
    """
    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    legend_w, pad, head = 300, 20, 70
    minx, miny, maxx, maxy = view_bounds(joined) or (97.3, 5.6, 105.7, 20.5)
    kx = math.cos(math.radians((miny + maxy) / 2))
    map_w = width - legend_w - 2 * pad
    span_x, span_y = max((maxx - minx) * kx, 1e-6), max(maxy - miny, 1e-6)
    unit = map_w / span_x
    map_h = int(min(span_y * unit, 1100))
    unit = min(unit, map_h / span_y)
    height = max(map_h + head + 2 * pad, 120 + 28 * len(classes.legend))
    img = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(img)
    big = ImageFont.truetype(str(font_path), 22 * scale)
    small = ImageFont.truetype(str(font_path), 15 * scale)

    def xy(coords):
        return [
            (
                (pad + (x - minx) * kx * unit) * scale,
                (head + pad + (maxy - y) * unit) * scale,
            )
            for x, y in coords
        ]

    colours = mapview.class_colours(classes.classes, classes.colours)
    flags = joined["flag"].fillna("").to_numpy()
    for geom, colour, flag in zip(joined.geometry, colours, flags, strict=True):
        if geom is None or geom.is_empty:
            continue
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            draw.polygon(xy(poly.exterior.coords), fill=colour)
            for ring in poly.interiors:
                draw.polygon(xy(ring.coords), fill="white")
        outline = mapview.STALE_STYLE["color"] if flag else "#ffffff"
        for poly in polys:
            draw.line(xy(poly.exterior.coords), fill=outline, width=(3 if flag else 1) * scale)
    draw.text((pad * scale, 12 * scale), title, font=big, fill="black")
    if subtitle:
        draw.text((pad * scale, 42 * scale), subtitle, font=small, fill="#444444")
    lx, ly = (width - legend_w) * scale, (head + pad) * scale
    for row in classes.legend.itertuples():
        draw.rectangle([lx, ly, lx + 26 * scale, ly + 18 * scale], fill=row.colour, outline="#888")
        count = f" ({int(row.count)})" if "count" in classes.legend and pd.notna(row.count) else ""
        draw.text(
            (lx + 34 * scale, ly - 2 * scale), f"{row.label}{count}", font=small, fill="black"
        )
        ly += 28 * scale
    img = img.resize((width, height), Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ---------------------------------------------------------------- province profile (pure)


def rank_desc(values: pd.Series) -> pd.Series:
    """Rank 1 = highest; ties share the best rank; missing values get no rank."""
    return values.rank(method="min", ascending=False)


def kpi_comparison(
    province: pd.DataFrame,
    clusters: pd.DataFrame,
    country: pd.DataFrame,
    code: str,
    cluster_code: str | None,
    cluster_members: Sequence[str],
    lang: str = "th",
) -> pd.DataFrame:
    """Per KPI: the province's result and score against its cluster and the country, with ranks.

    province / clusters / country: kpi.scores rows of each level. Rank by score
    (then result) among all provinces and among the cluster's members.
    """
    prov = province.copy()
    prov["_key"] = prov["score"].fillna(-1) * 1e9 + prov["result"].fillna(-1e8)
    prov["rank_country"] = prov.groupby("kpi_code")["_key"].transform(rank_desc)
    inside = prov.loc[prov["area_code"].isin(list(cluster_members))].copy()
    inside["rank_cluster"] = inside.groupby("kpi_code")["_key"].transform(rank_desc)
    mine = prov.loc[prov["area_code"] == code].set_index("kpi_code")
    n_country = prov.groupby("kpi_code")["area_code"].nunique()
    n_cluster = inside.groupby("kpi_code")["area_code"].nunique()
    rank_cluster = inside.loc[inside["area_code"] == code].set_index("kpi_code")["rank_cluster"]
    cl = clusters.loc[clusters["area_code"] == cluster_code].set_index("kpi_code")
    th = country.set_index("kpi_code")
    name = "kpi_name_en" if lang == "en" else "kpi_name_th"
    out = pd.DataFrame(
        {
            _t("ตัวชี้วัด", "KPI", lang): mine.index,
            _t("ชื่อ", "Name", lang): mine[name],
            _t("ผล (จังหวัด)", "Result (province)", lang): mine["result"],
            _t("คะแนน", "Score", lang): mine["score"],
            _t("ผล (กลุ่มจังหวัด)", "Result (cluster)", lang): cl["result"].reindex(mine.index),
            _t("คะแนน (กลุ่มจังหวัด)", "Score (cluster)", lang): cl["score"].reindex(mine.index),
            _t("ผล (ประเทศ)", "Result (country)", lang): th["result"].reindex(mine.index),
            _t("อันดับในกลุ่ม", "Rank in cluster", lang): [
                _rank_text(rank_cluster.get(k), n_cluster.get(k)) for k in mine.index
            ],
            _t("อันดับในประเทศ", "Rank in country", lang): [
                _rank_text(mine.at[k, "rank_country"], n_country.get(k)) for k in mine.index
            ],
        }
    )
    return out.reset_index(drop=True)


def _rank_text(rank, n) -> str:
    if rank is None or pd.isna(rank) or not n:
        return "-"
    return f"{int(rank)}/{int(n)}"


def owed_items(
    cells: pd.DataFrame,
    requirements: pd.DataFrame,
    catalog: pd.DataFrame,
    code: str,
    lang: str = "th",
) -> pd.DataFrame:
    """Items whose latest due period the province (or some of its districts) has not delivered.

    cells: coverage.item_area_coverage rows; requirements: coverage.item_requirements;
    catalog: Store.catalog(). Columns: item, period owed, due date, areas overdue,
    owner agency, responsible person.
    """
    cells = cells.loc[cells["item_code"].isin(set(catalog["code"]))]  # items the reader may see
    late = cells.loc[(cells["province_code"] == code) & (cells["item_areas_timely"] == 0)]
    if late.empty:
        return pd.DataFrame()
    n_late = late.groupby("item_code")["area_code"].nunique()
    n_all = cells.loc[cells["province_code"] == code].groupby("item_code")["area_code"].nunique()
    cat = catalog.set_index("code")
    req = requirements.set_index("code")
    rows = []
    for item, n in n_late.items():
        c = cat.loc[item]
        end = req.at[item, "latest_due_end"]
        period = tc.period_of(pd.Timestamp(end).date(), c["frequency"]) if pd.notna(end) else None
        due = tc.due_date(period, c["frequency"], int(c["release_lag_days"])) if period else None
        rows.append(
            {
                _t("รหัส", "Code", lang): item,
                _t("รายการข้อมูล", "Data item", lang): c["name_en" if lang == "en" else "name_th"],
                _t("งวดที่ค้าง", "Period owed", lang): tc.thai_period_label(
                    period, c["frequency"], lang
                )
                if period
                else "-",
                _t("ครบกำหนด", "Due", lang): tc.thai_date(due, lang) if due else "-",
                _t("พื้นที่ที่ค้าง", "Areas owing", lang): f"{int(n)}/{int(n_all.get(item, n))}",
                _t("หน่วยงานเจ้าของข้อมูล", "Owner agency", lang): c[
                    "owner_name_en" if lang == "en" else "owner_name_th"
                ],
                _t("ผู้รับผิดชอบ", "Responsible", lang): c["responsible_person"],
                "_due": due,
            }
        )
    out = pd.DataFrame(rows).sort_values(["_due", _t("รหัส", "Code", lang)])
    return out.drop(columns="_due").reset_index(drop=True)


def trend_frame(
    values: pd.DataFrame,
    frequency: str,
    code: str,
    cluster_members: Sequence[str],
    lang: str = "th",
    how: str = "mean",
) -> pd.DataFrame:
    """Long frame (period_end, label, series, value) of a province, its cluster and the country.

    values: Store.kpi_item_values rows of one item (province_code, period_end,
    value_sum, value_mean). Cluster and country are the mean over their provinces,
    so the three lines share one scale.
    """
    column = "value_sum" if how == "sum" else "value_mean"
    v = values[["province_code", "period_end", column]].rename(columns={column: "value"})
    names = {
        "province": _t("จังหวัด", "Province", lang),
        "cluster": _t("เฉลี่ยจังหวัดในกลุ่ม", "Cluster mean", lang),
        "country": _t("เฉลี่ยทั้งประเทศ", "Country mean", lang),
    }
    parts = [v.loc[v["province_code"] == code].assign(series=names["province"])]
    if cluster_members:
        inside = v.loc[v["province_code"].isin(list(cluster_members))]
        parts.append(
            inside.groupby("period_end", as_index=False)["value"]
            .mean()
            .assign(series=names["cluster"])
        )
    parts.append(
        v.groupby("period_end", as_index=False)["value"].mean().assign(series=names["country"])
    )
    out = pd.concat(parts, ignore_index=True)[["period_end", "series", "value"]]
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["label"] = [
        tc.thai_period_label(tc.period_of(d.date(), frequency), frequency, lang)
        for d in out["period_end"]
    ]
    return out.sort_values(["series", "period_end"], ignore_index=True)


def districts_table(
    districts: pd.DataFrame, latest: pd.DataFrame, catalog: pd.DataFrame, lang: str = "th"
) -> pd.DataFrame:
    """One row per district of a province with the latest value of each district item."""
    name = "name_en" if lang == "en" else "name_th"
    base = districts[["code", name]].rename(
        columns={"code": _t("รหัส", "Code", lang), name: _t("อำเภอ/เขต", "District", lang)}
    )
    if latest.empty:
        return base.reset_index(drop=True)
    labels = catalog.set_index("code")[name]
    latest = latest.loc[latest["item_code"].isin(set(labels.index))]
    if latest.empty:
        return base.reset_index(drop=True)
    wide = latest.pivot_table(
        index="area_code", columns="item_code", values="value", aggfunc="first"
    )
    wide.columns = [f"{labels.get(c, c)}" for c in wide.columns]
    return base.merge(
        wide, left_on=_t("รหัส", "Code", lang), right_index=True, how="left"
    ).reset_index(drop=True)


def district_figures(latest: pd.DataFrame, item_code: str) -> pd.DataFrame:
    """FIGURE_COLUMNS of one district item from Store.district_latest_values rows."""
    rows = latest.loc[latest["item_code"] == item_code]
    return pd.DataFrame(
        {
            "code": rows["area_code"].to_numpy(),
            "level": "district",
            "value": rows["value"].astype("float64").to_numpy(),
            "flag": np.where(rows["status"] == "verified", "", "unverified"),
            "members": 1,
            "members_with_data": 1,
        }
    )[FIGURE_COLUMNS]


# ---------------------------------------------------------------- store layer


def load_figures(store, state: MapState, level: str, as_of: date, members, areas) -> pd.DataFrame:
    """The figure of every area of a level (FIGURE_COLUMNS): the one door to store and engine."""
    from lib.engine import coverage as cv
    from lib.engine import kpi

    if state.kind == "item":
        catalog = store.catalog().set_index("code")
        if state.code not in catalog.index:
            raise ValueError(f"unknown data item {state.code!r}")
        item = {"code": state.code, **catalog.loc[state.code].to_dict()}
        cells = store.map_item_cells(state.code, state.period)
        return item_figures(cells, item, level, members, areas, as_of)
    if level == "district":
        codes = areas.loc[areas["level"] == "district", "code"]
        return pd.DataFrame(
            {"code": codes, "level": level, "value": np.nan, "flag": "", "members": 1}
        ).assign(members_with_data=0)[FIGURE_COLUMNS]
    fy = int(state.period) if str(state.period).isdigit() else default_fiscal_year(as_of)
    grouping = state.cluster_scheme if level == "cluster" else None
    regions = state.region_scheme if level == "region" else None
    if state.kind == "kpi":
        scores = kpi.scores(
            store, level, fy, as_of, state.round_months, grouping=grouping, regions=regions
        )
        return kpi_figures(scores, state.code, level)
    report = cv.coverage(store, level, fy, as_of, grouping=grouping, regions=regions)
    return health_figures(report, state.code, level)


def figure_meta(state: MapState, catalog: pd.DataFrame, kpis: pd.DataFrame, lang: str) -> dict:
    """Label, unit, direction and decimals of the figure a state colours."""
    if state.kind == "health":
        th, en = HEALTH_MEASURES[state.code]
        return {"label": _t(th, en, lang), "unit": "%", "higher_is_better": True, "decimals": 1}
    if state.kind == "kpi":
        if state.code == COMPOSITE:
            label = _t("คะแนนรวมถ่วงน้ำหนัก", "Composite score", lang)
        else:
            row = kpis.set_index("code").loc[state.code]
            label = f"{state.code} {row['name_en' if lang == 'en' else 'name_th']}"
        return {
            "label": label,
            "unit": _t("คะแนน (1-5)", "score (1-5)", lang),
            "higher_is_better": True,
            "decimals": 4,
        }
    row = catalog.set_index("code").loc[state.code]
    hib = row["higher_is_better"]
    return {
        "label": row["name_en" if lang == "en" else "name_th"],
        "unit": row["unit_en" if lang == "en" else "unit_th"],
        "higher_is_better": None if pd.isna(hib) else bool(hib),
        "decimals": int(row["decimals"]),
        "frequency": row["frequency"],
        "area_level": row["area_level"],
        "aggregation": row["aggregation"],
    }


def period_choices(
    state: MapState, periods: pd.DataFrame | None, frequency: str | None, as_of: date, lang: str
):
    """(codes, labels) of the periods offered: item periods newest first, or fiscal years."""
    if state.kind == "item":
        if periods is None or periods.empty:
            return [], []
        freq = frequency or "annual"
        codes = list(periods.sort_values("period_end", ascending=False)["period"])
        return codes, [tc.thai_period_label(p, freq, lang) for p in codes]
    years = sorted(tc.window_fiscal_years(as_of, 3), reverse=True)
    return [str(y) for y in years], [tc.thai_fiscal_year_label(y, lang) for y in years]


def geojson_bytes(layer) -> int:
    """Bytes of a layer as GeoJSON text (for reports and the bench)."""
    return len(json.dumps(json.loads(layer.to_json()), separators=(",", ":")).encode())


def escape(text: str) -> str:
    """HTML-escape text for markdown links and captions."""
    return html.escape(str(text))

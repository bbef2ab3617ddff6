"""What the map shows, as it lives in the URL: MapState, drill-down, breadcrumb, periods (pure).

Drill-down is a path of area codes in the URL: region -> cluster -> province ->
district. Drilling into a region shows the clusters with at least one member in
it, drawn whole (their figure is the whole cluster's), plus the region's
provinces that belong to no cluster (Bangkok), drawn as provinces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick
from lib.core.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME
from lib.views.labels import HEALTH_COLUMNS

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
ROUNDS = tc.ROUNDS
COUNTRY_NAME = Text("ประเทศไทย", "Thailand")


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
    if kind == "health" and code not in HEALTH_COLUMNS:
        code = d.code
    level = params.get("lv", d.level)
    rs = params.get("rs", d.region_scheme)
    cs = params.get("cs", d.cluster_scheme)
    method = params.get("cls") or default_method(kind)
    return MapState(
        kind=kind,
        code=code,
        period=str(params.get("per", "")),
        round_months=_int_in(params.get("rnd"), ROUNDS, d.round_months),
        level=level if level in LEVELS else d.level,
        path=tuple(c for c in str(params.get("path", "")).split(",") if area_level(c)),
        region_scheme=rs if rs in REGION_SCHEMES else d.region_scheme,
        cluster_scheme=cs if cs in CLUSTER_SCHEMES else d.cluster_scheme,
        method=method if method in allowed_methods(kind) else default_method(kind),
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


def drill(
    state: MapState, code: str, has_districts: bool, members: pd.DataFrame | None = None
) -> tuple[MapState, str | None]:
    """The state after a click on area code, and the province whose profile to open (or None).

    A province drills to its districts when there is a district layer (from the
    national view the path gets its region and cluster too, given members), else
    it opens its profile; a district opens its province's profile.

    >>> s, profile = drill(MapState(level="region"), "R7-C", False)
    >>> s.path, view_level(s), profile
    (('R7-C',), 'cluster', None)
    >>> s, profile = drill(s, "C17-LC2", False)
    >>> drill(s, "70", False)[1], drill(s, "70", True)[0].path, drill(s, "70", True)[1]
    ('70', ('R7-C', 'C17-LC2', '70'), None)
    >>> drill(drill(s, "70", True)[0], "7001", True)[1]
    '70'
    """
    level = area_level(code)
    if level in ("region", "cluster"):
        return replace(state, path=(*state.path, code)), None
    if level == "province":
        if not has_districts:
            return state, code
        above = state.path or (province_path(code, members) if members is not None else ())
        return replace(state, path=(*above, code)), None
    if level == "district":
        return state, code[:2]  # a DOPA district code starts with its province's code
    return state, None


def breadcrumb(
    state: MapState, names: Mapping[str, str], lang: str = "th"
) -> list[tuple[str, MapState]]:
    """(label, state) from the whole country down to the current view; the last is current."""
    crumbs = [(pick(COUNTRY_NAME, lang), replace(state, path=()))]
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
    return tuple(c for c in (region, cluster) if isinstance(c, str) and c)


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


def district_provinces(view: pd.DataFrame, areas: pd.DataFrame):
    """The provinces whose districts a view draws: None (no districts), a set, or "all".

    >>> areas = pd.DataFrame({"code": ["2101", "2102", "1001"], "parent_code": ["21", "21", "10"],
    ...     "level": ["district"] * 3})
    >>> district_provinces(pd.DataFrame({"code": ["2101", "2102"], "level": "district"}), areas)
    {'21'}
    """
    codes = set(view.loc[view["level"] == "district", "code"])
    if not codes:
        return None
    districts = areas.loc[areas["level"] == "district"]
    if codes >= set(districts["code"]):
        return "all"
    return set(districts.loc[districts["code"].isin(codes), "parent_code"].astype(str))


def clicked_code(value: Mapping | None) -> str | None:
    """Area code of the feature st_folium reports as last_active_drawing (None if none)."""
    if not value:
        return None
    drawing = value.get("last_active_drawing") or {}
    code = drawing.get("id") or (drawing.get("properties") or {}).get("code")
    return str(code) if code and area_level(str(code)) else None


# ---------------------------------------------------------------- periods


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

"""The home map, the map page and the province profile: cached figures and widgets."""

from __future__ import annotations

from dataclasses import astuple, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from lib.core.i18n import LocalizedError
from lib.core.settings import tile_url
from lib.geo import layers as geo
from lib.geo import mapview
from lib.store import Store
from lib.ui.access import current_user, page_path
from lib.ui.core import client_origin, lang, message, name_col, t
from lib.ui.kept import kept_figure, shared
from lib.ui.viewer import (  # noqa: F401  (load_summary, province_density: lib.ui exports)
    STORE_KEY,
    as_viewer_sees,
    load_summary,
    province_density,
)
from lib.views.map import figures as map_figures_of
from lib.views.map import layer as map_layer
from lib.views.map import legend as map_legend
from lib.views.map import state as map_state

# -- cached figures ------------------------------------------------------------
# Every cached figure is keyed by what it depends on: the store (STORE_KEY: its path and
# whether it is the public's verified view), its data version and the arguments; never
# by big frames. The costly ones (@kept_figure) are kept by lib.views.fresh for every
# session and recomputed right after a commit. A commit changes its store's version, so
# no global cache clear is needed. A loader marked @as_viewer_sees reads the store as
# the current viewer sees its values (lib.ui.viewer): the public's figures rest on
# verified values only.


@st.cache_resource(show_spinner=False)
def province_shapes():
    """The national province layer (GeoDataFrame), read once."""
    return geo.province_layer()


def draw_legend(rows: pd.DataFrame, title: str) -> None:
    """The map legend, drawn by the app (not inside the map)."""
    st.markdown(f"**{title}**")
    for r in rows.itertuples():
        count = f" ({int(r.count)})" if "count" in rows and pd.notna(r.count) else ""
        st.markdown(
            f'<span style="display:inline-block;width:1.2em;height:1em;background:{r.colour};'
            f'border:1px solid #888;margin-right:.4em"></span>{r.label}{count}',
            unsafe_allow_html=True,
        )


def show_map(m, key: str, height: int = 620, group=None) -> dict | None:
    """Draw a folium map offline; pan and zoom do not rerun the script.

    With `group`, the coloured layer goes in as a feature group, so recolouring
    does not remount the map.
    """
    from streamlit_folium import st_folium

    return st_folium(
        m,
        height=height,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        feature_group_to_add=group,
        key=key,
    )


def offline_map(**kw):
    """mapview.offline_map with the site's optional tile server."""
    return mapview.offline_map(tiles_url=tile_url(), **kw)


# -- map and profile ---
@st.cache_resource(show_spinner=False)
def province_shapes_detail():
    """The finer province layer (drilled-in views and the profile), read once."""
    return geo.province_layer(detail=True)


@st.cache_resource(show_spinner=False)
def group_shapes(scheme: str):
    """The dissolved polygons of a region or cluster scheme, read once."""
    return geo.group_layer(scheme)


@st.cache_resource(show_spinner=False, max_entries=80)
def _district_shapes(path: str, layer_version: str, province: str | None):
    from lib.geo import districts

    return districts.load_layer(Path(path), province)


def district_shapes(province: str | None = None):
    """The district layer in use (an administrator's, else the shipped one), of one province or
    of all; re-read when an administrator replaces it."""
    from lib.geo import districts

    path = districts.DISTRICTS_PATH
    return _district_shapes(str(path), districts.layer_version(path), province)


def district_attribution() -> str | None:
    """The shipped district layer's attribution (None when an administrator's layer is in use)."""
    from lib.geo import districts

    return districts.ATTRIBUTION if districts.layer_source() == "shipped" else None


def map_layers(region_scheme: str, cluster_scheme: str, district_provinces=None) -> dict:
    """Boundary layers by level for lib.views.map.layer.view_layer.

    district_provinces: the provinces whose districts the view draws (None: none;
    "all": every district); the shipped layer then reads only their files.
    """
    layers = {
        "region": group_shapes(region_scheme),
        "cluster": group_shapes(cluster_scheme),
        "province": province_shapes(),
        "province_detail": province_shapes_detail(),
        "district": None,
    }
    if district_provinces == "all":
        layers["district"] = district_shapes()
    elif district_provinces:
        parts = [district_shapes(p) for p in sorted(district_provinces)]
        layers["district"] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return layers


def map_view(s: Store, version: str, state, as_of):
    """(the areas a view draws, the provinces whose districts it draws, their boundaries:
    lib.views.map.layer.view_layer), made once per data version, view and district layer for
    every session instead of on every run of the map; callers read them, never change them."""
    from lib.geo import districts

    layer_version = districts.layer_version(districts.DISTRICTS_PATH)
    return _map_view(s, version, astuple(state), as_of, layer_version)


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=STORE_KEY)
def _map_view(s: Store, version: str, fields: tuple, as_of, layer_version: str):
    state = map_state.MapState(*fields)
    areas, members, _, _ = map_reference(
        s, version, state.region_scheme, state.cluster_scheme, as_of
    )
    view = map_state.view_areas(state, members, areas)
    in_view = map_state.district_provinces(view, areas)
    layers = map_layers(state.region_scheme, state.cluster_scheme, in_view)
    return view, in_view, map_layer.view_layer(state, view, layers)


@shared
@st.cache_resource(max_entries=16, show_spinner=False, hash_funcs=STORE_KEY)
def map_reference(s: Store, version: str, region_scheme: str, cluster_scheme: str, as_of):
    """(areas, province memberships, catalog, kpis), cached per data version."""
    members = map_state.memberships(
        s.group_members(region_scheme, as_of), s.group_members(cluster_scheme, as_of)
    )
    return s.areas(), members, s.catalog(), s.kpis()


@as_viewer_sees
@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=STORE_KEY)
def map_item_periods(s: Store, version: str, item_code: str, as_of=None) -> pd.DataFrame:
    """Periods of an item with usable values as known on as_of (cached per data version)."""
    return s.map_item_periods(item_code, as_of)


@as_viewer_sees
@kept_figure
def map_figures(s: Store, version: str, query: tuple, level: str, as_of) -> pd.DataFrame:
    """lib.views.map.figures.load_figures, kept by the figure part of the URL."""
    state = map_state.from_query(dict(query))
    areas, members, _, _ = map_reference(
        s, version, state.region_scheme, state.cluster_scheme, as_of
    )
    return map_figures_of.load_figures(s, state, level, as_of, members, areas)


def figure_key(state) -> tuple:
    """The URL parameters that decide a figure (not the drill path or the classes)."""
    q = map_state.to_query(state)
    return tuple((k, q[k]) for k in ("fig", "per", "rnd", "rs", "cs"))


@kept_figure
def coverage_cells(s: Store, version: str, fy: int, as_of):
    """(province coverage report, item x area cells, item requirements) for the profile."""
    from lib.engine import coverage as cv

    inputs = cv.load_coverage_inputs(s, fy, as_of)
    cells = inputs.cells()
    start, _ = cv.window_bounds(inputs.fiscal_years, as_of, inputs.window_end)
    requirements = cv.item_requirements(
        cv.counting_items(inputs.items), start, inputs.window_end, as_of
    )
    return cv.coverage_report(inputs, "province"), cells, requirements


@as_viewer_sees
@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=STORE_KEY)
def item_series(s: Store, version: str, item_code: str, start, end, as_of) -> pd.DataFrame:
    """Values of one item per province and period end (Store.kpi_item_values)."""
    return s.kpi_item_values([item_code], as_of, start, end)


def map_link_params(query: dict) -> dict:
    """Query parameters for a link, keeping the language choice and the day (?as_of=)."""
    from lib.ui.past import as_of_link_params  # lib.ui.past imports this module

    query = {**query, **as_of_link_params()}
    return {**query, "lang": "en"} if lang() == "en" else query


FIGURE_KIND_KEY = "map_kind"
# The figure chosen in each kind is kept in session state under CHOSEN_KEY[kind] (not a
# widget key: Streamlit drops the state of a widget not drawn in a run), so switching
# kinds and back keeps it; the URL still holds the figure shown.
FIGURE_CODE_KEY = "map_code_"
CHOSEN_KEY = "map_chosen_figures"
_SYNCED_KEY = "map_synced_fig"


def _sync_figure_widgets(state) -> None:
    """Seed the figure widgets from the URL when it changed outside them (a link, a deep link)."""
    fig = f"{state.kind}:{state.code}"
    if st.session_state.get(_SYNCED_KEY) != fig:
        st.session_state[FIGURE_KIND_KEY] = state.kind
        st.session_state[FIGURE_CODE_KEY + state.kind] = state.code
        st.session_state.setdefault(CHOSEN_KEY, {})[state.kind] = state.code
        st.session_state[_SYNCED_KEY] = fig


def _figure_picker(state, catalog, kpis, note=None) -> tuple[str, str]:
    """(kind, code) of the figure: data health, a KPI score or a data item.

    One click switches the kind; each kind keeps the figure last chosen in it.
    note(kind, code) -> str | None marks figures without values in the current view.
    """
    sb, name = st.sidebar, name_col()
    kinds = {
        "health": t("คุณภาพข้อมูล", "Data health"),
        "kpi": t("คะแนนตัวชี้วัด", "KPI score"),
        "item": t("รายการข้อมูล", "Data item"),
    }
    _sync_figure_widgets(state)
    kind = sb.radio(t("แสดง", "Show"), list(kinds), format_func=kinds.get, key=FIGURE_KIND_KEY)
    if kind == "health":
        codes = {k: t(*v) for k, v in map_figures_of.HEALTH_MEASURES.items()}
    elif kind == "kpi":
        codes = {map_figures_of.COMPOSITE: t(*map_figures_of.COMPOSITE_LABEL)}
        codes |= {r.code: f"{r.code} {getattr(r, name)}" for r in kpis.itertuples()}
    else:
        codes = {r.code: f"{r.code} {getattr(r, name)}" for r in catalog.itertuples()}
    if note is not None:
        marked = t(" (ไม่มีค่ารายอำเภอ)", " (no district values)")
        codes = {c: label + (marked if note(kind, c) else "") for c, label in codes.items()}
    key, chosen = FIGURE_CODE_KEY + kind, st.session_state.setdefault(CHOSEN_KEY, {})
    if st.session_state.get(key) not in codes:
        st.session_state[key] = chosen[kind] if chosen.get(kind) in codes else next(iter(codes))
    code = sb.selectbox(t("ตัวเลข", "Figure"), list(codes), format_func=codes.get, key=key)
    chosen[kind] = code
    st.session_state[_SYNCED_KEY] = f"{kind}:{code}"
    return kind, code


def _period_picker(s: Store, version: str, state, draft, catalog, as_of) -> tuple[str, int]:
    """(period, round) of the figure: an item's period, or a fiscal year and a KPI round."""
    periods, freq, default = None, None, str(map_state.default_fiscal_year(as_of))
    if draft.kind == "item":
        periods = map_item_periods(s, version, draft.code, as_of)
        freq = catalog.set_index("code").at[draft.code, "frequency"]
        default = map_state.default_item_period(periods, 77) or ""
    choices, labels = map_state.period_choices(draft, periods, freq, as_of, lang())
    period = state.period if draft.kind == state.kind and state.period in choices else default
    if choices:
        shown = dict(zip(choices, labels, strict=True))
        index = choices.index(period) if period in choices else 0
        period = st.sidebar.selectbox(t("งวด", "Period"), choices, index, shown.get)
    rnd = state.round_months
    if draft.kind == "kpi":
        index = map_state.ROUNDS.index(rnd)
        rnd = st.sidebar.radio(
            t("รอบ (เดือน)", "Round (months)"), map_state.ROUNDS, index, horizontal=True
        )
    return period, rnd


def _area_pickers(state, has_districts: bool) -> tuple[str, str, str]:
    """(level, region scheme, cluster scheme) of the areas drawn."""
    sb = st.sidebar
    names = [t("ภาค", "Region"), t("กลุ่มจังหวัด", "Cluster"), t("จังหวัด", "Province")]
    level_names = dict(zip(map_state.LEVELS, [*names, t("อำเภอ", "District")], strict=True))
    levels = [lv for lv in map_state.LEVELS if lv != "district" or has_districts]
    index = levels.index(state.level) if state.level in levels else levels.index("province")
    level = sb.radio(t("ระดับ", "Level"), levels, index, level_names.get, horizontal=True)
    scheme_names = {
        "region_nesdc7": t("7 ภาค (สศช.)", "7 regions (NESDC)"),
        "region_royin6": t("6 ภาค (ราชบัณฑิตยสภา)", "6 regions (Royal Institute)"),
        "cluster_2017": t("กลุ่มจังหวัด 2560", "Clusters 2017"),
        "cluster_2009": t("กลุ่มจังหวัด 2552", "Clusters 2009"),
    }
    regions, clusters = map_state.REGION_SCHEMES, map_state.CLUSTER_SCHEMES
    rs = sb.selectbox(
        t("การแบ่งภาค", "Regions"), regions, regions.index(state.region_scheme), scheme_names.get
    )
    cs = sb.selectbox(
        t("ชุดกลุ่มจังหวัด", "Cluster set"),
        clusters,
        clusters.index(state.cluster_scheme),
        scheme_names.get,
    )
    return level, rs, cs


def _class_picker(state, kind: str) -> tuple[str, int]:
    """(classification method, number of classes)."""
    method_names = {
        "fixed": t("เกณฑ์นโยบาย", "Policy bands"),
        "quantiles": t("ควอนไทล์", "Quantiles"),
        "equal_interval": t("ช่วงเท่ากัน", "Equal interval"),
        "natural_breaks": t("ธรรมชาติ (Jenks)", "Natural breaks (Jenks)"),
    }
    methods = map_state.allowed_methods(kind)
    method = state.method if state.method in methods else map_state.default_method(kind)
    method = st.sidebar.selectbox(
        t("การจัดชั้น", "Classes"), methods, methods.index(method), method_names.get
    )
    k = state.k
    if method != "fixed":
        k = st.sidebar.slider(t("จำนวนชั้น", "Number of classes"), 3, 7, state.k)
    return method, k


def map_controls(
    s: Store, version: str, state, catalog, kpis, has_districts: bool, as_of, note=None
):
    """Sidebar widgets of the map page; returns the chosen state and writes it to the URL."""
    kind, code = _figure_picker(state, catalog, kpis, note)
    draft = replace(state, kind=kind, code=code)
    period, rnd = _period_picker(s, version, state, draft, catalog, as_of)
    level, rs, cs = _area_pickers(state, has_districts)
    method, k = _class_picker(state, kind)
    new = replace(
        draft,
        period=period,
        round_months=rnd,
        level=level,
        region_scheme=rs,
        cluster_scheme=cs,
        method=method,
        k=k,
    )
    if (level, rs, cs) != (state.level, state.region_scheme, state.cluster_scheme):
        new = replace(new, path=())
    wanted = map_state.to_query(new)
    if any(st.query_params.get(key, "") != value for key, value in wanted.items()):
        st.query_params.update(wanted)
    return new


def map_downloads(state, names, joined, classes, label: str, table) -> None:
    """The map as a PNG picture and the table behind it as CSV and XLSX."""
    from lib.views.map import export as map_export

    name = f"map-{state.code}-{state.period or 'latest'}-{'-'.join(state.path) or 'TH'}"
    subtitle = " > ".join(crumb for crumb, _ in map_state.breadcrumb(state, names, lang()))
    st.download_button(
        t("ภาพแผนที่ (PNG)", "Map picture (PNG)"),
        lambda: map_export.map_png(joined, classes, label, f"{subtitle} · {state.period}"),
        f"{name}.png",
        "image/png",
        on_click="ignore",
    )
    st.download_button(  # made when pressed, not on every run of the map
        "CSV", lambda: map_export.table_csv(table), f"{name}.csv", "text/csv", on_click="ignore"
    )
    st.download_button(
        "XLSX", lambda: map_export.table_xlsx(table), f"{name}.xlsx", on_click="ignore"
    )


def profile_link(state, province: str) -> None:
    """A link from a province's district view to the province's profile."""
    params = {**map_state.to_query(state), "code": province}
    st.page_link(
        page_path("profile"),
        label=t("ข้อมูลจังหวัด", "Province profile"),
        query_params=map_link_params(params),
        width="content",
    )


def has_districts() -> bool:
    """True when a district layer is in use (shipped, or installed by an administrator)."""
    from lib.geo import districts

    return districts.layer_source() == "installed" or any(districts.SHIPPED_DIR.glob("*.geojson"))


def breadcrumb_links(crumbs, current, page: str | None = None) -> None:
    """The drill-down trail; the current view is shown but not clickable.

    On the map itself (page None) each step is a button that rewrites the URL
    (a page link to the page already open does not navigate); elsewhere each
    step is a link to the map page.
    """
    row = st.container(horizontal=True, gap=None, key="breadcrumb")
    for i, (label, target) in enumerate(crumbs):
        if i:
            row.markdown("›")
        if page is None:
            if row.button(label, key=f"crumb_{i}", type="tertiary", disabled=target == current):
                st.query_params.update(map_state.to_query(target))
                st.rerun()
            continue
        row.page_link(
            page,
            label=label,
            query_params=map_link_params(map_state.to_query(target)),
            width="content",
        )


def district_upload(s: Store) -> None:
    """The administrator's district-layer loader: check the codes, report, save, audit.

    Shown only to accounts that may replace the layer (auth: manage_layers).
    """
    from lib.services import auth, layers

    user = current_user(s)
    if not auth.can(user, "manage_layers"):
        return
    with st.expander("สำหรับผู้ดูแลระบบ" + t("", " (administrators)")):
        st.caption(
            t(
                "นำเข้าขอบเขตอำเภอ (GeoJSON, Shapefile แบบ zip หรือ GeoPackage) "
                "ที่มีรหัสอำเภอ 4 หลักของกรมการปกครอง",
                "Load district boundaries (GeoJSON, zipped Shapefile or GeoPackage) "
                "keyed by the DOPA 4-digit district code",
            )
        )
        upload = st.file_uploader(
            t("ไฟล์ขอบเขตอำเภอ", "District boundary file"),
            type=["geojson", "json", "zip", "gpkg"],
            key="district_layer_file",
        )
        if upload is None or not st.button(t("ตรวจและบันทึก", "Check and save")):
            return
        try:
            report = layers.install_layer(
                s, user, upload.getvalue(), upload.name, origin=client_origin()
            )
        except LocalizedError as exc:  # a bad file or a refusal, in the user's language
            st.error(message(exc))
            return
        show = st.success if report.complete else st.warning
        show("\n\n".join(f"- {line}" for line in report.messages(lang())))


def district_map(shapes, latest: pd.DataFrame, catalog: pd.DataFrame, language: str) -> None:
    """The province's districts coloured by the latest value of a district item."""
    present = set(latest["item_code"])  # once, not once per catalogue code
    have = [c for c in catalog["code"] if c in present]
    if not have:
        return
    names = catalog.set_index("code")[name_col()]
    item = st.selectbox(t("รายการระดับอำเภอ", "District item"), have, 0, names.get)
    row = catalog.set_index("code").loc[item]
    joined = map_layer.join_figures(
        shapes[["code", "name_th", "name_en", "geometry"]],
        map_figures_of.district_figures(latest, item),
        language,
        int(row["decimals"]),
    )
    hib = None if pd.isna(row["higher_is_better"]) else bool(row["higher_is_better"])
    flagged = bool((joined["flag"].fillna("") != "").any())
    classes = map_legend.classify_figure(
        joined["value"], "item", "quantiles", 5, hib, int(row["decimals"]), flagged, language
    )
    left, right = st.columns([3, 1])
    with left:
        m = offline_map(bounds=map_layer.view_bounds(joined), attribution=district_attribution())
        show_map(
            m, "district_map", 480, group=map_layer.choropleth_group(joined, classes, language)
        )
    with right:
        draw_legend(classes.legend, row[f"unit_{language}"])

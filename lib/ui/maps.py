"""The home map, the map page and the province profile: cached figures and widgets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from lib.core.settings import figures_as_of as settings_figures_as_of
from lib.core.settings import tile_url
from lib.geo import layers as geo
from lib.geo import mapview
from lib.store import Store
from lib.ui.access import allowed_pages, current_user
from lib.ui.core import _message, client_origin, lang, name_col, t


# -- cached figures (keyed by data version, never by big frames) --------------
@st.cache_data(show_spinner=False)
def load_summary(_s: Store, version: str) -> pd.DataFrame:
    """Observation cells by data group and province (cached per data version)."""
    return _s.load_summary()


@st.cache_data(show_spinner=False)
def province_density(_s: Store, version: str) -> pd.DataFrame:
    """Registered population per km² by province from the latest population values."""
    return _s.population_density()


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


@st.cache_resource(show_spinner=False, max_entries=4)
def _district_shapes(path: str, layer_version: str):
    from lib.geo import districts

    return districts.load_layer(Path(path))


def district_shapes():
    """The loaded district layer (GeoDataFrame) or None; re-read when the file changes."""
    from lib.geo import districts

    path = districts.DISTRICTS_PATH
    return _district_shapes(str(path), districts.layer_version(path))


def map_layers(region_scheme: str, cluster_scheme: str) -> dict:
    """Boundary layers by level for lib.mapdata.view_layer."""
    return {
        "region": group_shapes(region_scheme),
        "cluster": group_shapes(cluster_scheme),
        "province": province_shapes(),
        "province_detail": province_shapes_detail(),
        "district": district_shapes(),
    }


def figures_as_of(s: Store):
    """The day every page describes (lib.settings.figures_as_of)."""
    return settings_figures_as_of(s.get_meta("demo_as_of"))


@st.cache_data(show_spinner=False)
def map_reference(_s: Store, version: str, region_scheme: str, cluster_scheme: str, as_of):
    """(areas, province memberships, catalog, kpis), cached per data version."""
    from lib.views import mapdata

    members = mapdata.memberships(
        _s.group_members(region_scheme, as_of), _s.group_members(cluster_scheme, as_of)
    )
    return _s.areas(), members, _s.catalog(), _s.kpis()


@st.cache_data(show_spinner=False)
def map_item_periods(_s: Store, version: str, item_code: str) -> pd.DataFrame:
    """Periods of an item with usable values (cached per data version)."""
    return _s.map_item_periods(item_code)


@st.cache_data(show_spinner="กำลังคำนวณ / Computing")
def map_figures(_s: Store, version: str, query: tuple, level: str, as_of) -> pd.DataFrame:
    """lib.mapdata.load_figures, cached by data version and the figure part of the URL."""
    from lib.views import mapdata

    state = mapdata.from_query(dict(query))
    areas, members, _, _ = map_reference(
        _s, version, state.region_scheme, state.cluster_scheme, as_of
    )
    return mapdata.load_figures(_s, state, level, as_of, members, areas)


def figure_key(state) -> tuple:
    """The URL parameters that decide a figure (not the drill path or the classes)."""
    from lib.views import mapdata

    q = mapdata.to_query(state)
    return tuple((k, q[k]) for k in ("fig", "per", "rnd", "rs", "cs"))


@st.cache_data(show_spinner=False)
def kpi_scores(_s: Store, version: str, level: str, fy: int, rnd: int, as_of, grouping=None):
    """lib.kpi.scores of a level (cached per data version)."""
    from lib.engine import kpi

    return kpi.scores(_s, level, fy, as_of, rnd, grouping=grouping)


@st.cache_data(show_spinner=False)
def coverage_cells(_s: Store, version: str, fy: int, as_of):
    """(province coverage report, item x area cells, item requirements) for the profile."""
    from lib.engine import coverage as cv

    inputs = cv.load_coverage_inputs(_s, fy, as_of)
    cells = inputs.cells()
    start, _ = cv.window_bounds(inputs.fiscal_years, as_of, inputs.window_end)
    requirements = cv.item_requirements(
        cv.counting_items(inputs.items), start, inputs.window_end, as_of
    )
    return cv.coverage_report(inputs, "province"), cells, requirements


@st.cache_data(show_spinner=False)
def item_series(_s: Store, version: str, item_code: str, start, end, as_of) -> pd.DataFrame:
    """Values of one item per province and period end (Store.kpi_item_values)."""
    return _s.kpi_item_values([item_code], as_of, start, end)


def map_link_params(query: dict) -> dict:
    """Query parameters for a link, keeping the language choice."""
    return {**query, "lang": "en"} if lang() == "en" else dict(query)


def map_controls(s: Store, version: str, state, catalog, kpis, has_districts: bool, as_of):
    """Sidebar widgets of the map page; returns the chosen state and writes it to the URL."""
    from dataclasses import replace

    from lib.views import mapdata as md

    sb, name = st.sidebar, name_col()
    kinds = {
        "health": t("คุณภาพข้อมูล", "Data health"),
        "kpi": t("คะแนนตัวชี้วัด", "KPI score"),
        "item": t("รายการข้อมูล", "Data item"),
    }
    kind = sb.radio(t("แสดง", "Show"), list(kinds), list(kinds).index(state.kind), kinds.get)
    if kind == "health":
        codes = {k: t(*v) for k, v in md.HEALTH_MEASURES.items()}
    elif kind == "kpi":
        codes = {md.COMPOSITE: t("คะแนนรวมถ่วงน้ำหนัก", "Composite score")}
        codes |= {r.code: f"{r.code} {getattr(r, name)}" for r in kpis.itertuples()}
    else:
        codes = {r.code: f"{r.code} {getattr(r, name)}" for r in catalog.itertuples()}
    code = state.code if kind == state.kind and state.code in codes else next(iter(codes))
    code = sb.selectbox(t("ตัวเลข", "Figure"), list(codes), list(codes).index(code), codes.get)
    draft = replace(state, kind=kind, code=code)
    periods, freq, default = None, None, str(md.default_fiscal_year(as_of))
    if kind == "item":
        periods = map_item_periods(s, version, code)
        freq = catalog.set_index("code").at[code, "frequency"]
        default = md.default_item_period(periods, 77) or ""
    choices, labels = md.period_choices(draft, periods, freq, as_of, lang())
    period = state.period if kind == state.kind and state.period in choices else default
    if choices:
        shown = dict(zip(choices, labels, strict=True))
        index = choices.index(period) if period in choices else 0
        period = sb.selectbox(t("งวด", "Period"), choices, index, shown.get)
    rnd = state.round_months
    if kind == "kpi":
        index = md.ROUNDS.index(rnd)
        rnd = sb.radio(t("รอบ (เดือน)", "Round (months)"), md.ROUNDS, index, horizontal=True)
    names = [t("ภาค", "Region"), t("กลุ่มจังหวัด", "Cluster"), t("จังหวัด", "Province")]
    level_names = dict(zip(md.LEVELS, [*names, t("อำเภอ", "District")], strict=True))
    levels = [lv for lv in md.LEVELS if lv != "district" or has_districts]
    index = levels.index(state.level) if state.level in levels else levels.index("province")
    level = sb.radio(t("ระดับ", "Level"), levels, index, level_names.get, horizontal=True)
    scheme_names = {
        "region_nesdc7": t("7 ภาค (สศช.)", "7 regions (NESDC)"),
        "region_royin6": t("6 ภาค (ราชบัณฑิตยสภา)", "6 regions (Royal Institute)"),
        "cluster_2017": t("กลุ่มจังหวัด 2560", "Clusters 2017"),
        "cluster_2009": t("กลุ่มจังหวัด 2552", "Clusters 2009"),
    }
    rs, cs = state.region_scheme, state.cluster_scheme
    rs = sb.selectbox(
        t("การแบ่งภาค", "Regions"), md.REGION_SCHEMES, md.REGION_SCHEMES.index(rs), scheme_names.get
    )
    cs = sb.selectbox(
        t("ชุดกลุ่มจังหวัด", "Cluster set"),
        md.CLUSTER_SCHEMES,
        md.CLUSTER_SCHEMES.index(cs),
        scheme_names.get,
    )
    method_names = {
        "fixed": t("เกณฑ์นโยบาย", "Policy bands"),
        "quantiles": t("ควอนไทล์", "Quantiles"),
        "equal_interval": t("ช่วงเท่ากัน", "Equal interval"),
        "natural_breaks": t("ธรรมชาติ (Jenks)", "Natural breaks (Jenks)"),
    }
    methods = md.allowed_methods(kind)
    method = state.method if state.method in methods else md.default_method(kind)
    method = sb.selectbox(t("การจัดชั้น", "Classes"), methods, methods.index(method), method_names.get)
    k = state.k
    if method != "fixed":
        k = sb.slider(t("จำนวนชั้น", "Number of classes"), 3, 7, state.k)
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
    wanted = md.to_query(new)
    if any(st.query_params.get(key, "") != value for key, value in wanted.items()):
        st.query_params.update(wanted)
    return new


def breadcrumb_links(crumbs, current, page: str | None = None) -> None:
    """The drill-down trail; the current view is shown but not clickable.

    On the map itself (page None) each step is a button that rewrites the URL
    (a page link to the page already open does not navigate); elsewhere each
    step is a link to the map page.
    """
    from lib.views import mapdata as md

    row = st.container(horizontal=True, gap=None, key="breadcrumb")
    for i, (label, target) in enumerate(crumbs):
        if i:
            row.markdown("›")
        if page is None:
            if row.button(label, key=f"crumb_{i}", type="tertiary", disabled=target == current):
                st.query_params.update(md.to_query(target))
                st.rerun()
            continue
        row.page_link(
            page,
            label=label,
            query_params=map_link_params(md.to_query(target)),
            width="content",
        )


def district_upload(s: Store) -> None:
    """The administrator's district-layer loader: check the codes, report, save, audit.

    Shown to administrators only (those who may open the admin page).
    """
    from lib.geo import districts
    from lib.services import auth

    user = current_user(s)
    if "admin" not in allowed_pages(user):
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
            report = districts.install_layer(
                s, user, upload.getvalue(), upload.name, origin=client_origin()
            )
        except (districts.DistrictLayerError, auth.PermissionDenied) as exc:
            st.error(_message(exc))
            return
        show = st.success if report.complete else st.warning
        show("\n\n".join(f"- {line}" for line in report.messages(lang())))


def district_map(shapes, latest: pd.DataFrame, catalog: pd.DataFrame, language: str) -> None:
    """The province's districts coloured by the latest value of a district item."""
    from lib.views import mapdata as md

    have = [c for c in catalog["code"] if c in set(latest["item_code"])]
    if not have:
        return
    names = catalog.set_index("code")[name_col()]
    item = st.selectbox(t("รายการระดับอำเภอ", "District item"), have, 0, names.get)
    row = catalog.set_index("code").loc[item]
    joined = md.join_figures(
        shapes[["code", "name_th", "name_en", "geometry"]],
        md.district_figures(latest, item),
        language,
        int(row["decimals"]),
    )
    hib = None if pd.isna(row["higher_is_better"]) else bool(row["higher_is_better"])
    flagged = bool((joined["flag"].fillna("") != "").any())
    classes = md.classify_figure(
        joined["value"], "item", "quantiles", 5, hib, int(row["decimals"]), flagged, language
    )
    left, right = st.columns([3, 1])
    with left:
        m = offline_map(bounds=md.view_bounds(joined))
        show_map(m, "district_map", 480, group=md.choropleth_group(joined, classes, language))
    with right:
        draw_legend(classes.legend, row[f"unit_{language}"])

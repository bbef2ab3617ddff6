"""The one module of lib/ that imports Streamlit: store handle, caches, language, widgets.

Pages call these helpers and lib's pure functions; nothing else in lib/ may
import streamlit (a test enforces it).
"""

from __future__ import annotations

import os
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from lib import bootstrap, geo, mapview
from lib import thaicalendar as tc
from lib.db import Store
from lib.settings import db_path, tile_url
from lib.settings import figures_as_of as settings_figures_as_of

LANGS = ("th", "en")


@st.cache_resource(show_spinner="กำลังเตรียมฐานข้อมูล (ครั้งแรกเท่านั้น) / Preparing the store")
def _store(path: str) -> Store:
    return bootstrap.open_store(Path(path))


def store() -> Store:
    """The app's store, built from data/ on first start; one per process."""
    return _store(str(db_path()))


def data_version(s: Store) -> str:
    """A small key that changes whenever observations change (cache key for figures)."""
    return s.data_version()


def lang() -> str:
    """Language chosen in the URL (?lang=en); Thai by default."""
    value = st.query_params.get("lang", "th")
    return value if value in LANGS else "th"


def t(th: str, en: str) -> str:
    """The Thai or English text, by the current language."""
    return en if lang() == "en" else th


def language_switch() -> None:
    """A sidebar switch between Thai and English that lives in the URL."""
    english = st.sidebar.toggle("English", value=lang() == "en", key="lang_toggle")
    wanted = "en" if english else "th"
    if wanted != lang():
        st.query_params["lang"] = wanted
        st.rerun()


def name_col(prefix: str = "name") -> str:
    """Column holding names in the current language (name_th or name_en)."""
    return f"{prefix}_{lang()}"


def fmt_int(x) -> str:
    """A whole number with Thai-style grouping."""
    return tc.format_number_th(x, 0)


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


def show_map(m, key: str, height: int = 620) -> dict | None:
    """Draw a folium map offline; pan and zoom do not rerun the script."""
    from streamlit_folium import st_folium

    return st_folium(
        m,
        height=height,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
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
    from lib import districts

    return districts.load_layer(Path(path))


def district_shapes():
    """The loaded district layer (GeoDataFrame) or None; re-read when the file changes."""
    from lib import districts

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
    from lib import mapdata

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
    from lib import mapdata

    state = mapdata.from_query(dict(query))
    areas, members, _, _ = map_reference(
        _s, version, state.region_scheme, state.cluster_scheme, as_of
    )
    return mapdata.load_figures(_s, state, level, as_of, members, areas)


def figure_key(state) -> tuple:
    """The URL parameters that decide a figure (not the drill path or the classes)."""
    from lib import mapdata

    q = mapdata.to_query(state)
    return tuple((k, q[k]) for k in ("fig", "per", "rnd", "rs", "cs"))


@st.cache_data(show_spinner=False)
def kpi_scores(_s: Store, version: str, level: str, fy: int, rnd: int, as_of, grouping=None):
    """lib.kpi.scores of a level (cached per data version)."""
    from lib import kpi

    return kpi.scores(_s, level, fy, as_of, rnd, grouping=grouping)


@st.cache_data(show_spinner=False)
def coverage_cells(_s: Store, version: str, fy: int, as_of):
    """(province coverage report, item x area cells, item requirements) for the profile."""
    from lib import coverage as cv

    inputs = cv.load_coverage_inputs(_s, fy, as_of)
    cells = cv.item_area_coverage(
        inputs.facts, inputs.items, inputs.areas, as_of, inputs.fiscal_years, inputs.window_end
    )
    start, _ = cv.window_bounds(inputs.fiscal_years, as_of, inputs.window_end)
    counting = inputs.items.loc[inputs.items["counts_for_coverage"].fillna(False).astype(bool)]
    requirements = cv.item_requirements(counting, start, inputs.window_end, as_of)
    return cv.coverage_report(inputs, "province"), cells, requirements


@st.cache_data(show_spinner=False)
def item_series(_s: Store, version: str, item_code: str, start, end, as_of) -> pd.DataFrame:
    """Values of one item per province and period end (Store.kpi_item_values)."""
    return _s.kpi_item_values([item_code], as_of, start, end)


def show_layered_map(m, group, key: str, height: int = 620) -> dict | None:
    """show_map with the coloured layer as a feature group: recolouring does not remount."""
    from streamlit_folium import st_folium

    return st_folium(
        m,
        height=height,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        feature_group_to_add=group,
        key=key,
    )


def map_link_params(query: dict) -> dict:
    """Query parameters for a link, keeping the language choice."""
    return {**query, "lang": "en"} if lang() == "en" else dict(query)


def map_controls(s: Store, version: str, state, catalog, kpis, has_districts: bool, as_of):
    """Sidebar widgets of the map page; returns the chosen state and writes it to the URL."""
    from dataclasses import replace

    from lib import mapdata as md

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
    from lib import mapdata as md

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
    from lib import auth, districts

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
    from lib import mapdata as md

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
        show_layered_map(m, md.choropleth_group(joined, classes, language), "district_map", 480)
    with right:
        draw_legend(classes.legend, row[f"unit_{language}"])


# -- cockpit ---
def wall_mode() -> bool:
    """True when the URL asks for the war-room wall (?wall=1): no menu, dark, large type."""
    return str(st.query_params.get("wall", "")).lower() in ("1", "true", "yes", "on")


@st.cache_data(show_spinner=False)
def cockpit_areas(_s: Store, version: str) -> pd.DataFrame:
    """Areas a cockpit scope may be (country, regions, clusters, provinces)."""
    from lib import cockpit

    return cockpit.scope_table(_s.areas())


@st.cache_data(show_spinner=False, max_entries=64)
def cockpit_round(_s: Store, version: str, fy: int, rnd: int, as_of, cs: str, rs: str, full=True):
    """lib.cockpit.round_figures of a round (every level), cached per data version."""
    from lib import cockpit

    return cockpit.round_figures(_s, fy, rnd, as_of, cs, rs, full)


@st.cache_data(show_spinner="กำลังคำนวณ / Computing", max_entries=256)
def cockpit_view(_s: Store, version: str, scope_code: str, fy: int, rnd: int, as_of):
    """The cockpit of one scope and round, cached by (version, scope, fy, round, as-of)."""
    from lib import cockpit

    scope = cockpit.parse_scope(scope_code, cockpit_areas(_s, version))
    cs, rs = cockpit.schemes_for(_s, scope, fy, rnd, as_of)
    figures = cockpit_round(_s, version, fy, rnd, as_of, cs, rs)
    history = {
        (f, r): cockpit_round(_s, version, f, r, as_of, cs, rs, False).scores
        for f, r in cockpit.history_rounds(fy, rnd)[:-1]
        if tc.fiscal_year_bounds(f)[0] <= as_of
    }
    history[(fy, rnd)] = figures.scores
    return cockpit.build_view(figures, history, scope)


def cockpit_query(s: Store, version: str):
    """The view the URL asks for (lib.cockpit.CockpitQuery); no scope: the account's area."""

    from lib import cockpit

    today = figures_as_of(s)
    params, areas = st.query_params.to_dict(), cockpit_areas(s, version)
    home = getattr(current_user(s), "area_code", None)
    if "scope" not in params and home in set(areas["code"]):
        params["scope"] = home  # a signed-in officer lands on their own province
    return cockpit.parse_query(params, areas, today)


def _url_bound(key: str, url_value) -> None:
    """Give a widget the URL's value when the URL changed since the widget last wrote it."""
    mark = f"_{key}_url"
    if key not in st.session_state or st.session_state.get(mark) != url_value:
        st.session_state[key] = url_value
    st.session_state[mark] = url_value


def cockpit_controls(s: Store, version: str, q):
    """Sidebar scope, fiscal year and round pickers; the choice is written to the URL."""
    from dataclasses import replace

    from lib import cockpit

    areas = cockpit_areas(s, version)
    cs, rs = cockpit.schemes_for(s, q.scope, q.fiscal_year, q.round_months, q.as_of)
    options = cockpit.scope_options(areas, cs, rs)
    if q.scope.code not in set(options["code"]):
        options = areas.loc[areas["code"] == q.scope.code]._append(options)
    labels = {r["code"]: cockpit.option_label(r, lang()) for r in options.to_dict("records")}
    sb = st.sidebar
    sb.subheader(t("ห้องบัญชาการ", "Cockpit"))
    _url_bound("cockpit_scope", q.scope.code)
    code = sb.selectbox(
        t("พื้นที่ (ประเทศ ภาค กลุ่มจังหวัด จังหวัด)", "Scope (country, region, cluster, province)"),
        list(labels),
        format_func=labels.get,
        key="cockpit_scope",
    )
    years = cockpit.fiscal_year_choices(q.as_of)
    if q.fiscal_year not in years:
        years.append(q.fiscal_year)
    _url_bound("cockpit_fy", q.fiscal_year)
    fy = sb.selectbox(t("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)"), years, key="cockpit_fy")
    _url_bound("cockpit_round", q.round_months)
    months = t("{} เดือน", "{} months")  # bound now: the format runs after the script too
    rnd = sb.radio(
        t("รอบการประเมิน", "Round"),
        list(cockpit.ROUNDS),
        format_func=months.format,
        horizontal=True,
        key="cockpit_round",
    )
    scope = q.scope if code == q.scope.code else cockpit.parse_scope(code, areas)
    new = replace(q, scope=scope, fiscal_year=int(fy), round_months=int(rnd))
    wanted = cockpit.encode_query(new)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    for key, value in (("cockpit_scope", code), ("cockpit_fy", fy), ("cockpit_round", rnd)):
        st.session_state[f"_{key}_url"] = value
    return new


def cockpit_tick(wall: bool) -> int:
    """How many times the wall has refreshed in this session (0 outside wall mode)."""
    if not wall:
        return 0
    tick = st.session_state.get("cockpit_tick", -1) + 1
    st.session_state["cockpit_tick"] = tick
    return tick


def cockpit_run(body, q) -> None:
    """Run the cockpit body; on the wall as a fragment that reruns itself every refresh_s."""
    if q.wall:
        st.fragment(body, run_every=q.refresh_s)()
    else:
        body()


_COCKPIT_CSS = """<style>
.ck-tile{padding:.5rem .8rem;border-radius:6px;background:rgba(127,127,127,.08);min-height:11.5rem}
.ck-code{font-size:.8rem;opacity:.85}.ck-name{font-size:.95rem;line-height:1.25;min-height:2.5em}
.ck-value{font-size:1.7rem;font-weight:700}.ck-line{font-size:.9rem}
.ck-score{font-size:1.1rem}.ck-warn{color:#c05600;font-size:.8rem}
</style>"""
_WALL_CSS = """<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="collapsedControl"],
[data-testid="stHeader"],[data-testid="stToolbar"],[data-testid="stSidebarNav"]{display:none!important}
html{font-size:21px}
.stApp,[data-testid="stAppViewContainer"],[data-testid="stMain"],[data-testid="stBottom"]>div
{background:#0b0f17!important;color:#f2f2f2!important}
.stApp p,.stApp li,.stApp span,.stApp label,.stApp h1,.stApp h2,.stApp h3,.stApp div
{color:#f2f2f2}
[data-testid="stMainBlockContainer"]{max-width:100%;padding:1rem 2rem}
.ck-tile{background:#161c29}.ck-warn{color:#ffb066!important}
</style>"""


def cockpit_style(wall: bool) -> None:
    """The tiles' style, and on the wall: no sidebar or header, dark, large type (no URL)."""
    st.markdown(_COCKPIT_CSS + (_WALL_CSS if wall else ""), unsafe_allow_html=True)


def plot(fig, key: str) -> None:
    """A plotly figure, drawn by the bundled plotly.js with the figure's own (Thai) font."""
    st.plotly_chart(fig, theme=None, key=key, config={"displayModeBar": False, "responsive": True})


def cockpit_shortcut(page) -> None:
    """On the start page: pick a province (or any scope) and land on its cockpit (2 clicks)."""
    from lib import cockpit
    from lib.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME

    s = store()
    areas = cockpit_areas(s, data_version(s))
    options = cockpit.scope_options(areas, DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME)
    options = options.assign(_p=options["level"] != "province").sort_values(["_p", "name_th"])
    labels = {r["code"]: cockpit.option_label(r, lang()) for r in options.to_dict("records")}

    target = st.sidebar.selectbox(
        t("ห้องบัญชาการของ", "Cockpit of"),
        list(labels),
        index=None,
        format_func=labels.get,
        placeholder=t("เลือกจังหวัดหรือพื้นที่…", "Choose a province or area…"),
        key="cockpit_jump",
    )
    if target:  # the widget is not drawn on the cockpit, so its state is gone on return
        params = {"scope": target, **({"lang": "en"} if lang() == "en" else {})}
        st.switch_page(page, query_params=params)


def cockpit_header(view, q, tick: int) -> None:
    """Title, round, as-of date and the composite score with its light."""
    from datetime import datetime

    from lib import cockpit
    from lib.scoring import format_score

    language = lang()
    st.title(t("ห้องบัญชาการ: ", "Cockpit: ") + view.scope.label(language))
    light = cockpit.LIGHT_LABELS.get(view.composite_light, ("-", "-"))
    colour = cockpit.LIGHT_COLOURS.get(view.composite_light, cockpit.NO_LIGHT)
    left, right = st.columns([1, 3])
    left.metric(t("คะแนนรวมถ่วงน้ำหนัก", "Composite score"), format_score(view.composite))
    marker = f'<span style="color:{colour};font-size:1.3rem">● {t(*light)}</span>'
    left.markdown(marker, unsafe_allow_html=True)
    with right.container(key="cockpit_status"):
        st.markdown(
            f"**{cockpit.round_title(view.fiscal_year, view.round_months, language)}** · "
            + t("ข้อมูล ณ ", "data as of ")
            + tc.thai_date(view.as_of, lang=language)
        )
        if q.wall:
            n = len(q.scopes())
            st.caption(
                f"{view.scope.code} · {tick % n + 1}/{n} · "
                + t("ปรับปรุงเมื่อ ", "refreshed at ")
                + datetime.now().strftime("%H:%M:%S")
            )


def cockpit_exceptions(view, limit: int = 8) -> None:
    """What needs a decision now, most severe first; the rest behind an expander."""
    from lib import cockpit

    rows = view.exceptions(lang())
    with st.container(border=True, key="cockpit_exceptions"):
        st.subheader(t(f"ต้องตัดสินใจ ({len(rows)} เรื่อง)", f"Needs a decision ({len(rows)})"))
        if rows.empty:
            st.success(t("ไม่มีเรื่องเร่งด่วน", "Nothing urgent"))
            return
        lines = [cockpit.exception_label(r, lang()) for r in rows.to_dict("records")]
        st.markdown("\n".join(f"- {x}" for x in lines[:limit]))
        if len(lines) > limit:
            with st.expander(t(f"อีก {len(lines) - limit} เรื่อง", f"{len(lines) - limit} more")):
                st.markdown("\n".join(f"- {x}" for x in lines[limit:]))


def cockpit_tiles(view, wall: bool, per_row: int = 4) -> None:
    """KPI tiles: value, target, score, weighted score, light, sparkline; a button opens it."""
    from lib import cockpit

    language = lang()
    tiles = view.tiles.to_dict("records")
    per_row = 5 if wall else per_row
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for col, row in zip(cols, tiles[start : start + per_row], strict=False):
            with col:
                st.markdown(cockpit.tile_html(row, language), unsafe_allow_html=True)
                trend = view.trends.loc[view.trends["kpi_code"] == row["kpi_code"]]
                plot(cockpit.sparkline(trend, language, wall), f"spark_{row['kpi_code']}")
                if not wall and st.button(
                    t("รายละเอียด", "Details"), key=f"open_{row['kpi_code']}", width="stretch"
                ):
                    st.query_params["kpi"] = row["kpi_code"]
                    st.rerun()


def cockpit_detail(view, code: str) -> None:
    """A KPI's definition, thresholds, trend and how each member area scores (?kpi=CODE)."""
    from lib import cockpit
    from lib.scoring import format_score

    language, name = lang(), name_col()
    kpis = view.kpis.set_index("code")
    if code not in kpis.index:
        st.warning(t(f"ไม่พบตัวชี้วัด {code}", f"No KPI {code}"))
        return
    k = kpis.loc[code]
    with st.container(border=True, key="cockpit_detail"):
        st.subheader(f"{code} {k[name]}")
        text = k.get(f"description_{language}")
        if isinstance(text, str) and text:
            st.write(text)
        milestone = k["method"] == "milestone"
        method = t("ขั้นตอน", "milestone") if milestone else t("เชิงเส้น", "linear")
        higher = bool(k["higher_is_better"])
        better = t("มากดี", "higher is better") if higher else t("น้อยดี", "lower is better")
        st.markdown(
            f"{t('น้ำหนัก', 'Weight')} {tc.format_number_th(k['weight_pct'], 0)}% · "
            f"{t('วิธีให้คะแนน', 'Scoring')}: {method} ({better}) · "
            f"{t('เป้าหมาย', 'Target')} {tc.format_number_th(k['target'], 2)} "
            f"{k.get(f'unit_{language}') or ''} · {t('รอบ', 'Rounds')} {k.get('rounds') or '-'} · "
            f"{t('ผู้จัดเก็บข้อมูล', 'Data collectors')}: {k.get('data_collectors') or '-'}"
        )
        if k["method"] != "milestone":
            levels = {
                f"{t('ระดับ', 'Level')} {i}": [tc.format_number_th(k[f"t{i}"], 2)]
                for i in range(1, 6)
            }
            st.dataframe(pd.DataFrame(levels), hide_index=True)
        trend = view.trends.loc[view.trends["kpi_code"] == code]
        plot(cockpit.trend_figure(trend, k.to_dict(), language, wall_mode()), f"trend_{code}")
        members = view.members.loc[view.members["kpi_code"] == code]
        table = pd.DataFrame(
            {
                t("พื้นที่", "Area"): members[f"area_name_{language}"],
                t("ผล", "Result"): [tc.format_number_th(v, 2) for v in members["result"]],
                t("คะแนน", "Score"): members["score"].map(format_score),
                t("สัญญาณไฟ", "Light"): [
                    t(*cockpit.LIGHT_LABELS.get(x, ("-", "-"))) for x in members["light"]
                ],
                t("ข้อมูลน่าเชื่อถือ", "Reliable"): members["reliable"],
            }
        )
        st.dataframe(table, hide_index=True)
        if st.button(t("ปิด", "Close"), key="close_detail"):
            del st.query_params["kpi"]
            st.rerun()


def cockpit_health(view) -> None:
    """Data health of the scope, the 4 data groups side by side and the weakest members."""
    from lib import cockpit

    language, h = lang(), view.health
    st.subheader(t("คุณภาพข้อมูล (ตัวชี้วัด มท. 4.4)", "Data health (MOI KPI 4.4)"))
    cols = st.columns(5)
    for col, column in zip(cols, cockpit.HEALTH_COLUMNS, strict=False):
        col.metric(t(*cockpit.HEALTH_LABELS[column]), tc.format_pct(h.get(column), 1))
    cols[4].metric(t("ขั้นตอนที่ผ่าน", "Milestone step"), str(h.get("milestone_level", "-")))
    left, right = st.columns([3, 2])
    with left:
        plot(cockpit.groups_figure(view.groups, language, wall_mode()), "groups")
    with right:
        st.markdown(
            t(
                "**พื้นที่ที่อ่อนที่สุด** (ถูกต้องและทันเหตุการณ์)",
                "**Weakest member areas** (correct and timely)",
            )
        )
        w = view.weakest
        st.dataframe(
            pd.DataFrame(
                {
                    t("พื้นที่", "Area"): w[f"area_name_{language}"],
                    t("ครบถ้วน", "Complete"): w["complete_pct"].map(tc.format_pct),
                    t("ทันเหตุการณ์", "Timely"): w["timely_pct"].map(tc.format_pct),
                    t("ถูกต้องและทันฯ", "Correct & timely"): w["correct_and_timely_pct"].map(
                        tc.format_pct
                    ),
                }
            ),
            hide_index=True,
        )


def cockpit_peers(view) -> None:
    """The scope beside its cluster, region and country, its rank, and its peers' scores."""
    from lib import cockpit
    from lib.scoring import format_score

    language = lang()
    st.subheader(t("เทียบกับพื้นที่อื่น", "Compared with peers"))
    p = view.peers
    levels = [t(*cockpit.LEVEL_LABELS[x]) for x in p["level"]]
    ranks = [
        "-" if pd.isna(r) else t(f"{int(r)} จาก {int(n)}", f"{int(r)} of {int(n)}")
        for r, n in zip(p["rank"], p["ranked"], strict=True)
    ]
    table = pd.DataFrame(
        {
            t("ระดับ", "Level"): levels,
            t("พื้นที่", "Area"): p[f"area_name_{language}"],
            t("คะแนนรวม", "Composite"): p["composite"].map(format_score),
            t("สัญญาณไฟ", "Light"): [
                t(*cockpit.LIGHT_LABELS.get(x, ("-", "-"))) for x in p["composite_light"]
            ],
            t("ถูกต้องและทันฯ", "Correct & timely"): p["correct_and_timely_pct"].map(tc.format_pct),
            t("อันดับ", "Rank"): ranks,
        }
    )
    left, right = st.columns([2, 3])
    left.dataframe(table, hide_index=True)
    with right:
        plot(cockpit.peers_figure(view.peer_bars, language, wall_mode()), "peers")


# -- access ---
SESSION_USER = "auth_user"
SESSION_SEEN = "auth_seen"


def client_origin() -> str:
    """Where a request comes from, for the audit log (the client's address when known)."""
    address = getattr(st.context, "ip_address", None)
    return f"app {address}" if address else "app"


def current_user(s: Store):
    """The signed-in account (lib.auth.User) or None; signs out after the idle timeout."""
    from lib import auth

    if auth.oidc_enabled():  # the site's identity provider signs people in (st.login)
        if not st.user.get("is_logged_in"):
            return None
        return auth.load_user(s, str(st.user.get("email", "")).strip().lower())
    name = st.session_state.get(SESSION_USER)
    if not name:
        return None
    seen = st.session_state.get(SESSION_SEEN)
    if seen is not None and auth.session_expired(seen):
        sign_out(s, reason="timeout")
        st.toast(t("หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง", "Session timed out: sign in again"))
        return None
    user = auth.load_user(s, name)
    if user is None:  # disabled since signing in
        st.session_state.pop(SESSION_USER, None)
        return None
    st.session_state[SESSION_SEEN] = datetime.now()
    return user


def sign_out(s: Store, reason: str = "sign_out") -> None:
    """Forget the signed-in account (and audit it)."""
    name = st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_SEEN, None)
    if name:
        s.record_audit(name, "sign_out", None, {"reason": reason}, client_origin())
    from lib import auth

    if auth.oidc_enabled() and st.user.get("is_logged_in"):
        s.record_audit(st.user.get("email"), "sign_out", None, {"reason": reason}, client_origin())
        st.logout()


def sign_in_form(s: Store) -> None:
    """User name and password; a failure says why without telling which was wrong.

    With EIS_AUTH=oidc the site's identity provider signs people in instead
    (Streamlit's st.login; needs Authlib and an [auth] section in secrets.toml);
    the e-mail it returns must be an account's user name.
    """
    from lib import auth

    if auth.oidc_enabled():
        if st.user.get("is_logged_in"):
            st.warning(t("บัญชีนี้ยังไม่มีสิทธิ์ในระบบ", "This identity has no account here"))
        elif st.button(t("เข้าสู่ระบบผ่านผู้ให้บริการยืนยันตัวตน", "Sign in with the identity provider")):
            st.login()
        return
    with st.form("sign_in"):
        name = st.text_input(t("ชื่อผู้ใช้", "User name"))
        password = st.text_input(t("รหัสผ่าน", "Password"), type="password")
        submitted = st.form_submit_button(t("เข้าสู่ระบบ", "Sign in"))
    if submitted:
        result = auth.sign_in(s, name.strip(), password, client_origin())
        if result.ok:
            st.session_state[SESSION_USER] = result.user.username
            st.session_state[SESSION_SEEN] = datetime.now()
            st.rerun()
        st.error(result.message_en if lang() == "en" else result.message_th)


def password_form(s: Store, user) -> None:
    """Change one's own password (the old one is asked for)."""
    from lib import auth

    with st.form("password_change", clear_on_submit=True):
        old = st.text_input(t("รหัสผ่านเดิม", "Current password"), type="password")
        new = st.text_input(t("รหัสผ่านใหม่", "New password"), type="password")
        again = st.text_input(t("ยืนยันรหัสผ่านใหม่", "New password again"), type="password")
        submitted = st.form_submit_button(t("เปลี่ยนรหัสผ่าน", "Change password"))
    if not submitted:
        return
    if new != again:
        st.error(t("รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน", "The two new passwords differ"))
        return
    try:
        auth.change_password(
            s, user.username, new, actor=user, origin=client_origin(), old_password=old
        )
    except (auth.PasswordPolicyError, auth.UserInputError, auth.PermissionDenied) as exc:
        st.error(getattr(exc, "message_en" if lang() == "en" else "message_th", str(exc)))
        return
    st.success(t("เปลี่ยนรหัสผ่านแล้ว", "Password changed"))


def allowed_pages(user) -> set[str]:
    """Keys of the pages this account's role may use (lib.auth.pages_for)."""
    from lib import auth

    return auth.pages_for(None if user is None else user.role)


def require_page(user, key: str) -> None:
    """Stop a page the role may not use; offer sign-in in place so the URL's view is kept."""
    if key in allowed_pages(user):
        return
    if user is None:
        st.info(t("กรุณาเข้าสู่ระบบเพื่อใช้หน้านี้", "Sign in to use this page"))
        sign_in_form(store())
    else:
        st.warning(t("บัญชีนี้ไม่มีสิทธิ์ใช้หน้านี้", "This account may not use this page"))
    st.stop()


def menu(registry: dict, user) -> None:
    """The sidebar menu: only the pages this role may use, then the account page."""
    allowed = allowed_pages(user) | {"home", "account"}
    with st.sidebar:
        for key, page in registry.items():
            if key in allowed:
                st.page_link(page)
        if user is not None:
            st.caption(f"{user.display_name or user.username} · {user.role}")


@st.cache_resource(show_spinner=False)
def _backup_worker(path: str):
    from lib import backup
    from lib.settings import BACKUP_INTERVAL_HOURS, BACKUP_KEEP, backup_dir

    stop = threading.Event()
    worker = threading.Thread(
        target=backup.run_worker,
        args=(_store(path), backup.spool_dir_for(path), stop),
        kwargs={
            "backup_root": backup_dir(),
            "interval_hours": BACKUP_INTERVAL_HOURS,
            "keep": BACKUP_KEEP,
        },
        daemon=True,
        name="eis-backup-worker",
    )
    worker.start()
    return stop


def start_backup_worker() -> None:
    """Start (once per process) the thread that runs scheduled and requested backups."""
    if os.environ.get("EIS_BACKUP_WORKER", "1") != "0":
        _backup_worker(str(db_path()))


# -- upload and verification ---
@st.cache_data(show_spinner=False)
def catalog(_s: Store, version: str) -> pd.DataFrame:
    """The catalogue (cached per data version)."""
    return _s.catalog()


def visible_catalog(s: Store, user) -> pd.DataFrame:
    """Items this account may read: published only for the public."""
    from lib import auth

    cat = catalog(s, data_version(s))
    if auth.can(user, "read_unpublished").allowed:
        return cat
    return cat[cat["is_published"]]


def visible_kpis(s: Store, user, kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs this account may read: for the public, only those built on published items."""
    from lib import kpi

    return kpi.kpis_on_items(kpis, visible_catalog(s, user)["code"])


def item_label(row) -> str:
    """'CODE name' in the current language."""
    return f"{row['code']} {row[name_col()]}"


def template_downloads(s: Store, user) -> None:
    """Pick a form and items of the account's agency; download CSV (UTF-8 BOM) or XLSX."""
    from lib import templates

    cat = catalog(s, data_version(s))
    own = cat[cat["owner_agency"] == user.agency_code] if user.agency_code else cat
    forms = {
        "long": t("แบบยาว (รายการ พื้นที่ งวด ค่า)", "Long (item, area, period, value)"),
        "wide_periods": t("พื้นที่ x งวด (รายการเดียว)", "Areas x periods (one item)"),
        "wide_items": t("พื้นที่ x รายการ (งวดเดียว)", "Areas x items (one period)"),
    }
    form = st.radio(t("รูปแบบ", "Form"), list(forms), format_func=forms.get, horizontal=True)
    options = [None, *own["code"]] if form != "wide_periods" else list(own["code"])
    labels = dict(zip(own["code"], own.apply(item_label, axis=1), strict=True))
    item = st.selectbox(
        t("รายการข้อมูล", "Data item"),
        options,
        format_func=lambda c: (
            t("ทุกรายการของหน่วยงาน", "All the agency's items") if c is None else labels[c]
        ),
    )
    province = None
    if user.area_code and len(user.area_code) == 2:
        province = user.area_code
    frame = templates.template_frame(
        cat,
        s.areas(),
        form=form,
        item_code=item,
        agency=user.agency_code,
        as_of=date.today(),
        province=province,
        lang=lang(),
    )
    name = f"template-{form}-{item or user.agency_code or 'all'}"
    c1, c2 = st.columns(2)
    c1.download_button("CSV", templates.to_csv_bytes(frame), f"{name}.csv", "text/csv")
    c2.download_button(
        "XLSX",
        templates.to_xlsx_bytes(frame),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    st.caption(t(f"{len(frame):,} แถว", f"{len(frame):,} rows"))


def upload_preview(s: Store, data: bytes, file_name: str, item: str | None, period: str | None):
    """Read, validate and compare a file once per (file, options); kept in the session."""
    from lib import upload

    key = (upload.checksum(data), item, period, data_version(s))
    cached = st.session_state.get("upload_preview")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.status(t("กำลังตรวจสอบไฟล์", "Checking the file"), expanded=False) as status:
        preview = upload.preview_upload(s, data, file_name, item_code=item, period=period)
        status.update(label=t("ตรวจสอบแล้ว", "Checked"), state="complete")
    st.session_state["upload_preview"] = (key, preview)
    return preview


def show_preview(preview) -> None:
    """Counts, the problems (row, column, value, reason) and the rows by kind of change."""
    c = preview.counts
    cols = st.columns(5)
    cols[0].metric(t("ค่าใหม่", "New"), fmt_int(c["new"]))
    cols[1].metric(t("เปลี่ยนแปลง", "Changed"), fmt_int(c["changed"]))
    cols[2].metric(t("เท่าเดิม", "Unchanged"), fmt_int(c["unchanged"]))
    cols[3].metric(t("แถวที่มีปัญหา", "Rejected rows"), fmt_int(c["rejected"]))
    cols[4].metric(t("ค่ากระโดดผิดปกติ", "Unusual jumps"), fmt_int(c["flagged"]))
    if preview.result.problems:
        st.subheader(t("รายงานการตรวจสอบ", "Validation report"))
        st.dataframe(preview.result.problems_frame(lang()), hide_index=True, width="stretch")
    shown = ["item_code", "area_code", "period", "old_value", "value", "jump_size", "jump"]
    tabs = st.tabs([t("ใหม่", "New"), t("เปลี่ยนแปลง", "Changed"), t("เท่าเดิม", "Unchanged")])
    for tab, kind in zip(tabs, ("new", "changed", "unchanged"), strict=True):
        tab.dataframe(preview.rows(kind)[shown], hide_index=True, width="stretch")


def commit_preview(s: Store, user, preview, clean_only: bool) -> None:
    """Commit atomically for the account (rights checked in lib); caches drop with the version."""
    from lib import auth, upload

    try:
        batch = upload.commit_as(
            s, user, preview, clean_rows_only=clean_only, origin=client_origin()
        )
    except auth.PermissionDenied as exc:
        st.error(_message(exc))
        return
    st.session_state.pop("upload_preview", None)
    st.cache_data.clear()
    if batch is None:
        st.info(t("ไม่มีค่าใดเปลี่ยนแปลง", "Nothing changed: every value is already stored"))
    else:
        st.success(t(f"บันทึกแล้ว ชุดที่ {batch}", f"Committed as batch {batch}"))


def batch_history(s: Store, user, action: str = "undo") -> None:
    """The agency's batches, newest first, with undo (or verify) of one batch."""
    from lib import auth, upload

    batches = s.batches(user.agency_code if user.role != "admin" else None)
    batches = batches[batches["kind"].isin(["upload", "verify", "undo"])]
    if batches.empty:
        st.caption(t("ยังไม่มีการนำเข้า", "No batches yet"))
        return
    cols = [
        "batch_id",
        "kind",
        "username",
        "file_name",
        "created_at",
        "n_new",
        "n_changed",
        "n_unchanged",
        "n_rejected",
        "status",
    ]
    st.dataframe(batches[cols], hide_index=True, width="stretch")
    open_ids = batches.loc[batches["status"] == "committed", "batch_id"].tolist()
    if not open_ids:
        return
    chosen = st.selectbox(t("ชุดข้อมูล", "Batch"), open_ids, key=f"{action}_batch")
    if action == "undo" and st.button(t("ยกเลิกชุดนี้ (คืนค่าเดิม)", "Undo this batch")):
        try:
            result = upload.undo_as(s, user, int(chosen), origin=client_origin())
        except auth.PermissionDenied as exc:
            st.error(_message(exc))
            return
        except ValueError as exc:
            st.error(t(f"ยกเลิกชุดที่ {chosen} ไม่ได้: {exc}", f"Batch {chosen} cannot be undone: {exc}"))
            return
        st.cache_data.clear()
        st.success(
            t(
                f"ยกเลิกชุดที่ {chosen} แล้ว คืนค่าเดิม {result['restored']} ค่า",
                f"Batch {chosen} undone: {result['restored']} values restored",
            )
        )


def verify_batch(s: Store, user, batch_id: int, status: str) -> None:
    """Verify or reject the submitted values of one batch (the owner agency's verifier)."""
    from lib import auth, upload

    try:
        n, done = upload.verify_as(s, user, batch_id, status, origin=client_origin())
    except auth.PermissionDenied as exc:
        st.error(_message(exc))
        return
    st.cache_data.clear()
    if not done:
        st.info(t("ไม่มีค่าที่รอตรวจสอบ", "No submitted values left"))
    elif status == "verified":
        st.success(t(f"รับรองแล้ว {n} ค่า", f"{n} values verified"))
    else:
        st.success(t(f"ปฏิเสธแล้ว {n} ค่า", f"{n} values rejected"))


# -- administration ---
def _message(exc) -> str:
    return getattr(exc, "message_en" if lang() == "en" else "message_th", None) or str(exc)


def users_admin(s: Store, admin) -> None:
    """Accounts: list (never hashes), add, disable; every change is audited."""
    from lib import auth

    st.dataframe(auth.users_frame(s), hide_index=True, width="stretch")
    with st.form("user_add", clear_on_submit=True):
        st.markdown(t("**เพิ่มผู้ใช้**", "**Add an account**"))
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("ชื่อผู้ใช้", "User name"))
        role = c2.selectbox(t("บทบาท", "Role"), list(auth.ROLES))
        agency = c3.text_input(t("รหัสหน่วยงาน (เช่น PSO)", "Agency code (e.g. PSO)")) or None
        area = c1.text_input(t("พื้นที่ (รหัสจังหวัดหรือกลุ่มจังหวัด)", "Area code")) or None
        display = c2.text_input(t("ชื่อที่แสดง", "Display name")) or None
        password = c3.text_input(t("รหัสผ่านเริ่มต้น", "Initial password"), type="password")
        if st.form_submit_button(t("เพิ่ม", "Add")):
            try:
                auth.add_user(
                    s,
                    name,
                    role,
                    password,
                    actor=admin,
                    origin=client_origin(),
                    agency_code=agency,
                    area_code=area,
                    display_name=display,
                )
                st.success(t(f"เพิ่ม {name} แล้ว", f"{name} added"))
            except (
                auth.UserInputError,
                auth.PasswordPolicyError,
                auth.PermissionDenied,
                ValueError,
            ) as exc:
                st.error(_message(exc))
    active = auth.users_frame(s).query("is_active")["username"].tolist()
    c1, c2 = st.columns([3, 1])
    who = c1.selectbox(t("ระงับบัญชี", "Disable an account"), active, key="disable_who")
    if c2.button(t("ระงับ", "Disable")) and who:
        try:
            auth.disable_user(s, who, actor=admin, origin=client_origin())
            st.success(t(f"ระงับ {who} แล้ว", f"{who} disabled"))
        except (auth.PermissionDenied, ValueError) as exc:
            st.error(_message(exc))


def audit_admin(s: Store) -> None:
    """Filter and export the audit log (read-only: the app has no way to edit it)."""
    from lib.exporting import neutralise_frame, safe_csv_bytes

    c1, c2, c3, c4 = st.columns(4)
    who = c1.text_input(t("ผู้ใช้", "User")) or None
    action = c2.text_input(t("การกระทำ (เช่น upload)", "Action (e.g. upload)")) or None
    since = c3.date_input(t("ตั้งแต่", "Since"), value=None)
    until = c4.date_input(t("ถึง", "Until"), value=None)
    log = s.audit_log_filtered(username=who, action=action, since=since, until=until)
    # the table's own CSV download exports what it shows: shown neutralised too
    st.dataframe(neutralise_frame(log), hide_index=True, width="stretch")
    st.download_button(
        t("ส่งออก CSV", "Export CSV"), safe_csv_bytes(log), "audit-log.csv", "text/csv"
    )


@st.cache_data(show_spinner=False)
def _last_good_backup(root: str, listing: tuple[str, ...]):
    """The newest backup whose checksums hold; re-checked only when the folder changes."""
    from lib import backup

    return backup.last_good_backup(root)


def backups_admin(s: Store, admin) -> None:
    """When the last good backup was made, a warning when it is too old, and backup now."""
    from lib import auth, backup
    from lib.settings import BACKUP_KEEP, BACKUP_STALE_HOURS, backup_dir

    root = backup_dir()
    last = _last_good_backup(str(root), tuple(str(p) for p, _ in backup.list_backups(root)))
    when = None if last is None else last[1]
    if when is None:
        st.warning(t("ยังไม่มีข้อมูลสำรองที่ใช้ได้", "No good backup yet"))
    else:
        shown = f"{tc.thai_date(when.date(), lang=lang())} {when:%H:%M}"
        if backup.backup_is_stale(when, stale_after_hours=BACKUP_STALE_HOURS):
            st.warning(t(f"สำรองข้อมูลล่าสุดเมื่อ {shown}: เก่าเกินไป", f"Last backup {shown}: too old"))
        else:
            st.success(t(f"สำรองข้อมูลล่าสุดเมื่อ {shown}", f"Last good backup: {shown}"))
    st.caption(
        t(
            f"โฟลเดอร์: {root} (เก็บ {BACKUP_KEEP} ชุดล่าสุด)",
            f"Folder: {root} (keeps the last {BACKUP_KEEP})",
        )
    )
    if st.button(t("สำรองข้อมูลเดี๋ยวนี้", "Back up now")):
        try:
            auth.require(admin, "backup")
            result = backup.backup_store(
                s, root, BACKUP_KEEP, actor=admin.username, origin=client_origin()
            )
            st.success(t(f"สำรองข้อมูลแล้ว: {result.path}", f"Backup written: {result.path}"))
        except (auth.PermissionDenied, backup.BackupError, OSError) as exc:
            st.error(_message(exc))

"""Map (แผนที่): any item, KPI score or data-health figure by area, drill-down kept in the URL."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib import ui
from lib.views.map import export as map_export
from lib.views.map import figures as map_figures
from lib.views.map import layer as map_layer
from lib.views.map import legend as map_legend
from lib.views.map import state as map_state

ui.language_switch()
store, lang = ui.store(), ui.lang()
if ui.empty_catalogue_notice(store, "map"):  # no items yet: how to add them
    st.stop()
user = ui.current_user(store)
version, (as_of, past) = ui.data_version(store), ui.view_as_of(store, user)  # ?as_of=: the past
if past:
    ui.past_banner(as_of)
state = map_state.from_query(st.query_params.to_dict())
_, _, _, kpis = ui.map_reference(store, version, state.region_scheme, state.cluster_scheme, as_of)
catalog = ui.visible_catalog(store, user)  # the public: published items (and KPIs on them)
kpis = ui.visible_kpis(store, user, kpis)
has_districts = ui.has_districts()


def note(kind, code):
    """Why a figure has no district values, when the view draws districts."""
    if map_state.view_level(state) == "district":
        return map_figures.district_note(replace(state, kind=kind, code=code), catalog, kpis, lang)


state = ui.map_controls(store, version, state, catalog, kpis, has_districts, as_of, note)
areas, members, _, _ = ui.map_reference(
    store, version, state.region_scheme, state.cluster_scheme, as_of
)
view, in_view, layer = ui.map_view(store, version, state, as_of)  # what it draws, kept

meta = map_figures.figure_meta(state, catalog, kpis, lang)
st.title(ui.t("แผนที่", "Map") + f": {meta['label']}")
names = dict(zip(areas["code"], areas[ui.name_col()], strict=True))
ui.breadcrumb_links(map_state.breadcrumb(state, names, lang), state)
if state.path and map_state.area_level(state.path[-1]) == "province":
    ui.profile_link(state, state.path[-1])

key = ui.figure_key(state)
figs = pd.concat([ui.map_figures(store, version, key, lv, as_of) for lv in view["level"].unique()])
figs = figs.loc[figs["code"].isin(view["code"])]
joined = map_layer.join_figures(layer, figs, lang, meta["decimals"])
flagged = bool((joined["flag"].fillna("") != "").any())
classes = map_legend.classify_figure(
    joined["value"],
    state.kind,
    state.method,
    state.k,
    meta["higher_is_better"],
    meta["decimals"],
    flagged,
    lang,
)


@st.fragment
def draw_map():
    """The map alone reruns on a click; a drill rewrites the URL, a province opens its profile."""
    credit = ui.district_attribution() if in_view else None
    m = ui.offline_map(bounds=map_layer.view_bounds(joined), attribution=credit)
    group = map_layer.choropleth_group(joined, classes, lang)
    value = ui.show_map(m, key="map-" + "-".join(state.path), height=640, group=group)
    clicked = map_state.clicked_code(value)
    if clicked:
        after, profile = map_state.drill(state, clicked, has_districts, members)
        if profile:
            params = {**map_state.to_query(after), "code": profile}  # links keep ?as_of=
            st.switch_page(ui.page_path("profile"), query_params=ui.map_link_params(params))
        if after != state:
            st.query_params.update(map_state.to_query(after))
            st.rerun()


left, right = st.columns([3, 1])
with left:
    why = note(state.kind, state.code)
    if why or not joined["value"].notna().any():
        st.info(why or ui.t("ไม่มีค่าของตัวเลขนี้ในระดับนี้", "No values of this figure at this level"))
    draw_map()
with right:
    ui.draw_legend(classes.legend, meta["unit"] + (f" · {classes.note}" if classes.note else ""))
    table = map_export.figure_table(joined, meta["label"], meta["unit"], lang)
    ui.map_downloads(state, names, joined, classes, meta["label"], table)
with st.expander(ui.t("ตารางข้อมูลของแผนที่", "Table behind the map")):
    st.dataframe(table, hide_index=True, width="stretch")
ui.district_upload(store)

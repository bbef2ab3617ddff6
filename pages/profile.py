"""Province profile (ข้อมูลจังหวัด): deep link ?code=21; KPIs against cluster and country,
trends, data health with what is owed and by whom, and the province's districts."""

from dataclasses import replace

import streamlit as st

from lib import ui
from lib.core import thaicalendar as tc
from lib.core.i18n import pick, pick_column
from lib.views import profile
from lib.views.map.figures import HEALTH_MEASURES
from lib.views.map.state import breadcrumb, default_fiscal_year, from_query, province_path

LEVELS = ("province", "cluster", "country")
ui.language_switch()
store, lang, name = ui.store(), ui.lang(), ui.name_col()
if ui.empty_catalogue_notice(store, "profile"):  # no items yet: how to add them
    st.stop()
user = ui.current_user(store)
version, (as_of, past) = ui.data_version(store), ui.view_as_of(store, user)  # ?as_of=: the past
if past:
    ui.past_banner(as_of)
state = from_query(st.query_params.to_dict())
areas, members, _, kpis = ui.map_reference(
    store, version, state.region_scheme, state.cluster_scheme, as_of
)
catalog = ui.visible_catalog(store, user)  # the public: published items (and KPIs on them)
shown = set(ui.visible_kpis(store, user, kpis)["code"])
provinces = areas.loc[areas["level"] == "province"].set_index("code")
code = st.query_params.get("code", "")
if code not in provinces.index:
    if code:
        st.warning(ui.t(f"ไม่พบจังหวัดรหัส {code}", f"No province with code {code}"))
    label = ui.t("เลือกจังหวัด", "Choose a province")
    code = st.selectbox(
        label, list(provinces.index), None, lambda c: f"{c} {provinces.at[c, name]}"
    )
    if code is None:
        st.stop()
    st.query_params["code"] = code
names = dict(zip(areas["code"], areas[name], strict=True))
path = province_path(code, members)
region, cluster = (*path, None)[:2]
cluster_members = list(members.loc[members["cluster_code"] == cluster, "province_code"])
st.title(f"{names[code]} ({code})")
st.caption(
    f"{ui.t('ภาค', 'Region')}: {names.get(region, '-')} · {ui.t('กลุ่มจังหวัด', 'Cluster')}: "
    f"{names.get(cluster, ui.t('ไม่อยู่ในกลุ่มจังหวัดใด', 'none'))}"
)
ui.breadcrumb_links(breadcrumb(replace(state, path=path), names, lang), None, ui.page_path("map"))

years = [str(y) for y in sorted(tc.window_fiscal_years(as_of, 3), reverse=True)]
fy_default = str(default_fiscal_year(as_of))
fy = int(st.sidebar.selectbox(ui.t("ปีงบประมาณ", "Fiscal year"), years, years.index(fy_default)))
report, cells, requirements = ui.coverage_cells(store, version, fy, as_of)
health = report.set_index("area_code").loc[code]
st.subheader(ui.t("คุณภาพข้อมูล", "Data health") + f" · {tc.thai_fiscal_year_label(fy, lang)}")
c = st.columns(5)
for col, measure in zip(c, HEALTH_MEASURES, strict=False):
    col.metric(pick(HEALTH_MEASURES[measure], lang), tc.format_pct(health[measure], 1))
c[4].metric(ui.t("ระดับขั้นตอน มท. 4.4", "MOI 4.4 level"), int(health["milestone_level"]))
owed = profile.owed_items(cells, requirements, catalog, code, lang)
st.markdown(f"**{ui.t('ข้อมูลที่ค้างส่ง', 'Datasets owed')}** ({len(owed)})")
st.dataframe(owed, hide_index=True, width="stretch")

st.subheader(ui.t("ตัวชี้วัดเทียบกลุ่มจังหวัดและประเทศ", "KPIs against cluster and country"))
schemes = (state.cluster_scheme, state.region_scheme)
scores = [ui.round_scores(store, version, lv, fy, 12, as_of, *schemes) for lv in LEVELS]
scores = [frame.loc[frame["kpi_code"].isin(shown)] for frame in scores]
table = profile.kpi_comparison(*scores, code, cluster, cluster_members, lang)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader(ui.t("แนวโน้ม", "Trends"))
items = {r.code: f"{r.code} {getattr(r, name)}" for r in catalog.itertuples()}
item = st.selectbox(ui.t("รายการข้อมูล", "Data item"), list(items), 0, items.get)
row = catalog.set_index("code").loc[item]
start = tc.fiscal_year_bounds(min(int(y) for y in years))[0]
unit = row[pick_column("unit", lang)]
what = (code, tuple(cluster_members), lang, row["frequency"], row["aggregation"], unit)
fig = ui.profile_trend(store, version, item, start, as_of, *what)
st.plotly_chart(fig, config={"displaylogo": False})
ui.provenance_link(item, code)  # every version of these values, on the Explore page

st.subheader(ui.t("อำเภอ", "Districts"))
st.dataframe(ui.districts_table(store, version, code, as_of, lang), hide_index=True)
latest = ui.district_latest(store, version, code, as_of)  # the viewer's values of that day
shapes = ui.district_shapes(code)
if len(shapes):
    ui.district_map(shapes, latest, catalog, lang)
else:  # an administrator's layer without this province
    lacks = ("ชั้นข้อมูลอำเภอที่นำเข้าไม่มีอำเภอของจังหวัดนี้", "The loaded layer has no district here")
    st.caption(ui.t(*lacks))

"""First page: what is loaded (by data group and province) and a population-density map.

Counts and density are of what the viewer may see: the public, verified values of
published items (lib.services.catalogue, applied by ui.load_summary and
ui.province_density); an account, every item and value.
"""

import pandas as pd
import streamlit as st

from lib import ui
from lib.core import thaicalendar as tc
from lib.geo import mapview

ui.language_switch()
store = ui.store()
version = ui.data_version(store)
info = store.info()

st.title(ui.t("ระบบข้อมูลจังหวัด: ภาพรวมข้อมูลในระบบ", "Provincial data: what is loaded"))

summary = ui.load_summary(store, version)
latest = summary["latest_submission"].max()
if latest is not None and not pd.isna(latest):
    st.caption(ui.t("ปรับปรุงล่าสุด ", "Latest update ") + tc.thai_date(latest.date(), lang=ui.lang()))
items = ui.visible_catalog(store, ui.current_user(store))  # the public: published items
c = st.columns(4)
c[0].metric(ui.t("จังหวัด", "Provinces"), ui.fmt_int(info["areas"]["province"]))
c[1].metric(ui.t("อำเภอ/เขต", "Districts"), ui.fmt_int(info["areas"]["district"]))
c[2].metric(ui.t("รายการข้อมูล", "Data items"), ui.fmt_int(len(items)))
c[3].metric(ui.t("ค่าข้อมูล", "Values"), ui.fmt_int(int(summary["cells"].sum())))

if ui.empty_catalogue_notice(store, "home"):  # no items or no values yet: what to do next
    st.stop()

density = ui.province_density(store, version)
shapes = ui.province_shapes().merge(density[["code", "density", "population"]], on="code")
if shapes["density"].notna().sum() < 5:  # a deployment without registered population values
    lacks = ("ยังไม่มีข้อมูลประชากรรายจังหวัด (POP01)", "No registered population by province (POP01)")
    st.caption(ui.t(*lacks))
else:
    left, right = st.columns([3, 2])
    with left:
        st.subheader(ui.t("ความหนาแน่นประชากร (คนต่อ ตร.กม.)", "Population density (per km²)"))
        name = ui.name_col()
        bins, classes = mapview.classify(shapes["density"], "quantiles", k=5)
        colours = mapview.palette(5, higher_is_better=None)
        layer = mapview.choropleth_layer(
            shapes,
            "density",
            dict(zip(shapes["code"], mapview.class_colours(classes, colours), strict=True)),
            tooltip_fields=[
                (name, ui.t("จังหวัด", "Province")),
                ("population", ui.t("ประชากร (คน)", "Population")),
                ("density", ui.t("คนต่อ ตร.กม.", "Persons per km²")),
            ],
            formats={"population": ",.0f", "density": ",.1f"},
        )
        m = ui.offline_map()
        layer.add_to(m)
        ui.show_map(m, key="home_density_map", height=640)
    with right:
        legend = mapview.legend_rows(bins, colours, counts=classes, lowest=shapes["density"].min())
        ui.draw_legend(legend, ui.t("คนต่อ ตร.กม. (ควอนไทล์)", "Persons per km² (quantiles)"))
        year = density["period"].dropna().max()
        st.caption(
            ui.t(
                f"ประชากรตามทะเบียนราษฎร ปี {tc.be_year(int(year))} หารด้วยพื้นที่จังหวัด",
                f"Registered population {year} divided by province area",
            )
        )

st.subheader(ui.t("จำนวนค่าข้อมูลตามกลุ่มข้อมูลและจังหวัด", "Values by data group and province"))
group_name = ui.name_col("group_name")
prov_name = ui.name_col("province_name")
table = summary.pivot_table(
    index=["province_code", prov_name], columns=group_name, values="cells", aggfunc="sum"
).reset_index()
table = table.rename(columns={prov_name: "province_name"})
ui.show_table(
    table, list(table.columns)
)  # Thai headers; a province without a group's values: blank

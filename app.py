"""Router of the provincial EIS/GIS cockpit: page setup and navigation only."""

import streamlit as st

from lib import ui

st.set_page_config(
    page_title="EIS/GIS จังหวัด",
    page_icon="static/icon.png",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/home.py", title=ui.t("ภาพรวมข้อมูล", "Data overview"), default=True),
]
st.navigation(pages).run()

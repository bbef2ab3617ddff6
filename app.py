"""Router of the provincial EIS/GIS cockpit: page setup and navigation only.

Every page of lib.core.pages is routable (so a deep link keeps its view through
a sign-in), but the menu lists only the pages the visitor's role may use and
each restricted page checks the right itself (ui.require_page).
"""

import streamlit as st

from lib import ui

st.set_page_config(
    page_title="EIS/GIS จังหวัด",
    page_icon="static/icon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if ui.wall_mode() else "expanded",
)
ui.start_backup_worker()
user = ui.current_user(ui.store())
registry = ui.navigation_pages(user)
page = st.navigation(list(registry.values()), position="hidden")
if not ui.wall_mode():  # the war-room wall (?wall=1) shows no menu
    ui.menu(registry, user)
if page.url_path == registry["home"].url_path and "cockpit" in ui.allowed_pages(user):
    ui.cockpit_shortcut(registry["cockpit"])  # start page -> a province's cockpit in two clicks
page.run()

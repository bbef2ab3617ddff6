"""Router of the provincial EIS/GIS cockpit: page setup and navigation only.

Every page is routable (so a deep link keeps its view through a sign-in), but
the menu lists only the pages the visitor's role may use (lib.auth.pages_for)
and each restricted page checks the right itself (ui.require_page).
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

home = st.Page("pages/home.py", title=ui.t("ภาพรวมข้อมูล", "Data overview"), default=True)
cockpit = st.Page("pages/cockpit.py", title=ui.t("ห้องบัญชาการ", "Cockpit"), url_path="cockpit")
registry = {
    "home": home,
    "cockpit": cockpit,
    "map": st.Page("pages/map.py", title=ui.t("แผนที่", "Map"), url_path="map"),
    "profile": st.Page(
        "pages/profile.py", title=ui.t("ข้อมูลจังหวัด", "Province profile"), url_path="profile"
    ),
    "upload": st.Page("pages/upload.py", title=ui.t("นำเข้าข้อมูล", "Upload"), url_path="upload"),
    "verify": st.Page("pages/verify.py", title=ui.t("ตรวจสอบข้อมูล", "Verify"), url_path="verify"),
    "admin": st.Page("pages/admin.py", title=ui.t("ผู้ดูแลระบบ", "Administration"), url_path="admin"),
    "account": st.Page(
        "pages/account.py",
        title=ui.t("บัญชีผู้ใช้", "Account") if user else ui.t("เข้าสู่ระบบ", "Sign in"),
        url_path="account",
    ),
}
page = st.navigation(list(registry.values()), position="hidden")
if not ui.wall_mode():  # the war-room wall (?wall=1) shows no menu
    ui.menu(registry, user)
if page.url_path == home.url_path and "cockpit" in ui.allowed_pages(user):
    ui.cockpit_shortcut(cockpit)  # start page -> a province's cockpit in two clicks
page.run()

"""Administrator: accounts, audit log, backups, integration feeds and the configuration workbook."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "admin")

st.title(ui.t("ผู้ดูแลระบบ", "Administration"))
ui.empty_catalogue_notice(store, "admin")  # the empty product: start with the configuration
users_tab, audit_tab, backup_tab, feeds_tab, config_tab = st.tabs(
    [
        ui.t("ผู้ใช้", "Accounts"),
        ui.t("บันทึกการใช้งาน", "Audit log"),
        ui.t("สำรองข้อมูล", "Backups"),
        ui.t("การเชื่อมโยงข้อมูล", "Integration feeds"),
        ui.t("การตั้งค่า", "Configuration"),
    ]
)
with users_tab:
    ui.users_admin(store, user)
    ui.displays_admin(store, user)
with audit_tab:
    ui.audit_admin(store)
with backup_tab:
    ui.backups_admin(store, user)
with feeds_tab:
    ui.feeds_admin(store, user)
with config_tab:
    ui.config_admin(store, user)

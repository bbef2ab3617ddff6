"""Verifier: approve or reject the values submitted for the agency's items."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "verify")

st.title(ui.t("ตรวจสอบและรับรองข้อมูล", "Verify submitted values"))
if ui.empty_catalogue_notice(store, "verify"):  # no items, so nothing to verify
    st.stop()
ui.verify_section(store, user)

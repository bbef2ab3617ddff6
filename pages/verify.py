"""Verifier: approve or reject the values submitted for the agency's items, and follow up
the values the data-quality checks flagged."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "verify")

st.title(ui.t("ตรวจสอบและรับรองข้อมูล", "Verify submitted values"))
if ui.empty_catalogue_notice(store, "verify"):  # no items, so nothing to verify
    st.stop()
sections = {
    "values": ui.t("ค่าที่รอตรวจสอบ", "Submitted values"),
    "followup": ui.t("รายการติดตามคุณภาพข้อมูล", "Data-quality follow-up"),
}
# One section at a time: the follow-up list runs the quality checks only when it is opened.
shown = st.radio(
    ui.t("ส่วน", "Section"), list(sections), format_func=sections.get, horizontal=True,
    key="verify_view", label_visibility="collapsed",
)  # fmt: skip
if shown == "followup":
    ui.followup_section(store, user)
else:
    ui.verify_section(store, user)

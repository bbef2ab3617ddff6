"""Verifier: approve or reject the values submitted for the agency's items."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "verify")

st.title(ui.t("ตรวจสอบและรับรองข้อมูล", "Verify submitted values"))
batches = store.batches(user.agency_code)
pending = batches[(batches["kind"] == "upload") & (batches["status"] == "committed")]
if pending.empty:
    st.info(ui.t("ไม่มีชุดข้อมูลที่รอตรวจสอบ", "No batches waiting for verification"))
    st.stop()
batch_id = st.selectbox(ui.t("ชุดข้อมูล", "Batch"), pending["batch_id"].tolist())
cells = store.batch_cells(int(batch_id))
st.dataframe(
    cells[["item_code", "area_code", "period", "value", "status", "submitted_by", "note"]],
    hide_index=True,
    width="stretch",
)
c1, c2 = st.columns(2)
if c1.button(ui.t("รับรองทั้งชุด", "Verify the batch"), type="primary"):
    ui.verify_batch(store, user, int(batch_id), "verified")
if c2.button(ui.t("ปฏิเสธทั้งชุด", "Reject the batch")):
    ui.verify_batch(store, user, int(batch_id), "rejected")

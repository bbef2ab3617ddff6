"""Agency upload: templates, file check, preview, atomic commit, batch history and undo."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "upload")

st.title(ui.t("นำเข้าข้อมูล", "Upload data"))
with st.expander(ui.t("1. ดาวน์โหลดแบบฟอร์ม", "1. Download a template")):
    ui.template_downloads(store, user)

st.subheader(ui.t("2. ส่งไฟล์", "2. Send a file"))
file = st.file_uploader(
    ui.t("ไฟล์ CSV หรือ Excel (.xlsx)", "CSV or Excel (.xlsx) file"), type=["csv", "xlsx", "txt"]
)
c1, c2 = st.columns(2)
item = (
    c1.text_input(ui.t("รหัสรายการ (แบบฟอร์มพื้นที่ x งวด)", "Item code (areas x periods form)")) or None
)
period = (
    c2.text_input(ui.t("งวด (แบบฟอร์มพื้นที่ x รายการ) เช่น มี.ค. 2568", "Period (areas x items form)"))
    or None
)

if file is not None:
    preview = ui.upload_preview(store, file.getvalue(), file.name, item, period)
    if preview.earlier_batches:
        st.info(
            ui.t(
                f"ไฟล์นี้เคยนำเข้าแล้ว (ชุดที่ {preview.earlier_batches})",
                f"This file was committed before (batch {preview.earlier_batches})",
            )
        )
    ui.show_preview(preview)
    ui.commit_controls(store, user, preview)

st.subheader(ui.t("ประวัติการนำเข้าของหน่วยงาน", "The agency's batches"))
ui.batch_history(store, user, action="undo")

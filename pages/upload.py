"""Agency upload: templates, file check, column mapping, preview, commit, layouts and undo."""

import streamlit as st

from lib import ui

ui.language_switch()
store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "upload")

st.title(ui.t("นำเข้าข้อมูล", "Upload data"))
if ui.empty_catalogue_notice(store, "upload"):  # no items to load values into
    st.stop()
with st.expander(ui.t("1. ดาวน์โหลดแบบฟอร์ม", "1. Download a template")):
    ui.template_downloads(store, user)

st.subheader(ui.t("2. ส่งไฟล์", "2. Send a file"))
file = st.file_uploader(
    ui.t("ไฟล์ CSV หรือ Excel (.xlsx .xls .ods)", "CSV or Excel (.xlsx .xls .ods) file"),
    type=["csv", "txt", "xlsx", "xls", "ods"],
    help=ui.t(
        "ลากไฟล์มาวางในกรอบ หรือกดปุ่มเพื่อเลือกไฟล์ ระบบจะตรวจสอบไฟล์ก่อน ยังไม่บันทึกจนกว่าจะกดบันทึก",
        "Drop a file in the box or press the button to choose one; "
        "it is checked first and nothing is stored until you commit",
    ),
)
c1, c2 = st.columns(2)
item = (
    c1.text_input(ui.t("รหัสรายการ (แบบฟอร์มพื้นที่ x งวด)", "Item code (areas x periods form)")) or None
)
period = (
    c2.text_input(ui.t("งวด (แบบฟอร์มพื้นที่ x รายการ) เช่น มี.ค. 2568", "Period (areas x items form)"))
    or None
)
old_years = st.checkbox(ui.old_years_label())

if file is None:
    ui.forget_upload()
else:
    preview = ui.upload_preview(store, user, file.getvalue(), file.name, item, period, old_years)
    if preview.earlier_batches and ui.committed_batch(preview) is None:
        earlier = ", ".join(str(b) for b in preview.earlier_batches)
        st.info(
            ui.t(
                f"ไฟล์นี้เคยนำเข้าแล้ว (ชุดที่ {earlier})",
                f"This file was committed before (batch {earlier})",
            )
        )
    ui.mapping_step(store, user, preview)
    st.subheader(ui.t("ผลการตรวจสอบ", "The check"))
    ui.show_preview(store, preview)
    ui.commit_controls(store, user, preview)

with st.expander(ui.t("รูปแบบไฟล์ที่บันทึกไว้", "Saved file layouts")):
    ui.saved_layouts(store, user)

st.subheader(ui.t("ประวัติการนำเข้าของหน่วยงาน", "The agency's batches"))
ui.batch_history(store, user, action="undo")

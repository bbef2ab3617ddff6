"""Sign in, sign out and change one's password (local accounts)."""

import streamlit as st

from lib import ui
from lib.core.labels import cell_label
from lib.core.markdown import escape_markdown

ui.language_switch()
store = ui.store()
user = ui.current_user(store)

st.title(ui.t("บัญชีผู้ใช้", "Account"))
if user is None:
    st.caption(
        ui.t(
            "ประชาชนทั่วไปดูข้อมูลที่เผยแพร่ได้โดยไม่ต้องเข้าสู่ระบบ "
            "เจ้าหน้าที่หน่วยงาน ผู้บริหาร และผู้ดูแลระบบ กรุณาเข้าสู่ระบบ",
            "The public sees published data without signing in; "
            "agency staff, executives and administrators sign in here.",
        )
    )
    ui.sign_in_form(store)
else:
    role = cell_label("role", user.role, ui.lang())
    # a display name is the user's own text: shown as typed, never as Markdown (links, images)
    st.markdown(f"**{escape_markdown(user.display_name or user.username)}** · {role}")
    st.write(
        ui.t("หน่วยงาน", "Agency")
        + f": {user.agency_code or '-'} · "
        + ui.t("พื้นที่", "Area")
        + f": {user.area_code or ui.t('ทั้งประเทศ', 'whole country')}"
    )
    if st.button(ui.t("ออกจากระบบ", "Sign out")):
        ui.sign_out(store)
        st.rerun()
    st.subheader(ui.t("เปลี่ยนรหัสผ่าน", "Change password"))
    ui.password_form(store, user)

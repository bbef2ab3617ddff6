"""Administration: display links for wall screens (create, list with last use, revoke)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.store import Store
from lib.ui.core import client_origin, lang, message, t

_SHOWN = "displays_new_link"  # the link just created: shown once, then forgotten


def _scope_options(s: Store) -> dict[str, str]:
    """Cockpit scopes by code, labelled 'name (code)' in the current language."""
    areas = s.areas()
    areas = areas[areas["level"].isin(["country", "region", "cluster", "province"])]
    name = "name_en" if lang() == "en" else "name_th"
    return {str(r["code"]): f"{r[name]} ({r['code']})" for r in areas.to_dict("records")}


def _links_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The links with Thai/English headers and blank empty cells."""
    headers = {
        "id": t("เลขที่", "ID"),
        "label": t("ชื่อจอ", "Label"),
        "scopes": t("พื้นที่", "Scopes"),
        "created_by": t("สร้างโดย", "Created by"),
        "created_at": t("สร้างเมื่อ", "Created"),
        "last_used_at": t("ใช้ล่าสุด", "Last used"),
        "revoked_at": t("ยกเลิกเมื่อ", "Revoked"),
        "revoked_by": t("ยกเลิกโดย", "Revoked by"),
    }
    out = frame.astype(object).where(frame.notna(), "")
    return out.rename(columns=headers)


def _create_form(s: Store, user, options: dict[str, str]) -> None:
    from lib.services.auth import displays

    with st.form("display_add", clear_on_submit=True):
        scopes = st.multiselect(
            t("พื้นที่ที่จอนี้แสดงได้", "Scopes this screen may show"),
            list(options),
            format_func=options.get,
        )
        label = st.text_input(t("ชื่อจอ (เช่น ห้องประชุมชั้น 2)", "Label (e.g. meeting room 2)"))
        submitted = st.form_submit_button(t("สร้างลิงก์จอแสดงผล", "Create a display link"))
    if not submitted:
        return
    try:
        link_id, token = displays.create(s, scopes, actor=user, origin=client_origin(), label=label)
    except (displays.PermissionDenied, ValueError) as exc:
        st.error(message(exc))
        return
    st.session_state[_SHOWN] = (link_id, token, scopes)


def _show_new_link() -> None:
    """The link just made, once: the token is not stored and cannot be shown again."""
    shown = st.session_state.pop(_SHOWN, None)
    if not shown:
        return
    link_id, token, scopes = shown
    path = f"/cockpit?display={token}&wall=1&cycle={','.join(scopes)}"
    st.success(
        t(
            f"สร้างลิงก์ที่ {link_id} แล้ว คัดลอกไปเปิดบนจอ (แสดงครั้งเดียวเท่านั้น):",
            f"Display link {link_id} created; copy it to the screen (shown this once only):",
        )
    )
    st.code(path, language=None)


def displays_admin(s: Store, user) -> None:
    """Display links: create one for named scopes, list them with last use, revoke one."""
    from lib.services.auth import displays

    st.subheader(t("ลิงก์จอแสดงผล", "Display links"))
    st.caption(
        t(
            "ลิงก์สำหรับจอติดผนังที่ไม่มีผู้ใช้ประจำ: เปิดห้องบัญชาการของพื้นที่ที่กำหนดได้โดยไม่ต้องใช้รหัสผ่าน "
            "อ่านอย่างเดียว ใช้ได้จนกว่าจะยกเลิก",
            "Links for unattended wall screens: the cockpit of the named scopes without a "
            "password, read-only, until revoked.",
        )
    )
    _create_form(s, user, _scope_options(s))
    _show_new_link()
    links = displays.links_frame(s)
    if links.empty:
        st.info(t("ยังไม่มีลิงก์จอแสดงผล", "No display links yet"))
        return
    st.dataframe(_links_table(links), hide_index=True)
    live = links.loc[links["revoked_at"].isna(), "id"].astype(int).tolist()
    if not live:
        return
    choice = st.selectbox(t("ยกเลิกลิงก์เลขที่", "Revoke link number"), live, key="display_revoke")
    if st.button(t("ยกเลิกลิงก์นี้", "Revoke this link"), key="display_revoke_go"):
        try:
            displays.revoke(s, int(choice), actor=user, origin=client_origin())
        except (displays.PermissionDenied, ValueError) as exc:
            st.error(message(exc))
            return
        st.rerun()

"""The Upload page's saved file layouts: list, rename and delete (lib.services.layouts).

Staff see their agency's layouts, an administrator every agency's; who may
change which layout is lib's rule (auth.PermissionDenied, shown as a message).
"""

from __future__ import annotations

import streamlit as st

from lib.store import Store
from lib.ui.core import done, message, show_flash, show_table, t

LAYOUT_COLUMNS = ["name", "columns", "sheets", "period_rule", "created_by", "updated_at"]


def saved_layouts(s: Store, user) -> None:
    """The saved layouts the account may see, with rename and delete of one of them."""
    from lib.services import auth, layouts

    show_flash("layouts")
    try:
        listed = layouts.listed(s, user)
    except auth.PermissionDenied as exc:
        st.info(message(exc))
        return
    if listed.empty:
        st.caption(
            t(
                "ยังไม่มีรูปแบบไฟล์ที่บันทึกไว้ (บันทึกได้ที่ขั้นตรวจคอลัมน์ของไฟล์)",
                "No saved layouts yet (save one at the file's columns step)",
            )
        )
        return
    everyone = user.role == "admin"
    shown = ["agency_code", *LAYOUT_COLUMNS] if everyone else LAYOUT_COLUMNS
    show_table(listed, [c for c in shown if c in listed.columns], key="layouts_table")
    keys = list(zip(listed["agency_code"].fillna(""), listed["name"], strict=True))
    chosen = st.selectbox(
        t("รูปแบบไฟล์", "Layout"),
        keys,
        format_func=lambda k: (
            f"{k[1]} ({k[0] or t('ผู้ดูแลระบบ', 'administrators')})" if everyone else k[1]
        ),
        key="layout_chosen",
    )
    agency, name = chosen
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    new_name = c1.text_input(t("ชื่อใหม่", "New name"), key="layout_new_name")
    if c2.button(t("เปลี่ยนชื่อ", "Rename"), key="layout_rename"):
        _change(s, user, "rename", agency, name, new_name.strip())
    if c3.button(t("ลบรูปแบบนี้", "Delete this layout"), key="layout_delete"):
        _change(s, user, "delete", agency, name)


def _change(s: Store, user, action: str, agency: str, name: str, new_name: str = "") -> None:
    """Rename or delete a layout through lib (rights and names checked there), then rerun."""
    from lib.services import auth, layouts

    try:
        if action == "rename":
            layouts.rename(s, user, name, new_name, agency_code=agency)
        else:
            layouts.delete(s, user, name, agency_code=agency)
    except (auth.PermissionDenied, ValueError) as exc:  # InputError: a bad or taken name
        st.error(message(exc))
        return
    if action == "rename":
        done(
            "layouts",
            "success",
            t(f"เปลี่ยนชื่อ {name} เป็น {new_name} แล้ว", f"{name} renamed to {new_name}"),
        )
    done("layouts", "success", t(f"ลบรูปแบบ {name} แล้ว", f"Layout {name} deleted"))

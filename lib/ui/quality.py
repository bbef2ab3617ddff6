"""Data quality on the pages: the upload preview's warnings and the Verify page's follow-up list.

lib.services.quality flags values far from their own history or from the other
areas, and values of a broken validation rule. The upload preview shows the
incoming values that would be flagged (a warning: the file may still be
committed); the follow-up list (รายการติดตาม) shows the flagged values of the
items the account may verify (its agency's, in its area; every one for an
administrator) with item and area names, the period in Buddhist Era and the
flag in words, and marks one as checked with a note
(lib.services.quality.mark_checked, which checks the right again).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.labels import quality_flag_label
from lib.store import Store
from lib.ui.core import (
    client_origin,
    data_version,
    done,
    fmt_int,
    lang,
    message,
    show_flash,
    show_table,
    t,
)
from lib.ui.maps import STORE_KEY
from lib.ui.upload import reading
from lib.views.tables import period_text

WARNING_SHOWN = ["item_code", "area_code", "period", "value", "flag_label", "detail"]
FOLLOWUP_SHOWN = ["item_code", "area_code", "period", "value", "flag_label", "detail"]
FOLLOWUP = "followup"  # where the follow-up list's messages are shown


def worded(s: Store, flags: pd.DataFrame) -> pd.DataFrame:
    """Flags with their words: flag_label ('ผิดกฎ: NAME') and detail in the current language."""
    rules = s.rules()
    names = dict(zip(rules["code"], rules[f"name_{lang()}"], strict=True))
    detail = flags[f"detail_{lang()}"] if f"detail_{lang()}" in flags else None
    return flags.assign(
        flag_label=[quality_flag_label(f, lang(), names) for f in flags["flag"]],
        detail=detail if detail is not None else "",
    )


def upload_warnings(s: Store, preview) -> None:
    """The incoming values the quality checks would flag, if any (they warn, never refuse)."""
    warnings = getattr(preview, "quality", None)
    if warnings is None or warnings.empty:
        return
    st.subheader(t("คำเตือนคุณภาพข้อมูล (บันทึกได้ แต่ควรตรวจ)", "Data-quality warnings (check them)"))
    st.warning(
        t(
            f"ค่า {fmt_int(len(warnings))} ค่าในไฟล์นี้ผิดปกติเมื่อเทียบกับประวัติหรือพื้นที่อื่น "
            "หรือไม่เป็นไปตามกฎตรวจสอบ บันทึกได้ แต่จะอยู่ในรายการติดตามของผู้ตรวจสอบ",
            f"{fmt_int(len(warnings))} values of this file are unusual against their history "
            "or the other areas, or break a validation rule: they may be committed, and will "
            "be on the verifier's follow-up list",
        )
    )
    show_table(worded(s, warnings), WARNING_SHOWN, key="upload_quality", **reading(s))


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=STORE_KEY)
def visible_flags(s: Store, version: str, user) -> pd.DataFrame:
    """lib.services.quality.flags_for the account, cached by store and data version (a
    commit, an undo or a mark moves the version)."""
    from lib.services import quality

    return quality.flags_for(s, user)


def _choice_text(row: dict, options: dict) -> str:
    """'item name · area name · period · flag' of one flagged value."""
    period = period_text(row["period"], options["frequencies"].get(row["item_code"]), lang())
    item = options["item_names"].get(row["item_code"], row["item_code"])
    area = options["area_names"].get(row["area_code"], row["area_code"])
    return f"{item} · {area} · {period} · {row['flag_label']}"


def followup_section(s: Store, user) -> None:
    """The follow-up list: flagged values not yet checked, and 'ตรวจแล้ว' with a note."""
    show_flash(FOLLOWUP)
    flags = visible_flags(s, data_version(s), user)
    if flags.empty:
        st.info(t("ไม่มีค่าที่ต้องติดตาม", "No flagged values to follow up"))
        return
    rows = worded(s, flags)
    options = reading(s)
    st.caption(
        t(
            f"ค่าที่ถูกแจ้งเตือนและยังไม่ได้ตรวจ {fmt_int(len(rows))} รายการ",
            f"{fmt_int(len(rows))} flagged values not yet checked",
        )
    )
    show_table(rows, FOLLOWUP_SHOWN, key="followup_table", **options)
    records = rows.to_dict("records")
    chosen = st.selectbox(
        t("ค่าที่ตรวจแล้ว", "The value checked"),
        range(len(records)),
        format_func=lambda i: _choice_text(records[i], options),
        key="followup_choice",
    )
    note = st.text_area(
        t("บันทึกผลการตรวจ (จำเป็น)", "What the check found (required)"),
        key="followup_note",
        max_chars=500,
    )
    if st.button(t("ตรวจแล้ว", "Checked"), type="primary", key="followup_checked"):
        mark_checked(s, user, records[int(chosen)], note)


def mark_checked(s: Store, user, row: dict, note: str) -> None:
    """Mark one flag of a value as checked (rights and note checked in lib), then rerun."""
    from lib.core.i18n import InputError
    from lib.services import auth, quality

    try:
        quality.mark_checked(
            s,
            user,
            row["item_code"],
            row["area_code"],
            row["period"],
            row["flag"],
            note,
            origin=client_origin(),
        )
    except (InputError, auth.PermissionDenied) as exc:
        st.error(message(exc))
        return
    st.session_state.pop("followup_note", None)
    done(
        FOLLOWUP,
        "success",
        t(f"บันทึกว่าตรวจแล้ว: {row['flag_label']}", f"Marked as checked: {row['flag_label']}"),
    )

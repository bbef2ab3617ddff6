"""The deployment's configuration on the administrator's page, and what an empty product says.

config_admin: download the configuration workbook, upload an edited one, see
its problems (nothing changes) or a preview of what changes, then apply it.
empty_catalogue_notice: the one check every page makes while the product has no
items or KPIs yet (`init --no-demo`), saying what to do next instead of drawing
an empty chart.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from lib.core import settings
from lib.store import Store
from lib.ui.core import client_origin, data_version, done, fmt_int, lang, message, show_flash, t
from lib.ui.core import table as show_frame
from lib.ui.maps import STORE_KEY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN = "config_plan"  # {"key": (checksum, data version), "plan": ImportPlan}
APPLIED = "config_applied"  # workbooks applied this session: part of the uploader's key
CHANGES = ("added", "changed", "retired", "removed")
CHANGE_WORDS = {
    "added": ("เพิ่ม", "Added"),
    "changed": ("แก้ไข", "Changed"),
    "retired": ("เลิกใช้", "Retired"),
    "removed": ("ลบ", "Removed"),
}


# -- labels of the workbook's sheets and columns ----------------------------------
def sheet_label(key: str | None, language: str) -> str:
    """A sheet as the workbook's tab names it: 'รายการข้อมูล (items)' / 'Items (รายการข้อมูล)'."""
    from lib.services.config.fields import SHEET_BY_KEY

    sheet = SHEET_BY_KEY.get(key or "")
    if sheet is None:
        return key or ""
    return f"{sheet.en} ({sheet.th})" if language == "en" else f"{sheet.th} ({sheet.key})"


def column_label(sheet_key: str | None, column: str | None, language: str) -> str:
    """A column as the workbook's header names it: 'ความถี่ (frequency)'."""
    from lib.services.config.fields import SHEET_BY_KEY

    sheet = SHEET_BY_KEY.get(sheet_key or "")
    if not column or sheet is None or column not in sheet.columns:
        return column or ""
    f = sheet.field(column)
    return f"{f.en if language == 'en' else f.th} ({f.key})"


def problems_frame(problems, language: str) -> pd.DataFrame:
    """Why a workbook is rejected, one row per problem: sheet, row, column, value, reason."""
    en = language == "en"
    rows = [
        {
            "sheet": sheet_label(p.sheet, language),
            "row": p.row,
            "column": column_label(p.sheet, p.column, language),
            "value": "" if p.value is None else str(p.value),
            "reason": (p.reason_en or p.reason_th) if en else p.reason_th,
        }
        for p in problems
    ]
    frame = pd.DataFrame(rows, columns=["sheet", "row", "column", "value", "reason"])
    frame["row"] = frame["row"].astype("Int64")
    headers = (
        ["Sheet", "Row", "Column", "Value", "Reason"]
        if en
        else ["แผ่นงาน", "แถว", "คอลัมน์", "ค่า", "เหตุผล"]
    )
    return frame.set_axis(headers, axis=1)


def summary_frame(summary: pd.DataFrame, language: str) -> pd.DataFrame:
    """ImportPlan.summary() with the sheets' names and the changes' words as headers."""
    out = pd.DataFrame({"sheet": [sheet_label(k, language) for k in summary["sheet"]]})
    for change in CHANGES:
        out[change] = summary[change].astype(int).to_numpy() if change in summary else 0
    words = [CHANGE_WORDS[c][language == "en"] for c in CHANGES]
    return out.set_axis(["Sheet" if language == "en" else "แผ่นงาน", *words], axis=1)


def changes_frame(changes: pd.DataFrame, language: str) -> pd.DataFrame:
    """The plan's changes: sheet, record key, the change in words, the fields it touches."""
    en = language == "en"

    def fields(value) -> str:
        if isinstance(value, list | tuple | set):
            return ", ".join(str(v) for v in value)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return ", ".join(str(value).split(","))  # diff.changes: 'name_th,unit_th'

    def word(change) -> str:
        return CHANGE_WORDS[change][en] if change in CHANGE_WORDS else str(change)

    out = pd.DataFrame(
        {
            "sheet": [sheet_label(k, language) for k in changes.get("sheet", [])],
            "key": [str(k) for k in changes.get("key", [])],
            "change": [word(c) for c in changes.get("change", [])],
            "fields": [fields(v) for v in changes.get("fields", [None] * len(changes))],
        }
    )
    headers = (
        ["Sheet", "Record", "Change", "Fields"]
        if en
        else ["แผ่นงาน", "รายการ", "การเปลี่ยนแปลง", "ช่องที่แก้ไข"]
    )
    return out.set_axis(headers, axis=1)


def change_counts(summary: pd.DataFrame) -> dict[str, int]:
    """Totals of the plan: {'added': n, 'changed': n, 'retired': n, 'removed': n}."""
    return {c: int(summary[c].sum()) if c in summary else 0 for c in CHANGES}


# -- the administrator's section -------------------------------------------------
@st.cache_data(max_entries=4, show_spinner=False, hash_funcs=STORE_KEY)
def _workbook(s: Store, version: str) -> bytes:
    """The configuration workbook of a data version (exported once per version)."""
    from lib.services import config

    return config.export_workbook(s)


def _plan(s: Store, data: bytes):
    """The import plan of an uploaded workbook, kept while the file and the store stay the same."""
    from lib.services import config

    key = (hashlib.sha256(data).hexdigest(), data_version(s))
    kept = st.session_state.get(PLAN)
    if kept is not None and kept["key"] == key:
        return kept["plan"]
    with st.spinner(t("กำลังตรวจสอบแบบฟอร์ม", "Checking the workbook")):
        plan = config.plan_import(s, data)
    st.session_state[PLAN] = {"key": key, "plan": plan}
    return plan


def config_admin(s: Store, admin) -> None:
    """Download the workbook; upload an edited one; its problems, or a preview and apply."""
    show_flash("config")
    st.caption(
        t(
            "ดาวน์โหลดแบบฟอร์มการตั้งค่า (กลุ่มข้อมูล ด้าน หน่วยงาน รายการข้อมูล ตัวชี้วัดรายปีงบประมาณ "
            "และขอบเขตของระบบ) แก้ไข แล้วอัปโหลด ระบบจะตรวจสอบทั้งไฟล์และแสดงสิ่งที่จะเปลี่ยนก่อนนำไปใช้",
            "Download the configuration workbook (data groups, aspects, agencies, items, KPIs per "
            "fiscal year, the deployment's scope), edit it and upload it: the whole workbook is "
            "checked and what changes is shown before it is applied",
        )
    )
    st.download_button(
        t("ดาวน์โหลดแบบฟอร์มการตั้งค่า (.xlsx)", "Download the configuration workbook (.xlsx)"),
        _workbook(s, data_version(s)),
        f"eis-config-{settings.today().isoformat()}.xlsx",
        XLSX,
    )
    file = st.file_uploader(
        t("อัปโหลดแบบฟอร์มการตั้งค่าที่แก้ไขแล้ว", "Upload the edited workbook"),
        type=["xlsx"],
        key=f"config_upload_{st.session_state.get(APPLIED, 0)}",
    )
    if file is None:
        st.session_state.pop(PLAN, None)
        return
    plan = _plan(s, file.getvalue())
    if plan.problems:
        n = len(plan.problems)
        st.error(
            t(
                f"ไม่ได้นำเข้า: พบ {n} ปัญหา ไม่มีการเปลี่ยนแปลงใดๆ",
                f"Not imported: {n} problem(s) found; nothing was changed",
            )
        )
        show_frame(problems_frame(plan.problems, lang()))
        return
    config_preview(plan)
    nothing = not any(change_counts(plan.summary()).values())
    if nothing:
        st.info(t("แบบฟอร์มนี้ตรงกับการตั้งค่าปัจจุบัน", "The workbook matches the current configuration"))
    if st.button(t("นำการตั้งค่าไปใช้", "Apply the configuration"), type="primary", disabled=nothing):
        apply_plan(s, admin, plan)


def config_preview(plan) -> None:
    """What applying the plan changes: totals, per sheet, and record by record."""
    summary = plan.summary()
    counts = change_counts(summary)
    cols = st.columns(len(CHANGES))
    for col, change in zip(cols, CHANGES, strict=True):
        col.metric(t(*CHANGE_WORDS[change]), fmt_int(counts[change]))
    show_frame(summary_frame(summary, lang()))
    if len(plan.changes):
        st.markdown(t("**รายการที่เปลี่ยน**", "**Records that change**"))
        show_frame(changes_frame(plan.changes, lang()))


def apply_plan(s: Store, admin, plan) -> None:
    """Apply the plan (rights checked and audited in lib), clear the uploader, rerun.

    No cache is cleared: every cached reader is keyed by the data version, which a
    configuration change moves (the catalogue version), so each page re-reads it.
    """
    from lib.services import auth, config

    try:
        config.apply_import(s, plan, admin, origin=client_origin())
    except (auth.PermissionDenied, ValueError) as exc:
        st.error(message(exc))
        return
    c = change_counts(plan.summary())
    st.session_state.pop(PLAN, None)
    st.session_state[APPLIED] = st.session_state.get(APPLIED, 0) + 1  # a new, empty uploader
    done(
        "config",
        "success",
        t(
            f"นำการตั้งค่าไปใช้แล้ว: เพิ่ม {c['added']} แก้ไข {c['changed']} "
            f"เลิกใช้ {c['retired']} ลบ {c['removed']}",
            f"Configuration applied: {c['added']} added, {c['changed']} changed, "
            f"{c['retired']} retired, {c['removed']} removed",
        ),
    )


# -- the empty product -------------------------------------------------------------
HOW = (
    "ผู้ดูแลระบบกำหนดได้ที่หน้าผู้ดูแลระบบ แท็บการตั้งค่า (ดาวน์โหลดแบบฟอร์มการตั้งค่า แก้ไข แล้วอัปโหลด) "
    "หรือ python -m lib config import",
    "an administrator enters them on the Administration page, Configuration tab (download the "
    "configuration workbook, edit it, upload it) or with python -m lib config import",
)
NOTICES = {
    "no_items": (
        "ยังไม่มีรายการข้อมูล: " + HOW[0],
        "No data items yet: " + HOW[1],
    ),
    "no_kpis": (
        "ยังไม่มีตัวชี้วัด: " + HOW[0],
        "No KPIs yet: " + HOW[1],
    ),
    "no_values": (
        "ยังไม่มีค่าข้อมูล: หน่วยงานนำเข้าข้อมูลได้ที่หน้านำเข้าข้อมูล (ดาวน์โหลดแบบฟอร์ม กรอกข้อมูล แล้วส่งไฟล์)",
        "No values yet: agencies load them on the Upload page (download a template, fill it in, "
        "send the file)",
    ),
    "upload_no_items": (
        "ยังไม่มีรายการข้อมูลให้นำเข้า: ขอให้ผู้ดูแลระบบเพิ่มรายการข้อมูลของหน่วยงานก่อน (หน้าผู้ดูแลระบบ แท็บการตั้งค่า)",
        "No data items to load values into yet: ask the administrator to add your agency's "
        "items first (Administration page, Configuration tab)",
    ),
    "verify_no_items": (
        "ยังไม่มีรายการข้อมูล จึงยังไม่มีค่าให้ตรวจสอบ: ขอให้ผู้ดูแลระบบเพิ่มรายการข้อมูลก่อน "
        "(หน้าผู้ดูแลระบบ แท็บการตั้งค่า) แล้วหน่วยงานจึงนำเข้าข้อมูลได้",
        "No data items yet, so no values to verify: ask the administrator to add the items "
        "first (Administration page, Configuration tab); agencies then upload values",
    ),
    "admin_start": (
        "ระบบยังไม่มีรายการข้อมูลหรือตัวชี้วัด: เริ่มที่แท็บการตั้งค่า ดาวน์โหลดแบบฟอร์มการตั้งค่า "
        "เพิ่มรายการข้อมูลและตัวชี้วัด แล้วอัปโหลด (หรือ python -m lib config import)",
        "The product has no data items or KPIs yet: start on the Configuration tab: download the "
        "configuration workbook, add items and KPIs, upload it (or python -m lib config import)",
    ),
}


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=STORE_KEY)
def catalogue_state(s: Store, version: str) -> dict[str, int]:
    """How many items, KPIs (of the newest set) and values the store holds, per data version."""
    return {"items": len(s.catalog()), "kpis": len(s.kpis()), "values": s.observation_count()}


def empty_notice_key(state: dict[str, int], page: str) -> str | None:
    """Which notice a page shows for the store's state (NOTICES key), or None: draw the page.

    >>> empty_notice_key({"items": 0, "kpis": 0, "values": 0}, "cockpit")
    'no_kpis'
    >>> empty_notice_key({"items": 3, "kpis": 1, "values": 0}, "home")
    'no_values'
    >>> empty_notice_key({"items": 3, "kpis": 1, "values": 0}, "map") is None
    True
    """
    if page == "cockpit":
        return "no_kpis" if not state["kpis"] else None
    if page == "admin":
        return "admin_start" if not (state["items"] and state["kpis"]) else None
    if not state["items"]:
        return {"upload": "upload_no_items", "verify": "verify_no_items"}.get(page, "no_items")
    if page == "home" and not state["values"]:
        return "no_values"
    return None


def empty_catalogue_notice(s: Store, page: str) -> bool:
    """Say what to do next while the product has nothing to show on `page`; True: stop the page.

    page: home, cockpit, map, profile, upload, verify or admin (admin never stops: it is
    where the configuration is entered).
    """
    key = empty_notice_key(catalogue_state(s, data_version(s)), page)
    if key is None:
        return False
    st.info(t(*NOTICES[key]))
    return page != "admin"

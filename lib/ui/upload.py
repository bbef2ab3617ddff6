"""Templates, file check and preview, commit, batch history, undo and verification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import settings
from lib.store import Store
from lib.ui.core import client_origin, data_version, fmt_int, lang, message, name_col, t


# -- upload and verification ---
@st.cache_data(show_spinner=False)
def catalog(_s: Store, version: str) -> pd.DataFrame:
    """The catalogue (cached per data version)."""
    return _s.catalog()


def visible_catalog(s: Store, user) -> pd.DataFrame:
    """Items this account may read (lib.services.catalogue.readable_items)."""
    from lib.services import catalogue

    return catalogue.readable_items(catalog(s, data_version(s)), user)


def visible_kpis(s: Store, user, kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs this account may read (lib.services.catalogue.readable_kpis)."""
    from lib.services import catalogue

    return catalogue.readable_kpis(kpis, catalog(s, data_version(s)), user)


def item_label(row) -> str:
    """'CODE name' in the current language."""
    return f"{row['code']} {row[name_col()]}"


def template_downloads(s: Store, user) -> None:
    """Pick a form and items of the account's agency; download CSV (UTF-8 BOM) or XLSX."""
    from lib.ingest import templates

    cat = catalog(s, data_version(s))
    own = cat[cat["owner_agency"] == user.agency_code] if user.agency_code else cat
    forms = {
        "long": t("แบบยาว (รายการ พื้นที่ งวด ค่า)", "Long (item, area, period, value)"),
        "wide_periods": t("พื้นที่ x งวด (รายการเดียว)", "Areas x periods (one item)"),
        "wide_items": t("พื้นที่ x รายการ (งวดเดียว)", "Areas x items (one period)"),
    }
    form = st.radio(t("รูปแบบ", "Form"), list(forms), format_func=forms.get, horizontal=True)
    options = [None, *own["code"]] if form != "wide_periods" else list(own["code"])
    labels = dict(zip(own["code"], own.apply(item_label, axis=1), strict=True))
    item = st.selectbox(
        t("รายการข้อมูล", "Data item"),
        options,
        format_func=lambda c: (
            t("ทุกรายการของหน่วยงาน", "All the agency's items") if c is None else labels[c]
        ),
    )
    province = None
    if user.area_code and len(user.area_code) == 2:
        province = user.area_code
    frame = templates.template_frame(
        cat,
        s.areas(),
        form=form,
        item_code=item,
        agency=user.agency_code,
        as_of=settings.today(),
        province=province,
        lang=lang(),
    )
    name = f"template-{form}-{item or user.agency_code or 'all'}"
    c1, c2 = st.columns(2)
    c1.download_button("CSV", templates.to_csv_bytes(frame), f"{name}.csv", "text/csv")
    c2.download_button(
        "XLSX",
        templates.to_xlsx_bytes(frame),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    st.caption(t(f"{len(frame):,} แถว", f"{len(frame):,} rows"))


def upload_preview(s: Store, data: bytes, file_name: str, item: str | None, period: str | None):
    """Read, validate and compare a file once per (file, options); kept in the session."""
    from lib.services import upload

    key = (upload.checksum(data), item, period, data_version(s))
    cached = st.session_state.get("upload_preview")
    if cached is not None and cached[0] == key:
        return cached[1]
    stages = {
        "read": t("อ่านและตรวจสอบไฟล์", "Reading and checking the file"),
        "compare": t("เทียบกับข้อมูลในระบบ", "Comparing with the stored values"),
        "history": t("ตรวจค่าที่กระโดดผิดปกติ", "Looking for unusual jumps"),
        "done": t("ตรวจสอบแล้ว", "Checked"),
    }
    bar = st.progress(0.0, text=stages["read"])
    preview = upload.preview_upload(
        s,
        data,
        file_name,
        item_code=item,
        period=period,
        progress=lambda fraction, stage: bar.progress(fraction, text=stages[stage]),
    )
    st.session_state["upload_preview"] = (key, preview)
    return preview


def show_preview(preview) -> None:
    """Counts, the problems (row, column, value, reason) and the rows by kind of change."""
    c = preview.counts
    cols = st.columns(5)
    cols[0].metric(t("ค่าใหม่", "New"), fmt_int(c["new"]))
    cols[1].metric(t("เปลี่ยนแปลง", "Changed"), fmt_int(c["changed"]))
    cols[2].metric(t("เท่าเดิม", "Unchanged"), fmt_int(c["unchanged"]))
    cols[3].metric(t("แถวที่มีปัญหา", "Rejected rows"), fmt_int(c["rejected"]))
    cols[4].metric(t("ค่ากระโดดผิดปกติ", "Unusual jumps"), fmt_int(c["flagged"]))
    if preview.result.problems:
        st.subheader(t("รายงานการตรวจสอบ", "Validation report"))
        st.dataframe(preview.result.problems_frame(lang()), hide_index=True, width="stretch")
    shown = ["item_code", "area_code", "period", "old_value", "value", "jump_size", "jump"]
    tabs = st.tabs([t("ใหม่", "New"), t("เปลี่ยนแปลง", "Changed"), t("เท่าเดิม", "Unchanged")])
    for tab, kind in zip(tabs, ("new", "changed", "unchanged"), strict=True):
        tab.dataframe(preview.rows(kind)[shown], hide_index=True, width="stretch")


def commit_controls(s: Store, user, preview) -> None:
    """Why a file with problems commits nothing, the clean-rows-only choice, the commit button."""
    from lib.services import upload

    refusal = upload.commit_refusal(preview)
    clean_only = False
    if refusal is not None:
        st.error(message(refusal))
        clean_only = st.checkbox(t("บันทึกเฉพาะแถวที่ถูกต้อง", "Commit only the rows without problems"))
    can_commit = upload.commit_refusal(preview, clean_only) is None
    if st.button(t("3. บันทึกข้อมูล", "3. Commit"), type="primary", disabled=not can_commit):
        commit_preview(s, user, preview, clean_only)


def commit_preview(s: Store, user, preview, clean_only: bool) -> None:
    """Commit atomically for the account (rights checked in lib).

    No cache is cleared: cached figures are keyed by the data version, which the
    commit changes, so every page recomputes what the new batch touches.
    """
    from lib.services import auth, upload

    try:
        batch = upload.commit_as(
            s, user, preview, clean_rows_only=clean_only, origin=client_origin()
        )
    except auth.PermissionDenied as exc:
        st.error(message(exc))
        return
    st.session_state.pop("upload_preview", None)
    if batch is None:
        st.info(t("ไม่มีค่าใดเปลี่ยนแปลง", "Nothing changed: every value is already stored"))
    else:
        st.success(t(f"บันทึกแล้ว ชุดที่ {batch}", f"Committed as batch {batch}"))


def batch_history(s: Store, user, action: str = "undo") -> None:
    """The agency's batches, newest first, with undo (or verify) of one batch."""
    from lib.services import auth, upload

    batches = s.batches(user.agency_code if user.role != "admin" else None)
    batches = batches[batches["kind"].isin(["upload", "verify", "undo"])]
    if batches.empty:
        st.caption(t("ยังไม่มีการนำเข้า", "No batches yet"))
        return
    cols = [
        "batch_id",
        "kind",
        "username",
        "file_name",
        "created_at",
        "n_new",
        "n_changed",
        "n_unchanged",
        "n_rejected",
        "status",
    ]
    st.dataframe(batches[cols], hide_index=True, width="stretch")
    open_ids = batches.loc[batches["status"] == "committed", "batch_id"].tolist()
    if not open_ids:
        return
    chosen = st.selectbox(t("ชุดข้อมูล", "Batch"), open_ids, key=f"{action}_batch")
    if action == "undo" and st.button(t("ยกเลิกชุดนี้ (คืนค่าเดิม)", "Undo this batch")):
        try:
            result = upload.undo_as(s, user, int(chosen), origin=client_origin())
        except auth.PermissionDenied as exc:
            st.error(message(exc))
            return
        except ValueError as exc:
            st.error(t(f"ยกเลิกชุดที่ {chosen} ไม่ได้: {exc}", f"Batch {chosen} cannot be undone: {exc}"))
            return
        st.success(
            t(
                f"ยกเลิกชุดที่ {chosen} แล้ว คืนค่าเดิม {result['restored']} ค่า",
                f"Batch {chosen} undone: {result['restored']} values restored",
            )
        )


def verify_batch(s: Store, user, batch_id: int, status: str) -> None:
    """Verify or reject the submitted values of one batch (the owner agency's verifier)."""
    from lib.services import auth, upload

    try:
        n, done = upload.verify_as(s, user, batch_id, status, origin=client_origin())
    except auth.PermissionDenied as exc:
        st.error(message(exc))
        return
    if not done:
        st.info(t("ไม่มีค่าที่รอตรวจสอบ", "No submitted values left"))
    elif status == "verified":
        st.success(t(f"รับรองแล้ว {n} ค่า", f"{n} values verified"))
    else:
        st.success(t(f"ปฏิเสธแล้ว {n} ค่า", f"{n} values rejected"))

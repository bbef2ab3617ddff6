"""Templates, file check and preview, commit, batch history, undo and verification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import i18n, settings
from lib.store import Store
from lib.ui.core import (
    client_origin,
    data_version,
    done,
    fmt_int,
    lang,
    message,
    name_col,
    show_flash,
    show_table,
    t,
    table,
)


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
    every = form != "wide_periods" and user.agency_code  # an administrator has no agency
    options = [None, *own["code"]] if every else list(own["code"])
    labels = {None: t("ทุกรายการของหน่วยงาน", "All the agency's items")}
    labels.update(zip(own["code"], own.apply(item_label, axis=1), strict=True))
    item = st.selectbox(t("รายการข้อมูล", "Data item"), options, format_func=labels.get)
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


PREVIEW = "upload_preview"  # {"key": (checksum, item, period), "version", "preview", "batch"}


@st.cache_data(show_spinner=False)
def _reading(_s: Store, version: str, language: str) -> tuple[dict, dict]:
    """(item code -> frequency, area code -> name in the language), to show periods and areas."""
    cat = _s.catalog()
    areas = _s.areas()
    names = dict(zip(areas["code"], areas[i18n.pick_column("name", language)], strict=True))
    return dict(zip(cat["code"], cat["frequency"], strict=True)), names


def reading(s: Store) -> dict:
    """Options of lib.views.tables.display_table for cells: BE periods and area names."""
    frequencies, names = _reading(s, data_version(s), lang())
    return {"frequencies": frequencies, "area_names": names}


def _kept_preview(s: Store, key: tuple):
    """The session's preview of this file, while it still tells the truth.

    A committed preview stays (it says what was committed) until its batch is
    undone; an uncommitted one is re-read when the stored data changed.
    """
    state = st.session_state.get(PREVIEW)
    if state is None or state["key"] != key:
        return None
    if state.get("batch") is not None:
        record = s.batch(state["batch"])
        return state["preview"] if record and record["status"] == "committed" else None
    return state["preview"] if state["version"] == data_version(s) else None


def committed_batch(preview) -> int | None:
    """The batch this session committed the previewed file as, or None."""
    state = st.session_state.get(PREVIEW)
    return state.get("batch") if state and state["preview"] is preview else None


def old_years_label() -> str:
    """The upload's confirmation of periods before the configured Buddhist year."""
    from lib.core import limits

    year = limits.current().confirm_years_before
    return t(
        f"ยืนยันงวดก่อนปี พ.ศ. {year} (ไฟล์มีข้อมูลย้อนหลังจริง)",
        f"Confirm periods before {year} BE ({year - 543} CE): the file really holds old data",
    )


def upload_preview(
    s: Store, data: bytes, file_name: str, item: str | None, period: str | None, old_years=False
):
    """Read, validate and compare a file once per (file, options); kept in the session."""
    from lib.services import upload

    key = (upload.checksum(data), item, period, old_years)
    kept = _kept_preview(s, key)
    if kept is not None:
        return kept
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
        confirm_old_years=old_years,
        progress=lambda fraction, stage: bar.progress(fraction, text=stages[stage]),
    )
    state = {"key": key, "version": data_version(s), "preview": preview, "batch": None}
    st.session_state[PREVIEW] = state
    return preview


def forget_upload() -> None:
    """No file in the uploader: forget its preview (and that it was committed)."""
    st.session_state.pop(PREVIEW, None)


def show_preview(s: Store, preview) -> None:
    """Counts, the problems (row, column, value, reason) and the rows by kind of change."""
    from lib.views.tables import problems_table

    c = preview.counts
    cols = st.columns(5)
    cols[0].metric(t("ค่าใหม่", "New"), fmt_int(c["new"]))
    cols[1].metric(t("เปลี่ยนแปลง", "Changed"), fmt_int(c["changed"]))
    cols[2].metric(t("เท่าเดิม", "Unchanged"), fmt_int(c["unchanged"]))
    cols[3].metric(t("แถวที่มีปัญหา", "Rejected rows"), fmt_int(c["rejected"]))
    cols[4].metric(t("ค่ากระโดดผิดปกติ", "Unusual jumps"), fmt_int(c["flagged"]))
    if preview.result.problems:
        st.subheader(t("รายงานการตรวจสอบ", "Validation report"))
        table(problems_table(preview.result.problems_frame(lang()), lang()))
    shown = ["item_code", "area_code", "period", "old_value", "value", "jump_size", "jump", "note"]
    tabs = st.tabs([t("ใหม่", "New"), t("เปลี่ยนแปลง", "Changed"), t("เท่าเดิม", "Unchanged")])
    for tab, kind in zip(tabs, ("new", "changed", "unchanged"), strict=True):
        with tab:
            show_table(preview.rows(kind), shown, **reading(s))


def commit_controls(s: Store, user, preview) -> None:
    """Why a file with problems commits nothing, the clean-rows-only choice, the commit button.

    Once committed, the page says so and the button stays disabled.
    """
    from lib.services import upload

    show_flash("commit")
    label = t("3. บันทึกข้อมูล", "3. Commit")
    batch = committed_batch(preview)
    if batch is not None:
        st.success(t(f"บันทึกแล้ว ชุดที่ {batch}", f"Committed as batch {batch}"))
        st.button(label, type="primary", disabled=True)
        return
    refusal = upload.commit_refusal(preview)
    clean_only = False
    if refusal is not None:
        st.error(message(refusal))
        clean_only = st.checkbox(t("บันทึกเฉพาะแถวที่ถูกต้อง", "Commit only the rows without problems"))
    nothing = preview.counts["new"] + preview.counts["changed"] == 0
    if nothing:
        st.info(t("ไม่มีค่าใหม่หรือค่าที่เปลี่ยนแปลง", "Nothing to commit: no new or changed values"))
    can_commit = upload.commit_refusal(preview, clean_only) is None and not nothing
    if st.button(label, type="primary", disabled=not can_commit):
        commit_preview(s, user, preview, clean_only)


def commit_preview(s: Store, user, preview, clean_only: bool) -> None:
    """Commit atomically for the account (rights checked in lib), then rerun to show it.

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
    if batch is None:
        done(
            "commit",
            "info",
            t("ไม่มีค่าใดเปลี่ยนแปลง", "Nothing changed: every value is already stored"),
        )
    state = st.session_state.get(PREVIEW)
    if state is not None and state["preview"] is preview:
        state["batch"] = int(batch)
    st.rerun()


BATCH_COLUMNS = [
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


def batch_history(s: Store, user, action: str = "undo") -> None:
    """The agency's batches (all, for an administrator), newest first, with undo of one batch."""
    from lib.services import auth, upload

    show_flash("history")
    everyone = user.role == "admin"
    batches = s.batches(None if everyone else user.agency_code)
    batches = batches[batches["kind"].isin(["upload", "verify", "undo"])]
    if batches.empty:
        st.caption(t("ยังไม่มีการนำเข้า", "No batches yet"))
        return
    show_table(batches, [*BATCH_COLUMNS, "agency_code"] if everyone else BATCH_COLUMNS)
    undoable = (batches["status"] == "committed") & batches["kind"].isin(["upload", "verify"])
    open_ids = batches.loc[undoable, "batch_id"].tolist()
    if not open_ids:
        return
    shown = {b: t(f"ชุดที่ {b}", f"Batch {b}") for b in open_ids}
    chosen = st.selectbox(
        t("ชุดข้อมูล", "Batch"), open_ids, format_func=shown.get, key=f"{action}_batch"
    )
    if action == "undo" and st.button(t("ยกเลิกชุดนี้ (คืนค่าเดิม)", "Undo this batch")):
        try:
            result = upload.undo_as(s, user, int(chosen), origin=client_origin())
        except auth.PermissionDenied as exc:
            st.error(message(exc))
            return
        except ValueError as exc:
            st.error(t(f"ยกเลิกชุดที่ {chosen} ไม่ได้: {exc}", f"Batch {chosen} cannot be undone: {exc}"))
            return
        done(
            "history",
            "success",
            t(
                f"ยกเลิกชุดที่ {chosen} แล้ว คืนค่าเดิม {result['restored']} ค่า",
                f"Batch {chosen} undone: {result['restored']} values restored",
            ),
        )


VERIFY_COLUMNS = ["item_code", "area_code", "period", "value", "status", "submitted_by", "note"]


def verify_section(s: Store, user) -> None:
    """Committed upload batches of the agency, one batch's cells and verify / reject buttons.

    The chosen batch stays chosen after an action, so its table shows the new
    status; the buttons are disabled once no value of it waits for a verifier.
    """
    show_flash("verify")
    batches = s.batches(None if user.role == "admin" else user.agency_code)
    pending = batches[(batches["kind"] == "upload") & (batches["status"] == "committed")]
    if pending.empty:
        st.info(t("ไม่มีชุดข้อมูลที่รอตรวจสอบ", "No batches waiting for verification"))
        return
    shown = {
        b: t(f"ชุดที่ {b} {name}", f"Batch {b} {name}")
        for b, name in zip(pending["batch_id"], pending["file_name"].fillna(""), strict=True)
    }
    batch_id = st.selectbox(
        t("ชุดข้อมูล", "Batch"), list(shown), format_func=shown.get, key="verify_batch"
    )
    cells = s.batch_cells(int(batch_id))
    show_table(cells, VERIFY_COLUMNS, **reading(s))
    waiting = int((cells["status"] == "submitted").sum())
    if waiting == 0:
        st.caption(t("ชุดนี้ไม่มีค่าที่รอตรวจสอบแล้ว", "No value of this batch waits for verification"))
    c1, c2 = st.columns(2)
    if c1.button(t("รับรองทั้งชุด", "Verify the batch"), type="primary", disabled=not waiting):
        verify_batch(s, user, int(batch_id), "verified")
    if c2.button(t("ปฏิเสธทั้งชุด", "Reject the batch"), disabled=not waiting):
        verify_batch(s, user, int(batch_id), "rejected")


def verify_batch(s: Store, user, batch_id: int, status: str) -> None:
    """Verify or reject a batch's submitted values (the owner agency's verifier), then rerun."""
    from lib.services import auth, upload

    try:
        n, verified = upload.verify_as(s, user, batch_id, status, origin=client_origin())
    except auth.PermissionDenied as exc:
        st.error(message(exc))
        return
    if not verified:
        done("verify", "info", t("ไม่มีค่าที่รอตรวจสอบ", "No submitted values left"))
    elif status == "verified":
        done("verify", "success", t(f"รับรองแล้ว {n} ค่า", f"{n} values verified"))
    else:
        done("verify", "success", t(f"ปฏิเสธแล้ว {n} ค่า", f"{n} values rejected"))

"""Templates, file check and preview, jumps, quality warnings, commit, batch history and undo.

The mapping step is lib.ui.mapping, saved layouts lib.ui.layouts and the
verifier's page lib.ui.verify.
"""

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
from lib.ui.kept import shared


# -- upload and verification ---
@shared
@st.cache_resource(max_entries=8, show_spinner=False)
def catalog(_s: Store, version: str) -> pd.DataFrame:
    """The catalogue (cached per data version)."""
    return _s.catalog()


def visible_catalog(s: Store, user) -> pd.DataFrame:
    """Items this account may read (lib.services.catalogue.readable_items, through
    lib.ui.viewer.readable_codes_for: worked out once per data version and account)."""
    from lib.ui.viewer import readable_codes_for

    version = data_version(s)
    return catalog_of(s, version, readable_codes_for(s, version, user))


def catalog_of(s: Store, version: str, codes: tuple[str, ...] | None) -> pd.DataFrame:
    """The catalogue's items among `codes` (None: every item)."""
    every = catalog(s, version)
    return every if codes is None else every[every["code"].isin(codes)]


def visible_kpis(s: Store, user, kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs this account may read (lib.services.catalogue.kpis_on_readable)."""
    from lib.services import catalogue

    return catalogue.kpis_on_readable(kpis, visible_catalog(s, user))


def item_label(row) -> str:
    """'CODE name' in the current language."""
    return f"{row['code']} {row[name_col()]}"


def _template_choices(own: pd.DataFrame, agency: str | None) -> tuple:
    """(form, item codes, period from, period to, row order) as the user chose them."""
    forms = {
        "long": t("แบบยาว (รายการ พื้นที่ งวด ค่า)", "Long (item, area, period, value)"),
        "wide_periods": t("พื้นที่ x งวด", "Areas x periods"),
        "wide_items": t("พื้นที่ x รายการ", "Areas x items"),
    }
    form = st.radio(t("รูปแบบ", "Form"), list(forms), format_func=forms.get, horizontal=True)
    labels = dict(zip(own["code"], own.apply(item_label, axis=1), strict=True))
    every = bool(agency)  # an administrator has no agency: picks items
    chosen = st.multiselect(
        t("รายการข้อมูล (ไม่เลือก = ทุกรายการของหน่วยงาน)", "Data items (none = all the agency's)")
        if every
        else t("รายการข้อมูล", "Data items"),
        list(own["code"]),
        default=[] if every or own.empty else [own["code"].iloc[0]],
        format_func=labels.get,
        key="template_items",
    )
    c1, c2, c3 = st.columns(3)
    period_from = c1.text_input(
        t("ตั้งแต่งวด เช่น ต.ค. 2566 หรือ 2566", "From period, e.g. 2023-10 or 2566"),
        key="template_from",
        help=t("ว่าง = งวดที่ถึงกำหนดของปีงบประมาณนี้", "Empty: the due periods of this fiscal year"),
    )
    period_to = c2.text_input(t("ถึงงวด", "To period"), key="template_to")
    orders = {"name": t("ชื่อพื้นที่", "Area name"), "code": t("รหัสพื้นที่", "Area code")}
    order = c3.radio(t("เรียงแถวตาม", "Rows by"), list(orders), format_func=orders.get)
    return form, chosen, period_from.strip() or None, period_to.strip() or None, order


def template_downloads(s: Store, user) -> None:
    """Several items of the account's agency, a period range in any spelling, rows by name.

    Downloads the template as CSV (UTF-8 BOM) or XLSX (lib.ingest.templates);
    a period or choice the template cannot take is a message, not a traceback.
    """
    from lib.ingest import templates

    cat = catalog(s, data_version(s))
    own = cat[cat["owner_agency"] == user.agency_code] if user.agency_code else cat
    form, chosen, period_from, period_to, order = _template_choices(own, user.agency_code)
    if not chosen and not user.agency_code:
        st.info(t("เลือกรายการข้อมูลก่อน", "Choose the data items first"))
        return
    province = user.area_code if user.area_code and len(user.area_code) == 2 else None
    try:
        frame = templates.template_frame(
            cat,
            s.areas(),
            form=form,
            items=chosen or None,
            agency=user.agency_code,
            period_from=period_from,
            period_to=period_to,
            order=order,
            as_of=settings.today(),
            province=province,
            lang=lang(),
        )
    except ValueError as exc:  # InputError too: a period or a choice that does not fit
        st.error(message(exc))
        return
    name = f"template-{form}-{'-'.join(chosen[:3]) or user.agency_code or 'all'}"
    c1, c2 = st.columns(2)
    c1.download_button("CSV", templates.to_csv_bytes(frame), f"{name}.csv", "text/csv")
    c2.download_button(
        "XLSX",
        templates.to_xlsx_bytes(frame),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    st.caption(t(f"{len(frame):,} แถว", f"{len(frame):,} rows"))


PREVIEW = "upload_preview"  # {"key": (checksum, options, layout), "version", "preview", "batch"}


@st.cache_data(max_entries=8, show_spinner=False)
def _reading(_s: Store, version: str, language: str) -> tuple[dict, dict, dict]:
    """(item code -> frequency, area code -> name, item code -> name) in the language."""
    cat = _s.catalog()
    areas = _s.areas()
    names = dict(zip(areas["code"], areas[i18n.pick_column("name", language)], strict=True))
    items = dict(zip(cat["code"], cat[i18n.pick_column("name", language)], strict=True))
    return dict(zip(cat["code"], cat["frequency"], strict=True)), names, items


def reading(s: Store) -> dict:
    """Options of lib.views.tables.display_table: BE periods, area and item names."""
    frequencies, names, items = _reading(s, data_version(s), lang())
    return {"frequencies": frequencies, "area_names": names, "item_names": items}


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
    s: Store,
    user,
    data: bytes,
    file_name: str,
    item: str | None,
    period: str | None,
    old_years=False,
):
    """Read, validate and compare a file once per (file, options, layout); kept in the session.

    The layout is the mapping step's (lib.ui.mapping.chosen_layout): column
    roles, sheets and period rule the user chose, a saved layout forced, or
    the agency's saved layouts for lib to match by the file's header.
    """
    from lib.services import upload
    from lib.ui.mapping import chosen_layout

    digest = upload.checksum(data)
    layout, layouts = chosen_layout(s, user, digest)
    shape = (
        layout.to_json() + layout.name if layout else None,
        tuple(saved.name + saved.to_json() for saved in layouts),
    )
    key = (digest, item, period, old_years, shape)
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
        layout=layout,
        layouts=layouts,
    )
    state = {"key": key, "version": data_version(s), "preview": preview, "batch": None}
    st.session_state[PREVIEW] = state
    return preview


def forget_upload() -> None:
    """No file in the uploader: forget its preview, its mapping and that it was committed."""
    from lib.ui.mapping import forget_mapping

    st.session_state.pop(PREVIEW, None)
    forget_mapping()


def show_preview(s: Store, preview) -> None:
    """Counts, the problems (errors first), the unusual jumps, the data-quality warnings
    (lib.ui.quality), then the rows by kind of change."""
    from lib.ui.quality import upload_warnings
    from lib.views.tables import problems_table

    c = preview.counts
    result = preview.result
    cols = st.columns(4)
    cols[0].metric(t("ค่าใหม่", "New"), fmt_int(c["new"]))
    cols[1].metric(t("เปลี่ยนแปลง", "Changed"), fmt_int(c["changed"]))
    cols[2].metric(t("เท่าเดิม", "Unchanged"), fmt_int(c["unchanged"]))
    cols[3].metric(t("แถวที่มีปัญหา", "Rejected rows"), fmt_int(c["rejected"]))
    cols = st.columns(4)
    cols[0].metric(t("ค่ากระโดดผิดปกติ", "Unusual jumps"), fmt_int(c["flagged"]))
    cols[1].metric(t("แถวว่างของแบบฟอร์ม", "Blank template rows"), fmt_int(result.blank_rows))
    cols[2].metric(t("แถวยอดรวมที่แยกไว้", "Total rows set aside"), fmt_int(result.set_aside))
    cols[3].metric(t("คำเตือนคุณภาพข้อมูล", "Data-quality warnings"), fmt_int(c.get("quality", 0)))
    if result.problems:
        st.subheader(t("รายงานการตรวจสอบ", "Validation report"))
        table(problems_table(result.problems_frame(lang()), lang()))
    if c["flagged"]:
        st.subheader(t("ค่าที่กระโดดผิดปกติ (ตรวจก่อนบันทึก)", "Unusual jumps (check before committing)"))
        jumps = ["item_code", "area_code", "period", "old_value", "value"]
        show_table(preview.jumps(), jumps, key="upload_jumps", **reading(s))
    upload_warnings(s, preview)
    shown = ["item_code", "area_code", "period", "old_value", "value", "jump_size", "jump", "note"]
    tabs = st.tabs([t("ใหม่", "New"), t("เปลี่ยนแปลง", "Changed"), t("เท่าเดิม", "Unchanged")])
    for tab, kind in zip(tabs, ("new", "changed", "unchanged"), strict=True):
        with tab:
            show_table(preview.rows(kind), shown, **reading(s))


def commit_controls(s: Store, user, preview) -> None:
    """Why a file commits nothing, the clean-rows-only choice, the jumps' confirmation, the button.

    lib.services.upload.commit_refusal decides; once committed, the page says so
    and the button stays disabled.
    """
    from lib.services import upload

    show_flash("commit")
    label = t("3. บันทึกข้อมูล", "3. Commit")
    batch = committed_batch(preview)
    if batch is not None:
        st.success(t(f"บันทึกแล้ว ชุดที่ {batch}", f"Committed as batch {batch}"))
        st.button(label, type="primary", disabled=True)
        return
    clean_only = confirm_jumps = False
    problems = upload.commit_refusal(preview, confirm_jumps=True)  # the problems' refusal alone
    if problems is not None:
        st.error(message(problems))
        clean_only = st.checkbox(t("บันทึกเฉพาะแถวที่ถูกต้อง", "Commit only the rows without problems"))
    if preview.counts["flagged"]:
        n = fmt_int(preview.counts["flagged"])
        confirm_jumps = st.checkbox(
            t(
                f"ตรวจแล้ว ค่าที่กระโดดผิดปกติ {n} ค่าถูกต้อง ให้บันทึกได้",
                f"Checked: the {n} unusual jumps are right; commit them",
            ),
            key="confirm_jumps",
        )
    nothing = preview.counts["new"] + preview.counts["changed"] == 0
    if nothing:
        st.info(t("ไม่มีค่าใหม่หรือค่าที่เปลี่ยนแปลง", "Nothing to commit: no new or changed values"))
    refusal = upload.commit_refusal(preview, clean_only, confirm_jumps=confirm_jumps)
    if st.button(label, type="primary", disabled=refusal is not None or nothing):
        commit_preview(s, user, preview, clean_only, confirm_jumps)


def commit_preview(s: Store, user, preview, clean_only: bool, confirm_jumps: bool = False) -> None:
    """Commit atomically for the account (rights checked in lib), then rerun to show it.

    No cache is cleared: cached figures are keyed by the data version, which the
    commit changes, so every page recomputes what the new batch touches.
    """
    from lib.services import auth, upload

    try:
        batch = upload.commit_as(
            s,
            user,
            preview,
            clean_rows_only=clean_only,
            confirm_jumps=confirm_jumps,
            origin=client_origin(),
        )
    except (auth.PermissionDenied, upload.UploadRejected) as exc:
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

"""The Verify page: each submitted value a verifier may judge, verified or rejected by choice.

lib.services.upload.submitted_values lists the values the account may verify
(item, area, period, value, old value, jump flag, who sent it and when);
the verifier filters them by batch, item and area, picks rows of the table
(or takes the whole filtered list, or a whole batch) and verifies or rejects
them through lib.services.upload.verify_values_as. Every action reruns, so the
table shows the new state.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.store import Store
from lib.ui.core import client_origin, done, fmt_int, lang, message, name_col, show_flash, t
from lib.ui.upload import reading

VALUE_COLUMNS = [
    "batch_id",
    "item_name",
    "area_name",
    "period",
    "value",
    "old_value",
    "jump",
    "note",
    "submitted_by",
    "submitted_at",
]
BATCH_COLUMNS = ["item_code", "area_code", "period", "value", "status", "submitted_by", "note"]
GENERATION = "verify_generation"  # a new table (no rows picked) after every filter or action


def _pick_key() -> str:
    return f"verify_pick_{st.session_state.get(GENERATION, 0)}"


def _new_table() -> None:
    """Forget the rows picked: the filters or the values changed."""
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1


def values_table(s: Store, values: pd.DataFrame) -> pd.DataFrame:
    """The values as the verifier reads them: names, BE periods, yes/no jumps, Thai headers."""
    from lib.views.tables import display_table

    named = values.assign(
        item_name=values[name_col("item_name")], area_name=values[name_col("area_name")]
    )
    return display_table(named, VALUE_COLUMNS, lang(), frequencies=reading(s)["frequencies"])


def _batches(s: Store, user, values: pd.DataFrame) -> dict[int, str]:
    """Batch id -> file name: the committed uploads of the agency (all, for an administrator)
    and every batch a waiting value came from, newest first."""
    batches = s.batches(None if user.role == "admin" else user.agency_code)
    files = dict(zip(batches["batch_id"], batches["file_name"].fillna(""), strict=True))
    open_ = batches[(batches["kind"] == "upload") & (batches["status"] == "committed")]
    ids = {int(b) for b in open_["batch_id"]} | {int(b) for b in values["batch_id"]}
    return {b: files.get(b, "") for b in sorted(ids, reverse=True)}


def _filters(
    files: dict[int, str], values: pd.DataFrame
) -> tuple[int | None, str | None, str | None]:
    """Batch, item and area to narrow the list to (None: every one)."""
    ids = list(files)
    items = dict(zip(values["item_code"], values[name_col("item_name")], strict=False))
    areas = dict(zip(values["area_code"], values[name_col("area_name")], strict=False))
    every = t("ทั้งหมด", "All")
    c1, c2, c3 = st.columns(3)
    batch = c1.selectbox(
        t("ชุดข้อมูล", "Batch"),
        [None, *ids],
        format_func=lambda b: (
            every if b is None else f"{t(f'ชุดที่ {b}', f'Batch {b}')} {files[b]}".strip()
        ),
        key="verify_batch",
        on_change=_new_table,
    )
    item = c2.selectbox(
        t("รายการข้อมูล", "Data item"),
        [None, *sorted(items)],
        format_func=lambda c: every if c is None else f"{c} {items[c]}",
        key="verify_item",
        on_change=_new_table,
    )
    area = c3.selectbox(
        t("พื้นที่", "Area"),
        [None, *sorted(areas)],
        format_func=lambda c: every if c is None else str(areas[c]),
        key="verify_area",
        on_change=_new_table,
    )
    return batch, item, area


def verify_section(s: Store, user) -> None:
    """Submitted values with filters, row picking and verify / reject of the picked or all shown."""
    from lib.core.exporting import neutralise_frame
    from lib.services import upload

    show_flash("verify")
    everything = upload.submitted_values(s, user)
    files = _batches(s, user, everything)
    if not files:
        st.info(t("ไม่มีค่าที่รอตรวจสอบ", "No values waiting for verification"))
        return
    batch, item, area = _filters(files, everything)
    values = upload.submitted_values(s, user, batch_id=batch, item_code=item, area_code=area)
    values = values.reset_index(drop=True)
    st.caption(
        t(
            f"ค่าที่รอตรวจสอบ {fmt_int(len(values))} ค่า เลือกแถวเพื่อรับรองหรือปฏิเสธเฉพาะค่าที่เลือก",
            f"{fmt_int(len(values))} values wait for a verifier; pick rows to judge only those",
        )
    )
    event = st.dataframe(
        neutralise_frame(values_table(s, values)),
        hide_index=True,
        width="stretch",
        placeholder="",
        on_select="rerun",
        selection_mode="multi-row",
        key=_pick_key(),
    )
    picked = values.iloc[list(event.selection.rows)] if event is not None else values.iloc[[]]
    n = fmt_int(len(picked))
    c1, c2, c3, c4 = st.columns(4)
    if c1.button(t(f"รับรองที่เลือก ({n})", f"Verify picked ({n})"), disabled=picked.empty):
        verify_values(s, user, picked, "verified")
    if c2.button(t(f"ปฏิเสธที่เลือก ({n})", f"Reject picked ({n})"), disabled=picked.empty):
        verify_values(s, user, picked, "rejected")
    m = fmt_int(len(values))
    if c3.button(t(f"รับรองทั้งหมดที่แสดง ({m})", f"Verify all shown ({m})"), disabled=values.empty):
        verify_values(s, user, values, "verified")
    if c4.button(t(f"ปฏิเสธทั้งหมดที่แสดง ({m})", f"Reject all shown ({m})"), disabled=values.empty):
        verify_values(s, user, values, "rejected")
    if batch is not None:
        batch_section(s, user, int(batch))


def batch_section(s: Store, user, batch_id: int) -> None:
    """One batch's cells with their status, and verify / reject of the whole batch."""
    from lib.ui.core import show_table

    st.subheader(t(f"ชุดที่ {batch_id} ทั้งชุด", f"Batch {batch_id} as a whole"))
    cells = s.batch_cells(batch_id)
    show_table(cells, BATCH_COLUMNS, key="verify_batch_cells", **reading(s))
    waiting = int((cells["status"] == "submitted").sum())
    c1, c2 = st.columns(2)
    if c1.button(t("รับรองทั้งชุด", "Verify the batch"), type="primary", disabled=not waiting):
        verify_batch(s, user, batch_id, "verified")
    if c2.button(t("ปฏิเสธทั้งชุด", "Reject the batch"), disabled=not waiting):
        verify_batch(s, user, batch_id, "rejected")


def _said(n: int, status: str) -> str:
    """What a verification did, in words."""
    if status == "verified":
        return t(f"รับรองแล้ว {n} ค่า", f"{n} values verified")
    return t(f"ปฏิเสธแล้ว {n} ค่า", f"{n} values rejected")


def verify_values(s: Store, user, cells: pd.DataFrame, status: str) -> None:
    """Verify or reject exactly these values (lib checks the rights), then rerun."""
    from lib.services import auth, upload

    try:
        total, _ = upload.verify_values_as(
            s,
            user,
            None,
            status,
            cells=cells[["item_code", "area_code", "period"]],
            origin=client_origin(),
        )
    except (auth.PermissionDenied, ValueError) as exc:
        st.error(message(exc))
        return
    _new_table()
    done("verify", "success", _said(total, status))


def verify_batch(s: Store, user, batch_id: int, status: str) -> None:
    """Verify or reject a batch's submitted values (the owner agency's verifier), then rerun."""
    from lib.services import auth, upload

    try:
        n, verified = upload.verify_as(s, user, batch_id, status, origin=client_origin())
    except auth.PermissionDenied as exc:
        st.error(message(exc))
        return
    _new_table()
    if not verified:
        done("verify", "info", t("ไม่มีค่าที่รอตรวจสอบ", "No submitted values left"))
    done("verify", "success", _said(n, status))

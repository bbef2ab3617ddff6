"""Integration feeds on screen: the administrator's tab (define, health, runs, run now, stop)
and the cockpit's line of feeds that fail or are late (lib.services.feeds)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from lib.store import Store
from lib.ui.core import client_origin, done, lang, message, show_flash, t, table

HEALTH_WORDS = {
    "ok": ("ปกติ", "OK"),
    "failing": ("ล้มเหลว (รอลองใหม่)", "Failing (backing off)"),
    "late": ("ล่าช้า", "Late"),
    "waiting": ("ยังไม่เคยดึง", "Not run yet"),
}
STATUS_WORDS = {
    "committed": ("บันทึกแล้ว", "Committed"),
    "unchanged": ("ไม่มีค่าใหม่", "Nothing new"),
    "rejected": ("ปฏิเสธไฟล์", "Rejected"),
    "refused": ("ไม่มีสิทธิ์", "Refused"),
    "error": ("ผิดพลาด", "Error"),
}


def _word(words: dict, key) -> str:
    pair = words.get(key)
    return t(*pair) if pair else ("" if key is None or pd.isna(key) else str(key))


def _feeds_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("รหัส", "Id"): frame["id"],
            t("ชื่อ", "Name"): frame["name"],
            t("หน่วยงาน", "Agency"): frame["agency_code"],
            t("แหล่ง", "Source"): frame["kind"] + ": " + frame["source"],
            t("รูปแบบไฟล์", "Layout"): frame["layout_name"],
            t("บัญชี", "Account"): frame["username"],
            t("ทุก (นาที)", "Every (min)"): frame["every_minutes"],
            t("สถานะ", "Health"): [_word(HEALTH_WORDS, h) for h in frame["health"]],
            t("ดึงล่าสุด", "Last run"): frame["last_run_at"],
            t("ผลล่าสุด", "Last result"): [_word(STATUS_WORDS, s) for s in frame["last_status"]],
            t("ครั้งต่อไป", "Next run"): frame["next_due_at"],
        }
    )


def _runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    key = "th" if lang() == "th" else "en"
    return pd.DataFrame(
        {
            t("การเชื่อมโยง", "Feed"): runs["feed_id"],
            t("เริ่ม", "Started"): runs["started_at"],
            t("ผล", "Result"): [_word(STATUS_WORDS, s) for s in runs["status"]],
            t("ไฟล์", "File"): runs["file_name"],
            t("แถว", "Rows"): runs["n_rows"],
            t("ใหม่", "New"): runs["n_new"],
            t("เปลี่ยน", "Changed"): runs["n_changed"],
            t("ปฏิเสธ", "Rejected"): runs["n_rejected"],
            t("ปัญหา", "Errors"): [
                " | ".join(e.get(key, "") for e in errs) for errs in runs["errors"]
            ],
        }
    )


def feeds_admin(s: Store, admin) -> None:
    """The feeds with their health and last run, the newest runs, add, run now, stop."""
    from lib.services import feeds

    show_flash("feeds")
    listed = feeds.listed(s, datetime.now())
    if listed.empty:
        st.info(t("ยังไม่มีการเชื่อมโยงข้อมูล", "No integration feeds yet"))
    else:
        for row in listed[listed["health"].isin(["failing", "late"])].to_dict("records"):
            health = _word(HEALTH_WORDS, row["health"])
            st.warning(f"{row['name']} ({row['agency_code']}): {health} {row['last_error'] or ''}")
        table(_feeds_table(listed), key="feeds_table")
        _feed_actions(s, admin, listed)
    runs = feeds.runs(s, limit=20)
    if not runs.empty:
        st.markdown(t("**การดึงข้อมูลล่าสุด**", "**Latest runs**"))
        table(_runs_table(runs), key="feed_runs_table")
    _add_form(s, admin)


def _feed_actions(s: Store, admin, listed: pd.DataFrame) -> None:
    """Run one feed now (in the app, its one writing process) or stop it."""
    from lib.services import auth, feeds

    names = dict(zip(listed["id"].astype(int), listed["name"], strict=True))
    c1, c2, c3 = st.columns([3, 1, 1])
    chosen = c1.selectbox(t("การเชื่อมโยง", "Feed"), list(names), format_func=names.get)
    if c2.button(t("ดึงเดี๋ยวนี้", "Run now"), key="feed_run_now") and chosen is not None:
        runs = feeds.run_due(s, feed_id=int(chosen))
        states = ", ".join(_word(STATUS_WORDS, r["status"]) for r in runs) or t(
            "ไม่มีไฟล์ใหม่", "no new file"
        )
        done("feeds", "info", f"{names[chosen]}: {states}")
    if c3.button(t("หยุด", "Stop"), key="feed_stop") and chosen is not None:
        try:
            feeds.remove(s, admin, int(chosen), client_origin())
        except (auth.PermissionDenied, ValueError) as exc:
            st.error(message(exc))
        else:
            done("feeds", "success", t(f"หยุด {names[chosen]} แล้ว", f"{names[chosen]} stopped"))


def _add_form(s: Store, admin) -> None:
    """Define a feed: agency, inbox folder or URL, saved layout, account, interval."""
    from lib.services import auth, feeds

    with st.form("feed_add", clear_on_submit=True):
        st.markdown(t("**เพิ่มการเชื่อมโยงข้อมูล**", "**Add an integration feed**"))
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("ชื่อ", "Name"))
        agency = c2.text_input(t("รหัสหน่วยงาน (เช่น PTO)", "Agency code (e.g. PTO)"))
        kinds = {"url": t("ที่อยู่ URL", "URL"), "inbox": t("โฟลเดอร์รับไฟล์", "Inbox folder")}
        kind = c3.selectbox(t("ชนิด", "Kind"), list(kinds), format_func=kinds.get)
        source = c1.text_input(t("URL หรือโฟลเดอร์", "URL or folder"))
        layout = c2.text_input(t("รูปแบบไฟล์ที่บันทึกไว้", "Saved layout"))
        account = c3.text_input(t("บัญชีที่ใช้บันทึก", "Account it writes as"))
        every = c1.number_input(t("ดึงทุกกี่นาที", "Every (minutes)"), 1, 44640, 60)
        if st.form_submit_button(t("เพิ่ม", "Add")):
            try:
                feeds.add(
                    s,
                    admin,
                    name=name,
                    agency_code=agency,
                    kind=kind,
                    source=source,
                    layout_name=layout,
                    username=account,
                    every_minutes=int(every),
                    origin=client_origin(),
                )
            except (auth.PermissionDenied, ValueError) as exc:  # bad input is a ValueError
                st.error(message(exc))
            else:
                done("feeds", "success", t(f"เพิ่ม {name} แล้ว", f"{name} added"))


def feed_health_line(s: Store) -> None:
    """One warning on the cockpit naming the feeds that fail or are late (nothing otherwise)."""
    from lib.services import feeds

    trouble = feeds.troubled(s, datetime.now())
    if trouble.empty:
        return
    shown = ", ".join(
        f"{row['name']} ({_word(HEALTH_WORDS, row['health'])})"
        for row in trouble.to_dict("records")
    )
    st.warning(t(f"การเชื่อมโยงข้อมูลที่มีปัญหา: {shown}", f"Integration feeds in trouble: {shown}"))

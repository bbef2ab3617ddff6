"""Administration: accounts, audit log and backups."""

from __future__ import annotations

import streamlit as st

from lib.core import thaicalendar as tc
from lib.store import Store
from lib.ui.core import client_origin, lang, message, t


# -- administration ---
def users_admin(s: Store, admin) -> None:
    """Accounts: list (never hashes), add, disable; every change is audited."""
    from lib.services import auth

    st.dataframe(auth.users_frame(s), hide_index=True, width="stretch")
    with st.form("user_add", clear_on_submit=True):
        st.markdown(t("**เพิ่มผู้ใช้**", "**Add an account**"))
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("ชื่อผู้ใช้", "User name"))
        role = c2.selectbox(t("บทบาท", "Role"), list(auth.ROLES))
        agency = c3.text_input(t("รหัสหน่วยงาน (เช่น PSO)", "Agency code (e.g. PSO)")) or None
        area = c1.text_input(t("พื้นที่ (รหัสจังหวัดหรือกลุ่มจังหวัด)", "Area code")) or None
        display = c2.text_input(t("ชื่อที่แสดง", "Display name")) or None
        password = c3.text_input(t("รหัสผ่านเริ่มต้น", "Initial password"), type="password")
        if st.form_submit_button(t("เพิ่ม", "Add")):
            try:
                auth.add_user(
                    s,
                    name,
                    role,
                    password,
                    actor=admin,
                    origin=client_origin(),
                    agency_code=agency,
                    area_code=area,
                    display_name=display,
                )
                st.success(t(f"เพิ่ม {name} แล้ว", f"{name} added"))
            except (auth.PermissionDenied, ValueError) as exc:  # bad input is a ValueError
                st.error(message(exc))
    active = auth.users_frame(s).query("is_active")["username"].tolist()
    c1, c2 = st.columns([3, 1])
    who = c1.selectbox(t("ระงับบัญชี", "Disable an account"), active, key="disable_who")
    if c2.button(t("ระงับ", "Disable")) and who:
        try:
            auth.disable_user(s, who, actor=admin, origin=client_origin())
            st.success(t(f"ระงับ {who} แล้ว", f"{who} disabled"))
        except (auth.PermissionDenied, ValueError) as exc:
            st.error(message(exc))


def audit_admin(s: Store) -> None:
    """Filter and export the audit log (read-only: the app has no way to edit it)."""
    from lib.core.exporting import neutralise_frame, safe_csv_bytes

    c1, c2, c3, c4 = st.columns(4)
    who = c1.text_input(t("ผู้ใช้", "User")) or None
    action = c2.text_input(t("การกระทำ (เช่น upload)", "Action (e.g. upload)")) or None
    since = c3.date_input(t("ตั้งแต่", "Since"), value=None)
    until = c4.date_input(t("ถึง", "Until"), value=None)
    log = s.audit_log_filtered(username=who, action=action, since=since, until=until)
    # the table's own CSV download exports what it shows: shown neutralised too
    st.dataframe(neutralise_frame(log), hide_index=True, width="stretch")
    st.download_button(
        t("ส่งออก CSV", "Export CSV"), safe_csv_bytes(log), "audit-log.csv", "text/csv"
    )


@st.cache_data(show_spinner=False)
def _last_good_backup(root: str, listing: tuple[str, ...]):
    """The newest backup whose checksums hold; re-checked only when the folder changes."""
    from lib.services import backup

    return backup.last_good_backup(root)


def backups_admin(s: Store, admin) -> None:
    """When the last good backup was made, a warning when it is too old, and backup now."""
    from lib.core.settings import BACKUP_KEEP, BACKUP_STALE_HOURS, backup_dir
    from lib.services import auth, backup

    root = backup_dir()
    last = _last_good_backup(str(root), tuple(str(p) for p, _ in backup.list_backups(root)))
    when = None if last is None else last[1]
    if when is None:
        st.warning(t("ยังไม่มีข้อมูลสำรองที่ใช้ได้", "No good backup yet"))
    else:
        shown = f"{tc.thai_date(when.date(), lang=lang())} {when:%H:%M}"
        if backup.backup_is_stale(when, stale_after_hours=BACKUP_STALE_HOURS):
            st.warning(t(f"สำรองข้อมูลล่าสุดเมื่อ {shown}: เก่าเกินไป", f"Last backup {shown}: too old"))
        else:
            st.success(t(f"สำรองข้อมูลล่าสุดเมื่อ {shown}", f"Last good backup: {shown}"))
    st.caption(
        t(
            f"โฟลเดอร์: {root} (เก็บ {BACKUP_KEEP} ชุดล่าสุด)",
            f"Folder: {root} (keeps the last {BACKUP_KEEP})",
        )
    )
    if st.button(t("สำรองข้อมูลเดี๋ยวนี้", "Back up now")):
        try:
            auth.require(admin, "backup")
            result = backup.backup_store(
                s, root, BACKUP_KEEP, actor=admin.username, origin=client_origin()
            )
            st.success(t(f"สำรองข้อมูลแล้ว: {result.path}", f"Backup written: {result.path}"))
        except (auth.PermissionDenied, backup.BackupError, OSError) as exc:
            st.error(message(exc))

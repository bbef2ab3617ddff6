"""Administration: accounts, audit log and backups."""

from __future__ import annotations

import streamlit as st

from lib.core import thaicalendar as tc
from lib.store import Store
from lib.ui.core import client_origin, done, lang, message, show_flash, show_table, t

USER_COLUMNS = [
    "username",
    "display_name",
    "role",
    "agency_code",
    "area_code",
    "is_active",
    "failed_attempts",
    "locked_until",
    "created_at",
    "password_changed_at",
]
AUDIT_COLUMNS = ["occurred_at", "username", "action", "target", "detail", "origin"]


# -- administration ---
def users_admin(s: Store, admin) -> None:
    """Accounts: list (never hashes), add, disable; every change is audited and shown at once."""
    from lib.core.labels import cell_label
    from lib.services import auth

    show_flash("users")
    users = auth.users_frame(s)
    show_table(users, USER_COLUMNS)
    with st.form("user_add", clear_on_submit=True):
        st.markdown(t("**เพิ่มผู้ใช้**", "**Add an account**"))
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("ชื่อผู้ใช้", "User name"))
        roles = {r: cell_label("role", r, lang()) for r in auth.ROLES}
        role = c2.selectbox(t("บทบาท", "Role"), list(roles), format_func=roles.get)
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
            except (auth.PermissionDenied, ValueError) as exc:  # bad input is a ValueError
                st.error(message(exc))
            else:
                done("users", "success", t(f"เพิ่ม {name} แล้ว", f"{name} added"))
    active = users.query("is_active")["username"].tolist()
    c1, c2 = st.columns([3, 1])
    who = c1.selectbox(t("ระงับบัญชี", "Disable an account"), active, key="disable_who")
    if c2.button(t("ระงับ", "Disable")) and who:
        try:
            auth.disable_user(s, who, actor=admin, origin=client_origin())
        except (auth.PermissionDenied, ValueError) as exc:
            st.error(message(exc))
        else:
            done("users", "success", t(f"ระงับ {who} แล้ว", f"{who} disabled"))


def audit_admin(s: Store) -> None:
    """Filter and export the audit log (read-only: the app has no way to edit it)."""
    from lib.core.exporting import safe_csv_bytes

    c1, c2, c3, c4 = st.columns(4)
    who = c1.text_input(t("ผู้ใช้", "User")) or None
    action = c2.text_input(t("การกระทำ (เช่น upload)", "Action (e.g. upload)")) or None
    since = c3.date_input(t("ตั้งแต่", "Since"), value=None)
    until = c4.date_input(t("ถึง", "Until"), value=None)
    log = s.audit_log_filtered(username=who, action=action, since=since, until=until)
    show_table(log, AUDIT_COLUMNS)  # neutralised: its own CSV download exports what it shows
    st.download_button(
        t("ส่งออก CSV", "Export CSV"), safe_csv_bytes(log), "audit-log.csv", "text/csv"
    )


@st.cache_data(show_spinner=False)
def _last_good_backup(root: str, listing: tuple[str, ...]):
    """The newest backup whose checksums hold; re-checked only when the folder changes."""
    from lib.services import backup

    return backup.last_good_backup(root)


def backups_admin(s: Store, admin) -> None:
    """When the last good backup was made, a warning when it is too old, and backup now.

    After a backup the page reruns, so the time shown is the new backup's.
    """
    from lib.core.settings import BACKUP_KEEP, BACKUP_STALE_HOURS, backup_dir
    from lib.services import auth, backup

    show_flash("backup")
    root = backup_dir()
    last = _last_good_backup(str(root), tuple(str(p) for p, _ in backup.list_backups(root)))
    when = None if last is None else last[1]
    if when is None:
        st.warning(t("ยังไม่มีข้อมูลสำรองที่ใช้ได้", "No good backup yet"))
    else:
        shown = f"{tc.thai_date(when.date(), lang=lang())} {when:%H:%M:%S}"
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
        except (auth.PermissionDenied, backup.BackupError, OSError) as exc:
            st.error(message(exc))
        else:
            done(
                "backup",
                "success",
                t(f"สำรองข้อมูลแล้ว: {result.path}", f"Backup written: {result.path}"),
            )

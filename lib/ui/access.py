"""Sign-in (local accounts or the site OIDC provider), menu, page rights, backup worker."""

from __future__ import annotations

import threading
from datetime import datetime

import streamlit as st

from lib.core import pages
from lib.core.i18n import pick
from lib.core.settings import backup_worker_enabled, db_path
from lib.store import Store
from lib.ui.core import _store, client_origin, lang, message, store, t

# -- access ---
SESSION_USER = "auth_user"
SESSION_SEEN = "auth_seen"


def current_user(s: Store):
    """The signed-in account (lib.auth.User) or None; signs out after the idle timeout."""
    from lib.services import auth

    if auth.oidc_enabled():  # the site's identity provider signs people in (st.login)
        if not st.user.get("is_logged_in"):
            return None
        return auth.load_user(s, str(st.user.get("email", "")).strip().lower())
    name = st.session_state.get(SESSION_USER)
    if not name:
        return None
    seen = st.session_state.get(SESSION_SEEN)
    if seen is not None and auth.session_expired(seen):
        sign_out(s, reason="timeout")
        st.toast(t("หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง", "Session timed out: sign in again"))
        return None
    user = auth.load_user(s, name)
    if user is None:  # disabled since signing in
        st.session_state.pop(SESSION_USER, None)
        return None
    st.session_state[SESSION_SEEN] = datetime.now()
    return user


def sign_out(s: Store, reason: str = "sign_out") -> None:
    """Forget the signed-in account (and audit it)."""
    name = st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_SEEN, None)
    if name:
        s.record_audit(name, "sign_out", None, {"reason": reason}, client_origin())
    from lib.services import auth

    if auth.oidc_enabled() and st.user.get("is_logged_in"):
        s.record_audit(st.user.get("email"), "sign_out", None, {"reason": reason}, client_origin())
        st.logout()


def sign_in_form(s: Store) -> None:
    """User name and password; a failure says why without telling which was wrong.

    With EIS_AUTH=oidc the site's identity provider signs people in instead
    (Streamlit's st.login; needs Authlib and an [auth] section in secrets.toml);
    the e-mail it returns must be an account's user name.
    """
    from lib.services import auth

    if auth.oidc_enabled():
        if st.user.get("is_logged_in"):
            st.warning(t("บัญชีนี้ยังไม่มีสิทธิ์ในระบบ", "This identity has no account here"))
        elif st.button(t("เข้าสู่ระบบผ่านผู้ให้บริการยืนยันตัวตน", "Sign in with the identity provider")):
            st.login()
        return
    with st.form("sign_in"):
        name = st.text_input(t("ชื่อผู้ใช้", "User name"))
        password = st.text_input(t("รหัสผ่าน", "Password"), type="password")
        submitted = st.form_submit_button(t("เข้าสู่ระบบ", "Sign in"))
    if submitted:
        result = auth.sign_in(s, name.strip(), password, client_origin())
        if result.ok:
            st.session_state[SESSION_USER] = result.user.username
            st.session_state[SESSION_SEEN] = datetime.now()
            st.rerun()
        st.error(pick((result.message_th, result.message_en), lang()))


def password_form(s: Store, user) -> None:
    """Change one's own password (the old one is asked for)."""
    from lib.services import auth

    with st.form("password_change", clear_on_submit=True):
        old = st.text_input(t("รหัสผ่านเดิม", "Current password"), type="password")
        new = st.text_input(t("รหัสผ่านใหม่", "New password"), type="password")
        again = st.text_input(t("ยืนยันรหัสผ่านใหม่", "New password again"), type="password")
        submitted = st.form_submit_button(t("เปลี่ยนรหัสผ่าน", "Change password"))
    if not submitted:
        return
    if new != again:
        st.error(t("รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน", "The two new passwords differ"))
        return
    try:
        auth.change_password(
            s, user.username, new, actor=user, origin=client_origin(), old_password=old
        )
    except (auth.PasswordPolicyError, auth.UserInputError, auth.PermissionDenied) as exc:
        st.error(message(exc))
        return
    st.success(t("เปลี่ยนรหัสผ่านแล้ว", "Password changed"))


def allowed_pages(user) -> set[str]:
    """Keys of the pages this account's role may use (lib.core.pages)."""
    return pages.pages_for(None if user is None else user.role)


def navigation_pages(user) -> dict:
    """st.Page of every page in lib.core.pages, by key, titled in the current language."""
    out = {}
    for p in pages.PAGES:
        title = pages.SIGN_IN_TITLE if p.key == "account" and user is None else p.title
        kw = {"default": True} if not p.url_path else {"url_path": p.url_path}
        out[p.key] = st.Page(p.path, title=pick(title, lang()), **kw)
    return out


def page_path(key: str) -> str:
    """The script of a page (for st.switch_page), by its key in lib.core.pages."""
    return pages.page(key).path


def require_page(user, key: str) -> None:
    """Stop a page the role may not use; offer sign-in in place so the URL's view is kept."""
    if key in allowed_pages(user):
        return
    if user is None:
        st.info(t("กรุณาเข้าสู่ระบบเพื่อใช้หน้านี้", "Sign in to use this page"))
        sign_in_form(store())
    else:
        st.warning(t("บัญชีนี้ไม่มีสิทธิ์ใช้หน้านี้", "This account may not use this page"))
    st.stop()


def menu(registry: dict, user) -> None:
    """The sidebar menu: only the pages this role may use, the account page last."""
    allowed = allowed_pages(user)
    with st.sidebar:
        for key, page in registry.items():
            if key in allowed:
                st.page_link(page)
        if user is not None:
            st.caption(f"{user.display_name or user.username} · {user.role}")


@st.cache_resource(show_spinner=False)
def _backup_worker(path: str):
    from lib.core.settings import BACKUP_INTERVAL_HOURS, BACKUP_KEEP, backup_dir
    from lib.services import backup

    stop = threading.Event()
    worker = threading.Thread(
        target=backup.run_worker,
        args=(_store(path), backup.spool_dir_for(path), stop),
        kwargs={
            "backup_root": backup_dir(),
            "interval_hours": BACKUP_INTERVAL_HOURS,
            "keep": BACKUP_KEEP,
        },
        daemon=True,
        name="eis-backup-worker",
    )
    worker.start()
    return stop


def start_backup_worker() -> None:
    """Start (once per process) the thread that runs scheduled and requested backups."""
    if backup_worker_enabled():
        _backup_worker(str(db_path()))

"""Sign-in (local accounts or the site OIDC provider), menu, page rights, backup worker."""

from __future__ import annotations

import threading
from datetime import datetime

import streamlit as st

from lib.core import pages
from lib.core.i18n import pick
from lib.core.settings import backup_worker_enabled, store_location
from lib.store import Store
from lib.ui.core import _store, client_origin, lang, message, once_per_run, store, t

# -- access ---
SESSION_USER = "auth_user"  # the account's name (also set directly by AppTests)
SESSION_SEEN = "auth_seen"
SESSION_TOKEN = "auth_token"  # the sign-in session's token (server memory only)
SESSION_DISPLAY = "auth_display"  # a display link's token (it is also in the URL)
DISPLAY_PARAM = "display"


def _forget() -> None:
    for key in (SESSION_USER, SESSION_SEEN, SESSION_TOKEN):
        st.session_state.pop(key, None)


def _cookie_token() -> str | None:
    from lib.services.auth import sessions

    try:
        token = st.context.cookies.get(sessions.COOKIE_NAME)
    except (AttributeError, RuntimeError):  # no browser request behind this run
        return None
    return token if isinstance(token, str) else None  # AppTest has no real cookies


def _display_viewer(s: Store):
    """The viewer of the display link in the URL (or this session), None when there is none.

    A link that is unknown or revoked stops the run with a clear message.
    """
    from lib.services.auth import displays

    token = st.query_params.get(DISPLAY_PARAM) or st.session_state.get(SESSION_DISPLAY)
    if not token:
        return None
    viewer = displays.open_link(s, token, client_origin())
    if viewer is None:
        st.session_state.pop(SESSION_DISPLAY, None)
        st.error(
            t(
                "ลิงก์จอแสดงผลนี้ใช้ไม่ได้ (ไม่ถูกต้องหรือถูกยกเลิกแล้ว) ติดต่อผู้ดูแลระบบ",
                "This display link does not work (unknown or revoked); ask the administrator",
            )
        )
        st.stop()
    st.session_state[SESSION_DISPLAY] = token
    if str(st.query_params.get("wall", "")).lower() not in ("1", "true", "yes", "on"):
        st.query_params["wall"] = "1"  # a display link is a wall: read-only, no menu
    return viewer


def _who_mark(s: Store) -> tuple:
    """What decides current_user within one run: the store, the tokens, the named account."""
    keys = (SESSION_TOKEN, SESSION_USER, SESSION_DISPLAY)
    return (s.path, st.query_params.get(DISPLAY_PARAM), *(st.session_state.get(k) for k in keys))


def current_user(s: Store):
    """Who is looking: a display link's viewer, the signed-in account (lib.auth.User) or None.

    The account comes from this session or from the sign-in cookie (a reload, a
    new tab, a deep link); a session that is revoked, expired, idle too long or
    of a disabled account counts as signed out. Looked up once per page run (a page asks
    from many places; under load every store query waits for the interpreter lock again),
    again when a sign-in or sign-out in the run changed the session.
    """
    return once_per_run("_eis_current_user", lambda: _current_user(s), lambda: _who_mark(s))


def _current_user(s: Store):
    from lib.services import auth
    from lib.services.auth import sessions

    display = _display_viewer(s)
    if display is not None:
        return display
    if auth.oidc_enabled():  # the site's identity provider signs people in (st.login)
        if not st.user.get("is_logged_in"):
            return None
        return auth.load_user(s, str(st.user.get("email", "")).strip().lower())
    token = st.session_state.get(SESSION_TOKEN) or _cookie_token()
    if token:
        resumed = sessions.resume(s, token)
        if resumed.user is None:
            _forget()
            if resumed.reason == "idle":
                st.toast(t("หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบอีกครั้ง", "Session timed out: sign in again"))
            return None
        st.session_state[SESSION_USER] = resumed.user.username
        st.session_state[SESSION_TOKEN] = token
        return resumed.user
    return _session_state_user(s)


def _session_state_user(s: Store):
    """An account named in session state alone (AppTests set it), with the idle timeout."""
    from lib.services import auth

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


def _here() -> str:
    """This page's path and query (where to come back after the sign-in or sign-out round trip)."""
    from urllib.parse import urlencode, urlsplit

    path = urlsplit(st.context.url or "/").path or "/"
    query = urlencode(st.query_params.to_dict())
    return f"{path}?{query}" if query else path


def _redirect(url: str) -> None:
    """Send the browser to a URL of this server (as st.login does), then stop this run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)
    st.stop()


def _establish(s: Store, user, rerun: bool = True) -> None:
    """Open a sign-in session; with the server's routes, hand its cookie to the browser."""
    from lib.services.auth import sessions
    from lib.ui import server

    code = sessions.begin(s, user, client_origin())
    st.session_state[SESSION_USER] = user.username
    st.session_state[SESSION_SEEN] = datetime.now()
    if server.routes_live():
        _redirect(server.start_url(code, _here()))
    st.session_state[SESSION_TOKEN] = sessions.exchange(s, code)  # no routes: this session only
    if rerun:
        st.rerun()


def sign_out(s: Store, reason: str = "sign_out") -> None:
    """End the sign-in session (revoked in the store; the cookie deleted) and audit it."""
    from lib.services import auth
    from lib.services.auth import sessions
    from lib.ui import server

    token = st.session_state.get(SESSION_TOKEN) or _cookie_token()
    name = st.session_state.get(SESSION_USER)
    _forget()
    if token:
        sessions.end(s, token, client_origin(), reason=reason)
    elif name:
        s.record_audit(name, "sign_out", None, {"reason": reason}, client_origin())
    if auth.oidc_enabled() and st.user.get("is_logged_in"):
        s.record_audit(st.user.get("email"), "sign_out", None, {"reason": reason}, client_origin())
        st.logout()
    elif token and server.routes_live() and reason == "sign_out":
        _redirect(server.end_url(_here()))


def sign_in_form(s: Store) -> None:
    """User name and password; a failure says why without telling which was wrong.

    A success opens a sign-in session that later tabs and reloads share (cookie).
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
            _establish(s, result.user)
        st.error(pick((result.message_th, result.message_en), lang()))


def password_form(s: Store, user) -> None:
    """Change one's own password (the old one is asked for); the account's other sessions end."""
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
    if st.session_state.get(SESSION_TOKEN):  # every session of the account ended: a new one
        _establish(s, user, rerun=False)


def allowed_pages(user) -> set[str]:
    """Keys of the pages this account's role may use (lib.core.pages); a display: the cockpit."""
    from lib.services.auth import displays

    if user is not None and user.role == displays.DISPLAY_ROLE:
        return {"cockpit"}
    return pages.pages_for(None if user is None else user.role)


def viewer_scopes(user) -> tuple[str, ...] | None:
    """Cockpit scopes this viewer may see: a display link's own, None for any (accounts)."""
    from lib.services.auth import displays

    return displays.viewer_scopes(user)


def require_scopes(s: Store, scope_codes) -> None:
    """Stop, with a clear message, cockpit scopes this session's display link does not show.

    Call it where the cockpit draws (inside the wall's refreshing fragment): it
    also re-checks the link, so a revoked link stops the wall at its next refresh.
    Accounts are not limited here (their page right is checked by require_page).
    """
    from lib.services.auth import displays

    if not st.session_state.get(SESSION_DISPLAY):
        return
    allowed = displays.viewer_scopes(_display_viewer(s))
    for code in scope_codes:
        refusal = displays.scope_refusal(allowed, str(code))
        if refusal is not None:
            st.error(pick(refusal, lang()))
            st.stop()


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
            from lib.core.labels import cell_label
            from lib.core.markdown import escape_markdown  # a display name shows as typed

            role = cell_label("role", user.role, lang())
            st.caption(f"{escape_markdown(user.display_name or user.username)} · {role}")


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
        _backup_worker(str(store_location()))

"""Sign-in sessions that outlive a page: a random token in a cookie, only its hash stored.

The flow (lib.ui.access and lib.ui.server carry it to the browser):

1. a password sign-in succeeds -> `begin` stores a session with a one-time
   hand-off code (its hash; HANDOFF_TTL to use it) and returns the code;
2. the browser is sent to the app's start route with the code, which
   `exchange`s it (once) for the session token and sets it as an HttpOnly,
   SameSite=Lax cookie; the token itself never appears in a URL or a log;
3. every new page or tab presents the cookie: `resume` finds the session by
   the token's hash and refuses it when revoked, past SESSION_MAX_AGE, idle
   longer than SESSION_IDLE_TIMEOUT, or when the account is disabled; activity
   slides the idle deadline;
4. `end` revokes it at sign-out; a password change or an account's
   disablement revokes all of the account's sessions (lib.services.auth.users).

Tokens and codes are 256-bit random (`secrets.token_urlsafe`), so a plain
SHA-256 of them is a safe stored form (no password-style slow hash needed).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from lib.services.auth.accounts import SESSION_IDLE_TIMEOUT, User, load_user

COOKIE_NAME = "eis_session"
SESSION_MAX_AGE = timedelta(hours=12)  # a session ends after this, however active
HANDOFF_TTL = timedelta(seconds=60)  # the sign-in hand-off code is good this long, once
TOUCH_EVERY = timedelta(minutes=1)  # activity is written at most this often
MAX_NEXT_LENGTH = 2000


def new_secret() -> str:
    """A 256-bit random token, URL-safe."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The stored form of a token or code: SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Resumed:
    """What a presented token gave: the account, or None and why (ok, unknown, revoked, ...)."""

    user: User | None
    reason: str


def begin(store, user: User, origin: str, now: datetime | None = None) -> str:
    """Open a session for a signed-in account; return its one-time hand-off code."""
    now = now or datetime.now()
    code = new_secret()
    store.insert_session(
        {
            "id": secrets.token_hex(8),
            "username": user.username,
            "token_hash": None,
            "handoff_hash": secret_hash(code),
            "handoff_until": now + HANDOFF_TTL,
            "created_at": now,
            "expires_at": now + SESSION_MAX_AGE,
            "last_seen_at": now,
            "idle_until": now + SESSION_IDLE_TIMEOUT,
            "revoked_at": None,
            "revoked_reason": None,
            "origin": origin,
        }
    )
    return code


def exchange(store, code: str | None, now: datetime | None = None) -> str | None:
    """The session token for a live, unused hand-off code (the code is spent), else None."""
    if not code or len(code) > 200:
        return None
    token = new_secret()
    now = now or datetime.now()
    row = store.exchange_session_handoff(secret_hash(code), secret_hash(token), now)
    return None if row is None else token


def resume(store, token: str | None, now: datetime | None = None) -> Resumed:
    """The account of a presented token, if its session is still good; slides the idle time."""
    now = now or datetime.now()
    if not token or len(token) > 200:
        return Resumed(None, "none")
    row = store.session_by_token_hash(secret_hash(token))
    if row is None:
        return Resumed(None, "unknown")
    if row["revoked_at"] is not None:
        return Resumed(None, "revoked")
    if now >= row["expires_at"]:
        return Resumed(None, "expired")
    if now >= row["idle_until"]:
        store.revoke_session(row["id"], now, "idle")
        return Resumed(None, "idle")
    user = load_user(store, row["username"])
    if user is None:  # disabled (or removed) since signing in
        store.revoke_session(row["id"], now, "user_disabled")
        return Resumed(None, "disabled")
    if now - row["last_seen_at"] >= TOUCH_EVERY:
        store.touch_session(row["id"], now, min(now + SESSION_IDLE_TIMEOUT, row["expires_at"]))
    return Resumed(user, "ok")


def end(
    store, token: str | None, origin: str, reason: str = "sign_out", now: datetime | None = None
) -> bool:
    """Revoke the session of a token (audited as sign_out); False when it was not open."""
    if not token or len(token) > 200:
        return False
    now = now or datetime.now()
    row = store.session_by_token_hash(secret_hash(token))
    if row is None:
        return False
    audit = {
        "username": row["username"],
        "action": "sign_out",
        "target": row["username"],
        "detail": {"reason": reason, "session": row["id"]},
        "origin": origin,
        "at": now,
    }
    return store.revoke_session(row["id"], now, reason, audit=audit) == 1


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to after sign-in or sign-out, else default (no open redirect).

    >>> safe_next("/cockpit?scope=21"), safe_next("//evil.example/x"), safe_next("https://a.b/")
    ('/cockpit?scope=21', '/', '/')
    >>> safe_next("/\\\\evil.example"), safe_next("cockpit"), safe_next(None)
    ('/', '/', '/')
    """
    text = (target or "").strip()
    if not text.startswith("/") or text.startswith(("//", "/\\")) or len(text) > MAX_NEXT_LENGTH:
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in text):
        return default
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return default
    return text

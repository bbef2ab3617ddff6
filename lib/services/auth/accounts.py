"""Accounts and sign-in: the User, argon2id password hashes, sign-in with lock-out, sessions.

Sign-in: local accounts with argon2id hashes (argon2-cffi). Where a site has an
OIDC identity provider, set ``EIS_AUTH=oidc`` and the UI uses Streamlit's
``st.login`` instead of the password form (`oidc_enabled`; it needs the
Authlib package and an ``[auth]`` section in ``.streamlit/secrets.toml``); the
identity's e-mail is then looked up as a username with `load_user`, so roles
and scopes still come from the users table.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lib.core import settings
from lib.core.i18n import InputError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more; a megabyte "password" is an attack
MAX_FAILED_ATTEMPTS = 5  # consecutive failures before the account locks
LOCKOUT = timedelta(minutes=15)
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)  # the UI signs a session out after this idle time

AUTH_MODE_ENV = settings.AUTH_MODE_ENV
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_HASHER = PasswordHasher()
# Verified against on an unknown username, so a miss costs as long as a hit.
_DUMMY_HASH = _HASHER.hash("not a real password, timing only")


# -- users --------------------------------------------------------------------
@dataclass(frozen=True)
class User:
    """A signed-in account (None stands for the public, not signed in)."""

    username: str
    role: str
    agency_code: str | None = None
    area_code: str | None = None  # None: the whole country
    display_name: str | None = None
    is_active: bool = True

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> User:
        """A User from a users row (dict or Series); NaN/NA count as None."""

        def clean(key):
            value = record.get(key)
            return (
                None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
            )

        return cls(
            username=str(record["username"]),
            role=str(record["role"]),
            agency_code=clean("agency_code"),
            area_code=clean("area_code"),
            display_name=clean("display_name"),
            is_active=True if clean("is_active") is None else bool(clean("is_active")),
        )


def cli_operator() -> User:
    """The person at the server's command line: an administrator by virtue of file access."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return User(username=f"cli:{who}", role="admin")


def load_user(store, username: str) -> User | None:
    """The active account of that name, or None (also for an OIDC identity's e-mail)."""
    record = store.user_record(username)
    if record is None or not record["is_active"]:
        return None
    return User.from_record(record)


def oidc_enabled() -> bool:
    """True when the site signs in through its OIDC provider (EIS_AUTH=oidc, st.login)."""
    return settings.oidc_enabled()


# -- passwords ------------------------------------------------------------------
class PasswordPolicyError(InputError):
    """A password that the policy refuses (message in Thai and English)."""


def check_password_policy(password: str) -> None:
    """Raise PasswordPolicyError unless the password is long enough (and not absurdly long)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร",
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"รหัสผ่านยาวเกิน {MAX_PASSWORD_LENGTH} ตัวอักษร",
            f"the password must be at most {MAX_PASSWORD_LENGTH} characters long",
        )
    if password.strip() == "":
        raise PasswordPolicyError("รหัสผ่านต้องไม่เป็นช่องว่างล้วน", "the password must not be only spaces")


def hash_password(password: str) -> str:
    """An argon2id hash (salted, with its parameters) of a password that passes the policy."""
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the hash; False for a mismatch or a broken hash."""
    if not password_hash or not isinstance(password, str):
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def session_expired(last_activity: datetime, now: datetime | None = None) -> bool:
    """True when a session has been idle longer than SESSION_IDLE_TIMEOUT."""
    return (now or datetime.now()) - last_activity > SESSION_IDLE_TIMEOUT


# -- sign-in --------------------------------------------------------------------
@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt gave: the user on success, a reason and messages otherwise."""

    ok: bool
    user: User | None
    reason_code: str  # ok, unknown_user, bad_password, locked, disabled, no_password
    message_th: str
    message_en: str


# One answer for an unknown name, a wrong password and a locked account, so the
# answer never tells whether an account exists (the audit log keeps the reason).
_LOCK_MINUTES = int(LOCKOUT.total_seconds() // 60)
_REFUSED = (
    "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง หรือบัญชีถูกล็อกชั่วคราว "
    f"(ใส่รหัสผ่านผิด {MAX_FAILED_ATTEMPTS} ครั้งติดกัน ล็อก {_LOCK_MINUTES} นาที)",
    "wrong username or password, or the account is locked for a while "
    f"({MAX_FAILED_ATTEMPTS} failures in a row lock it for {_LOCK_MINUTES} minutes)",
)
_DISABLED = ("บัญชีนี้ถูกระงับการใช้งาน ติดต่อผู้ดูแลระบบ", "this account is disabled; ask the administrator")


def _refused(store, username, reason, detail, origin, now, messages) -> SignInResult:
    """Audit a refused sign-in (the precise reason) and return its result."""
    store.record_audit(
        username or None,
        "sign_in_failed",
        target=username or None,
        detail={"reason": reason, **detail},
        origin=origin,
        at=now,
    )
    return SignInResult(False, None, reason, *messages)


def sign_in(
    store, username: str, password: str, origin: str, now: datetime | None = None
) -> SignInResult:
    """Check a username and password; count failures, lock after MAX_FAILED_ATTEMPTS, audit all.

    Unknown users, wrong passwords and locked accounts get the same message and
    cost the same hashing time (no account probing); the audit log keeps the
    precise reason. Only a right password on a disabled account says so.
    """
    now = now or datetime.now()
    username = (username or "").strip().lower()[:64]
    record = store.user_record(username) if username else None
    if record is None:
        verify_password(_DUMMY_HASH, password or "")
        return _refused(store, username, "unknown_user", {}, origin, now, _REFUSED)
    locked_until = record.get("locked_until")
    if locked_until is not None and locked_until > now:
        verify_password(_DUMMY_HASH, password or "")
        detail = {"locked_until": locked_until}
        return _refused(store, username, "locked", detail, origin, now, _REFUSED)
    if not record.get("password_hash"):
        verify_password(_DUMMY_HASH, password or "")
        return _refused(store, username, "no_password", {}, origin, now, _REFUSED)
    if not verify_password(record["password_hash"], password or ""):
        _, locked = store.record_sign_in_failure(
            username,
            max_attempts=MAX_FAILED_ATTEMPTS,
            lock_until=now + LOCKOUT,
            origin=origin,
            at=now,
        )
        return SignInResult(False, None, "locked" if locked else "bad_password", *_REFUSED)
    if not record["is_active"]:
        return _refused(store, username, "disabled", {}, origin, now, _DISABLED)
    new_hash = _HASHER.hash(password) if needs_rehash(record["password_hash"]) else None
    store.record_sign_in_success(username, origin=origin, at=now, new_hash=new_hash)
    return SignInResult(True, User.from_record(record), "ok", "เข้าสู่ระบบแล้ว", "signed in")

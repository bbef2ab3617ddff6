"""Who may do what: password hashing, sign-in with lock-out, roles scoped to agency and area.

Pure policy and orchestration: no Streamlit, no SQL. Reads and writes go through
`lib.db.Store`; the write methods there are policy-free, so every function here
that changes something checks the rules first (`require`) and the callers in
`lib/` (upload, verify, undo, users, backup) do the same.

Roles, as the command line spells them (บทบาท):

- ``public``: no sign-in; published items only (the public view).
- ``staff``: writes the items its agency owns, within its area.
- ``verifier``: verifies or rejects its agency's submitted values (and may
  upload like staff: a small office often has one person for both).
- ``executive``: reads everything, published or not, of every area (its own
  scope is its default view; comparing with peers needs the others); writes
  nothing.
- ``admin``: users, backups, the audit log, undo of any batch.

Scope: ``area_code`` None (or ``TH``) is the whole country; a province code is
that province and its districts; a district code that district; a cluster or
region code its member provinces (membership in force on the index date, from
``grouping_members``) and their districts.

Sign-in: local accounts with argon2id hashes (argon2-cffi). Where a site has an
OIDC identity provider, set ``EIS_AUTH=oidc`` and the UI uses Streamlit's
``st.login`` instead of the password form (`oidc_enabled`; it needs the
Authlib package and an ``[auth]`` section in ``.streamlit/secrets.toml``); the
identity's e-mail is then looked up as a username with `load_user`, so roles
and scopes still come from the users table.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("public", "staff", "verifier", "executive", "admin")
ACTIONS = (
    "read_published",
    "read_unpublished",
    "upload",
    "verify",
    "undo",
    "manage_users",
    "backup",
    "read_audit",
    "manage_layers",
)
PAGES = ("home", "cockpit", "map", "profile", "explore", "upload", "verify", "admin", "audit")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more; a megabyte "password" is an attack
MAX_FAILED_ATTEMPTS = 5  # consecutive failures before the account locks
LOCKOUT = timedelta(minutes=15)
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)  # the UI signs a session out after this idle time

AUTH_MODE_ENV = "EIS_AUTH"  # "oidc": Streamlit's st.login; anything else: local passwords
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
    return os.environ.get(AUTH_MODE_ENV, "").strip().lower() == "oidc"


# -- passwords ------------------------------------------------------------------
class PasswordPolicyError(ValueError):
    """A password that the policy refuses, with a Thai and an English message."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en


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


_WRONG_TH = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
_WRONG_EN = "wrong username or password"


def _locked_messages(until: datetime) -> tuple[str, str]:
    hhmm = until.strftime("%H:%M")
    return (
        f"บัญชีถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง ลองใหม่ได้หลังเวลา {hhmm} น.",
        f"the account is locked after repeated failures; try again after {hhmm}",
    )


def sign_in(
    store, username: str, password: str, origin: str, now: datetime | None = None
) -> SignInResult:
    """Check a username and password; count failures, lock after MAX_FAILED_ATTEMPTS, audit all.

    Unknown users and wrong passwords get the same message (no account probing);
    the audit log keeps the precise reason.
    """
    now = now or datetime.now()
    username = (username or "").strip().lower()[:64]
    record = store.user_record(username) if username else None
    if record is None:
        verify_password(_DUMMY_HASH, password or "")
        store.record_audit(
            username or None,
            "sign_in_failed",
            target=username or None,
            detail={"reason": "unknown_user"},
            origin=origin,
            at=now,
        )
        return SignInResult(False, None, "unknown_user", _WRONG_TH, _WRONG_EN)

    locked_until = record.get("locked_until")
    if locked_until is not None and locked_until > now:
        store.record_audit(
            username,
            "sign_in_failed",
            target=username,
            detail={"reason": "locked", "locked_until": locked_until},
            origin=origin,
            at=now,
        )
        th, en = _locked_messages(locked_until)
        return SignInResult(False, None, "locked", th, en)

    if not record.get("password_hash"):
        store.record_audit(
            username,
            "sign_in_failed",
            target=username,
            detail={"reason": "no_password"},
            origin=origin,
            at=now,
        )
        return SignInResult(False, None, "no_password", _WRONG_TH, _WRONG_EN)

    if not verify_password(record["password_hash"], password or ""):
        _, locked = store.record_sign_in_failure(
            username,
            max_attempts=MAX_FAILED_ATTEMPTS,
            lock_until=now + LOCKOUT,
            origin=origin,
            at=now,
        )
        if locked:
            th, en = _locked_messages(now + LOCKOUT)
            return SignInResult(False, None, "locked", th, en)
        return SignInResult(False, None, "bad_password", _WRONG_TH, _WRONG_EN)

    if not record["is_active"]:
        store.record_audit(
            username,
            "sign_in_failed",
            target=username,
            detail={"reason": "disabled"},
            origin=origin,
            at=now,
        )
        return SignInResult(
            False,
            None,
            "disabled",
            "บัญชีนี้ถูกระงับการใช้งาน ติดต่อผู้ดูแลระบบ",
            "this account is disabled; ask the administrator",
        )

    new_hash = _HASHER.hash(password) if needs_rehash(record["password_hash"]) else None
    store.record_sign_in_success(username, origin=origin, at=now, new_hash=new_hash)
    user = User.from_record(record)
    return SignInResult(True, user, "ok", "เข้าสู่ระบบแล้ว", "signed in")


# -- areas and scopes -------------------------------------------------------------
@dataclass
class AreaIndex:
    """Which areas lie inside which scope: country, region, cluster, province, district."""

    level: dict[str, str]  # code -> level
    province_of: dict[str, str]  # province or district code -> its province
    members: dict[str, frozenset[str]] = field(default_factory=dict)  # group -> provinces

    @classmethod
    def from_frames(
        cls, areas: pd.DataFrame, grouping_members: pd.DataFrame, on: date | None = None
    ) -> AreaIndex:
        """Build from the areas frame (code, level, parent_code) and grouping_members.

        Group membership is the one in force on `on` (default: today): a member
        row counts when valid_from is empty or <= on and valid_to empty or >= on.
        """
        on = pd.Timestamp(on or date.today())
        level = dict(zip(areas["code"].astype(str), areas["level"].astype(str), strict=True))
        province_of: dict[str, str] = {}
        for code, lvl, parent in zip(
            areas["code"], areas["level"], areas["parent_code"], strict=True
        ):
            if lvl == "province":
                province_of[str(code)] = str(code)
            elif lvl == "district" and isinstance(parent, str):
                province_of[str(code)] = parent
        gm = grouping_members
        valid_from = pd.to_datetime(gm["valid_from"])
        valid_to = pd.to_datetime(gm["valid_to"])
        in_force = gm[
            (valid_from.isna() | (valid_from <= on)) & (valid_to.isna() | (valid_to >= on))
        ]
        members = {
            str(group): frozenset(rows["province_code"].astype(str))
            for group, rows in in_force.groupby("group_code")
        }
        return cls(level=level, province_of=province_of, members=members)

    def is_known(self, code: str) -> bool:
        """True for a code in the areas table."""
        return code in self.level

    def is_scope(self, code: str | None) -> bool:
        """True for a code a user may be limited to (None, country, region, cluster, province,
        district)."""
        return code is None or self.level.get(code) in (
            "country",
            "region",
            "cluster",
            "province",
            "district",
        )

    def contains(self, scope_code: str | None, area_code: str) -> bool:
        """True when area_code lies inside scope_code (None or the country: everything)."""
        if scope_code is None or self.level.get(scope_code) == "country":
            return True
        if area_code == scope_code:
            return True
        scope_level = self.level.get(scope_code)
        province = self.province_of.get(area_code)
        if scope_level == "province":
            return province == scope_code
        if scope_level in ("cluster", "region"):
            return province is not None and province in self.members.get(scope_code, ())
        return False

    def provinces_in(self, scope_code: str | None) -> list[str]:
        """Province codes inside a scope, sorted."""
        provinces = {p for c, p in self.province_of.items() if self.level.get(c) == "province"}
        return sorted(p for p in provinces if self.contains(scope_code, p))


def load_area_index(store, on: date | None = None) -> AreaIndex:
    """An AreaIndex of the store's areas, group membership in force on `on` (default today)."""
    areas, members = store.area_index_frames()
    return AreaIndex.from_frames(areas, members, on=on)


# -- permissions -----------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """Allowed or not, with the reason in Thai and English."""

    allowed: bool
    reason_th: str
    reason_en: str

    def __bool__(self) -> bool:
        return self.allowed


class PermissionDenied(Exception):
    """An action the user may not do (the command line exits with 3)."""

    def __init__(self, message_th: str, message_en: str, action: str | None = None):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en
        self.action = action


_ALLOW = Decision(True, "อนุญาต", "allowed")

# Roles that may do an action at all (scope and agency are checked after).
_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "public": frozenset({"read_published"}),
    "staff": frozenset({"read_published", "read_unpublished", "upload", "undo"}),
    "verifier": frozenset({"read_published", "read_unpublished", "upload", "verify", "undo"}),
    "executive": frozenset({"read_published", "read_unpublished"}),
    "admin": frozenset(
        {
            "read_published",
            "read_unpublished",
            "undo",
            "manage_users",
            "backup",
            "read_audit",
            "manage_layers",
        }
    ),
}

_PAGES: dict[str, frozenset[str]] = {
    "public": frozenset({"home", "map", "profile", "explore"}),
    "staff": frozenset({"home", "cockpit", "map", "profile", "explore", "upload"}),
    "verifier": frozenset({"home", "cockpit", "map", "profile", "explore", "upload", "verify"}),
    "executive": frozenset({"home", "cockpit", "map", "profile", "explore"}),
    "admin": frozenset(PAGES),
}

_ACTION_TH = {
    "read_published": "อ่านข้อมูลที่เผยแพร่",
    "read_unpublished": "อ่านข้อมูลที่ยังไม่เผยแพร่",
    "upload": "นำเข้าข้อมูล",
    "verify": "รับรองข้อมูล",
    "undo": "ยกเลิกชุดข้อมูลที่นำเข้า",
    "manage_users": "จัดการผู้ใช้",
    "backup": "สำรองและกู้คืนข้อมูล",
    "read_audit": "ดูบันทึกการใช้งาน",
    "manage_layers": "นำเข้าชั้นข้อมูลแผนที่",
}


def pages_for(role: str | None) -> set[str]:
    """Page keys a role may see in its navigation (None: the public view)."""
    return set(_PAGES.get(role or "public", _PAGES["public"]))


def _deny(th: str, en: str) -> Decision:
    return Decision(False, th, en)


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    if isinstance(obj, pd.Series):
        return obj.get(key)
    return getattr(obj, key, None)


def _as_codes(area_code: str | Collection[str] | None) -> list[str]:
    if area_code is None:
        return []
    if isinstance(area_code, str):
        return [area_code]
    return sorted(set(area_code))


def can(
    user: User | None,
    action: str,
    *,
    item: Any = None,
    batch: Any = None,
    area_code: str | Collection[str] | None = None,
    area_index: AreaIndex | None = None,
) -> Decision:
    """May this user do this action (on this item or batch, in these areas)?

    item: a catalog row (mapping, Series or object) with owner_agency and is_published;
    batch: an upload_batches row with agency_code; area_code: one code or several
    (every one must lie inside the user's scope); area_index: needed whenever the
    user has a scope and an area is given.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    role = "public" if user is None else user.role
    if role not in ROLES:
        return _deny(f"บทบาท {role} ไม่มีในระบบ", f"unknown role {role!r}")
    if user is not None and not user.is_active:
        role = "public"
    if action == "read_published":
        published = _get(item, "is_published")
        if item is not None and published is not None and not bool(published):
            return can(user, "read_unpublished", item=item)
        return _ALLOW
    if action not in _ROLE_ACTIONS[role]:
        if user is None or role == "public":
            return _deny(
                f"ต้องเข้าสู่ระบบก่อนจึงจะ{_ACTION_TH[action]}ได้",
                f"sign in to {action.replace('_', ' ')}",
            )
        return _deny(
            f"บทบาท {role} ไม่มีสิทธิ์{_ACTION_TH[action]}",
            f"the role {role} may not {action.replace('_', ' ')}",
        )
    if action in ("read_unpublished", "manage_users", "backup", "read_audit", "manage_layers"):
        return _ALLOW  # reading is not area-limited: executives compare with peers
    if action == "undo" and role == "admin":
        return _ALLOW
    if action == "undo" and _get(batch, "kind") == "verify" and "verify" not in _ROLE_ACTIONS[role]:
        # undoing a verification reverses the verifier's decision: a verifier's right
        return _deny(
            "การยกเลิกผลการตรวจสอบต้องทำโดยผู้ตรวจสอบข้อมูลของหน่วยงาน",
            "only the agency's verifier may undo a verification",
        )
    # upload, verify, undo by staff/verifier: own agency, own area
    if action == "undo":
        if batch is None:
            raise ValueError("undo needs the batch (its agency_code)")
        agency = _get(batch, "agency_code")
    else:
        if item is None:
            raise ValueError(f"{action} needs the item (its owner_agency)")
        agency = _get(item, "owner_agency")
    if not user.agency_code:
        return _deny(
            "บัญชีนี้ไม่ได้ผูกกับหน่วยงาน จึงแก้ไขข้อมูลไม่ได้",
            "this account belongs to no agency, so it may not write data",
        )
    if agency != user.agency_code:
        return _deny(
            f"ข้อมูลนี้เป็นของหน่วยงาน {agency} ไม่ใช่ {user.agency_code}",
            f"this belongs to agency {agency}, not {user.agency_code}",
        )
    return _scope_decision(user, area_code, area_index)


def _scope_decision(
    user: User, area_code: str | Collection[str] | None, area_index: AreaIndex | None
) -> Decision:
    if user.area_code is None:
        return _ALLOW
    codes = _as_codes(area_code)
    if not codes:
        raise ValueError("a scoped user's write needs the area code(s) it touches")
    if area_index is None:
        raise ValueError("a scoped user's write needs an AreaIndex")
    outside = [c for c in codes if not area_index.contains(user.area_code, c)]
    if outside:
        shown = ", ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")
        return _deny(
            f"พื้นที่ {shown} อยู่นอกพื้นที่รับผิดชอบ ({user.area_code})",
            f"area {shown} is outside the account's area ({user.area_code})",
        )
    return _ALLOW


def require(
    user: User | None,
    action: str,
    *,
    item: Any = None,
    batch: Any = None,
    area_code: str | Collection[str] | None = None,
    area_index: AreaIndex | None = None,
) -> None:
    """Raise PermissionDenied unless `can` allows it."""
    decision = can(user, action, item=item, batch=batch, area_code=area_code, area_index=area_index)
    if not decision.allowed:
        raise PermissionDenied(decision.reason_th, decision.reason_en, action=action)


def audit_denied(
    store,
    user: User | None,
    action: str,
    target: str | None,
    origin: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """Write an audit entry for a refused action."""
    store.record_audit(
        None if user is None else user.username,
        "denied",
        target=target,
        detail={"action": action, "reason": reason, "role": None if user is None else user.role},
        origin=origin,
        at=at,
    )


# -- user management ---------------------------------------------------------------
class UserInputError(ValueError):
    """A bad value for a user field (role, agency, area, name, password), Thai and English."""

    def __init__(self, message_en: str, message_th: str | None = None):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th or message_en


def validate_user_fields(
    store,
    username: str,
    role: str,
    agency_code: str | None,
    area_code: str | None,
    area_index: AreaIndex | None = None,
) -> tuple[str, str | None, str | None]:
    """Check name, role, agency and area; return (username, agency_code, area_code) cleaned.

    The country code TH is stored as None (the whole country).
    """
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise UserInputError(
            f"bad username {username!r}: 2-64 characters, lower-case letters, digits, . _ - @",
            f"ชื่อผู้ใช้ {username!r} ใช้ไม่ได้: 2-64 ตัวอักษร a-z ตัวเลข และ . _ - @",
        )
    if role not in ROLES:
        raise UserInputError(
            f"unknown role {role!r}; roles: {', '.join(ROLES)}",
            f"ไม่มีบทบาท {role!r} (บทบาทที่มี: {', '.join(ROLES)})",
        )
    agency = (agency_code or "").strip().upper() or None
    if agency is not None and agency not in set(store.agency_codes()):
        raise UserInputError(
            f"unknown agency {agency_code!r} (see `python -m lib catalog`)",
            f"ไม่มีหน่วยงานรหัส {agency_code!r} (ดูรหัสได้จากรายการข้อมูล)",
        )
    if role in ("staff", "verifier") and agency is None:
        raise UserInputError(
            f"a {role} account needs --agency (the agency whose items it writes)",
            "บัญชีเจ้าหน้าที่และผู้ตรวจสอบต้องระบุหน่วยงาน",
        )
    area = (area_code or "").strip().upper() or None
    if area is not None:
        index = area_index or load_area_index(store)
        if not index.is_known(area):
            raise UserInputError(
                f"unknown area {area_code!r}: give a DOPA province/district code, "
                "a cluster or a region code",
                f"ไม่มีพื้นที่รหัส {area_code!r}: ใช้รหัสจังหวัด/อำเภอของกรมการปกครอง รหัสกลุ่มจังหวัด หรือรหัสภาค",
            )
        if index.level[area] == "country":
            area = None
    return name, agency, area


def add_user(
    store,
    username: str,
    role: str,
    password: str,
    *,
    actor: User,
    origin: str,
    agency_code: str | None = None,
    area_code: str | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account (admin only); the password is stored as an argon2 hash only."""
    require(actor, "manage_users")
    name, agency, area = validate_user_fields(store, username, role, agency_code, area_code)
    if store.user_record(name) is not None:
        raise ValueError(f"user {name} already exists")
    password_hash = hash_password(password)
    now = now or datetime.now()
    store.insert_user(
        {
            "username": name,
            "display_name": display_name,
            "role": role,
            "agency_code": agency,
            "area_code": area,
            "password_hash": password_hash,
            "is_active": True,
            "failed_attempts": 0,
            "locked_until": None,
            "created_at": now,
            "password_changed_at": now,
        },
        audit={
            "username": actor.username,
            "action": "user_add",
            "target": name,
            "detail": {"role": role, "agency": agency, "area": area},
            "origin": origin,
            "at": now,
        },
    )
    return User(name, role, agency, area, display_name)


def disable_user(
    store, username: str, *, actor: User, origin: str, now: datetime | None = None
) -> None:
    """Disable an account (admin only); it can no longer sign in. Rows are never deleted."""
    require(actor, "manage_users")
    name = (username or "").strip().lower()
    if store.user_record(name) is None:
        raise ValueError(f"no user {name}")
    now = now or datetime.now()
    store.update_user(
        name,
        {"is_active": False},
        audit={
            "username": actor.username,
            "action": "user_disable",
            "target": name,
            "origin": origin,
            "at": now,
        },
    )


def change_password(
    store,
    username: str,
    new_password: str,
    *,
    actor: User,
    origin: str,
    old_password: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a new password: a user for itself (old password required) or an admin for anyone.

    A change also clears the failure count and any lock.
    """
    name = (username or "").strip().lower()
    record = store.user_record(name)
    if record is None:
        raise ValueError(f"no user {name}")
    if actor.username != name:
        require(actor, "manage_users")
    elif actor.role != "admin" or old_password is not None:
        if not verify_password(record.get("password_hash"), old_password or ""):
            raise PermissionDenied(
                "รหัสผ่านเดิมไม่ถูกต้อง", "the current password is wrong", "password_change"
            )
    password_hash = hash_password(new_password)
    now = now or datetime.now()
    store.update_user(
        name,
        {
            "password_hash": password_hash,
            "password_changed_at": now,
            "failed_attempts": 0,
            "locked_until": None,
        },
        audit={
            "username": actor.username,
            "action": "password_change",
            "target": name,
            "detail": {"by": "self" if actor.username == name else "admin"},
            "origin": origin,
            "at": now,
        },
    )


def users_frame(store) -> pd.DataFrame:
    """The accounts without their password hashes (for listing)."""
    return store.users_frame()


def action_matrix(roles: Iterable[str] = ROLES) -> pd.DataFrame:
    """Role x action table of what each role may do at all (before agency and area checks)."""
    return pd.DataFrame(
        {a: [a in _ROLE_ACTIONS[r] for r in roles] for a in ACTIONS}, index=list(roles)
    )

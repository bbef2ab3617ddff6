"""Account management by an administrator: add, disable, change a password, list.

Every change checks the actor's right first (`require(actor, "manage_users")`)
and lands with its audit entry in one transaction of the store.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from lib.core.i18n import InputError
from lib.services.auth.accounts import USERNAME_PATTERN, User, hash_password, verify_password
from lib.services.auth.permissions import (
    ROLES,
    AreaIndex,
    PermissionDenied,
    load_area_index,
    require,
)


class UserInputError(InputError):
    """A bad value for a user field (role, agency, area, name), in Thai and English."""


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
            f"ชื่อผู้ใช้ {username!r} ใช้ไม่ได้: 2-64 ตัวอักษร a-z ตัวเลข และ . _ - @",
            f"bad username {username!r}: 2-64 characters, lower-case letters, digits, . _ - @",
        )
    if role not in ROLES:
        raise UserInputError(
            f"ไม่มีบทบาท {role!r} (บทบาทที่มี: {', '.join(ROLES)})",
            f"unknown role {role!r}; roles: {', '.join(ROLES)}",
        )
    agency = (agency_code or "").strip().upper() or None
    if agency is not None and agency not in set(store.agency_codes()):
        raise UserInputError(
            f"ไม่มีหน่วยงานรหัส {agency_code!r} (ดูรหัสได้จากรายการข้อมูล)",
            f"unknown agency {agency_code!r} (see `python -m lib catalog`)",
        )
    if role in ("staff", "verifier") and agency is None:
        raise UserInputError(
            "บัญชีเจ้าหน้าที่และผู้ตรวจสอบต้องระบุหน่วยงาน",
            f"a {role} account needs --agency (the agency whose items it writes)",
        )
    area = (area_code or "").strip().upper() or None
    if area is not None:
        index = area_index or load_area_index(store)
        if not index.is_known(area):
            raise UserInputError(
                f"ไม่มีพื้นที่รหัส {area_code!r}: ใช้รหัสจังหวัด/อำเภอของกรมการปกครอง รหัสกลุ่มจังหวัด หรือรหัสภาค",
                f"unknown area {area_code!r}: give a DOPA province/district code, "
                "a cluster or a region code",
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
    """Disable an account (admin only): no more sign-ins, its open sessions end. Rows stay."""
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
        revoke_sessions="user_disable",
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

    A change also clears the failure count and any lock, and ends every open
    sign-in session of the account (signed in elsewhere: signed out).
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
        revoke_sessions="password_change",
    )


def users_frame(store) -> pd.DataFrame:
    """The accounts without their password hashes (for listing)."""
    return store.users_frame()

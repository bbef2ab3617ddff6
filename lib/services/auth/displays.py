"""Display links for wall screens: a long random token in the URL shows named cockpit scopes.

An administrator creates one (`create`): the token is returned once and only
its SHA-256 is stored, with the scopes it may show, a label, who made it and
when. Opening ``/cockpit?display=TOKEN&wall=1`` shows the cockpit of those
scopes without a password, read-only, and nothing else (`open_link` gives the
viewer; `scope_refusal` says why a scope is not shown). A link lasts until it
is revoked (`revoke`), so an unattended screen survives reboots. Creation,
revocation and the first use of each day are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from lib.core.i18n import Text
from lib.services.auth.accounts import User
from lib.services.auth.permissions import PermissionDenied, require
from lib.services.auth.sessions import new_secret, secret_hash
from lib.services.auth.users import UserInputError

DISPLAY_ROLE = "display"  # the viewer's role: not an account role, only the cockpit
SCOPE_LEVELS = ("country", "region", "cluster", "province")
MAX_SCOPES = 30
MAX_LABEL = 100
TOUCH_EVERY = timedelta(minutes=5)  # last use is written at most this often


def _clean_scopes(store, scopes) -> list[str]:
    """Cockpit scope codes, checked against the store's areas, in the order given."""
    areas = store.areas()
    levels = dict(zip(areas["code"].astype(str).str.upper(), areas["level"], strict=True))
    codes = {c.upper(): c for c in areas["code"].astype(str)}
    out: list[str] = []
    for raw in scopes or ():
        code = str(raw or "").strip().upper()
        if code not in levels or levels[code] not in SCOPE_LEVELS:
            raise UserInputError(
                f"ไม่มีพื้นที่ {raw!r} สำหรับห้องบัญชาการ: ใช้ TH รหัสภาค กลุ่มจังหวัด หรือรหัสจังหวัด",
                f"unknown cockpit scope {raw!r}: give TH, a region, a cluster or a province code",
            )
        if codes[code] not in out:
            out.append(codes[code])
    if not out:
        raise UserInputError("ต้องระบุพื้นที่อย่างน้อยหนึ่งพื้นที่", "give at least one scope")
    if len(out) > MAX_SCOPES:
        raise UserInputError(f"ระบุพื้นที่ได้ไม่เกิน {MAX_SCOPES} พื้นที่", f"at most {MAX_SCOPES} scopes")
    return out


def create(
    store, scopes, *, actor: User, origin: str, label: str | None = None, now=None
) -> tuple[int, str]:
    """A new display link (admin only): (its id, its token). The token is shown only now."""
    require(actor, "manage_users")
    codes = _clean_scopes(store, scopes)
    label = (label or "").strip()[:MAX_LABEL] or None
    now = now or datetime.now()
    token = new_secret()
    link_id = store.insert_display_link(
        {
            "token_hash": secret_hash(token),
            "label": label,
            "scopes": ",".join(codes),
            "created_by": actor.username,
            "created_at": now,
            "revoked_at": None,
            "revoked_by": None,
            "last_used_at": None,
        },
        audit={
            "username": actor.username,
            "action": "display_add",
            "detail": {"scopes": codes, "label": label},
            "origin": origin,
            "at": now,
        },
    )
    return link_id, token


def revoke(store, link_id: int, *, actor: User, origin: str, now=None) -> None:
    """Revoke a display link (admin only); ValueError when there is no live link of that id."""
    require(actor, "manage_users")
    now = now or datetime.now()
    audit = {
        "username": actor.username,
        "action": "display_revoke",
        "target": f"display {link_id}",
        "origin": origin,
        "at": now,
    }
    if not store.revoke_display_link(int(link_id), actor.username, now, audit):
        raise ValueError(f"no live display link {link_id}")


def links_frame(store) -> pd.DataFrame:
    """Every display link (never a token or hash): id, label, scopes, by, when, last use."""
    return store.display_links_frame()


@dataclass(frozen=True)
class DisplayViewer(User):
    """The read-only viewer of a display link: role "display", its scopes, its link id."""

    scopes: tuple[str, ...] = ()
    link_id: int = 0


def viewer(link: dict) -> DisplayViewer:
    """The viewer a display link stands for (lands on its first scope)."""
    scopes = tuple(s for s in str(link["scopes"]).split(",") if s)
    return DisplayViewer(
        username=f"display:{link['id']}",
        role=DISPLAY_ROLE,
        area_code=scopes[0] if scopes else None,
        display_name=link.get("label") or f"display {link['id']}",
        scopes=scopes,
        link_id=int(link["id"]),
    )


def open_link(store, token: str | None, origin: str, now=None) -> DisplayViewer | None:
    """The viewer of a live display link's token, or None; records use (audit: once a day)."""
    if not token or len(token) > 200:
        return None
    link = store.display_link_by_hash(secret_hash(token))
    if link is None or link["revoked_at"] is not None:
        return None
    now = now or datetime.now()
    last = link["last_used_at"]
    if last is None or last.date() != now.date():
        audit = {
            "username": f"display:{link['id']}",
            "action": "display_use",
            "target": f"display {link['id']}",
            "detail": {"scopes": link["scopes"]},
            "origin": origin,
            "at": now,
        }
        store.touch_display_link(link["id"], now, audit)
    elif now - last >= TOUCH_EVERY:
        store.touch_display_link(link["id"], now)
    return viewer(link)


def viewer_scopes(user: User | None) -> tuple[str, ...] | None:
    """Cockpit scopes a viewer may see: a display link's own; None means any (accounts)."""
    if user is None or user.role != DISPLAY_ROLE:
        return None
    return tuple(getattr(user, "scopes", ()))


def scope_refusal(allowed: tuple[str, ...] | None, scope_code: str) -> Text | None:
    """Why a scope is not shown to this viewer (Thai, English), or None when it may be.

    >>> scope_refusal(None, "21") is None, scope_refusal(("21",), "21") is None
    (True, True)
    >>> scope_refusal(("21", "20"), "TH").en
    'this display link shows only 21, 20; not TH'
    """
    if allowed is None or scope_code in allowed:
        return None
    shown = ", ".join(allowed)
    return Text(
        f"ลิงก์จอแสดงผลนี้แสดงได้เฉพาะพื้นที่ {shown} ไม่รวม {scope_code}",
        f"this display link shows only {shown}; not {scope_code}",
    )


__all__ = [
    "DISPLAY_ROLE",
    "DisplayViewer",
    "PermissionDenied",
    "create",
    "links_frame",
    "open_link",
    "revoke",
    "scope_refusal",
    "viewer",
    "viewer_scopes",
]

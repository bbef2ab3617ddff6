"""Who may do what: roles x actions, scopes of areas, `can` / `require`, refusals audited.

Pure policy: no Streamlit, no SQL. `can` answers with a `Decision` (allowed,
and why not in Thai and English); `require` raises `PermissionDenied`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from lib.core import settings
from lib.core.i18n import LocalizedError
from lib.services.auth.accounts import User

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
    "manage_config",
    "manage_layouts",
    "manage_reports",
)


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

        Group membership is the one in force on `on` (default: settings.today()):
        a member row counts when valid_from is empty or <= on and valid_to empty or >= on.
        """
        on = pd.Timestamp(on or settings.today())
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


class PermissionDenied(LocalizedError):
    """An action the user may not do (the command line exits with 3)."""

    def __init__(self, message_th: str, message_en: str, action: str | None = None):
        super().__init__(message_th, message_en)
        self.action = action


_ALLOW = Decision(True, "อนุญาต", "allowed")

# Roles that may do an action at all (scope and agency are checked after).
_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "public": frozenset({"read_published"}),
    "staff": frozenset({"read_published", "read_unpublished", "upload", "undo", "manage_layouts"}),
    "verifier": frozenset(
        {"read_published", "read_unpublished", "upload", "verify", "undo", "manage_layouts"}
    ),
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
            "manage_config",
            "manage_layouts",
            "manage_reports",
        }
    ),
}
# Actions whose right comes with the role alone, whatever the area or agency:
# reading is not area-limited (executives compare with peers).
_ROLE_ONLY = (
    "read_unpublished",
    "manage_users",
    "backup",
    "read_audit",
    "manage_layers",
    "manage_config",
    "manage_reports",
)

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
    "manage_config": "ตั้งค่าระบบ (รายการข้อมูล ตัวชี้วัด หน่วยงาน ขอบเขต)",
    "manage_layouts": "จัดการรูปแบบไฟล์ที่บันทึกไว้ของหน่วยงาน",
    "manage_reports": "ตั้งกำหนดส่งรายงานทางอีเมล",
}


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


def _role_refusal(user: User | None, role: str, action: str) -> Decision:
    if user is None or role == "public":
        return _deny(
            f"ต้องเข้าสู่ระบบก่อนจึงจะ{_ACTION_TH[action]}ได้",
            f"sign in to {action.replace('_', ' ')}",
        )
    return _deny(
        f"บทบาท {role} ไม่มีสิทธิ์{_ACTION_TH[action]}",
        f"the role {role} may not {action.replace('_', ' ')}",
    )


def can(
    user: User | None,
    action: str,
    *,
    item: Any = None,
    batch: Any = None,
    area_code: str | Collection[str] | None = None,
    area_index: AreaIndex | None = None,
    agency_code: str | None = None,
) -> Decision:
    """May this user do this action (on this item or batch, in these areas)?

    item: a catalog row (mapping, Series or object) with owner_agency and is_published;
    batch: an upload_batches row with agency_code (undo) or username (verify, when
    settings.two_person_verify() asks that the verifier differ from the uploader);
    area_code: one code or several (every one must lie inside the user's scope);
    area_index: needed whenever the user has a scope and an area is given;
    agency_code: the agency whose saved layouts are managed (manage_layouts: the
    user's own agency, any for an administrator; '' is the administrators' own).
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
        return _role_refusal(user, role, action)
    if action in _ROLE_ONLY or role == "admin":  # an administrator: undo, layouts of all
        return _ALLOW
    if action == "manage_layouts":
        return _agency_decision(user, agency_code)
    return _write_decision(user, role, action, item, batch, area_code, area_index)


def _agency_decision(user: User, agency_code: str | None) -> Decision:
    """manage_layouts by staff/verifier: only the layouts of their own agency."""
    if not user.agency_code:
        return _deny(
            "บัญชีนี้ไม่ได้ผูกกับหน่วยงาน จึงจัดการรูปแบบไฟล์ไม่ได้",
            "this account belongs to no agency, so it may not manage layouts",
        )
    if agency_code is not None and agency_code != user.agency_code:
        return _deny(
            f"รูปแบบไฟล์นี้เป็นของหน่วยงาน {agency_code or 'ผู้ดูแลระบบ'} ไม่ใช่ {user.agency_code}",
            f"this layout belongs to {agency_code or 'the administrators'}, not {user.agency_code}",
        )
    return _ALLOW


def _write_decision(user, role, action, item, batch, area_code, area_index) -> Decision:
    """upload, verify, undo by staff/verifier: own agency, own area."""
    if action == "undo" and _get(batch, "kind") == "verify" and "verify" not in _ROLE_ACTIONS[role]:
        # undoing a verification reverses the verifier's decision: a verifier's right
        return _deny(
            "การยกเลิกผลการตรวจสอบต้องทำโดยผู้ตรวจสอบข้อมูลของหน่วยงาน",
            "only the agency's verifier may undo a verification",
        )
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
    if action == "verify" and settings.two_person_verify():
        if batch is None:
            raise ValueError("with the two-person rule, verify needs the batch (its username)")
        if _get(batch, "username") == user.username:
            return _deny(
                "ผู้ตรวจสอบต้องไม่ใช่ผู้นำเข้าข้อมูลชุดนี้ (กำหนดให้ตรวจสอบโดยบุคคลที่สอง)",
                "the verifier must not be the uploader of this batch (two-person rule)",
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
    agency_code: str | None = None,
) -> None:
    """Raise PermissionDenied unless `can` allows it."""
    decision = can(
        user,
        action,
        item=item,
        batch=batch,
        area_code=area_code,
        area_index=area_index,
        agency_code=agency_code,
    )
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


def require_audited(
    store, user: User | None, action: str, target: str | None, origin: str, **scope
) -> None:
    """`require`, writing the audit entry of a refusal before PermissionDenied is raised
    (`scope`: item, batch, area_code, area_index, agency_code as `can` takes them)."""
    try:
        require(user, action, **scope)
    except PermissionDenied as exc:
        audit_denied(store, user, action, target, origin, reason=exc.message_en)
        raise

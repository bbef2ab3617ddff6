"""How a file of an agency is read: column roles, sheets and the period rule, saved by name.

A :class:`Layout` says, for headers as the file writes them, which role each
column plays (:data:`ROLES`, or ``item:CODE`` for a value column of that item,
so one file can feed several items), which sheets to read and where the period
comes from. ``import --column "HEADER=ROLE"`` and the Upload page's mapping
step build one; a saved layout (lib.services.layouts) is matched to the next
file by its header (:meth:`Layout.matches`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lib.core.i18n import InputError
from lib.ingest.text import clean_text, header_key

# Roles a column can be given; "item:CODE" is also a role (a value column of that item).
ROLES = (
    "area",
    "province",
    "district",
    "area_name",
    "item",
    "period",
    "year",
    "month",
    "quarter",
    "value",
    "note",
    "ignore",
)
# Where the period of a sheet comes from when no column gives it.
PERIOD_RULES = ("", "sheet", "title", "yymm")


@dataclass(frozen=True)
class Layout:
    """Column roles by header text, the sheets to read and the period rule."""

    columns: dict[str, str] = field(default_factory=dict)  # header text -> role
    sheets: tuple[str, ...] = ()  # () = the first sheet with a header (or all_sheets)
    all_sheets: bool = False
    period_rule: str = ""  # "" automatic; "sheet": the sheet's name; "title": a title row
    name: str = ""

    def role_of(self, header: str) -> str | None:
        """The role mapped to a header text (compared by header_key), or None."""
        key = header_key(header)
        for text, role in self.columns.items():
            if header_key(text) == key:
                return role
        return None

    def signature(self) -> tuple[str, ...]:
        """The header keys of the mapped columns, sorted: what a file must hold to match."""
        return tuple(sorted({header_key(t) for t in self.columns if header_key(t)}))

    def matches(self, header_keys: list[str] | tuple[str, ...]) -> bool:
        """True when every mapped header is among a row's header keys (and one is mapped)."""
        sig = self.signature()
        return bool(sig) and set(sig) <= set(header_keys)

    def to_json(self) -> str:
        """The layout as JSON (what the store keeps)."""
        return json.dumps(
            {
                "columns": self.columns,
                "sheets": list(self.sheets),
                "all_sheets": self.all_sheets,
                "period_rule": self.period_rule,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, name: str = "") -> Layout:
        """A layout from its JSON (to_json)."""
        d = json.loads(text)
        return cls(
            columns={str(k): str(v) for k, v in dict(d.get("columns") or {}).items()},
            sheets=tuple(str(s) for s in d.get("sheets") or ()),
            all_sheets=bool(d.get("all_sheets")),
            period_rule=str(d.get("period_rule") or ""),
            name=name,
        )


def parse_column_option(text: str) -> tuple[str, str]:
    """(header, role) of a ``HEADER=ROLE`` option; InputError (Thai and English) if malformed.

    The last '=' splits (a header may hold '='); the role is one of ROLES or item:CODE.

    >>> parse_column_option("จำนวนประชากร (คน)=item:POP01")
    ('จำนวนประชากร (คน)', 'item:POP01')
    """
    header, sep, role = str(text).rpartition("=")
    header, role = clean_text(header), clean_text(role)
    if not sep or not header or not role:
        raise InputError(
            f'--column \'{text}\' ต้องเขียนเป็น "หัวคอลัมน์=บทบาท" เช่น "ชื่อจังหวัด=area"',
            f'--column \'{text}\' must be "HEADER=ROLE", e.g. "ชื่อจังหวัด=area"',
        )
    if role not in ROLES and not (role.startswith("item:") and role[5:].strip()):
        roles = ", ".join((*ROLES, "item:CODE"))
        raise InputError(
            f"--column '{text}': ไม่มีบทบาท '{role}' (ใช้ได้: {roles})",
            f"--column '{text}': no role '{role}' (one of: {roles})",
        )
    if role.startswith("item:"):
        role = "item:" + role[5:].strip()
    return header, role

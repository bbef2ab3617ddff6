"""Saved layouts of an agency's files: save, list, rename, delete, and the ones an upload tries.

A layout (lib.ingest.layout.Layout: column roles, sheets, period rule) is kept
for the agency of the user who saves it ('' for an administrator's own). The
agency's staff and verifiers manage their agency's layouts, an administrator
every agency's (auth action ``manage_layouts``); a refusal is audited, and so
is every change (layout_saved, layout_renamed, layout_deleted, with before and
after). Reading a file tries the agency's layouts, newest first (`for_upload`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from lib.core.i18n import InputError
from lib.ingest.layout import Layout
from lib.ingest.text import header_key
from lib.services import auth
from lib.store import Store

MAX_NAME_LENGTH = 60
LISTED_COLUMNS = [
    "agency_code",
    "name",
    "columns",
    "sheets",
    "period_rule",
    "created_by",
    "updated_at",
]


def clean_name(name: object) -> str:
    """A layout's name, trimmed; InputError (Thai and English) unless 1-60 characters.

    >>> clean_name("  ประชากรรายเดือน ")
    'ประชากรรายเดือน'
    """
    text = " ".join(str(name or "").split())
    if not 1 <= len(text) <= MAX_NAME_LENGTH:
        raise InputError(
            f"ชื่อรูปแบบไฟล์ต้องมี 1 ถึง {MAX_NAME_LENGTH} ตัวอักษร (ได้ {len(text)})",
            f"a layout's name must have 1 to {MAX_NAME_LENGTH} characters (got {len(text)})",
        )
    return text


def agency_of(user: auth.User) -> str:
    """The agency whose layouts are the user's own: '' for an administrator."""
    return "" if user.role == "admin" else user.agency_code or ""


def _target(agency_code: str, name: str) -> str:
    return f"layout {agency_code or '(admin)'}/{name}"


def _require(store: Store, user, agency_code: str, target: str, origin: str) -> None:
    """auth.PermissionDenied (audited) unless the user may manage the agency's layouts."""
    try:
        auth.require(user, "manage_layouts", agency_code=agency_code)
    except auth.PermissionDenied as exc:
        auth.audit_denied(store, user, "manage_layouts", target, origin, reason=exc.message_en)
        raise


def _entry(user, action: str, target: str, origin: str, **detail) -> dict:
    return {
        "username": user.username,
        "action": action,
        "target": target,
        "detail": detail,
        "origin": origin,
    }


def compose(
    base: Layout | None = None,
    columns: Iterable[tuple[str, str]] = (),
    sheets: Iterable[str] = (),
    all_sheets: bool = False,
    period_rule: str = "",
) -> Layout | None:
    """A layout from a saved one and options on top (a column given again takes the new role).

    None when neither a base nor any option is given (the saved layouts are then tried).

    >>> compose(Layout({"จังหวัด": "area", "ปี": "period"}), [("ปี", "ignore")]).columns
    {'จังหวัด': 'area', 'ปี': 'ignore'}
    """
    columns, sheets = list(columns), tuple(sheets)
    if base is None and not (columns or sheets or all_sheets or period_rule):
        return None
    base = base or Layout()
    given = {header_key(h) for h, _ in columns}
    mapping = {h: r for h, r in base.columns.items() if header_key(h) not in given}
    mapping.update(dict(columns))
    return Layout(
        columns=mapping,
        sheets=sheets or base.sheets,
        all_sheets=all_sheets or base.all_sheets,
        period_rule=period_rule or base.period_rule,
        name=base.name,
    )


def from_result(result, layout: Layout | None = None) -> Layout:
    """The layout a file was read with: the role of every column of its header row, and the
    sheets and period rule it was read with (what `--save-layout` keeps)."""
    layout = layout or Layout()
    roles = {
        str(c["label"]): str(c["role"])
        for c in result.columns
        if c.get("role") and str(c.get("label") or "").strip()
    }
    return Layout(
        columns=roles or dict(layout.columns),
        sheets=layout.sheets,
        all_sheets=layout.all_sheets,
        period_rule=layout.period_rule,
        name=layout.name,
    )


# Problems that mean the file itself could not be read as a table (no layout to keep).
NOT_READ = frozenset(
    {
        "unreadable_file",
        "empty_file",
        "bad_encoding",
        "missing_header",
        "no_data_rows",
        "too_many_rows",
        "bad_mapping",
        "unknown_sheet",
    }
)


def was_read(result) -> bool:
    """True when the file was read as a table (its header found), whatever its rows hold."""
    return not any(p.code in NOT_READ for p in result.errors)


def save(store: Store, user, name: str, layout: Layout, origin: str = "app") -> Layout:
    """Save (or replace) a layout of the user's agency under a name; the saved Layout."""
    name = clean_name(name)
    agency = agency_of(user)
    target = _target(agency, name)
    _require(store, user, agency, target, origin)
    if not layout.signature():
        raise InputError(
            "รูปแบบไฟล์ต้องระบุบทบาทของหัวคอลัมน์อย่างน้อยหนึ่งคอลัมน์",
            "a layout must give the role of at least one column header",
        )
    before = store.layout_row(agency, name)
    after = layout.to_json()
    store.save_layout(
        agency,
        name,
        after,
        json.dumps(list(layout.signature()), ensure_ascii=False),
        user.username,
        audit=_entry(
            user,
            "layout_saved",
            target,
            origin,
            before=None if before is None else json.loads(before["layout"]),
            after=json.loads(after),
        ),
    )
    return Layout.from_json(after, name)


def _describe(layout: Layout) -> tuple[str, str]:
    """(columns, sheets) of a layout as text: 'HEADER=ROLE; ...' and the sheet names."""
    columns = "; ".join(f"{h}={r}" for h, r in layout.columns.items())
    sheets = "*" if layout.all_sheets else ", ".join(layout.sheets)
    return columns, sheets


def listed(store: Store, user, agency_code: str | None = None, origin: str = "app") -> pd.DataFrame:
    """Saved layouts the user manages: its agency's (an administrator: all, or one agency's)."""
    if user is not None and user.role == "admin":
        frame = store.layouts(agency_code)
    else:
        agency = agency_code if agency_code is not None else agency_of(user) if user else ""
        _require(store, user, agency, f"layouts of {agency or '-'}", origin)
        frame = store.layouts(agency)
    rows = []
    for row in frame.itertuples(index=False):
        layout = Layout.from_json(row.layout, row.name)
        columns, sheets = _describe(layout)
        rows.append(
            [row.agency_code, row.name, columns, sheets, layout.period_rule]
            + [row.created_by, row.updated_at]
        )
    return pd.DataFrame(rows, columns=LISTED_COLUMNS)


def _missing(store: Store, agency: str, name: str) -> InputError:
    names = store.layouts(agency)["name"].tolist()
    have_th = ", ".join(names) if names else "ยังไม่มี"
    have_en = ", ".join(names) if names else "none yet"
    who = agency or "ผู้ดูแลระบบ"
    return InputError(
        f"ไม่มีรูปแบบไฟล์ชื่อ '{name}' ของหน่วยงาน {who} (ที่มี: {have_th})",
        f"no layout named '{name}' of {agency or 'the administrators'} (saved: {have_en})",
    )


def named(store: Store, user, name: str, agency_code: str | None = None) -> Layout:
    """A saved layout of the user's agency by name (InputError in Thai, naming those there are).

    agency_code: another agency's, for an administrator only.
    """
    agency = agency_code if agency_code is not None and user.role == "admin" else agency_of(user)
    name = " ".join(str(name or "").split())
    row = store.layout_row(agency, name)
    if row is None:
        raise _missing(store, agency, name)
    return Layout.from_json(row["layout"], row["name"])


def for_upload(store: Store, user) -> list[Layout]:
    """The user's agency's saved layouts, newest first: what a file's header is tried against."""
    if user is None or (user.role != "admin" and not user.agency_code):
        return []
    frame = store.layouts(agency_of(user))
    return [Layout.from_json(t, n) for t, n in zip(frame["layout"], frame["name"], strict=True)]


def rename(
    store: Store,
    user,
    name: str,
    new_name: str,
    agency_code: str | None = None,
    origin: str = "app",
) -> str:
    """Rename a layout (of the user's agency, or `agency_code`'s); the new name.

    auth.PermissionDenied (audited) for another agency's unless an administrator;
    InputError when there is no such layout or the new name is taken.
    """
    agency = agency_of(user) if agency_code is None else agency_code
    name, new_name = " ".join(str(name or "").split()), clean_name(new_name)
    target = _target(agency, name)
    _require(store, user, agency, target, origin)
    entry = _entry(user, "layout_renamed", target, origin, before=name, after=new_name)
    if not store.rename_layout(agency, name, new_name, user.username, audit=entry):
        raise _missing(store, agency, name)
    return new_name


def delete(
    store: Store, user, name: str, agency_code: str | None = None, origin: str = "app"
) -> None:
    """Delete a layout (of the user's agency, or `agency_code`'s); the same rights as rename."""
    agency = agency_of(user) if agency_code is None else agency_code
    name = " ".join(str(name or "").split())
    target = _target(agency, name)
    _require(store, user, agency, target, origin)
    row = store.layout_row(agency, name)
    if row is None:
        raise _missing(store, agency, name)
    entry = _entry(
        user, "layout_deleted", target, origin, before=json.loads(row["layout"]), after=None
    )
    store.delete_layout(agency, name, audit=entry)

"""An administrator's integration feeds: add, list with their health, remove; their runs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from lib.core.i18n import InputError
from lib.services import auth, layouts
from lib.services.feeds import sources
from lib.services.feeds.due import health

KINDS = ("inbox", "url")
MANAGE_ACTION = "manage_config"  # setting up feeds is the deployment's configuration
MAX_EVERY_MINUTES = 31 * 24 * 60


def _check_source(kind: str, source: str) -> str:
    """The feed's URL (http/https) or inbox folder (an existing folder, absolute)."""
    if kind not in KINDS:
        raise InputError(
            f"ชนิดต้องเป็น inbox หรือ url (ได้ {kind!r})", f"kind must be inbox or url, not {kind!r}"
        )
    if kind == "url":
        return sources.check_url(source)
    folder = Path(str(source or "").strip()).expanduser()
    if not str(source or "").strip() or not folder.is_dir():
        raise InputError(f"ไม่พบโฟลเดอร์ {source!r}", f"no folder {source!r}")
    return str(folder.resolve())


def _check_every(every_minutes) -> int:
    try:
        every = int(every_minutes)
    except (TypeError, ValueError):
        every = 0
    if not 1 <= every <= MAX_EVERY_MINUTES:
        raise InputError(
            f"รอบการดึงต้องเป็น 1 ถึง {MAX_EVERY_MINUTES} นาที (ได้ {every_minutes!r})",
            f"every must be 1 to {MAX_EVERY_MINUTES} minutes (got {every_minutes!r})",
        )
    return every


def _account(store, username: str, agency_code: str) -> auth.User:
    """The active account the feed writes as; it must belong to the feed's agency."""
    account = auth.load_user(store, str(username or "").strip())
    if account is None:
        raise InputError(f"ไม่มีบัญชี {username!r} ที่ใช้งานอยู่", f"no active account {username!r}")
    if account.agency_code != agency_code:
        raise InputError(
            f"บัญชี {username} ไม่ใช่ของหน่วยงาน {agency_code}",
            f"account {username} is not of agency {agency_code}",
        )
    return account


def add(
    store,
    user,
    *,
    name: str,
    agency_code: str,
    kind: str,
    source: str,
    layout_name: str,
    username: str,
    every_minutes: int = 60,
    origin: str = "app",
    now: datetime | None = None,
) -> int:
    """Define a feed (administrators only; audited); return its id. It is due at once.

    InputError for a bad kind, source, interval, account (not of the agency) or a layout
    the agency has not saved; PermissionDenied (audited) for anyone but an administrator.
    """
    name, agency_code = " ".join(str(name or "").split()), str(agency_code or "").strip()
    auth.require_audited(store, user, MANAGE_ACTION, f"feed {name}", origin)
    if not name:
        raise InputError("ต้องตั้งชื่อการเชื่อมโยง", "a feed needs a name")
    row = {
        "name": name,
        "agency_code": agency_code,
        "kind": kind,
        "source": _check_source(kind, source),
        "every_minutes": _check_every(every_minutes),
    }
    account = _account(store, username, agency_code)
    row["layout_name"] = layouts.named(store, account, layout_name).name
    now = now or datetime.now()
    row |= {"username": account.username, "created_by": user.username, "created_at": now}
    row["next_due_at"] = now
    audit = {"username": user.username, "action": "feed_added", "origin": origin, "at": now}
    audit["detail"] = {
        k: row[k] for k in ("name", "agency_code", "kind", "source", "layout_name", "username")
    }
    return store.add_feed(row, [audit])


def remove(store, user, feed_id: int, origin: str = "app", now: datetime | None = None) -> None:
    """Stop a feed (administrators only; kept with its runs, audited)."""
    auth.require_audited(store, user, MANAGE_ACTION, f"feed {feed_id}", origin)
    audit = {
        "username": user.username,
        "action": "feed_removed",
        "target": f"feed {feed_id}",
        "origin": origin,
        "at": now or datetime.now(),
    }
    if not store.deactivate_feed(int(feed_id), [audit]):
        raise InputError(f"ไม่มีการเชื่อมโยงข้อมูลหมายเลข {feed_id}", f"no active feed {feed_id}")


def listed(store, now: datetime | None = None) -> pd.DataFrame:
    """The active feeds with their health (lib.services.feeds.due.health), oldest first."""
    frame = store.feeds()
    now = now or datetime.now()
    frame["health"] = [health(row, now) for row in frame.to_dict("records")]
    return frame


def troubled(store, now: datetime | None = None) -> pd.DataFrame:
    """The feeds that are failing or late (what staff should know on the cockpit)."""
    frame = listed(store, now)
    return frame[frame["health"].isin(["failing", "late"])].reset_index(drop=True)


def runs(store, feed_id: int | None = None, limit: int = 100) -> pd.DataFrame:
    """The newest runs, newest first; errors as a list of {row, column, th, en}."""
    frame = store.feed_runs(feed_id, limit)
    frame["errors"] = [json.loads(e) if e else [] for e in frame["errors"]]
    return frame

"""When a feed is due, how a failing one backs off, and how healthy it is: pure functions.

A run that delivers (committed or unchanged) puts the next run one interval later;
each failed run in a row (rejected, refused, error) doubles the wait, capped at
FEED_BACKOFF_CAP_MINUTES (a day): a failing feed is a warning, tried less often,
never a crash.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from lib.core.settings import FEED_BACKOFF_CAP_MINUTES

GOOD = ("committed", "unchanged")  # run statuses that count as delivered
FAILED = ("rejected", "refused", "error")
# health of a feed: delivering, failing (backing off), late (not run when due), waiting (new)
HEALTH = ("ok", "failing", "late", "waiting")
LATE_GRACE_MINUTES = 60  # a feed due longer ago than its interval or this is late


def wait_minutes(every_minutes: int, failures: int, cap: int = FEED_BACKOFF_CAP_MINUTES) -> int:
    """Minutes until the next run: the interval, doubled per failure in a row, capped.

    >>> [wait_minutes(60, n) for n in range(7)]
    [60, 120, 240, 480, 960, 1440, 1440]
    >>> wait_minutes(2000, 3)  # the cap never shortens the feed's own interval
    2000
    """
    every = max(int(every_minutes), 1)
    if failures <= 0:
        return every
    return min(every * 2 ** min(int(failures), 30), max(int(cap), every))


def next_due(now: datetime, every_minutes: int, failures: int) -> datetime:
    """When a feed runs next after a run at `now` (see wait_minutes)."""
    return now + timedelta(minutes=wait_minutes(every_minutes, failures))


def failures_after(status: str, failures: int) -> int:
    """Failed runs in a row after a run of this status.

    >>> failures_after("error", 2), failures_after("unchanged", 2)
    (3, 0)
    """
    return 0 if status in GOOD else int(failures) + 1


def _when(value) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def is_due(feed: dict, now: datetime) -> bool:
    """True for an active feed whose next run time has come."""
    due = _when(feed.get("next_due_at"))
    return bool(feed.get("is_active", True)) and due is not None and due <= now


def health(feed: dict, now: datetime) -> str:
    """ok, failing (its last runs failed), late (due long ago, not run) or waiting (never run).

    >>> t = datetime(2026, 11, 22, 12)
    >>> feed = {"failures": 0, "every_minutes": 60, "last_run_at": t, "next_due_at": t}
    >>> health(feed, t), health({**feed, "failures": 2}, t)
    ('ok', 'failing')
    >>> health({**feed, "next_due_at": t - timedelta(hours=3)}, t)
    'late'
    """
    if int(feed.get("failures") or 0) > 0:
        return "failing"
    due = _when(feed.get("next_due_at"))
    grace = timedelta(minutes=max(int(feed.get("every_minutes") or 0), LATE_GRACE_MINUTES))
    if due is not None and due < now - grace:
        return "late"
    return "waiting" if _when(feed.get("last_run_at")) is None else "ok"

"""Named queries of integration feeds: definitions, their runs, what committed runs delivered.

When a feed is due, how it backs off and what a run does are decided by
lib.services.feeds; a run and the feed's new state land in one transaction. The
areas and period ends a feed's batch committed (feed_deliveries) are written by
Store.commit_cells in the batch's own transaction (KPI 4.4 step 1).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd

from lib.store.rules import end_of_day

# Integration feeds (issue 16): an agency's inbox folder or URL read on a schedule through
# the upload pipeline as one account; every run is kept; the areas and period ends each
# committed feed batch wrote are kept beside it (KPI 4.4 step 1, lib.engine.coverage).
FEEDS_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS feed_seq START 1;

CREATE TABLE IF NOT EXISTS feeds (
    id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL,
    agency_code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('inbox', 'url')),
    source VARCHAR NOT NULL,          -- the inbox folder, or the http(s) URL
    layout_name VARCHAR NOT NULL,     -- a saved layout of the agency (layouts)
    username VARCHAR NOT NULL,        -- the account the feed writes as
    every_minutes INTEGER NOT NULL CHECK (every_minutes > 0),
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    next_due_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,  -- failed runs in a row (the back-off)
    last_run_at TIMESTAMP,
    last_status VARCHAR,
    last_error VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS feed_run_seq START 1;

CREATE TABLE IF NOT EXISTS feed_runs (
    id BIGINT PRIMARY KEY,
    feed_id BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL
        CHECK (status IN ('committed', 'unchanged', 'rejected', 'refused', 'error')),
    file_name VARCHAR,
    checksum VARCHAR,
    batch_id BIGINT,
    n_rows INTEGER NOT NULL DEFAULT 0,
    n_new INTEGER NOT NULL DEFAULT 0,
    n_changed INTEGER NOT NULL DEFAULT 0,
    n_rejected INTEGER NOT NULL DEFAULT 0,
    errors VARCHAR                    -- JSON list of {row, column, th, en}
);

CREATE TABLE IF NOT EXISTS feed_deliveries (
    feed_id BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,
    area_code VARCHAR NOT NULL,
    period_end DATE NOT NULL
);
"""

# When each delivery arrived (a feed run's commit; a bulk load's cell submission), so a view
# of the past sees only what had been delivered by then.
FEED_DELIVERED_AT = """
ALTER TABLE feed_deliveries ADD COLUMN delivered_at TIMESTAMP;
UPDATE feed_deliveries SET delivered_at = (
    SELECT b.created_at FROM upload_batches b WHERE b.batch_id = feed_deliveries.batch_id
);
"""
# The feed id of deliveries recorded by a bulk load (the demo's generator), not by a run.
BULK_FEED_ID = 0


# The columns a new feed is inserted with (the rest take their defaults).
_NEW_COLUMNS = (
    "name",
    "agency_code",
    "kind",
    "source",
    "layout_name",
    "username",
    "every_minutes",
    "created_by",
    "created_at",
    "next_due_at",
)
_RUN_COLUMNS = (
    "feed_id",
    "started_at",
    "finished_at",
    "status",
    "file_name",
    "checksum",
    "batch_id",
    "n_rows",
    "n_new",
    "n_changed",
    "n_rejected",
)


class FeedQueries:
    """Integration feeds and their runs (mixed into Store)."""

    def add_feed(self, row: dict, audits: list[dict] | None = None) -> int:
        """Insert a feed (the keys of _NEW_COLUMNS) with its audit entries; return its id."""
        columns = ", ".join(_NEW_COLUMNS)
        marks = ", ".join("?" for _ in _NEW_COLUMNS)
        with self.transaction() as cur:
            new_id = self._next_id(cur, "feed_seq")
            cur.execute(
                f"INSERT INTO feeds (id, {columns}) VALUES (?, {marks})",
                [new_id, *(row[c] for c in _NEW_COLUMNS)],
            )
            for entry in audits or ():
                self._audit(cur, **{"target": f"feed {new_id}", **entry})
        return int(new_id)

    def feeds(self, active_only: bool = True) -> pd.DataFrame:
        """The feeds (the active ones, or all), oldest first."""
        return self._df("SELECT * FROM feeds WHERE is_active OR NOT ? ORDER BY id", [active_only])

    def feed(self, feed_id: int) -> dict | None:
        """One feed as a dict, or None."""
        return self._fetch_dict("SELECT * FROM feeds WHERE id = ?", [int(feed_id)])

    def deactivate_feed(self, feed_id: int, audits: list[dict]) -> bool:
        """Stop an active feed (kept with its runs); False when there is no such one."""
        with self.transaction() as cur:
            changed = cur.execute(
                "UPDATE feeds SET is_active = FALSE WHERE id = ? AND is_active", [int(feed_id)]
            ).fetchone()[0]
            if changed:
                for entry in audits:
                    self._audit(cur, **entry)
        return bool(changed)

    def record_feed_run(self, run: dict, state: dict) -> int:
        """Keep a run (the keys of _RUN_COLUMNS, errors: a list) and the feed's new state
        (next_due_at, failures, last_run_at, last_status, last_error) at once; the run's id."""
        with self.transaction() as cur:
            run_id = self._next_id(cur, "feed_run_seq")
            cur.execute(
                f"INSERT INTO feed_runs (id, {', '.join(_RUN_COLUMNS)}, errors) "
                f"VALUES (?, {', '.join('?' for _ in _RUN_COLUMNS)}, ?)",
                [
                    run_id,
                    *(
                        int(run.get(c) or 0) if c.startswith("n_") else run.get(c)
                        for c in _RUN_COLUMNS
                    ),
                    json.dumps(run.get("errors") or [], ensure_ascii=False, default=str),
                ],
            )
            self._feed_state(cur, run["feed_id"], state)
        return int(run_id)

    def claim_feed(self, feed_id: int, seen_due, until) -> bool:
        """Take a due feed's run for this process: its next due time moves from the one seen
        to `until` (a lease) only if nobody moved it first. False: another app server of a
        shared store (or another round) took it."""
        with self.transaction() as cur:
            row = cur.execute(
                "UPDATE feeds SET next_due_at = ? WHERE id = ? AND is_active AND next_due_at = ?",
                [until, int(feed_id), seen_due],
            ).fetchone()
        return bool(row and int(row[0]) == 1)

    def set_feed_state(self, feed_id: int, state: dict) -> None:
        """The feed's next due time and standing, without a run (an empty inbox)."""
        with self.transaction() as cur:
            self._feed_state(cur, feed_id, state)

    @staticmethod
    def _feed_state(cur, feed_id: int, state: dict) -> None:
        cur.execute(
            "UPDATE feeds SET next_due_at = ?, failures = ?, "
            "last_run_at = coalesce(?, last_run_at), last_status = coalesce(?, last_status), "
            "last_error = ? WHERE id = ?",
            [
                state["next_due_at"],
                int(state["failures"]),
                state.get("last_run_at"),
                state.get("last_status"),
                state.get("last_error"),
                int(feed_id),
            ],
        )

    def feed_runs(self, feed_id: int | None = None, limit: int = 100) -> pd.DataFrame:
        """The newest runs (of one feed, or of all), newest first."""
        return self._df(
            "SELECT * FROM feed_runs WHERE CAST(? AS BIGINT) IS NULL OR feed_id = ? "
            "ORDER BY id DESC LIMIT ?",
            [feed_id, feed_id, int(limit)],
        )

    def feed_delivered_areas(self, fy_start: date, fy_end: date, as_of: date) -> list[str]:
        """Areas a feed delivered a value of, with a period end in [fy_start, fy_end],
        delivered by as_of (whole day) in a batch not undone by then."""
        cutoff: datetime = end_of_day(as_of)
        frame = self._df(
            "SELECT DISTINCT d.area_code FROM feed_deliveries d "
            "WHERE d.period_end BETWEEN ? AND ? AND d.delivered_at < ? AND NOT EXISTS ("
            " SELECT 1 FROM upload_batches b WHERE b.batch_id = d.batch_id"
            " AND b.undone_at < ?) ORDER BY 1",
            [fy_start, fy_end, cutoff, cutoff],
        )
        return frame["area_code"].astype(str).tolist()

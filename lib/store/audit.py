"""Named queries of the audit log: append one entry, read it back filtered.

The audit log is append-only: no Store method changes or removes its rows.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from lib.store.rules import end_of_day


class AuditQueries:
    """The append-only audit log (mixed into Store)."""

    def record_audit(
        self,
        username: str | None,
        action: str,
        target: str | None = None,
        detail: dict | None = None,
        origin: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one audit entry on its own (a refusal, a backup, a failed sign-in)."""
        with self.transaction() as cur:
            self._audit(cur, username, action, target, detail, origin, at)

    def audit_log(self) -> pd.DataFrame:
        """The audit log, newest first."""
        return self._df("SELECT * FROM audit_log ORDER BY id DESC")

    def audit_log_filtered(
        self,
        username: str | None = None,
        action: str | list[str] | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Audit entries newest first, by user, action(s) and time [since, until).

        A date for `until` includes that whole day.
        """
        where, params = [], []
        if username:
            where.append("username = ?")
            params.append(username)
        if action:
            where.append("list_contains(?, action)")
            params.append([action] if isinstance(action, str) else list(action))
        if since is not None:
            where.append("occurred_at >= ?")
            params.append(since)
        if until is not None:
            if not isinstance(until, datetime):
                until = end_of_day(until)
            where.append("occurred_at < ?")
            params.append(until)
        sql = "SELECT * FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._df(sql, params)

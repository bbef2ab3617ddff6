"""Named queries of scheduled report deliveries: the schedules and where each stands.

Who may schedule, when a schedule is due and how a failed send is retried are
decided by lib.reports.schedule; sends and failures are audit entries, written
in the same transaction as the state they change (passed here as `audits`).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

# The columns a new schedule is inserted with (the rest take their defaults).
_NEW_COLUMNS = (
    "kind",
    "area_code",
    "kpi_code",
    "agency_code",
    "report_format",
    "lang",
    "thai_digits",
    "recipients",
    "frequency",
    "created_by",
    "created_at",
)


class ScheduleQueries:
    """Scheduled report deliveries (mixed into Store)."""

    def add_report_schedule(self, row: dict, audits: list[dict] | None = None) -> int:
        """Insert a schedule (the keys of _NEW_COLUMNS) with its audit entries; return its id."""
        columns = ", ".join(_NEW_COLUMNS)
        marks = ", ".join("?" for _ in _NEW_COLUMNS)
        with self.transaction() as cur:
            new_id = self._next_id(cur, "report_schedule_seq")
            cur.execute(
                f"INSERT INTO report_schedules (id, {columns}) VALUES (?, {marks})",
                [new_id, *(row[c] for c in _NEW_COLUMNS)],
            )
            for entry in audits or ():
                self._audit(cur, **{"target": f"schedule {new_id}", **entry})
        return int(new_id)

    def report_schedules(self, active_only: bool = True) -> pd.DataFrame:
        """The schedules (the active ones, or all), oldest first."""
        return self._df(
            "SELECT * FROM report_schedules WHERE is_active OR NOT ? ORDER BY id", [active_only]
        )

    def report_schedule(self, schedule_id: int) -> dict | None:
        """One schedule as a dict, or None."""
        return self._fetch_dict("SELECT * FROM report_schedules WHERE id = ?", [int(schedule_id)])

    def deactivate_report_schedule(self, schedule_id: int, audits: list[dict]) -> bool:
        """Stop an active schedule (kept for the record); False when there is no such one."""
        with self.transaction() as cur:
            changed = cur.execute(
                "UPDATE report_schedules SET is_active = FALSE WHERE id = ? AND is_active",
                [int(schedule_id)],
            ).fetchone()[0]
            if changed:
                for entry in audits:
                    self._audit(cur, **entry)
        return bool(changed)

    def schedule_sent(
        self, schedule_id: int, due_at: datetime, sent_at: datetime, audits: list[dict]
    ) -> None:
        """A due time delivered: remember it, clear the failed attempts."""
        self._schedule_state(
            "last_due_at = ?, last_sent_at = ?, attempts = 0, retry_at = NULL, last_error = NULL",
            [due_at, sent_at],
            schedule_id,
            audits,
        )

    def schedule_failed(
        self,
        schedule_id: int,
        attempts: int,
        retry_at: datetime,
        error: str,
        audits: list[dict],
    ) -> None:
        """A failed attempt at the pending due time: count it, retry at retry_at."""
        self._schedule_state(
            "attempts = ?, retry_at = ?, last_error = ?",
            [int(attempts), retry_at, error],
            schedule_id,
            audits,
        )

    def schedule_given_up(
        self, schedule_id: int, due_at: datetime, error: str, audits: list[dict]
    ) -> None:
        """Too many failures: the due time counts as passed, the next one is awaited."""
        self._schedule_state(
            "last_due_at = ?, attempts = 0, retry_at = NULL, last_error = ?",
            [due_at, error],
            schedule_id,
            audits,
        )

    def _schedule_state(
        self, assignments: str, params: list, schedule_id: int, audits: list[dict]
    ) -> None:
        """Set a schedule's state columns (a fixed SQL fragment of this module) and audit."""
        with self.transaction() as cur:
            cur.execute(
                f"UPDATE report_schedules SET {assignments} WHERE id = ?",
                [*params, int(schedule_id)],
            )
            for entry in audits:
                self._audit(cur, **entry)

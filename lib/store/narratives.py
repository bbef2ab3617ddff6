"""Named queries of the KPI form's narratives: what a KPI owner writes per round.

kpi_narratives keeps every version; the newest per (fiscal year, round, KPI,
area, field) is in force (the newest written_at, then the highest id). Who may
write, and the fields, are decided by lib.services.narratives; its audit entry
is written here in the same transaction as the versions it records.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

NARRATIVE_COLUMNS = (
    "id",
    "fiscal_year",
    "round_months",
    "kpi_code",
    "area_code",
    "field",
    "text",
    "written_by",
    "written_at",
)
_KEY = "fiscal_year = ? AND round_months = ? AND kpi_code = ? AND area_code = ?"


class NarrativeQueries:
    """Narratives of the per-indicator form, every version kept (mixed into Store)."""

    def add_narratives(self, versions: list[dict], audit: dict | None = None) -> list[int]:
        """Insert new versions (NARRATIVE_COLUMNS but id; written_at defaults to now), ids
        from narrative_seq, with the audit entry (its detail gets the ids), in one
        transaction; return the ids."""
        now = datetime.now()
        ids: list[int] = []
        with self.transaction() as cur:
            for version in versions:
                new_id = self._next_id(cur, "narrative_seq")
                row = {**version, "id": new_id, "written_at": version.get("written_at") or now}
                cur.execute(
                    f"INSERT INTO kpi_narratives ({', '.join(NARRATIVE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in NARRATIVE_COLUMNS)})",
                    [row[c] for c in NARRATIVE_COLUMNS],
                )
                ids.append(new_id)
            if audit:
                detail = {**(audit.get("detail") or {}), "ids": ids}
                self._audit(cur, **{"at": now, **audit, "detail": detail})
        return ids

    def narratives_current(
        self, fiscal_year: int, round_months: int, kpi_code: str, area_code: str
    ) -> pd.DataFrame:
        """The version in force of each written field of a form (NARRATIVE_COLUMNS), by field."""
        return self._df(
            f"SELECT {', '.join(NARRATIVE_COLUMNS)} FROM kpi_narratives WHERE {_KEY} "
            "QUALIFY row_number() OVER (PARTITION BY field ORDER BY written_at DESC, id DESC) = 1 "
            "ORDER BY field",
            [int(fiscal_year), int(round_months), kpi_code, area_code],
        )

    def narrative_history(
        self,
        fiscal_year: int,
        round_months: int,
        kpi_code: str,
        area_code: str,
        field: str | None = None,
    ) -> pd.DataFrame:
        """Every version of a form's fields (or of one field), oldest first (NARRATIVE_COLUMNS)."""
        return self._df(
            f"SELECT {', '.join(NARRATIVE_COLUMNS)} FROM kpi_narratives WHERE {_KEY} "
            "AND (CAST(? AS VARCHAR) IS NULL OR field = ?) ORDER BY written_at, id",
            [int(fiscal_year), int(round_months), kpi_code, area_code, field, field],
        )

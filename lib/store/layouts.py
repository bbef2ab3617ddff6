"""Named queries of the saved layouts: how an agency's files are read, kept by name.

A layout row holds a lib.ingest.layout.Layout as JSON and the header keys it
was saved from, keyed by (agency_code, name); agency_code '' is the
administrators' own. The store only keeps and returns them: who may change
one, and the audit entry's before/after, are decided by lib.services.layouts
(passed here as `audit`, written in the same transaction as the change).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from lib.core.i18n import InputError


class LayoutQueries:
    """Saved layouts of agencies' files (mixed into Store)."""

    def save_layout(
        self,
        agency_code: str,
        name: str,
        layout_json: str,
        signature: str,
        username: str,
        audit: dict | None = None,
    ) -> None:
        """Insert or replace a layout by (agency, name); a replaced one keeps its created_*."""
        now = datetime.now()
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO layouts (agency_code, name, layout, signature, created_by, "
                "created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (agency_code, name) DO UPDATE SET layout = excluded.layout, "
                "signature = excluded.signature, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                [agency_code, name, layout_json, signature, username, now, username, now],
            )
            if audit:
                self._audit(cur, **{"at": now, **audit})

    def layouts(self, agency_code: str | None = None) -> pd.DataFrame:
        """Saved layouts (of one agency, or all), newest change first, then by name."""
        return self._df(
            "SELECT * FROM layouts WHERE CAST(? AS VARCHAR) IS NULL OR agency_code = ? "
            "ORDER BY updated_at DESC NULLS LAST, agency_code, name",
            [agency_code, agency_code],
        )

    def layout_row(self, agency_code: str, name: str) -> dict | None:
        """One saved layout as a dict, or None."""
        return self._fetch_dict(
            "SELECT * FROM layouts WHERE agency_code = ? AND name = ?", [agency_code, name]
        )

    def rename_layout(
        self,
        agency_code: str,
        name: str,
        new_name: str,
        username: str,
        audit: dict | None = None,
    ) -> bool:
        """Give a layout a new name (False when there is none of that name).

        InputError (Thai and English) when the agency already has a layout of the new name.
        """
        now = datetime.now()
        with self.transaction() as cur:
            taken = cur.execute(
                "SELECT count(*) FROM layouts WHERE agency_code = ? AND name = ?",
                [agency_code, new_name],
            ).fetchone()[0]
            if taken and new_name != name:
                raise InputError(
                    f"มีรูปแบบไฟล์ชื่อ '{new_name}' อยู่แล้ว: เลือกชื่ออื่น",
                    f"a layout named '{new_name}' already exists: choose another name",
                )
            changed = cur.execute(
                "UPDATE layouts SET name = ?, updated_by = ?, updated_at = ? "
                "WHERE agency_code = ? AND name = ?",
                [new_name, username, now, agency_code, name],
            ).fetchone()[0]
            if changed and audit:
                self._audit(cur, **{"at": now, **audit})
        return bool(changed)

    def delete_layout(self, agency_code: str, name: str, audit: dict | None = None) -> bool:
        """Remove a layout; False when there was none of that name."""
        with self.transaction() as cur:
            removed = cur.execute(
                "DELETE FROM layouts WHERE agency_code = ? AND name = ?", [agency_code, name]
            ).fetchone()[0]
            if removed and audit:
                self._audit(cur, **audit)
        return bool(removed)

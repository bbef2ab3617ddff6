"""Named queries of the reference data: areas (country .. district) and their groupings."""

from __future__ import annotations

from datetime import date

import pandas as pd

REFERENCE_TABLES = ("areas", "grouping_schemes", "grouping_members")


class ReferenceQueries:
    """Areas, grouping schemes and their members (mixed into Store)."""

    def has_reference(self) -> bool:
        """True when the provinces are loaded."""
        return bool(self._scalar("SELECT count(*) FROM areas WHERE level = 'province'"))

    def areas(self, level: str | None = None) -> pd.DataFrame:
        """Areas, optionally of one level, ordered by code."""
        if level is None:
            return self._df("SELECT * FROM areas ORDER BY level, code")
        return self._df("SELECT * FROM areas WHERE level = ? ORDER BY code", [level])

    def group_members(self, scheme: str, on: date) -> pd.DataFrame:
        """Province -> group of one grouping scheme, in force on a date (the caller's as-of)."""
        return self._df(
            "SELECT m.province_code, m.group_code, a.name_th AS group_name_th, "
            "a.name_en AS group_name_en FROM grouping_members m "
            "JOIN areas a ON a.code = m.group_code "
            "WHERE m.scheme = ? AND (m.valid_from IS NULL OR m.valid_from <= ?) "
            "AND (m.valid_to IS NULL OR m.valid_to >= ?) ORDER BY m.province_code",
            [scheme, on, on],
        )

    def grouping_schemes(self) -> pd.DataFrame:
        """The grouping schemes with their effective dates."""
        return self._df("SELECT * FROM grouping_schemes ORDER BY kind, scheme")

    def area_index_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Areas (code, level, parent_code) and every grouping member row, for lib.auth."""
        areas = self._df("SELECT code, level, parent_code FROM areas ORDER BY code")
        members = self._df(
            "SELECT scheme, group_code, province_code, valid_from, valid_to "
            "FROM grouping_members ORDER BY scheme, province_code"
        )
        return areas, members

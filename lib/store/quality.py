"""Named queries of data quality: validation rules, follow-up marks, the values checks run on.

validation_rules holds the rules between items written in the catalogue (the
expression is read and checked by lib.engine.quality); quality_checks holds a
verifier's mark that a flagged value was checked, for the value it had then.
Who may mark, and what a flag is, are decided by lib.services.quality.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd

from lib.store.rules import CELLS_AT, FIRST_DAY, LAST_DAY, end_of_day

RULE_COLUMNS = ["code", "name_th", "name_en", "expression", "tolerance", "is_active"]
CHECK_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "flag",
    "value",
    "checked_by",
    "checked_at",
    "note",
]

_VALUES_NOW = (
    "SELECT item_code, area_code, period, period_end, value, status, batch_id, submitted_by "
    "FROM observations"
)


def _every_period_at(as_of: date) -> dict:
    """CELLS_AT's parameters for the end of as_of, over every period."""
    return {"cutoff": end_of_day(as_of), "start": FIRST_DAY, "end": LAST_DAY}


def write_rules(cur, frame: pd.DataFrame) -> None:
    """Replace every validation rule by the rows of `frame` inside the caller's transaction
    (the configuration import writes them with the catalogue): tolerance defaults to 0,
    is_active to true."""
    rows = frame.reindex(columns=RULE_COLUMNS)
    rows = rows.assign(
        tolerance=pd.to_numeric(rows["tolerance"]).fillna(0.0).astype(float),
        is_active=[True if v is None or v != v else bool(v) for v in rows["is_active"]],
    )
    cur.execute("DELETE FROM validation_rules")
    if rows.empty:
        return
    cur.register("_rules", rows)
    try:
        cur.execute(
            f"INSERT INTO validation_rules ({', '.join(RULE_COLUMNS)}) "
            f"SELECT {', '.join(RULE_COLUMNS)} FROM _rules"
        )
    finally:
        cur.unregister("_rules")


class QualityQueries:
    """Validation rules, follow-up marks of flagged values, values to check (mixed into Store)."""

    # -- validation rules -----------------------------------------------------------
    def replace_rules(self, frame: pd.DataFrame, audit: dict | None = None) -> None:
        """Replace every validation rule by the rows of `frame` (RULE_COLUMNS), in one
        transaction with its audit entry; tolerance defaults to 0, is_active to true."""
        with self.transaction() as cur:
            write_rules(cur, frame)
            if audit:
                self._audit(cur, **audit)

    def rules(self, active_only: bool = False) -> pd.DataFrame:
        """The validation rules by code (only the active ones if asked)."""
        return self._df(
            f"SELECT {', '.join(RULE_COLUMNS)} FROM validation_rules "
            "WHERE is_active OR NOT ? ORDER BY code",
            [active_only],
        )

    # -- follow-up of flagged values --------------------------------------------------
    def mark_checked(self, mark: dict, audit: dict | None = None) -> None:
        """Insert or replace the mark of one cell's flag (CHECK_COLUMNS; checked_at defaults
        to now), with its audit entry, in one transaction."""
        row = {**mark, "checked_at": mark.get("checked_at") or datetime.now()}
        with self.transaction() as cur:
            cur.execute(
                f"INSERT INTO quality_checks ({', '.join(CHECK_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (item_code, area_code, period, flag) DO UPDATE SET "
                "value = excluded.value, checked_by = excluded.checked_by, "
                "checked_at = excluded.checked_at, note = excluded.note",
                [row[c] for c in CHECK_COLUMNS],
            )
            if audit:
                self._audit(cur, **{"at": row["checked_at"], **audit})

    def checks(
        self,
        item_code: str | None = None,
        area_code: str | None = None,
        as_of: date | None = None,
    ) -> pd.DataFrame:
        """Marks of checked flags (of one item or area; made by the end of as_of if given)."""
        cutoff = None if as_of is None else end_of_day(as_of)
        return self._df(
            f"SELECT {', '.join(CHECK_COLUMNS)} FROM quality_checks "
            "WHERE (CAST($i AS VARCHAR) IS NULL OR item_code = $i) "
            "AND (CAST($a AS VARCHAR) IS NULL OR area_code = $a) "
            "AND (CAST($c AS TIMESTAMP) IS NULL OR checked_at < $c) "
            "ORDER BY item_code, area_code, period, flag",
            {"i": item_code, "a": area_code, "c": cutoff},
        )

    # -- the values the checks run on -------------------------------------------------
    def quality_values(
        self,
        item_codes: Iterable[str] | None = None,
        as_of: date | None = None,
        near: tuple[Iterable[str], Iterable[str]] | None = None,
    ) -> pd.DataFrame:
        """Values that are not rejected, of the given items (all when None), current or as
        known at the end of as_of (history honoured), with the area's level. near: (areas,
        periods): only the values of one of those areas or of one of those periods.

        Columns: item_code, area_code, period, period_end, value, status, batch_id,
        submitted_by, level.
        """
        source = _VALUES_NOW if as_of is None else CELLS_AT  # history honoured
        codes = None if item_codes is None else sorted(set(item_codes))
        areas, periods = (None, None) if near is None else (sorted(set(n)) for n in near)
        return self._df(
            f"WITH v AS ({source}) SELECT v.*, a.level FROM v "
            "LEFT JOIN areas a ON a.code = v.area_code WHERE v.status <> 'rejected' "
            "AND (CAST($items AS VARCHAR[]) IS NULL OR list_contains($items, v.item_code)) "
            "AND (CAST($areas AS VARCHAR[]) IS NULL "
            "OR v.area_code IN (SELECT unnest(CAST($areas AS VARCHAR[]))) "
            "OR v.period IN (SELECT unnest(CAST($periods AS VARCHAR[])))) "
            "ORDER BY v.item_code, v.area_code, v.period_end",
            {
                "items": codes,
                "areas": areas,
                "periods": periods,
                **({} if as_of is None else _every_period_at(as_of)),
            },
        )

    def quality_cell(self, item_code: str, area_code: str, period: str) -> dict | None:
        """The current version of one cell (value, status, batch_id, submitted_by), or None."""
        return self._fetch_dict(
            "SELECT item_code, area_code, period, value, status, batch_id, submitted_by "
            "FROM observations WHERE item_code = ? AND area_code = ? AND period = ?",
            [item_code, area_code, period],
        )

"""Named queries that reduce the observations for the engine, the map and the profile.

The engine decides the rules (which period ends are due at an as-of date, what
a score is); these queries only count and compare, one pass over the cells as
they stood at the as-of date (history honoured). The map and profile queries
(map_item_periods, map_item_cells, district_latest_values) read the observations
as they stand, or, given a day, the version of each cell in force at its end
(the same rule, lib.store.rules.CELLS_AT).

The public sees verified values only (lib.services.catalogue.sees_unverified):
`Store.verified_view()` is the same store whose value queries here
(kpi_item_values, map_item_periods, map_item_cells, district_latest_values,
population_density, load_summary) leave out every value not yet verified, by one
more condition in the same query. `coverage_facts` counts every committed value
in both (data health describes the data work, not the values). A signed-in
account's queries are unchanged, word for word.
"""

from __future__ import annotations

import copy
from datetime import date

import pandas as pd

from lib.store.maintained import Maintained, Marker
from lib.store.rules import (
    CELLS_AT,
    FIRST_DAY,
    LAST_DAY,
    end_of_day,
    in_valid_range,
    usable_value,
)

DUE_LIMIT_COLUMNS = ["item_code", "due_limit"]
# A cell's group in kpi_item_values: its area, or the province of a district when pooling.
_POOLED = "CASE WHEN a.level = 'district' AND $pool THEN a.parent_code ELSE c.area_code END"
# The groups of kpi_item_values the item x area pairs of _only fall in.
_POOLED_KEYS = (
    "SELECT DISTINCT o.item_code, CASE WHEN a.level = 'district' AND $pool THEN a.parent_code "
    "ELSE o.area_code END AS province_code FROM _only o JOIN areas a ON a.code = o.area_code"
)
# Restricts coverage_facts' cells to the item x area pairs of _only.
_ONLY_PAIRS = "SEMI JOIN _only ON _only.item_code = c.item_code AND _only.area_code = c.area_code "


def _only_frames(only: pd.DataFrame | None) -> dict[str, pd.DataFrame] | None:
    """The frames a restricted read registers: _only (item_code, area_code) or none."""
    if only is None:
        return None
    return {"_only": only[["item_code", "area_code"]].astype(str)}


def _due_limit_lists(due_limits: pd.DataFrame) -> tuple[list[str], list[date | None]]:
    """(item codes, due limits as dates or None) from an item_code -> due_limit frame."""
    missing = [c for c in DUE_LIMIT_COLUMNS if c not in due_limits]
    if missing:
        raise ValueError(f"due_limits lacks columns {missing}")
    limits = pd.to_datetime(due_limits["due_limit"])
    return (
        [str(c) for c in due_limits["item_code"]],
        [None if pd.isna(x) else x.date() for x in limits],
    )


class FactQueries:
    """Coverage and KPI facts, map and profile values, benchmark scans (mixed into Store)."""

    verified_only = False  # True on a verified_view(): value queries use verified values only
    maintain_reads = True  # False: coverage_facts and kpi_item_values read in full every time

    def maintained(self) -> Maintained:
        """The kept results of this store's figures' reads (lib.store.maintained), made once."""
        kept = self.shared.get("maintained")
        if kept is None:
            kept = self.shared.setdefault("maintained", Maintained())
        return kept

    def without_maintenance(self):
        """This store reading every figure in full (the yardstick the kept results must equal).

        A shallow copy sharing the database (never close it)."""
        view = copy.copy(self)
        view.maintain_reads = False
        return view

    def change_marker(self) -> Marker:
        """The newest batch and the catalogue version (lib.store.maintained.Marker)."""
        row = self._fetch_dict(
            "SELECT coalesce(max(batch_id), 0) AS b, "
            "(SELECT coalesce(max(value), '0') FROM meta WHERE key = 'catalog_version') AS c "
            "FROM upload_batches",
            [],
        )
        return Marker(int(row["b"]), str(row["c"]))

    def changed_pairs(self, after_batch: int) -> pd.DataFrame:
        """Item x area pairs of every cell a batch after after_batch wrote or replaced.

        A commit, verification or undo writes each cell's new version under its own
        batch id, or archives the old one with replaced_by_batch (undo's removals too).
        """
        return self._df(
            "SELECT DISTINCT item_code, area_code FROM observations WHERE batch_id > $b "
            "UNION SELECT DISTINCT item_code, area_code FROM observation_history "
            "WHERE replaced_by_batch > $b",
            {"b": int(after_batch)},
        )

    def earliest_change_since(self, version: str) -> date | None:
        """The earliest period end of a cell written or replaced since data_version() gave
        `version` (as changed_pairs); None when no cell was; date.min when more than cells
        changed (the catalogue, quality checks) or the version is not this store's."""
        parts, now = str(version).split("|"), self.data_version().split("|")
        if len(parts) != 4 or (parts[0], *parts[2:]) != (now[0], *now[2:]):
            return date.min
        try:
            batch = int(parts[1].split("-")[0])
        except ValueError:
            return date.min
        return self._scalar(
            "SELECT min(p) FROM (SELECT min(period_end) AS p FROM observations "
            "WHERE batch_id > ? UNION ALL SELECT min(period_end) FROM observation_history "
            "WHERE replaced_by_batch > ?)",
            [batch, batch],
        )

    def verified_view(self):
        """This store as the public sees its values: the value queries leave out unverified ones.

        A shallow copy sharing the database (never close it: closing closes the store);
        cache keys include `verified_only`, so the two never share a cached figure.
        """
        if self.verified_only:
            return self
        view = copy.copy(self)
        view.verified_only = True
        return view

    def _verified(self, alias: str) -> str:
        """The SQL condition that a value is verified, after AND ('' when all values count)."""
        return f" AND {alias}.status = 'verified'" if self.verified_only else ""

    # -- coverage and KPI facts (engine) ------------------------------------
    def coverage_facts(
        self,
        as_of: date,
        start: date,
        end: date,
        fy_start: date,
        fy_end: date,
        due_limits: pd.DataFrame,
        only: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Per item x area facts of the cells with period_end in [start, end] at as_of.

        due_limits (item_code, due_limit) gives each item's last period end that
        is due at as_of, decided by the engine (lib.engine.requirements); an item
        without one has nothing due. present_cells / correct_cells count cells
        with period_end <= due_limit; correct = verified by as_of and within
        valid_min..valid_max; latest_due_end_present is the newest due period end
        present; fy_cells counts cells (due or not) ending in [fy_start, fy_end].
        Values count when submitted on or before as_of (the whole day). only
        (item_code, area_code): the facts of these pairs alone. Results are kept
        and brought up to date by re-reading changed pairs (lib.store.maintained).
        """
        if only is None and self.maintain_reads:
            return self._kept_coverage_facts((as_of, start, end, fy_start, fy_end), due_limits)
        # The due test compares with a per-item limit joined to the small items table
        # (passed as two lists, no frame to scan): an expression per row costs more, so
        # the survey-year test of biennial items is only written when there are some.
        due = "c.period_end <= it.due_limit" + self._survey_years()
        sql = (
            f"WITH c AS ({CELLS_AT}), "
            "it AS (SELECT i.code, i.valid_min, i.valid_max, i.frequency, d.due_limit"
            " FROM items i"
            " LEFT JOIN (SELECT unnest($due_items) AS item_code,"
            " unnest(CAST($due_limits AS DATE[])) AS due_limit) d ON d.item_code = i.code) "
            "SELECT c.item_code, c.area_code,"
            f" count(*) FILTER (WHERE {due}) AS present_cells,"
            f" count(*) FILTER (WHERE {due} AND c.status = 'verified'"
            "  AND (c.verified_at IS NULL OR c.verified_at < $cutoff)"
            f"  AND {in_valid_range('c.value', 'it')}) AS correct_cells,"
            f" max(c.period_end) FILTER (WHERE {due})"
            "  AS latest_due_end_present,"
            " max(c.submitted_at) AS last_submitted_at,"
            " count(*) FILTER (WHERE c.period_end BETWEEN $fy_start AND $fy_end) AS fy_cells "
            "FROM c JOIN it ON it.code = c.item_code "
            f"{_ONLY_PAIRS if only is not None else ''}"
            "GROUP BY c.item_code, c.area_code"
        )
        due_items, limits = _due_limit_lists(due_limits)
        params = {
            "cutoff": end_of_day(as_of),
            "start": start,
            "end": end,
            "fy_start": fy_start,
            "fy_end": fy_end,
            "due_items": due_items,
            "due_limits": limits,
        }
        return self._df(sql, params, _only_frames(only))

    def _survey_years(self) -> str:
        """The SQL condition, after the due test, that a biennial item's cell is of a survey
        year: an even Buddhist year (lib.core.thaicalendar.is_expected), i.e. an odd CE
        year; '' when no item is biennial."""
        n = self._df("SELECT count(*) AS n FROM items WHERE frequency = 'biennial'")["n"].iloc[0]
        if not n:
            return ""
        return " AND (it.frequency <> 'biennial' OR year(c.period_end) % 2 = 1)"

    def kpi_item_values(
        self,
        item_codes: list[str],
        as_of: date,
        start: date,
        end: date,
        pool_districts: bool = True,
        only: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Values of items per province and period end in [start, end], as known at as_of.

        Rejected values and values outside the item's valid range are left out;
        district values are pooled to their province (sum, mean and count per
        period), so the frame stays small. With pool_districts=False they stay
        per district (province_code then holds the district's code). only
        (item_code, area_code): the groups those cells fall in alone. Results are
        kept and brought up to date by re-reading changed groups (lib.store.maintained).
        """
        if only is None and item_codes and self.maintain_reads:
            return self._kept_kpi_item_values(
                (tuple(item_codes), as_of, start, end, bool(pool_districts))
            )
        if not item_codes:
            return pd.DataFrame(
                columns=["item_code", "province_code", "period_end", "value_sum", "value_mean", "n"]
            )
        restrict = ""
        if only is not None:
            restrict = (
                f"JOIN ({_POOLED_KEYS}) k ON k.item_code = c.item_code AND "
                f"k.province_code = {_POOLED} "
            )
        sql = (
            f"WITH c AS ({CELLS_AT}) "
            "SELECT c.item_code,"
            f" {_POOLED} AS province_code,"
            " c.period_end, sum(c.value) AS value_sum, avg(c.value) AS value_mean,"
            " count(*) AS n "
            "FROM c JOIN items i ON i.code = c.item_code "
            "JOIN areas a ON a.code = c.area_code "
            f"{restrict}"
            f"WHERE list_contains($items, c.item_code) AND {usable_value('c', 'i')}"
            f"{self._verified('c')} "
            "GROUP BY ALL ORDER BY ALL"
        )
        params = {
            "cutoff": end_of_day(as_of),
            "start": start,
            "end": end,
            "items": list(item_codes),
            "pool": bool(pool_districts),
        }
        return self._df(sql, params, _only_frames(only))

    def _kept_coverage_facts(self, args: tuple, due_limits: pd.DataFrame) -> pd.DataFrame:
        """coverage_facts(*args, due_limits) through the kept results (lib.store.maintained)."""
        limits = tuple(zip(*_due_limit_lists(due_limits), strict=True))
        return self.maintained().read(
            self,
            ("coverage_facts", self.verified_only, args, limits),
            lambda pairs: self.without_maintenance().coverage_facts(*args, due_limits, only=pairs),
            lambda pairs: pairs,
            ["item_code", "area_code"],
        )

    def _kept_kpi_item_values(self, args: tuple) -> pd.DataFrame:
        """kpi_item_values(*args) through the kept results (lib.store.maintained)."""
        return self.maintained().read(
            self,
            ("kpi_item_values", self.verified_only, args),
            lambda pairs: self.without_maintenance().kpi_item_values(*args, only=pairs),
            lambda pairs: self._pooled_keys(pairs, args[-1]),
            ["item_code", "province_code"],
        )

    def _pooled_keys(self, pairs: pd.DataFrame, pool_districts: bool) -> pd.DataFrame:
        """(item_code, province_code) groups of kpi_item_values that item x area pairs fall in."""
        return self._df(
            _POOLED_KEYS,
            {"pool": bool(pool_districts)},
            _only_frames(pairs),
        )

    # -- map and profile ----------------------------------------------------
    def _cells_in_force(self, as_of: date | None) -> tuple[str, dict]:
        """(the table the map and profile queries read, its parameters): the observations
        as they stand (as_of None), or the version of each cell in force at the end of as_of
        (lib.store.rules.CELLS_AT, over every period)."""
        if as_of is None:
            return "observations", {}
        return f"({CELLS_AT})", {
            "cutoff": end_of_day(as_of),
            "start": FIRST_DAY,
            "end": LAST_DAY,
        }

    def map_item_periods(self, item_code: str, as_of: date | None = None) -> pd.DataFrame:
        """Periods of an item that hold usable values (not rejected, in range), oldest first;
        with as_of, the values in force at the end of that day."""
        cells, params = self._cells_in_force(as_of)
        return self._df(
            "SELECT o.period, min(o.period_end) AS period_end, count(*) AS cells "
            f"FROM {cells} o JOIN items i ON i.code = o.item_code "
            f"WHERE o.item_code = $item AND {usable_value('o', 'i')}{self._verified('o')} "
            "GROUP BY o.period ORDER BY period_end",
            {"item": item_code, **params},
        )

    def map_item_cells(
        self, item_code: str, period: str, as_of: date | None = None
    ) -> pd.DataFrame:
        """Per area of an item: its value and status in a period, and its latest period end.

        Rejected and out-of-range values are left out (as in the KPI engine); with
        as_of, the values in force at the end of that day.
        """
        cells, params = self._cells_in_force(as_of)
        return self._df(
            "SELECT o.area_code,"
            " max(o.value) FILTER (WHERE o.period = $period) AS value,"
            " max(o.status) FILTER (WHERE o.period = $period) AS status,"
            " max(o.period_end) AS latest_end "
            f"FROM {cells} o JOIN items i ON i.code = o.item_code "
            f"WHERE o.item_code = $item AND {usable_value('o', 'i')}{self._verified('o')} "
            "GROUP BY o.area_code ORDER BY o.area_code",
            {"item": item_code, "period": period, **params},
        )

    def district_latest_values(self, province_code: str, as_of: date | None = None) -> pd.DataFrame:
        """Latest usable value (not rejected, in range) of every district item per district;
        with as_of, of the values in force at the end of that day."""
        cells, params = self._cells_in_force(as_of)
        return self._df(
            "SELECT o.item_code, o.area_code, o.period, o.value, o.status "
            f"FROM {cells} o JOIN areas a ON a.code = o.area_code "
            "JOIN items i ON i.code = o.item_code "
            "WHERE a.level = 'district' AND a.parent_code = $province"
            f" AND {usable_value('o', 'i')}{self._verified('o')} "
            "QUALIFY row_number() OVER "
            "(PARTITION BY o.item_code, o.area_code ORDER BY o.period_end DESC) = 1 "
            "ORDER BY o.item_code, o.area_code",
            {"province": province_code, **params},
        )

    def population_density(self, item_code: str = "POP01") -> pd.DataFrame:
        """Latest registered population per province, its year and persons per km²."""
        return self._df(
            "WITH latest AS (SELECT area_code, period, value FROM observations "
            f"WHERE item_code = ?{self._verified('observations')} QUALIFY row_number() OVER "
            "(PARTITION BY area_code ORDER BY period_end DESC) = 1) "
            "SELECT a.code, a.name_th, a.name_en, a.area_km2, l.period, l.value AS population,"
            " l.value / nullif(a.area_km2, 0) AS density "
            "FROM areas a LEFT JOIN latest l ON l.area_code = a.code "
            "WHERE a.level = 'province' ORDER BY a.code",
            [item_code],
        )

    def load_summary(self, item_codes: list[str] | None = None) -> pd.DataFrame:
        """Observation cells by data group and province, with the latest submission.

        item_codes: count only the values of these items (the items a reader may
        see; None: every item).
        """
        where, params = "", None
        if item_codes is not None:
            where, params = "WHERE list_contains($items, o.item_code) ", {"items": list(item_codes)}
        if self.verified_only:
            where += ("AND" if where else "WHERE") + " o.status = 'verified' "
        return self._df(
            "SELECT g.code AS group_code, g.name_th AS group_name_th, g.name_en AS group_name_en,"
            " p.code AS province_code, p.name_th AS province_name_th,"
            " p.name_en AS province_name_en, count(*) AS cells,"
            " count(*) FILTER (WHERE o.status = 'verified') AS verified,"
            " max(o.submitted_at) AS latest_submission "
            "FROM observations o JOIN items i ON i.code = o.item_code "
            "JOIN aspects a ON a.code = i.aspect_code JOIN data_groups g ON g.code = a.group_code "
            "JOIN areas ar ON ar.code = o.area_code "
            "JOIN areas p ON p.code = CASE WHEN ar.level = 'district' THEN ar.parent_code "
            f"ELSE ar.code END {where}"
            "GROUP BY ALL ORDER BY g.code, p.code",
            params,
        )

    def data_version(self) -> str:
        """Changes whenever figures may change: the store, its batches, history, catalogue and
        follow-up marks (a checked value no longer makes a KPI unreliable)."""
        row = self._fetch_dict(
            "SELECT coalesce(max(batch_id), 0) AS b, "
            "count(*) FILTER (WHERE status = 'undone') AS u, "
            "(SELECT count(*) FROM observation_history) AS h, "
            "(SELECT coalesce(max(value), '0') FROM meta WHERE key = 'catalog_version') AS c, "
            "(SELECT count(*) || '@' || coalesce(max(checked_at)::VARCHAR, '') "
            "FROM quality_checks) AS q "
            "FROM upload_batches",
            [],
        )
        return f"{self.path}|{row['b']}-{row['u']}-{row['h']}|{row['c']}|{row['q']}"

    # -- benchmark yardsticks -----------------------------------------------
    def observation_wide_scan(self) -> tuple:
        """A full scan touching every column coverage reads (benchmark yardstick)."""
        cur = self._con.cursor()
        try:
            return cur.execute(
                "SELECT count(*), sum(value), max(period_end), max(submitted_at),"
                " max(verified_at), max(recorded_at), max(status), max(item_code), max(area_code)"
                " FROM observations"
            ).fetchone()
        finally:
            cur.close()

    def observation_scan(self) -> tuple:
        """A plain full scan of the observations (benchmark yardstick): count, sum, max end."""
        cur = self._con.cursor()
        try:
            return cur.execute(
                "SELECT count(*), sum(value), max(period_end) FROM observations"
            ).fetchone()
        finally:
            cur.close()

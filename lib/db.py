"""The only door to DuckDB: every query and write of the app goes through Store.

One Store per process holds one DuckDB database object; each call takes its own
cursor (a DuckDB connection is not thread-safe, Streamlit runs sessions in
threads). Writes are serialised by a lock and run in one transaction each, so a
failure leaves every table as it was. SQL is kept here, with bound parameters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from lib.schema import MIGRATIONS

# Tables a bulk frame may be written to (names are never taken from input).
_WRITABLE = frozenset(
    {
        "areas",
        "grouping_schemes",
        "grouping_members",
        "agencies",
        "data_groups",
        "aspects",
        "items",
        "kpis",
        "kpi_items",
        "roles",
        "observations",
    }
)
REFERENCE_TABLES = ("areas", "grouping_schemes", "grouping_members")
CATALOG_TABLES = ("agencies", "data_groups", "aspects", "items", "kpis", "kpi_items", "roles")

# Offline: never download an extension at run time.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class StoreError(RuntimeError):
    """The store cannot be opened or a write was refused."""


class Store:
    """A DuckDB file (or ':memory:') with the project's schema."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=dict(_CONFIG))
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self._write_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------
    def close(self) -> None:
        """Close the database object."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _df(self, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def _scalar(self, sql: str, params: list | tuple | None = None):
        cur = self._con.cursor()
        try:
            row = cur.execute(sql, params or []).fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One serialised write transaction: all of it lands or none of it."""
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                cur.close()
                raise
            cur.execute("COMMIT")
            cur.close()

    @staticmethod
    def _insert_frame(cur, table: str, frame: pd.DataFrame) -> int:
        if table not in _WRITABLE:
            raise ValueError(f"not a writable table: {table}")
        if frame.empty:
            return 0
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        cur.register("_incoming", frame)
        try:
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
        finally:
            cur.unregister("_incoming")
        return len(frame)

    # -- schema ---------------------------------------------------------
    def migrate(self) -> list[int]:
        """Apply the migrations not yet applied; return their numbers."""
        applied: list[int] = []
        with self.transaction() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "number INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            done = {r[0] for r in cur.execute("SELECT number FROM schema_migrations").fetchall()}
            for m in MIGRATIONS:
                if m.number in done:
                    continue
                cur.execute(m.sql)
                cur.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [m.number, m.name, datetime.now()],
                )
                applied.append(m.number)
        return applied

    def schema_version(self) -> int:
        """Newest applied migration number (0 for an empty file)."""
        exists = self._scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        )
        if not exists:
            return 0
        return int(self._scalar("SELECT coalesce(max(number), 0) FROM schema_migrations"))

    def table_names(self) -> list[str]:
        """Names of the base tables in the store."""
        df = self._df(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return df["table_name"].tolist()

    def table_frame(self, table: str, order_by_all: bool = True) -> pd.DataFrame:
        """A whole table as a frame, rows in a stable order (small tables, tests)."""
        if table not in self.table_names():
            raise ValueError(f"no such table: {table}")
        order = " ORDER BY ALL" if order_by_all else ""
        return self._df(f'SELECT * FROM "{table}"{order}')

    # -- meta -----------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        return self._scalar("SELECT value FROM meta WHERE key = ?", [key])

    @staticmethod
    def _set_meta(cur, key: str, value: str) -> None:
        cur.execute("DELETE FROM meta WHERE key = ?", [key])
        cur.execute("INSERT INTO meta VALUES (?, ?)", [key, value])

    # -- reference and catalog -----------------------------------------
    def replace_tables(self, frames: dict[str, pd.DataFrame], audit: dict | None = None) -> None:
        """Replace the rows of whole tables (reference, catalog) in one transaction."""
        with self.transaction() as cur:
            for table, frame in frames.items():
                if table not in REFERENCE_TABLES + CATALOG_TABLES:
                    raise ValueError(f"not a reference or catalog table: {table}")
                cur.execute(f"DELETE FROM {table}")
                self._insert_frame(cur, table, frame)
            if audit:
                self._audit(cur, **audit)

    def has_reference(self) -> bool:
        """True when the provinces are loaded."""
        return bool(self._scalar("SELECT count(*) FROM areas WHERE level = 'province'"))

    def areas(self, level: str | None = None) -> pd.DataFrame:
        """Areas, optionally of one level, ordered by code."""
        if level is None:
            return self._df("SELECT * FROM areas ORDER BY level, code")
        return self._df("SELECT * FROM areas WHERE level = ? ORDER BY code", [level])

    def group_members(self, scheme: str, on: date | None = None) -> pd.DataFrame:
        """Province -> group of one grouping scheme, in force on a date (default: today)."""
        on = on or date.today()
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

    def catalog(self) -> pd.DataFrame:
        """Every item with its aspect, data group and owner agency names."""
        return self._df(
            "SELECT i.*, a.name_th AS aspect_name_th, a.name_en AS aspect_name_en, "
            "g.code AS group_code, g.name_th AS group_name_th, g.name_en AS group_name_en, "
            "ag.name_th AS owner_name_th, ag.name_en AS owner_name_en "
            "FROM items i JOIN aspects a ON a.code = i.aspect_code "
            "JOIN data_groups g ON g.code = a.group_code "
            "LEFT JOIN agencies ag ON ag.code = i.owner_agency "
            "ORDER BY g.sort_order, a.sort_order, i.code"
        )

    def kpis(self) -> pd.DataFrame:
        """KPIs with the item codes they are computed from (comma-separated)."""
        return self._df(
            "SELECT k.*, string_agg(ki.item_code, ',' ORDER BY ki.item_code) AS item_codes "
            "FROM kpis k LEFT JOIN kpi_items ki ON ki.kpi_code = k.code "
            "GROUP BY ALL ORDER BY k.code"
        )

    def data_groups(self) -> pd.DataFrame:
        """The data groups in display order."""
        return self._df("SELECT * FROM data_groups ORDER BY sort_order")

    # -- observations ---------------------------------------------------
    def load_observations(self, frame: pd.DataFrame, batch: dict) -> int:
        """Append a frame of new cells as one batch (demo and bulk loads of empty cells).

        The caller guarantees that none of the cells exists yet; uploads that may
        change existing values go through the upload path, which keeps history.
        Returns the new batch id.
        """
        with self.transaction() as cur:
            batch_id = self._new_batch(cur, n_new=len(frame), **batch)
            self._insert_frame(cur, "observations", frame.assign(batch_id=batch_id))
            self._audit(
                cur,
                username=batch["username"],
                action="load_observations",
                target=f"batch {batch_id}",
                detail={"rows": len(frame), "kind": batch.get("kind")},
                origin=batch.get("origin", "cli"),
                at=batch.get("created_at"),
            )
        return batch_id

    def load_observation_chunks(self, chunks: Iterator[pd.DataFrame], batch: dict) -> int:
        """Like load_observations for a stream of frames (national-scale data)."""
        total = 0
        with self.transaction() as cur:
            batch_id = self._new_batch(cur, n_new=0, **batch)
            for chunk in chunks:
                total += self._insert_frame(cur, "observations", chunk.assign(batch_id=batch_id))
            cur.execute("UPDATE upload_batches SET n_new = ? WHERE batch_id = ?", [total, batch_id])
            self._audit(
                cur,
                username=batch["username"],
                action="load_observations",
                target=f"batch {batch_id}",
                detail={"rows": total, "kind": batch.get("kind")},
                origin=batch.get("origin", "cli"),
                at=batch.get("created_at"),
            )
        return batch_id

    @staticmethod
    def _new_batch(cur, n_new: int, **batch) -> int:
        batch_id = cur.execute("SELECT nextval('batch_seq')").fetchone()[0]
        cur.execute(
            "INSERT INTO upload_batches (batch_id, kind, username, agency_code, file_name, "
            "checksum, created_at, n_new, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                batch.get("kind", "upload"),
                batch["username"],
                batch.get("agency_code"),
                batch.get("file_name"),
                batch.get("checksum"),
                batch.get("created_at") or datetime.now(),
                n_new,
                batch.get("note"),
            ],
        )
        return int(batch_id)

    def observation_count(self) -> int:
        """Number of current observation cells."""
        return int(self._scalar("SELECT count(*) FROM observations"))

    def load_summary(self) -> pd.DataFrame:
        """Observation cells by data group and province, with the latest submission."""
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
            "ELSE ar.code END "
            "GROUP BY ALL ORDER BY g.code, p.code"
        )

    def latest_values(self, item_code: str) -> pd.DataFrame:
        """Latest period's value per area of one item."""
        return self._df(
            "SELECT area_code, period, period_end, value, status FROM observations "
            "WHERE item_code = ? QUALIFY row_number() OVER "
            "(PARTITION BY area_code ORDER BY period_end DESC) = 1 ORDER BY area_code",
            [item_code],
        )

    def population_density(self, item_code: str = "POP01") -> pd.DataFrame:
        """Latest registered population per province, its year and persons per km²."""
        return self._df(
            "WITH latest AS (SELECT area_code, period, value FROM observations "
            "WHERE item_code = ? QUALIFY row_number() OVER "
            "(PARTITION BY area_code ORDER BY period_end DESC) = 1) "
            "SELECT a.code, a.name_th, a.name_en, a.area_km2, l.period, l.value AS population,"
            " l.value / nullif(a.area_km2, 0) AS density "
            "FROM areas a LEFT JOIN latest l ON l.area_code = a.code "
            "WHERE a.level = 'province' ORDER BY a.code",
            [item_code],
        )

    def data_version(self) -> str:
        """Changes whenever observations change: newest batch, its state, cell count."""
        row = self._df(
            "SELECT coalesce(max(batch_id), 0) AS b, "
            "count(*) FILTER (WHERE status = 'undone') AS u, "
            "(SELECT count(*) FROM observation_history) AS h FROM upload_batches"
        ).iloc[0]
        return f"{row.b}-{row.u}-{row.h}"

    # -- info -------------------------------------------------------------
    def info(self) -> dict:
        """Counts of what is loaded: areas by level, items, observations, KPIs, agencies."""
        levels = self._df("SELECT level, count(*) AS n FROM areas GROUP BY level")
        by_level = {r.level: int(r.n) for r in levels.itertuples()}
        counts = {
            t: int(self._scalar(f"SELECT count(*) FROM {t}"))
            for t in (
                "items",
                "observations",
                "observation_history",
                "kpis",
                "agencies",
                "data_groups",
                "aspects",
                "users",
                "upload_batches",
            )
        }
        return {
            "path": self.path,
            "schema_version": self.schema_version(),
            "areas": {
                lvl: by_level.get(lvl, 0)
                for lvl in ("country", "region", "cluster", "province", "district")
            },
            **counts,
            "demo_as_of": self.get_meta("demo_as_of"),
            "demo_seed": self.get_meta("demo_seed"),
        }

    # -- audit ------------------------------------------------------------
    @staticmethod
    def _audit(
        cur,
        username: str | None,
        action: str,
        target: str | None = None,
        detail: dict | None = None,
        origin: str | None = None,
        at: datetime | None = None,
    ) -> None:
        cur.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?, ?)",
            [
                at or datetime.now(),
                username,
                action,
                target,
                json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                origin,
            ],
        )

    def record_meta(self, values: dict[str, str], audit: dict | None = None) -> None:
        """Set meta keys (and write an audit entry) in one transaction."""
        with self.transaction() as cur:
            for key, value in values.items():
                self._set_meta(cur, key, value)
            if audit:
                self._audit(cur, **audit)

    def audit_log(self) -> pd.DataFrame:
        """The audit log, newest first."""
        return self._df("SELECT * FROM audit_log ORDER BY id DESC")

    # -- coverage and KPI facts (engine) ---
    # One pass over the cells as they stood at the cutoff: the current rows
    # submitted before it, plus history rows that were in force at it (submitted
    # before, replaced after). Bounds are [start, end] on period_end.
    _CELLS_AT = (
        "SELECT item_code, area_code, period_end, value, status, submitted_at, verified_at "
        "FROM observations WHERE submitted_at < $cutoff "
        "AND period_end BETWEEN $start AND $end "
        "UNION ALL "
        "SELECT item_code, area_code, period_end, value, status, submitted_at, verified_at "
        "FROM observation_history WHERE submitted_at < $cutoff AND replaced_at >= $cutoff "
        "AND period_end BETWEEN $start AND $end"
    )

    @staticmethod
    def _end_of_day(as_of: date) -> datetime:
        """The first instant after as_of: a value submitted on as_of counts."""
        return datetime.combine(date.fromordinal(as_of.toordinal() + 1), datetime.min.time())

    def coverage_facts(
        self, as_of: date, start: date, end: date, fy_start: date, fy_end: date
    ) -> pd.DataFrame:
        """Per item x area facts of the cells with period_end in [start, end] at as_of.

        present_cells / correct_cells count cells due by as_of (period end +
        release lag); correct = verified by as_of and within valid_min..valid_max;
        latest_due_end_present is the newest due period end present; fy_cells
        counts cells (due or not) ending in [fy_start, fy_end]. Values count when
        submitted on or before as_of (the whole day).
        """
        cutoff = self._end_of_day(as_of)
        # The due test compares with a per-item limit (as_of - lag), computed on
        # the small items table: an expression over the join per row costs more.
        sql = (
            f"WITH c AS ({self._CELLS_AT}), "
            "it AS (SELECT code, valid_min, valid_max,"
            " CAST($as_of - release_lag_days AS DATE) AS due_limit FROM items) "
            "SELECT c.item_code, c.area_code,"
            " count(*) FILTER (WHERE c.period_end <= it.due_limit) AS present_cells,"
            " count(*) FILTER (WHERE c.period_end <= it.due_limit AND c.status = 'verified'"
            "  AND (c.verified_at IS NULL OR c.verified_at < $cutoff)"
            "  AND c.value >= coalesce(it.valid_min, c.value)"
            "  AND c.value <= coalesce(it.valid_max, c.value)) AS correct_cells,"
            " max(c.period_end) FILTER (WHERE c.period_end <= it.due_limit)"
            "  AS latest_due_end_present,"
            " max(c.submitted_at) AS last_submitted_at,"
            " count(*) FILTER (WHERE c.period_end BETWEEN $fy_start AND $fy_end) AS fy_cells "
            "FROM c JOIN it ON it.code = c.item_code "
            "GROUP BY c.item_code, c.area_code"
        )
        params = {
            "cutoff": cutoff,
            "start": start,
            "end": end,
            "as_of": as_of,
            "fy_start": fy_start,
            "fy_end": fy_end,
        }
        return self._df(sql, params)

    def kpi_item_values(
        self, item_codes: list[str], as_of: date, start: date, end: date
    ) -> pd.DataFrame:
        """Values of items per province and period end in [start, end], as known at as_of.

        Rejected values and values outside the item's valid range are left out;
        district values are pooled to their province (sum, mean and count per
        period), so the frame stays small.
        """
        if not item_codes:
            return pd.DataFrame(
                columns=["item_code", "province_code", "period_end", "value_sum", "value_mean", "n"]
            )
        cutoff = self._end_of_day(as_of)
        sql = (
            f"WITH c AS ({self._CELLS_AT}) "
            "SELECT c.item_code,"
            " CASE WHEN a.level = 'district' THEN a.parent_code ELSE c.area_code END"
            "  AS province_code,"
            " c.period_end, sum(c.value) AS value_sum, avg(c.value) AS value_mean,"
            " count(*) AS n "
            "FROM c JOIN items i ON i.code = c.item_code "
            "JOIN areas a ON a.code = c.area_code "
            "WHERE list_contains($items, c.item_code) AND c.status <> 'rejected'"
            " AND c.value >= coalesce(i.valid_min, c.value)"
            " AND c.value <= coalesce(i.valid_max, c.value) "
            "GROUP BY ALL ORDER BY ALL"
        )
        params = {"cutoff": cutoff, "start": start, "end": end, "items": list(item_codes)}
        return self._df(sql, params)

    def observation_scan(self) -> tuple:
        """A plain full scan of the observations (benchmark yardstick): count, sum, max end."""
        cur = self._con.cursor()
        try:
            return cur.execute(
                "SELECT count(*), sum(value), max(period_end) FROM observations"
            ).fetchone()
        finally:
            cur.close()

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

from lib.store.migrations import MIGRATIONS

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


_OBS_COLUMNS = (
    "item_code, area_code, period, period_end, value, status, batch_id, submitted_by, "
    "submitted_at, verified_by, verified_at, note, recorded_at"
)


def _prefixed(alias: str) -> str:
    """The observation columns qualified by a table alias (o.item_code, ...)."""
    return ", ".join(f"{alias}.{c.strip()}" for c in _OBS_COLUMNS.split(","))


def _recorded(frame: pd.DataFrame) -> pd.DataFrame:
    """Bulk-loaded cells entered the store when they were submitted."""
    if "submitted_at" not in frame:
        return frame
    return frame.assign(recorded_at=frame["submitted_at"])


def _cells_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Incoming cells with a real date column (object columns of dates scan slowly)."""
    if cells["period_end"].dtype == object:
        cells = cells.assign(period_end=pd.to_datetime(cells["period_end"]))
    return cells


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
            # names, thresholds or weights changed: figures cached under the old version go
            version = cur.execute(
                "SELECT coalesce(max(CAST(value AS INTEGER)), 0) + 1 FROM meta "
                "WHERE key = 'catalog_version'"
            ).fetchone()[0]
            self._set_meta(cur, "catalog_version", str(version))
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
            self._insert_frame(cur, "observations", _recorded(frame.assign(batch_id=batch_id)))
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

    def load_observation_chunks(
        self, chunks: Iterator[pd.DataFrame], batch: dict, meta: dict[str, str] | None = None
    ) -> int:
        """Like load_observations for a stream of frames (national-scale data).

        `meta` keys are set in the same transaction (the demo's as-of date lands
        with the demo's values or not at all).
        """
        total = 0
        with self.transaction() as cur:
            batch_id = self._new_batch(cur, n_new=0, **batch)
            for chunk in chunks:
                chunk = _recorded(chunk.assign(batch_id=batch_id))
                total += self._insert_frame(cur, "observations", chunk)
            cur.execute("UPDATE upload_batches SET n_new = ? WHERE batch_id = ?", [total, batch_id])
            for key, value in (meta or {}).items():
                self._set_meta(cur, key, value)
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
        """Changes whenever figures may change: the store, its batches, history and catalogue."""
        row = self._df(
            "SELECT coalesce(max(batch_id), 0) AS b, "
            "count(*) FILTER (WHERE status = 'undone') AS u, "
            "(SELECT count(*) FROM observation_history) AS h, "
            "(SELECT coalesce(max(value), '0') FROM meta WHERE key = 'catalog_version') AS c "
            "FROM upload_batches"
        ).iloc[0]
        return f"{self.path}|{row.b}-{row.u}-{row.h}|{row.c}"

    # -- uploads: preview, commit, verify, undo (history kept) --------------
    # An incoming frame has item_code, area_code, period, period_end, value, note.
    _CELL_KEY = "USING (item_code, area_code, period)"

    def compare_with_current(self, incoming: pd.DataFrame) -> pd.DataFrame:
        """Each incoming cell with the value it would replace and new/changed/unchanged."""
        cur = self._con.cursor()
        try:
            cur.register("_incoming", _cells_frame(incoming))
            return (
                cur.sql(
                    "SELECT i.*, o.value AS old_value, o.status AS old_status, "
                    "o.batch_id AS old_batch, CASE WHEN o.value IS NULL THEN 'new' "
                    "WHEN o.value = i.value AND coalesce(o.note, '') = coalesce(i.note, '') "
                    "THEN 'unchanged' ELSE 'changed' END AS change "
                    f"FROM _incoming i LEFT JOIN observations o {self._CELL_KEY}"
                )
                .to_arrow_table()
                .to_pandas()
            )
        finally:
            cur.close()

    def history_stats(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Median, MAD and count of the values each (item, area) already holds."""
        cur = self._con.cursor()
        try:
            cur.register("_pairs", pairs[["item_code", "area_code"]].drop_duplicates())
            return cur.execute(
                "SELECT o.item_code, o.area_code, median(o.value) AS hist_median, "
                "mad(o.value) AS hist_mad, count(*) AS hist_n FROM observations o "
                "JOIN _pairs p USING (item_code, area_code) GROUP BY ALL"
            ).df()
        finally:
            cur.close()

    def find_batch_by_checksum(self, checksum: str) -> pd.DataFrame:
        """Committed upload batches of a file with this checksum."""
        return self._df(
            "SELECT * FROM upload_batches WHERE checksum = ? AND status = 'committed' "
            "ORDER BY batch_id",
            [checksum],
        )

    def commit_cells(self, incoming: pd.DataFrame, batch: dict, audit: dict) -> int | None:
        """Write new and changed cells as one batch, keeping every replaced value.

        Observations, their history, the batch record and the audit entry land in
        one transaction. Cells equal to what is stored are left alone; when
        nothing would change, nothing is written and None is returned.
        """
        now = batch.get("created_at") or datetime.now()
        with self.transaction() as cur:
            cur.register("_incoming", _cells_frame(incoming))
            cur.execute(
                "CREATE TEMP TABLE _delta AS SELECT i.*, "
                "CASE WHEN o.value IS NULL THEN 'new' ELSE 'changed' END AS change "
                f"FROM _incoming i LEFT JOIN observations o {self._CELL_KEY} "
                "WHERE o.value IS NULL OR o.value <> i.value "
                "OR coalesce(o.note, '') <> coalesce(i.note, '')"
            )
            try:
                counts = dict(
                    cur.execute("SELECT change, count(*) FROM _delta GROUP BY change").fetchall()
                )
                n_new, n_changed = counts.get("new", 0), counts.get("changed", 0)
                if n_new + n_changed == 0:
                    return None
                batch_id = self._new_batch(cur, n_new=n_new, **{**batch, "created_at": now})
                cur.execute(
                    "UPDATE upload_batches SET n_changed = ?, n_unchanged = ?, n_rejected = ? "
                    "WHERE batch_id = ?",
                    [
                        n_changed,
                        len(incoming) - n_new - n_changed,
                        batch.get("n_rejected", 0),
                        batch_id,
                    ],
                )
                if n_changed:  # only replaced cells have a value to keep
                    self._archive_and_replace(cur, "_delta", batch_id, batch["username"], now)
                cur.execute(
                    f"INSERT INTO observations ({_OBS_COLUMNS}) SELECT item_code, area_code, "
                    "period, period_end, value, 'submitted', ?, ?, ?, NULL, NULL, note, ? "
                    "FROM _delta",
                    [batch_id, batch["username"], now, now],
                )
                entry = {k: v for k, v in audit.items() if k != "detail"}
                detail = {**audit.get("detail", {}), "new": n_new, "changed": n_changed}
                self._audit(cur, target=f"batch {batch_id}", detail=detail, at=now, **entry)
            finally:
                cur.execute("DROP TABLE IF EXISTS _delta")
        return batch_id

    @staticmethod
    def _archive_and_replace(cur, cells: str, batch_id: int, username: str, now) -> None:
        """Copy the current rows of the given cells to history, then remove them."""
        cur.execute(
            f"INSERT INTO observation_history ({_OBS_COLUMNS}, replaced_at, replaced_by_batch,"
            f" replaced_by) SELECT {_prefixed('o')}, ?, ?, ? FROM observations o "
            f"JOIN {cells} d {Store._CELL_KEY}",
            [now, batch_id, username],
        )
        cur.execute(
            f"DELETE FROM observations WHERE (item_code, area_code, period) IN "
            f"(SELECT (item_code, area_code, period) FROM {cells})"
        )

    def batches(self, agency_code: str | None = None) -> pd.DataFrame:
        """Batches, newest first, optionally of one agency."""
        if agency_code is None:
            return self._df("SELECT * FROM upload_batches ORDER BY batch_id DESC")
        return self._df(
            "SELECT * FROM upload_batches WHERE agency_code = ? ORDER BY batch_id DESC",
            [agency_code],
        )

    def batch(self, batch_id: int) -> dict | None:
        """One batch record as a dict, or None."""
        df = self._df("SELECT * FROM upload_batches WHERE batch_id = ?", [batch_id])
        return None if df.empty else df.iloc[0].to_dict()

    def batch_cells(self, batch_id: int) -> pd.DataFrame:
        """The cells that currently hold a value written by this batch."""
        return self._df(
            "SELECT o.*, i.owner_agency FROM observations o JOIN items i ON i.code = o.item_code "
            "WHERE o.batch_id = ? ORDER BY ALL",
            [batch_id],
        )

    def batch_areas(self, batch_id: int) -> list[str]:
        """Areas whose cells a batch wrote or replaced (now or in history)."""
        df = self._df(
            "SELECT area_code FROM observations WHERE batch_id = $b UNION "
            "SELECT area_code FROM observation_history WHERE batch_id = $b "
            "OR replaced_by_batch = $b ORDER BY 1",
            {"b": batch_id},
        )
        return df["area_code"].tolist()

    def undo_batch(self, batch_id: int, username: str, origin: str = "cli") -> dict:
        """Put back exactly the values a batch replaced (and remove the cells it added).

        Refused when a later batch has since changed one of its cells. The undo is
        itself a batch; the undone values go to history like any replaced value.
        """
        now = datetime.now()
        with self.transaction() as cur:
            row = cur.execute(
                "SELECT status, kind, agency_code FROM upload_batches WHERE batch_id = ?",
                [batch_id],
            ).fetchone()
            if row is None:
                raise ValueError(f"no batch {batch_id}")
            if row[0] != "committed" or row[1] not in ("upload", "verify"):
                raise ValueError(f"batch {batch_id} ({row[1]}, {row[0]}) cannot be undone")
            # The batch's cells: those holding its values now, those whose earlier
            # value it replaced, and those where a later batch replaced its value.
            cur.execute(
                "CREATE TEMP TABLE _undo AS SELECT item_code, area_code, period "
                "FROM observations WHERE batch_id = ? UNION SELECT item_code, area_code, period "
                "FROM observation_history WHERE replaced_by_batch = ? OR batch_id = ?",
                [batch_id, batch_id, batch_id],
            )
            try:
                # A later change counts unless it was itself undone (or is an undo).
                later = cur.execute(
                    f"SELECT count(*) FROM observation_history h JOIN _undo u {self._CELL_KEY} "
                    "JOIN upload_batches b ON b.batch_id = h.replaced_by_batch "
                    "WHERE h.replaced_by_batch > ? AND b.status = 'committed' AND b.kind <> 'undo'",
                    [batch_id],
                ).fetchone()[0]
                if later:
                    raise ValueError(
                        f"batch {batch_id}: {later} of its values were changed by a later "
                        "batch; undo that batch first"
                    )
                n_cells = cur.execute("SELECT count(*) FROM _undo").fetchone()[0]
                undo_id = self._new_batch(
                    cur,
                    n_new=0,
                    agency_code=row[2],
                    kind="undo",
                    username=username,
                    created_at=now,
                    note=f"undo of batch {batch_id}",
                )
                self._archive_and_replace(cur, "_undo", undo_id, username, now)
                restored = cur.execute(
                    f"INSERT INTO observations ({_OBS_COLUMNS}) SELECT h.item_code, h.area_code,"
                    " h.period, h.period_end, h.value, h.status, h.batch_id, h.submitted_by,"
                    " h.submitted_at, h.verified_by, h.verified_at, h.note, ? "
                    "FROM observation_history h WHERE h.replaced_by_batch = ?",
                    [now, batch_id],
                ).fetchone()[0]
            finally:
                cur.execute("DROP TABLE IF EXISTS _undo")
            cur.execute(
                "UPDATE upload_batches SET status = 'undone', undone_by = ?, undone_at = ? "
                "WHERE batch_id = ?",
                [username, now, batch_id],
            )
            cur.execute(
                "UPDATE upload_batches SET n_changed = ? WHERE batch_id = ?", [n_cells, undo_id]
            )
            result = {
                "batch_id": batch_id,
                "undo_batch": undo_id,
                "cells": int(n_cells),
                "restored": int(restored),
                "removed": int(n_cells - restored),
            }
            self._audit(
                cur,
                username=username,
                action="undo",
                target=f"batch {batch_id}",
                detail=result,
                origin=origin,
                at=now,
            )
        return result

    def set_status(
        self,
        cells: pd.DataFrame,
        status: str,
        username: str,
        origin: str = "app",
        agency_code: str | None = None,
        batch_id: int | None = None,
    ) -> int | None:
        """Verify or reject submitted cells (a 'verify' batch; old rows go to history)."""
        if status not in ("verified", "rejected"):
            raise ValueError(f"status must be verified or rejected, not {status!r}")
        now = datetime.now()
        with self.transaction() as cur:
            cur.register("_cells", cells[["item_code", "area_code", "period"]])
            cur.execute(
                "CREATE TEMP TABLE _verify AS SELECT o.* FROM observations o "
                f"JOIN _cells c {self._CELL_KEY} WHERE o.status = 'submitted' "
                "AND (CAST(? AS BIGINT) IS NULL OR o.batch_id = ?)",
                [batch_id, batch_id],
            )
            try:
                n = cur.execute("SELECT count(*) FROM _verify").fetchone()[0]
                if n == 0:
                    return None
                verify_id = self._new_batch(
                    cur,
                    n_new=0,
                    kind="verify",
                    username=username,
                    agency_code=agency_code,
                    created_at=now,
                    note=f"{status} {n} values",
                )
                self._archive_and_replace(cur, "_verify", verify_id, username, now)
                cur.execute(
                    f"INSERT INTO observations ({_OBS_COLUMNS}) SELECT item_code, area_code, "
                    "period, period_end, value, ?, batch_id, submitted_by, submitted_at, ?, ?, "
                    "note, ? FROM _verify",
                    [status, username, now, now],
                )
                cur.execute(
                    "UPDATE upload_batches SET n_changed = ? WHERE batch_id = ?", [n, verify_id]
                )
                self._audit(
                    cur,
                    username=username,
                    action=status,
                    target=f"batch {verify_id}",
                    detail={"cells": int(n), "of_batch": batch_id},
                    origin=origin,
                    at=now,
                )
            finally:
                cur.execute("DROP TABLE IF EXISTS _verify")
        return verify_id

    def export_values(self, item_code: str | None = None, area_code: str | None = None):
        """Current values: item code, area DOPA code, period, value, status, batch."""
        return self._df(
            "SELECT item_code, area_code, period, value, status, batch_id FROM observations "
            "WHERE (? IS NULL OR item_code = ?) AND (? IS NULL OR area_code = ?) "
            "ORDER BY item_code, area_code, period_end",
            [item_code, item_code, area_code, area_code],
        )

    def cell_history(self, item_code: str, area_code: str, period: str) -> pd.DataFrame:
        """Every version a cell has held, oldest first, with when each was in force."""
        return self._df(
            "SELECT value, status, batch_id, submitted_by, submitted_at, verified_by, "
            "verified_at, note, recorded_at, replaced_at, replaced_by_batch "
            "FROM observation_history WHERE item_code = ? AND area_code = ? AND period = ? "
            "UNION ALL SELECT value, status, batch_id, submitted_by, submitted_at, verified_by,"
            " verified_at, note, recorded_at, NULL, NULL FROM observations "
            "WHERE item_code = ? AND area_code = ? AND period = ? "
            "ORDER BY recorded_at, replaced_at NULLS LAST",
            [item_code, area_code, period] * 2,
        )

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
    # The version of each cell in force at $cutoff: a row is in force from its
    # recorded_at until it is replaced (history) or for good (current).
    _CELLS_AT = (
        "SELECT item_code, area_code, period_end, value, status, submitted_at, verified_at "
        "FROM observations WHERE recorded_at < $cutoff "
        "AND period_end BETWEEN $start AND $end "
        "UNION ALL "
        "SELECT item_code, area_code, period_end, value, status, submitted_at, verified_at "
        "FROM observation_history WHERE recorded_at < $cutoff AND replaced_at >= $cutoff "
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

    # -- users, access and backup ---
    # Policy (who may do what, lock-out numbers) lives in lib.auth and the
    # orchestration in lib.backup; these methods only read and write. The
    # audit log is append-only: no Store method changes or removes its rows.
    _USER_FIELDS = (
        "username, display_name, role, agency_code, area_code, is_active, "
        "failed_attempts, locked_until, created_at, password_changed_at"
    )
    _USER_UPDATABLE = frozenset(
        {
            "display_name",
            "role",
            "agency_code",
            "area_code",
            "is_active",
            "password_hash",
            "password_changed_at",
            "failed_attempts",
            "locked_until",
        }
    )

    def _fetch_dict(self, sql: str, params: list | tuple) -> dict | None:
        cur = self._con.cursor()
        try:
            cur.execute(sql, params)
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([d[0] for d in cur.description], row, strict=True))
        finally:
            cur.close()

    def user_record(self, username: str) -> dict | None:
        """One user's row with its password hash (sign-in only), or None."""
        return self._fetch_dict("SELECT * FROM users WHERE username = ?", [username])

    def users_frame(self) -> pd.DataFrame:
        """Every account, never the password hashes."""
        return self._df(f"SELECT {self._USER_FIELDS} FROM users ORDER BY username")

    def agency_codes(self) -> list[str]:
        """Codes of the agencies (the owner_agency of items)."""
        return self._df("SELECT code FROM agencies ORDER BY code")["code"].tolist()

    def area_index_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Areas (code, level, parent_code) and every grouping member row, for lib.auth."""
        areas = self._df("SELECT code, level, parent_code FROM areas ORDER BY code")
        members = self._df(
            "SELECT scheme, group_code, province_code, valid_from, valid_to "
            "FROM grouping_members ORDER BY scheme, province_code"
        )
        return areas, members

    def insert_user(self, record: dict, audit: dict) -> None:
        """Add an account row and its audit entry in one transaction."""
        cols = list(record)
        with self.transaction() as cur:
            try:
                cur.execute(
                    f"INSERT INTO users ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' for _ in cols)})",
                    [record[c] for c in cols],
                )
            except duckdb.ConstraintException as exc:
                raise StoreError(f"user {record.get('username')} already exists") from exc
            self._audit(cur, **audit)

    def update_user(self, username: str, changes: dict, audit: dict) -> None:
        """Change fields of one account and write its audit entry in one transaction."""
        bad = set(changes) - self._USER_UPDATABLE
        if bad or not changes:
            raise ValueError(f"not updatable user fields: {sorted(bad) or 'none given'}")
        cols = sorted(changes)
        with self.transaction() as cur:
            found = cur.execute(
                f"UPDATE users SET {', '.join(f'{c} = ?' for c in cols)} "
                "WHERE username = ? RETURNING username",
                [changes[c] for c in cols] + [username],
            ).fetchall()
            if not found:
                raise StoreError(f"no user {username}")
            self._audit(cur, **audit)

    def record_sign_in_success(
        self, username: str, origin: str | None, at: datetime, new_hash: str | None = None
    ) -> None:
        """Clear the failure count and lock (and store a rehashed password); audit sign_in."""
        with self.transaction() as cur:
            cur.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL, "
                "password_hash = coalesce(?, password_hash) WHERE username = ?",
                [new_hash, username],
            )
            self._audit(
                cur,
                username,
                "sign_in",
                target=username,
                detail={"rehashed": True} if new_hash else None,
                origin=origin,
                at=at,
            )

    def record_sign_in_failure(
        self,
        username: str,
        max_attempts: int,
        lock_until: datetime,
        origin: str | None,
        at: datetime,
    ) -> tuple[int, bool]:
        """Count one failed password; at max_attempts lock until lock_until and reset the count.

        Audits sign_in_failed (and locked). Returns (consecutive failures, locked now).
        """
        with self.transaction() as cur:
            row = cur.execute(
                "UPDATE users SET failed_attempts = failed_attempts + 1 "
                "WHERE username = ? RETURNING failed_attempts",
                [username],
            ).fetchone()
            attempts = int(row[0]) if row else 0
            self._audit(
                cur,
                username,
                "sign_in_failed",
                target=username,
                detail={"reason": "bad_password", "attempt": attempts},
                origin=origin,
                at=at,
            )
            locked = row is not None and attempts >= max_attempts
            if locked:
                cur.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                    [lock_until, username],
                )
                self._audit(
                    cur,
                    username,
                    "locked",
                    target=username,
                    detail={"attempts": attempts, "locked_until": lock_until},
                    origin=origin,
                    at=at,
                )
        return attempts, locked

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
                until = self._end_of_day(until)
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

    def engine_version(self) -> str:
        """The DuckDB version that runs this store (recorded in backup manifests)."""
        return str(self._scalar("SELECT version()"))

    def table_row_counts(self) -> dict[str, int]:
        """Rows per base table."""
        return {t: int(self._scalar(f'SELECT count(*) FROM "{t}"')) for t in self.table_names()}

    @staticmethod
    def _quoted_path(directory: str | Path) -> str:
        return "'" + str(directory).replace("'", "''") + "'"

    def export_snapshot(self, directory: str | Path) -> dict[str, int]:
        """EXPORT DATABASE to Parquet and count every table, in one read transaction.

        The counts are of the very snapshot exported, even while others write.
        """
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(f"EXPORT DATABASE {self._quoted_path(directory)} (FORMAT parquet)")
                tables = [
                    r[0]
                    for r in cur.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_type = 'BASE TABLE' ORDER BY table_name"
                    ).fetchall()
                ]
                counts = {
                    t: int(cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables
                }
            except duckdb.Error:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        except duckdb.Error as exc:
            raise StoreError(f"export failed: {exc}") from exc
        finally:
            cur.close()
        return counts

    def import_database(self, directory: str | Path) -> None:
        """IMPORT DATABASE from an export directory into this (empty) store."""
        if self.table_names():
            raise StoreError(f"refusing to import into a store that has tables: {self.path}")
        cur = self._con.cursor()
        try:
            cur.execute(f"IMPORT DATABASE {self._quoted_path(directory)}")
        except duckdb.Error as exc:
            raise StoreError(f"import failed: {exc}") from exc
        finally:
            cur.close()

    # -- map and profile queries ---
    def map_item_periods(self, item_code: str) -> pd.DataFrame:
        """Periods of an item that hold usable values (not rejected, in range), oldest first."""
        return self._df(
            "SELECT o.period, min(o.period_end) AS period_end, count(*) AS cells "
            "FROM observations o JOIN items i ON i.code = o.item_code "
            "WHERE o.item_code = ? AND o.status <> 'rejected'"
            " AND o.value >= coalesce(i.valid_min, o.value)"
            " AND o.value <= coalesce(i.valid_max, o.value) "
            "GROUP BY o.period ORDER BY period_end",
            [item_code],
        )

    def map_item_cells(self, item_code: str, period: str) -> pd.DataFrame:
        """Per area of an item: its value and status in a period, and its latest period end.

        Rejected and out-of-range values are left out (as in the KPI engine).
        """
        return self._df(
            "SELECT o.area_code,"
            " max(o.value) FILTER (WHERE o.period = $period) AS value,"
            " max(o.status) FILTER (WHERE o.period = $period) AS status,"
            " max(o.period_end) AS latest_end "
            "FROM observations o JOIN items i ON i.code = o.item_code "
            "WHERE o.item_code = $item AND o.status <> 'rejected'"
            " AND o.value >= coalesce(i.valid_min, o.value)"
            " AND o.value <= coalesce(i.valid_max, o.value) "
            "GROUP BY o.area_code ORDER BY o.area_code",
            {"item": item_code, "period": period},
        )

    def district_latest_values(self, province_code: str) -> pd.DataFrame:
        """Latest usable value of every district item in each district of a province."""
        return self._df(
            "SELECT o.item_code, o.area_code, o.period, o.value, o.status "
            "FROM observations o JOIN areas a ON a.code = o.area_code "
            "JOIN items i ON i.code = o.item_code "
            "WHERE a.level = 'district' AND a.parent_code = ? AND o.status <> 'rejected' "
            "QUALIFY row_number() OVER "
            "(PARTITION BY o.item_code, o.area_code ORDER BY o.period_end DESC) = 1 "
            "ORDER BY o.item_code, o.area_code",
            [province_code],
        )

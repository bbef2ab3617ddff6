"""The store as a whole: counts, fingerprints, Parquet snapshots (export, data-only load), info."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from lib.store import server
from lib.store.connection import StoreError, fault_reason


def _quoted_path(directory: str | Path) -> str:
    return "'" + str(directory).replace("'", "''") + "'"


class SnapshotQueries:
    """Whole-store reads and writes (mixed into Store)."""

    def engine_version(self) -> str:
        """The DuckDB version that runs this store (recorded in backup manifests)."""
        return str(self._scalar("SELECT version()"))

    def table_row_counts(self) -> dict[str, int]:
        """Rows per base table."""
        return {t: int(self._scalar(f'SELECT count(*) FROM "{t}"')) for t in self.table_names()}

    def fingerprint(
        self, tables: Iterable[str] | None = None, ignore_columns: Iterable[str] = ()
    ) -> dict[str, tuple[int, int]]:
        """{table: (row count, content hash)} computed in SQL, independent of row order.

        The hash is the sum of DuckDB's hash of each row (the columns named in
        ignore_columns left out, e.g. applied_at or recorded_at), so two stores
        with the same rows in any order have equal fingerprints and one changed
        cell changes its table's hash. For tests and checks of whole stores
        without pulling them into pandas. Default: every base table.
        """
        known = self.table_names()
        chosen = known if tables is None else list(tables)
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise ValueError(f"no such table: {', '.join(unknown)}")
        columns = self._df(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = current_schema() "
            "AND list_contains(?, table_name) AND NOT list_contains(?, column_name) "
            "ORDER BY table_name, ordinal_position",
            [chosen, list(ignore_columns)],
        )
        by_table = columns.groupby("table_name")["column_name"].agg(list).to_dict()
        out = {}
        cur = self._con.cursor()
        try:
            for table in chosen:
                names = by_table.get(table, [])
                row = ", ".join(f'"{c}"' for c in names)
                digest = f"coalesce(sum(hash(row({row}))::HUGEINT), 0)" if names else "0"
                n, h = cur.execute(f'SELECT count(*), {digest} FROM "{table}"').fetchone()
                out[table] = (int(n), int(h))
        finally:
            cur.close()
        return out

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
            "path": server.shown(self.path),
            "schema_version": self.schema_version(),
            "areas": {
                lvl: by_level.get(lvl, 0)
                for lvl in ("country", "region", "cluster", "province", "district")
            },
            **counts,
            "scope": self.scope(),
            "kpi_set_years": self.kpi_set_years(),
            "demo_as_of": self.get_meta("demo_as_of"),
            "demo_seed": self.get_meta("demo_seed"),
        }

    def export_snapshot(self, directory: str | Path) -> dict:
        """Every base table to <table>.parquet, with rows, columns and sequences, in one read.

        The folder is created (0700). Everything is read in one transaction, so the
        counts are of the very snapshot exported, even while others write. Returns
        {"tables": {table: rows}, "columns": {table: [names]}, "sequences": {name: last}}.
        """
        directory = Path(directory)
        directory.mkdir(mode=0o700)
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                out = _export_tables(cur, directory)
            except duckdb.Error:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        except duckdb.Error as exc:
            first = (str(exc).splitlines() or [""])[0]
            raise StoreError(fault_reason(exc, directory) or f"export failed: {first}") from exc
        finally:
            cur.close()
        return out

    def load_snapshot(self, files: dict[str, Path], sequences: dict[str, int]) -> dict[str, int]:
        """Fill this freshly migrated store with data only: one Parquet file per table.

        The tables must be exactly this store's (its schema comes from the project's
        migrations, never from a backup) and each file's columns exactly its
        table's; rows go in by column name, in one transaction. schema_migrations
        takes the backup's rows; sequences continue after the largest id. Returns
        the rows per table.
        """
        expected = self._table_columns()
        if set(files) != set(expected):
            unknown, missing = (
                sorted(set(files) - set(expected)),
                sorted(set(expected) - set(files)),
            )
            raise StoreError(f"tables differ from the schema: unknown {unknown}, missing {missing}")
        with self.transaction() as cur:
            cur.execute("DELETE FROM schema_migrations")
            for table, path in sorted(files.items()):
                _load_table(cur, table, expected[table], path)
            for name in _sequences(cur):
                last = int(sequences.get(name) or 0)
                table, column = SEQUENCE_COLUMNS.get(name, (None, None))
                if table in expected:
                    top = cur.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')
                    last = max(last, int(top.fetchone()[0]))
                if self.on_server:
                    server.continue_after(cur, name, last)
                    continue
                cur.execute(f'DROP SEQUENCE "{name}"')
                cur.execute(f'CREATE SEQUENCE "{name}" START {last + 1}')
        return self.table_row_counts()

    def _table_columns(self) -> dict[str, list[str]]:
        """{base table: column names in order}."""
        frame = self._df(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' AND t.table_catalog = current_database() "
            "AND t.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position"
        )
        return frame.groupby("table_name", sort=True)["column_name"].agg(list).to_dict()


# Sequences and the column whose ids they hand out: a restore starts each after the
# larger of its recorded value and the largest id (others: after the recorded value).
SEQUENCE_COLUMNS = {
    "batch_seq": ("upload_batches", "batch_id"),
    "audit_seq": ("audit_log", "id"),
    "display_link_seq": ("display_links", "id"),
    "narrative_seq": ("kpi_narratives", "id"),
    "report_schedule_seq": ("report_schedules", "id"),
    "feed_seq": ("feeds", "id"),
    "feed_run_seq": ("feed_runs", "id"),
}


def _export_tables(cur, directory: Path) -> dict:
    """COPY every base table to Parquet on the caller's (transaction's) cursor."""
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
            "AND table_schema = current_schema() ORDER BY table_name"
        ).fetchall()
    ]
    counts, columns = {}, {}
    for table in tables:
        target = _quoted_path(directory / f"{table}.parquet")
        cur.execute(f'COPY (SELECT * FROM "{table}") TO {target} (FORMAT parquet)')
        counts[table] = int(cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        columns[table] = [
            r[0]
            for r in cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_catalog = current_database() AND table_schema = current_schema() "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
    return {"tables": counts, "columns": columns, "sequences": _sequences(cur)}


def _sequences(cur) -> dict[str, int]:
    """{sequence: last value handed out} of the store's sequences (a file's or a server's)."""
    if server.on_server(cur):
        return server.sequences(cur)
    rows = cur.execute("SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall()
    return {name: int(last or 0) for name, last in rows}


def _load_table(cur, table: str, columns: list[str], path: Path) -> None:
    """Insert one Parquet file's rows into a table, its columns checked by name first."""
    try:
        described = cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        first = (str(exc).splitlines() or [""])[0]
        raise StoreError(f"import failed: {path.name} is not readable Parquet: {first}") from exc
    got = [r[0] for r in described]
    if sorted(got) != sorted(columns):
        raise StoreError(
            f"{path.name}: columns {sorted(set(got) ^ set(columns))} differ from table {table}"
        )
    names = ", ".join(f'"{c}"' for c in columns)
    try:
        cur.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {names} FROM read_parquet(?)', [str(path)]
        )
    except duckdb.Error as exc:
        first = (str(exc).splitlines() or [""])[0]
        raise StoreError(f"import failed: rows of {path.name} do not fit {table}: {first}") from exc

"""The store as a whole: counts, fingerprints, EXPORT/IMPORT DATABASE snapshots, info."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from lib.store.connection import StoreError


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
            "WHERE list_contains(?, table_name) AND NOT list_contains(?, column_name) "
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

    def export_snapshot(self, directory: str | Path) -> dict[str, int]:
        """EXPORT DATABASE to Parquet and count every table, in one read transaction.

        The counts are of the very snapshot exported, even while others write.
        """
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(f"EXPORT DATABASE {_quoted_path(directory)} (FORMAT parquet)")
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
            cur.execute(f"IMPORT DATABASE {_quoted_path(directory)}")
        except duckdb.Error as exc:
            raise StoreError(f"import failed: {exc}") from exc
        finally:
            cur.close()

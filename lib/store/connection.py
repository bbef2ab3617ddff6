"""The DuckDB database object of a Store: cursors, transactions, bulk inserts, schema, meta, audit.

One Store per process holds one DuckDB database object; each call takes its own
cursor (a DuckDB connection is not thread-safe, Streamlit runs sessions in
threads). Writes are serialised by a lock and run in one transaction each, so a
failure leaves every table as it was, and the error that aborted it (a full
disk, say) is the one reported, as a one-line reason (`fault_reason`).

A process that opens a store file creates every later file readable by its own
account only (umask 077: DuckDB makes the WAL and spill files itself, so the
mask is the one way to set their mode at creation); a new store file is 0600
and a new folder for it 0700.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from lib.store import server
from lib.store.migrations import MIGRATIONS

# Tables a bulk frame may be written to (names are never taken from input).
WRITABLE = frozenset(
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

# Offline: never download an extension at run time.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


# Test only: `EIS_TEST_KILL_AT=<point>` makes the process SIGKILL itself at that named point
# (tests/test_killsafety.py); never set in production.
KILL_AT_ENV = "EIS_TEST_KILL_AT"


class StoreError(RuntimeError):
    """The store cannot be opened or a write was refused."""


class StoreInUse(StoreError):
    """Another process holds the store file (DuckDB allows one writing process)."""


def kill_point(name: str) -> None:
    """Test only: SIGKILL this process here when $EIS_TEST_KILL_AT is `name` (crash tests)."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def private_files() -> None:
    """From now on this process creates files and folders for its own account only (umask 077)."""
    os.umask(0o077)


def fault_reason(exc: BaseException, path: str | Path | None = None) -> str | None:
    """A one-line reason for a fault of the machine (disk full, store busy, no access), or None."""
    text, code = str(exc).lower(), getattr(exc, "errno", None)
    where = f" {path}" if path else ""
    if code == errno.ENOSPC or "no space left on device" in text:
        return (
            f"the disk holding the store{where} is full (no space left on device): "
            "nothing was written; free space on that disk and try again"
        )
    if code == errno.EFBIG or "file too large" in text:
        return (
            f"cannot write the store{where}: file too large (a file size limit of this "
            "process or file system); nothing was written"
        )
    if "could not set lock" in text or "conflicting lock" in text:
        return (
            f"the store{where} is in use by another process (the running app or another "
            "command): stop it or wait for it to finish, then try again"
        )
    if code in (errno.EACCES, errno.EPERM) or "permission denied" in text:
        return f"no permission to read or write the store{where}: run as the service account"
    if code == errno.EROFS or "read-only file system" in text:
        return f"the store{where} is on a read-only file system: nothing was written"
    if "created with an newer version of duckdb" in text or "newer version of duckdb" in text:
        return (
            f"the store{where} was written by a newer DuckDB than this program's "
            f"({duckdb.__version__}): restore a backup into a new store (`python -m lib restore`) "
            "or move the file away and start the app to build a new one"
        )
    if "not a valid duckdb database file" in text or "is a directory" in text:
        return f"{path or 'the file'} is not a store (not a DuckDB database file): check --db"
    return None


def _aborting_error(exc: BaseException) -> BaseException:
    """The error that aborted a transaction, not a later "transaction is aborted" it caused."""
    while (
        isinstance(exc, duckdb.TransactionException)
        and "aborted" in str(exc)
        and isinstance(exc.__context__, duckdb.Error)
    ):
        exc = exc.__context__
    return exc


def _rollback(cur) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        return  # a failed COMMIT has already rolled back (or the database is invalidated)


class Connection:
    """A DuckDB file (or ':memory:') opened with the project's settings."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = str(path)
        self.shared: dict = {}  # kept state its shallow copies (verified_view) share
        self._write_lock = threading.Lock()
        self.on_server = server.is_server(self.path)
        if self.on_server:  # a PostgreSQL database many processes share (lib.store.server)
            try:
                self._con = server.connect(self.path, _CONFIG)
            except server.ServerUnavailable as exc:
                raise StoreError(str(exc)) from exc
            return
        is_new = False
        if self.path != ":memory:":
            private_files()
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StoreError(
                    fault_reason(exc, self.path)
                    or f"cannot create the folder of {self.path}: {exc}"
                ) from exc
            is_new = not Path(self.path).exists()
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=dict(_CONFIG))
        except duckdb.Error as exc:
            reason = fault_reason(exc, self.path)
            first = (str(exc).splitlines() or [""])[0]
            error = StoreInUse if "lock" in first.lower() else StoreError
            raise error(reason or f"cannot open store {self.path}: {first}") from exc
        if is_new and os.path.isfile(self.path):
            os.chmod(self.path, 0o600)

    def close(self) -> None:
        """Close the database object."""
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading, a cursor per call -------------------------------------
    def _df(
        self,
        sql: str,
        params: list | tuple | dict | None = None,
        frames: dict[str, pd.DataFrame] | None = None,
    ) -> pd.DataFrame:
        """Run a query on its own cursor (with small frames registered as tables) into a frame."""
        cur = self._con.cursor()
        try:
            for name, frame in (frames or {}).items():
                cur.register(name, frame)
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

    # -- writing ----------------------------------------------------------
    @property
    def commits(self) -> int:
        """Write transactions this process committed through this store (and its views)."""
        return self.shared.get("commits", 0)

    @contextmanager
    def transaction(self, prepare=None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One serialised write transaction: all of it lands or none of it.

        On failure the error that aborted it is raised (a full disk as a StoreError
        with a one-line reason), never the "transaction is aborted" that followed.
        prepare(cur), when given, runs on the transaction's cursor just before it begins
        (reads and temp tables that cursor alone sees, committed as they run).
        """
        with self._write_lock:
            cur = self._con.cursor()
            try:
                if prepare is not None:
                    prepare(cur)
                cur.execute("BEGIN TRANSACTION")
                if self.on_server:  # one writer at a time across every process, as in a file
                    server.lock_writes(cur)
                yield cur
                kill_point("store.before_commit")
                cur.execute("COMMIT")
                self.shared["commits"] = self.commits + 1
            except BaseException as exc:
                _rollback(cur)
                cause = _aborting_error(exc)
                reason = fault_reason(cause, self.path) if isinstance(cause, duckdb.Error) else None
                if reason:
                    raise StoreError(reason) from cause
                if cause is not exc:
                    raise cause from None
                raise
            finally:
                cur.close()
        kill_point("store.after_commit")

    @staticmethod
    def _insert_frame(cur, table: str, frame: pd.DataFrame) -> int:
        if table not in WRITABLE:
            raise ValueError(f"not a writable table: {table}")
        if frame.empty:
            return 0
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        # A relation, not register(): a frame registered inside a transaction stays alive
        # until the commit (about 220 bytes a value in a one-transaction national load).
        cur.from_df(frame).query(
            "_incoming", f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming"
        )
        return len(frame)

    @staticmethod
    def _next_id(cur, sequence: str) -> int:
        """The next id a sequence hands out, on the caller's cursor (a DuckDB file's own
        sequence, or the server's, which a rollback does not take back)."""
        if server.on_server(cur):
            return server.next_id(cur, sequence)
        return int(cur.execute(f"SELECT nextval('{sequence}')").fetchone()[0])

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
        """Append one audit entry inside the caller's transaction."""
        cur.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                Connection._next_id(cur, "audit_seq"),
                at or datetime.now(),
                username,
                action,
                target,
                json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                origin,
            ],
        )

    # -- schema -----------------------------------------------------------
    def migrate(self, until: int | None = None) -> list[int]:
        """Apply the migrations not yet applied (up to number `until`); return their numbers."""
        applied: list[int] = []
        with self.transaction() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "number INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            done = {r[0] for r in cur.execute("SELECT number FROM schema_migrations").fetchall()}
            for m in MIGRATIONS:
                if m.number in done or (until is not None and m.number > until):
                    continue
                cur.execute(server.schema_sql(m.sql) if self.on_server else m.sql)
                cur.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [m.number, m.name, datetime.now()],
                )
                applied.append(m.number)
        return applied

    def schema_version(self) -> int:
        """Newest applied migration number (0 for an empty file)."""
        exists = self._scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' "
            "AND table_catalog = current_database() AND table_schema = current_schema()"
        )
        if not exists:
            return 0
        return int(self._scalar("SELECT coalesce(max(number), 0) FROM schema_migrations"))

    def table_names(self) -> list[str]:
        """Names of the base tables in the store."""
        df = self._df(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
            "AND table_schema = current_schema() ORDER BY table_name"
        )
        return df["table_name"].tolist()

    def table_frame(self, table: str, order_by_all: bool = True) -> pd.DataFrame:
        """A whole table as a frame, rows in a stable order (small tables, tests)."""
        if table not in self.table_names():
            raise ValueError(f"no such table: {table}")
        order = " ORDER BY ALL" if order_by_all else ""
        return self._df(f'SELECT * FROM "{table}"{order}')

    # -- meta -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        return self._scalar("SELECT value FROM meta WHERE key = ?", [key])

    def figures_as_of(self) -> date:
        """The day the cockpit, map and profile describe: lib.core.settings.figures_as_of of
        this store's demo day (today, never before the day a demo was generated for)."""
        from lib.core import settings

        return settings.figures_as_of(self.get_meta("demo_as_of"))

    @staticmethod
    def _set_meta(cur, key: str, value: str) -> None:
        cur.execute("DELETE FROM meta WHERE key = ?", [key])
        cur.execute("INSERT INTO meta VALUES (?, ?)", [key, value])

    def record_meta(self, values: dict[str, str], audit: dict | None = None) -> None:
        """Set meta keys (and write an audit entry) in one transaction."""
        with self.transaction() as cur:
            for key, value in values.items():
                self._set_meta(cur, key, value)
            if audit:
                self._audit(cur, **audit)

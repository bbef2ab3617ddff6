"""The shared store mode: one PostgreSQL database that app servers and commands use at once.

`Store("postgresql://USER@HOST:PORT/DB")` opens an in-memory DuckDB that
attaches the PostgreSQL database with DuckDB's postgres extension (shipped on
PyPI as `duckdb-extension-postgres`, loaded from its file: no network) and
makes it the default catalogue, so every named query of the store runs
unchanged: DuckDB plans it, PostgreSQL holds the rows, the keys, the
transactions and the locks. Two things DuckDB cannot do through the extension
are done here: sequences (created and advanced by PostgreSQL itself through
`postgres_query`/`postgres_execute`) and the extension's file name (the package
ships `postgres.duckdb_extension`, whose entry point is `postgres_scanner`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from lib.core.settings import SERVER_URL_PREFIXES

ALIAS = "eis"  # the attached database's name inside DuckDB
_SEQUENCE_DDL = re.compile(r"CREATE SEQUENCE IF NOT EXISTS (\w+) START (\d+);", re.IGNORECASE)


class ServerUnavailable(RuntimeError):
    """The shared store's extension or server cannot be reached."""


def is_server(location: object) -> bool:
    """Whether a store location names a PostgreSQL server (else it is a DuckDB file)."""
    return isinstance(location, str) and location.startswith(SERVER_URL_PREFIXES)


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _extension_file() -> Path:
    """The postgres extension's file named after its entry point (copied once per process)."""
    try:
        import duckdb_extension_postgres  # noqa: F401  (the package only ships the file)
    except ImportError as exc:
        raise ServerUnavailable(
            "the shared store needs the Python package duckdb-extension-postgres "
            f"(pip install duckdb-extension-postgres=={duckdb.__version__})"
        ) from exc
    root = Path(duckdb_extension_postgres.__file__).parent
    found = sorted(root.rglob("postgres*.duckdb_extension"))
    if not found:
        raise ServerUnavailable(f"no postgres extension file under {root}")
    folder = Path(tempfile.gettempdir()) / f"eis-ext-{os.getuid()}"
    target = folder / "postgres_scanner.duckdb_extension"
    if not target.exists() or target.stat().st_size != found[0].stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_suffix(f".{os.getpid()}")
        shutil.copyfile(found[0], partial)
        os.replace(partial, target)
    return target


class Database:
    """The in-memory DuckDB holding the attached server database; each cursor uses it."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor whose default catalogue is the server's database."""
        cur = self._con.cursor()
        cur.execute(f"USE {ALIAS}")
        return cur

    def close(self) -> None:
        """Close the DuckDB (and its connections to the server)."""
        self._con.close()


def connect(url: str, config: dict) -> Database:
    """An in-memory DuckDB with the server's database attached as the default catalogue."""
    con = duckdb.connect(":memory:", config=dict(config))
    try:
        con.execute(f"LOAD '{_extension_file()}'")
        quoted = url.replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {ALIAS} (TYPE postgres)")
    except duckdb.Error as exc:
        con.close()
        first = (str(exc).splitlines() or [""])[0].replace(url, shown(url))
        raise ServerUnavailable(f"cannot open the shared store {shown(url)}: {first}") from exc
    return Database(con)


def schema_sql(sql: str) -> str:
    """A migration's SQL for the server: its sequences are created by PostgreSQL."""
    return _SEQUENCE_DDL.sub(
        lambda m: (
            f"CALL postgres_execute('{ALIAS}', "
            f"'CREATE SEQUENCE IF NOT EXISTS {m.group(1)} START {m.group(2)}');"
        ),
        sql,
    )


def on_server(cur) -> bool:
    """Whether a cursor's default catalogue is a server database (else a DuckDB file)."""
    kind = cur.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    return kind == "postgres"


def next_id(cur, sequence: str) -> int:
    """The next value of a PostgreSQL sequence (not undone by a rollback, as in PostgreSQL)."""
    if not re.fullmatch(r"\w+", sequence):
        raise ValueError(f"not a sequence name: {sequence}")
    row = cur.execute(
        f"SELECT * FROM postgres_query('{ALIAS}', 'SELECT nextval(''{sequence}'')')"
    ).fetchone()
    return int(row[0])


# The advisory lock every write transaction of the shared store holds until it ends.
WRITE_LOCK = 0x45495357  # "EISW"


_WAITS: list[float] = []  # seconds each write of this process waited for the lock (bench)


def lock_waits() -> list[float]:
    """Seconds each write transaction of this process waited for the write lock, in order."""
    return list(_WAITS)


def lock_writes(cur) -> None:
    """Wait for and hold the store's write lock until the caller's transaction ends."""
    started = time.perf_counter()
    cur.execute(
        f"CALL postgres_execute('{ALIAS}', 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED')"
    )
    cur.execute(f"CALL postgres_execute('{ALIAS}', 'SELECT pg_advisory_xact_lock({WRITE_LOCK})')")
    _WAITS.append(time.perf_counter() - started)
    del _WAITS[:-10000]  # a bounded record


def sequences(cur) -> dict[str, int]:
    """{sequence: last value handed out (0: none yet)} of the server database's sequences."""
    rows = cur.execute(
        f"SELECT * FROM postgres_query('{ALIAS}', "
        "'SELECT sequencename::text, coalesce(last_value, 0) FROM pg_sequences "
        "WHERE schemaname = current_schema()')"
    ).fetchall()
    return {str(name): int(last) for name, last in rows}


def continue_after(cur, sequence: str, last: int) -> None:
    """Make a sequence hand out last + 1 next."""
    if not re.fullmatch(r"\w+", sequence):
        raise ValueError(f"not a sequence name: {sequence}")
    if last > 0:
        statement = f"SELECT setval(''{sequence}'', {int(last)}, true)"
    else:
        statement = f"SELECT setval(''{sequence}'', 1, false)"
    cur.execute(f"CALL postgres_execute('{ALIAS}', '{statement}')")

"""A real PostgreSQL server on loopback for the shared-store tests (Debian's postgresql).

`start()` runs initdb and pg_ctl from /usr/lib/postgresql/*/bin in a new temporary
folder (as the `postgres` account when the tests run as root, since PostgreSQL
refuses to run as root) on a free port, trust authentication on 127.0.0.1 only.
`EIS_TEST_POSTGRES=postgresql://USER@HOST:PORT` uses a running server instead.
Without either, the tests that need a server are skipped, unless
`EIS_REQUIRE_POSTGRES=1` (CI), which makes a missing server a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest

URL_ENV = "EIS_TEST_POSTGRES"
REQUIRE_ENV = "EIS_REQUIRE_POSTGRES"


def _binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A PostgreSQL server: its base URL, and databases made (or copied) on it."""

    def __init__(self, base_url: str, stop=None):
        self.base_url = base_url.rstrip("/")
        self._stop = stop

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE cannot run in one)."""
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url(database), "-c", statement],
            check=True,
            capture_output=True,
        )

    def new_database(self, template: str | None = None) -> str:
        """A fresh (or copied) database; its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        copy = f" TEMPLATE {template}" if template else ""
        self.sql(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def stop(self) -> None:
        if self._stop:
            self._stop()


def start() -> Server | None:
    """A server for this test session, or None when none can be had."""
    if os.environ.get(URL_ENV):
        return Server(os.environ[URL_ENV])
    bin_dir = _binaries()
    if not bin_dir or not shutil.which("psql"):
        return None
    folder = tempfile.mkdtemp(prefix="eis-pg-")
    port = _free_port()
    as_root = os.geteuid() == 0

    def run(*args: str) -> None:
        command = " ".join(args)
        full = ["su", "postgres", "-c", command] if as_root else ["sh", "-c", command]
        subprocess.run(full, check=True, capture_output=True)

    if as_root:
        shutil.chown(folder, "postgres")
    data = os.path.join(folder, "data")
    run(f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", f"{folder}/log", "-o", f"'{options}'", "start")

    def stop() -> None:
        run(f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)

    return Server(f"postgresql://postgres@127.0.0.1:{port}", stop)


def required_or_skip(server: Server | None) -> Server:
    """The server, or skip the test (fail under EIS_REQUIRE_POSTGRES=1)."""
    if server is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail("no PostgreSQL server (install Debian's postgresql; CI does)")
        pytest.skip("no PostgreSQL server here (EIS_REQUIRE_POSTGRES=1 makes this a failure)")
    return server

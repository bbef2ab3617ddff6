"""Shared fixtures: stores built in code from the shipped files, deterministic dates."""

from __future__ import annotations

import io
import os
import shutil
from datetime import date

import pytest

from lib.services.bootstrap import init_store
from lib.store import Store

# The app's backup worker writes scheduled backups under data/: never from tests
# (lib.backup's own tests drive the worker directly).
os.environ["EIS_BACKUP_WORKER"] = "0"
os.environ["EIS_REPORT_WORKER"] = "0"  # no scheduled sends from test servers
os.environ["EIS_FEED_WORKER"] = "0"  # no feed runs from test servers

# Every test that needs "today" uses this date, so results never depend on the clock;
# the app under test (and a browser test's server) reads it from EIS_AS_OF.
AS_OF = date(2026, 11, 22)
os.environ["EIS_AS_OF"] = AS_OF.isoformat()


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory):
    """Path of a store with reference, catalogue and demo data as of AS_OF (built once)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store(path) as store:
        init_store(store, as_of=AS_OF)
    return path


@pytest.fixture(scope="session")
def demo_store(demo_store_path):
    """The demo store, opened once for the session; tests must not write to it."""
    store = Store(demo_store_path)
    yield store
    store.close()


@pytest.fixture
def fast_hasher(monkeypatch):
    """Cheap argon2 parameters: the tests check behaviour, not cost."""
    from argon2 import PasswordHasher

    from lib.services.auth import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def empty_store(tmp_path):
    """A migrated store with nothing loaded."""
    store = Store(tmp_path / "empty.duckdb")
    store.migrate()
    yield store
    store.close()


PASSWORD = "a long enough password"
# Accounts of the app-test store: (name, role, agency, area)
APP_USERS = (
    ("admin1", "admin", None, None),
    ("pto21", "staff", "PTO", "21"),
    ("pto21v", "verifier", "PTO", "21"),
    ("gov21", "executive", None, "21"),
)


def add_app_users(store: Store, users=APP_USERS) -> None:
    """Accounts (name, role, agency, area; default APP_USERS: one per role), password
    PASSWORD, added as the CLI operator."""
    from lib.services import auth

    for name, role, agency, area in users:
        auth.add_user(
            store,
            name,
            role,
            PASSWORD,
            actor=auth.cli_operator(),
            origin="test",
            agency_code=agency,
            area_code=area,
        )


@pytest.fixture(scope="session")
def app_store_path(demo_store_path, tmp_path_factory):
    """A copy of the demo store with one account per role (password PASSWORD)."""
    path = tmp_path_factory.mktemp("app") / "app.duckdb"
    shutil.copyfile(demo_store_path, path)
    with Store(path) as store:
        add_app_users(store)
    return path


# -- a small store for command-line, backup and service tests ----------------------
# Reference geography and the whole catalogue, but demo observations only for these
# provinces and items (a few hundred cells): built in code in well under a second.
SMALL_PROVINCES = ("10", "20", "21")  # Bangkok, Chon Buri, Rayong
SMALL_ITEMS = ("MAC01", "MAC06", "FIN01", "POP01", "CRM01", "ORD03", "GOV01")


def build_small_store(path) -> None:
    """Reference, catalogue and seeded demo values of SMALL_ITEMS x SMALL_PROVINCES as of AS_OF."""
    from lib.core.settings import DEMO_SEED
    from lib.geo import reference
    from lib.services import demo

    with Store(path) as store:
        init_store(store, with_demo=False)
        items = demo.demo_items()
        items = items[items["code"].isin(SMALL_ITEMS)].reset_index(drop=True)
        every = demo.demo_areas(store.areas(), reference.province_baseline(), DEMO_SEED)
        areas = demo.DemoAreas(
            every.provinces[every.provinces["code"].isin(SMALL_PROVINCES)].reset_index(drop=True),
            every.districts[every.districts["parent_code"].isin(SMALL_PROVINCES)].reset_index(
                drop=True
            ),
        )
        chunks = demo.generate_observations(items, areas, AS_OF, DEMO_SEED, years_before=2)
        batch = demo.demo_batch(AS_OF, DEMO_SEED, "small")
        store.load_observation_chunks(chunks, batch, {"demo_as_of": AS_OF.isoformat()})


@pytest.fixture(scope="session")
def small_store_path(tmp_path_factory):
    """Path of the small store (SMALL_ITEMS x SMALL_PROVINCES), built once; never written."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    build_small_store(path)
    return path


def add_pto_users(location: str) -> None:
    """Rayong's PTO staff (pto21) and verifier (pto21v), added through the command line."""
    from lib.cli import main

    with pytest.MonkeyPatch.context() as mp:
        for name, role in (("pto21", "staff"), ("pto21v", "verifier")):
            mp.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
            args = ["users", "add", name, "--role", role, "--agency", "PTO", "--area", "21"]
            assert main([*args, "--password-stdin", "--db", location]) == 0


@pytest.fixture(scope="session")
def small_pto_store_path(small_store_path, tmp_path_factory):
    """The small store with Rayong's PTO staff (pto21) and verifier (pto21v); never written."""
    path = str(tmp_path_factory.mktemp("small-pto") / "base.duckdb")
    shutil.copyfile(small_store_path, path)
    add_pto_users(path)
    return path


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on loopback for the session (tests.pgserver), or None."""
    from tests import pgserver

    server = pgserver.start()
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def small_server(pg_server):
    """(server, database name) of the small store on the shared store server, built like
    small_store_path; a template that tests copy, never written."""
    from tests import pgserver

    server = pgserver.required_or_skip(pg_server)
    url = server.new_database()
    build_small_store(url)
    return server, url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def small_pto_server(small_server):
    """(server, database name) of the small store with the PTO accounts on the server."""
    server, template = small_server
    url = server.new_database(template)
    add_pto_users(url)
    return server, url.rsplit("/", 1)[1]


@pytest.fixture(params=["file", "server"])
def small_store_both(request, small_store_path, tmp_path):
    """A private copy of the small store for one test to write: a DuckDB file (the path of
    small_store_copy), then a database on the store server (its URL)."""
    if request.param == "server":
        server, template = request.getfixturevalue("small_server")
        return server.new_database(template)
    path = tmp_path / "data" / "eis.duckdb"
    path.parent.mkdir()
    shutil.copyfile(small_store_path, path)
    return path


@pytest.fixture(scope="session")
def reference_server(pg_server):
    """(server, database name) of a store with reference and catalogue and no values on the
    shared store server; a template that tests copy, never written."""
    from tests import pgserver

    server = pgserver.required_or_skip(pg_server)
    url = server.new_database()
    with Store(url) as store:
        init_store(store, with_demo=False)
    return server, url.rsplit("/", 1)[1]


@pytest.fixture(params=["file", "server"])
def reference_store(request, tmp_path):
    """A store with reference and catalogue and no values, for one test to write: a DuckDB
    file, then a database on the shared store's server (the same test, both modes)."""
    if request.param == "server":
        server, template = request.getfixturevalue("reference_server")
        store = Store(server.new_database(template))
    else:
        store = Store(tmp_path / "reference.duckdb")
        init_store(store, with_demo=False)
    yield store
    store.close()


@pytest.fixture(params=["file", "server"])
def migrated_store(request, tmp_path):
    """A migrated store with nothing loaded, as a DuckDB file and on the store server."""
    if request.param == "server":
        from tests import pgserver

        store = Store(
            pgserver.required_or_skip(request.getfixturevalue("pg_server")).new_database()
        )
    else:
        store = Store(tmp_path / "empty.duckdb")
    store.migrate()
    yield store
    store.close()


@pytest.fixture(params=["file", "server"])
def pto_store(request, small_pto_store_path, tmp_path):
    """A private copy of the small store with the PTO accounts, for one test to write: a
    DuckDB file, then a database on the shared store's server (the same test, both modes)."""
    if request.param == "server":
        server, template = request.getfixturevalue("small_pto_server")
        return server.new_database(template)
    path = tmp_path / "data.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    return str(path)


@pytest.fixture
def small_store_copy(small_store_path, tmp_path):
    """A private copy of the small store at tmp_path/data/eis.duckdb, for one test to write."""
    path = tmp_path / "data" / "eis.duckdb"
    path.parent.mkdir()
    shutil.copyfile(small_store_path, path)
    return path


def store_fingerprint(path, tables=None) -> dict[str, tuple[int, int]]:
    """{table: (rows, hash)} of a closed store file, computed in SQL (Store.fingerprint)."""
    with Store(path, read_only=True) as store:
        return store.fingerprint(tables)

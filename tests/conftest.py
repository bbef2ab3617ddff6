"""Shared fixtures: stores built in code from the shipped files, deterministic dates."""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from lib.services.bootstrap import init_store
from lib.store import Store

# The app's backup worker writes scheduled backups under data/: never from tests
# (lib.backup's own tests drive the worker directly).
os.environ["EIS_BACKUP_WORKER"] = "0"

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

    from lib.services import auth

    monkeypatch.setattr(
        auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
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


def add_app_users(store: Store) -> None:
    """One account per role (APP_USERS, password PASSWORD), added as the CLI operator."""
    from lib.services import auth

    for name, role, agency, area in APP_USERS:
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

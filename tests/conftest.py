"""Shared fixtures: stores built in code from the shipped files, deterministic dates."""

from __future__ import annotations

from datetime import date

import pytest

from lib.bootstrap import init_store
from lib.db import Store

# Every test that needs "today" uses this date, so results never depend on the clock.
AS_OF = date(2026, 11, 22)


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
def empty_store(tmp_path):
    """A migrated store with nothing loaded."""
    store = Store(tmp_path / "empty.duckdb")
    store.migrate()
    yield store
    store.close()

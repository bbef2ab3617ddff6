"""The store: migrations, transactions, the one door to DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.store import Store
from lib.store.migrations import MIGRATIONS, latest_version

EXPECTED_TABLES = {
    "areas",
    "grouping_schemes",
    "grouping_members",
    "agencies",
    "data_groups",
    "aspects",
    "items",
    "observations",
    "observation_history",
    "kpis",
    "kpi_items",
    "roles",
    "users",
    "upload_batches",
    "audit_log",
    "meta",
    "schema_migrations",
}


def _snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {
        t: store.table_frame(t).drop(columns=["applied_at"], errors="ignore")
        for t in store.table_names()
    }


@pytest.fixture
def empty_store(migrated_store):
    """A migrated, empty store: a file, then a database on the store server."""
    return migrated_store


def test_migrations_create_every_table(empty_store):
    assert EXPECTED_TABLES <= set(empty_store.table_names())
    assert empty_store.schema_version() == latest_version() == MIGRATIONS[-1].number


def test_migrations_run_twice_change_nothing(tmp_path):
    path = tmp_path / "twice.duckdb"
    with Store(path) as store:
        assert store.migrate() == [m.number for m in MIGRATIONS]
        before = _snapshot(store)
    with Store(path) as store:
        assert store.migrate() == []
        after = _snapshot(store)
    assert before.keys() == after.keys()
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table])


def test_failed_write_leaves_tables_unchanged(empty_store):
    frame = pd.DataFrame([{"code": "X", "name_th": "ทดสอบ", "name_en": "Test", "sort_order": 1}])
    with pytest.raises(ValueError, match="not a reference or catalog table"):
        empty_store.replace_tables({"data_groups": frame, "observations": frame})
    assert empty_store.table_frame("data_groups").empty
    assert empty_store.audit_log().empty


def test_replace_tables_writes_an_audit_entry(empty_store):
    frame = pd.DataFrame(
        [{"code": "ECO", "name_th": "เศรษฐกิจ", "name_en": "Economy", "sort_order": 1}]
    )
    empty_store.replace_tables(
        {"data_groups": frame}, audit={"username": "admin", "action": "load_catalog"}
    )
    assert empty_store.data_groups()["name_th"].tolist() == ["เศรษฐกิจ"]
    log = empty_store.audit_log()
    assert log[["username", "action"]].values.tolist() == [["admin", "load_catalog"]]


def test_unknown_table_is_refused(empty_store):
    with pytest.raises(ValueError, match="no such table"):
        empty_store.table_frame("nope; DROP TABLE areas")


def test_figures_follow_the_clock_but_never_precede_the_demo(monkeypatch):
    from datetime import date

    from lib.core import settings

    monkeypatch.setenv("EIS_AS_OF", "2026-12-05")
    assert settings.today() == date(2026, 12, 5)
    # a store built on 22 Nov shows 5 Dec's uploads on 5 Dec
    assert settings.figures_as_of("2026-11-22") == date(2026, 12, 5)
    # a demo generated for a later day is not cut short
    assert settings.figures_as_of("2027-01-31") == date(2027, 1, 31)
    assert settings.figures_as_of(None) == date(2026, 12, 5)


def test_a_store_describes_its_demo_day_or_today(empty_store, monkeypatch):
    from datetime import date

    monkeypatch.setenv("EIS_AS_OF", "2026-12-05")
    assert empty_store.figures_as_of() == date(2026, 12, 5)  # no demo: today
    empty_store.record_meta({"demo_as_of": "2027-01-31"})
    assert empty_store.figures_as_of() == date(2027, 1, 31)


def test_data_version_names_the_store_and_moves_with_the_catalogue(tmp_path):
    from lib.services.bootstrap import init_store

    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        init_store(a, with_demo=False)
        init_store(b, with_demo=False)
        assert a.data_version() != b.data_version()  # two stores never share cached figures
        before = a.data_version()
        kpis = a.table_frame("kpis")
        kpis.loc[kpis.code == "KPI03", "weight_pct"] = 12.0
        a.replace_tables({"kpis": kpis})
        assert a.data_version() != before

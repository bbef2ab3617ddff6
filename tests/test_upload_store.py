"""Writes of uploaded cells: atomic commit, history kept, idempotent, verify, undo."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from lib.engine.coverage import coverage_facts
from lib.store import Store

WRITE_TABLES = ("observations", "observation_history", "upload_batches", "audit_log")


@pytest.fixture
def store(reference_store):
    """A store with reference and catalogue: a file, then on the store server."""
    return reference_store


def cells(rows) -> pd.DataFrame:
    """Incoming cells for FIN01 (monthly, province) from (area, period, value)."""
    return pd.DataFrame(
        [
            {
                "item_code": "FIN01",
                "area_code": a,
                "period": p,
                "period_end": pd.Period(p, "M").end_time.normalize().date(),
                "value": v,
                "note": None,
            }
            for a, p, v in rows
        ]
    )


def commit(store, rows, user="pto-21"):
    batch = {
        "kind": "upload",
        "username": user,
        "agency_code": "PTO",
        "file_name": "fin.csv",
        "checksum": "x",
    }
    return store.commit_cells(
        cells(rows), batch, {"username": user, "action": "upload", "origin": "test"}
    )


def snapshot(store) -> dict[str, tuple[int, int]]:
    """Rows and content hash of the written tables, computed in SQL."""
    return store.fingerprint(WRITE_TABLES)


def current(store) -> dict[tuple, float]:
    obs = store.export_values("FIN01")
    return {(r.area_code, r.period): r.value for r in obs.itertuples()}


def test_new_then_changed_keeps_the_old_value(store):
    b1 = commit(store, [("21", "2025-01", 50.0), ("20", "2025-01", 40.0)])
    assert store.batch(b1)["n_new"] == 2
    b2 = commit(store, [("21", "2025-01", 55.5), ("20", "2025-01", 40.0), ("21", "2025-02", 60)])
    batch = store.batch(b2)
    assert (batch["n_new"], batch["n_changed"], batch["n_unchanged"]) == (1, 1, 1)
    assert current(store) == {
        ("20", "2025-01"): 40.0,
        ("21", "2025-01"): 55.5,
        ("21", "2025-02"): 60.0,
    }
    hist = store.cell_history("FIN01", "21", "2025-01")
    assert hist["value"].tolist() == [50.0, 55.5]
    assert hist["batch_id"].tolist() == [b1, b2]
    assert hist["replaced_by_batch"].iloc[0] == b2
    assert store.table_frame("observations").status.unique().tolist() == ["submitted"]


def test_same_cells_again_change_nothing(store):
    commit(store, [("21", "2025-01", 50.0)])
    before = snapshot(store)
    assert commit(store, [("21", "2025-01", 50.0)]) is None
    assert snapshot(store) == before


def test_an_exception_mid_commit_leaves_nothing(store, monkeypatch):
    commit(store, [("21", "2025-01", 50.0)])
    before = snapshot(store)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "_audit", staticmethod(boom))
    with pytest.raises(RuntimeError, match="disk full"):
        commit(store, [("21", "2025-01", 70.0), ("22", "2025-01", 1.0)])
    monkeypatch.undo()
    assert snapshot(store) == before


def test_a_write_landing_while_a_commit_gathers_its_cells_is_seen(store, monkeypatch):
    # the cells are compared before the commit's transaction; a write between is seen
    from lib.store import observations

    commit(store, [("21", "2025-01", 50.0)])
    gather, calls = observations._gather_delta, []
    other = Store(store.path)  # another writer of the same store

    def gather_then_another_writes(cur):
        gather(cur)
        calls.append(cur)
        if len(calls) == 1:  # 50 -> 70 gathered as changed; then another writer sets 70
            assert commit(other, [("21", "2025-01", 70.0)], user="pto-21b") is not None

    monkeypatch.setattr(observations, "_gather_delta", gather_then_another_writes)
    try:
        assert commit(store, [("21", "2025-01", 70.0)]) is None  # 70 is stored: nothing to do
    finally:
        other.close()
    assert current(store) == {("21", "2025-01"): 70.0}
    assert len(store.cell_history("FIN01", "21", "2025-01")) == 2  # 50, then 70 once


def test_undo_brings_back_exactly_the_previous_values(store):
    commit(store, [("21", "2025-01", 50.0), ("20", "2025-01", 40.0)])
    before = store.table_frame("observations")
    b2 = commit(store, [("21", "2025-01", 99.0), ("21", "2025-02", 61.0)])
    result = store.undo_batch(b2, "pto-21")
    assert (result["restored"], result["removed"]) == (1, 1)
    # every value, status, batch and date as before; only recorded_at says when it came back
    pd.testing.assert_frame_equal(
        store.table_frame("observations").drop(columns="recorded_at"),
        before.drop(columns="recorded_at"),
    )
    assert store.batch(b2)["status"] == "undone"
    undo = store.batch(result["undo_batch"])
    assert undo["kind"] == "undo" and undo["username"] == "pto-21"
    assert "undo" in store.audit_log()["action"].tolist()
    # the undone value is kept in history too
    assert 99.0 in store.cell_history("FIN01", "21", "2025-01")["value"].tolist()
    with pytest.raises(ValueError, match="cannot be undone"):
        store.undo_batch(b2, "pto-21")


def test_undo_refused_when_a_later_batch_changed_a_cell(store):
    b1 = commit(store, [("21", "2025-01", 50.0)])
    commit(store, [("21", "2025-01", 51.0)])
    before = snapshot(store)
    with pytest.raises(ValueError, match="later batch"):
        store.undo_batch(b1, "pto-21")
    assert snapshot(store) == before


def test_verify_and_reject_then_undo_the_verification(store):
    commit(store, [("21", "2025-01", 50.0), ("20", "2025-01", 40.0)])
    v = store.set_status(cells([("21", "2025-01", 0)]), "verified", "pto-21-verifier")
    obs = store.table_frame("observations").set_index("area_code")
    assert (
        obs.loc["21", "status"] == "verified" and obs.loc["21", "verified_by"] == "pto-21-verifier"
    )
    assert obs.loc["20", "status"] == "submitted"
    store.set_status(cells([("20", "2025-01", 0)]), "rejected", "pto-20-verifier")
    assert (
        store.table_frame("observations").set_index("area_code").loc["20", "status"] == "rejected"
    )
    # verifying again changes nothing
    assert store.set_status(cells([("21", "2025-01", 0)]), "verified", "x") is None
    store.undo_batch(v, "admin")
    assert (
        store.table_frame("observations").set_index("area_code").loc["21", "status"] == "submitted"
    )
    with pytest.raises(ValueError, match="verified or rejected"):
        store.set_status(cells([("21", "2025-01", 0)]), "approved", "x")


def test_export_filters_by_item_and_area(store):
    commit(store, [("21", "2025-01", 50.0), ("20", "2025-01", 40.0)])
    out = store.export_values(item_code="FIN01", area_code="21")
    assert out[["area_code", "period", "value", "status"]].values.tolist() == [
        ["21", "2025-01", 50.0, "submitted"]
    ]
    assert store.export_values(item_code="NOPE").empty


def test_every_write_moves_the_data_version_so_caches_drop(store):
    seen = [store.data_version()]
    b = commit(store, [("21", "2025-01", 50.0)])
    seen.append(store.data_version())
    store.set_status(cells([("21", "2025-01", 0)]), "verified", "pto-21-verifier")
    seen.append(store.data_version())
    v = store.batches().query("kind == 'verify'")["batch_id"].iloc[0]
    store.undo_batch(int(v), "admin")
    seen.append(store.data_version())
    store.undo_batch(b, "admin")
    seen.append(store.data_version())
    assert len(set(seen)) == len(seen)
    # undoing the verification, then the upload, leaves the store as it was
    assert store.export_values("FIN01").empty
    # re-committing what is stored writes nothing and leaves the version alone
    commit(store, [("20", "2025-01", 1.0)])
    before = store.data_version()
    assert commit(store, [("20", "2025-01", 1.0)]) is None
    assert store.data_version() == before


def test_figures_for_a_past_day_ignore_later_verification_and_undo(store):
    """What the cockpit said yesterday stays what it said, whatever happens today."""
    today = date.today()
    submitted = datetime.combine(today - timedelta(days=10), datetime.min.time())
    frame = cells([("21", "2025-01", 50.0), ("20", "2025-01", 40.0)]).assign(
        status="submitted",
        submitted_by="pto-21",
        submitted_at=submitted,
        verified_by=None,
        verified_at=pd.NaT,
    )
    store.load_observations(frame, {"username": "pto-21", "kind": "upload"})
    yesterday = today - timedelta(days=1)
    args = (yesterday, date(2025, 1, 1), date(2025, 1, 31), date(2024, 10, 1), date(2025, 9, 30))

    def facts():
        f = coverage_facts(store, *args).set_index("area_code")
        return f[["present_cells", "correct_cells"]].to_dict("index")

    before = facts()
    assert before == {
        "20": {"present_cells": 1, "correct_cells": 0},
        "21": {"present_cells": 1, "correct_cells": 0},
    }
    v = store.set_status(cells([("21", "2025-01", 0)]), "verified", "pto-21-verifier")
    assert facts() == before  # verified today: yesterday it was still unverified, counted once
    b = commit(store, [("20", "2025-01", 45.0)])
    store.undo_batch(b, "admin")
    store.undo_batch(v, "admin")
    assert facts() == before
    # and today the verification counts
    today_facts = coverage_facts(store, today, *args[1:]).set_index("area_code")
    assert today_facts.loc["21", "present_cells"] == 1

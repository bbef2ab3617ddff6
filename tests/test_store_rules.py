"""Store rules on a small store built in code: undo restores verified values, note-only
re-uploads, the valid range in the district table, and whole-store fingerprints."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from lib.services.bootstrap import init_store
from lib.store import Store

SUBMITTED = datetime(2025, 2, 5, 8, 0)
VERIFIED = datetime(2025, 2, 6, 14, 30)
OBS = ["item_code", "area_code", "period", "value", "status", "verified_by", "verified_at", "note"]


@pytest.fixture
def store(reference_store):
    """A store with reference and catalogue: a file, then on the store server."""
    return reference_store


def monthly(rows, item="FIN01") -> pd.DataFrame:
    """Cells of a monthly item from (area, period, value, note)."""
    return pd.DataFrame(
        [
            {
                "item_code": item,
                "area_code": a,
                "period": p,
                "period_end": pd.Period(p, "M").end_time.normalize().date(),
                "value": v,
                "note": n,
            }
            for a, p, v, n in rows
        ]
    )


def load_verified(store, rows, item="FIN01") -> None:
    """Load cells already verified by pto-v (as a bulk load of the agency's past data)."""
    frame = monthly(rows, item).assign(
        status="verified",
        submitted_by="pto",
        submitted_at=SUBMITTED,
        verified_by="pto-v",
        verified_at=VERIFIED,
    )
    store.load_observations(frame, {"username": "pto", "kind": "demo"})


def upload(store, rows, item="FIN01") -> int | None:
    batch = {"kind": "upload", "username": "pto", "agency_code": "PTO", "file_name": "f.csv"}
    audit = {"username": "pto", "action": "upload", "origin": "test"}
    return store.commit_cells(monthly(rows, item), batch, audit)


def observations(store) -> pd.DataFrame:
    return store.table_frame("observations")[OBS].sort_values(["area_code", "period"])


def test_undo_of_an_upload_over_verified_values_restores_them_exactly(store):
    load_verified(store, [("21", "2025-01", 50.0, "กรมบัญชีกลาง"), ("20", "2025-01", 40.0, None)])
    before = observations(store).reset_index(drop=True)
    batch = upload(store, [("21", "2025-01", 55.0, None), ("22", "2025-01", 10.0, None)])
    replaced = observations(store).set_index("area_code")
    assert (replaced.loc["21", "value"], replaced.loc["21", "status"]) == (55.0, "submitted")
    assert pd.isna(replaced.loc["21", "verified_by"])
    store.undo_batch(batch, "admin")
    after = observations(store).reset_index(drop=True)
    # value, status, verifier and verification time as they were; the added cell is gone
    pd.testing.assert_frame_equal(after, before)
    assert after.set_index("area_code").loc["21", "verified_at"] == pd.Timestamp(VERIFIED)


def test_a_reupload_that_changes_only_the_note_is_a_change(store):
    assert upload(store, [("21", "2025-01", 50.0, "first source")]) is not None
    preview = store.compare_with_current(monthly([("21", "2025-01", 50.0, "revised source")]))
    assert preview["change"].tolist() == ["changed"]
    assert preview["old_value"].tolist() == [50.0]
    batch = upload(store, [("21", "2025-01", 50.0, "revised source")])
    assert batch is not None
    assert store.batch(batch)["n_changed"] == 1
    now = observations(store)
    assert now[["value", "note"]].values.tolist() == [[50.0, "revised source"]]
    history = store.cell_history("FIN01", "21", "2025-01")
    assert history["note"].tolist() == ["first source", "revised source"]
    assert history["value"].tolist() == [50.0, 50.0]
    # the same file again (same note) changes nothing
    same = store.compare_with_current(monthly([("21", "2025-01", 50.0, "revised source")]))
    assert same["change"].tolist() == ["unchanged"]
    assert upload(store, [("21", "2025-01", 50.0, "revised source")]) is None


def test_the_district_table_leaves_out_values_outside_the_valid_range(store):
    # HLT01 (district, monthly) is valid from 0 to 1000: a later 5000 is not shown.
    load_verified(store, [("2101", "2025-01", 12.0, None), ("2101", "2025-02", 5000.0, None),
                          ("2102", "2025-02", 7.0, None)], item="HLT01")  # fmt: skip
    table = store.district_latest_values("21")
    rows = table.loc[table["item_code"] == "HLT01"].set_index("area_code")
    assert rows.loc["2101", ["period", "value"]].tolist() == ["2025-01", 12.0]
    assert rows.loc["2102", ["period", "value"]].tolist() == ["2025-02", 7.0]
    # the map and the KPI facts agree: the out-of-range value is not a usable value
    on_map = store.map_item_cells("HLT01", "2025-02").set_index("area_code")["value"]
    assert pd.isna(on_map["2101"])
    assert on_map["2102"] == 7.0


def test_fingerprints_compare_whole_stores_by_counts_and_hashes(tmp_path):
    rows = [("21", "2025-01", 50.0, None), ("20", "2025-01", 40.0, "x")]
    stores = []
    for name, order in (("a", rows), ("b", rows[::-1])):
        s = Store(tmp_path / f"{name}.duckdb")
        init_store(s, with_demo=False)
        load_verified(s, order)
        stores.append(s)
    a, b = stores
    # timestamps of the load itself differ between the two stores; the rows do not
    ignore = ("applied_at", "created_at", "occurred_at", "recorded_at", "replaced_at")
    fa = a.fingerprint(ignore_columns=ignore)
    assert fa == b.fingerprint(ignore_columns=ignore)  # same rows, other order
    assert fa["observations"][0] == 2
    assert set(fa) == set(a.table_names())
    upload(b, [("21", "2025-01", 51.0, None)])
    fb = b.fingerprint(["observations", "areas"], ignore_columns=ignore)
    assert fb["observations"][0] == fa["observations"][0]  # same count ...
    assert fb["observations"][1] != fa["observations"][1]  # ... other content
    assert fb["areas"] == fa["areas"]
    with pytest.raises(ValueError, match="no such table: nope"):
        a.fingerprint(["observations", "nope"])
    for s in stores:
        s.close()

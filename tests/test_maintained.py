"""Kept figures' reads equal a full re-read after any sequence of commits, undos and verifications.

lib.store.maintained keeps coverage_facts and kpi_item_values per store and re-reads only
the item x area groups later batches touched; lib.services.quality keeps the outlier flags
per item the same way. The property: whatever a random sequence of commits (new and changed
values, district values pooled to their province), verifications, rejections and undos did,
and whenever the figures were read in between, the kept results equal
`Store.without_maintenance()` reading everything, and so do the KPI scores and the quality
flags built on them.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.engine import kpi
from lib.services import quality
from lib.store import Store
from lib.store.maintained import Maintained, patched
from tests.conftest import AS_OF

ITEMS = ("FIN01", "CRM01", "MAC06")
AREAS = ("10", "21", "2101", "2102")  # two provinces, two districts of Rayong
PERIODS = {"2026-08": "2026-08-31", "2026-09": "2026-09-30", "2026-10": "2026-10-31"}
VALUES = (60.0, 70.0, 80.0, 150.0)  # 150 lies outside FIN01's valid range (0-100)
# Commits stamp the real clock; figures as of tomorrow see every commit a test makes, even
# one stamped after midnight.
TODAY = date.today() + timedelta(days=1)

cell = st.tuples(st.sampled_from(ITEMS), st.sampled_from(AREAS), st.sampled_from(list(PERIODS)))
step = st.one_of(
    st.tuples(st.just("commit"), st.lists(st.tuples(cell, st.integers(0, 3)), min_size=1)),
    st.tuples(st.sampled_from(["verify", "reject", "undo"]), st.integers(0, 5)),
    st.tuples(st.just("read"), st.just(0)),
)


def _commit(store: Store, cells: list) -> int | None:
    rows = {c: v for c, v in cells}  # one value per cell in a file
    frame = pd.DataFrame(
        [
            {
                "item_code": i,
                "area_code": a,
                "period": p,
                "period_end": pd.Timestamp(PERIODS[p]),
                "value": VALUES[v],
                "note": None,
            }
            for (i, a, p), v in rows.items()
        ]
    )
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": "f.csv"}
    return store.commit_cells(frame, batch, {"username": "pto21", "action": "upload"})


def _apply(store: Store, action: str, arg, batches: list[int]) -> None:
    if action == "commit":
        batch_id = _commit(store, arg)
        if batch_id is not None:
            batches.append(batch_id)
    elif action == "read":
        _figures(store)
    elif batches and action in ("verify", "reject"):
        cells = store.batch_cells(batches[arg % len(batches)])
        store.set_status(cells, action + "ed" if action == "reject" else "verified", "pto21v")
    elif batches and action == "undo":
        try:
            store.undo_batch(batches[arg % len(batches)], "pto21")
        except ValueError:
            pass  # refused: a later batch changed its cells (nothing written)


def _figures(store: Store) -> dict[str, pd.DataFrame]:
    """The reads and the scores the cockpit builds on, today and on a day of the past."""
    out = {}
    for name, day in (("today", TODAY), ("past", AS_OF)):
        inputs = kpi.load_kpi_inputs(store, 2570 if day == TODAY else 2569, 12, day)
        out[f"{name} facts"] = inputs.coverage.facts
        out[f"{name} values"] = inputs.values
    out["scores"] = kpi.scores(store, "province", 2570, TODAY, 12)
    out["flags"] = quality.flags(store)  # outliers kept per item (lib.services.quality)
    out["flagged cells"] = quality.flagged_cells(store, TODAY, ["FIN01", "CRM01"])
    return out


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame in a canonical row order (a kept result may hold its rows in another order)."""
    by = list(frame.columns)
    return frame.astype(str).sort_values(by).reset_index(drop=True)


@pytest.fixture(scope="module")
def base(small_pto_store_path, tmp_path_factory):
    return small_pto_store_path, tmp_path_factory.mktemp("maintained")


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_kept_reads_equal_a_full_reread_after_any_sequence(base, steps):
    source, folder = base
    path = folder / f"{uuid.uuid4().hex}.duckdb"
    shutil.copyfile(source, path)
    with Store(path) as store:
        _figures(store)  # kept from the start: every later read is a patch
        batches: list[int] = []
        for action, arg in steps:
            _apply(store, action, arg, batches)
        kept = _figures(store)
        full = _figures(store.without_maintenance())
        for name, frame in full.items():
            pd.testing.assert_frame_equal(_same(kept[name]), _same(frame), obj=name)
        assert store.maintained().reads["full"] <= len(store.maintained())
    path.unlink()


def test_a_commit_is_seen_by_the_next_read_and_only_its_pairs_are_reread(small_store_copy):
    with Store(small_store_copy) as store:
        before = kpi.load_kpi_inputs(store, 2570, 12, TODAY).values
        assert _commit(store, [(("FIN01", "21", "2026-10"), 2)])
        counted = dict(store.maintained().reads)
        after = kpi.load_kpi_inputs(store, 2570, 12, TODAY).values
        reads = store.maintained().reads
        assert reads["full"] == counted["full"]  # nothing read in full again
        assert reads["patched"] > counted["patched"]
        row = (after["item_code"] == "FIN01") & (after["province_code"] == "21")
        oct_ = after.loc[row & (after["period_end"] == pd.Timestamp("2026-10-31"))]
        assert oct_["value_mean"].tolist() == [80.0]
        assert len(after) == len(before) + (0 if len(before.loc[row]) == len(after.loc[row]) else 1)


def test_a_catalogue_change_drops_every_kept_result(small_store_copy):
    with Store(small_store_copy) as store:
        kpi.load_kpi_inputs(store, 2570, 12, TODAY)
        assert len(store.maintained()) == 2
        store.record_meta({"catalog_version": "changed"})
        kpi.load_kpi_inputs(store, 2570, 12, TODAY)
        assert store.maintained().reads["full"] == 4


def test_patched_replaces_the_named_groups_and_keeps_the_rest():
    old = pd.DataFrame({"i": ["A", "A", "B"], "a": ["1", "2", "1"], "n": [1, 2, 3]})
    fresh = pd.DataFrame({"i": ["A"], "a": ["2"], "n": [9]})
    keys = pd.DataFrame({"i": ["A", "B"], "a": ["2", "1"]})  # B-1 is gone (an undo)
    out = patched(old, fresh, keys, ["i", "a"])
    assert out.to_dict("list") == {"i": ["A", "A"], "a": ["1", "2"], "n": [1, 9]}


def test_kept_results_are_bounded_least_recently_used_out(small_store_copy):
    with Store(small_store_copy) as store:
        store.shared["maintained"] = Maintained(max_entries=1)
        kpi.load_kpi_inputs(store, 2570, 12, TODAY)
        assert len(store.maintained()) == 1


def test_a_commit_rescores_the_outliers_of_only_the_items_it_touched(small_store_copy):
    with Store(small_store_copy) as store:
        before = quality.flags(store)
        read = []
        reader = store.quality_values
        store.quality_values = lambda items=None, as_of=None: (
            read.append(items) or reader(items, as_of)
        )
        assert _commit(store, [(("FIN01", "21", "2026-10"), 3)])  # 150: far from its history
        after = quality.flags(store)
        assert read == [["FIN01"]]  # the other items' flags were kept, not scored again
        new = after.merge(before, how="left", indicator=True).query("_merge == 'left_only'")
        cells = zip(new["item_code"], new["area_code"], new["period"], strict=True)
        assert set(cells) == {("FIN01", "21", "2026-10")}


def test_the_kpis_flagged_cells_are_those_of_the_items_the_kpis_link(small_store_copy):
    """What the cockpit, map, command line and KPI form pass to kpi.scores as `flagged`."""
    with Store(small_store_copy) as store:
        assert _commit(store, [(("FIN01", "21", "2026-10"), 3)])  # 150: far from its history
        linked = set(kpi.kpi_item_links(store.kpis(2570))["item_code"])
        cells = quality.kpi_flagged_cells(store, 2570, TODAY)
        assert "FIN01" in linked
        assert ("FIN01", "21", "2026-10") in set(
            cells[["item_code", "area_code", "period"]].itertuples(index=False, name=None)
        )
        assert set(cells["item_code"]) <= linked

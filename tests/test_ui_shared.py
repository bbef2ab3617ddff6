"""lib.ui.kept.shared: loaders whose frames every session shares, each call with its own copy."""

import pandas as pd
import streamlit as st

from lib.ui import kept
from lib.ui.maps import map_reference
from lib.ui.upload import catalog


def _change_every_way(frame: pd.DataFrame) -> None:
    """What a page might do to the frame it was given."""
    column = frame.columns[0]
    frame[column] = "changed"
    frame.loc[frame.index[:1], frame.columns[-1]] = None
    frame["added"] = 1
    frame.columns = [f"x{i}" for i in range(frame.shape[1])]
    frame.index = range(100, 100 + len(frame))


def test_each_call_gets_its_own_frame_and_the_loader_runs_once():
    calls = []

    @kept.shared
    @st.cache_resource(max_entries=2)
    def load(key: str):
        calls.append(key)
        return pd.DataFrame({"code": ["10", "21"], "value": [1.0, 2.0]}), "note"

    first, note = load("a")
    _change_every_way(first)
    again, _ = load("a")
    assert again.equals(pd.DataFrame({"code": ["10", "21"], "value": [1.0, 2.0]}))
    assert first is not again and note == "note" and calls == ["a"]


def test_the_catalogue_and_map_reference_given_to_a_page_are_its_own(demo_store):
    version = "shared-test"  # its own key in the process's caches
    before = demo_store.catalog()
    _change_every_way(catalog(demo_store, version))
    pd.testing.assert_frame_equal(catalog(demo_store, version), before)
    schemes = ("region_nesdc7", "cluster_2017", None)
    areas = demo_store.areas()
    _change_every_way(map_reference(demo_store, version, *schemes)[0])
    pd.testing.assert_frame_equal(map_reference(demo_store, version, *schemes)[0], areas)

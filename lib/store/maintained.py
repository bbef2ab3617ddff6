"""The figures' two big reads, kept up to date as data changes instead of re-read in full.

Every cockpit, map, profile and report figure of a round starts from two reductions
of the observations (lib.store.facts): `coverage_facts` (per item x area) and
`kpi_item_values` (per item x province x period end). Each is a GROUP BY over
20 M cells at national scale, and each group depends only on the cells of its
own item and area. So a result, once read, is kept per store (keyed by its
arguments) with the batch it is up to date with; the next read asks the store
which item x area pairs any later batch touched (`Store.changed_pairs`: every
change of a cell is a batch that writes its new version, or archives its old one,
under its own id) and re-reads only their groups, replacing them in the kept frame.
A read with nothing new costs one small query. Views of the past get the same
treatment (nothing new can change them, so the re-read is empty). A change of the
catalogue (valid ranges, frequencies) or a store that went back in time (a
restore) drops everything. Kept results are bounded (least recently used out).

The rule that the kept figures equal a full re-read, after any sequence of
commits, undos and verifications, is tested with random sequences
(tests/test_maintained.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

MAX_ENTRIES = 48


@dataclass(frozen=True)
class Marker:
    """Where the store stands: its newest batch and catalogue version."""

    batch_id: int
    catalog_version: str


@dataclass(frozen=True)
class _Entry:
    frame: pd.DataFrame
    batch_id: int


def _without(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """The rows of frame whose key columns are not among keys' rows."""
    if frame.empty or keys.empty:
        return frame
    gone = pd.MultiIndex.from_frame(keys[on].astype(str))
    mine = pd.MultiIndex.from_frame(frame[on].astype(str))
    return frame.loc[~mine.isin(gone)]


def patched(
    frame: pd.DataFrame, fresh: pd.DataFrame, keys: pd.DataFrame, on: list[str]
) -> pd.DataFrame:
    """frame with the groups named in keys replaced by fresh's rows (fresh: those groups only).

    >>> old = pd.DataFrame({"k": ["a", "b"], "n": [1, 2]})
    >>> patched(old, pd.DataFrame({"k": ["b", "c"], "n": [5, 6]}),
    ...         pd.DataFrame({"k": ["b", "c"]}), ["k"]).to_dict("list")
    {'k': ['a', 'b', 'c'], 'n': [1, 5, 6]}
    """
    kept = _without(frame, keys, on)
    if fresh.empty:
        return kept.reset_index(drop=True)
    if kept.empty:
        return fresh.reset_index(drop=True)
    return pd.concat([kept, fresh[list(frame.columns)]], ignore_index=True)


class Maintained:
    """Results of the figures' reads of one store, each with the batch it is up to date with."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._catalog: str | None = None
        self.reads = {"hit": 0, "patched": 0, "full": 0}

    def clear(self) -> None:
        """Forget every kept result."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def read(
        self,
        store,
        key: tuple,
        compute: Callable[[pd.DataFrame | None], pd.DataFrame],
        keys_of: Callable[[pd.DataFrame], pd.DataFrame],
        on: list[str],
    ) -> pd.DataFrame:
        """The result of key, up to date with the store (a copy the caller may change).

        compute(None) reads it in full; compute(pairs) reads only the groups of the
        item x area pairs given; keys_of(pairs) names those groups (columns `on`).
        """
        marker = store.change_marker()
        with self._lock:
            if marker.catalog_version != self._catalog:
                self._entries.clear()
                self._catalog = marker.catalog_version
            entry = self._entries.get(key)
        if entry is not None and entry.batch_id == marker.batch_id:
            self.reads["hit"] += 1
            frame = entry.frame
        elif entry is None or entry.batch_id > marker.batch_id:
            self.reads["full"] += 1
            frame = compute(None)
        else:
            self.reads["patched"] += 1
            pairs = store.changed_pairs(entry.batch_id)
            frame = entry.frame
            if not pairs.empty:
                frame = patched(frame, compute(pairs), keys_of(pairs), on)
        with self._lock:
            self._entries[key] = _Entry(frame, marker.batch_id)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return frame.copy()

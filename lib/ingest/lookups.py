"""The item and area lookups of an upload, built once for the same catalogue and areas.

Building them reads every item and area name into keys and aliases: about 75 ms on the
national catalogue, on every file an agency or a feed sends, while the catalogue and the
areas seldom change. :func:`lookups_for` keeps the last few pairs, keyed by the content of the
frames they were built from (a few ms to hash), so a changed catalogue or area list builds
new ones and nothing stale is ever used.
"""

from __future__ import annotations

import pandas as pd

from lib.core.lru import Kept
from lib.ingest.areas import AreaLookup
from lib.ingest.items import ItemLookup

_KEPT = Kept(4)  # pairs: a store or two, before and after a catalogue change


def fingerprint(frame: pd.DataFrame | None) -> tuple | None:
    """The content of a frame as a hashable key (columns, dtypes, each row's hash); None when
    a cell cannot be hashed (then nothing is kept)."""
    if frame is None:
        return ()
    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except TypeError:
        return None
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), rows.tobytes())


def lookups_for(
    items: pd.DataFrame, areas: pd.DataFrame, members: pd.DataFrame | None = None
) -> tuple[ItemLookup, AreaLookup]:
    """ItemLookup(items) and AreaLookup(areas, members), the same objects again for frames of
    the same content. The lookups only read their tables after they are built; what they
    remember of texts already resolved is the same for every file."""
    key = (fingerprint(items), fingerprint(areas), fingerprint(members))
    if None in key:
        return ItemLookup(items), AreaLookup(areas, members)
    pair = _KEPT.get(key)
    if pair is None:
        pair = ItemLookup(items), AreaLookup(areas, members)
        _KEPT.put(key, pair)
    return pair

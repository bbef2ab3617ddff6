"""A bounded map shared by the server's threads: the least recently used entry goes first.

For values worked out once and then shared, never changed: a shape's GeoJSON
(lib.geo.mapview), an upload's item and area lookups (lib.ingest.lookups).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Kept:
    """At most `size` values by key; `get` marks a value used, `put` drops the least used."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.size = size
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        """The value kept under key (now the most recently used), or None."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        """Keep value under key, dropping the least recently used beyond `size`."""
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)

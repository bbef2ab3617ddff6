"""The store: the only door to DuckDB (connection, transactions, migrations, named queries)."""

from lib.store.store import Store, StoreError

__all__ = ["Store", "StoreError"]

"""The store owns every read and write of the DuckDB database and all of the project's SQL.

`Store` (store.py) is a thin facade over one module of named queries per
domain: connection (database object, a cursor per call, serialised
transactions, bulk inserts, schema, meta, the audit-entry helper), migrations
(the numbered schema), rules (SQL fragments that state a data rule once: the
valid range, change detection, cells as known at a moment), reference (areas
and groupings), catalogue (items, KPIs, data groups), observations (loads,
upload preview and commit, verify, undo, batches, cell history), provenance
(every version of a cell, the cells changed between two moments), facts
(coverage and KPI facts, map and profile values), maintained (those facts kept
per store and brought up to date by re-reading only the item x area pairs a
batch touched), accounts (users and sign-in
bookkeeping), layouts (saved layouts of agencies' files), quality (validation
rules, the follow-up marks of flagged values, the values checked), narratives
(what a KPI owner writes on the KPI form, every version), schedules (scheduled
report deliveries and where each stands), audit (the append-only log) and
snapshot (export/import, row counts, fingerprints). Rules of the figures (what
is due, what a score is) belong to lib.engine; the store only counts and
compares.
"""

from lib.store.store import Store, StoreError

__all__ = ["Store", "StoreError"]

"""Store: the one door to DuckDB, a thin facade over the named queries of each domain.

Each mixin holds the queries of one domain (lib/store/<domain>.py); Connection
holds the database object, cursors, transactions, schema and meta. Callers use
`from lib.store import Store, StoreError`.
"""

from __future__ import annotations

from lib.store.accounts import AccountQueries
from lib.store.audit import AuditQueries
from lib.store.catalogue import CatalogueQueries
from lib.store.connection import Connection, StoreError
from lib.store.facts import FactQueries
from lib.store.feeds import FeedQueries
from lib.store.layouts import LayoutQueries
from lib.store.narratives import NarrativeQueries
from lib.store.observations import ObservationQueries
from lib.store.provenance import ProvenanceQueries
from lib.store.quality import QualityQueries
from lib.store.reference import ReferenceQueries
from lib.store.schedules import ScheduleQueries
from lib.store.snapshot import SnapshotQueries

__all__ = ["Store", "StoreError"]


class Store(
    ReferenceQueries,
    CatalogueQueries,
    ObservationQueries,
    ProvenanceQueries,
    QualityQueries,
    FactQueries,
    AccountQueries,
    AuditQueries,
    LayoutQueries,
    NarrativeQueries,
    ScheduleQueries,
    FeedQueries,
    SnapshotQueries,
    Connection,
):
    """A DuckDB file (or ':memory:') with the project's schema and its named queries."""

    def __enter__(self) -> Store:
        return self

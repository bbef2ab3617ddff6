"""Create or bring a store up to date: schema, reference geography, catalogue, demo data.

Safe to run any number of times: each step only does what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lib.core import thaicalendar as tc
from lib.core.settings import DEMO_SEED, DEMO_YEARS_BEFORE
from lib.engine.configured import check_scope
from lib.geo import reference
from lib.services import demo
from lib.store import Store


@dataclass
class InitReport:
    """What an init run did."""

    migrations_applied: list[int] = field(default_factory=list)
    reference_loaded: bool = False
    catalog_loaded: bool = False
    catalogue: str | None = None  # what was loaded: "demo" or "starter" (the empty product)
    scope: str = "TH"
    demo_rows: int = 0
    demo_batch: int | None = None


def init_store(
    store: Store,
    with_demo: bool = True,
    as_of: date | None = None,
    seed: int = DEMO_SEED,
    years_before: int = DEMO_YEARS_BEFORE,
    scale: str = "demo",
    n_items: int = 210,
    catalogue: str = "demo",
    scope: str | None = None,
) -> InitReport:
    """Migrate, load reference and catalogue if absent, and the demo data unless told not to.

    catalogue: "demo" (the demo's items and KPIs) or "starter" (the empty product: data
    groups, aspects and agencies, no items, no KPIs, no demo values). It is loaded only into
    a store that has no data groups yet: a configured store is never overwritten.
    scope: the deployment's scope (TH, a cluster or a province code) when given.
    """
    if scale not in ("demo", "national"):
        raise ValueError(f"scale must be 'demo' or 'national', not {scale!r}")
    if catalogue not in ("demo", "starter"):
        raise ValueError(f"catalogue must be 'demo' or 'starter', not {catalogue!r}")
    report = InitReport(migrations_applied=store.migrate())
    if not store.has_reference():
        store.replace_tables(
            reference.reference_frames(),
            audit={"username": "system", "action": "load_reference", "origin": "cli"},
        )
        report.reference_loaded = True
    if scope is not None:
        code = check_scope(scope, store.areas())
        if code != store.scope():
            store.set_scope(code)
    report.scope = store.scope()
    items = demo.demo_items()
    if scale == "national":
        items = demo.national_items(items, n_items)
    as_of = demo.default_as_of(as_of)
    if store.data_groups().empty:
        _load_catalogue(store, catalogue, items, tc.fiscal_year_of(as_of) - years_before)
        report.catalog_loaded, report.catalogue = True, catalogue
    if (
        with_demo
        and store.get_meta("catalogue_origin") != "starter"
        and store.get_meta("demo_as_of") is None
        and store.observation_count() == 0
    ):
        areas = demo.demo_areas(store.areas(), reference.province_baseline(), seed)
        chunks = demo.generate_observations(items, areas, as_of, seed, years_before)
        batch = demo.demo_batch(as_of, seed, scale)
        meta = {
            "demo_as_of": as_of.isoformat(),
            "demo_seed": str(seed),
            "demo_scale": scale,
            "demo_years_before": str(years_before),
        }
        report.demo_batch = store.load_observation_chunks(chunks, batch, meta)
        report.demo_rows = store.observation_count()
    return report


def _load_catalogue(store: Store, catalogue: str, items, first_year: int) -> None:
    """The demo's catalogue (its KPI set entered for first_year) or the starter's."""
    if catalogue == "demo":
        frames = demo.catalog_frames(items, first_year)
    else:
        frames = demo.starter_frames()
    store.replace_tables(
        frames,
        audit={"username": "system", "action": f"load_{catalogue}_catalog", "origin": "cli"},
    )
    store.record_meta({"catalogue_origin": catalogue})


def open_store(path: str | Path, with_demo: bool = True) -> Store:
    """Open the store at path, building it on first start (no network needed)."""
    store = Store(path)
    init_store(store, with_demo=with_demo)
    return store

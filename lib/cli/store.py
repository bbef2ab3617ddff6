"""Commands about the store itself: init, info, catalog."""

from __future__ import annotations

from lib.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    iso_date,
    open_store,
    print_frame,
    print_json,
)
from lib.core.i18n import InputError
from lib.core.settings import DEMO_SEED, DEMO_YEARS_BEFORE
from lib.services import bootstrap
from lib.store.server import shown

CATALOG_FIELDS = [
    "code",
    "name_th",
    "name_en",
    "group_code",
    "aspect_code",
    "unit_th",
    "unit_en",
    "area_level",
    "frequency",
    "owner_agency",
    "owner_name_th",
    "responsible_person",
    "source",
    "release_lag_days",
    "valid_min",
    "valid_max",
    "higher_is_better",
    "is_published",
    "counts_for_coverage",
]


def cmd_init(args) -> int:
    """Create or migrate the store; load reference data and (unless --no-demo) demo data."""
    with open_store(args, create=True) as store:
        report = _init(
            store,
            args,
            with_demo=not args.no_demo,
            as_of=args.as_of,
            seed=args.seed,
            years_before=args.years_before,
            scale=args.scale,
            n_items=args.items,
            catalogue="starter" if args.no_demo else "demo",
            scope=args.scope,
        )
        info = store.info()
    summary = {
        "store": shown(str(args.db)),
        "migrations_applied": report.migrations_applied,
        "reference_loaded": report.reference_loaded,
        "catalog_loaded": report.catalog_loaded,
        "catalogue_loaded": report.catalogue,
        "scope": report.scope,
        "demo_rows_loaded": report.demo_rows,
        "observations": info["observations"],
    }
    if args.format == "json":
        print_json(summary)
    else:
        print(
            f"store {summary['store']}: migrations applied {report.migrations_applied or 'none'}, "
            f"scope {report.scope}, items {info['items']}, observations {info['observations']:,}"
        )
    return EXIT_OK


def _init(store, args, **options):
    """bootstrap.init_store; a bad --scope is bad input (exit 2)."""
    try:
        return bootstrap.init_store(store, **options)
    except InputError as exc:
        raise CliError(f"{exc.message(args.lang)}", EXIT_USAGE) from None


def cmd_info(args) -> int:
    """Counts of areas by level, items, observations, KPIs and agencies."""
    with open_store(args) as store:
        info = store.info()
    if args.format == "json":
        print_json(info)
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_catalog(args) -> int:
    """Every item with code, names, unit, level, frequency, owner, lag, range, direction."""
    with open_store(args) as store:
        cat = store.catalog()[CATALOG_FIELDS]
    cat = cat.assign(
        direction=cat.higher_is_better.map({True: "higher", False: "lower"}).fillna("neutral")
    )
    print_frame(cat, args.format)
    return EXIT_OK


def add_parsers(sub) -> None:
    """Subcommands init, info and catalog."""
    p = sub.add_parser("init", help="create or migrate the store and load reference/demo data")
    add_common(p)
    p.add_argument(
        "--no-demo",
        action="store_true",
        help="an empty product: reference geography, the 4 data groups with their aspects and "
        "the agencies, no items, no KPIs, no values (configure it with `config import`)",
    )
    p.add_argument(
        "--scope",
        help="the deployment's scope: TH (the country, default), a cluster (C17-E1) or a "
        "province (21); only its cells are required",
    )
    p.add_argument("--as-of", type=iso_date, help="demo as-of date (default: today)")
    p.add_argument("--seed", type=int, default=DEMO_SEED, help="demo seed (default: %(default)s)")
    p.add_argument(
        "--years-before",
        type=int,
        default=DEMO_YEARS_BEFORE,
        help="fiscal years of demo history before the current one (default: %(default)s)",
    )
    p.add_argument(
        "--scale",
        choices=("demo", "national"),
        default="demo",
        help="demo: 79 items; national: --items monthly district items (benchmarks)",
    )
    p.add_argument("--items", type=int, default=210, help="items at national scale")
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language of errors")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("info", help="counts of what the store holds")
    add_common(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("catalog", help="the data items of the catalogue")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_catalog)

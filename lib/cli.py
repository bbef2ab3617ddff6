"""Command line: `python -m lib COMMAND [options]`.

Every command takes `--db PATH` (default: $EIS_DB_PATH or data/eis.duckdb).
Exit codes: 0 success; 1 the command failed (one-line reason on stderr);
2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from lib import bootstrap
from lib.db import Store, StoreError
from lib.settings import DEMO_SEED, DEMO_YEARS_BEFORE, db_path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report on one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _print_frame(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        print(frame.to_json(orient="records", force_ascii=False, indent=2, date_format="iso"))
    else:
        sys.stdout.write(frame.to_csv(index=False))


def _open(args, create: bool = False) -> Store:
    path = args.db
    if not create and str(path) != ":memory:" and not path.exists():
        raise CliError(f"no store at {path}: run `python -m lib init --db {path}` first")
    try:
        return Store(path)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


# -- commands ---------------------------------------------------------------
def cmd_init(args) -> int:
    """Create or migrate the store; load reference data and (unless --no-demo) demo data."""
    with _open(args, create=True) as store:
        report = bootstrap.init_store(
            store,
            with_demo=not args.no_demo,
            as_of=args.as_of,
            seed=args.seed,
            years_before=args.years_before,
            scale=args.scale,
            n_items=args.items,
        )
        info = store.info()
    summary = {
        "store": str(args.db),
        "migrations_applied": report.migrations_applied,
        "reference_loaded": report.reference_loaded,
        "catalog_loaded": report.catalog_loaded,
        "demo_rows_loaded": report.demo_rows,
        "observations": info["observations"],
    }
    if args.format == "json":
        _print_json(summary)
    else:
        print(
            f"store {summary['store']}: migrations applied {report.migrations_applied or 'none'}, "
            f"observations {info['observations']:,}"
        )
    return EXIT_OK


def cmd_info(args) -> int:
    """Counts of areas by level, items, observations, KPIs and agencies."""
    with _open(args) as store:
        info = store.info()
    if args.format == "json":
        _print_json(info)
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return EXIT_OK


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


def cmd_catalog(args) -> int:
    """Every item with code, names, unit, level, frequency, owner, lag, range, direction."""
    with _open(args) as store:
        cat = store.catalog()[CATALOG_FIELDS]
    cat = cat.assign(
        direction=cat.higher_is_better.map({True: "higher", False: "lower"}).fillna("neutral")
    )
    _print_frame(cat, args.format)
    return EXIT_OK


# -- parser -----------------------------------------------------------------
def _common(p: argparse.ArgumentParser, formats: Sequence[str] = ("text", "json")) -> None:
    p.add_argument("--db", type=_path, default=db_path(), help="store file (default: %(default)s)")
    p.add_argument("--format", choices=formats, default=formats[0], help="output format")
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )


def _path(text: str) -> Path:
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m lib`."""
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="ระบบ EIS/GIS จังหวัด: command line (provincial EIS/GIS cockpit).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create or migrate the store and load reference/demo data")
    _common(p)
    p.add_argument("--no-demo", action="store_true", help="load reference and catalogue only")
    p.add_argument("--as-of", type=_iso_date, help="demo as-of date (default: today)")
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
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("info", help="counts of what the store holds")
    _common(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("catalog", help="the data items of the catalogue")
    _common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_catalog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED

"""Commands of the engine: coverage (ความครบถ้วน) and KPI scores (ผลตัวชี้วัด) per area."""

from __future__ import annotations

import argparse
from datetime import date

from lib.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    iso_date,
    open_store,
    print_frame,
)
from lib.core import settings
from lib.core.i18n import InputError

FISCAL_YEAR_MIN = 2500  # ปีงบประมาณ 2500 = 1956-57: nothing earlier is meaningful here


def fiscal_year_arg(text: str) -> int:
    """An argparse type: a fiscal year, Buddhist or Common Era, from 2500 on."""
    from lib.core.thaicalendar import normalise_year

    try:
        fy = normalise_year(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if fy < FISCAL_YEAR_MIN:
        raise argparse.ArgumentTypeError(
            f"fiscal year {fy} is out of range (expected {FISCAL_YEAR_MIN} or later, e.g. 2568)"
        )
    return fy


def engine_as_of(args) -> date:
    """--as-of, or the earlier of today and the end of the fiscal year; checked against it
    (lib.engine.requirements.fiscal_as_of)."""
    from lib.engine.requirements import fiscal_as_of

    try:
        return fiscal_as_of(args.fiscal_year, args.as_of, settings.today())
    except InputError as exc:
        raise CliError(exc.message_en, EXIT_USAGE) from exc


def cmd_coverage(args) -> int:
    """Complete / correct / timely %, correct-and-timely % and KPI 4.4 milestone per area."""
    from lib.engine import coverage

    as_of = engine_as_of(args)
    with open_store(args) as store:
        frame = coverage.coverage(
            store,
            args.level,
            args.fiscal_year,
            as_of,
            grouping=args.grouping,
            regions=args.regions,
            by_group=args.by_group,
        )
    frame.insert(0, "as_of", as_of.isoformat())
    frame.insert(0, "fiscal_year", args.fiscal_year)
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_scores(args) -> int:
    """KPI result, score, weighted score, light, reliability and composite per area x KPI
    (a red resting on flagged values not yet checked is unreliable: "flagged_values")."""
    from lib.engine import kpi
    from lib.services import quality

    as_of = engine_as_of(args)
    with open_store(args) as store:
        frame = kpi.scores(
            store,
            args.level,
            args.fiscal_year,
            as_of,
            round_months=args.round,
            grouping=args.grouping,
            regions=args.regions,
            missing=args.missing,
            flagged=quality.kpi_flagged_cells(store, args.fiscal_year, as_of),
        )
    print_frame(frame, args.format)
    return EXIT_OK


def _engine_options(p: argparse.ArgumentParser) -> None:
    add_common(p, formats=("csv", "json"))
    p.add_argument(
        "--level",
        required=True,
        choices=("province", "cluster", "region", "country"),
        help="areas to report",
    )
    p.add_argument(
        "--fiscal-year",
        required=True,
        type=fiscal_year_arg,
        help="fiscal year, Buddhist (2568) or Common Era (2025 = 2568)",
    )
    p.add_argument(
        "--as-of",
        type=iso_date,
        help="date the figures describe, YYYY-MM-DD (default: the earlier of today and the "
        "last day of the fiscal year)",
    )
    p.add_argument(
        "--grouping",
        choices=("2017", "2009"),
        help="cluster set (default: 2017, the set in force today)",
    )
    p.add_argument(
        "--regions", choices=("nesdc7", "royin6"), help="region scheme (default: nesdc7)"
    )


def add_parsers(sub) -> None:
    """Subcommands coverage and scores."""
    p = sub.add_parser(
        "coverage", help="data coverage and the KPI 4.4 milestone per area (ความครบถ้วน)"
    )
    _engine_options(p)
    p.add_argument("--by-group", action="store_true", help="one row per area and data group")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("scores", help="KPI results and scores per area (ผลตัวชี้วัด)")
    _engine_options(p)
    p.add_argument(
        "--round", type=int, choices=(6, 9, 12), default=12, help="round in months (default: 12)"
    )
    p.add_argument(
        "--missing",
        choices=("zero", "exclude"),
        default=None,
        help="a KPI without data scores 0 in the composite (zero) or is left out (exclude); "
        "default: each KPI's own rule (missing_rule of the configuration)",
    )
    p.set_defaults(func=cmd_scores)

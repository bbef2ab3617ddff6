"""Command line: `python -m lib COMMAND [options]`.

Every command takes `--db PATH` (default: $EIS_DB_PATH or data/eis.duckdb).
Exit codes: 0 success; 1 the command failed (one-line reason on stderr);
2 bad arguments; 3 refused: the user may not do it (an audit entry is written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lib.cli import access, data, engine, store
from lib.cli.common import EXIT_DENIED, EXIT_FAILED, CliError
from lib.store import StoreError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m lib`."""
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="ระบบ EIS/GIS จังหวัด: command line (provincial EIS/GIS cockpit).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store.add_parsers(sub)
    engine.add_parsers(sub)
    access.add_parsers(sub)
    data.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from lib.services.auth import PermissionDenied

    try:
        return args.func(args)
    except PermissionDenied as exc:
        print(f"refused: {exc.message_en} ({exc.message_th})", file=sys.stderr)
        return EXIT_DENIED
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED

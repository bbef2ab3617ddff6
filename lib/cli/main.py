"""Command line: `python -m lib COMMAND [options]`.

Every command takes `--db PATH` (default: $EIS_DB_PATH or data/eis.duckdb).
Exit codes: 0 success; 1 the command failed (one-line reason on stderr);
2 bad arguments; 3 refused: the user may not do it (an audit entry is written).
No fault of the input or the machine (disk full, store in use, output pipe
closed) prints a traceback: one line on stderr, exit 1 (`EIS_DEBUG=1` adds the
traceback of an unexpected error).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from lib.cli import (
    access,
    config,
    data,
    engine,
    feeds,
    history,
    layouts,
    quality,
    reports,
    store,
    templates,
)
from lib.cli.common import EXIT_DENIED, EXIT_FAILED, CliError
from lib.store import StoreError
from lib.store.connection import fault_reason

DEBUG_ENV = "EIS_DEBUG"  # "1": an unexpected error also prints its traceback on stderr


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
    history.add_parsers(sub)
    quality.add_parsers(sub)
    layouts.add_parsers(sub)
    templates.add_parsers(sub)
    config.add_parsers(sub)
    reports.add_parsers(sub)
    feeds.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from lib.services.auth import PermissionDenied

    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except PermissionDenied as exc:
        print(f"refused: {exc.message_en} ({exc.message_th})", file=sys.stderr)
        return EXIT_DENIED
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        _drop_stdout()  # the reader (e.g. `| head -1`) has what it wanted
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except (ValueError, StoreError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # the last guard: a reason, never a traceback
        return _unexpected(exc)


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _unexpected(exc: Exception) -> int:
    """One line for an error no command expected (disk, pipe, bug); the traceback if asked."""
    reason = fault_reason(exc)
    if reason is None:
        reason = f"{type(exc).__name__}: {_one_line(exc)}"
    if os.environ.get(DEBUG_ENV) == "1":
        traceback.print_exc(file=sys.stderr)
    else:
        reason += f" (set {DEBUG_ENV}=1 for the details)" if fault_reason(exc) is None else ""
    print(f"error: {reason}", file=sys.stderr)
    return EXIT_FAILED


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        return  # stdout is not a real file (tests): nothing will flush it at exit

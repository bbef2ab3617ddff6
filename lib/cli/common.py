"""What every command shares: exit codes, the one-line error, --db/--format, output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from lib.core.exporting import neutralise_frame
from lib.core.settings import store_location
from lib.store import Store, StoreError
from lib.store.migrations import latest_version
from lib.store.server import is_server

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
# The acting user may not do it (PermissionDenied); an audit entry is written.
EXIT_DENIED = 3


class CliError(Exception):
    """A failure to report on one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def iso_date(text: str) -> date:
    """An argparse type: a YYYY-MM-DD date."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def path_arg(text: str) -> Path:
    """An argparse type: a path (not empty)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path")
    return Path(text)


def store_arg(text: str) -> Path | str:
    """An argparse type: a store file's path, or a shared store's postgresql:// URL."""
    return text if is_server(text) else path_arg(text)


def print_json(obj) -> None:
    """Print an object as indented JSON (Thai kept as is)."""
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def print_frame(frame: pd.DataFrame, fmt: str) -> None:
    """Print a frame as JSON records or CSV (formula cells neutralised, lib.core.exporting)."""
    if fmt == "json":
        print(frame.to_json(orient="records", force_ascii=False, indent=2, date_format="iso"))
    else:
        sys.stdout.write(neutralise_frame(frame).to_csv(index=False))


def open_store(args, create: bool = False) -> Store:
    """The store at --db; CliError when it is missing (unless create), cannot be opened, or
    was made by an older version of this program and not yet migrated."""
    path = args.db
    if not create and not is_server(path) and str(path) != ":memory:" and not path.exists():
        raise CliError(f"no store at {path}: run `python -m lib init --db {path}` first")
    try:
        store = Store(path)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if not create and store.schema_version() < latest_version():
        version = store.schema_version()
        store.close()
        raise CliError(
            f"the store at {path} has schema {version}, this program needs "
            f"{latest_version()}: run `python -m lib init --db {path}` (it migrates and keeps "
            "every value; or start the app, which does the same)"
        )
    return store


def add_store_option(p: argparse.ArgumentParser) -> None:
    """--db (or --store): a store file, or a shared store's postgresql:// URL."""
    p.add_argument(
        "--db",
        "--store",
        dest="db",
        type=store_arg,
        default=store_location(),
        help="ไฟล์ฐานข้อมูล หรือ postgresql://USER@HOST:PORT/DB (store file, or a shared "
        "store; default: $EIS_STORE, else $EIS_DB_PATH, else data/eis.duckdb)",
    )


def add_common(p: argparse.ArgumentParser, formats: Sequence[str] = ("text", "json")) -> None:
    """The options every command takes: --db, --format and --json."""
    add_store_option(p)
    p.add_argument("--format", choices=formats, default=formats[0], help="output format")
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )

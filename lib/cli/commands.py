"""Command line: `python -m lib COMMAND [options]`.

Every command takes `--db PATH` (default: $EIS_DB_PATH or data/eis.duckdb).
Exit codes: 0 success; 1 the command failed (one-line reason on stderr);
2 bad arguments; 3 refused: the user may not do it (an audit entry is written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from lib.core import settings
from lib.core.settings import DEMO_SEED, DEMO_YEARS_BEFORE, db_path
from lib.services import bootstrap
from lib.store import Store, StoreError

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


# -- coverage and KPI scores (engine) ---------------------------------------
FISCAL_YEAR_MIN = 2500  # ปีงบประมาณ 2500 = 1956-57: nothing earlier is meaningful here


def _fiscal_year(text: str) -> int:
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


def _engine_as_of(args) -> date:
    """--as-of, or the earlier of today and the end of the fiscal year; checked against it."""
    from lib.core.thaicalendar import fiscal_year_bounds

    start, end = fiscal_year_bounds(args.fiscal_year)
    as_of = args.as_of or min(settings.today(), end)
    if as_of < start:
        raise CliError(
            f"fiscal year {args.fiscal_year} starts on {start}, after the as-of date {as_of}",
            EXIT_USAGE,
        )
    return as_of


def cmd_coverage(args) -> int:
    """Complete / correct / timely %, correct-and-timely % and KPI 4.4 milestone per area."""
    from lib.engine import coverage

    as_of = _engine_as_of(args)
    with _open(args) as store:
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
    _print_frame(frame, args.format)
    return EXIT_OK


def cmd_scores(args) -> int:
    """KPI result, score, weighted score, light, reliability and composite per area x KPI."""
    from lib.engine import kpi

    as_of = _engine_as_of(args)
    with _open(args) as store:
        frame = kpi.scores(
            store,
            args.level,
            args.fiscal_year,
            as_of,
            round_months=args.round,
            grouping=args.grouping,
            regions=args.regions,
            missing=args.missing,
        )
    _print_frame(frame, args.format)
    return EXIT_OK


def _engine_options(p: argparse.ArgumentParser) -> None:
    _common(p, formats=("csv", "json"))
    p.add_argument(
        "--level",
        required=True,
        choices=("province", "cluster", "region", "country"),
        help="areas to report",
    )
    p.add_argument(
        "--fiscal-year",
        required=True,
        type=_fiscal_year,
        help="fiscal year, Buddhist (2568) or Common Era (2025 = 2568)",
    )
    p.add_argument(
        "--as-of",
        type=_iso_date,
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


# -- users, access and backup ---------------------------------------------------
# The person at the server's command line acts as an administrator (file access
# is already full access); import/undo take --user and are checked per item.
# Exit codes here: 2 for a bad value (role, agency, area, name, password), 1 for
# a state that refuses (user exists or missing, store busy, damaged backup),
# 3 when the acting user may not do it (PermissionDenied).
EXIT_DENIED = 3


def _password_from_stdin(args) -> str:
    if not args.password_stdin:
        raise CliError("give the password on standard input with --password-stdin", EXIT_USAGE)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password on standard input", EXIT_USAGE)
    return password


def cmd_users_add(args) -> int:
    """Create an account; the password is read from stdin and stored as an argon2 hash."""
    from lib.services import auth

    password = _password_from_stdin(args)
    with _open(args) as store:
        try:
            user = auth.add_user(
                store,
                args.name,
                args.role,
                password,
                actor=auth.cli_operator(),
                origin="cli",
                agency_code=args.agency,
                area_code=args.area,
                display_name=args.display_name,
            )
        except (auth.UserInputError, auth.PasswordPolicyError) as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
    print(
        f"user {user.username} added: role {user.role}, agency {user.agency_code or '-'}, "
        f"area {user.area_code or 'whole country'}"
    )
    return EXIT_OK


def cmd_users_list(args) -> int:
    """Every account, without password hashes."""
    from lib.core.exporting import neutralise_frame
    from lib.services import auth

    with _open(args) as store:
        frame = auth.users_frame(store)
    _print_frame(neutralise_frame(frame) if args.format == "csv" else frame, args.format)
    return EXIT_OK


def cmd_users_disable(args) -> int:
    """Disable an account (kept, never deleted, for the audit trail)."""
    from lib.services import auth

    with _open(args) as store:
        auth.disable_user(store, args.name, actor=auth.cli_operator(), origin="cli")
    print(f"user {args.name.strip().lower()} disabled")
    return EXIT_OK


def cmd_users_passwd(args) -> int:
    """Set a new password read from stdin (also clears a lock-out)."""
    from lib.services import auth

    password = _password_from_stdin(args)
    with _open(args) as store:
        try:
            auth.change_password(
                store, args.name, password, actor=auth.cli_operator(), origin="cli"
            )
        except auth.PasswordPolicyError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
    print(f"password of {args.name.strip().lower()} changed")
    return EXIT_OK


def cmd_users_can(args) -> int:
    """Whether an account may do an action (on an item, batch, area): exit 0 yes, 3 no."""
    from lib.services import auth

    with _open(args) as store:
        record = store.user_record(args.name.strip().lower())
        if record is None:
            raise CliError(f"no user {args.name}")
        user = auth.User.from_record(record)
        item = None
        if args.item:
            items = store.catalog().set_index("code")
            if args.item not in items.index:
                raise CliError(f"unknown item {args.item!r}", EXIT_USAGE)
            item = items.loc[args.item].to_dict()
        batch = None
        if args.batch is not None:
            batch = store.batch(args.batch)
            if batch is None:
                raise CliError(f"no batch {args.batch}", EXIT_USAGE)
        try:
            decision = auth.can(
                user,
                args.action,
                item=item,
                batch=batch,
                area_code=args.area or None,
                area_index=auth.load_area_index(store),
            )
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
    if decision.allowed:
        print(f"allowed: {user.username} may {args.action}")
        return EXIT_OK
    print(f"refused: {decision.reason_en} ({decision.reason_th})")
    return EXIT_DENIED


def cmd_backup(args) -> int:
    """Export the store to DIR/eis-backup-<time>/ (via the app's worker when the app holds it)."""
    from lib.services import auth, backup

    if args.keep is not None and args.keep < 1:
        raise CliError("--keep must be at least 1", EXIT_USAGE)
    if not args.db.exists():
        raise CliError(f"no store at {args.db}")
    operator = auth.cli_operator()
    auth.require(operator, "backup")
    try:
        store = Store(args.db)
    except StoreError as exc:
        if not backup.is_lock_error(exc):
            raise CliError(str(exc)) from exc
        store = None
    try:
        if store is not None:
            result = backup.backup_store(
                store, args.dir, args.keep, actor=operator.username, origin="cli"
            ).as_dict()
        else:
            spool = backup.spool_dir_for(args.db)
            request_id = backup.submit_request(
                spool,
                "backup",
                dest=str(args.dir.resolve()),
                keep=args.keep,
                requested_by=operator.username,
                origin="cli",
            )
            print(
                f"store in use: asked the app's worker (request {request_id} in {spool})",
                file=sys.stderr,
            )
            result = backup.wait_for_result(spool, request_id, timeout_s=args.timeout)
            if not result.get("ok"):
                raise CliError(f"backup failed in the app: {result.get('error')}")
    except (backup.BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        if store is not None:
            store.close()
    if args.format == "json":
        _print_json(result)
    else:
        removed = f"; removed {len(result['removed'])} old" if result["removed"] else ""
        print(f"backup written: {result['path']} ({result['rows']:,} rows){removed}")
    return EXIT_OK


def cmd_restore(args) -> int:
    """Rebuild the store at --db from one backup folder (the app must be stopped)."""
    from lib.services import auth, backup

    operator = auth.cli_operator()
    auth.require(operator, "backup")
    try:
        result = backup.restore_backup(
            args.dir, args.db, force=args.force, actor=operator.username, origin="cli"
        ).as_dict()
    except (backup.BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    if args.format == "json":
        _print_json(result)
    else:
        kept = f"; previous store kept as {result['previous']}" if result["previous"] else ""
        print(f"store {result['target']} restored ({result['rows']:,} rows){kept}")
    return EXIT_OK


def _access_parsers(sub) -> None:
    """Subcommands users, backup and restore."""
    users = sub.add_parser("users", help="accounts: add, list, disable, passwd")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="USERS_COMMAND")

    p = usub.add_parser("add", help="create an account (password from stdin)")
    _common(p)
    p.add_argument("name", help="user name (lower case)")
    p.add_argument("--role", required=True, help="public, staff, verifier, executive or admin")
    p.add_argument("--agency", help="agency code, as owner_agency in `catalog --json`")
    p.add_argument("--area", help="DOPA province/district code, cluster or region code")
    p.add_argument("--display-name", help="name shown in the app")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_users_add)

    p = usub.add_parser("list", help="accounts, without password hashes")
    _common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_users_list)

    p = usub.add_parser("disable", help="disable an account")
    _common(p)
    p.add_argument("name")
    p.set_defaults(func=cmd_users_disable)

    p = usub.add_parser("passwd", help="set a new password (from stdin); clears a lock-out")
    _common(p)
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_users_passwd)

    p = usub.add_parser("can", help="may this account do ACTION? (exit 0 yes, 3 no)")
    _common(p)
    p.add_argument("name")
    p.add_argument("action", help="read_published, read_unpublished, upload, verify, undo, ...")
    p.add_argument("--item", help="item code (upload, verify, read)")
    p.add_argument("--batch", type=int, help="upload batch id (undo)")
    p.add_argument("--area", action="append", help="area code touched (repeatable)")
    p.set_defaults(func=cmd_users_can)

    p = sub.add_parser("backup", help="write a Parquet backup into DIR (works while the app runs)")
    _common(p)
    p.add_argument("dir", type=_path, help="folder that holds the backups")
    p.add_argument("--keep", type=int, help="keep only the newest N backups in DIR")
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the app when it holds the store (default: %(default)s)",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="rebuild the store from one backup folder (app stopped)")
    _common(p)
    p.add_argument("dir", type=_path, help="one backup folder (eis-backup-YYYYmmdd-HHMMSS)")
    p.add_argument("--force", action="store_true", help="replace an existing store (kept as .bak)")
    p.set_defaults(func=cmd_restore)


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
        default="zero",
        help="a KPI without data scores 0 in the composite (zero, default) or is left out",
    )
    p.set_defaults(func=cmd_scores)
    _access_parsers(sub)
    _data_parsers(sub)
    return parser


# -- data: import, batches, verify, undo, export ------------------------------
def _user_for(store: Store, username: str, action: str, target: str):
    """The active account of that name; an unknown one is refused (exit 3) and audited."""
    from lib.services import auth

    user = auth.load_user(store, username)
    if user is None:
        auth.audit_denied(store, None, action, target, "cli", reason=f"unknown user {username}")
        raise CliError(f"no active account {username!r}", EXIT_DENIED)
    return user


def _problem_lines(problems, lang: str) -> list[str]:
    return [
        f"row {p.row if p.row is not None else '-'}, column {p.column or '-'}, "
        f"value {p.value!r}: {p.message(lang)} [{p.code}]"
        for p in problems
    ]


def cmd_import(args) -> int:
    """Validate a CSV/XLSX file and commit its values as one batch (exit 2: rejected)."""
    from lib.services import upload

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no file {path}", EXIT_USAGE)
    data = path.read_bytes()
    with _open(args) as store:
        user = _user_for(store, args.user, "upload", path.name)
        preview = upload.preview_upload(
            store, data, path.name, item_code=args.item, period=args.period
        )
        rejected = bool(preview.problems) and not args.clean_rows_only
        batch_id = None
        if rejected or args.dry_run:  # still refuse (exit 3) what the account may not write
            upload.check_as(store, user, preview, origin="cli")
        else:
            batch_id = upload.commit_as(
                store, user, preview, clean_rows_only=args.clean_rows_only, origin="cli"
            )
    summary = {
        "file": path.name,
        "form": preview.result.form,
        "encoding": preview.result.encoding,
        **preview.counts,
        "problems": len(preview.result.errors),
        "warnings": len(preview.result.warnings),
        "earlier_batches_same_file": preview.earlier_batches,
        "dry_run": args.dry_run,
        "committed": batch_id is not None,
        "batch_id": batch_id,
    }
    if args.format == "json":
        summary["problem_list"] = preview.result.problems_frame(args.lang).to_dict("records")
        _print_json(summary)
    else:
        for line in _problem_lines(preview.result.problems, args.lang):
            print(line, file=sys.stderr)
        state = (
            "rejected: nothing committed"
            if rejected
            else (
                "dry run: nothing committed"
                if args.dry_run
                else f"committed as batch {batch_id}"
                if batch_id
                else "nothing changed"
            )
        )
        print(
            f"{path.name}: new {preview.counts['new']}, changed {preview.counts['changed']}, "
            f"unchanged {preview.counts['unchanged']}, rejected rows {preview.counts['rejected']},"
            f" flagged {preview.counts['flagged']}; {state}"
        )
    return EXIT_USAGE if rejected else EXIT_OK


def cmd_batches(args) -> int:
    """Upload batches, newest first (optionally of one agency)."""
    with _open(args) as store:
        frame = store.batches(args.agency)
    _print_frame(frame, args.format)
    return EXIT_OK


def cmd_undo(args) -> int:
    """Undo a batch: its previous values come back exactly; the undo is recorded."""
    from lib.services import upload

    with _open(args) as store:
        user = _user_for(store, args.user, "undo", f"batch {args.batch_id}")
        result = upload.undo_as(store, user, args.batch_id, origin="cli")
    if args.format == "json":
        _print_json(result)
    else:
        print(
            f"batch {result['batch_id']} undone by batch {result['undo_batch']}: "
            f"{result['restored']} values restored, {result['removed']} removed"
        )
    return EXIT_OK


def cmd_verify(args) -> int:
    """Verify (or with --reject, reject) the submitted values of a batch."""
    from lib.services import upload

    status = "rejected" if args.reject else "verified"
    with _open(args) as store:
        user = _user_for(store, args.user, "verify", f"batch {args.batch_id}")
        n, batch_id = upload.verify_as(store, user, args.batch_id, status, origin="cli")
    print(f"{n} values {status}" + (f" (batch {batch_id})" if batch_id else ""))
    return EXIT_OK


def cmd_export(args) -> int:
    """Current values: item code, area DOPA code, period, value, status, batch."""
    with _open(args) as store:
        frame = store.export_values(args.item, args.area)
    if args.format == "csv":
        from lib.core.exporting import neutralise_frame

        frame = neutralise_frame(frame)
    _print_frame(frame, args.format)
    return EXIT_OK


def _data_parsers(sub) -> None:
    p = sub.add_parser("import", help="validate a CSV/XLSX file and commit it as one batch")
    p.add_argument("file", help="CSV or XLSX file (long form or a wide template)")
    p.add_argument("--user", required=True, help="account the values are submitted by")
    p.add_argument("--item", help="item code of a wide file with periods across")
    p.add_argument("--period", help="period of a wide file with items across (e.g. 2568-03)")
    p.add_argument("--dry-run", action="store_true", help="validate and preview only")
    p.add_argument(
        "--clean-rows-only",
        action="store_true",
        help="commit the rows without problems even when other rows have some",
    )
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language of problems")
    _common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help="upload batches, newest first")
    p.add_argument("--agency", help="only this agency's batches")
    _common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="undo a batch (previous values come back)")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="account doing the undo")
    _common(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("verify", help="verify (or --reject) a batch's submitted values")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="verifier of the owner agency")
    p.add_argument("--reject", action="store_true", help="reject instead of verify")
    _common(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("export", help="current values (item, area, period, value, status, batch)")
    p.add_argument("--item", help="only this item code")
    p.add_argument("--area", help="only this area (DOPA code)")
    _common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_export)


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

"""Commands about the deployment's configuration: config export, config import."""

from __future__ import annotations

import sys
from pathlib import Path

from lib.cli.common import (
    EXIT_DENIED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    open_store,
    path_arg,
    print_json,
)

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # a configuration workbook is small; refuse anything huge


def cmd_config_export(args) -> int:
    """Write the configuration workbook (one sheet per kind, a README sheet)."""
    from lib.services import config

    with open_store(args) as store:
        data = config.export_workbook(store)
    args.file.write_bytes(data)
    print(f"{args.file}: {len(data):,} bytes")
    return EXIT_OK


def _admin(store, username: str, target: str):
    """The account, if it may change the configuration; else refused (exit 3) and audited."""
    from lib.services import auth

    user = auth.load_user(store, username)
    decision = auth.can(user, "manage_config")
    if not decision.allowed:
        reason = f"unknown user {username}" if user is None else decision.reason_en
        auth.audit_denied(store, user, "manage_config", target, "cli", reason=reason)
        raise CliError(
            f"refused: {reason} ({decision.reason_th})"
            if user is not None
            else f"no active account {username!r}",
            EXIT_DENIED,
        )
    return user


def cmd_config_import(args) -> int:
    """Validate a configuration workbook as a whole and apply it (exit 2: rejected)."""
    from lib.services import config

    path = args.file
    if not path.is_file():
        raise CliError(f"no file {path}", EXIT_USAGE)
    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        raise CliError(f"{path.name}: larger than {MAX_WORKBOOK_BYTES:,} bytes", EXIT_USAGE)
    with open_store(args) as store:
        user = _admin(store, args.user, path.name)
        plan = config.plan_import(store, path.read_bytes(), args.fiscal_year)
        applied = None
        if plan.ok and not args.dry_run:
            applied = config.apply_import(store, plan, user, origin="cli")
    _report(args, path, plan, applied)
    return EXIT_OK if plan.ok else EXIT_USAGE


def _report(args, path: Path, plan, applied: dict | None) -> None:
    summary = plan.summary() if plan.ok else None
    if args.format == "json":
        print_json(
            {
                "file": path.name,
                "ok": plan.ok,
                "dry_run": args.dry_run,
                "applied": applied is not None,
                "changes": [] if summary is None else summary.to_dict("records"),
                "problems": [
                    {
                        "sheet": p.sheet,
                        "row": p.row,
                        "column": p.column,
                        "value": p.value,
                        "reason": p.reason_en if args.lang == "en" else p.reason_th,
                    }
                    for p in plan.problems
                ],
            }
        )
        return
    for p in plan.problems:
        print(p.text(args.lang), file=sys.stderr)
    if not plan.ok:
        print(f"{path.name}: rejected, {len(plan.problems)} problems; nothing changed")
        return
    totals = summary[["added", "changed", "retired", "removed"]].sum()
    counts = ", ".join(f"{k} {int(v)}" for k, v in totals.items())
    state = "applied" if applied is not None else "dry run: nothing changed"
    print(f"{path.name}: {counts}; {state}")


def add_parsers(sub) -> None:
    """Subcommand config with export and import."""
    p = sub.add_parser("config", help="the deployment's configuration as one workbook")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    e = actions.add_parser("export", help="write the configuration workbook (.xlsx)")
    e.add_argument("file", type=path_arg, help="workbook to write, e.g. config.xlsx")
    add_common(e)
    e.set_defaults(func=cmd_config_export)
    i = actions.add_parser("import", help="validate a configuration workbook and apply it")
    i.add_argument("file", type=path_arg, help="workbook (.xlsx) as written by config export")
    i.add_argument("--user", required=True, help="administrator account making the change")
    i.add_argument("--dry-run", action="store_true", help="validate and preview only")
    i.add_argument(
        "--fiscal-year",
        type=int,
        help="fiscal year an item left out of the workbook is retired from (default: current)",
    )
    i.add_argument("--lang", choices=("th", "en"), default="th", help="language of problems")
    add_common(i)
    i.set_defaults(func=cmd_config_import)

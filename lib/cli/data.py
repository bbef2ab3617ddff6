"""Commands of the data: import, batches, undo, verify, export (exit 2: a rejected file)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from lib.cli.common import (
    EXIT_DENIED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    open_store,
    print_frame,
    print_json,
)
from lib.core.numbers import exact_number, exact_text
from lib.store import Store


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
    from lib import ingest

    if (problem := ingest.file_size_problem(path.stat().st_size)) is not None:
        raise CliError(f"{path.name}: {problem.message(args.lang)}", EXIT_USAGE)
    data = path.read_bytes()
    with open_store(args) as store:
        user = _user_for(store, args.user, "upload", path.name)
        preview = upload.preview_upload(
            store,
            data,
            path.name,
            item_code=args.item,
            period=args.period,
            confirm_old_years=args.confirm_old_years,
        )
        rejected = upload.commit_refusal(preview, args.clean_rows_only) is not None
        batch_id = None
        if rejected or args.dry_run:  # still refuse (exit 3) what the account may not write
            upload.check_as(store, user, preview, origin="cli")
        else:
            batch_id = upload.commit_as(
                store, user, preview, clean_rows_only=args.clean_rows_only, origin="cli"
            )
    _report_import(args, path, preview, rejected, batch_id)
    return EXIT_USAGE if rejected else EXIT_OK


def _report_import(args, path: Path, preview, rejected: bool, batch_id: int | None) -> None:
    """The import's summary on stdout (JSON or one line), its problems on stderr."""
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
        print_json(summary)
        return
    for line in _problem_lines(preview.result.problems, args.lang):
        print(line, file=sys.stderr)
    if rejected:
        state = "rejected: nothing committed"
    elif args.dry_run:
        state = "dry run: nothing committed"
    else:
        state = f"committed as batch {batch_id}" if batch_id else "nothing changed"
    counts = preview.counts
    print(
        f"{path.name}: new {counts['new']}, changed {counts['changed']}, "
        f"unchanged {counts['unchanged']}, rejected rows {counts['rejected']},"
        f" flagged {counts['flagged']}; {state}"
    )


def cmd_batches(args) -> int:
    """Upload batches, newest first (optionally of one agency)."""
    with open_store(args) as store:
        frame = store.batches(args.agency)
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_undo(args) -> int:
    """Undo a batch: its previous values come back exactly; the undo is recorded."""
    from lib.services import upload

    with open_store(args) as store:
        user = _user_for(store, args.user, "undo", f"batch {args.batch_id}")
        result = upload.undo_as(store, user, args.batch_id, origin="cli")
    if args.format == "json":
        print_json(result)
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
    with open_store(args) as store:
        user = _user_for(store, args.user, "verify", f"batch {args.batch_id}")
        n, batch_id = upload.verify_as(store, user, args.batch_id, status, origin="cli")
    print(f"{n} values {status}" + (f" (batch {batch_id})" if batch_id else ""))
    return EXIT_OK


def cmd_export(args) -> int:
    """Current values: item code, area DOPA code, period, value, status, batch."""
    with open_store(args) as store:
        frame = store.export_values(args.item, args.area)
    write = exact_number if args.format == "json" else exact_text
    frame["value"] = pd.Series(
        [write(v, d) for v, d in zip(frame["value"], frame["decimals"], strict=True)],
        index=frame.index,
        dtype=object,
    )  # the item's decimals: 5494932, never 5494932.0 or 76337.79999999999
    print_frame(
        frame.drop(columns="decimals"), args.format
    )  # CSV cells neutralised there, as for every command
    return EXIT_OK


def add_parsers(sub) -> None:
    """Subcommands import, batches, undo, verify and export."""
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
    p.add_argument(
        "--confirm-old-years",
        action="store_true",
        help="read periods before 2500 BE (EIS_CONFIRM_YEARS_BEFORE) instead of rejecting them",
    )
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language of problems")
    add_common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help="upload batches, newest first")
    p.add_argument("--agency", help="only this agency's batches")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="undo a batch (previous values come back)")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="account doing the undo")
    add_common(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("verify", help="verify (or --reject) a batch's submitted values")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="verifier of the owner agency")
    p.add_argument("--reject", action="store_true", help="reject instead of verify")
    add_common(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("export", help="current values (item, area, period, value, status, batch)")
    p.add_argument("--item", help="only this item code")
    p.add_argument("--area", help="only this area (DOPA code)")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_export)

"""Commands of the data: import, batches, undo, submitted, verify, export (exit 2: rejected).

`import` reads a file as it comes: columns mapped with --column "HEADER=ROLE",
a saved layout (--layout, else the agency's saved layouts are tried), chosen
sheets and the period rule; --save-layout keeps how the file was read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
from lib.core.i18n import InputError
from lib.core.numbers import exact_number, exact_text
from lib.store import Store


def user_for(store: Store, username: str, action: str, target: str):
    """The active account of that name; an unknown one is refused (exit 3) and audited."""
    from lib.services import auth

    user = auth.load_user(store, username)
    if user is None:
        auth.audit_denied(store, None, action, target, "cli", reason=f"unknown user {username}")
        raise CliError(f"no active account {username!r}", EXIT_DENIED)
    return user


def _print_jumps(jumps: list[dict], lang: str) -> None:
    """One line per value that jumps outside its own history, on stderr, before problems."""
    words = ("ค่ากระโดด", "เดิม", "ปกติ") if lang == "th" else ("jump", "was", "usual")
    for jump in jumps:
        print(
            f"{words[0]}: {jump['item_code']} {jump['area_code']} {jump['period']}: "
            f"{_shown(jump['value'])} ({words[1]} {_shown(jump.get('old_value'))}, "
            f"{words[2]} {_shown(jump.get('hist_median'))})",
            file=sys.stderr,
        )


def _shown(value) -> str:
    """A number as a person reads it ('-' when there is none): 1,234.5, never nan."""
    if value is None or value != value:
        return "-"
    return f"{value:,.10g}"


def _problem_lines(problems, lang: str) -> list[str]:
    return [
        f"row {p.row if p.row is not None else '-'}, column {p.column or '-'}, "
        f"value {p.value!r}: {p.message(lang)} [{p.code}]"
        for p in problems
    ]


@contextmanager
def bad_input(lang: str) -> Iterator[None]:
    """Bad input from the user (lib.core.i18n.InputError): its message in `lang`, exit 2."""
    try:
        yield
    except InputError as exc:
        raise CliError(exc.message(lang), EXIT_USAGE) from exc


def _file_layout(store: Store, user, args):
    """(forced layout or None, saved layouts to try) from --layout, --column, --sheet, ..."""
    from lib.ingest.layout import parse_column_option
    from lib.services import layouts

    with bad_input(args.lang):
        columns = [parse_column_option(text) for text in args.column or ()]
        base = layouts.named(store, user, args.layout) if args.layout else None
    layout = layouts.compose(base, columns, args.sheet or (), args.all_sheets, args.period_rule)
    return layout, [] if layout is not None else layouts.for_upload(store, user)


def _keep_layout(store: Store, user, args, result, layout) -> str | None:
    """--save-layout: keep how a file that was read was read (also when its rows are rejected);
    the saved name, or None."""
    from lib.services import layouts

    if not args.save_layout or not layouts.was_read(result):
        return None
    with bad_input(args.lang):
        saved = layouts.save(
            store, user, args.save_layout, layouts.from_result(result, layout), origin="cli"
        )
    return saved.name


def cmd_import(args) -> int:
    """Validate a file and commit its values as one batch (exit 2: rejected, 3: refused)."""
    from lib import ingest
    from lib.services import layouts, upload

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no file {path}", EXIT_USAGE)
    if (problem := ingest.file_size_problem(path.stat().st_size)) is not None:
        raise CliError(f"{path.name}: {problem.message(args.lang)}", EXIT_USAGE)
    if args.save_layout:
        with bad_input(args.lang):
            layouts.clean_name(args.save_layout)
    data = path.read_bytes()
    with open_store(args) as store:
        user = user_for(store, args.user, "upload", path.name)
        layout, saved = _file_layout(store, user, args)
        preview = upload.preview_upload(
            store,
            data,
            path.name,
            item_code=args.item,
            period=args.period,
            confirm_old_years=args.confirm_old_years,
            layout=layout,
            layouts=saved,
        )
        refusal = upload.commit_refusal(preview, args.clean_rows_only, args.confirm_jumps)
        upload.check_as(store, user, preview, origin="cli")  # exit 3 before anything is written
        kept = _keep_layout(store, user, args, preview.result, layout)
        batch_id = None
        if refusal is None and not args.dry_run:
            batch_id = upload.commit_as(
                store,
                user,
                preview,
                clean_rows_only=args.clean_rows_only,
                origin="cli",
                confirm_jumps=args.confirm_jumps,
            )
    _report_import(args, path, preview, refusal, batch_id, (layout, kept))
    return EXIT_USAGE if refusal is not None else EXIT_OK


def _jump_records(preview) -> list[dict]:
    """The flagged values, largest jump first: item, area, period, old value, value, usual."""
    columns = ["item_code", "area_code", "period", "old_value", "value", "hist_median"]
    jumps = preview.jumps()
    return jumps[[c for c in columns if c in jumps]].to_dict("records")


def _was_read(result) -> bool:
    from lib.services import layouts

    return layouts.was_read(result)


def _header_line(columns: list[dict], lang: str) -> str:
    """The headers of the likeliest header row with their roles ('?' unknown) and what to do."""
    shown = ", ".join(f"{c.get('label')!s}={c.get('role') or '?'}" for c in columns)
    if lang == "en":
        return f'headers: {shown}; give each unknown one a role with --column "HEADER=ROLE"'
    return f'หัวคอลัมน์: {shown}; ระบุบทบาทของหัวที่ไม่รู้จักด้วย --column "หัวคอลัมน์=บทบาท"'


def _report_import(args, path: Path, preview, refusal, batch_id, layouts) -> None:
    """The import's summary on stdout (JSON or one line); jumps, then problems, on stderr."""
    forced, kept = layouts
    result = preview.result
    used = result.layout_name or ((forced.name or "--column") if forced is not None else None)
    summary = {
        "jumps": _jump_records(preview),
        "file": path.name,
        "form": result.form,
        "encoding": result.encoding,
        "layout": used,
        "layout_saved": kept,
        "sheets_read": list(result.sheets_read),
        **preview.counts,
        "problems": len(result.errors),
        "warnings": len(result.warnings),
        "blank_rows": result.blank_rows,
        "set_aside": result.set_aside,
        "earlier_batches_same_file": preview.earlier_batches,
        "dry_run": args.dry_run,
        "committed": batch_id is not None,
        "batch_id": batch_id,
        "refusal": None if refusal is None else refusal.message(args.lang),
        "columns": list(result.columns),
    }
    if args.format == "json":
        summary["problem_list"] = result.problems_frame(args.lang).to_dict("records")
        print_json(summary)
        return
    _print_jumps(summary["jumps"], args.lang)
    for line in _problem_lines(result.problems, args.lang):
        print(line, file=sys.stderr)
    if refusal is not None:
        print(refusal.message(args.lang), file=sys.stderr)
    if not _was_read(result) and result.columns:
        print(_header_line(result.columns, args.lang), file=sys.stderr)
    if used:
        print(f"layout: {used}" + (f"; saved as {kept}" if kept else ""), file=sys.stderr)
    elif kept:
        print(f"layout saved as {kept}", file=sys.stderr)
    if refusal is not None:
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
        user = user_for(store, args.user, "undo", f"batch {args.batch_id}")
        result = upload.undo_as(store, user, args.batch_id, origin="cli")
    if args.format == "json":
        print_json(result)
    else:
        print(
            f"batch {result['batch_id']} undone by batch {result['undo_batch']}: "
            f"{result['restored']} values restored, {result['removed']} removed"
        )
    return EXIT_OK


def cmd_submitted(args) -> int:
    """Submitted values the account may verify (item, area, period in BE, old value, jump)."""
    from lib.services import upload

    with open_store(args) as store:
        user = user_for(store, args.user, "verify", "submitted values")
        frame = upload.submitted_values(store, user, args.batch, args.item, args.area)
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_verify(args) -> int:
    """Verify (or with --reject, reject) a batch's submitted values, or only an item's or an
    area's of it; the others stay submitted."""
    from lib.services import upload

    status = "rejected" if args.reject else "verified"
    with open_store(args) as store:
        user = user_for(store, args.user, "verify", f"batch {args.batch_id}")
        n, batch_id = upload.verify_values_as(
            store, user, args.batch_id, status, args.item, args.area, origin="cli"
        )
    if args.format == "json":
        print_json({"batch_id": args.batch_id, "status": status, "values": n, "by": batch_id})
        return EXIT_OK
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


def _add_layout_options(p) -> None:
    """import's options of how a file is read: --column, --layout, --sheet, the period rule."""
    from lib.ingest.layout import PERIOD_RULES, ROLES

    p.add_argument(
        "--column",
        action="append",
        metavar="HEADER=ROLE",
        help="the role of a column (repeatable): ROLE is one of "
        f"{', '.join(ROLES)} or item:CODE (a value column of that item)",
    )
    p.add_argument(
        "--layout",
        metavar="NAME",
        help="read the file with this saved layout of the agency (default: the first saved "
        "layout whose header the file holds); --column/--sheet options override it",
    )
    p.add_argument(
        "--save-layout",
        metavar="NAME",
        help="save how the file was read (column roles, sheets, period rule) for the agency",
    )
    p.add_argument("--sheet", action="append", metavar="NAME", help="read this sheet (repeatable)")
    p.add_argument("--all-sheets", action="store_true", help="read every sheet of the workbook")
    rule = p.add_mutually_exclusive_group()
    rule.add_argument(
        "--period-from-sheet",
        dest="period_rule",
        action="store_const",
        const="sheet",
        help="each sheet is one period, given by its name (same as --period-rule sheet)",
    )
    rule.add_argument(
        "--period-rule",
        choices=[r for r in PERIOD_RULES if r],
        default="",
        help="where the period comes from when no column gives it: the sheet's name, "
        "a title row, or DOPA YYMM codes",
    )


def _add_import(sub) -> None:
    """The import subcommand and its options."""
    p = sub.add_parser(
        "import",
        help="validate a file (CSV, XLSX, XLS, ODS) and commit it as one batch",
        description="นำเข้าไฟล์ตามที่หน่วยงานเผยแพร่ (import an agency's file as it comes). "
        "Exit 0 done; 2 bad input or rejected (problems, unconfirmed jumps, unknown layout, "
        "malformed --column); 3 refused (the account may not write it; audited).",
    )
    p.add_argument("file", help="CSV, XLSX, XLS or ODS file (long form, wide, or any layout)")
    p.add_argument("--user", required=True, help="account the values are submitted by")
    p.add_argument("--item", help="item code of a wide file with periods across")
    p.add_argument("--period", help="period of a wide file with items across (e.g. 2568-03)")
    _add_layout_options(p)
    p.add_argument("--dry-run", action="store_true", help="validate and preview only")
    p.add_argument(
        "--clean-rows-only",
        action="store_true",
        help="commit the rows without problems even when other rows have some",
    )
    p.add_argument(
        "--confirm-jumps",
        action="store_true",
        help="commit values that jump far outside their own history (listed first; "
        "without this option such a file is rejected)",
    )
    p.add_argument(
        "--confirm-old-years",
        action="store_true",
        help="read periods before 2500 BE (EIS_CONFIRM_YEARS_BEFORE) instead of rejecting them",
    )
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language of problems")
    add_common(p)
    p.set_defaults(func=cmd_import, period_rule="")


def add_parsers(sub) -> None:
    """Subcommands import, batches, undo, submitted, verify and export."""
    _add_import(sub)

    p = sub.add_parser("batches", help="upload batches, newest first")
    p.add_argument("--agency", help="only this agency's batches")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="undo a batch (previous values come back)")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="account doing the undo")
    add_common(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser(
        "submitted", help="submitted values the account may verify (old value, jump flag)"
    )
    p.add_argument("--user", required=True, help="verifier of the owner agency")
    p.add_argument("--batch", type=int, metavar="BATCH_ID", help="only this batch's values")
    p.add_argument("--item", help="only this item code")
    p.add_argument("--area", help="only this area (DOPA code)")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_submitted)

    p = sub.add_parser(
        "verify",
        help="verify (or --reject) a batch's submitted values, or only an item's or area's",
    )
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", required=True, help="verifier of the owner agency")
    p.add_argument("--item", help="only this item's values (the others stay submitted)")
    p.add_argument("--area", help="only this area's values (DOPA code; the others stay submitted)")
    p.add_argument("--reject", action="store_true", help="reject instead of verify")
    add_common(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("export", help="current values (item, area, period, value, status, batch)")
    p.add_argument("--item", help="only this item code")
    p.add_argument("--area", help="only this area (DOPA code)")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_export)

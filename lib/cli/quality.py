"""Commands of data quality: `quality list` (the follow-up list) and `quality check` (a mark).

`python -m lib quality list [--item CODE] [--area CODE] [--as-of DATE] [--all] [--json]`
lists flagged values not yet checked (--all: the checked ones too);
`python -m lib quality check --item CODE --area CODE --period P --flag FLAG --note TEXT
--user U` marks one flag of a value as checked. Exit codes: 0 done; 2 bad input (no
such item, area, value or flag, a note not of 1..500 characters); 3 refused (not the
owner agency's verifier nor an administrator; audited).
"""

from __future__ import annotations

from lib.cli.common import EXIT_OK, add_common, iso_date, open_store, print_frame, print_json
from lib.cli.data import bad_input, user_for
from lib.core.i18n import pick_column

LIST_COLUMNS = ["item_code", "area_code", "period", "value", "flag", "score_or_detail"]


def cmd_list(args) -> int:
    """Flagged values (unchecked; --all: checked too), with why each is flagged."""
    from lib.services import quality

    with open_store(args) as store, bad_input(args.lang):
        frame = quality.flags(
            store, args.item, args.area, as_of=args.as_of, include_checked=args.all
        )
    detail = pick_column("detail", args.lang)
    shown = frame[[*LIST_COLUMNS, detail, "checked", "checked_by", "checked_at", "note"]]
    print_frame(shown.rename(columns={detail: "detail"}), args.format)
    return EXIT_OK


def cmd_check(args) -> int:
    """Mark one flag of a value as checked, with a note (the owner agency's verifier)."""
    from lib.services import quality

    with open_store(args) as store:
        target = f"{args.item} {args.area} {args.period} {args.flag}"
        user = user_for(store, args.user, "quality_checked", target)
        with bad_input(args.lang):
            mark = quality.mark_checked(
                store, user, args.item, args.area, args.period, args.flag, args.note, "cli"
            )
    if args.format == "json":
        print_json(mark)
    else:
        print(
            f"checked: {mark['item_code']} {mark['area_code']} {mark['period']} "
            f"{mark['flag']} (value {mark['value']:g}) by {mark['checked_by']}"
        )
    return EXIT_OK


def add_parsers(sub) -> None:
    """The `quality` command and its subcommands list and check."""
    p = sub.add_parser("quality", help="data quality: flagged values and their follow-up")
    inner = p.add_subparsers(dest="quality_command", required=True, metavar="SUBCOMMAND")

    q = inner.add_parser("list", help="flagged values not yet checked (--all: checked too)")
    q.add_argument("--item", help="only this item code")
    q.add_argument("--area", help="only this area (DOPA code)")
    q.add_argument("--as-of", type=iso_date, help="as known at the end of this day (YYYY-MM-DD)")
    q.add_argument("--all", action="store_true", help="include the flags already checked")
    q.add_argument("--lang", choices=("th", "en"), default="th", help="language of the details")
    add_common(q, formats=("csv", "json"))
    q.set_defaults(func=cmd_list)

    c = inner.add_parser("check", help="mark a flagged value as checked, with a note")
    c.add_argument("--item", required=True, help="item code")
    c.add_argument("--area", required=True, help="area (DOPA code)")
    c.add_argument("--period", required=True, help="period, e.g. 2568, 2025-03, มี.ค. 2568")
    c.add_argument("--flag", required=True, help="outlier_history, outlier_peers or rule:CODE")
    c.add_argument("--note", required=True, help="what was checked (1-500 characters)")
    c.add_argument("--user", required=True, help="verifier of the owner agency, or an admin")
    c.add_argument("--lang", choices=("th", "en"), default="th", help="language of messages")
    add_common(c)
    c.set_defaults(func=cmd_check)

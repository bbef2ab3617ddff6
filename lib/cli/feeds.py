"""Command feeds: the administrator's integration feeds and their runs.

`python -m lib feeds add NAME --agency CODE (--inbox DIR | --url URL) --layout NAME
--account USER [--every MINUTES] --user ADMIN` defines a feed; `feeds list` shows
each with its health; `feeds run [--due | --id N]` runs feeds once now (what the
app's worker does every minute; for cron when the app is not running);
`feeds runs [--id N]` lists the recorded runs; `feeds remove ID --user ADMIN`
stops one. Exit codes: 0 done (every run committed or had nothing new); 1 failed
(a source could not be read); 2 bad input (a rejected file, a bad definition);
3 refused (not an administrator, or the feed's account may not write the values).
"""

from __future__ import annotations

import argparse
import sys

from lib.cli.common import (
    EXIT_DENIED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    add_store_option,
    open_store,
    path_arg,
    print_frame,
)
from lib.cli.data import bad_input, user_for
from lib.core.i18n import pick

LISTED = [
    "id",
    "name",
    "agency_code",
    "kind",
    "source",
    "layout_name",
    "username",
    "every_minutes",
    "health",
    "failures",
    "last_run_at",
    "last_status",
    "last_error",
    "next_due_at",
]
RUN_COLUMNS = [
    "id",
    "feed_id",
    "started_at",
    "status",
    "file_name",
    "batch_id",
    "n_rows",
    "n_new",
    "n_changed",
    "n_rejected",
    "errors",
]
# The exit code of a round of runs: the worst status met decides.
_EXIT_OF = (("refused", EXIT_DENIED), ("rejected", EXIT_USAGE), ("error", EXIT_FAILED))


def cmd_add(args) -> int:
    """Define a feed (administrators only: exit 3 otherwise; 2 bad input)."""
    from lib.services import feeds

    kind, source = ("url", args.url) if args.url else ("inbox", str(args.inbox))
    with open_store(args) as store:
        user = user_for(store, args.user, "feed_added", args.name)
        with bad_input(args.lang):
            feed_id = feeds.add(
                store,
                user,
                name=args.name,
                agency_code=args.agency,
                kind=kind,
                source=source,
                layout_name=args.layout,
                username=args.account,
                every_minutes=args.every,
                origin="cli",
            )
    print(f"{pick(('เพิ่มการเชื่อมโยงข้อมูลแล้ว รหัส', 'feed added, id'), args.lang)} {feed_id}")
    return EXIT_OK


def cmd_list(args) -> int:
    """Every active feed with its health (CSV, or JSON)."""
    from lib.services import feeds

    with open_store(args) as store:
        frame = feeds.listed(store)
    print_frame(frame[LISTED], args.format)
    return EXIT_OK


def cmd_runs(args) -> int:
    """The newest recorded runs (CSV, or JSON)."""
    from lib.services import feeds

    with open_store(args) as store:
        frame = feeds.runs(store, args.id, args.limit)
    frame["errors"] = [" | ".join(e.get("en", "") for e in errs) for errs in frame["errors"]]
    print_frame(frame[RUN_COLUMNS], args.format)
    return EXIT_OK


def cmd_remove(args) -> int:
    """Stop a feed (administrators only: exit 3 otherwise)."""
    from lib.services import feeds

    with open_store(args) as store:
        user = user_for(store, args.user, "feed_removed", str(args.id))
        with bad_input(args.lang):
            feeds.remove(store, user, args.id, origin="cli")
    print(f"{pick(('หยุดการเชื่อมโยงข้อมูลแล้ว รหัส', 'feed removed, id'), args.lang)} {args.id}")
    return EXIT_OK


def _run_line(run: dict, lang: str) -> str:
    words = (
        ("แถว", "ใหม่", "เปลี่ยน", "ปฏิเสธ") if lang == "th" else ("rows", "new", "changed", "rejected")
    )
    counts = (run.get(k) or 0 for k in ("n_rows", "n_new", "n_changed", "n_rejected"))
    shown = ", ".join(f"{w} {n}" for w, n in zip(words, counts, strict=True))
    name = f" {run['file_name']}" if run.get("file_name") else ""
    return f"feed {run['feed_id']}{name}: {run['status']} ({shown})"


def cmd_run(args) -> int:
    """Run the due feeds (or one by --id, due or not) once; one line per run."""
    from lib.services import feeds

    with open_store(args) as store:
        if args.id is not None and not (store.feed(args.id) or {}).get("is_active"):
            words = (f"ไม่มีการเชื่อมโยงข้อมูลหมายเลข {args.id}", f"no feed {args.id}")
            raise CliError(pick(words, args.lang), EXIT_USAGE)
        done = feeds.run_due(store, feed_id=args.id)
    key = "th" if args.lang == "th" else "en"
    for run in done:
        print(_run_line(run, args.lang))
        for error in run.get("errors") or ():
            print(f"  {error.get(key)}", file=sys.stderr)
    statuses = {run["status"] for run in done}
    return next((code for status, code in _EXIT_OF if status in statuses), EXIT_OK)


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("th", "en"), default="th", help="ภาษาของข้อความ (language)")


def _add_add(sub) -> None:
    add = sub.add_parser(
        "add",
        help="เพิ่มการเชื่อมโยงข้อมูล (add a feed; administrators)",
        description="เพิ่มการเชื่อมโยงข้อมูลของหน่วยงาน (add an agency's feed). Exit 0 added; "
        "2 bad input (folder, URL, layout, account); 3 not an administrator.",
    )
    add.add_argument("name", help="ชื่อการเชื่อมโยง (the feed's name)")
    add.add_argument("--agency", required=True, help="รหัสหน่วยงาน (agency code)")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--inbox", type=path_arg, help="โฟลเดอร์รับไฟล์ (an inbox folder)")
    source.add_argument("--url", help="ที่อยู่ http(s) ของไฟล์ CSV, XLSX หรือ JSON (a URL)")
    add.add_argument("--layout", required=True, help="รูปแบบไฟล์ที่บันทึกไว้ (saved layout)")
    add.add_argument("--account", required=True, help="บัญชีที่ใช้บันทึก (the account it writes as)")
    add.add_argument("--every", type=int, default=60, help="ดึงทุกกี่นาที (minutes; default 60)")
    add.add_argument("--user", required=True, help="ผู้ดูแลระบบ (an administrator)")
    _add_lang(add)
    add_store_option(add)
    add.set_defaults(func=cmd_add)


def add_parsers(sub) -> None:
    p = sub.add_parser("feeds", help="การเชื่อมโยงข้อมูลของหน่วยงาน (integration feeds)")
    inner = p.add_subparsers(dest="feeds_command", required=True, metavar="SUBCOMMAND")
    _add_add(inner)
    listed = inner.add_parser("list", help="รายการการเชื่อมโยงและสถานะ (the feeds, health)")
    add_common(listed, formats=("csv", "json"))
    listed.set_defaults(func=cmd_list)
    run = inner.add_parser(
        "run",
        help="ดึงข้อมูลเดี๋ยวนี้ (run feeds once now)",
        description="ดึงข้อมูลที่ถึงกำหนด (run the due feeds, or one). Exit 0 done; 1 a source "
        "could not be read; 2 a file was rejected; 3 the account was refused.",
    )
    which = run.add_mutually_exclusive_group()
    which.add_argument("--due", action="store_true", help="ที่ถึงกำหนด (the due ones; default)")
    which.add_argument("--id", type=int, help="การเชื่อมโยงหมายเลขนี้ (this feed, due or not)")
    _add_lang(run)
    add_store_option(run)
    run.set_defaults(func=cmd_run)
    runs = inner.add_parser("runs", help="ประวัติการดึงข้อมูล (the recorded runs)")
    runs.add_argument("--id", type=int, help="ของการเชื่อมโยงนี้ (of this feed)")
    runs.add_argument("--limit", type=int, default=100, help="จำนวนล่าสุด (newest N)")
    add_common(runs, formats=("csv", "json"))
    runs.set_defaults(func=cmd_runs)
    remove = inner.add_parser("remove", help="หยุดการเชื่อมโยง (stop a feed; administrators)")
    remove.add_argument("id", type=int, help="รหัสการเชื่อมโยง (the feed's id)")
    remove.add_argument("--user", required=True, help="ผู้ดูแลระบบ (an administrator)")
    _add_lang(remove)
    add_store_option(remove)
    remove.set_defaults(func=cmd_remove)

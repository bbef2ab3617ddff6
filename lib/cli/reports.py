"""Command report: the official forms out of the store, sent now or on schedule, and narratives.

`python -m lib report KIND --area CODE --fiscal-year Y --round R [--kpi CODE] [--agency
CODE] --format pdf|xlsx --out FILE` writes one report (KIND: kpi-form, coverage, follow-up,
cockpit; lib.reports.build.render) atomically: a temporary file renamed into place, nothing
written on error. `report send KIND ... --to ADDRESS --user NAME` mails one now;
`report schedule add|list|remove` keeps the administrator's scheduled deliveries
(lib.reports.schedule); `report narrative set|show` the KPI owner's texts of the form
(lib.services.narratives). Exit codes: 0 done; 1 failed (rendering, writing, mail); 2 bad
input (unknown KPI, area, round, agency, format, address: the reason in --lang); 3 refused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from lib.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    add_store_option,
    iso_date,
    open_store,
    path_arg,
    print_frame,
    print_json,
)
from lib.cli.data import bad_input, user_for
from lib.core.i18n import message_of, pick
from lib.reports.build import FORMATS, KINDS, ROUNDS, ReportRequest


def request_of(args, kind: str | None = None) -> ReportRequest:
    """The report request the options describe (checked later by lib.reports.build)."""
    return ReportRequest(
        kind=kind or args.kind,
        area_code=args.area,
        fiscal_year=args.fiscal_year,
        round_months=args.round,
        kpi_code=args.kpi,
        agency_code=args.agency,
        fmt=args.report_format or _format_of(getattr(args, "out", None)),
        lang=args.lang,
        thai_digits=args.thai_digits,
        as_of=args.as_of,
    )


def _format_of(out: Path | None) -> str:
    """The format a file name implies (report.xlsx -> xlsx); pdf otherwise."""
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    return suffix if suffix in FORMATS else "pdf"


def write_atomically(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: a temporary file beside it, then a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _size_line(path: Path, report, lang: str) -> str:
    """'FILE: 2 pages, 48,213 bytes' (Thai by default; sheets for an XLSX)."""
    unit = ("หน้า", "pages") if report.file_name.endswith(".pdf") else ("แผ่นงาน", "sheets")
    size = f"{len(report.data):,} {pick(('ไบต์', 'bytes'), lang)}"
    return f"{path}: {report.parts} {pick(unit, lang)}, {size}"


def cmd_render(args) -> int:
    """Build one report and write it to --out (exit 2 for a request that cannot be made)."""
    from lib.reports import build

    folder = args.out.parent if str(args.out.parent) else Path(".")
    if not folder.is_dir():  # found before the work of rendering
        words = ("เขียนไฟล์ไม่ได้", "cannot write")
        missing = ("ไม่มีโฟลเดอร์", "no folder")
        raise CliError(f"{pick(words, args.lang)} {args.out}: {pick(missing, args.lang)} {folder}")
    with open_store(args) as store:
        with bad_input(args.lang):
            request = build.check(store, request_of(args))
        try:
            with bad_input(args.lang):  # a builder may find the request cannot be made
                report = build.render(store, request)
        except (CliError, KeyboardInterrupt):
            raise
        except Exception as exc:  # the renderer's fault: one line, exit 1, no file
            words = ("สร้างรายงานไม่สำเร็จ", "the report could not be made")
            raise CliError(f"{pick(words, args.lang)}: {message_of(exc, args.lang)}") from exc
    try:
        write_atomically(args.out, report.data)
    except OSError as exc:
        words = ("เขียนไฟล์ไม่ได้", "cannot write")
        raise CliError(f"{pick(words, args.lang)} {args.out}: {exc.strerror or exc}") from exc
    print(_size_line(args.out, report, args.lang))
    return EXIT_OK


def cmd_send(args) -> int:
    """Mail one report now to --to (exit 1 when the mail server refuses or cannot be reached)."""
    from lib.reports import schedule
    from lib.reports.mail import MailError

    with open_store(args) as store:
        user = user_for(store, args.user, "report_sent", f"{args.kind} {args.area}")
        with bad_input(args.lang):
            try:
                schedule.send_now(store, user, request_of(args), list(args.to), "cli")
            except MailError as exc:
                words = ("ส่งอีเมลไม่สำเร็จ", "the mail was not sent")
                raise CliError(f"{pick(words, args.lang)}: {message_of(exc, args.lang)}") from exc
    sent = ("ส่งแล้วถึง", "sent to")
    print(f"{pick(sent, args.lang)} {', '.join(args.to)}")
    return EXIT_OK


def cmd_schedule_add(args) -> int:
    """Add a scheduled delivery (administrators only: exit 3 otherwise)."""
    from lib.reports import schedule

    with open_store(args) as store:
        user = user_for(store, args.user, "report_scheduled", f"{args.kind} {args.area}")
        with bad_input(args.lang):
            schedule_id = schedule.add(
                store, user, request_of(args), list(args.to), args.every, origin="cli"
            )
    words = ("เพิ่มการส่งตามกำหนดแล้ว รหัส", "scheduled delivery added, id")
    print(f"{pick(words, args.lang)} {schedule_id}")
    return EXIT_OK


def cmd_schedule_list(args) -> int:
    """Every scheduled delivery and where it stands (CSV, or JSON)."""
    from lib.reports import schedule

    with open_store(args) as store:
        frame = schedule.listed(store)
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_schedule_remove(args) -> int:
    """Remove a scheduled delivery (administrators only: exit 3 otherwise)."""
    from lib.reports import schedule

    with open_store(args) as store:
        user = user_for(store, args.user, "report_unscheduled", str(args.id))
        with bad_input(args.lang):
            schedule.remove(store, user, args.id, origin="cli")
    words = ("ยกเลิกการส่งตามกำหนดแล้ว รหัส", "scheduled delivery removed, id")
    print(f"{pick(words, args.lang)} {args.id}")
    return EXIT_OK


def _form_key(store, args) -> ReportRequest:
    """The KPI, area, fiscal year and round of a narrative, checked as a KPI form's."""
    from lib.reports import build

    key = ReportRequest("kpi-form", args.area, args.fiscal_year, args.round, kpi_code=args.kpi)
    with bad_input(args.lang):
        return build.check(store, key)


def _narrative_text(args) -> str:
    """--text, or the UTF-8 text of --text-file (exit 2 when it cannot be read)."""
    if args.text is not None:
        return args.text
    try:
        return args.text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        words = ("อ่านไฟล์ข้อความไม่ได้", "cannot read the text file")
        raise CliError(f"{pick(words, args.lang)} {args.text_file}: {exc}", EXIT_USAGE) from exc


def cmd_narrative_set(args) -> int:
    """Save one narrative field of a KPI form (the KPI's owner agency or an administrator)."""
    from lib.services import narratives

    text = _narrative_text(args)
    with open_store(args) as store:
        key = _form_key(store, args)
        target = f"{key.kpi_code} {key.area_code} {key.fiscal_year}/{key.round_months} {args.field}"
        user = user_for(store, args.user, "narrative_saved", target)
        with bad_input(args.lang):
            written = narratives.save(
                store,
                user,
                key.fiscal_year,
                key.round_months,
                key.kpi_code,
                key.area_code,
                {args.field: text},
                origin="cli",
            )
    if written:
        print(f"{pick(('บันทึกแล้ว', 'saved'), args.lang)}: {target}")
    else:
        print(f"{pick(('ข้อความเดิม ไม่มีการเปลี่ยนแปลง', 'unchanged'), args.lang)}: {target}")
    return EXIT_OK


def _field_label(field: str, lang: str) -> str:
    """A narrative field's label in the language (its code when the service names none)."""
    from lib.services import narratives

    labels = narratives.FIELDS
    label = labels.get(field) if isinstance(labels, dict) else None
    return pick(label, lang) if label is not None else field


def cmd_narrative_show(args) -> int:
    """The narrative fields in force (--all: every version), with who wrote each and when."""
    from lib.services import narratives

    with open_store(args) as store:
        key = _form_key(store, args)
        where = (key.fiscal_year, key.round_months, key.kpi_code, key.area_code)
        if args.all:
            print_frame(narratives.history(store, *where), args.format)
            return EXIT_OK
        current = narratives.current(store, *where)
    if args.format == "json":
        fields = json.loads(json.dumps(current, default=str))
        print_json(
            {
                "kpi_code": key.kpi_code,
                "area_code": key.area_code,
                "fields": fields,
                "fiscal_year": key.fiscal_year,
                "round_months": key.round_months,
            }
        )
        return EXIT_OK
    if not current:
        none = ("ยังไม่มีคำบรรยายของตัวชี้วัดนี้ในรอบนี้", "no narrative for this KPI and round yet")
        print(pick(none, args.lang), file=sys.stderr)
    for field, entry in current.items():
        by = f"{entry.get('written_by')} {entry.get('written_at')}"
        print(f"[{_field_label(field, args.lang)}] ({by})\n{entry.get('text')}\n")
    return EXIT_OK


# -- the parser ------------------------------------------------------------------------------
def _round(text: str) -> int:
    """An argparse type: the round in months (checked against 6, 9, 12 by lib.reports.build)."""
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"รอบต้องเป็นจำนวนเดือน 6, 9 หรือ 12 (the round in months, 6, 9 or 12): {text!r}"
        ) from exc


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        choices=("th", "en"),
        default="th",
        help="ภาษาของรายงานและข้อความ (language; default th)",
    )


def _add_request(p: argparse.ArgumentParser) -> None:
    """The options of a report request (no --out, no KIND)."""
    p.add_argument(
        "--area", required=True, help="รหัสพื้นที่ (area: TH, a region, a cluster, a province)"
    )
    p.add_argument(
        "--fiscal-year", type=int, required=True, help="ปีงบประมาณ พ.ศ. (fiscal year, BE, e.g. 2569)"
    )
    p.add_argument(
        "--round", type=_round, required=True, help="รอบรายงาน 6, 9 หรือ 12 เดือน (round in months)"
    )
    p.add_argument("--kpi", help="รหัสตัวชี้วัด สำหรับ kpi-form (the KPI of a KPI form)")
    p.add_argument("--agency", help="เฉพาะหน่วยงานนี้ สำหรับ follow-up (only this agency)")
    p.add_argument(
        "--format",
        dest="report_format",
        metavar="pdf|xlsx",
        help="รูปแบบไฟล์ (file format: pdf or xlsx; default: by the --out file's suffix, else pdf)",
    )
    p.add_argument("--thai-digits", action="store_true", help="ใช้เลขไทย (Thai digits)")
    _add_lang(p)
    p.add_argument(
        "--as-of", type=iso_date, help="ตัวเลขตามที่รู้ ณ สิ้นวันนี้ (figures as known on YYYY-MM-DD)"
    )
    add_store_option(p)


def _add_user(p: argparse.ArgumentParser, who: str) -> None:
    p.add_argument("--user", required=True, help=who)


def _add_kinds(inner) -> None:
    """report KIND: one subcommand per kind of report, each writing --out."""
    helps = {
        "kpi-form": "แบบรายงานผลรายตัวชี้วัด (the per-indicator form; needs --kpi)",
        "coverage": "รายงานความครอบคลุมข้อมูล ตัวชี้วัด มท. 4.4 (data coverage, MOI KPI 4.4)",
        "follow-up": "รายการติดตามข้อมูลค้างส่งรายหน่วยงาน (follow-up list per agency)",
        "cockpit": "ห้องบัญชาการหนึ่งหน้า (the cockpit on one page)",
    }
    for kind in KINDS:
        p = inner.add_parser(kind, help=helps[kind], description=helps[kind])
        _add_request(p)
        p.add_argument("--out", type=path_arg, required=True, help="ไฟล์ที่จะเขียน (file to write)")
        p.set_defaults(func=cmd_render, kind=kind)


def _add_send(inner) -> None:
    p = inner.add_parser(
        "send",
        help="ส่งรายงานทางอีเมลทันที (mail one report now)",
        description="ส่งรายงานทางอีเมลผ่านเซิร์ฟเวอร์ SMTP ของจังหวัด (mail one report now through "
        "the province's SMTP server, EIS_SMTP_*). Exit 0 sent; 1 mail failed; 2 bad input; "
        "3 refused.",
    )
    p.add_argument("kind", choices=KINDS, help="ชนิดรายงาน (report kind)")
    _add_request(p)
    p.add_argument("--to", action="append", required=True, help="ผู้รับ (recipient; repeatable)")
    _add_user(p, "ผู้ส่ง (the account sending it)")
    p.set_defaults(func=cmd_send)


def _add_schedule(inner) -> None:
    p = inner.add_parser("schedule", help="การส่งรายงานตามกำหนด (scheduled deliveries)")
    sched = p.add_subparsers(dest="schedule_command", required=True, metavar="SUBCOMMAND")
    add = sched.add_parser(
        "add",
        help="เพิ่มการส่งตามกำหนด (add a scheduled delivery; administrators)",
        description="เพิ่มการส่งรายงานตามกำหนด (add a scheduled delivery). Exit 0 added; 2 bad "
        "input (address, frequency, request); 3 not an administrator.",
    )
    add.add_argument("kind", choices=KINDS, help="ชนิดรายงาน (report kind)")
    _add_request(add)
    add.add_argument("--to", action="append", required=True, help="ผู้รับ (recipient; repeatable)")
    add.add_argument(
        "--every", required=True, help="ความถี่ (weekly, monthly or round_close: at round close)"
    )
    _add_user(add, "ผู้ดูแลระบบ (an administrator)")
    add.set_defaults(func=cmd_schedule_add)

    listed = sched.add_parser("list", help="รายการการส่งตามกำหนด (the scheduled deliveries)")
    add_common(listed, formats=("csv", "json"))  # --db, --format, --json as every listing
    listed.set_defaults(func=cmd_schedule_list)

    remove = sched.add_parser("remove", help="ยกเลิกการส่งตามกำหนด (remove one; administrators)")
    remove.add_argument("id", type=int, help="รหัสการส่งตามกำหนด (the schedule's id)")
    _add_user(remove, "ผู้ดูแลระบบ (an administrator)")
    _add_lang(remove)
    add_store_option(remove)
    remove.set_defaults(func=cmd_schedule_remove)


def _add_form_key(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kpi", required=True, help="รหัสตัวชี้วัด (KPI code)")
    p.add_argument("--area", required=True, help="รหัสพื้นที่ (area code)")
    p.add_argument(
        "--fiscal-year", type=int, required=True, help="ปีงบประมาณ พ.ศ. (fiscal year, BE)"
    )
    p.add_argument("--round", type=_round, required=True, help="รอบ 6, 9 หรือ 12 เดือน (round)")
    _add_lang(p)
    add_store_option(p)


def _add_narrative(inner) -> None:
    p = inner.add_parser("narrative", help="คำบรรยายในแบบรายงานรายตัวชี้วัด (a KPI form's texts)")
    narr = p.add_subparsers(dest="narrative_command", required=True, metavar="SUBCOMMAND")
    put = narr.add_parser(
        "set",
        help="บันทึกคำบรรยายหนึ่งช่อง (save one field; the KPI's owner agency)",
        description="บันทึกคำบรรยายหนึ่งช่องของแบบรายงาน (save one narrative field of a KPI "
        "form; every version kept). Exit 0 saved; 2 bad input; 3 not the KPI's owner agency.",
    )
    _add_form_key(put)
    put.add_argument(
        "--field",
        required=True,
        help="ช่อง (field: work_done, supporting, obstacles, suggestions, evidence)",
    )
    text = put.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="ข้อความ (the text)")
    text.add_argument("--text-file", type=path_arg, help="ไฟล์ข้อความ UTF-8 (a UTF-8 text file)")
    _add_user(put, "ผู้เขียน (the account writing it)")
    put.set_defaults(func=cmd_narrative_set)

    show = narr.add_parser("show", help="คำบรรยายที่ใช้อยู่ (the texts in force, who and when)")
    _add_form_key(show)
    show.add_argument("--all", action="store_true", help="ทุกรุ่น (every version)")
    show.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    show.add_argument("--json", dest="format", action="store_const", const="json")
    show.set_defaults(func=cmd_narrative_show)


def add_parsers(sub) -> None:
    """The `report` command: KIND (write a file), send, schedule, narrative."""
    p = sub.add_parser(
        "report",
        help="รายงานทางการ PDF/XLSX ส่งทางอีเมล (official reports as PDF or XLSX, mailed)",
        description="รายงานทางการจากฐานข้อมูล (official reports out of the store: "
        f"{', '.join(KINDS)}; rounds {', '.join(map(str, ROUNDS))} months). Exit 0 done; "
        "1 failed; 2 bad input (unknown KPI, area, round, agency, format); 3 refused.",
    )
    inner = p.add_subparsers(dest="report_command", required=True, metavar="SUBCOMMAND")
    _add_kinds(inner)
    _add_send(inner)
    _add_schedule(inner)
    _add_narrative(inner)

"""Command template: write an upload template (แบบฟอร์มนำเข้าข้อมูล) for items and periods.

`python -m lib template --form long|wide_periods|wide_items [--item CODE ...]
[--agency CODE] [--from P] [--to P] [--province CODE] [--order name|code]
[--lang th|en] [--as-of YYYY-MM-DD] --out FILE.xlsx|.csv`: the rules are
lib.ingest.templates'; exit 2 with the reason in Thai (English with --lang en)
for an unknown item, an unreadable period or a range that cannot be.
"""

from __future__ import annotations

from lib.cli.common import EXIT_OK, EXIT_USAGE, CliError, add_common, iso_date, open_store, path_arg
from lib.core.i18n import message_of
from lib.ingest.forms import FORMS
from lib.ingest.templates import ORDERS

OUT_SUFFIXES = (".xlsx", ".csv")


def template_bytes(catalogue, areas, args) -> tuple[bytes, int]:
    """(file bytes, data rows) of the template args ask for; CliError (exit 2) when it cannot be."""
    from lib.core import settings
    from lib.ingest import templates

    suffix = args.out.suffix.lower()
    if suffix not in OUT_SUFFIXES:
        raise CliError(
            f"เขียนได้เฉพาะไฟล์ .xlsx หรือ .csv ไม่ใช่ {args.out.name}"
            f" (write a .xlsx or .csv file, not {args.out.name})",
            EXIT_USAGE,
        )
    try:
        frame = templates.template_frame(
            catalogue,
            areas,
            form=args.form,
            items=args.item or None,
            agency=args.agency,
            period=args.period,
            period_from=args.period_from,
            period_to=args.period_to,
            as_of=args.as_of or settings.today(),
            province=args.province,
            lang=args.lang,
            order=args.order,
        )
    except ValueError as exc:  # InputError: the reason in the chosen language
        raise CliError(message_of(exc, args.lang), EXIT_USAGE) from exc
    write = templates.to_xlsx_bytes if suffix == ".xlsx" else templates.to_csv_bytes
    return write(frame), len(frame)


def cmd_template(args) -> int:
    """Write the template file and say how many rows it has."""
    with open_store(args) as store:
        catalogue, areas = store.catalog(), store.areas()
    data, rows = template_bytes(catalogue, areas, args)
    args.out.write_bytes(data)
    print(f"{args.out}: {rows:,} แถว (rows), {len(data):,} bytes")
    return EXIT_OK


def add_arguments(p) -> None:
    """The template command's options (without --db/--format, which add_common gives)."""
    p.add_argument("--form", choices=FORMS, required=True, help="shape of the template")
    p.add_argument(
        "--item", action="append", metavar="CODE", help="an item (repeatable); default: --agency's"
    )
    p.add_argument("--agency", help="every item this agency owns (when no --item)")
    p.add_argument("--period", help="one period only, e.g. 2568-03 or 'มี.ค. 2568'")
    p.add_argument("--from", dest="period_from", metavar="P", help="first period of a range")
    p.add_argument("--to", dest="period_to", metavar="P", help="last period of a range")
    p.add_argument("--province", metavar="CODE", help="one province (its districts)")
    p.add_argument("--order", choices=ORDERS, default="name", help="rows by area name or code")
    p.add_argument("--lang", choices=("th", "en"), default="th", help="headers and periods")
    p.add_argument("--as-of", type=iso_date, help="the day the template is for (default: today)")
    p.add_argument("--out", type=path_arg, required=True, help="file to write (.xlsx or .csv)")


def add_parsers(sub) -> None:
    """Subcommand template."""
    p = sub.add_parser("template", help="write an upload template for items and a period range")
    add_arguments(p)
    add_common(p)
    p.set_defaults(func=cmd_template)

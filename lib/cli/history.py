"""Command history: every version of one value (item, area, period), oldest first.

`python -m lib history --item FIN01 --area 21 --period "ก.ค. 2569"` prints each
version with its value, status, batch and file, who sent and verified it and
when, when it was in force, what replaced it and whether its batch was undone
(lib.services.provenance.versions). Exit 2 for an unknown item or area or a
period the item's frequency cannot read (the reason in --lang).
"""

from __future__ import annotations

import json
import sys

from lib.cli.common import EXIT_OK, add_common, open_store, print_frame, print_json
from lib.cli.data import bad_input


def cmd_history(args) -> int:
    """Print every version of one cell (CSV, or with --json the cell and its versions)."""
    from lib.services import provenance

    with open_store(args) as store:
        with bad_input(args.lang):
            item, area, period = provenance.cell_key(store, args.item, args.area, args.period)
            frame = provenance.versions(store, args.item, args.area, args.period)
    if args.format == "json":
        versions = json.loads(frame.to_json(orient="records", date_format="iso"))
        print_json({"item_code": item, "area_code": area, "period": period, "versions": versions})
        return EXIT_OK
    if frame.empty:
        none = ("ช่องนี้ยังไม่เคยมีค่า", "this cell has never held a value")
        print(f"{item} {area} {period}: {none[args.lang == 'en']}", file=sys.stderr)
    print_frame(frame, "csv")
    return EXIT_OK


def add_parsers(sub) -> None:
    """Subcommand history."""
    p = sub.add_parser(
        "history",
        help="every version of one value: batch, file, who sent and verified it, undo chain",
        description="ที่มาของค่า: ทุกรุ่นของค่าหนึ่งช่อง (รายการ พื้นที่ งวด) เรียงจากเก่าไปใหม่ "
        "(provenance of a value: every version of one cell, oldest first, with its batch, "
        "file, sender, verifier, when it was in force, what replaced it and whether its batch "
        "was undone). Exit 0 done (also for a cell that never held a value: header only); "
        "1 no store; 2 unknown item or area, or a period the item's frequency cannot read.",
    )
    p.add_argument("--item", required=True, help="รหัสรายการข้อมูล (item code, e.g. FIN01)")
    p.add_argument("--area", required=True, help="รหัสพื้นที่ของกรมการปกครอง (DOPA area code, e.g. 21)")
    p.add_argument(
        "--period",
        required=True,
        help="งวดข้อมูล เขียนแบบที่ไฟล์นำเข้าอ่านได้ (period as an upload reads it, Buddhist or "
        "Christian era: 'ก.ค. 2569', 2569-07, 2026-07, 'ไตรมาส 1/2569', 'ปีงบ 2569')",
    )
    p.add_argument(
        "--lang",
        choices=("th", "en"),
        default="th",
        help="ภาษาของข้อความ (language of messages; default th)",
    )
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_history)

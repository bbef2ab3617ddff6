"""Commands of the saved layouts: list, rename, delete (exit 3: another agency's, audited).

A layout is saved by `import FILE --save-layout NAME`; the agency's staff and
verifiers manage their agency's layouts, an administrator every agency's.
"""

from __future__ import annotations

from lib.cli.common import EXIT_OK, add_common, open_store, print_frame, print_json
from lib.cli.data import bad_input, user_for


def cmd_layouts_list(args) -> int:
    """Saved layouts: the account's agency's (an administrator: all, or --agency's)."""
    from lib.services import layouts

    with open_store(args) as store:
        user = user_for(store, args.user, "manage_layouts", "layouts")
        frame = layouts.listed(store, user, args.agency, origin="cli")
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_layouts_rename(args) -> int:
    """Give a saved layout a new name (exit 2: none of that name, or the new one is taken)."""
    from lib.services import layouts

    with open_store(args) as store:
        user = user_for(store, args.user, "manage_layouts", f"layout {args.name}")
        with bad_input(args.lang):
            new = layouts.rename(store, user, args.name, args.new_name, args.agency, origin="cli")
    if args.format == "json":
        print_json({"renamed": args.name, "to": new, "agency": args.agency})
    else:
        print(f"layout {args.name!r} renamed to {new!r}")
    return EXIT_OK


def cmd_layouts_delete(args) -> int:
    """Delete a saved layout (exit 2: none of that name)."""
    from lib.services import layouts

    with open_store(args) as store:
        user = user_for(store, args.user, "manage_layouts", f"layout {args.name}")
        with bad_input(args.lang):
            layouts.delete(store, user, args.name, args.agency, origin="cli")
    if args.format == "json":
        print_json({"deleted": args.name, "agency": args.agency})
    else:
        print(f"layout {args.name!r} deleted")
    return EXIT_OK


def _common(p, formats=("text", "json")) -> None:
    p.add_argument("--user", required=True, help="the agency's staff or verifier, or an admin")
    p.add_argument(
        "--agency",
        help="another agency's layouts (administrators only; '' = the administrators' own)",
    )
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language of messages")
    add_common(p, formats=formats)


def add_parsers(sub) -> None:
    """Subcommand layouts with list, rename and delete."""
    group = sub.add_parser(
        "layouts",
        help="saved layouts of the agency's files: list, rename, delete",
        description="รูปแบบไฟล์ที่บันทึกไว้ของหน่วยงาน (saved layouts; save one with "
        "`import FILE --save-layout NAME`). Exit 0 done; 2 no such layout or the name is "
        "taken or invalid; 3 another agency's layout (audited).",
    )
    lsub = group.add_subparsers(dest="layouts_command", required=True, metavar="LAYOUTS_COMMAND")

    p = lsub.add_parser("list", help="saved layouts: name, columns, sheets, period rule")
    _common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_layouts_list)

    p = lsub.add_parser("rename", help="give a saved layout a new name")
    p.add_argument("name", metavar="NAME")
    p.add_argument("new_name", metavar="NEW")
    _common(p)
    p.set_defaults(func=cmd_layouts_rename)

    p = lsub.add_parser("delete", help="delete a saved layout")
    p.add_argument("name", metavar="NAME")
    _common(p)
    p.set_defaults(func=cmd_layouts_delete)

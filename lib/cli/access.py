"""Commands of access and safety: users (add, list, disable, passwd, can), backup, restore.

The person at the server's command line acts as an administrator (file access
is already full access); import/undo take --user and are checked per item.
Exit codes here: 2 for a bad value (role, agency, area, name, password), 1 for
a state that refuses (user exists or missing, store busy, damaged backup),
3 when the acting user may not do it (PermissionDenied).
"""

from __future__ import annotations

import sys

from lib.cli.common import (
    EXIT_DENIED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_common,
    open_store,
    path_arg,
    print_frame,
    print_json,
)
from lib.services import auth
from lib.store import Store, StoreError


def _password_from_stdin(args) -> str:
    if not args.password_stdin:
        raise CliError("give the password on standard input with --password-stdin", EXIT_USAGE)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password on standard input", EXIT_USAGE)
    return password


def cmd_users_add(args) -> int:
    """Create an account; the password is read from stdin and stored as an argon2 hash."""
    password = _password_from_stdin(args)
    with open_store(args) as store:
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

    with open_store(args) as store:
        frame = auth.users_frame(store)
    print_frame(neutralise_frame(frame) if args.format == "csv" else frame, args.format)
    return EXIT_OK


def cmd_users_disable(args) -> int:
    """Disable an account (kept, never deleted, for the audit trail)."""
    with open_store(args) as store:
        auth.disable_user(store, args.name, actor=auth.cli_operator(), origin="cli")
    print(f"user {args.name.strip().lower()} disabled")
    return EXIT_OK


def cmd_users_passwd(args) -> int:
    """Set a new password read from stdin (also clears a lock-out)."""
    password = _password_from_stdin(args)
    with open_store(args) as store:
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
    with open_store(args) as store:
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


def _backup_through_the_app(args, operator) -> dict:
    """Ask the app's worker, which holds the store, for the backup and wait for its result."""
    from lib.services import backup

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
    return result


def cmd_backup(args) -> int:
    """Export the store to DIR/eis-backup-<time>/ (via the app's worker when the app holds it)."""
    from lib.services import backup

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
            result = _backup_through_the_app(args, operator)
    except (backup.BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        if store is not None:
            store.close()
    if args.format == "json":
        print_json(result)
    else:
        removed = f"; removed {len(result['removed'])} old" if result["removed"] else ""
        print(f"backup written: {result['path']} ({result['rows']:,} rows){removed}")
    return EXIT_OK


def cmd_restore(args) -> int:
    """Rebuild the store at --db from one backup folder (the app must be stopped)."""
    from lib.services import backup

    operator = auth.cli_operator()
    auth.require(operator, "backup")
    try:
        result = backup.restore_backup(
            args.dir, args.db, force=args.force, actor=operator.username, origin="cli"
        ).as_dict()
    except (backup.BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    if args.format == "json":
        print_json(result)
    else:
        kept = f"; previous store kept as {result['previous']}" if result["previous"] else ""
        print(f"store {result['target']} restored ({result['rows']:,} rows){kept}")
    return EXIT_OK


def _users_parsers(sub) -> None:
    users = sub.add_parser("users", help="accounts: add, list, disable, passwd")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="USERS_COMMAND")

    p = usub.add_parser("add", help="create an account (password from stdin)")
    add_common(p)
    p.add_argument("name", help="user name (lower case)")
    p.add_argument("--role", required=True, help="public, staff, verifier, executive or admin")
    p.add_argument("--agency", help="agency code, as owner_agency in `catalog --json`")
    p.add_argument("--area", help="DOPA province/district code, cluster or region code")
    p.add_argument("--display-name", help="name shown in the app")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_users_add)

    p = usub.add_parser("list", help="accounts, without password hashes")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_users_list)

    p = usub.add_parser("disable", help="disable an account")
    add_common(p)
    p.add_argument("name")
    p.set_defaults(func=cmd_users_disable)

    p = usub.add_parser("passwd", help="set a new password (from stdin); clears a lock-out")
    add_common(p)
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_users_passwd)

    p = usub.add_parser("can", help="may this account do ACTION? (exit 0 yes, 3 no)")
    add_common(p)
    p.add_argument("name")
    p.add_argument("action", help="read_published, read_unpublished, upload, verify, undo, ...")
    p.add_argument("--item", help="item code (upload, verify, read)")
    p.add_argument("--batch", type=int, help="upload batch id (undo)")
    p.add_argument("--area", action="append", help="area code touched (repeatable)")
    p.set_defaults(func=cmd_users_can)


def add_parsers(sub) -> None:
    """Subcommands users, backup and restore."""
    _users_parsers(sub)
    p = sub.add_parser("backup", help="write a Parquet backup into DIR (works while the app runs)")
    add_common(p)
    p.add_argument("dir", type=path_arg, help="folder that holds the backups")
    p.add_argument("--keep", type=int, help="keep only the newest N backups in DIR")
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the app when it holds the store (default: %(default)s)",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="rebuild the store from one backup folder (app stopped)")
    add_common(p)
    p.add_argument("dir", type=path_arg, help="one backup folder (eis-backup-YYYYmmdd-HHMMSS)")
    p.add_argument("--force", action="store_true", help="replace an existing store (kept as .bak)")
    p.set_defaults(func=cmd_restore)

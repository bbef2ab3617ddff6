"""Commands of access and safety: users, displays (wall-screen links), backup, restore.

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
from lib.store.server import is_server


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
    with open_store(args) as store:
        frame = auth.users_frame(store)
    print_frame(frame, args.format)
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


def _admin(store, username: str, target: str):
    """The active account acting (--user); refused (exit 3, audited) unless it may manage users."""
    user = auth.load_user(store, (username or "").strip().lower())
    if user is None:
        auth.audit_denied(store, None, "manage_users", target, "cli", reason=f"no user {username}")
        raise CliError(f"no active account {username!r}", EXIT_DENIED)
    if not auth.can(user, "manage_users"):
        auth.audit_denied(store, user, "manage_users", target, "cli", reason="not an admin")
    auth.require(user, "manage_users")
    return user


def cmd_displays_add(args) -> int:
    """Create a display link for named cockpit scopes; its token is printed this once."""
    from lib.services.auth import displays

    with open_store(args) as store:
        actor = _admin(store, args.user, "display link")
        try:
            link_id, token = displays.create(
                store, args.scope, actor=actor, origin="cli", label=args.label
            )
        except auth.UserInputError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
        scopes = store.display_link(link_id)["scopes"]
    path = f"/cockpit?display={token}&wall=1&cycle={scopes}"
    if args.format == "json":
        print_json({"id": link_id, "scopes": scopes.split(","), "token": token, "path": path})
    else:
        print(f"display link {link_id} for {scopes} (the token is shown this once only):")
        print(path)
    return EXIT_OK


def cmd_displays_list(args) -> int:
    """Every display link with who made it, when, last use and revocation (never tokens)."""
    from lib.services.auth import displays

    with open_store(args) as store:
        frame = displays.links_frame(store)
    print_frame(frame, args.format)
    return EXIT_OK


def cmd_displays_revoke(args) -> int:
    """Revoke a display link: a screen showing it stops at its next refresh."""
    from lib.services.auth import displays

    with open_store(args) as store:
        actor = _admin(store, args.user, f"display {args.id}")
        displays.revoke(store, args.id, actor=actor, origin="cli")
    print(f"display link {args.id} revoked")
    return EXIT_OK


def _displays_parsers(sub) -> None:
    displays = sub.add_parser("displays", help="display links for wall screens: add, list, revoke")
    dsub = displays.add_subparsers(
        dest="displays_command", required=True, metavar="DISPLAYS_COMMAND"
    )

    p = dsub.add_parser("add", help="a read-only cockpit link for named scopes (token shown once)")
    add_common(p)
    p.add_argument(
        "--scope",
        action="append",
        required=True,
        help="TH, region, cluster or province code (repeatable)",
    )
    p.add_argument("--label", help="name of the screen, e.g. its room")
    p.add_argument("--user", required=True, help="the administrator creating it")
    p.set_defaults(func=cmd_displays_add)

    p = dsub.add_parser("list", help="display links with creator, last use and revocation")
    add_common(p, formats=("csv", "json"))
    p.set_defaults(func=cmd_displays_list)

    p = dsub.add_parser("revoke", help="revoke a display link")
    add_common(p)
    p.add_argument("id", type=int, help="the link's number (see `displays list`)")
    p.add_argument("--user", required=True, help="the administrator revoking it")
    p.set_defaults(func=cmd_displays_revoke)


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
    if not is_server(args.db) and not args.db.exists():
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
            args.dir,
            args.db,
            force=args.force,
            force_unsigned=args.force_unsigned,
            actor=operator.username,
            origin="cli",
        ).as_dict()
    except backup.BackupRefused as exc:  # not signed with this server's key: exit 2
        raise CliError(str(exc), EXIT_USAGE) from exc
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
    """Subcommands users, displays, backup and restore."""
    _users_parsers(sub)
    _displays_parsers(sub)
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
    p.add_argument(
        "--force-unsigned",
        action="store_true",
        help="restore a backup whose signature is missing or wrong (you trust it)",
    )
    p.set_defaults(func=cmd_restore)

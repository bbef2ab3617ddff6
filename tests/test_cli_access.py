"""The command line of access and safety: users, the permission check, backup and restore."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.cli import main
from lib.services import auth
from lib.store import Store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
HOLDER = (
    "import sys\nfrom lib.store import Store\nstore = Store(sys.argv[1])\n"
    "print('ready', flush=True)\nsys.stdin.readline()\nstore.close()\n"
)


@pytest.fixture
def db(small_store_both, fast_hasher) -> Path | str:
    """A private copy of the small store, as a file and on the store server; cheap argon2
    parameters for speed."""
    return small_store_both


@pytest.fixture
def file_db(small_store_copy, fast_hasher) -> Path:
    """A private copy of the small store file (backups and restores of a file)."""
    return small_store_copy


def run(capsys, monkeypatch, *argv, stdin: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys, monkeypatch, db, name, role, *extra, password=PASSWORD):
    return run(
        capsys,
        monkeypatch,
        "users",
        "add",
        name,
        "--role",
        role,
        *extra,
        "--password-stdin",
        "--db",
        db,
        stdin=password + "\n",
    )


def test_users_add_list_disable_passwd(db, capsys, monkeypatch):
    code, out, err = add(capsys, monkeypatch, db, "Admin1", "admin")
    assert (code, err) == (0, "") and out.startswith("user admin1 added: role admin")
    code, out, _ = add(
        capsys, monkeypatch, db, "pso-chon", "staff", "--agency", "PSO", "--area", "20",
        "--display-name", "=HYPERLINK(\"x\")",
    )  # fmt: skip
    assert code == 0 and "area 20" in out

    for fmt in ("csv", "json"):
        code, out, _ = run(capsys, monkeypatch, "users", "list", "--format", fmt, "--db", db)
        assert code == 0
        assert "$argon2" not in out and "password_hash" not in out and PASSWORD not in out
        if fmt == "csv":  # a spreadsheet would run the display name: neutralised
            assert "'=HYPERLINK" in out
    rows = json.loads(out)
    assert [r["username"] for r in rows] == ["admin1", "pso-chon"]
    assert rows[1]["agency_code"] == "PSO" and rows[1]["area_code"] == "20"

    assert run(capsys, monkeypatch, "users", "disable", "pso-chon", "--db", db)[0] == 0
    code, _, _ = run(
        capsys, monkeypatch, "users", "passwd", "admin1", "--password-stdin", "--db", db,
        stdin="a brand new password\n",
    )  # fmt: skip
    assert code == 0
    with Store(db) as store:
        assert auth.sign_in(store, "admin1", "a brand new password", origin="test").ok
        assert not auth.sign_in(store, "pso-chon", PASSWORD, origin="test").ok  # disabled
        log = store.audit_log_filtered(action=["user_add", "user_disable", "password_change"])
    assert log.action.tolist() == ["password_change", "user_disable", "user_add", "user_add"]
    assert set(log.origin) == {"cli"} and all(log.username.str.startswith("cli:"))
    assert log.target.tolist() == ["admin1", "pso-chon", "pso-chon", "admin1"]


BAD_ADD = {
    "unknown role": (("nok", "boss", "--agency", "PSO"), PASSWORD, 2, "unknown role"),
    "unknown agency": (("nok", "staff", "--agency", "XYZ"), PASSWORD, 2, "unknown agency"),
    "unknown area": (("nok", "staff", "--agency", "PSO", "--area", "99"), PASSWORD, 2, "area"),
    "staff without agency": (("nok", "staff"), PASSWORD, 2, "needs --agency"),
    "bad user name": (("no k", "admin"), PASSWORD, 2, "bad username"),
    "short password": (("nok", "admin"), "short", 2, "at least 10"),
    "empty password": (("nok", "admin"), "", 2, "no password"),
}


@pytest.mark.parametrize("args,password,code,message", BAD_ADD.values(), ids=list(BAD_ADD))
def test_users_add_errors_are_one_line(db, capsys, monkeypatch, args, password, code, message):
    got, out, err = add(capsys, monkeypatch, db, *args, password=password)
    assert got == code and out == ""
    assert err.startswith("error:") and message in err and err.count("\n") == 1
    with Store(db, read_only=True) as store:
        assert store.users_frame().empty


def test_users_state_errors_exit_1(db, capsys, monkeypatch, tmp_path):
    assert add(capsys, monkeypatch, db, "nok", "admin")[0] == 0
    code, _, err = add(capsys, monkeypatch, db, "nok", "admin")
    assert code == 1 and "already exists" in err and err.count("\n") == 1
    code, _, err = run(capsys, monkeypatch, "users", "disable", "nobody", "--db", db)
    assert code == 1 and "no user nobody" in err
    code, _, err = run(
        capsys, monkeypatch, "users", "add", "x1", "--role", "admin", "--db", db, stdin=PASSWORD
    )
    assert code == 2 and "--password-stdin" in err
    code, _, err = run(capsys, monkeypatch, "users", "list", "--db", tmp_path / "none.duckdb")
    assert code == 1 and "no store" in err


# -- the role x action matrix through the command line ----------------------------------
ROLE_USERS = {
    "public": ("u-public", ()),
    "staff": ("u-staff", ("--agency", "POPS", "--area", "20")),
    "verifier": ("u-verifier", ("--agency", "POPS", "--area", "20")),
    "executive": ("u-exec", ("--area", "20")),
    "admin": ("u-admin", ()),
}
# GOV01: owned by POPS, unpublished; ORD03: PPOL, unpublished; CRM01: PPOL, published.
CLI_CASES = {
    "read published": (("read_published", "--item", "CRM01"), "11111"),
    "read unpublished": (("read_unpublished", "--item", "GOV01"), "01111"),
    "upload own agency": (("upload", "--item", "GOV01", "--area", "2001"), "01100"),
    "upload other agency": (("upload", "--item", "ORD03", "--area", "20"), "00000"),
    "upload outside area": (("upload", "--item", "GOV01", "--area", "21"), "00000"),
    "verify": (("verify", "--item", "GOV01", "--area", "20"), "00100"),
    "verify other agency": (("verify", "--item", "ORD03", "--area", "20"), "00000"),
    "undo own batch": (("undo", "--batch", "{own}", "--area", "20"), "01101"),
    "undo other batch": (("undo", "--batch", "{other}", "--area", "20"), "00001"),
    "manage users": (("manage_users",), "00001"),
    "backup": (("backup",), "00001"),
}


@pytest.fixture
def matrix_db(db, capsys, monkeypatch):
    for role, (name, extra) in ROLE_USERS.items():
        assert add(capsys, monkeypatch, db, name, role, *extra)[0] == 0
    empty = pd.DataFrame(columns=["item_code", "area_code", "period", "value"])
    batches = {}
    with Store(db) as store:
        for key, agency in (("own", "POPS"), ("other", "PPOL")):
            batches[key] = store.load_observations(
                empty, {"username": "t", "agency_code": agency, "kind": "upload"}
            )
    return db, batches


def test_role_action_matrix_through_the_cli(matrix_db, capsys, monkeypatch):
    db, batches = matrix_db
    failures = []
    for case, (args, expected) in CLI_CASES.items():
        args = [a.format(**batches) for a in args]
        for i, (role, (name, _)) in enumerate(ROLE_USERS.items()):
            code, out, _ = run(capsys, monkeypatch, "users", "can", name, *args, "--db", db)
            want = 0 if expected[i] == "1" else 3
            if code != want:
                failures.append(f"{role} {case}: exit {code}, {out.strip()}")
            assert out.startswith("allowed" if want == 0 else "refused")
    assert failures == []


def test_users_can_bad_input(matrix_db, capsys, monkeypatch):
    db, _ = matrix_db
    assert run(capsys, monkeypatch, "users", "can", "u-staff", "fly", "--db", db)[0] == 2
    assert run(capsys, monkeypatch, "users", "can", "u-staff", "upload", "--db", db)[0] == 2
    code = run(
        capsys, monkeypatch, "users", "can", "u-staff", "upload", "--item", "NOPE", "--db", db
    )
    assert code[0] == 2
    assert run(capsys, monkeypatch, "users", "can", "nobody", "backup", "--db", db)[0] == 1


def test_permission_denied_exits_3(monkeypatch, capsys, db):
    """Any command that raises PermissionDenied ends with exit 3 and one line."""

    def refuse(args):
        raise auth.PermissionDenied("ไม่มีสิทธิ์", "not allowed", "upload")

    monkeypatch.setattr("lib.cli.store.cmd_info", refuse)
    code, _, err = run(capsys, monkeypatch, "info", "--db", db)
    assert code == 3 and err == "refused: not allowed (ไม่มีสิทธิ์)\n"


# -- backup and restore --------------------------------------------------------------------
def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_and_restore_commands(file_db, tmp_path, capsys, monkeypatch):
    backups = tmp_path / "backups"
    for _ in range(3):
        code, out, err = run(capsys, monkeypatch, "backup", backups, "--keep", "2", "--db", file_db)
        assert code == 0 and out.startswith("backup written: ") and err == ""
    assert len(list(backups.iterdir())) == 2
    newest = sorted(backups.iterdir())[-1]

    code, _, err = run(capsys, monkeypatch, "restore", newest, "--db", file_db)
    assert code == 1 and "--force" in err and err.count("\n") == 1
    code, out, _ = run(capsys, monkeypatch, "restore", newest, "--db", file_db, "--force", "--json")
    assert code == 0 and ".duckdb.bak-" in json.loads(out)["previous"]
    with Store(file_db, read_only=True) as store:
        assert store.audit_log_filtered(action="restore").origin.tolist() == ["cli"]

    new_target = tmp_path / "elsewhere" / "eis.duckdb"
    assert run(capsys, monkeypatch, "restore", newest, "--db", new_target)[0] == 2  # no key there
    args = ("restore", newest, "--db", new_target, "--force-unsigned")
    assert run(capsys, monkeypatch, *args)[0] == 0
    assert run(capsys, monkeypatch, "backup", backups, "--keep", "0", "--db", file_db)[0] == 2


def test_restore_of_a_damaged_backup_leaves_the_store_untouched(
    file_db, tmp_path, capsys, monkeypatch
):
    assert run(capsys, monkeypatch, "backup", tmp_path / "b", "--db", file_db)[0] == 0
    (backup_dir,) = (tmp_path / "b").iterdir()
    users = backup_dir / "users.parquet"
    users.write_bytes(users.read_bytes()[:-10] + b"0123456789")
    before = sha(file_db)
    code, _, err = run(capsys, monkeypatch, "restore", backup_dir, "--db", file_db, "--force")
    assert code == 1 and "checksum of users.parquet" in err and err.count("\n") == 1
    assert sha(file_db) == before and not file_db.with_name("eis.duckdb.bak").exists()


def test_restore_refuses_while_another_process_holds_the_store(
    file_db, tmp_path, capsys, monkeypatch
):
    assert run(capsys, monkeypatch, "backup", tmp_path / "b", "--db", file_db)[0] == 0
    (backup_dir,) = (tmp_path / "b").iterdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(file_db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        before = sha(file_db)
        code, _, err = run(capsys, monkeypatch, "restore", backup_dir, "--db", file_db, "--force")
    finally:
        holder.communicate("\n", timeout=30)
    assert code == 1 and "another process" in err and err.count("\n") == 1
    assert sha(file_db) == before


def test_displays_add_list_revoke(db, capsys, monkeypatch):
    assert add(capsys, monkeypatch, db, "boss", "admin")[0] == 0
    assert add(capsys, monkeypatch, db, "exec", "executive")[0] == 0
    code, out, err = run(
        capsys, monkeypatch, "displays", "add", "--scope", "21", "--scope", "TH",
        "--label", "ห้องประชุม", "--user", "boss", "--db", db, "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    made = json.loads(out)
    assert made["scopes"] == ["21", "TH"] and len(made["token"]) >= 40
    assert made["path"] == f"/cockpit?display={made['token']}&wall=1&cycle=21,TH"
    code, out, _ = run(capsys, monkeypatch, "displays", "list", "--json", "--db", db)
    (listed,) = json.loads(out)
    assert (code, listed["id"], listed["scopes"], listed["created_by"]) == (
        0, made["id"], "21,TH", "boss",
    )  # fmt: skip
    assert made["token"] not in out and "hash" not in out
    code, _, err = run(
        capsys, monkeypatch, "displays", "revoke", str(made["id"]), "--user", "exec", "--db", db
    )
    assert code == 3 and err.startswith("refused:")  # not an administrator
    code, out, _ = run(
        capsys, monkeypatch, "displays", "revoke", str(made["id"]), "--user", "boss", "--db", db
    )
    assert (code, out.strip()) == (0, f"display link {made['id']} revoked")
    code, _, err = run(
        capsys, monkeypatch, "displays", "revoke", str(made["id"]), "--user", "boss", "--db", db
    )
    assert code == 1 and "no live display link" in err
    with Store(db) as store:
        actions = store.audit_log_filtered(username="boss")["action"].tolist()
        denied = store.audit_log_filtered(action="denied")
    assert {"display_add", "display_revoke"} <= set(actions)
    assert "exec" in denied["username"].tolist()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--scope", "nowhere", "--user", "boss"], 2),  # bad scope
        (["--scope", "21", "--user", "exec"], 3),  # not an administrator
        (["--scope", "21", "--user", "ghost"], 3),  # no such account
    ],
)
def test_displays_add_refusals(db, capsys, monkeypatch, argv, code):
    add(capsys, monkeypatch, db, "boss", "admin")
    add(capsys, monkeypatch, db, "exec", "executive")
    got, out, err = run(capsys, monkeypatch, "displays", "add", *argv, "--db", db)
    assert (got, out) == (code, "") and len(err.strip().splitlines()) == 1

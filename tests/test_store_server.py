"""The shared store on a real PostgreSQL server: the same figures as a file, several writers
at once losing nothing, and what one process commits seen by every other.

Each `Store(url)` is its own DuckDB with its own connections to the server, as an app
server or a command-line process is; the concurrent writers below are such stores in
threads and command-line imports in processes of their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime

import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import PASSWORD

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
BASE = ["--fiscal-year", "2570", "--as-of", "2026-11-22"]
NOW = datetime(2026, 11, 22, 9, 0)
IGNORED = ["applied_at", "recorded_at", "created_at", "at", "id"]  # stamped when written


@pytest.fixture
def server_db(small_pto_server):
    server, template = small_pto_server
    return server.new_database(template)


def _out(capsys, argv) -> str:
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out


def test_the_server_holds_what_the_file_holds(small_pto_store_path, server_db):
    with Store(small_pto_store_path, read_only=True) as file, Store(server_db) as server:
        assert server.table_row_counts() == file.table_row_counts()
        theirs = server.fingerprint(ignore_columns=IGNORED)
        ours = file.fingerprint(ignore_columns=IGNORED)
        salted = ("users", "audit_log")  # salted password hashes; the store's name in details
        assert {t: v for t, v in theirs.items() if t not in salted} == {
            t: v for t, v in ours.items() if t not in salted
        }


@pytest.mark.parametrize(
    "command", [["coverage", "--level", "province"], ["scores", "--level", "province"]]
)
def test_figures_on_the_server_equal_the_file(capsys, small_pto_store_path, server_db, command):
    on_file = _out(capsys, [*command, "--db", small_pto_store_path, *BASE, "--format", "json"])
    on_server = _out(capsys, [*command, "--db", server_db, *BASE, "--format", "json"])
    assert json.loads(on_server) == json.loads(on_file) and json.loads(on_file)


def test_a_commit_is_seen_by_every_other_store(server_db, tmp_path, capsys):
    with Store(server_db) as other:
        before = other.data_version()
        f = _csv(tmp_path, "a.csv", 50.0)
        _out(capsys, ["import", f, "--user", "pto21", "--db", server_db, "--confirm-jumps"])
        assert other.data_version() != before  # the next rerun of every app server recomputes
        values = other.export_values("FIN01", "21").set_index("period")["value"]
        assert values["2026-07"] == 57.0


def test_sign_in_sessions_and_lockouts_are_in_the_store(server_db, fast_hasher):
    """Any app server serves any request: a session begun on one resumes on another, and
    failures counted on several lock the account everywhere."""
    from lib.services.auth import accounts, sessions

    with Store(server_db) as one, Store(server_db) as other:
        signed = accounts.sign_in(one, "pto21", PASSWORD, "test", now=NOW)
        code = sessions.begin(one, signed.user, "test", now=NOW)
        token = sessions.exchange(other, code, now=NOW)
        assert sessions.resume(one, token, now=NOW).user.username == "pto21"
        for store in (one, other, one, other, one):
            assert accounts.sign_in(store, "pto21v", "wrong", "test", now=NOW).ok is False
        late = accounts.sign_in(other, "pto21v", PASSWORD, "test", now=NOW)
        assert late.reason_code == "locked"


def _counter(store: Store, rounds: int) -> None:
    for _ in range(rounds):
        with store.transaction() as cur:
            n = int(cur.execute("SELECT value FROM meta WHERE key = 'n'").fetchone()[0])
            cur.execute("UPDATE meta SET value = ? WHERE key = 'n'", [str(n + 1)])


def test_writers_in_different_processes_take_turns(server_db):
    """Read-modify-write from three stores at once: no update is lost (the write lock)."""
    stores = [Store(server_db) for _ in range(3)]
    stores[0].record_meta({"n": "0"})
    threads = [threading.Thread(target=_counter, args=(s, 15)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores[0].get_meta("n") == "45"
    for s in stores:
        s.close()


def _csv(tmp_path, name: str, value: float) -> str:
    path = tmp_path / name
    rows = "".join(f"FIN01,21,2026-{m:02d},{value + m}\n" for m in (6, 7, 8))
    path.write_text("item_code,area_code,period,value\n" + rows, encoding="utf-8")
    return str(path)


def test_imports_from_processes_and_an_app_at_once_lose_nothing(server_db, tmp_path):
    """Three command-line imports in their own processes and a writer in this one, all on
    the same cells: every batch lands whole, the cells hold the last one, and every earlier
    value is in the history."""
    files = [_csv(tmp_path, f"f{i}.csv", 10.0 * (i + 1)) for i in range(3)]
    command = [sys.executable, "-m", "lib", "import"]
    procs = [
        subprocess.Popen(
            [*command, f, "--user", "pto21", "--db", server_db, "--confirm-jumps", "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    with Store(server_db) as app:
        _counter_meta(app)
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
        batches = [json.loads(o)["batch_id"] for o, _ in outs]
        assert len(set(batches)) == 3
        rows = app.table_frame("upload_batches")
        assert set(batches) <= set(rows["batch_id"])
        last = max(batches)
        current = app.export_values("FIN01", "21")
        current = current[current["period"].isin(["2026-06", "2026-07", "2026-08"])]
        assert (current["batch_id"] == last).all() and len(current) == 3
        history = app.table_frame("observation_history")
        for b in batches:
            if b != last:  # each earlier batch's values were kept when replaced
                assert (history["batch_id"] == b).sum() == 3


def _counter_meta(store: Store) -> None:
    store.record_meta({"n": "0"})
    _counter(store, 5)


def test_a_missing_server_is_one_clear_line_without_the_password(capsys):
    url = "postgresql://eis:s3cret@127.0.0.1:1/none"
    assert main(["batches", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "postgresql://eis:***@127.0.0.1:1/none" in err and "Traceback" not in err
    assert "s3cret" not in err and err.count("\n") == 1


def test_backup_of_the_server_restores_into_a_new_database(
    small_pto_server, server_db, tmp_path, capsys, monkeypatch
):
    """The Parquet backup works for the shared store: restored into a new, empty database it
    holds the same rows, and the ids go on after the restored ones; a database that already
    holds a store is refused (exit 1) and left as it was."""
    monkeypatch.setenv("EIS_BACKUP_KEY", "one key the app servers share")
    server, _ = small_pto_server
    _out(capsys, ["backup", str(tmp_path / "b"), "--db", server_db])
    (folder,) = (tmp_path / "b").iterdir()
    with Store(server_db) as live:
        before = live.fingerprint(ignore_columns=IGNORED)
        top = int(live.table_frame("upload_batches")["batch_id"].max())
    target = server.new_database()
    _out(capsys, ["restore", str(folder), "--db", target])
    with Store(target) as restored:
        after = restored.fingerprint(ignore_columns=IGNORED)
        assert {t: v for t, v in after.items() if t != "audit_log"} == {
            t: v for t, v in before.items() if t != "audit_log"
        }
        assert restored.table_frame("audit_log")["action"].iloc[-1] == "restore"
    f = _csv(tmp_path, "later.csv", 20.0)
    out = _out(
        capsys, ["import", f, "--user", "pto21", "--db", target, "--confirm-jumps", "--json"]
    )
    assert json.loads(out)["batch_id"] == top + 1
    capsys.readouterr()
    assert main(["restore", str(folder), "--db", server_db]) == 1
    assert "already holds a store" in capsys.readouterr().err
    with Store(server_db) as live:
        assert live.fingerprint(ignore_columns=IGNORED) == before


def test_the_servers_own_tools_back_up_and_restore_the_store(
    small_pto_server, server_db, tmp_path, capsys
):
    """pg_dump of the store database, pg_restore into a new one: the same rows, and the
    next batch id goes on after the restored ones (the sequences travel with the dump)."""
    import shutil as sh

    server, _ = small_pto_server
    dump = tmp_path / "eis.dump"
    tools = {name: sh.which(name) for name in ("pg_dump", "pg_restore")}
    assert all(tools.values()), tools  # Debian's postgresql-client, beside the server
    subprocess.run([tools["pg_dump"], "--format=custom", f"--file={dump}", server_db], check=True)
    target = server.new_database()
    subprocess.run([tools["pg_restore"], "--no-owner", f"--dbname={target}", str(dump)], check=True)
    with Store(server_db) as live, Store(target) as restored:
        assert restored.fingerprint() == live.fingerprint()
        top = int(live.table_frame("upload_batches")["batch_id"].max())
    argv = ["import", _csv(tmp_path, "later.csv", 30.0), "--user", "pto21", "--db", target]
    out = _out(capsys, [*argv, "--confirm-jumps", "--json"])
    assert json.loads(out)["batch_id"] == top + 1

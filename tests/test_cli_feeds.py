"""feeds add|list|run|runs|remove from the command line: exit codes 0 done, 1 failed,
2 bad input or a rejected file, 3 refused."""

from __future__ import annotations

import json

from lib.cli import main
from tests.feeds_fixtures import (  # noqa: F401 - the *_fixture names are fixtures
    LAYOUT_NAME,
    closed_port_url,
    csv_bytes,
    db_path_fixture,
    feed_base_fixture,
    feed_base_server_fixture,
    http_server_fixture,
)


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def add(db, url: str, user: str = "admin1", *extra) -> tuple[int, str, str]:
    return (
        "feeds",
        "add",
        "คลังจังหวัด",
        "--agency",
        "PTO",
        "--url",
        url,
        "--layout",
        LAYOUT_NAME,
        "--account",
        "pto21",
        "--user",
        user,
        "--db",
        str(db),
        *extra,
    )


def test_add_list_run_runs_remove(db_path, http_server, capsys):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes([("ระยอง", "2026-10", 71.25)]), "text/csv")
    code, out, _ = run(capsys, *add(db_path, base + "/fin.csv", "admin1", "--lang", "en"))
    assert (code, out.strip()) == (0, "feed added, id 1")
    code, out, _ = run(capsys, "feeds", "list", "--db", str(db_path), "--json")
    (feed,) = json.loads(out)
    assert (code, feed["name"], feed["health"], feed["kind"]) == (0, "คลังจังหวัด", "waiting", "url")
    code, out, _ = run(capsys, "feeds", "run", "--due", "--db", str(db_path), "--lang", "en")
    assert code == 0 and "feed 1 fin.csv: committed" in out
    code, out, _ = run(capsys, "feeds", "run", "--id", "1", "--db", str(db_path))
    assert code == 0 and "unchanged" in out
    code, out, _ = run(capsys, "feeds", "runs", "--db", str(db_path), "--json")
    assert [r["status"] for r in json.loads(out)] == ["unchanged", "committed"]
    code, out, _ = run(capsys, "feeds", "remove", "1", "--user", "admin1", "--db", str(db_path))
    assert code == 0
    code, out, _ = run(capsys, "feeds", "list", "--db", str(db_path), "--json")
    assert json.loads(out) == []


def test_a_rejected_file_exits_2_and_names_row_and_column(db_path, http_server, capsys):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes([("ระยอง", "2026-10", "ไม่ทราบ")]), "text/csv")
    assert run(capsys, *add(db_path, base + "/fin.csv"))[0] == 0
    code, out, err = run(capsys, "feeds", "run", "--db", str(db_path))
    assert code == 2 and "rejected" in out
    assert "แถว 2 คอลัมน์ ร้อยละสะสม" in err


def test_an_unreachable_url_exits_1(db_path, capsys):
    assert run(capsys, *add(db_path, closed_port_url()))[0] == 0
    code, out, err = run(capsys, "feeds", "run", "--db", str(db_path), "--lang", "en")
    assert code == 1 and "error" in out and "cannot fetch" in err
    code, out, _ = run(capsys, "feeds", "run", "--db", str(db_path))  # backing off: not due
    assert (code, out) == (0, "")


def test_an_account_refused_exits_3(db_path, http_server, capsys):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes([("ชลบุรี", "2026-10", 50)]), "text/csv")
    assert run(capsys, *add(db_path, base + "/fin.csv"))[0] == 0
    assert run(capsys, "feeds", "run", "--db", str(db_path))[0] == 3


def test_bad_definitions_exit_2_and_staff_exit_3(db_path, capsys):
    code, _, err = run(capsys, *add(db_path, "ftp://127.0.0.1/x.csv"))
    assert code == 2 and "http://" in err
    assert run(capsys, *add(db_path, "http://127.0.0.1/x.csv", "pto21"))[0] == 3
    assert run(capsys, "feeds", "run", "--id", "9", "--db", str(db_path))[0] == 2
    assert run(capsys, "feeds", "remove", "9", "--user", "admin1", "--db", str(db_path))[0] == 2

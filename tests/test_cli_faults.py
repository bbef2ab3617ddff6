"""Faults of the machine and of the output through the command line: one line, never a traceback."""

from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import store_fingerprint

ROOT = Path(__file__).resolve().parent.parent
FORMULA_NAME = "=cmd|' -C calc'!A0.csv"
ROWS = "รหัสรายการ,พื้นที่,งวด,ค่า\nFIN01,Rayong,2026-08,64.0\nFIN01,Rayong,2026-07,61.5\n"

# Holds a store the way the running app does, until its stdin closes.
HOLDER = """
import sys
from lib.store import Store
store = Store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
store.close()
"""


@pytest.fixture(scope="module")
def base_db(small_pto_store_path):
    """The small store with Rayong's PTO staff and verifier accounts."""
    return small_pto_store_path


@pytest.fixture
def db(base_db, tmp_path, capsys) -> str:
    path = tmp_path / "data" / "eis.duckdb"
    path.parent.mkdir()
    shutil.copyfile(base_db, path)
    capsys.readouterr()
    return str(path)


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def test_disk_full_during_import_names_the_disk(db, tmp_path, capsys, monkeypatch):
    """DuckDB's ENOSPC inside the write: the reason is the full disk, nothing committed."""
    from lib.store.connection import Connection

    def full_disk(*args, **kwargs):
        raise duckdb.IOException('IO Error: Could not write file "x.wal": No space left on device')

    monkeypatch.setattr(Connection, "_audit", staticmethod(full_disk))
    before = store_fingerprint(db)
    (tmp_path / "fin.csv").write_text(ROWS, encoding="utf-8")
    assert main(["import", str(tmp_path / "fin.csv"), "--user", "pto21", "--db", db]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "disk holding the store" in err and "full" in err
    assert "aborted" not in err.lower()
    assert store_fingerprint(db) == before


def _limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail, EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_real_write_failure_is_reported_not_the_aborted_transaction(db, tmp_path):
    """A real DuckDB write failure (file size limit) in a big import: one line, store as before."""
    lines = ["รหัสรายการ,พื้นที่,งวด,ค่า,หมายเหตุ"]
    lines += [
        f"FIN01,Rayong,{2000 + m // 12}-{m % 12 + 1:02d},{m % 100}.5,{'x' * 200}"
        for m in range(300)
    ]
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = store_fingerprint(db)
    done = run_cli(
        "import", str(tmp_path / "big.csv"), "--user", "pto21", "--db", db, "--confirm-jumps",
        preexec_fn=_limit_file_size(20_000),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    err = done.stderr.strip()
    assert "Traceback" not in err and "\n" not in err, err
    assert "file too large" in err and "aborted" not in err.lower()
    assert store_fingerprint(db) == before


def test_a_store_held_by_another_process_says_so(db):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"ready"
        done = run_cli("batches", "--db", db)
    finally:
        holder.communicate(b"\n", timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "in use by another process" in done.stderr and "stop it" in done.stderr


def test_a_closed_output_pipe_ends_quietly(db):
    """`batches --json | head -1` when head has gone: no traceback, no error text."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lib", "batches", "--json", "--db", db],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 1


@pytest.mark.parametrize(
    "db_arg,message",
    [
        ("missing/eis.duckdb", "no store at"),
        ("folder", "is not a store"),
        ("text.duckdb", "is not a store"),
    ],
)
def test_a_bad_store_path_is_one_line(tmp_path, capsys, db_arg, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "text.duckdb").write_text("not a database")
    assert main(["batches", "--db", str(tmp_path / db_arg)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_a_store_written_by_a_newer_duckdb_says_so_and_what_to_do():
    """DuckDB 1.5.5's own words for a file of DuckDB 2.0 (seen opening one) become one line
    that says what happened and what to do."""
    from lib.store.connection import fault_reason

    seen = duckdb.IOException(
        "IO Error: Trying to read a database file with version number 999, but we can only "
        "read versions between 64 and 68.\nThe database file was created with an newer "
        "version of DuckDB."
    )
    reason = fault_reason(seen, "data/eis.duckdb")
    assert "data/eis.duckdb was written by a newer DuckDB" in reason
    assert "python -m lib restore" in reason and "\n" not in reason


def test_an_unexpected_error_is_one_line_unless_debugging(db, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(Store, "batches", broken)
    assert main(["batches", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err == "error: RuntimeError: boom (set EIS_DEBUG=1 for the details)\n"
    monkeypatch.setenv("EIS_DEBUG", "1")
    assert main(["batches", "--db", db]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_batches_csv_neutralises_a_formula_file_name(db, tmp_path, capsys):
    path = tmp_path / FORMULA_NAME
    path.write_text(ROWS, encoding="utf-8")
    assert main(["import", str(path), "--user", "pto21", "--db", db]) == 0
    capsys.readouterr()
    assert main(["batches", "--db", db]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["file_name"] == "'" + FORMULA_NAME
    assert main(["batches", "--db", db, "--json"]) == 0  # JSON is data for programs: as is
    assert FORMULA_NAME in capsys.readouterr().out

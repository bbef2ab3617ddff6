"""SIGKILL at named points of import, undo, backup and restore: the store opens, before or after.

Each command runs as `python -m lib ...` in a subprocess with EIS_TEST_KILL_AT=<point>
(lib.store.connection.kill_point), which SIGKILLs the process exactly there: no sleep, no
timing. The store is then compared by SQL fingerprints, time columns left out (they differ
between two runs of the same command).
"""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lib.cli import main
from lib.services import backup
from lib.store import Store

ROOT = Path(__file__).resolve().parent.parent
KEY = "kill-safety test key"
TIME_COLUMNS = (
    "applied_at",
    "created_at",
    "occurred_at",
    "recorded_at",
    "replaced_at",
    "submitted_at",
    "undone_at",
    "verified_at",
)
DISTRICT_MONTHLY = ("POP03", "POP04")  # the provincial DOPA office's: 2 items x 928 districts
MONTHS = [f"{2016 + m // 12}-{m % 12 + 1:02d}" for m in range(108)]  # x 108 months = 200,448


def state(path: Path) -> dict:
    """{table: (rows, hash)} without time columns: what a user sees of a store."""
    with Store(path, read_only=True) as store:
        return store.fingerprint(ignore_columns=TIME_COLUMNS)


def run(*args: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {"EIS_BACKUP_KEY": KEY, "EIS_AS_OF": "2026-11-22"}
    if kill_at:
        env["EIS_TEST_KILL_AT"] = kill_at
    done = subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**_base_env(), **env},
    )
    if kill_at:
        assert done.returncode == -signal.SIGKILL, (kill_at, done.stderr)
    else:
        assert done.returncode == 0, done.stderr
    return done


def _base_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("EIS_")}


def copy_store(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copyfile(src, folder / "eis.duckdb")
    return folder / "eis.duckdb"


@pytest.fixture(scope="module")
def base(small_store_path, tmp_path_factory) -> Path:
    """The small store with a staff account of the provincial DOPA office (whole country)."""
    path = copy_store(small_store_path, tmp_path_factory.mktemp("kill") / "base")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        args = ["users", "add", "dopa", "--role", "staff", "--agency", "PDOPA"]
        assert main([*args, "--password-stdin", "--db", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory, base) -> Path:
    """A long-form CSV of ~200k district values, built in code."""
    with Store(base, read_only=True) as store:
        districts = store.areas().query("level == 'district'")["code"].tolist()
    lines = ["item_code,area_code,period,value"]
    lines += [
        f"{item},{area},{period},{(i * 7 + j) % 900}"
        for i, item in enumerate(DISTRICT_MONTHLY)
        for j, area in enumerate(districts)
        for period in MONTHS
    ]
    path = tmp_path_factory.mktemp("kill-file") / "districts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(lines) - 1 >= 200_000
    return path


@pytest.fixture(scope="module")
def imported(base, big_file, tmp_path_factory) -> Path:
    """The store after the big import, committed without a kill (the "after" of import)."""
    path = copy_store(base, tmp_path_factory.mktemp("kill-ref") / "imported")
    out = run("import", str(big_file), "--user", "dopa", "--db", str(path), "--json")
    assert json.loads(out.stdout)["new"] >= 200_000
    return path


@pytest.mark.parametrize(
    "point,outcome", [("store.before_commit", "before"), ("store.after_commit", "after")]
)
def test_killed_import_leaves_the_store_before_or_after(
    base, big_file, imported, tmp_path, point, outcome
):
    path = copy_store(base, tmp_path / "k")
    run("import", str(big_file), "--user", "dopa", "--db", str(path), kill_at=point)
    expected = state(base) if outcome == "before" else state(imported)
    assert state(path) == expected


@pytest.mark.parametrize(
    "point,outcome", [("store.before_commit", "before"), ("store.after_commit", "after")]
)
def test_killed_undo_leaves_the_store_before_or_after(imported, tmp_path, point, outcome):
    with Store(imported, read_only=True) as store:
        batch_id = int(store.batches().batch_id.iloc[0])
    reference = copy_store(imported, tmp_path / "ref")
    run("undo", str(batch_id), "--user", "dopa", "--db", str(reference))
    path = copy_store(imported, tmp_path / "k")
    run("undo", str(batch_id), "--user", "dopa", "--db", str(path), kill_at=point)
    assert state(path) == (state(imported) if outcome == "before" else state(reference))


@pytest.mark.parametrize("point", ["backup.exported", "backup.manifest_written", "backup.renamed"])
def test_killed_backup_leaves_the_store_and_no_half_backup(base, tmp_path, point):
    path = copy_store(base, tmp_path / "k")
    before = state(path)
    run("backup", str(tmp_path / "b"), "--db", str(path), kill_at=point)
    assert state(path) == before  # the backup's audit entry comes after the last point
    listed = backup.list_backups(tmp_path / "b")
    if point == "backup.renamed":  # complete: listed and every checksum holds
        assert len(listed) == 1 and backup.verify_backup(listed[0][0])
    else:
        assert listed == []
    run("backup", str(tmp_path / "b"), "--db", str(path))  # the next backup works


@pytest.fixture(scope="module")
def backed_up(base, tmp_path_factory) -> tuple[Path, Path]:
    """A backup of the base store, and the state a restore of it gives (audit_log aside)."""
    root = tmp_path_factory.mktemp("kill-backups")
    run("backup", str(root), "--db", str(base))
    (folder, _), = backup.list_backups(root)  # fmt: skip
    return folder, base


def _without_audit(fingerprint: dict) -> dict:
    return {t: v for t, v in fingerprint.items() if t != "audit_log"}


@pytest.mark.parametrize(
    "point,outcome",
    [
        ("restore.built", "old"),
        ("restore.kept_previous", "old"),
        ("restore.replaced", "new"),
    ],
)
def test_killed_restore_leaves_the_old_or_the_new_store(backed_up, tmp_path, point, outcome):
    folder, source = backed_up
    path = copy_store(source, tmp_path / "k")
    with Store(path) as store:  # the live store moves on after the backup
        store.record_audit("someone", "after_backup")
    old = state(path)
    run("restore", str(folder), "--db", str(path), "--force", kill_at=point)
    now = state(path)  # opens
    if outcome == "old":
        assert now == old
    else:
        assert _without_audit(now) == _without_audit(state(source))
        exported = backup.read_manifest(folder)["tables"]["audit_log"]
        assert now["audit_log"][0] == exported + 1  # the backup's entries and the restore
    kept = sorted(path.parent.glob("eis.duckdb.bak-*"))
    assert all(state(k) == old for k in kept if not k.name.endswith(".wal"))
    # a later restore finishes and never removes a kept store
    run("restore", str(folder), "--db", str(path), "--force")
    assert _without_audit(state(path)) == _without_audit(state(source))
    assert set(kept) <= set(path.parent.glob("eis.duckdb.bak-*"))
    assert not path.with_name("eis.duckdb.restore.tmp").exists()

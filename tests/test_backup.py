"""Backup, restore, rotation and the request spool used while the app holds the store."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lib.services import auth, backup
from lib.store import Store, StoreError
from tests.conftest import store_fingerprint

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 9, 0, 0)

# A process that holds a store the way the app does, with the background worker
# running; it stops when its stdin closes.
APP_HOLDER = """
import sys, threading
from lib.store import Store
from lib.services.backup import run_worker, spool_dir_for
store = Store(sys.argv[1])
stop = threading.Event()
worker = threading.Thread(
    target=run_worker, args=(store, spool_dir_for(sys.argv[1]), stop, 0.05), daemon=True
)
worker.start()
print("ready", flush=True)
sys.stdin.readline()
stop.set()
worker.join()
store.close()
"""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live_path(small_store_path, tmp_path, fast_hasher) -> Path:
    """A copy of the small store with a user and Thai text, closed, ready to back up."""
    path = tmp_path / "live" / "eis.duckdb"
    path.parent.mkdir()
    shutil.copy(small_store_path, path)
    with Store(path) as store:
        auth.add_user(
            store,
            "somchai",
            "staff",
            "correct horse battery",
            actor=auth.User("admin", "admin"),
            origin="test",
            agency_code="PSO",
            area_code="20",
            display_name="สมชาย ใจดี; <b>x</b>",
            now=NOW,
        )
    return path


def carry_key(live_path: Path, target: Path) -> None:
    """Put the live store's backup key beside another store (as an administrator would)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(backup.key_file_for(live_path), backup.key_file_for(target))


def test_backup_restore_round_trip_table_by_table(live_path, tmp_path):
    before = store_fingerprint(live_path)
    with Store(live_path, read_only=True) as store:
        audit_before = store.table_frame("audit_log")
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "backups", actor="tester", now=NOW)
        assert store.audit_log_filtered(action="backup").target.tolist() == [str(result.path)]
    assert result.path.name == "eis-backup-20261122-090000"
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["tables"] == {t: rows for t, (rows, _) in before.items()}
    assert manifest["schema_version"] >= 1 and "observations.parquet" in manifest["files"]
    assert set(manifest["files"]) == {f"{t}.parquet" for t in before}  # data only, no SQL
    assert manifest["signature"]["algorithm"] == "hmac-sha256"

    target = tmp_path / "restored" / "eis.duckdb"
    with pytest.raises(backup.BackupRefused, match="no backup key"):
        backup.restore_backup(result.path, target, actor="tester")
    assert not target.parent.exists() or list(target.parent.iterdir()) == []
    carry_key(live_path, target)
    restored = backup.restore_backup(result.path, target, actor="tester")
    assert restored.previous is None and restored.row_counts == manifest["tables"]
    after = store_fingerprint(target)
    assert sorted(after) == sorted(before)
    # every table the same rows (counts and content hashes in SQL) ...
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"
    }
    # ... and the audit log one more: the restore itself, audited in the restored store
    with Store(target) as store:
        audit = store.table_frame("audit_log")
        # ids continue after the backup's (DuckDB 1.5 may skip one: it reports a reopened
        # sequence's last value one ahead)
        assert audit.action.iloc[-1] == "restore" and audit.id.is_unique
        assert audit_before.id.max() < audit.id.iloc[-1] <= audit_before.id.max() + 2
        pd.testing.assert_frame_equal(audit.iloc[:-1], audit_before, obj="audit_log")
        assert store.users_frame().display_name.iloc[0] == "สมชาย ใจดี; <b>x</b>"
        # sequences continue where they were: a new id does not collide
        assert store.schema_version() == manifest["schema_version"]
        store.record_audit("x", "check")
        assert store.audit_log().id.is_unique


def test_restore_replaces_an_existing_store_only_with_force(live_path, tmp_path):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
        store.record_audit("later", "after_backup")
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore_backup(result.path, live_path)
    old_hash = file_sha256(live_path)
    out = backup.restore_backup(result.path, live_path, force=True, now=NOW)
    assert out.previous == live_path.with_name("eis.duckdb.bak-20261122-090000")
    assert file_sha256(out.previous) == old_hash
    with Store(live_path, read_only=True) as store:
        assert store.audit_log_filtered(action="after_backup").empty
    assert not live_path.with_name("eis.duckdb.restore.tmp").exists()
    # a later restore in the same second keeps both earlier stores
    again = backup.restore_backup(result.path, live_path, force=True, now=NOW)
    assert again.previous == live_path.with_name("eis.duckdb.bak-20261122-090000-2")
    assert file_sha256(out.previous) == old_hash and again.previous.exists()


def _corrupt_parquet(path: Path) -> None:
    target = path / "observations.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    target.write_bytes(bytes(data))


def _truncate_parquet_and_fix_manifest(path: Path) -> None:
    """Damage that the checksums cannot see (the manifest rewritten too): the import fails."""
    target = path / "observations.parquet"
    target.write_bytes(target.read_bytes()[:-100])
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["observations.parquet"] = {
        "sha256": file_sha256(target),
        "bytes": target.stat().st_size,
    }
    (path / "manifest.json").write_text(json.dumps(manifest))


def _change_checksum(path: Path) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["users.parquet"]["sha256"] = "0" * 64
    (path / "manifest.json").write_text(json.dumps(manifest))


def _drop_rows_from_counts(path: Path) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["tables"]["observations"] -= 1
    (path / "manifest.json").write_text(json.dumps(manifest))


# damage, the message of a plain restore, and (when the manifest was rewritten, so the
# signature fails first) the message of a restore forced past the signature
DAMAGE = {
    "corrupted parquet": (_corrupt_parquet, "checksum", None),
    "truncated parquet, manifest rewritten to match": (
        _truncate_parquet_and_fix_manifest,
        "changed after",
        "cannot restore",
    ),
    "changed checksum": (_change_checksum, "changed after", "checksum"),
    "missing manifest": (lambda p: (p / "manifest.json").unlink(), "no manifest", None),
    "garbled manifest": (lambda p: (p / "manifest.json").write_text("{not json"), "manifest", None),
    "missing file": (lambda p: (p / "areas.parquet").unlink(), "missing", None),
    "malformed manifest": (
        lambda p: (p / "manifest.json").write_text(
            json.dumps({**json.loads((p / "manifest.json").read_text()), "files": {"a": 1}})
        ),
        "malformed",
        None,
    ),
    "row counts differ": (_drop_rows_from_counts, "changed after", "row counts"),
}


@pytest.mark.parametrize("damage,message,forced", DAMAGE.values(), ids=list(DAMAGE))
def test_damaged_backup_fails_cleanly_and_leaves_the_live_store_alone(
    live_path, tmp_path, damage, message, forced
):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    damage(result.path)
    before = file_sha256(live_path)
    listing = sorted(p.name for p in live_path.parent.iterdir())
    with pytest.raises(backup.BackupError, match=message):
        backup.restore_backup(result.path, live_path, force=True)
    if forced:
        with pytest.raises(backup.BackupError, match=forced):
            backup.restore_backup(result.path, live_path, force=True, force_unsigned=True)
    assert file_sha256(live_path) == before
    assert sorted(p.name for p in live_path.parent.iterdir()) == listing  # no .tmp, no .bak
    if forced is None:
        assert backup.last_good_backup(tmp_path / "b") is None


def _rewrite_manifest(path: Path, change, key: bytes | None = None) -> None:
    """Change a backup's manifest, recompute its checksums and (given a key) sign it again."""
    manifest = json.loads((path / "manifest.json").read_text())
    change(manifest)
    manifest.pop("signature", None)
    for name in sorted(p.name for p in path.iterdir() if p.name != "manifest.json"):
        manifest["files"][name] = {
            "sha256": file_sha256(path / name),
            "bytes": (path / name).stat().st_size,
        }
    if key is not None:
        manifest = backup.sign_manifest(manifest, key)
    (path / "manifest.json").write_text(json.dumps(manifest))


def _plant_sql(path: Path, out: Path) -> None:
    """schema.sql and load.sql (as DuckDB's EXPORT DATABASE writes) that create and write."""
    attack = (
        "CREATE TABLE pwned AS SELECT 42 AS x;\n"
        f"COPY (SELECT 'owned') TO '{out}' (FORMAT csv);\n"
        f"COPY (SELECT * FROM read_csv('/etc/hostname')) TO '{out}.leak' (FORMAT csv);\n"
    )
    (path / "schema.sql").write_text(attack)
    (path / "load.sql").write_text(attack)


@pytest.mark.parametrize("signed_by_attacker", [False, True])
def test_restore_never_runs_sql_from_a_backup(live_path, tmp_path, capsys, signed_by_attacker):
    """Planted SQL with checksums recomputed: refused unsigned; forced or signed, never run."""
    from lib.cli import main

    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    out = tmp_path / "written.txt"
    _plant_sql(result.path, out)
    key = backup.backup_key(live_path) if signed_by_attacker else None
    _rewrite_manifest(result.path, lambda m: None, key)
    before = store_fingerprint(live_path)
    if not signed_by_attacker:
        code = main(["restore", str(result.path), "--db", str(live_path), "--force"])
        err = capsys.readouterr().err
        assert code == 2 and "not signed" in err and "--force-unsigned" in err
        assert store_fingerprint(live_path) == before
    args = ["restore", str(result.path), "--db", str(live_path), "--force", "--json"]
    assert main([*args, *(["--force-unsigned"] if not signed_by_attacker else [])]) == 0
    capsys.readouterr()
    assert not out.exists() and not Path(f"{out}.leak").exists()
    after = store_fingerprint(live_path)
    assert "pwned" not in after
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"
    }
    with Store(live_path, read_only=True) as store:
        signature = json.loads(store.audit_log_filtered(action="restore").detail.iloc[-1])
    expected = "valid" if signed_by_attacker else "restored with --force-unsigned: the backup is"
    assert signature["signature"].startswith(expected)


def _extra_table(path: Path) -> None:
    shutil.copy(path / "meta.parquet", path / "pwned.parquet")

    def add(manifest):
        manifest["tables"]["pwned"] = manifest["tables"]["meta"]

    return add


def _extra_column(path: Path) -> None:
    import duckdb

    users = path / "users.parquet"
    shutil.move(users, path / "old.parquet")
    duckdb.sql(
        f"COPY (SELECT *, 'x' AS note FROM read_parquet('{path / 'old.parquet'}')) "
        f"TO '{users}' (FORMAT parquet)"
    )
    (path / "old.parquet").unlink()
    return lambda manifest: None


@pytest.mark.parametrize(
    "craft,message",
    [(_extra_table, r"unknown \['pwned'\]"), (_extra_column, r"users.parquet: columns \['note'\]")],
    ids=["unknown table", "unknown column"],
)
def test_restore_reads_only_the_schemas_tables_and_columns(live_path, tmp_path, craft, message):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    _rewrite_manifest(result.path, craft(result.path), backup.backup_key(live_path))
    before = file_sha256(live_path)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore_backup(result.path, live_path, force=True)
    assert file_sha256(live_path) == before
    assert not live_path.with_name("eis.duckdb.restore.tmp").exists()


def test_tampered_manifest_is_refused_and_a_foreign_key_named(live_path, tmp_path, monkeypatch):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    manifest = json.loads((result.path / "manifest.json").read_text())
    manifest["created_at"] = "2020-01-01T00:00:00"  # any change, checksums untouched
    (result.path / "manifest.json").write_text(json.dumps(manifest))
    carry_key(live_path, tmp_path / "new" / "eis.duckdb")
    with pytest.raises(backup.BackupRefused, match="changed after the backup was signed"):
        backup.restore_backup(result.path, tmp_path / "new" / "eis.duckdb")
    monkeypatch.setenv("EIS_BACKUP_KEY", "another server's key")
    with pytest.raises(backup.BackupRefused, match="signed with another key"):
        backup.restore_backup(result.path, tmp_path / "new" / "eis.duckdb")
    assert not (tmp_path / "new" / "eis.duckdb").exists()


def test_backup_key_from_the_environment_signs_and_checks(live_path, tmp_path, monkeypatch):
    monkeypatch.setenv("EIS_BACKUP_KEY", "a site secret")
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    assert not backup.key_file_for(live_path).exists()  # no file when the variable is set
    target = tmp_path / "elsewhere" / "eis.duckdb"
    assert backup.restore_backup(result.path, target).previous is None


def test_store_backup_and_key_files_are_private(small_store_path, tmp_path):
    """Created readable by the service account only: files 0600, folders 0700."""
    path = tmp_path / "fresh" / "eis.duckdb"
    with Store(path) as store:
        store.migrate()
        store.record_audit("x", "check")
        result = backup.backup_store(store, tmp_path / "backups", now=NOW)
    mode = lambda p: p.stat().st_mode & 0o777  # noqa: E731
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert mode(backup.key_file_for(path)) == 0o600
    assert mode(tmp_path / "backups") == 0o700 and mode(result.path) == 0o700
    assert {mode(p) for p in result.path.iterdir()} == {0o600}
    restored = backup.restore_backup(result.path, path, force=True, now=NOW)
    assert mode(path) == 0o600 and mode(restored.previous) == 0o600


def test_failed_backup_leaves_no_folder_and_is_audited(live_path, tmp_path, monkeypatch):
    blocker = tmp_path / "b"
    blocker.write_text("a file where the backup folder should be")
    with Store(live_path) as store:
        with pytest.raises(backup.BackupError, match="backup folder"):
            backup.backup_store(store, blocker / "sub", now=NOW)

        def half_export(directory):
            Path(directory).mkdir()
            (Path(directory) / "areas.parquet").write_bytes(b"partial")
            raise StoreError("export failed: disk full")

        monkeypatch.setattr(store, "export_snapshot", half_export)
        with pytest.raises(backup.BackupError, match="disk full"):
            backup.backup_store(store, tmp_path / "ok", now=NOW)
        failed = store.audit_log_filtered(action="backup_failed")
    assert list((tmp_path / "ok").iterdir()) == []
    assert "disk full" in failed.detail.iloc[0]


def test_restore_refuses_a_store_held_by_another_process(live_path, tmp_path):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    before = file_sha256(live_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", APP_HOLDER, str(live_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(backup.StoreBusy, match="another process"):
            backup.restore_backup(result.path, live_path, force=True)
    finally:
        holder.communicate("\n", timeout=30)
    assert file_sha256(live_path) == before


def test_restore_points_at_the_backups_inside_a_folder(live_path, tmp_path):
    with Store(live_path) as store:
        result = backup.backup_store(store, tmp_path / "b", now=NOW)
    with pytest.raises(backup.BackupError, match=result.path.name):
        backup.restore_backup(tmp_path / "b", tmp_path / "new.duckdb")


def test_rotation_keeps_the_newest_n(live_path, tmp_path):
    root = tmp_path / "b"
    (root / "not-a-backup").mkdir(parents=True)
    (root / "eis-backup-20200101-000000").mkdir()  # incomplete: no manifest, left alone
    with Store(live_path) as store:
        made = [
            backup.backup_store(store, root, keep=2, now=NOW + timedelta(hours=h)) for h in range(4)
        ]
    assert [r.removed for r in made[:2]] == [[], []]
    assert made[2].removed == [made[0].path] and made[3].removed == [made[1].path]
    names = sorted(p.name for p in root.iterdir())
    assert names == [
        "eis-backup-20200101-000000",
        made[2].path.name,
        made[3].path.name,
        "not-a-backup",
    ]
    assert [p for p, _ in backup.list_backups(root)] == [made[2].path, made[3].path]


def test_same_second_backups_get_distinct_names_in_order(live_path, tmp_path):
    with Store(live_path) as store:
        made = [backup.backup_store(store, tmp_path / "b", now=NOW) for _ in range(3)]
        backup.rotate_backups(tmp_path / "b", 2)
    assert [r.path.name[-2:] for r in made] == ["00", "-2", "-3"]
    assert [p for p, _ in backup.list_backups(tmp_path / "b")] == [made[1].path, made[2].path]


def test_last_good_backup_skips_damaged_ones(live_path, tmp_path):
    root = tmp_path / "b"
    assert backup.last_good_backup(root) is None
    with Store(live_path) as store:
        good = backup.backup_store(store, root, now=NOW)
        bad = backup.backup_store(store, root, now=NOW + timedelta(hours=1))
    _corrupt_parquet(bad.path)
    assert backup.last_good_backup(root) == (good.path, NOW)
    assert backup.last_good_backup(root, verify=False) == (bad.path, NOW + timedelta(hours=1))


def test_schedule_and_staleness():
    assert backup.scheduled_backup_due(None, 24, NOW)
    assert not backup.scheduled_backup_due(NOW - timedelta(hours=23), 24, NOW)
    assert backup.scheduled_backup_due(NOW - timedelta(hours=24), 24, NOW)
    assert backup.backup_is_stale(None, NOW)
    assert not backup.backup_is_stale(NOW - timedelta(hours=47), NOW)
    assert backup.backup_is_stale(NOW - timedelta(hours=49), NOW)


def test_run_scheduled_backup_only_when_due(live_path, tmp_path):
    root = tmp_path / "b"
    with Store(live_path) as store:
        first = backup.run_scheduled_backup(store, root, interval_hours=24, keep=3, now=NOW)
        assert first is not None
        assert backup.run_scheduled_backup(store, root, 24, 3, now=NOW + timedelta(hours=1)) is None
        again = backup.run_scheduled_backup(store, root, 24, 3, now=NOW + timedelta(hours=25))
        assert again is not None
        origins = store.audit_log_filtered(action="backup").origin.tolist()
    assert origins == ["schedule", "schedule"]


# -- the request spool ---------------------------------------------------------------------
def test_spool_request_is_fulfilled_by_the_worker_in_process(live_path, tmp_path):
    spool = backup.spool_dir_for(live_path)
    assert spool == live_path.parent / "requests"
    request_id = backup.submit_request(
        spool, "backup", dest=str(tmp_path / "b"), keep=1, requested_by="cli:ops", origin="cli"
    )
    with Store(live_path) as store:
        results = backup.process_requests(store, spool)
        assert backup.process_requests(store, spool) == []  # nothing twice
        entry = store.audit_log_filtered(action="backup").iloc[0]
    assert [r["id"] for r in results] == [request_id] and results[0]["ok"]
    result = backup.wait_for_result(spool, request_id, timeout_s=1, poll_s=0.01)
    assert Path(result["path"]).parent == tmp_path / "b"
    backup.verify_backup(result["path"])
    assert (entry.username, entry.origin) == ("cli:ops", "app worker, request from cli")
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize(
    "request_body,error",
    [
        ({"kind": "restore", "dest": "/tmp/x"}, "unknown request kind"),
        ({"kind": "backup", "dest": "relative/dir"}, "absolute"),
        ({"kind": "backup", "dest": "/tmp/x", "keep": 0}, "keep"),
    ],
)
def test_spool_refuses_bad_requests(live_path, request_body, error):
    spool = backup.spool_dir_for(live_path)
    request_id = backup.submit_request(spool, **request_body)
    with Store(live_path) as store:
        (result,) = backup.process_requests(store, spool)
    assert result["id"] == request_id and not result["ok"] and error in result["error"]


def test_wait_for_result_times_out_and_withdraws_the_request(tmp_path):
    spool = tmp_path / "requests"
    request_id = backup.submit_request(spool, "backup", dest="/tmp/x")
    ticks = iter(range(100))
    with pytest.raises(backup.BackupError, match="did not answer"):
        backup.wait_for_result(
            spool, request_id, timeout_s=3, clock=lambda: next(ticks), sleep=lambda s: None
        )
    assert list(spool.iterdir()) == []


def test_is_lock_error():
    assert backup.is_lock_error(RuntimeError('IO Error: Could not set lock on file "x"'))
    assert not backup.is_lock_error(RuntimeError("Catalog Error: no such table"))


def test_backup_while_the_app_holds_the_store(live_path, tmp_path, capsys):
    """The CLI finds the store locked, spools a request, the app's worker fulfils it."""
    from lib.cli import main

    holder = subprocess.Popen(
        [sys.executable, "-c", APP_HOLDER, str(live_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        code = main(
            ["backup", str(tmp_path / "b"), "--db", str(live_path), "--timeout", "60", "--json"]
        )
    finally:
        holder.communicate("\n", timeout=30)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "store in use" in err
    result = json.loads(out)
    assert backup.verify_backup(result["path"])["tables"]["users"] == 1
    with Store(live_path, read_only=True) as store:
        assert store.audit_log_filtered(action="backup").origin.tolist() == [
            "app worker, request from cli"
        ]


def test_worker_backs_off_after_a_failed_scheduled_backup(tmp_path, monkeypatch):
    """A full disk gives one failure an hour, not one every poll."""
    import threading

    from lib.services import backup

    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise backup.BackupError("disk full")

    class FivePolls(threading.Event):
        polls = 0

        def wait(self, timeout=None):
            self.polls += 1
            if self.polls >= 5:
                self.set()
            return self.is_set()

    from lib.services.backup import spool

    monkeypatch.setattr(spool, "run_scheduled_backup", failing)
    monkeypatch.setattr(spool, "process_requests", lambda store, spool: [])
    backup.run_worker(None, tmp_path / "spool", FivePolls(), poll_s=0, backup_root=tmp_path)
    assert len(calls) == 1

"""Restore of the store from one backup folder, replacing the store only once the copy is proven.

A restore trusts nothing in the backup but data: it checks the manifest's
signature (`signing`; refused unless forced) and every checksum first (nothing
is touched when they fail), builds a new store next to the target from the
project's own migrations, fills it from the Parquet files of the tables that
schema has (columns checked; no SQL from the backup is ever run), compares the
row counts, syncs it, and only then swaps it in. At every instant the store
path holds the old store or the new one: the old file is first linked (or
copied) to ``<name>.bak-YYYYmmdd-HHMMSS``, which no later restore removes, then
the new file is renamed over the path in one step. A restore needs the app stopped.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lib.services.backup.archive import (
    MANIFEST_NAME,
    BackupError,
    StoreBusy,
    fsync_path,
    is_lock_error,
    list_backups,
    table_file,
    verify_backup,
)
from lib.services.backup.signing import BackupRefused, backup_key, signature_problem
from lib.store import Store, StoreError
from lib.store.connection import kill_point
from lib.store.migrations import latest_version
from lib.store.server import is_server, shown


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore."""

    target: Path
    backup: Path
    row_counts: dict[str, int]
    previous: Path | None  # where the replaced store was kept, if there was one

    def as_dict(self) -> dict:
        """Plain values for JSON."""
        return {
            "target": str(self.target),
            "backup": str(self.backup),
            "tables": len(self.row_counts),
            "rows": sum(self.row_counts.values()),
            "previous": None if self.previous is None else str(self.previous),
        }


def _settle_existing(target: Path) -> None:
    """Refuse a store held by another process; fold a closed store's WAL into its file."""
    try:
        probe = Store(target)
    except StoreError as exc:
        if is_lock_error(exc):
            raise StoreBusy(
                f"store {target} is open in another process (the app?): stop it before restoring"
            ) from exc
        return  # unreadable or damaged: a forced restore replaces it (kept as .bak)
    probe.close()  # closing checkpoints: the old store is whole in its one file


def _remove_file_set(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def _checked_manifest(backup_dir: Path, target: Path, force_unsigned: bool) -> tuple[dict, str]:
    """The verified manifest and what became of its signature ("valid" or why forced)."""
    if not force_unsigned:
        return verify_backup(backup_dir, backup_key(target)), "valid"
    manifest = verify_backup(backup_dir)
    try:
        problem = signature_problem(manifest, backup_key(target))
    except BackupRefused as exc:
        problem = str(exc)
    return manifest, f"restored with --force-unsigned: {problem or 'valid'}"


def restore_backup(
    backup_dir: str | Path,
    target: str | Path,
    *,
    force: bool = False,
    force_unsigned: bool = False,
    actor: str = "system",
    origin: str = "cli",
    now: datetime | None = None,
) -> RestoreResult:
    """Rebuild the store at `target` from a backup, replacing it only once the copy is proven.

    Order: check the signature (BackupRefused unless force_unsigned), manifest
    and checksums (nothing touched on failure); refuse when target exists without
    force or is open by another process; build target.restore.tmp from the
    migrations and the backup's data; compare row counts; audit into the new
    store; keep the old store as .bak-<time>; rename the new one over target.
    """
    backup_dir = Path(backup_dir).resolve()
    now = now or datetime.now()
    if not (backup_dir / MANIFEST_NAME).exists() and (inside := list_backups(backup_dir)):
        raise BackupError(
            f"{backup_dir} holds {len(inside)} backups: give one of them, "
            f"e.g. {inside[-1][0]} (the newest)"
        )
    if is_server(str(target)):
        return _restore_to_server(backup_dir, str(target), force_unsigned, actor, origin, now)
    target = Path(target).resolve()
    manifest, signature = _checked_manifest(backup_dir, target, force_unsigned)
    if target.exists():
        if not force:
            raise BackupError(f"store {target} exists: add --force to replace it")
        _settle_existing(target)
    tmp = target.with_name(target.name + ".restore.tmp")
    _remove_file_set(tmp)  # a restore killed earlier may have left one
    try:
        counts = _build(tmp, backup_dir, manifest, target, actor, origin, now, signature)
    except StoreError as exc:
        _remove_file_set(tmp)
        first_line = (str(exc).splitlines() or [""])[0]
        raise BackupError(f"cannot restore {backup_dir}: {first_line}") from exc
    except BaseException:
        _remove_file_set(tmp)
        raise
    kill_point("restore.built")
    previous = _swap_in(tmp, target, now)
    return RestoreResult(target, backup_dir, counts, previous)


def _restore_to_server(
    backup_dir: Path, url: str, force_unsigned: bool, actor, origin, now
) -> RestoreResult:
    """Into a new, empty database on the store server; the store in use is never touched
    (the server's own tools keep and drop databases; point EIS_STORE at the new one)."""
    manifest, signature = _checked_manifest(backup_dir, url, force_unsigned)
    try:
        with Store(url) as probe:
            if probe.schema_version() > 0:
                raise BackupError(
                    f"{shown(url)} already holds a store: restore into a new, empty database "
                    "(createdb NAME), then point EIS_STORE at it"
                )
        counts = _fill(url, backup_dir, manifest, url, actor, origin, now, signature)
    except StoreError as exc:
        first_line = (str(exc).splitlines() or [""])[0]
        raise BackupError(f"cannot restore {backup_dir}: {first_line}") from exc
    return RestoreResult(url, backup_dir, counts, None)


def _build(
    tmp: Path, backup_dir: Path, manifest: dict, target: Path, actor, origin, now, signature
) -> dict[str, int]:
    """A new store file: migrations up to the backup's version, its data, proven, audited."""
    counts = _fill(tmp, backup_dir, manifest, target, actor, origin, now, signature)
    if tmp.with_name(tmp.name + ".wal").exists():
        raise BackupError(f"the new store {tmp} did not close cleanly (its WAL remains)")
    os.chmod(tmp, 0o600)
    fsync_path(tmp)
    return counts


def _fill(
    location, backup_dir: Path, manifest: dict, target, actor, origin, now, signature
) -> dict[str, int]:
    """Migrations up to the backup's version, its data, proven, the restore audited."""
    version = int(manifest["schema_version"])
    with Store(location) as fresh:
        fresh.migrate(until=version)
        if fresh.schema_version() != version:
            raise BackupError(f"backup schema version {version} is not one of this program's")
        files = {str(t): backup_dir / table_file(str(t)) for t in manifest["tables"]}
        counts = fresh.load_snapshot(files, manifest.get("sequences") or {})
        expected = {str(k): int(v) for k, v in manifest["tables"].items()}
        if counts != expected:
            diff = sorted(
                t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t)
            )
            raise BackupError(f"restored row counts differ from the manifest in: {diff}")
        migrations = fresh.table_frame("schema_migrations")["number"].tolist()
        if migrations != list(range(1, version + 1)):
            raise BackupError(f"schema_migrations of the backup is not 1..{version}: {migrations}")
        if version < latest_version():
            fresh.migrate()
        fresh.record_audit(
            actor,
            "restore",
            target=str(target),
            detail={
                "backup": str(backup_dir),
                "backup_created_at": manifest["created_at"],
                "rows": sum(counts.values()),
                "signature": signature,
            },
            origin=origin,
            at=now,
        )
    return counts


def _kept_name(target: Path, now: datetime) -> Path:
    """target.bak-YYYYmmdd-HHMMSS, with -2, -3 ... when that name is taken."""
    base = f"{target.name}.bak-{now:%Y%m%d-%H%M%S}"
    name, n = base, 1
    while (target.parent / name).exists() or (target.parent / f"{name}.wal").exists():
        n += 1
        name = f"{base}-{n}"
    return target.parent / name


def _keep_previous(target: Path, kept: Path) -> None:
    """A second name (hard link, else a synced copy) for the old store and any WAL it has."""
    for src, dst in ((target, kept), (Path(f"{target}.wal"), Path(f"{kept}.wal"))):
        if not src.exists():
            continue
        try:
            os.link(src, dst)
        except OSError:  # no hard links on this file system: copy instead
            shutil.copy2(src, dst)
            fsync_path(dst)


def _swap_in(tmp: Path, target: Path, now: datetime) -> Path | None:
    """Keep the old store as .bak-<time>, then rename the new one over target in one step."""
    previous = None
    if target.exists():
        previous = _kept_name(target, now)
        _keep_previous(target, previous)
        fsync_path(target.parent)
        kill_point("restore.kept_previous")
        wal = Path(f"{target}.wal")
        if wal.exists():  # a damaged old store's WAL (kept above) must not meet the new file
            wal.unlink()
    os.replace(tmp, target)
    fsync_path(target.parent)
    kill_point("restore.replaced")
    return previous

"""Restore of the store from one backup folder, replacing the store only once the copy is proven.

A restore checks the manifest and every checksum first (nothing is touched when
they fail), imports into a new file next to the target, compares the row counts,
and only then moves the old store aside (``.bak``) and the new one into place.
A restore always needs the app stopped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lib.services.backup.archive import (
    MANIFEST_NAME,
    BackupError,
    StoreBusy,
    is_lock_error,
    list_backups,
    verify_backup,
)
from lib.store import Store, StoreError
from lib.store.migrations import latest_version


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore."""

    target: Path
    backup: Path
    row_counts: dict[str, int]
    previous: Path | None  # where the replaced store was moved, if there was one

    def as_dict(self) -> dict:
        """Plain values for JSON."""
        return {
            "target": str(self.target),
            "backup": str(self.backup),
            "tables": len(self.row_counts),
            "rows": sum(self.row_counts.values()),
            "previous": None if self.previous is None else str(self.previous),
        }


def _ensure_not_in_use(target: Path) -> None:
    try:
        probe = Store(target, read_only=True)
    except StoreError as exc:
        if is_lock_error(exc):
            raise StoreBusy(
                f"store {target} is open in another process (the app?): stop it before restoring"
            ) from exc
        return  # unreadable or damaged: a forced restore replaces it
    probe.close()


def _remove_file_set(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def restore_backup(
    backup_dir: str | Path,
    target: str | Path,
    *,
    force: bool = False,
    actor: str = "system",
    origin: str = "cli",
    now: datetime | None = None,
) -> RestoreResult:
    """Rebuild the store at `target` from a backup, replacing it only once the copy is proven.

    Order: verify manifest and checksums (nothing touched on failure); refuse when
    target exists without force or is open by another process; IMPORT into
    target.tmp; compare row counts; write the restore audit entry into the new
    store; move target to target.bak and target.tmp to target.
    """
    backup_dir = Path(backup_dir).resolve()
    target = Path(target).resolve()
    if not (backup_dir / MANIFEST_NAME).exists() and (inside := list_backups(backup_dir)):
        raise BackupError(
            f"{backup_dir} holds {len(inside)} backups: give one of them, "
            f"e.g. {inside[-1][0]} (the newest)"
        )
    manifest = verify_backup(backup_dir)
    if target.exists():
        if not force:
            raise BackupError(f"store {target} exists: add --force to replace it")
        _ensure_not_in_use(target)
    tmp = target.with_name(target.name + ".tmp")
    _remove_file_set(tmp)
    try:
        counts = _import_checked(tmp, backup_dir, manifest, target, actor, origin, now)
    except StoreError as exc:
        _remove_file_set(tmp)
        first_line = (str(exc).splitlines() or [""])[0]
        raise BackupError(f"cannot restore {backup_dir}: {first_line}") from exc
    except BaseException:
        _remove_file_set(tmp)
        raise
    previous = _move_into_place(tmp, target)
    return RestoreResult(target, backup_dir, counts, previous)


def _import_checked(
    tmp: Path, backup_dir: Path, manifest: dict, target: Path, actor, origin, now
) -> dict[str, int]:
    """Import a backup into a new store file, prove its row counts, migrate and audit it."""
    with Store(tmp) as fresh:
        fresh.import_database(backup_dir)
        counts = fresh.table_row_counts()
        expected = {str(k): int(v) for k, v in manifest["tables"].items()}
        if counts != expected:
            diff = sorted(
                t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t)
            )
            raise BackupError(f"restored row counts differ from the manifest in: {diff}")
        if fresh.schema_version() < latest_version():
            fresh.migrate()
        fresh.record_audit(
            actor,
            "restore",
            target=str(target),
            detail={
                "backup": str(backup_dir),
                "backup_created_at": manifest["created_at"],
                "rows": sum(counts.values()),
            },
            origin=origin,
            at=now,
        )
    return counts


def _move_into_place(tmp: Path, target: Path) -> Path | None:
    """Move the old store (and its WAL) to .bak and the new one to target; the .bak path."""
    previous = None
    if target.exists():
        previous = target.with_name(target.name + ".bak")
        _remove_file_set(previous)
        os.replace(target, previous)
        wal = target.with_name(target.name + ".wal")
        if wal.exists():
            os.replace(wal, previous.with_name(previous.name + ".wal"))
    os.replace(tmp, target)
    return previous

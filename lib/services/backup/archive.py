"""Backups of the store: Parquet exports with a signed manifest, rotation, schedule.

A backup is a folder ``eis-backup-YYYYmmdd-HHMMSS`` holding one Parquet file
per table (data only, readable by any DuckDB version; no SQL) plus
``manifest.json``: schema version, rows and columns per table and sequence
values (read in the same transaction as the export), size and SHA-256 of every
file, created_at, and an HMAC-SHA256 signature over all of it with a key kept
outside the backup (`signing`). It is written into a hidden temporary folder
(0700, files 0600), synced and renamed when complete, so a half-written backup
never looks like a backup. SQL stays in lib.store; this module orchestrates files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lib.services.backup.signing import (
    BackupError,
    backup_key,
    check_signature,
    sign_manifest,
)
from lib.store import Store, StoreError
from lib.store.connection import StoreInUse, kill_point
from lib.store.migrations import latest_version

BACKUP_PREFIX = "eis-backup-"
BACKUP_NAME = re.compile(r"^eis-backup-(\d{8}-\d{6})(?:-(\d+))?$")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "eis-backup"
MANIFEST_FORMAT_VERSION = 2  # 2: one Parquet file per table, signed; 1: EXPORT DATABASE

# Defaults for scheduled backups and the admin page's warning (the lead may move
# them to lib/settings.py).
DEFAULT_KEEP = 14
DEFAULT_INTERVAL_HOURS = 24.0
STALE_AFTER_HOURS = 48.0
# A scheduled backup that failed is tried again after this long.
FAILED_RETRY = timedelta(hours=1)


class StoreBusy(BackupError):
    """The store file is held by another process (the running app)."""


@dataclass(frozen=True)
class BackupResult:
    """A finished backup."""

    path: Path
    created_at: datetime
    row_counts: dict[str, int]
    removed: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain values for JSON (CLI output, spool results)."""
        return {
            "path": str(self.path),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "tables": len(self.row_counts),
            "rows": sum(self.row_counts.values()),
            "removed": [str(p) for p in self.removed],
        }


# -- helpers ---------------------------------------------------------------------
def is_lock_error(exc: BaseException) -> bool:
    """True when DuckDB refused to open a file because another process holds its lock."""
    text = str(exc).lower()
    return isinstance(exc, StoreInUse) or "could not set lock" in text or "conflicting lock" in text


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_json_atomic(path: Path, obj: dict) -> None:
    """Write JSON (0600) to a temporary file and rename it into place (never half a file)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's data and entries to the disk (before a rename relies on it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_name(now: datetime, root: Path) -> str:
    base = f"{BACKUP_PREFIX}{now:%Y%m%d-%H%M%S}"
    name, n = base, 1
    while (root / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


# -- backup ----------------------------------------------------------------------
def backup_store(
    store: Store,
    root: str | Path,
    keep: int | None = None,
    *,
    actor: str = "system",
    origin: str = "cli",
    now: datetime | None = None,
) -> BackupResult:
    """Export the store into root/eis-backup-<time>/ with a manifest; keep the newest `keep`.

    Callers check the permission (`lib.auth.require(user, "backup")`) first.
    Audits backup (or backup_failed) in the store.
    """
    if keep is not None and keep < 1:
        raise ValueError("keep must be at least 1")
    root = Path(root).resolve()
    now = now or datetime.now()
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"cannot create the backup folder {root}: {exc}") from exc
    name = _backup_name(now, root)
    tmp = root / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    try:
        key = backup_key(store.path, create=True)
        snapshot = store.export_snapshot(tmp)
        counts = snapshot["tables"]
        kill_point("backup.exported")
        manifest = _manifest(store, snapshot, tmp, now)
        write_json_atomic(tmp / MANIFEST_NAME, sign_manifest(manifest, key))
        fsync_path(tmp)
        kill_point("backup.manifest_written")
        final = root / name
        os.rename(tmp, final)
        fsync_path(root)
        kill_point("backup.renamed")
    except (StoreError, OSError, BackupError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        store.record_audit(
            actor, "backup_failed", target=str(root), detail={"error": str(exc)}, origin=origin
        )
        raise BackupError(f"backup failed: {exc}") from exc
    detail: dict = {"tables": len(counts), "rows": sum(counts.values())}
    try:
        removed = rotate_backups(root, keep) if keep else []
    except OSError as exc:
        detail["rotation_error"] = str(exc)
        store.record_audit(actor, "backup", str(final), detail, origin, now)
        raise BackupError(f"backup written to {final}; removing old ones failed: {exc}") from exc
    detail["removed"] = [p.name for p in removed]
    store.record_audit(actor, "backup", target=str(final), detail=detail, origin=origin, at=now)
    return BackupResult(final, now.replace(microsecond=0), counts, removed)


def _manifest(store: Store, snapshot: dict, folder: Path, now: datetime) -> dict:
    """The manifest of an exported folder: its files' size and SHA-256 (files synced, 0600)."""
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            os.chmod(path, 0o600)
            fsync_path(path)
            files[path.name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_FORMAT_VERSION,
        "created_at": now.isoformat(timespec="seconds"),
        "schema_version": store.schema_version(),
        "engine_version": store.engine_version(),
        "source": str(store.path),
        "tables": snapshot["tables"],
        "columns": snapshot["columns"],
        "sequences": snapshot["sequences"],
        "files": files,
    }


def read_manifest(backup_dir: str | Path) -> dict:
    """The parsed manifest of a backup folder; BackupError when missing or not ours."""
    path = Path(backup_dir) / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"not a backup: {backup_dir} has no {MANIFEST_NAME}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"unreadable manifest in {backup_dir}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"not an EIS backup manifest: {path}")
    for key in ("created_at", "schema_version", "tables", "files"):
        if key not in manifest:
            raise BackupError(f"manifest {path} lacks {key!r}")
    tables, files = manifest["tables"], manifest["files"]
    if not (
        isinstance(tables, dict)
        and all(isinstance(v, int) for v in tables.values())
        and isinstance(files, dict)
        and all(isinstance(v, dict) for v in files.values())
        and isinstance(manifest["schema_version"], int)
    ):
        raise BackupError(f"damaged manifest {path}: tables, files or schema_version malformed")
    try:
        _created_at(manifest)
    except (TypeError, ValueError) as exc:
        raise BackupError(f"damaged manifest {path}: bad created_at") from exc
    return manifest


def verify_backup(backup_dir: str | Path, key: bytes | None = None) -> dict:
    """Check the manifest (and its signature, given the key), every file's size and sha256.

    Returns the manifest or raises BackupError (BackupRefused for the signature).
    """
    backup_dir = Path(backup_dir)
    manifest = read_manifest(backup_dir)
    if key is not None:
        check_signature(manifest, key, backup_dir)
    if manifest.get("format_version", 0) > MANIFEST_FORMAT_VERSION:
        raise BackupError(f"backup format {manifest['format_version']} is newer than this program")
    if int(manifest["schema_version"]) > latest_version():
        raise BackupError(
            f"backup schema version {manifest['schema_version']} is newer than this "
            f"program's ({latest_version()}): update the program first"
        )
    files = manifest["files"]
    for table in manifest["tables"]:
        if table_file(table) not in files:
            raise BackupError(f"damaged backup {backup_dir}: {table_file(table)} is not listed")
    for name, expected in sorted(files.items()):
        if Path(name).name != name or name.startswith("."):
            raise BackupError(f"damaged backup {backup_dir}: bad file name {name!r}")
        path = backup_dir / name
        if not path.is_file():
            raise BackupError(f"damaged backup {backup_dir}: {name} is missing")
        if path.stat().st_size != expected.get("bytes"):
            raise BackupError(f"damaged backup {backup_dir}: {name} has the wrong size")
        if sha256_file(path) != expected.get("sha256"):
            raise BackupError(f"damaged backup {backup_dir}: checksum of {name} differs")
    return manifest


def table_file(table: str) -> str:
    """The Parquet file of a table in a backup folder."""
    return f"{table}.parquet"


def _created_at(manifest: dict) -> datetime:
    return datetime.fromisoformat(manifest["created_at"])


def list_backups(root: str | Path) -> list[tuple[Path, datetime]]:
    """Complete backups under root (a readable manifest), oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if not (path.is_dir() and BACKUP_NAME.match(path.name)):
            continue
        try:
            found.append((path, _created_at(read_manifest(path))))
        except (BackupError, ValueError):
            continue  # not complete or not ours: never counted, never removed
    return sorted(found, key=lambda pc: (pc[1], _sequence(pc[0].name)))


def _sequence(name: str) -> int:
    match = BACKUP_NAME.match(name)
    return int(match.group(2) or 1) if match else 0


def rotate_backups(root: str | Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups under root; return what was removed."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    backups = list_backups(root)
    doomed = [path for path, _ in backups[:-keep]]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def last_good_backup(root: str | Path, verify: bool = True) -> tuple[Path, datetime] | None:
    """The newest backup under root whose checksums hold (or whose manifest reads), or None."""
    for path, created_at in reversed(list_backups(root)):
        if not verify:
            return path, created_at
        try:
            verify_backup(path)
        except BackupError:
            continue
        return path, created_at
    return None


def scheduled_backup_due(
    last_backup_at: datetime | None, interval_hours: float, now: datetime | None = None
) -> bool:
    """True when no backup exists or the last one is interval_hours old or more."""
    if last_backup_at is None:
        return True
    return (now or datetime.now()) - last_backup_at >= timedelta(hours=interval_hours)


def backup_is_stale(
    last_backup_at: datetime | None,
    now: datetime | None = None,
    stale_after_hours: float = STALE_AFTER_HOURS,
) -> bool:
    """True when the admin page should warn: no good backup, or one older than the limit."""
    return scheduled_backup_due(last_backup_at, stale_after_hours, now)


def run_scheduled_backup(
    store: Store,
    root: str | Path,
    interval_hours: float = DEFAULT_INTERVAL_HOURS,
    keep: int = DEFAULT_KEEP,
    now: datetime | None = None,
) -> BackupResult | None:
    """Take a backup when one is due (the worker calls this); None when not due."""
    last = last_good_backup(root, verify=False)
    if not scheduled_backup_due(None if last is None else last[1], interval_hours, now):
        return None
    return backup_store(store, root, keep, actor="system", origin="schedule", now=now)

"""Backup and restore of the store: Parquet exports with a checked manifest, rotation,
and a request spool so that a backup can be taken while the app holds the file.

A backup is a folder ``eis-backup-YYYYmmdd-HHMMSS`` made by DuckDB's
``EXPORT DATABASE ... (FORMAT parquet)`` (readable by any DuckDB version) plus
``manifest.json``: schema version, row count per table (counted in the same
transaction as the export), size and sha256 of every file, created_at. It is
written into a hidden temporary folder and renamed when complete, so a
half-written backup never looks like a backup.

A restore checks the manifest and every checksum first (nothing is touched when
they fail), imports into a new file next to the target, compares the row counts,
and only then moves the old store aside (``.bak``) and the new one into place.

Backup while the app runs: DuckDB lets one process at a time open a file for
writing, and the app holds its store. When ``python -m lib backup DIR`` cannot
open the store because another process holds it, it writes a request file into
the spool folder next to the store (``data/requests/``) and polls for the result
file. The app's background worker (`run_worker`, or `process_requests` called
periodically) takes the request, runs the export on its own open store, and
writes the result. A restore always needs the app stopped.

SQL stays in lib/db.py; this module orchestrates files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lib.store import Store, StoreError
from lib.store.migrations import latest_version

log = logging.getLogger(__name__)

BACKUP_PREFIX = "eis-backup-"
BACKUP_NAME = re.compile(r"^eis-backup-(\d{8}-\d{6})(?:-(\d+))?$")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "eis-backup"
MANIFEST_FORMAT_VERSION = 1

# Defaults for scheduled backups and the admin page's warning (the lead may move
# them to lib/settings.py).
DEFAULT_KEEP = 14
DEFAULT_INTERVAL_HOURS = 24.0
STALE_AFTER_HOURS = 48.0
# A scheduled backup that failed is tried again after this long.
FAILED_RETRY = timedelta(hours=1)

REQUESTS_DIRNAME = "requests"
REQUEST_SUFFIX = ".request.json"
WORKING_SUFFIX = ".working.json"
RESULT_SUFFIX = ".result.json"
DEFAULT_REQUEST_TIMEOUT_S = 300.0


class BackupError(RuntimeError):
    """A backup or restore that failed; the message is one line for the user."""


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


# -- helpers ---------------------------------------------------------------------
def is_lock_error(exc: BaseException) -> bool:
    """True when DuckDB refused to open a file because another process holds its lock."""
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the backup folder {root}: {exc}") from exc
    name = _backup_name(now, root)
    tmp = root / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    try:
        counts = store.export_snapshot(tmp)
        files = {
            p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size}
            for p in sorted(tmp.iterdir())
            if p.is_file()
        }
        manifest = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_FORMAT_VERSION,
            "created_at": now.isoformat(timespec="seconds"),
            "schema_version": store.schema_version(),
            "engine_version": store.engine_version(),
            "source": str(store.path),
            "tables": counts,
            "files": files,
        }
        _write_json_atomic(tmp / MANIFEST_NAME, manifest)
        final = root / name
        os.rename(tmp, final)
    except (StoreError, OSError) as exc:
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


def verify_backup(backup_dir: str | Path) -> dict:
    """Check the manifest, every file's size and sha256; return the manifest or raise."""
    backup_dir = Path(backup_dir)
    manifest = read_manifest(backup_dir)
    if manifest.get("format_version", 0) > MANIFEST_FORMAT_VERSION:
        raise BackupError(f"backup format {manifest['format_version']} is newer than this program")
    if int(manifest["schema_version"]) > latest_version():
        raise BackupError(
            f"backup schema version {manifest['schema_version']} is newer than this "
            f"program's ({latest_version()}): update the program first"
        )
    files = manifest["files"]
    for required in ("schema.sql", "load.sql"):
        if required not in files:
            raise BackupError(f"damaged backup {backup_dir}: {required} is not in the manifest")
    for name, expected in sorted(files.items()):
        if Path(name).name != name:
            raise BackupError(f"damaged backup {backup_dir}: bad file name {name!r}")
        path = backup_dir / name
        if not path.is_file():
            raise BackupError(f"damaged backup {backup_dir}: {name} is missing")
        if path.stat().st_size != expected.get("bytes"):
            raise BackupError(f"damaged backup {backup_dir}: {name} has the wrong size")
        if sha256_file(path) != expected.get("sha256"):
            raise BackupError(f"damaged backup {backup_dir}: checksum of {name} differs")
    return manifest


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


# -- restore ---------------------------------------------------------------------
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
    except StoreError as exc:
        _remove_file_set(tmp)
        first_line = (str(exc).splitlines() or [""])[0]
        raise BackupError(f"cannot restore {backup_dir}: {first_line}") from exc
    except BaseException:
        _remove_file_set(tmp)
        raise
    previous = None
    if target.exists():
        previous = target.with_name(target.name + ".bak")
        _remove_file_set(previous)
        os.replace(target, previous)
        wal = target.with_name(target.name + ".wal")
        if wal.exists():
            os.replace(wal, previous.with_name(previous.name + ".wal"))
    os.replace(tmp, target)
    return RestoreResult(target, backup_dir, counts, previous)


# -- request spool (backup while the app runs) ------------------------------------
def spool_dir_for(store_path: str | Path) -> Path:
    """The request folder next to a store file: data/requests/ for data/eis.duckdb."""
    return Path(store_path).resolve().parent / REQUESTS_DIRNAME


def submit_request(spool_dir: str | Path, kind: str, **params) -> str:
    """Drop a request file for the app's worker; return its id."""
    spool_dir = Path(spool_dir)
    spool_dir.mkdir(parents=True, exist_ok=True)
    request_id = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    body = {
        "id": request_id,
        "kind": kind,
        "requested_at": datetime.now().isoformat(timespec="seconds"),
        **params,
    }
    _write_json_atomic(spool_dir / f"{request_id}{REQUEST_SUFFIX}", body)
    return request_id


def wait_for_result(
    spool_dir: str | Path,
    request_id: str,
    timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    poll_s: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """Poll for the worker's result of a request; withdraw it and raise BackupError on timeout."""
    spool_dir = Path(spool_dir)
    result_path = spool_dir / f"{request_id}{RESULT_SUFFIX}"
    deadline = clock() + timeout_s
    while True:
        if result_path.exists():
            result = json.loads(result_path.read_text(encoding="utf-8"))
            result_path.unlink()
            return result
        if clock() >= deadline:
            break
        sleep(poll_s)
    request_path = spool_dir / f"{request_id}{REQUEST_SUFFIX}"
    try:
        request_path.unlink()
    except FileNotFoundError:
        raise BackupError(
            f"the app took request {request_id} but did not finish within {timeout_s:g} s; "
            "look for the backup later"
        ) from None
    raise BackupError(
        f"the store is in use and the app did not answer within {timeout_s:g} s "
        "(is its background worker running?); request withdrawn"
    )


def _run_request(store: Store, request: dict) -> dict:
    if request.get("kind") != "backup":
        raise ValueError(f"unknown request kind {request.get('kind')!r} (only backup)")
    dest = Path(str(request.get("dest", "")))
    if not dest.is_absolute():
        raise ValueError("request dest must be an absolute folder path")
    keep = request.get("keep")
    result = backup_store(
        store,
        dest,
        None if keep is None else int(keep),
        actor=str(request.get("requested_by") or "cli"),
        origin=f"app worker, request from {request.get('origin') or 'cli'}",
    )
    return result.as_dict()


def process_requests(store: Store, spool_dir: str | Path) -> list[dict]:
    """Fulfil every pending request in the spool; write a result file for each; return them.

    The app's background worker calls this periodically with its own open store.
    A request is claimed by renaming it, so two workers never run the same one.
    """
    spool_dir = Path(spool_dir)
    if not spool_dir.is_dir():
        return []
    results = []
    for request_path in sorted(spool_dir.glob(f"*{REQUEST_SUFFIX}")):
        request_id = request_path.name[: -len(REQUEST_SUFFIX)]
        working = spool_dir / f"{request_id}{WORKING_SUFFIX}"
        try:
            os.replace(request_path, working)
        except FileNotFoundError:
            continue  # withdrawn or taken by another worker
        result: dict = {"id": request_id}
        try:
            request = json.loads(working.read_text(encoding="utf-8"))
            result.update(ok=True, **_run_request(store, request))
        except (BackupError, StoreError, OSError, ValueError, TypeError) as exc:
            log.warning("backup request %s failed: %s", request_id, exc)
            result.update(ok=False, error=str(exc))
        _write_json_atomic(spool_dir / f"{request_id}{RESULT_SUFFIX}", result)
        working.unlink()
        results.append(result)
    return results


def run_worker(
    store: Store,
    spool_dir: str | Path,
    stop: threading.Event,
    poll_s: float = 2.0,
    backup_root: str | Path | None = None,
    interval_hours: float = DEFAULT_INTERVAL_HOURS,
    keep: int = DEFAULT_KEEP,
) -> None:
    """Loop until `stop` is set: fulfil spooled requests and (with backup_root) scheduled backups.

    Meant for a daemon thread of the app, e.g.
    ``threading.Thread(target=run_worker, args=(store, spool, stop), daemon=True)``.
    """
    retry_at: datetime | None = None  # after a failed scheduled backup, wait before retrying
    while not stop.is_set():
        try:
            process_requests(store, spool_dir)
        except (BackupError, StoreError, OSError) as exc:
            log.error("backup worker (request): %s", exc)
        if backup_root is not None and (retry_at is None or datetime.now() >= retry_at):
            try:
                run_scheduled_backup(store, backup_root, interval_hours, keep)
                retry_at = None
            except (BackupError, StoreError, OSError) as exc:
                # one audited failure per hour, not one every poll (a full disk stays full)
                retry_at = datetime.now() + FAILED_RETRY
                log.error("backup worker (schedule): %s; next try at %s", exc, retry_at)
        stop.wait(poll_s)

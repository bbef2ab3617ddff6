"""Backup while the app runs: a request spool next to the store and the app's worker.

DuckDB lets one process at a time open a file for writing, and the app holds
its store. When ``python -m lib backup DIR`` cannot open the store because
another process holds it, it writes a request file into the spool folder next to
the store (``data/requests/``) and polls for the result file. The app's
background worker (`run_worker`, or `process_requests` called periodically)
takes the request, runs the export on its own open store, and writes the result.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from lib.core.settings import db_path
from lib.services.backup.archive import (
    DEFAULT_INTERVAL_HOURS,
    DEFAULT_KEEP,
    FAILED_RETRY,
    BackupError,
    backup_store,
    run_scheduled_backup,
    write_json_atomic,
)
from lib.store import Store, StoreError
from lib.store.server import is_server

log = logging.getLogger(__name__)

REQUESTS_DIRNAME = "requests"
REQUEST_SUFFIX = ".request.json"
WORKING_SUFFIX = ".working.json"
RESULT_SUFFIX = ".result.json"
DEFAULT_REQUEST_TIMEOUT_S = 300.0


def spool_dir_for(store_path: str | Path) -> Path:
    """The request folder next to a store file: data/requests/ for data/eis.duckdb (for a
    shared store, next to this server's own data/eis.duckdb path)."""
    local = db_path() if is_server(str(store_path)) else Path(store_path)
    return local.resolve().parent / REQUESTS_DIRNAME


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
    write_json_atomic(spool_dir / f"{request_id}{REQUEST_SUFFIX}", body)
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
        write_json_atomic(spool_dir / f"{request_id}{RESULT_SUFFIX}", result)
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

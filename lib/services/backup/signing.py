"""The backup key and the HMAC-SHA256 signature over a backup's manifest.

The manifest holds every file's SHA-256, so its signature covers the whole
backup. The key is kept outside every backup: ``$EIS_BACKUP_KEY``, else the key
file ``.backup-key`` beside the store, created (32 random bytes, mode 0600) by
the first backup. A restore on another server needs the same key (set the
variable, or copy the file beside the store there).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from lib.core.settings import BACKUP_KEY_ENV, BACKUP_KEY_FILE, db_path
from lib.store.server import is_server

SIGNATURE_FIELD = "signature"
SIGNATURE_ALGORITHM = "hmac-sha256"


class BackupError(RuntimeError):
    """A backup or restore that failed; the message is one line for the user."""


class BackupRefused(BackupError):
    """A backup whose signature is missing or wrong, or with no key here to check it."""


def key_file_for(store_path: str | Path) -> Path:
    """The key file beside a store: data/.backup-key for data/eis.duckdb."""
    # a shared store's servers share $EIS_BACKUP_KEY; else each has data/.backup-key
    local = str(store_path) == ":memory:" or is_server(str(store_path))
    path = db_path() if local else Path(store_path)
    return path.resolve().parent / BACKUP_KEY_FILE


def backup_key(store_path: str | Path, create: bool = False) -> bytes:
    """$EIS_BACKUP_KEY, else the key file beside the store (made 0600 when `create`)."""
    if os.environ.get(BACKUP_KEY_ENV):
        return os.environ[BACKUP_KEY_ENV].encode("utf-8")
    path = key_file_for(store_path)
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            fd = None  # another process made it a moment ago: use theirs
        if fd is not None:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise BackupRefused(
            f"no backup key here to check the backup's signature: set {BACKUP_KEY_ENV} to the "
            f"key of the server that made it, or copy its key file to {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"cannot read the backup key {path}: {exc}") from exc
    if not key:
        raise BackupError(f"the backup key file {path} is empty")
    return key.encode("ascii")


def _canonical(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != SIGNATURE_FIELD}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_id(key: bytes) -> str:
    """A short public name of a key (which key signed a backup), not the key."""
    return hashlib.sha256(b"eis-backup-key-id:" + key).hexdigest()[:12]


def sign_manifest(manifest: dict, key: bytes) -> dict:
    """The manifest with its signature (HMAC-SHA256 of its canonical JSON) added."""
    digest = hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest()
    signature = {"algorithm": SIGNATURE_ALGORITHM, "key_id": key_id(key), "value": digest}
    return {**manifest, SIGNATURE_FIELD: signature}


def signature_problem(manifest: dict, key: bytes) -> str | None:
    """Why the manifest's signature does not hold with this key, or None when it does."""
    signature = manifest.get(SIGNATURE_FIELD)
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "the backup is not signed"
    if signature.get("algorithm") != SIGNATURE_ALGORITHM:
        return f"unknown signature algorithm {signature.get('algorithm')!r}"
    digest = hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest()
    if hmac.compare_digest(digest, signature["value"]):
        return None
    if signature.get("key_id") != key_id(key):
        return (
            f"the backup was signed with another key (key id {signature.get('key_id')}, "
            f"this server's {key_id(key)})"
        )
    return "the manifest was changed after the backup was signed"


def check_signature(manifest: dict, key: bytes, where: str | Path) -> None:
    """Raise BackupRefused unless the manifest's signature holds with this key."""
    problem = signature_problem(manifest, key)
    if problem:
        raise BackupRefused(
            f"refusing backup {where}: {problem}; an administrator who trusts it may restore "
            "it with --force-unsigned"
        )

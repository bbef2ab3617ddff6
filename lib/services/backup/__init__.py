"""Backup and restore of the store, and backups taken while the app holds the file.

`from lib.services import backup` then `backup.backup_store(...)`: this
package's names are one facade over `archive` (Parquet exports with a signed
manifest, listing, rotation, schedule), `signing` (the key kept outside every
backup, the manifest's HMAC), `restore` (rebuild a store from the project's
schema and a backup's data only, proven before it is swapped in) and `spool`
(requests the command line drops next to a store in use, fulfilled by the
app's background worker).
Callers check the permission (`auth.require(user, "backup")`) first. SQL stays
in lib.store; this package orchestrates files.
"""

from lib.services.backup.archive import (
    BACKUP_NAME,
    BACKUP_PREFIX,
    DEFAULT_INTERVAL_HOURS,
    DEFAULT_KEEP,
    FAILED_RETRY,
    MANIFEST_FORMAT,
    MANIFEST_FORMAT_VERSION,
    MANIFEST_NAME,
    STALE_AFTER_HOURS,
    BackupError,
    BackupResult,
    StoreBusy,
    backup_is_stale,
    backup_store,
    is_lock_error,
    last_good_backup,
    list_backups,
    read_manifest,
    rotate_backups,
    run_scheduled_backup,
    scheduled_backup_due,
    sha256_file,
    verify_backup,
)
from lib.services.backup.restore import RestoreResult, restore_backup
from lib.services.backup.signing import (
    BackupRefused,
    backup_key,
    key_file_for,
    sign_manifest,
    signature_problem,
)
from lib.services.backup.spool import (
    DEFAULT_REQUEST_TIMEOUT_S,
    REQUEST_SUFFIX,
    REQUESTS_DIRNAME,
    RESULT_SUFFIX,
    WORKING_SUFFIX,
    process_requests,
    run_worker,
    spool_dir_for,
    submit_request,
    wait_for_result,
)

__all__ = [
    "BACKUP_NAME",
    "BACKUP_PREFIX",
    "DEFAULT_INTERVAL_HOURS",
    "DEFAULT_KEEP",
    "DEFAULT_REQUEST_TIMEOUT_S",
    "FAILED_RETRY",
    "MANIFEST_FORMAT",
    "MANIFEST_FORMAT_VERSION",
    "MANIFEST_NAME",
    "REQUESTS_DIRNAME",
    "REQUEST_SUFFIX",
    "RESULT_SUFFIX",
    "STALE_AFTER_HOURS",
    "WORKING_SUFFIX",
    "BackupError",
    "BackupRefused",
    "BackupResult",
    "RestoreResult",
    "StoreBusy",
    "backup_is_stale",
    "backup_key",
    "backup_store",
    "is_lock_error",
    "key_file_for",
    "last_good_backup",
    "list_backups",
    "process_requests",
    "read_manifest",
    "restore_backup",
    "rotate_backups",
    "run_scheduled_backup",
    "run_worker",
    "scheduled_backup_due",
    "sha256_file",
    "sign_manifest",
    "signature_problem",
    "spool_dir_for",
    "submit_request",
    "verify_backup",
    "wait_for_result",
]

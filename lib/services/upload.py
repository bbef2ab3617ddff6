"""The path every value takes into the store: read, validate, preview, commit, undo.

Reading and validation are pure (lib.ingest); this module adds what needs the
store: the comparison with current values, the jump check against each cell's
own history, the permission check, the rule of what a file with problems may
commit (`commit_refusal`) and the atomic commit through lib.store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lib import ingest
from lib.core import settings
from lib.core.i18n import InputError
from lib.services import auth
from lib.store import Store

# A new value further than this many robust standard deviations from the
# median of the cell's item x area history is flagged for a second look.
JUMP_FACTOR = 4.0
# ... and at least this share of the median (flat series have a MAD of zero).
JUMP_MIN_SHARE = 0.5
JUMP_MIN_HISTORY = 3

CELL_COLUMNS = ["item_code", "area_code", "period", "period_end", "value", "note"]


def checksum(data: bytes) -> str:
    """SHA-256 of a file's bytes (identifies a re-upload of the same file)."""
    return hashlib.sha256(data).hexdigest()


def flag_jumps(compare: pd.DataFrame, stats: pd.DataFrame) -> pd.Series:
    """True where a value jumps far outside its item x area's own history.

    >>> cmp = pd.DataFrame({"item_code": ["A", "A"], "area_code": ["10", "10"],
    ...                     "value": [105.0, 900.0]})
    >>> st = pd.DataFrame({"item_code": ["A"], "area_code": ["10"], "hist_median": [100.0],
    ...                    "hist_mad": [4.0], "hist_n": [12]})
    >>> flag_jumps(cmp, st).tolist()
    [False, True]
    """
    if compare.empty:
        return pd.Series([], dtype=bool)
    merged = compare[["item_code", "area_code", "value"]].merge(
        stats, on=["item_code", "area_code"], how="left"
    )
    spread = np.maximum(
        1.4826 * merged["hist_mad"].fillna(0).to_numpy(float) * JUMP_FACTOR,
        JUMP_MIN_SHARE * merged["hist_median"].abs().fillna(0).to_numpy(float),
    )
    distance = (merged["value"] - merged["hist_median"]).abs().to_numpy(float)
    enough = merged["hist_n"].fillna(0).to_numpy(float) >= JUMP_MIN_HISTORY
    return pd.Series(enough & (distance > spread), index=compare.index)


@dataclass
class Preview:
    """What a file would change: counts and rows of new, changed, unchanged, rejected."""

    result: ingest.UploadResult
    file_name: str
    checksum: str
    compare: pd.DataFrame = field(repr=False)
    counts: dict = field(default_factory=dict)
    earlier_batches: list[int] = field(default_factory=list)

    @property
    def problems(self) -> list:
        """Errors that reject rows (warnings such as empty cells are not counted)."""
        return self.result.errors

    def rows(self, change: str) -> pd.DataFrame:
        """Rows of one kind: new, changed, unchanged (rejected: see problems)."""
        return self.compare[self.compare["change"] == change]


def preview_upload(
    store: Store,
    data: bytes,
    file_name: str,
    *,
    item_code: str | None = None,
    period: str | None = None,
    as_of: date | None = None,
    progress: Callable[[float, str], None] | None = None,
    confirm_old_years: bool = False,
) -> Preview:
    """Read and validate a file and compare its clean cells with the store (no write).

    `progress(fraction, stage)` is told when each stage starts (stage: "read",
    "compare", "history", "done"), so a page can show how far a large file is;
    `confirm_old_years`: periods before the year that needs confirmation are read
    (see lib.ingest.read_upload).
    """
    step = progress or (lambda fraction, stage: None)
    step(0.0, "read")
    result = ingest.read_upload(
        data,
        file_name,
        store.catalog(),
        store.areas(),
        item_code=item_code,
        period=period,
        as_of=as_of or settings.today(),
        confirm_old_years=confirm_old_years,
    )
    clean = result.clean[CELL_COLUMNS]
    step(0.6, "compare")
    compare = store.compare_with_current(clean)
    if not compare.empty:
        step(0.8, "history")
        stats = store.history_stats(compare)
        compare["jump"] = flag_jumps(compare, stats).to_numpy()
        compare["jump_size"] = compare["value"] - compare["old_value"]
    else:
        compare = compare.assign(jump=pd.Series(dtype=bool), jump_size=pd.Series(dtype=float))
    counts = {
        change: int((compare["change"] == change).sum())
        for change in ("new", "changed", "unchanged")
    }
    counts["rejected"] = len({p.row for p in result.errors if p.row is not None})
    counts["flagged"] = int(compare["jump"].sum())
    earlier = store.find_batch_by_checksum(checksum(data))["batch_id"].astype(int).tolist()
    step(1.0, "done")
    return Preview(result, file_name, checksum(data), compare, counts, earlier)


class UploadRejected(InputError):
    """The file has problems and the user did not choose to commit only the clean rows."""


def commit_refusal(preview: Preview, clean_rows_only: bool = False) -> UploadRejected | None:
    """Why a previewed file may not be committed, or None when it may.

    The rule: a file with problems commits nothing, unless the user chose to
    commit only the rows without problems (the clean rows are then committed
    and the rejected rows reported). Every front end asks this function.
    """
    if not preview.problems or clean_rows_only:
        return None
    n = len(preview.problems)
    return UploadRejected(
        f"ไฟล์ {preview.file_name} มีปัญหา {n} รายการ จะไม่บันทึกค่าใด เว้นแต่เลือกบันทึกเฉพาะแถวที่ถูกต้อง",
        f"{n} problems in {preview.file_name}: nothing is committed "
        "unless only the rows without problems are chosen",
    )


def commit_upload(
    store: Store,
    preview: Preview,
    username: str,
    agency_code: str | None,
    *,
    clean_rows_only: bool = False,
    origin: str = "app",
) -> int | None:
    """Commit a previewed file as one batch; None when nothing would change.

    Raises UploadRejected when `commit_refusal` refuses the file.
    """
    refusal = commit_refusal(preview, clean_rows_only)
    if refusal is not None:
        raise refusal
    cells = preview.compare[CELL_COLUMNS]
    if cells.empty:
        return None
    batch = {
        "kind": "upload",
        "username": username,
        "agency_code": agency_code,
        "file_name": preview.file_name,
        "checksum": preview.checksum,
        "n_rejected": preview.counts.get("rejected", 0),
        "origin": origin,
    }
    audit = {
        "username": username,
        "action": "upload",
        "origin": origin,
        "detail": {
            "file": preview.file_name,
            "checksum": preview.checksum,
            "clean_rows_only": clean_rows_only,
        },
    }
    return store.commit_cells(cells, batch, audit)


def check_write(
    store: Store, user: auth.User | None, cells: pd.DataFrame, action: str = "upload", batch=None
) -> None:
    """Raise auth.PermissionDenied unless the user may write every item x area of the cells."""
    if cells.empty:
        return
    catalog = store.catalog().set_index("code")
    index = auth.load_area_index(store)
    for item_code, areas in cells.groupby("item_code")["area_code"]:
        item = catalog.loc[item_code].to_dict()
        auth.require(
            user, action, item=item, batch=batch, area_code=sorted(set(areas)), area_index=index
        )


def check_undo(store: Store, user: auth.User | None, batch_id: int) -> dict:
    """The batch record, after checking the user may undo it (auth.PermissionDenied if not)."""
    batch = store.batch(batch_id)
    if batch is None:
        raise ValueError(f"no batch {batch_id}")
    areas = store.batch_areas(batch_id)
    auth.require(
        user, "undo", batch=batch, area_code=areas or None, area_index=auth.load_area_index(store)
    )
    return batch


# -- writes on behalf of an account: check, audit a refusal, then write -------
def _checked(store: Store, user, action: str, target: str, origin: str, check) -> None:
    """Run a permission check; a refusal is audited and raised (auth.PermissionDenied)."""
    try:
        check()
    except auth.PermissionDenied as exc:
        auth.audit_denied(store, user, action, target, origin, reason=exc.message_en)
        raise


def check_as(store: Store, user, preview: Preview, origin: str = "app") -> None:
    """Refuse (audited, auth.PermissionDenied) a file the account may not write."""
    _checked(
        store,
        user,
        "upload",
        preview.file_name,
        origin,
        lambda: check_write(store, user, preview.compare),
    )


def commit_as(
    store: Store, user, preview: Preview, *, clean_rows_only: bool = False, origin: str = "app"
) -> int | None:
    """Commit a previewed file for an account, if it may write every cell it holds."""
    check_as(store, user, preview, origin)
    return commit_upload(
        store,
        preview,
        user.username,
        user.agency_code,
        clean_rows_only=clean_rows_only,
        origin=origin,
    )


def undo_as(store: Store, user, batch_id: int, origin: str = "app") -> dict:
    """Undo a batch for an account, if it may (the batch's agency and area)."""
    _checked(
        store, user, "undo", f"batch {batch_id}", origin, lambda: check_undo(store, user, batch_id)
    )
    return store.undo_batch(batch_id, user.username, origin=origin)


def verify_as(
    store: Store, user, batch_id: int, status: str = "verified", origin: str = "app"
) -> tuple[int, int | None]:
    """Verify (or reject) a batch's submitted values for the owner agency's verifier.

    Returns (cells, verify batch id or None when nothing was left to verify).
    """
    cells = store.batch_cells(batch_id)
    cells = cells[cells["status"] == "submitted"]
    _checked(
        store,
        user,
        "verify",
        f"batch {batch_id}",
        origin,
        lambda: check_write(store, user, cells, action="verify", batch=store.batch(batch_id)),
    )
    done = store.set_status(
        cells, status, user.username, origin, agency_code=user.agency_code, batch_id=batch_id
    )
    return len(cells), done

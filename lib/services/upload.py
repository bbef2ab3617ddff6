"""The path every value takes into the store: read, validate, preview, commit, undo.

Reading and validation are pure (lib.ingest); this module adds what needs the
store: the comparison with current values, the jump check against each cell's
own history, the data-quality warnings (lib.services.quality.upload_warnings:
outliers and broken validation rules; they warn, they never refuse a file),
the permission check, the rule of what a file with problems or
unconfirmed jumps may commit (`commit_refusal`), the atomic commit through
lib.store, and the verifier's judgement of submitted values, per value, per
selection or per batch (`submitted_values`, `verify_values_as`).
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
from lib.core import thaicalendar as tc
from lib.core.i18n import InputError
from lib.services import auth, quality
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
    return pd.Series(_jumps(_with_history(compare, stats)), index=compare.index)


def _with_history(compare: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Each compared value with its item x area's history (hist_median, hist_mad, hist_n;
    NaN without history), in the order of `compare`."""
    keys = ["item_code", "area_code"]
    columns = ["hist_median", "hist_mad", "hist_n"]
    if stats.empty:  # no cell holds history yet: no merge of every row for nothing
        empty = np.full(len(compare), np.nan)
        return pd.DataFrame(
            {"value": compare["value"].to_numpy(float)} | dict.fromkeys(columns, empty)
        )
    return compare[[*keys, "value"]].merge(stats[[*keys, *columns]], on=keys, how="left")


def _jumps(merged: pd.DataFrame) -> np.ndarray:
    """The jump rule over values merged with their history (_with_history)."""
    spread = np.maximum(
        1.4826 * merged["hist_mad"].fillna(0).to_numpy(float) * JUMP_FACTOR,
        JUMP_MIN_SHARE * merged["hist_median"].abs().fillna(0).to_numpy(float),
    )
    distance = (merged["value"] - merged["hist_median"]).abs().to_numpy(float)
    enough = merged["hist_n"].fillna(0).to_numpy(float) >= JUMP_MIN_HISTORY
    return enough & (distance > spread)


@dataclass
class Preview:
    """What a file would change: counts and rows of new, changed, unchanged, rejected."""

    result: ingest.UploadResult
    file_name: str
    checksum: str
    compare: pd.DataFrame = field(repr=False)
    counts: dict = field(default_factory=dict)
    earlier_batches: list[int] = field(default_factory=list)
    # the incoming values the quality checks would flag (quality.WARNING_COLUMNS)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def problems(self) -> list:
        """Errors that reject rows (warnings such as empty cells are not counted)."""
        return self.result.errors

    def rows(self, change: str) -> pd.DataFrame:
        """Rows of one kind: new, changed, unchanged (rejected: see problems)."""
        return self.compare[self.compare["change"] == change]

    def jumps(self) -> pd.DataFrame:
        """The flagged rows (values far outside their own history), largest jump first.

        The size of a jump is its distance from the median of the cell's history,
        relative to that median (the distance itself when the median is zero).
        """
        flagged = self.compare[self.compare["jump"].astype(bool)]
        median = flagged.get("hist_median", pd.Series(np.nan, index=flagged.index))
        distance = (flagged["value"] - median).abs()
        size = distance / median.abs().where(median.abs() > 0, 1.0)
        order = size.fillna(distance).sort_values(ascending=False, kind="stable").index
        return flagged.loc[order]


def _read(store: Store, data: bytes, file_name: str, *, layout, layouts, **options):
    """ingest.read_upload with the store's catalogue, areas and the provinces of each region
    and cluster in force today (a region's total row is checked against them)."""
    members = store.area_index_frames()[1]
    today = pd.Timestamp(settings.today())
    valid_to = pd.to_datetime(members["valid_to"])
    current = members[valid_to.isna() | (valid_to > today)]
    return ingest.read_upload(
        data,
        file_name,
        store.catalog(),
        store.areas(),
        layout=layout,
        layouts=tuple(layouts),
        members=current[["scheme", "group_code", "province_code"]],
        **options,
    )


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
    layout=None,
    layouts=(),
) -> Preview:
    """Read and validate a file and compare its clean cells with the store (no write).

    `progress(fraction, stage)` is told when each stage starts (stage: "read",
    "compare", "history", "done"), so a page can show how far a large file is;
    `confirm_old_years`: periods before the year that needs confirmation are read
    (see lib.ingest.read_upload); `layout` (lib.ingest.layout.Layout) forces how
    the file is read, else the first of `layouts` whose header the file holds is
    used (callers pass lib.services.layouts.for_upload: the agency's saved ones).
    """
    step = progress or (lambda fraction, stage: None)
    step(0.0, "read")
    result = _read(
        store,
        data,
        file_name,
        item_code=item_code,
        period=period,
        as_of=as_of or settings.today(),
        confirm_old_years=confirm_old_years,
        layout=layout,
        layouts=layouts,
    )
    step(0.6, "compare")
    compare = _compare(store, result.clean[CELL_COLUMNS], step)
    warnings = quality.upload_warnings(store, compare)  # they warn, they never refuse
    counts = {c: int((compare["change"] == c).sum()) for c in ("new", "changed", "unchanged")}
    counts["rejected"] = len({p.row for p in result.errors if p.row is not None})
    counts["flagged"] = int(compare["jump"].sum())
    counts["quality"] = len(warnings)
    digest = checksum(data)
    earlier = store.find_batch_by_checksum(digest)["batch_id"].astype(int).tolist()
    step(1.0, "done")
    return Preview(result, file_name, digest, compare, counts, earlier, warnings)


def _compare(store: Store, clean: pd.DataFrame, step) -> pd.DataFrame:
    """The clean cells against the store: change, old value, and the jump against history."""
    compare = store.compare_with_current(clean)
    if compare.empty:
        return compare.assign(
            jump=pd.Series(dtype=bool),
            jump_size=pd.Series(dtype=float),
            hist_median=pd.Series(dtype=float),
        )
    step(0.8, "history")
    history = _with_history(compare, store.history_stats(compare))  # one merge for both
    compare["jump"] = _jumps(history)
    compare["jump_size"] = compare["value"] - compare["old_value"]
    compare["hist_median"] = history["hist_median"].to_numpy(float)
    return compare


class UploadRejected(InputError):
    """The file has problems and the user did not choose to commit only the clean rows."""


class JumpsNotConfirmed(UploadRejected):
    """Values jump far outside their own history and the user has not confirmed them."""


def commit_refusal(
    preview: Preview, clean_rows_only: bool = False, confirm_jumps: bool = False
) -> UploadRejected | None:
    """Why a previewed file may not be committed, or None when it may.

    The rules: a file with problems commits nothing, unless the user chose to
    commit only the rows without problems (the clean rows are then committed
    and the rejected rows reported); values flagged as jumps outside their own
    history (Preview.jumps) are committed only once the user confirms them.
    Every front end asks this function.
    """
    if preview.problems and not clean_rows_only:
        n = len(preview.problems)
        return UploadRejected(
            f"ไฟล์ {preview.file_name} มีปัญหา {n} รายการ จะไม่บันทึกค่าใด เว้นแต่เลือกบันทึกเฉพาะแถวที่ถูกต้อง",
            f"{n} problems in {preview.file_name}: nothing is committed "
            "unless only the rows without problems are chosen",
        )
    flagged = int(preview.counts.get("flagged", 0))
    if flagged and not confirm_jumps:
        return JumpsNotConfirmed(
            f"ไฟล์ {preview.file_name} มี {flagged} ค่าที่กระโดดออกนอกช่วงค่าเดิมของตัวเอง "
            "จะไม่บันทึกค่าใด จนกว่าจะตรวจดูแล้วยืนยัน "
            "(บรรทัดคำสั่ง: --confirm-jumps; หน้านำเข้า: ยืนยันค่าที่กระโดด)",
            f"{flagged} values in {preview.file_name} jump outside their own history: "
            "nothing is committed until they are checked and confirmed "
            "(command line: --confirm-jumps; Upload page: confirm the jumps)",
        )
    return None


def commit_upload(
    store: Store,
    preview: Preview,
    username: str,
    agency_code: str | None,
    *,
    clean_rows_only: bool = False,
    origin: str = "app",
    confirm_jumps: bool = False,
    feed_id: int | None = None,
) -> int | None:
    """Commit a previewed file as one batch; None when nothing would change.

    Raises UploadRejected when `commit_refusal` refuses the file. feed_id: the
    integration feed delivering it (lib.services.feeds), kept with what it wrote.
    """
    refusal = commit_refusal(preview, clean_rows_only, confirm_jumps)
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
        "feed_id": feed_id,
    }
    audit = {
        "username": username,
        "action": "upload",
        "origin": origin,
        "detail": {
            "file": preview.file_name,
            "checksum": preview.checksum,
            "clean_rows_only": clean_rows_only,
            "confirmed_jumps": int(preview.counts.get("flagged", 0)) if confirm_jumps else 0,
            "layout": preview.result.layout_name,
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
    store: Store,
    user,
    preview: Preview,
    *,
    clean_rows_only: bool = False,
    origin: str = "app",
    confirm_jumps: bool = False,
    feed_id: int | None = None,
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
        confirm_jumps=confirm_jumps,
        feed_id=feed_id,
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
    return verify_values_as(store, user, batch_id, status, origin=origin)


SUBMITTED_COLUMNS = [
    "batch_id",
    "item_code",
    "item_name_th",
    "item_name_en",
    "area_code",
    "area_name_th",
    "area_name_en",
    "period",
    "period_label_th",
    "value",
    "old_value",
    "jump",
    "note",
    "submitted_by",
    "submitted_at",
]


def _period_label(period: str, frequency: str) -> str:
    """A period in Buddhist Era Thai (the code itself when it cannot be read)."""
    try:
        return tc.thai_period_label(period, frequency, "th")
    except ValueError:
        return period


def _may_verify(store: Store, user, cells: pd.DataFrame) -> pd.Series:
    """True for each submitted cell the user may verify (item's agency, area, two-person rule)."""
    if user is None or cells.empty:
        return pd.Series(False, index=cells.index)
    index = auth.load_area_index(store)
    allowed: dict[tuple, bool] = {}
    keys = list(zip(cells["item_code"], cells["area_code"], cells["submitted_by"], strict=True))
    rows = cells.drop_duplicates(["item_code", "area_code", "submitted_by"])
    for row in rows.to_dict("records"):
        key = (row["item_code"], row["area_code"], row["submitted_by"])
        allowed[key] = auth.can(
            user,
            "verify",
            item=row,
            batch={"username": row["submitted_by"]},
            area_code=row["area_code"],
            area_index=index,
        ).allowed
    return pd.Series([allowed[k] for k in keys], index=cells.index)


def submitted_values(
    store: Store,
    user,
    batch_id: int | None = None,
    item_code: str | None = None,
    area_code: str | None = None,
) -> pd.DataFrame:
    """Submitted values the user may verify, with item and area names, the period in BE, the
    value each replaced (old_value) and whether it jumps outside its own history."""
    cells = store.submitted_cells(batch_id, item_code, area_code)
    cells = cells[_may_verify(store, user, cells)].reset_index(drop=True)
    if cells.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=bool if c == "jump" else object) for c in SUBMITTED_COLUMNS}
        )
    stats = store.history_stats(cells, exclude_own=True)
    cells["jump"] = flag_jumps(cells, stats).to_numpy()
    cells["period_label_th"] = [
        _period_label(p, f) for p, f in zip(cells["period"], cells["frequency"], strict=True)
    ]
    return cells[SUBMITTED_COLUMNS]


def verify_values_as(
    store: Store,
    user,
    batch_id: int | None,
    status: str = "verified",
    item_code: str | None = None,
    area_code: str | None = None,
    cells: pd.DataFrame | None = None,
    origin: str = "app",
) -> tuple[int, int | None]:
    """Verify (or reject) exactly the submitted values chosen: of a batch, an item, an area,
    or the cells (item_code, area_code, period) given; the others stay submitted.

    A value already verified, rejected or undone is not touched. Refused (audited,
    auth.PermissionDenied) unless the user may verify every chosen value.
    Returns (values, verify batch id or None when nothing was left to verify).
    """
    chosen = store.submitted_cells(batch_id, item_code, area_code)
    if cells is not None:
        keys = cells[["item_code", "area_code", "period"]].drop_duplicates()
        chosen = chosen.merge(keys, on=["item_code", "area_code", "period"])
    target = f"batch {batch_id}" if batch_id is not None else f"{len(chosen)} values"

    def check() -> None:
        for batch, group in chosen.groupby("batch_id"):
            check_write(store, user, group, action="verify", batch=store.batch(int(batch)))

    _checked(store, user, "verify", target, origin, check)
    if chosen.empty:
        return 0, None
    done = store.set_status(
        chosen, status, user.username, origin, agency_code=user.agency_code, batch_id=batch_id
    )
    return len(chosen), done

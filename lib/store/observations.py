"""Named queries and writes of the observations: bulk load, compare, commit, verify, undo.

Every write that replaces a cell first copies its current row to
observation_history, so any earlier version can be read back or restored; a
batch record and an audit entry land in the same transaction as the cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.store.connection import Connection
from lib.store.feeds import BULK_FEED_ID
from lib.store.rules import (
    CELL_KEY,
    CELLS_AT,
    FIRST_DAY,
    LAST_DAY,
    OBS_COLUMNS,
    compared_cells,
    end_of_day,
    prefixed,
)

_DELIVERY_COLUMNS = "feed_id, batch_id, area_code, period_end, delivered_at"


def _recorded(frame: pd.DataFrame) -> pd.DataFrame:
    """Bulk-loaded cells entered the store when they were submitted."""
    if "submitted_at" not in frame:
        return frame
    return frame.assign(recorded_at=frame["submitted_at"])


def _cells_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Incoming cells with a real date column (object dates scan slowly) and a text note column
    (one with no note at all can arrive as float NaN, which DuckDB could not compare)."""
    if cells["period_end"].dtype == object:
        cells = cells.assign(period_end=pd.to_datetime(cells["period_end"]))
    if "note" in cells and pd.api.types.is_numeric_dtype(cells["note"]):
        cells = cells.assign(note=cells["note"].astype(object).where(cells["note"].notna(), None))
    return cells


def _cells_table(cells: pd.DataFrame) -> pa.Table:
    """Incoming cells (as _cells_frame) as an Arrow table: DuckDB reads its strings in place
    (a pandas frame's are converted value by value, 0.4 s a million, again on every scan)."""
    return pa.Table.from_pandas(_cells_frame(cells), preserve_index=False)


def _new_batch(cur, n_new: int, **batch) -> int:
    """Insert an upload_batches row and return its id."""
    batch_id = Connection._next_id(cur, "batch_seq")
    cur.execute(
        "INSERT INTO upload_batches (batch_id, kind, username, agency_code, file_name, "
        "checksum, created_at, n_new, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            batch.get("kind", "upload"),
            batch["username"],
            batch.get("agency_code"),
            batch.get("file_name"),
            batch.get("checksum"),
            batch.get("created_at") or datetime.now(),
            n_new,
            batch.get("note"),
        ],
    )
    return int(batch_id)


def _written(cur) -> tuple:
    """What changes whenever the observations may have: every write of them lands with a
    new upload_batches row in its own transaction (their number and the largest id)."""
    return cur.execute("SELECT count(*), max(batch_id) FROM upload_batches").fetchone()


def _gather_delta(cur) -> None:
    """Temp table _delta: the cells of _incoming that are new or changed (compared_cells)."""
    cur.execute(
        "CREATE TEMP TABLE _delta AS SELECT * EXCLUDE (old_value, old_status, old_batch) "
        f"FROM ({compared_cells('_incoming')}) WHERE change <> 'unchanged'"
    )


def _archive_and_replace(cur, cells: str, batch_id: int, username: str, now) -> None:
    """Copy the current rows of the given cells to history, then remove them."""
    cur.execute(
        f"INSERT INTO observation_history ({OBS_COLUMNS}, replaced_at, replaced_by_batch,"
        f" replaced_by) SELECT {prefixed('o')}, ?, ?, ? FROM observations o "
        f"JOIN {cells} d {CELL_KEY}",
        [now, batch_id, username],
    )
    cur.execute(  # a join: 0.017 s for 2 of 20 M cells, where `IN (SELECT (...))` took 0.48 s
        f"DELETE FROM observations o USING {cells} d WHERE o.item_code = d.item_code "
        "AND o.area_code = d.area_code AND o.period = d.period"
    )


class ObservationQueries:
    """Loads, uploads, verification and undo of observation cells (mixed into Store)."""

    # -- bulk loads of new cells ------------------------------------------
    def load_observations(self, frame: pd.DataFrame, batch: dict) -> int:
        """Append a frame of new cells as one batch (demo and bulk loads of empty cells).

        The caller guarantees that none of the cells exists yet; uploads that may
        change existing values go through the upload path, which keeps history.
        batch["feed_items"]: items whose cells an integration feed delivered (kept as
        feed deliveries, KPI 4.4 step 1). Returns the new batch id.
        """
        return self.load_observation_chunks(iter([frame]), batch)

    def load_observation_chunks(
        self, chunks: Iterator[pd.DataFrame], batch: dict, meta: dict[str, str] | None = None
    ) -> int:
        """Like load_observations for a stream of frames (national-scale data).

        `meta` keys are set in the same transaction (the demo's as-of date lands
        with the demo's values or not at all).
        """
        total = 0
        with self.transaction() as cur:
            batch_id = _new_batch(cur, n_new=0, **batch)
            for chunk in chunks:
                chunk = _recorded(chunk.assign(batch_id=batch_id))
                total += self._insert_frame(cur, "observations", chunk)
            cur.execute("UPDATE upload_batches SET n_new = ? WHERE batch_id = ?", [total, batch_id])
            if batch.get("feed_items"):  # cells an integration feed delivered (the demo's)
                cur.execute(
                    f"INSERT INTO feed_deliveries ({_DELIVERY_COLUMNS}) SELECT DISTINCT ?, "
                    "batch_id, area_code, period_end, submitted_at FROM observations "
                    "WHERE batch_id = ? AND list_contains(?, item_code)",
                    [BULK_FEED_ID, batch_id, list(batch["feed_items"])],
                )
            for key, value in (meta or {}).items():
                self._set_meta(cur, key, value)
            self._audit(
                cur,
                username=batch["username"],
                action="load_observations",
                target=f"batch {batch_id}",
                detail={"rows": total, "kind": batch.get("kind")},
                origin=batch.get("origin", "cli"),
                at=batch.get("created_at"),
            )
        return batch_id

    def observation_count(self) -> int:
        """Number of current observation cells."""
        return int(self._scalar("SELECT count(*) FROM observations"))

    # -- uploads: preview and commit (history kept) -------------------------
    # An incoming frame has item_code, area_code, period, period_end, value, note.
    def compare_with_current(self, incoming: pd.DataFrame) -> pd.DataFrame:
        """Each incoming cell with the value it would replace and new/changed/unchanged."""
        cells = _cells_frame(incoming).reset_index(drop=True)
        with self._con.cursor() as cur:  # only row numbers come back with what is stored
            cur.register("_incoming", _cells_table(cells.assign(_row=np.arange(len(cells)))))
            found = cur.sql(compared_cells("_incoming", keep="i._row")).to_arrow_table()
        found = found.take(np.argsort(found.column("_row").to_numpy(), kind="stable"))
        return cells.assign(**{c: found[c].to_pandas() for c in found.column_names[1:]})

    def history_stats(self, pairs: pd.DataFrame, exclude_own: bool = False) -> pd.DataFrame:
        """Median, MAD and count of the values each (item, area) already holds.

        exclude_own: leave out the cells (item, area, period) of `pairs` themselves
        (the history of values already stored, such as submitted ones being judged).
        """
        frames = {"_pairs": pairs[["item_code", "area_code"]].drop_duplicates()}
        own = ""
        if exclude_own:
            frames["_own"] = pairs[["item_code", "area_code", "period"]]
            own = "ANTI JOIN _own c ON c.item_code = o.item_code AND c.area_code = o.area_code "
            own += "AND c.period = o.period "
        return self._df(
            "SELECT o.item_code, o.area_code, median(o.value) AS hist_median, "
            "mad(o.value) AS hist_mad, count(*) AS hist_n FROM observations o "
            f"JOIN _pairs p USING (item_code, area_code) {own}GROUP BY ALL",
            frames=frames,
        )

    def commit_cells(self, incoming: pd.DataFrame, batch: dict, audit: dict) -> int | None:
        """Write new and changed cells as one batch, keeping every replaced value.

        Observations, their history, the batch record and the audit entry land in
        one transaction. Cells equal to what is stored are left alone; when
        nothing would change, nothing is written and None is returned.

        New and changed cells are gathered before the transaction (DuckDB inserts rows of a
        temp table written before it twice as fast), again in it if a write landed since.
        """
        now = batch.get("created_at") or datetime.now()
        staged = {}

        def stage(cur) -> None:  # before the transaction, `written` before the comparison
            cur.register("_incoming", _cells_table(incoming))
            staged["written"] = _written(cur)
            _gather_delta(cur)

        with self.transaction(prepare=stage) as cur:
            if _written(cur) != staged["written"]:  # compared with values since replaced
                cur.execute("DROP TABLE _delta")
                _gather_delta(cur)
            try:
                return self._write_delta(cur, len(incoming), batch, audit, now)
            finally:
                cur.execute("DROP TABLE IF EXISTS _delta")

    def _write_delta(self, cur, n_incoming: int, batch: dict, audit: dict, now) -> int | None:
        """commit_cells' writes of the cells in temp table _delta; the batch id or None."""
        counts = dict(cur.execute("SELECT change, count(*) FROM _delta GROUP BY change").fetchall())
        n_new, n_changed = counts.get("new", 0), counts.get("changed", 0)
        if n_new + n_changed == 0:
            return None
        batch_id = _new_batch(cur, n_new=n_new, **{**batch, "created_at": now})
        cur.execute(
            "UPDATE upload_batches SET n_changed = ?, n_unchanged = ?, n_rejected = ? "
            "WHERE batch_id = ?",
            [n_changed, n_incoming - n_new - n_changed, batch.get("n_rejected", 0), batch_id],
        )
        if n_changed:  # only replaced cells have a value to keep
            _archive_and_replace(cur, "_delta", batch_id, batch["username"], now)
        cur.execute(
            f"INSERT INTO observations ({OBS_COLUMNS}) SELECT item_code, area_code, "
            "period, period_end, value, 'submitted', ?, ?, ?, NULL, NULL, note, ? "
            "FROM _delta",
            [batch_id, batch["username"], now, now],
        )
        if batch.get("feed_id") is not None:  # what a feed delivered (KPI 4.4 step 1)
            cur.execute(
                f"INSERT INTO feed_deliveries ({_DELIVERY_COLUMNS}) "
                "SELECT DISTINCT ?, ?, area_code, period_end, ? FROM _delta",
                [int(batch["feed_id"]), batch_id, now],
            )
        entry = {k: v for k, v in audit.items() if k != "detail"}
        detail = {**audit.get("detail", {}), "new": n_new, "changed": n_changed}
        self._audit(cur, target=f"batch {batch_id}", detail=detail, at=now, **entry)
        return batch_id

    # -- verification and undo ----------------------------------------------
    def set_status(
        self,
        cells: pd.DataFrame,
        status: str,
        username: str,
        origin: str = "app",
        agency_code: str | None = None,
        batch_id: int | None = None,
    ) -> int | None:
        """Verify or reject submitted cells (a 'verify' batch; old rows go to history)."""
        if status not in ("verified", "rejected"):
            raise ValueError(f"status must be verified or rejected, not {status!r}")
        now = datetime.now()
        with self.transaction() as cur:
            cur.register("_cells", cells[["item_code", "area_code", "period"]])
            cur.execute(
                "CREATE TEMP TABLE _verify AS SELECT o.* FROM observations o "
                f"JOIN _cells c {CELL_KEY} WHERE o.status = 'submitted' "
                "AND (CAST(? AS BIGINT) IS NULL OR o.batch_id = ?)",
                [batch_id, batch_id],
            )
            try:
                n = cur.execute("SELECT count(*) FROM _verify").fetchone()[0]
                if n == 0:
                    return None
                verify_id = _new_batch(
                    cur,
                    n_new=0,
                    kind="verify",
                    username=username,
                    agency_code=agency_code,
                    created_at=now,
                    note=f"{status} {n} values",
                )
                _archive_and_replace(cur, "_verify", verify_id, username, now)
                cur.execute(
                    f"INSERT INTO observations ({OBS_COLUMNS}) SELECT item_code, area_code, "
                    "period, period_end, value, ?, batch_id, submitted_by, submitted_at, ?, ?, "
                    "note, ? FROM _verify",
                    [status, username, now, now],
                )
                cur.execute(
                    "UPDATE upload_batches SET n_changed = ? WHERE batch_id = ?", [n, verify_id]
                )
                self._audit(
                    cur,
                    username=username,
                    action=status,
                    target=f"batch {verify_id}",
                    detail={"cells": int(n), "of_batch": batch_id},
                    origin=origin,
                    at=now,
                )
            finally:
                cur.execute("DROP TABLE IF EXISTS _verify")
        return verify_id

    def undo_batch(self, batch_id: int, username: str, origin: str = "cli") -> dict:
        """Put back exactly the values a batch replaced (and remove the cells it added).

        Refused when a later batch has since changed one of its cells. The undo is
        itself a batch; the undone values go to history like any replaced value.
        """
        now = datetime.now()
        with self.transaction() as cur:
            row = cur.execute(
                "SELECT status, kind, agency_code FROM upload_batches WHERE batch_id = ?",
                [batch_id],
            ).fetchone()
            if row is None:
                raise ValueError(f"no batch {batch_id}")
            if row[0] != "committed" or row[1] not in ("upload", "verify"):
                raise ValueError(f"batch {batch_id} ({row[1]}, {row[0]}) cannot be undone")
            try:
                n_cells = _cells_to_undo(cur, batch_id)
                undo_id = _new_batch(
                    cur,
                    n_new=0,
                    agency_code=row[2],
                    kind="undo",
                    username=username,
                    created_at=now,
                    note=f"undo of batch {batch_id}",
                )
                _archive_and_replace(cur, "_undo", undo_id, username, now)
                restored = _restore_replaced_by(cur, batch_id, now)
            finally:
                cur.execute("DROP TABLE IF EXISTS _undo")
            cur.execute(
                "UPDATE upload_batches SET status = 'undone', undone_by = ?, undone_at = ? "
                "WHERE batch_id = ?",
                [username, now, batch_id],
            )
            cur.execute(
                "UPDATE upload_batches SET n_changed = ? WHERE batch_id = ?", [n_cells, undo_id]
            )
            result = {
                "batch_id": batch_id,
                "undo_batch": undo_id,
                "cells": n_cells,
                "restored": restored,
                "removed": n_cells - restored,
            }
            self._audit(
                cur,
                username=username,
                action="undo",
                target=f"batch {batch_id}",
                detail=result,
                origin=origin,
                at=now,
            )
        return result

    # -- batches and cells, read --------------------------------------------
    def find_batch_by_checksum(self, checksum: str) -> pd.DataFrame:
        """Committed upload batches of a file with this checksum."""
        return self._df(
            "SELECT * FROM upload_batches WHERE checksum = ? AND status = 'committed' "
            "ORDER BY batch_id",
            [checksum],
        )

    def batches(self, agency_code: str | None = None) -> pd.DataFrame:
        """Batches, newest first, optionally of one agency."""
        if agency_code is None:
            return self._df("SELECT * FROM upload_batches ORDER BY batch_id DESC")
        return self._df(
            "SELECT * FROM upload_batches WHERE agency_code = ? ORDER BY batch_id DESC",
            [agency_code],
        )

    def batch(self, batch_id: int) -> dict | None:
        """One batch record as a dict, or None."""
        df = self._df("SELECT * FROM upload_batches WHERE batch_id = ?", [batch_id])
        return None if df.empty else df.iloc[0].to_dict()

    def batch_cells(self, batch_id: int) -> pd.DataFrame:
        """The cells that currently hold a value written by this batch."""
        return self._df(
            "SELECT o.*, i.owner_agency FROM observations o JOIN items i ON i.code = o.item_code "
            "WHERE o.batch_id = ? ORDER BY ALL",
            [batch_id],
        )

    def batch_areas(self, batch_id: int) -> list[str]:
        """Areas whose cells a batch wrote or replaced (now or in history)."""
        df = self._df(
            "SELECT area_code FROM observations WHERE batch_id = $b UNION "
            "SELECT area_code FROM observation_history WHERE batch_id = $b "
            "OR replaced_by_batch = $b ORDER BY 1",
            {"b": batch_id},
        )
        return df["area_code"].tolist()

    def unverified_cells(self, as_of: date) -> pd.DataFrame:
        """Values waiting for a verifier at the end of as_of: in force then (history
        honoured) and neither verified nor rejected by then. Columns: item_code, area_code,
        period, period_end, value, batch_id, submitted_by, submitted_at."""
        return self._df(
            f"WITH c AS ({CELLS_AT}) SELECT item_code, area_code, period, period_end, value, "
            "batch_id, submitted_by, submitted_at FROM c WHERE status = 'submitted' "
            "ORDER BY item_code, area_code, period_end",
            {"cutoff": end_of_day(as_of), "start": FIRST_DAY, "end": LAST_DAY},
        )

    def submitted_cells(
        self,
        batch_id: int | None = None,
        item_code: str | None = None,
        area_code: str | None = None,
    ) -> pd.DataFrame:
        """Submitted (not yet verified) values with item and area names and the value each
        replaced (old_value, None for a new cell), optionally of one batch, item or area."""
        return self._df(
            "SELECT o.batch_id, o.item_code, i.name_th AS item_name_th, "
            "i.name_en AS item_name_en, i.frequency, i.owner_agency, i.is_published, "
            "o.area_code, a.name_th AS area_name_th, a.name_en AS area_name_en, o.period, "
            "o.period_end, o.value, h.value AS old_value, o.note, o.submitted_by, o.submitted_at "
            "FROM observations o JOIN items i ON i.code = o.item_code "
            "LEFT JOIN areas a ON a.code = o.area_code "
            "LEFT JOIN observation_history h ON h.replaced_by_batch = o.batch_id "
            "AND h.item_code = o.item_code AND h.area_code = o.area_code "
            "AND h.period = o.period WHERE o.status = 'submitted' "
            "AND (CAST($b AS BIGINT) IS NULL OR o.batch_id = $b) "
            "AND (CAST($i AS VARCHAR) IS NULL OR o.item_code = $i) "
            "AND (CAST($a AS VARCHAR) IS NULL OR o.area_code = $a) "
            "ORDER BY o.batch_id, o.item_code, o.area_code, o.period_end",
            {"b": batch_id, "i": item_code, "a": area_code},
        )

    def export_values(self, item_code: str | None = None, area_code: str | None = None):
        """Current values: item code, area DOPA code, period, value, status, batch, and the
        item's decimals (what the value is written with)."""
        return self._df(
            "SELECT o.item_code, o.area_code, o.period, o.value, o.status, o.batch_id, "
            "coalesce(i.decimals, 6) AS decimals FROM observations o "
            "LEFT JOIN items i ON i.code = o.item_code "
            "WHERE (? IS NULL OR o.item_code = ?) AND (? IS NULL OR o.area_code = ?) "
            "ORDER BY o.item_code, o.area_code, o.period_end",
            [item_code, item_code, area_code, area_code],
        )

    def cell_history(self, item_code: str, area_code: str, period: str) -> pd.DataFrame:
        """Every version a cell has held, oldest first, with when each was in force."""
        return self._df(
            "SELECT value, status, batch_id, submitted_by, submitted_at, verified_by, "
            "verified_at, note, recorded_at, replaced_at, replaced_by_batch "
            "FROM observation_history WHERE item_code = ? AND area_code = ? AND period = ? "
            "UNION ALL SELECT value, status, batch_id, submitted_by, submitted_at, verified_by,"
            " verified_at, note, recorded_at, NULL, NULL FROM observations "
            "WHERE item_code = ? AND area_code = ? AND period = ? "
            "ORDER BY recorded_at, replaced_at NULLS LAST",
            [item_code, area_code, period] * 2,
        )


def _cells_to_undo(cur, batch_id: int) -> int:
    """Gather a batch's cells in temp table _undo and return their count.

    The batch's cells are those holding its values now, those whose earlier
    value it replaced, and those where a later batch replaced its value. A later
    change that was not itself undone (nor is an undo) refuses the undo.
    """
    cur.execute(
        "CREATE TEMP TABLE _undo AS SELECT item_code, area_code, period "
        "FROM observations WHERE batch_id = ? UNION SELECT item_code, area_code, period "
        "FROM observation_history WHERE replaced_by_batch = ? OR batch_id = ?",
        [batch_id, batch_id, batch_id],
    )
    later = cur.execute(
        f"SELECT count(*) FROM observation_history h JOIN _undo u {CELL_KEY} "
        "JOIN upload_batches b ON b.batch_id = h.replaced_by_batch "
        "WHERE h.replaced_by_batch > ? AND b.status = 'committed' AND b.kind <> 'undo'",
        [batch_id],
    ).fetchone()[0]
    if later:
        raise ValueError(
            f"batch {batch_id}: {later} of its values were changed by a later "
            "batch; undo that batch first"
        )
    return int(cur.execute("SELECT count(*) FROM _undo").fetchone()[0])


def _restore_replaced_by(cur, batch_id: int, now) -> int:
    """Put back every row the batch replaced, as it was (status, verifier, times); the count."""
    restored = cur.execute(
        f"INSERT INTO observations ({OBS_COLUMNS}) SELECT h.item_code, h.area_code,"
        " h.period, h.period_end, h.value, h.status, h.batch_id, h.submitted_by,"
        " h.submitted_at, h.verified_by, h.verified_at, h.note, ? "
        "FROM observation_history h WHERE h.replaced_by_batch = ?",
        [now, batch_id],
    ).fetchone()[0]
    return int(restored)

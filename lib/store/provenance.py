"""Named queries of provenance: every version of a cell, and the cells changed between two moments.

A cell's versions are its rows in observation_history (each in force from
recorded_at until replaced_at, replaced by replaced_by_batch) and its current
row in observations, each with the batch that wrote it and the batch that
replaced it. "Then and now" compares the versions in force at two cutoffs by
the store's one rule of what was in force (rules.CELLS_AT).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from lib.store.rules import CELLS_AT, FIRST_DAY, LAST_DAY

# The versions of the cells of a cell filter ({where}, on alias x) with who replaced each.
_VERSIONS = (
    "SELECT item_code, area_code, period, period_end, value, status, batch_id, submitted_by,"
    " submitted_at, verified_by, verified_at, note, recorded_at, replaced_at,"
    " replaced_by_batch, replaced_by FROM observation_history x WHERE {where} "
    "UNION ALL SELECT item_code, area_code, period, period_end, value, status, batch_id,"
    " submitted_by, submitted_at, verified_by, verified_at, note, recorded_at, NULL, NULL, NULL"
    " FROM observations x WHERE {where}"
)
_ONE_CELL = "x.item_code = $item AND x.area_code = $area AND x.period = $period"
_CHOSEN = (
    "x.item_code IN (SELECT item_code FROM _items) "
    "AND x.area_code IN (SELECT area_code FROM _areas)"
)


def _cells_at(cutoff: str) -> str:
    """CELLS_AT with its cutoff named `cutoff` (two moments in one query), on the chosen cells."""
    rule = CELLS_AT.replace("$cutoff", f"${cutoff}")
    return f"SELECT * FROM ({rule}) x WHERE {_CHOSEN}"


class ProvenanceQueries:
    """Versions of a cell and the cells changed between two moments (mixed into Store)."""

    def cell_versions(self, item_code: str, area_code: str, period: str) -> pd.DataFrame:
        """Every version of one cell, oldest first: its batch (kind, file, undone by whom and
        when), when it was in force, the batch that put it in force (made_by_batch: an upload,
        a verification, an undo) and the batch that replaced it."""
        return self._df(
            f"WITH v AS ({_VERSIONS.format(where=_ONE_CELL)}), "
            "o AS (SELECT *, row_number() OVER (ORDER BY recorded_at, replaced_at NULLS LAST) "
            "AS version FROM v), "
            "m AS (SELECT *, CASE WHEN lag(replaced_at) OVER w = recorded_at "
            "THEN lag(replaced_by_batch) OVER w ELSE batch_id END AS made_by_batch "
            "FROM o WINDOW w AS (ORDER BY version)) "
            "SELECT m.version, m.value, m.status, m.batch_id, b.kind AS batch_kind, b.file_name,"
            " m.submitted_by, m.submitted_at, m.verified_by, m.verified_at, m.note,"
            " m.recorded_at AS in_force_from, m.replaced_at AS in_force_until,"
            " m.replaced_by_batch, r.kind AS replaced_by_kind,"
            " coalesce(b.status = 'undone', false) AS undone, m.replaced_at IS NULL AS current,"
            " b.undone_by, b.undone_at, m.replaced_by, r.file_name AS replaced_by_file,"
            " m.made_by_batch, k.kind AS made_by_kind "
            "FROM m LEFT JOIN upload_batches b ON b.batch_id = m.batch_id "
            "LEFT JOIN upload_batches r ON r.batch_id = m.replaced_by_batch "
            "LEFT JOIN upload_batches k ON k.batch_id = m.made_by_batch ORDER BY m.version",
            {"item": item_code, "area": area_code, "period": period},
        )

    def changed_cells(
        self,
        item_codes: Iterable[str],
        area_codes: Iterable[str],
        then: datetime,
        now: datetime,
    ) -> pd.DataFrame:
        """Cells of the items x areas whose version in force at `then` differs from the one at
        `now` (value, present or absent, rejected or not), with the batches that acted on them
        in between (batch ids, file names and kinds, in batch order)."""
        frames = {
            "_items": pd.DataFrame({"item_code": list(item_codes)}, dtype=object),
            "_areas": pd.DataFrame({"area_code": list(area_codes)}, dtype=object),
        }
        return self._df(
            f"WITH t AS ({_cells_at('then')}), n AS ({_cells_at('now')}), "
            "d AS (SELECT item_code, area_code, period_end, t.value AS value_then,"
            " n.value AS value_now, t.status AS status_then, n.status AS status_now "
            "FROM t FULL JOIN n USING (item_code, area_code, period_end) "
            "WHERE t.value IS DISTINCT FROM n.value "
            "OR (t.status = 'rejected') IS DISTINCT FROM (n.status = 'rejected')), "
            f"v AS ({_VERSIONS.format(where=_CHOSEN)}), "
            # a batch acted in [then, now) when it replaced a version, or wrote a new cell
            "e AS (SELECT item_code, area_code, period_end, replaced_by_batch AS batch_id "
            "FROM v WHERE replaced_at >= $then AND replaced_at < $now UNION "
            "SELECT item_code, area_code, period_end, batch_id FROM v c "
            "WHERE recorded_at >= $then AND recorded_at < $now AND NOT EXISTS (SELECT 1 FROM v p "
            "WHERE p.item_code = c.item_code AND p.area_code = c.area_code "
            "AND p.period_end = c.period_end AND p.replaced_at = c.recorded_at)), "
            "p AS (SELECT DISTINCT item_code, area_code, period_end, period FROM v) "
            "SELECT d.item_code, d.area_code, p.period, d.period_end, d.value_then, d.value_now,"
            " d.status_then, d.status_now,"
            " list(e.batch_id ORDER BY e.batch_id) FILTER (e.batch_id IS NOT NULL) AS batches,"
            " list(b.file_name ORDER BY e.batch_id) FILTER (e.batch_id IS NOT NULL) AS files,"
            " list(b.kind ORDER BY e.batch_id) FILTER (e.batch_id IS NOT NULL) AS kinds "
            "FROM d JOIN p USING (item_code, area_code, period_end) "
            "LEFT JOIN e USING (item_code, area_code, period_end) "
            "LEFT JOIN upload_batches b ON b.batch_id = e.batch_id "
            "GROUP BY ALL ORDER BY d.item_code, d.area_code, d.period_end",
            {"then": then, "now": now, "start": FIRST_DAY, "end": LAST_DAY},
            frames=frames,
        )

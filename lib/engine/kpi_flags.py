"""Which KPI results use a flagged value: a red light on them is not to be trusted yet.

A value the quality checks flagged (lib.engine.quality: an outlier against its
own history or its peers, a broken validation rule) and no verifier has marked
as checked may be wrong; a KPI whose light is red because of it is marked
unreliable with reason "flagged_values" (lib.engine.kpi.score_kpis,
lib.engine.scoring.flagged_reason). Pure pandas.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.engine.kpi import KpiInputs, linked_values


def _period_end(period: object, frequency: object) -> date | None:
    """The last day of a period of an item's frequency (None when it cannot be read)."""
    try:
        return tc.period_bounds(str(period), str(frequency))[1]
    except ValueError:  # not a period of that frequency: it matches no value then
        return None


def flagged_kpis(inputs: KpiInputs, flagged: pd.DataFrame, members: pd.DataFrame):
    """(area_code, kpi_code) whose result uses a flagged value (red ones are unreliable).

    flagged: item_code, area_code, period (period_end optional), the cells with a
    flag not yet checked (lib.services.quality.flagged_cells); a district's cell
    counts for its province. A result uses the linked items' periods of the year
    (`sum`, `mean`) or the latest period (`last`), as `province_results` does.
    """
    if flagged.empty:
        return pd.DataFrame(columns=["area_code", "kpi_code"])
    cov = inputs.coverage
    cells = flagged.copy()
    if "period_end" not in cells:
        freq = cells["item_code"].map(cov.items.set_index("code")["frequency"])
        ends = zip(cells["period"], freq, strict=True)
        cells["period_end"] = [_period_end(p, f) for p, f in ends]
    areas = cov.areas.set_index("code")
    parent = cells["area_code"].map(areas["parent_code"].where(areas["level"] == "district"))
    cells["province_code"] = parent.fillna(cells["area_code"])
    cells["period_end"] = pd.to_datetime(cells["period_end"])
    rows = linked_values(inputs.kpis, inputs.values, inputs.period_start)
    rows = rows.assign(period_end=pd.to_datetime(rows["period_end"]))
    latest = rows.groupby(["province_code", "kpi_code", "item_code"])["period_end"].transform("max")
    rows = rows[rows["aggregation"].ne("last") | rows["period_end"].eq(latest)]
    keys = ["item_code", "province_code", "period_end"]
    hit = rows[["kpi_code", *keys]].merge(cells[keys].drop_duplicates(), on=keys)
    out = hit.merge(members, on="province_code")[["area_code", "kpi_code"]]
    return out.drop_duplicates().reset_index(drop=True)

"""District figures (อำเภอ/เขต): data health and KPI results per district, for district items.

The definitions are the province figures' (lib.engine.coverage, lib.engine.kpi),
applied to the cells and values of district-level items only:

- **data health** of a district pools its item x district coverage cells (the
  counts summed, then the percentages, `rollups.add_percentages`): complete,
  correct, timely, correct and timely %. Province-level items have no district
  cells and do not count here. The KPI 4.4 milestone (a feed delivered, all 4
  data groups present) is a province figure and has no district value.
- **KPI results**: a KPI has district results when every item it is linked to is
  district-level and it is not a coverage KPI. The district's values per period
  are aggregated over the round exactly as `kpi.province_results` does (last /
  sum / mean, several items summed or averaged), scored by `kpi.score_kpis`
  against the same thresholds, with reliability from the district's data health
  of the linked items. `district_kpi_status` says for every other KPI why it has
  no district figure (its items are province-level, or it is the coverage milestone).
- **composite**: not computed per district (it would weigh only part of the KPIs).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lib.engine import coverage as cv
from lib.engine import kpi
from lib.engine.aggregations import COVERAGE
from lib.engine.checks import check_columns
from lib.engine.rollups import COUNT_COLUMNS, add_percentages

LEVEL = "district"
HEALTH_COLUMNS = [
    "area_code",
    "area_name_th",
    "area_name_en",
    "level",
    "province_code",
    "members",
    *COUNT_COLUMNS,
    "complete_pct",
    "correct_pct",
    "timely_pct",
    "correct_and_timely_pct",
]
# Why a KPI has no district figure (district_kpi_status's reason column).
REASONS = ("", "province_items", "coverage", "no_items")


def _districts(areas: pd.DataFrame) -> pd.DataFrame:
    """area_code, names and province_code of every district."""
    check_columns(areas, ["code", "level", "parent_code", "name_th", "name_en"], "areas")
    rows = areas.loc[areas["level"] == LEVEL]
    return pd.DataFrame(
        {
            "area_code": rows["code"].astype(str).to_numpy(),
            "area_name_th": rows["name_th"].to_numpy(),
            "area_name_en": rows["name_en"].to_numpy(),
            "province_code": rows["parent_code"].astype(str).to_numpy(),
        }
    )


def district_health(cells: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Data health per district (HEALTH_COLUMNS) from item x area coverage cells.

    Every district gets a row; one without required cells has no percentages.

    >>> areas = pd.DataFrame({"code": ["2101", "2102"], "level": ["district"] * 2,
    ...     "parent_code": ["21", "21"], "name_th": ["ก", "ข"], "name_en": ["a", "b"]})
    >>> cells = pd.DataFrame({"area_code": ["2101", "2101"], "required_cells": [4, 4],
    ...     "present_cells": [3, 4], "correct_cells": [3, 3], "ct_cells": [0, 3],
    ...     "item_areas_required": [1, 1], "item_areas_timely": [0, 1]})
    >>> district_health(cells, areas)[["area_code", "complete_pct", "correct_and_timely_pct"]]
      area_code  complete_pct  correct_and_timely_pct
    0      2101          87.5                    37.5
    1      2102           NaN                     NaN
    """
    check_columns(cells, ["area_code", *COUNT_COLUMNS], "cells")
    base = _districts(areas)
    inside = cells.loc[cells["area_code"].isin(set(base["area_code"]))]
    sums = inside.groupby("area_code")[list(COUNT_COLUMNS)].sum()
    out = base.merge(sums, left_on="area_code", right_index=True, how="left")
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype("int64")
    out = add_percentages(out).assign(level=LEVEL, members=1)
    return out[HEALTH_COLUMNS].sort_values("area_code", ignore_index=True)


def district_kpi_status(kpis: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: whether it has district figures, and why not (REASONS) with its items.

    >>> k = pd.DataFrame({"code": ["K1", "K2", "K3"], "aggregation": ["sum", "last", "coverage"],
    ...     "item_codes": ["D", "D,P", "D"]})
    >>> i = pd.DataFrame({"code": ["D", "P"], "area_level": ["district", "province"]})
    >>> district_kpi_status(k, i).values.tolist()
    [['K1', True, '', ''], ['K2', False, 'province_items', 'P'], ['K3', False, 'coverage', '']]
    """
    check_columns(kpis, ["code", "aggregation", "item_codes"], "kpis")
    level = items.set_index("code")["area_level"]
    links = kpi.kpi_item_links(kpis)
    rows = []
    for code, aggregation in zip(kpis["code"], kpis["aggregation"], strict=True):
        linked = links.loc[links["kpi_code"] == code, "item_code"].tolist()
        province_items = [c for c in linked if level.get(c) != LEVEL]
        if aggregation == COVERAGE:
            reason = "coverage"
        elif not linked:
            reason = "no_items"
        elif province_items:
            reason = "province_items"
        else:
            reason = ""
        rows.append((code, not reason, reason, ",".join(province_items) if reason else ""))
    return pd.DataFrame(rows, columns=["kpi_code", "available", "reason", "province_items"])


def district_results(
    kpis: pd.DataFrame, values: pd.DataFrame, items: pd.DataFrame, fy_start: date | None = None
) -> pd.DataFrame:
    """area_code, kpi_code, result per district, by kpi.province_results' rules.

    values: one row per item x district x period (Store.kpi_item_values with
    pool_districts=False: its province_code column holds the district code).
    """
    out = kpi.province_results(kpis, values, items, fy_start)
    return out.rename(columns={"province_code": "area_code"})


def _health_by_kpi(cells: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """complete / correct / timely % per district x KPI over the KPI's linked items."""
    linked = cells.merge(kpi.kpi_item_links(kpis), on="item_code")
    columns = ["area_code", "kpi_code", "complete_pct", "correct_pct", "timely_pct"]
    if linked.empty:
        return pd.DataFrame(columns=columns)
    pooled = linked.groupby(["area_code", "kpi_code"], as_index=False)[list(COUNT_COLUMNS)].sum()
    return add_percentages(pooled)[columns]


def district_kpi_scores(
    kpis: pd.DataFrame,
    values: pd.DataFrame,
    cells: pd.DataFrame,
    items: pd.DataFrame,
    areas: pd.DataFrame,
    fy_start: date | None = None,
    missing: str | None = None,
) -> pd.DataFrame:
    """Score per district x KPI with district figures (kpi.score_kpis columns; no composite)."""
    status = district_kpi_status(kpis, items)
    usable = kpis.loc[kpis["code"].isin(status.loc[status["available"], "kpi_code"])]
    districts = _districts(areas)
    if usable.empty or districts.empty:
        return pd.DataFrame(columns=[*kpi.RESULT_COLUMNS, "province_code"])
    results = district_results(usable, values, items, fy_start).assign(members_with_data=1)
    health = _health_by_kpi(cells, usable)
    out = kpi.score_kpis(results, usable, districts[["area_code"]], health, missing)
    out = out.merge(districts, on="area_code", how="left")
    out["members_with_data"] = out["members_with_data"].fillna(0).astype("int64")
    out["level"] = LEVEL
    out["composite"] = np.nan
    out["composite_light"] = None
    for column in ("fiscal_year", "round", "as_of"):
        out[column] = None
    return out[[*kpi.RESULT_COLUMNS, "province_code"]]


# ---------------------------------------------------------------- store layer


def district_coverage(store, fiscal_year: int, as_of: date) -> pd.DataFrame:
    """Data health of every district for the window ending with fiscal_year, at as_of."""
    inputs = cv.load_coverage_inputs(store, fiscal_year, as_of)
    return district_health(inputs.cells(), inputs.areas)


def district_scores(
    store, fiscal_year: int, as_of: date, round_months: int = 12, missing: str | None = None
) -> pd.DataFrame:
    """KPI results of every district for the KPIs that have district figures."""
    inputs = kpi.load_kpi_inputs(store, fiscal_year, round_months, as_of)
    cov = inputs.coverage
    status = district_kpi_status(inputs.kpis, cov.items)
    usable = inputs.kpis.loc[inputs.kpis["code"].isin(status.loc[status["available"], "kpi_code"])]
    codes = sorted(set(kpi.kpi_item_links(usable)["item_code"]))
    start = kpi.lookback_start(cov.items, codes, inputs.period_start)
    values = store.kpi_item_values(codes, as_of, start, inputs.period_end, pool_districts=False)
    cells = kpi.all_item_cells(cov)
    out = district_kpi_scores(
        inputs.kpis, values, cells, cov.items, cov.areas, inputs.period_start, missing
    )
    return out.assign(
        fiscal_year=inputs.fiscal_year, round=inputs.round_months, as_of=cov.as_of.isoformat()
    )

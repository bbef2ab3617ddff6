"""Data coverage (ความครบถ้วน ถูกต้อง ทันเหตุการณ์) and the MOI KPI 4.4 milestone.

DuckDB does the reduction, pandas does the reasoning: `load_coverage_inputs`
reads small per item x area facts from `Store.coverage_facts` (one SQL pass over
the observations, told each item's due limit by lib.engine.requirements);
everything else here is pure pandas, frames in, frames out. The window and the
due rule live in lib.engine.requirements, pooling and the milestone in
lib.engine.rollups; their names are re-exported here.

Definitions (SPEC section 4; as_of = the date the figures describe, whole day):

- **window**: the chosen fiscal year and the `WINDOW_YEARS_BEFORE` before it;
  periods whose last day falls in the window (and not after as_of).
- **required cells**: for each item that counts for coverage, the window's
  periods that are due by as_of (period end + release lag <= as_of), times the
  areas of the item's level. District cells belong to their province.
- **present**: a required cell holding a value submitted on or before as_of.
- **correct** (ถูกต้อง): a present cell verified by the owner agency by as_of
  and within the item's valid_min..valid_max. correct % = correct / present.
- **timely** (ทันเหตุการณ์): an item x area (district for district items) whose
  latest due period is present. timely % = timely item x areas / item x areas
  with at least one required cell.
- **correct and timely %**: share of required cells that are correct *and*
  belong to a timely item x area. Worked example, one province, two monthly
  items with 4 required months each: item A has months 1-3 verified and month
  4 (the latest due) missing, so A is not timely and adds 0; item B has all 4
  months present, 3 of them verified, so B is timely and adds 3. Correct and
  timely % = (0 + 3) / (4 + 4) = 37.5 %; complete % = 7 / 8 = 87.5 %;
  correct % = 6 / 7 = 85.7 %; timely % = 1 / 2 = 50 %. It is 100 % only when
  every required cell is present and correct and every item is up to date.
- **KPI 4.4 milestone** (seed 000): step 1 = an integration feed delivered
  data for the area in the fiscal year: a feed's run (lib.services.feeds)
  committed a value of the area (or of one of its districts), due or not, with
  period end in the fiscal year, by as_of, in a batch not undone by then (the
  demo records its GOV02 values as delivered by a feed); step 2 = correct and
  timely >= 80 %, step 3 >= 90 %, step 4 = 100 %; step 5 = each of the 4 data
  groups has present cells for the area in the window (they are on the
  cockpit and the map). Level = `scoring.milestone_score(steps)`.
- **roll-ups** province -> cluster -> region -> country pool the member
  provinces' cells (sums of counts, then the percentages), under the grouping
  version in force at as_of (Bangkok is in no cluster but in its region and
  the country). Steps 1 and 5 of a group hold when they hold for every member;
  the weakest member (lowest correct and timely %, then lowest code) is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME, WINDOW_YEARS_BEFORE
from lib.engine.checks import LEVELS, check_level
from lib.engine.checks import check_columns as _check_columns
from lib.engine.configured import items_in_force, required_areas, scope_provinces
from lib.engine.requirements import (
    due_limit,
    due_limits,
    item_requirements,
    required_periods,
    window_bounds,
    window_years,
)
from lib.engine.rollups import (
    COUNT_COLUMNS,
    COUNTRY_CODE,
    add_percentages,
    feed_delivered,
    groups_present,
    members_for,
    milestone_steps,
    province_summary,
    rollup,
)

__all__ = [
    "COUNTRY_CODE",
    "COUNT_COLUMNS",
    "LEVELS",
    "WINDOW_YEARS_BEFORE",
    "add_percentages",
    "check_level",
    "due_limit",
    "due_limits",
    "feed_delivered",
    "groups_present",
    "items_in_force",
    "item_requirements",
    "members_for",
    "milestone_steps",
    "province_summary",
    "required_periods",
    "rollup",
    "window_bounds",
    "window_years",
]

CLUSTER_SCHEMES = ("cluster_2017", "cluster_2009")
REGION_SCHEMES = ("region_nesdc7", "region_royin6")
FACT_COLUMNS = (
    "item_code",
    "area_code",
    "present_cells",
    "correct_cells",
    "latest_due_end_present",
    "last_submitted_at",
    "fy_cells",
)
SUMMARY_COLUMNS = [
    "area_code",
    "area_name_th",
    "area_name_en",
    "level",
    "members",
    "required_cells",
    "present_cells",
    "correct_cells",
    "ct_cells",
    "item_areas_required",
    "item_areas_timely",
    "complete_pct",
    "correct_pct",
    "timely_pct",
    "correct_and_timely_pct",
    "step1_feed",
    "step2_80",
    "step3_90",
    "step4_100",
    "step5_groups",
    "milestone_level",
    "weakest_code",
    "weakest_name_th",
    "weakest_correct_and_timely_pct",
    "last_submitted_at",
]


@dataclass(frozen=True)
class CoverageInputs:
    """What the pure functions need, read from the store once."""

    facts: pd.DataFrame  # FACT_COLUMNS, one row per item x area with any cell
    items: pd.DataFrame  # catalog(): code, area_level, frequency, release_lag_days, group_code...
    areas: pd.DataFrame  # every area: code, level, name_th, name_en, parent_code
    as_of: date
    fiscal_year: int
    fiscal_years: tuple[int, ...]
    window_end: date
    scope_provinces: tuple[str, ...] | None = None  # None: the whole country is required
    feed_areas: tuple[str, ...] = ()  # areas feeds delivered in the fiscal year (step 1)

    def cells(self, only_counting: bool = True) -> pd.DataFrame:
        """Item x area coverage cells of the window (item_area_coverage on these inputs)."""
        return item_area_coverage(
            self.facts,
            self.items,
            required_areas(self.areas, self.scope_provinces),
            self.as_of,
            self.fiscal_years,
            self.window_end,
            only_counting,
        )


def counting_items(items: pd.DataFrame) -> pd.DataFrame:
    """The items that count for coverage.

    >>> counting_items(pd.DataFrame({"code": ["A", "B"], "counts_for_coverage": [True, None]}))
      code counts_for_coverage
    0    A                True
    """
    return items.loc[items["counts_for_coverage"].fillna(False).astype(bool)]


# ---------------------------------------------------------------- item x area

CELL_COLUMNS = [
    "item_code",
    "group_code",
    "area_code",
    "province_code",
    *COUNT_COLUMNS,
    "last_submitted_at",
]
ITEM_COLUMNS = [
    "code",
    "group_code",
    "area_level",
    "frequency",
    "release_lag_days",
    "counts_for_coverage",
]


def item_area_coverage(
    facts: pd.DataFrame,
    items: pd.DataFrame,
    areas: pd.DataFrame,
    as_of: date,
    fiscal_years: Sequence[int],
    window_end: date | None = None,
    only_counting: bool = True,
) -> pd.DataFrame:
    """Coverage per item x area (the item's own level) in the window, with province_code.

    Only items with counts_for_coverage, unless only_counting is False.
    Columns (CELL_COLUMNS): item_code, group_code, area_code, province_code,
    required_cells, present_cells, correct_cells, ct_cells, item_areas_required
    (0/1), item_areas_timely (0/1), last_submitted_at.

    >>> areas = pd.DataFrame({"code": ["10", "11"], "level": ["province"] * 2,
    ...                       "parent_code": ["TH", "TH"]})
    >>> items = pd.DataFrame({"code": ["A"], "group_code": ["ECO"], "area_level": ["province"],
    ...     "frequency": ["annual"], "release_lag_days": [0], "counts_for_coverage": [True]})
    >>> facts = pd.DataFrame({"item_code": ["A"], "area_code": ["10"], "present_cells": [2],
    ...     "correct_cells": [1], "latest_due_end_present": [pd.Timestamp("2024-12-31")],
    ...     "last_submitted_at": [pd.Timestamp("2025-01-05")], "fy_cells": [0]})
    >>> out = item_area_coverage(facts, items, areas, date(2025, 3, 1), [2567, 2568])
    >>> out[["area_code", "required_cells", "present_cells", "correct_cells", "ct_cells"]]
      area_code  required_cells  present_cells  correct_cells  ct_cells
    0        10               2              2              1         1
    1        11               2              0              0         0
    """
    _check_columns(facts, FACT_COLUMNS[:4], "facts")
    _check_columns(items, ITEM_COLUMNS, "items")
    _check_columns(areas, ["code", "level", "parent_code"], "areas")
    start, end = window_bounds(fiscal_years, as_of, window_end)
    counting = counting_items(items) if only_counting else items
    req = item_requirements(counting, start, end, as_of).merge(
        counting[["code", "group_code", "area_level"]], on="code"
    )
    grid = _required_grid(req.loc[req["periods_required"] > 0], areas)
    if grid.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    return _count_cells(grid, facts)[CELL_COLUMNS]


def _required_grid(req: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Each item with required periods crossed with the areas of its level (+ province_code)."""
    grid = []
    for level in ("province", "district"):
        level_areas = areas.loc[areas["level"] == level, ["code", "parent_code"]]
        level_items = req.loc[req["area_level"] == level]
        if level_items.empty or level_areas.empty:
            continue
        cross = level_items.merge(level_areas.rename(columns={"code": "area_code"}), how="cross")
        cross["province_code"] = cross["area_code"] if level == "province" else cross["parent_code"]
        grid.append(cross)
    if not grid:
        return pd.DataFrame()
    return pd.concat(grid, ignore_index=True).rename(columns={"code": "item_code"})


def _count_cells(grid: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """The grid with its facts: required, present, correct, timely and ct counts per cell."""
    facts = facts.copy()
    facts["latest_due_end_present"] = pd.to_datetime(facts["latest_due_end_present"])
    extra = ["last_submitted_at"] if "last_submitted_at" in facts else []
    cells = grid.merge(
        facts[["item_code", "area_code", "present_cells", "correct_cells",
               "latest_due_end_present", *extra]],
        on=["item_code", "area_code"],
        how="left",
    )  # fmt: skip
    if not extra:
        cells["last_submitted_at"] = pd.NaT
    present = cells["present_cells"].fillna(0).astype("int64")
    correct = cells["correct_cells"].fillna(0).astype("int64")
    required = cells["periods_required"].astype("int64")
    timely = (cells["latest_due_end_present"] == cells["latest_due_end"]).to_numpy()
    cells["required_cells"] = required
    cells["present_cells"] = present.clip(upper=required)
    cells["correct_cells"] = correct.clip(upper=cells["present_cells"])
    cells["item_areas_required"] = 1
    cells["item_areas_timely"] = timely.astype("int64")
    cells["ct_cells"] = np.where(timely, cells["correct_cells"], 0).astype("int64")
    return cells


# ---------------------------------------------------------------- the whole report


def coverage_report(
    inputs: CoverageInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coverage and KPI 4.4 milestone per area of a level (SUMMARY_COLUMNS)."""
    return summarise(inputs.cells(), inputs, level, group_members)


def summarise(
    cells: pd.DataFrame,
    inputs: CoverageInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
    provinces: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """From item x area cells to the per-area report of a level (SUMMARY_COLUMNS); provinces:
    province_rows(cells, inputs) when already made."""
    prov = province_rows(cells, inputs) if provinces is None else provinces
    members = members_for(level, inputs.areas, group_members)
    out = milestone_steps(rollup(prov, level, members))
    names = inputs.areas.set_index("code")
    out["area_name_th"] = out["area_code"].map(names["name_th"])
    out["area_name_en"] = out["area_code"].map(names["name_en"])
    out["weakest_name_th"] = out["weakest_code"].map(names["name_th"])
    out["level"] = level
    if "last_submitted_at" not in out:
        out["last_submitted_at"] = pd.NaT
    return out[SUMMARY_COLUMNS].sort_values("area_code", ignore_index=True)


def province_rows(cells: pd.DataFrame, inputs: CoverageInputs) -> pd.DataFrame:
    """The per-province half of summarise: counts, percentages, steps 1 and 5 (every level's)."""
    provinces = inputs.areas.loc[inputs.areas["level"] == "province", ["code"]]
    prov = province_summary(cells)
    prov = provinces.rename(columns={"code": "area_code"}).merge(prov, on="area_code", how="left")
    for column in COUNT_COLUMNS:
        prov[column] = prov[column].fillna(0).astype("int64")
    prov = add_percentages(prov)
    fed = feed_delivered(inputs.feed_areas, inputs.areas)
    n_groups = int(counting_items(inputs.items)["group_code"].nunique())
    full = groups_present(cells, n_groups)
    prov["step1_feed"] = prov["area_code"].isin(fed)
    prov["step5_groups"] = prov["area_code"].isin(full)
    return prov


def coverage_by_group(
    inputs: CoverageInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coverage per area x data group (the cockpit shows the 4 groups side by side)."""
    cells = inputs.cells()
    prov = province_summary(cells, by=("group_code",))
    out = rollup(prov, level, members_for(level, inputs.areas, group_members), by=("group_code",))
    names = inputs.areas.set_index("code")
    out["area_name_th"] = out["area_code"].map(names["name_th"])
    out["weakest_name_th"] = out["weakest_code"].map(names["name_th"])
    out["level"] = level
    columns = [
        "area_code",
        "area_name_th",
        "level",
        "group_code",
        *COUNT_COLUMNS,
        "complete_pct",
        "correct_pct",
        "timely_pct",
        "correct_and_timely_pct",
        "weakest_code",
        "weakest_name_th",
        "weakest_correct_and_timely_pct",
    ]
    return out[columns].sort_values(["area_code", "group_code"], ignore_index=True)


# ---------------------------------------------------------------- store layer


def scheme_for(level: str, grouping: str | None = None, regions: str | None = None) -> str | None:
    """Grouping scheme of a level: cluster_2017/2009 or region_nesdc7/royin6 (None otherwise).

    >>> scheme_for("cluster", "2009"), scheme_for("region", regions="royin6")
    ('cluster_2009', 'region_royin6')
    """
    check_level(level)
    if level == "cluster":
        if grouping is None:
            return DEFAULT_CLUSTER_SCHEME
        scheme = grouping if str(grouping).startswith("cluster_") else f"cluster_{grouping}"
        if scheme not in CLUSTER_SCHEMES:
            raise ValueError(f"unknown cluster grouping {grouping!r}; expected 2017 or 2009")
        return scheme
    if level == "region":
        if regions is None:
            return DEFAULT_REGION_SCHEME
        scheme = regions if str(regions).startswith("region_") else f"region_{regions}"
        if scheme not in REGION_SCHEMES:
            raise ValueError(f"unknown region scheme {regions!r}; expected nesdc7 or royin6")
        return scheme
    return None


def coverage_facts(
    store,
    as_of: date,
    start: date,
    end: date,
    fy_start: date,
    fy_end: date,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Store.coverage_facts with each item's due limit at as_of (FACT_COLUMNS).

    items: the catalogue (read from the store when not given).
    """
    items = store.catalog() if items is None else items
    limits = due_limits(items, as_of)
    return store.coverage_facts(as_of, start, end, fy_start, fy_end, limits)


def load_coverage_inputs(
    store,
    fiscal_year: int,
    as_of: date,
    years_before: int = WINDOW_YEARS_BEFORE,
    window_end: date | None = None,
) -> CoverageInputs:
    """Read the facts for the window ending with fiscal_year, as known at as_of."""
    fy = tc.normalise_year(fiscal_year)
    years = window_years(fy, years_before)
    start, end = window_bounds(years, as_of, window_end)
    fy_start, fy_end = tc.fiscal_year_bounds(fy)
    items = store.catalog()
    if items.empty:
        raise ValueError(
            "the catalogue has no items: an administrator enters them with "
            "`python -m lib config import`"
        )
    items = items_in_force(items, fy)
    fy_last = min(fy_end, as_of)
    facts = coverage_facts(store, as_of, start, end, fy_start, fy_last, items)
    areas = store.areas()
    return CoverageInputs(
        facts=facts,
        items=items,
        areas=areas,
        as_of=as_of,
        fiscal_year=fy,
        fiscal_years=years,
        window_end=end,
        scope_provinces=scope_provinces(store, areas, as_of),
        feed_areas=tuple(store.feed_delivered_areas(fy_start, fy_last, as_of)),
    )


def scheme_in_force(schemes: pd.DataFrame, kind: str, on: date) -> str | None:
    """The grouping scheme of a kind (cluster/region) in force on a date, if exactly one is.

    >>> sch = pd.DataFrame({"scheme": ["cluster_2009", "cluster_2017"], "kind": ["cluster"] * 2,
    ...     "valid_from": [date(2009, 1, 1), date(2017, 11, 17)],
    ...     "valid_to": [date(2017, 11, 16), None]})
    >>> [scheme_in_force(sch, "cluster", date(y, 1, 1)) for y in (2015, 2020)]
    ['cluster_2009', 'cluster_2017']
    """
    _check_columns(schemes, ["scheme", "kind", "valid_from", "valid_to"], "schemes")
    rows = schemes.loc[schemes["kind"] == kind]
    start = pd.to_datetime(rows["valid_from"]).dt.date
    end = pd.to_datetime(rows["valid_to"]).dt.date
    live = rows.loc[(start.isna() | (start <= on)) & (end.isna() | (end >= on))]
    return str(live["scheme"].iloc[0]) if len(live) == 1 else None


def group_members_at(store, level: str, as_of: date, grouping=None, regions=None):
    """Members of the level's grouping in force at as_of (None for province/country).

    Without a chosen cluster set, the set in force at as_of is used (2009 before
    17 Nov 2017, 2017 from then on).
    """
    check_level(level)
    if level == "cluster" and grouping is None:
        grouping = scheme_in_force(store.grouping_schemes(), "cluster", as_of)
    scheme = scheme_for(level, grouping, regions)
    return None if scheme is None else store.group_members(scheme, as_of)


def coverage(
    store,
    level: str,
    fiscal_year: int,
    as_of: date,
    grouping: str | None = None,
    regions: str | None = None,
    by_group: bool = False,
) -> pd.DataFrame:
    """Coverage report of a level for the window ending with fiscal_year, at as_of."""
    check_level(level)
    inputs = load_coverage_inputs(store, fiscal_year, as_of)
    members = group_members_at(store, level, as_of, grouping, regions)
    if by_group:
        return coverage_by_group(inputs, level, members)
    return coverage_report(inputs, level, members)

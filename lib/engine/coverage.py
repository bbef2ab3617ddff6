"""Data coverage (ความครบถ้วน ถูกต้อง ทันเหตุการณ์) and the MOI KPI 4.4 milestone.

DuckDB does the reduction, pandas does the reasoning: `load_coverage_inputs`
reads small per item x area facts from `Store.coverage_facts` (one SQL pass over
the observations); everything else here is pure pandas, frames in, frames out.

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
  data for the area in the fiscal year (a cell of a feed item, due or not,
  with period end in the fiscal year; feed items = the items linked to a KPI
  with aggregation 'coverage', GOV02 in the demo); step 2 = correct and
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
from lib.core.settings import (
    DEFAULT_CLUSTER_SCHEME,
    DEFAULT_REGION_SCHEME,
    MILESTONE_BARS,
    WINDOW_YEARS_BEFORE,
)
from lib.engine.scoring import milestone_score

LEVELS = ("province", "cluster", "region", "country")
CLUSTER_SCHEMES = ("cluster_2017", "cluster_2009")
REGION_SCHEMES = ("region_nesdc7", "region_royin6")
COUNTRY_CODE = "TH"
# Feed items when no KPI with aggregation 'coverage' names one.
DEFAULT_FEED_ITEMS = ("GOV02",)

# Counts that pool by summing (per item x area, per area, per group of areas).
COUNT_COLUMNS = (
    "required_cells",
    "present_cells",
    "correct_cells",
    "ct_cells",
    "item_areas_required",
    "item_areas_timely",
)
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
    feed_items: tuple[str, ...]

    def cells(self, only_counting: bool = True) -> pd.DataFrame:
        """Item x area coverage cells of the window (item_area_coverage on these inputs)."""
        return item_area_coverage(
            self.facts,
            self.items,
            self.areas,
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


# ---------------------------------------------------------------- checks


def _check_columns(frame: object, columns: Sequence[str], name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame, got {type(frame).__name__}")  # noqa: TRY004
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")
    return frame


def check_level(level: str) -> str:
    """level if it is one of LEVELS, else ValueError.

    >>> check_level("cluster")
    'cluster'
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return level


def window_years(fiscal_year: int, years_before: int = WINDOW_YEARS_BEFORE) -> tuple[int, ...]:
    """The fiscal years of the coverage window ending with fiscal_year.

    >>> window_years(2568)
    (2565, 2566, 2567, 2568)
    """
    fy = tc.normalise_year(fiscal_year)
    if years_before < 0:
        raise ValueError(f"years_before must be >= 0, got {years_before}")
    return tuple(range(fy - years_before, fy + 1))


def window_bounds(fiscal_years: Sequence[int], as_of: date, end: date | None = None):
    """(first day, last day) of the window: the last day is capped at end and as_of.

    >>> window_bounds((2567, 2568), date(2025, 3, 1))
    (datetime.date(2023, 10, 1), datetime.date(2025, 3, 1))
    """
    if not fiscal_years:
        raise ValueError("the window needs at least one fiscal year")
    first = tc.fiscal_year_bounds(min(fiscal_years))[0]
    last = tc.fiscal_year_bounds(max(fiscal_years))[1]
    last = min(last, as_of, end or last)
    if last < first:
        raise ValueError(f"as-of {as_of} is before the window, which starts on {first}")
    return first, last


# ---------------------------------------------------------------- requirements


def required_periods(
    frequency: str, release_lag_days: int, start: date, end: date, as_of: date
) -> tuple[int, date | None]:
    """(number of periods ending in [start, end] due by as_of, end of the latest of them).

    >>> required_periods("quarterly", 45, date(2024, 10, 1), date(2025, 9, 30), date(2025, 6, 1))
    (2, datetime.date(2025, 3, 31))
    """
    periods = tc.periods_between(start, end, frequency)
    due = [p for p in periods if tc.due_date(p, frequency, release_lag_days) <= as_of]
    if not due:
        return 0, None
    return len(due), tc.period_bounds(due[-1], frequency)[1]


def item_requirements(items: pd.DataFrame, start: date, end: date, as_of: date) -> pd.DataFrame:
    """Per item: periods_required and latest_due_end in the window at as_of.

    >>> items = pd.DataFrame({"code": ["A"], "frequency": ["monthly"], "release_lag_days": [30]})
    >>> item_requirements(items, date(2025, 1, 1), date(2025, 6, 30), date(2025, 5, 15))
      code  periods_required latest_due_end
    0    A                 3     2025-03-31
    """
    _check_columns(items, ["code", "frequency", "release_lag_days"], "items")
    rows = [
        required_periods(f, int(lag), start, end, as_of)
        for f, lag in zip(items["frequency"], items["release_lag_days"], strict=True)
    ]
    return pd.DataFrame(
        {
            "code": items["code"].to_numpy(),
            "periods_required": np.array([r[0] for r in rows], dtype="int64"),
            "latest_due_end": pd.to_datetime(pd.Series([r[1] for r in rows], dtype="object")),
        }
    )


# ---------------------------------------------------------------- item x area


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
    Columns: item_code, group_code, area_code, province_code, required_cells,
    present_cells, correct_cells, item_areas_required (0/1), item_areas_timely
    (0/1), ct_cells, last_submitted_at.

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
    _check_columns(
        items,
        [
            "code",
            "group_code",
            "area_level",
            "frequency",
            "release_lag_days",
            "counts_for_coverage",
        ],
        "items",
    )
    _check_columns(areas, ["code", "level", "parent_code"], "areas")
    start, end = window_bounds(fiscal_years, as_of, window_end)
    counting = counting_items(items) if only_counting else items
    req = item_requirements(counting, start, end, as_of).merge(
        counting[["code", "group_code", "area_level"]], on="code"
    )
    req = req.loc[req["periods_required"] > 0]
    grid = []
    for level in ("province", "district"):
        level_areas = areas.loc[areas["level"] == level, ["code", "parent_code"]]
        level_items = req.loc[req["area_level"] == level]
        if level_items.empty or level_areas.empty:
            continue
        cross = level_items.merge(level_areas.rename(columns={"code": "area_code"}), how="cross")
        cross["province_code"] = cross["area_code"] if level == "province" else cross["parent_code"]
        grid.append(cross)
    columns = [
        "item_code",
        "group_code",
        "area_code",
        "province_code",
        *COUNT_COLUMNS,
        "last_submitted_at",
    ]
    if not grid:
        return pd.DataFrame(columns=columns)
    cells = pd.concat(grid, ignore_index=True).rename(columns={"code": "item_code"})
    facts = facts.copy()
    facts["latest_due_end_present"] = pd.to_datetime(facts["latest_due_end_present"])
    extra = ["last_submitted_at"] if "last_submitted_at" in facts else []
    cells = cells.merge(
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
    return cells[columns]


# ---------------------------------------------------------------- summaries


def add_percentages(frame: pd.DataFrame) -> pd.DataFrame:
    """complete %, correct %, timely %, correct and timely % from the pooled counts.

    >>> f = pd.DataFrame({"required_cells": [8], "present_cells": [7], "correct_cells": [6],
    ...     "ct_cells": [3], "item_areas_required": [2], "item_areas_timely": [1]})
    >>> add_percentages(f)[["complete_pct", "correct_pct", "timely_pct",
    ...                      "correct_and_timely_pct"]].round(2).iloc[0].tolist()
    [87.5, 85.71, 50.0, 37.5]
    """

    def pct(num: str, den: str) -> pd.Series:
        d = frame[den].astype("float64")
        return (100.0 * frame[num].astype("float64") / d).where(d > 0)

    return frame.assign(
        complete_pct=pct("present_cells", "required_cells"),
        correct_pct=pct("correct_cells", "present_cells"),
        timely_pct=pct("item_areas_timely", "item_areas_required"),
        correct_and_timely_pct=pct("ct_cells", "required_cells"),
    )


def province_summary(cells: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pool item x area rows to province (and the extra keys in by), with percentages."""
    _check_columns(cells, ["province_code", *COUNT_COLUMNS], "cells")
    keys = ["province_code", *by]
    agg = {c: "sum" for c in COUNT_COLUMNS}
    if "last_submitted_at" in cells:
        agg["last_submitted_at"] = "max"
    out = cells.groupby(keys, as_index=False, sort=True).agg(agg)
    return add_percentages(out.rename(columns={"province_code": "area_code"}))


def milestone_steps(summary: pd.DataFrame, bars: Sequence[float] = MILESTONE_BARS) -> pd.DataFrame:
    """Steps 2-4 from the pooled counts and the level from steps 1-5 (step1/step5 given).

    Integer arithmetic, so exactly 80 % reaches step 2.

    >>> s = pd.DataFrame({"required_cells": [10, 10, 10, 10], "ct_cells": [8, 9, 10, 7],
    ...                   "step1_feed": [True] * 4, "step5_groups": [True] * 4})
    >>> milestone_steps(s)["milestone_level"].tolist()
    [2, 3, 5, 1]
    """
    _check_columns(summary, ["required_cells", "ct_cells", "step1_feed", "step5_groups"], "summary")
    if len(bars) != 3:
        raise ValueError(f"bars must be 3 percentages (steps 2, 3, 4), got {list(bars)}")
    req = summary["required_cells"].astype("int64")
    ct = summary["ct_cells"].astype("int64")
    out = summary.copy()
    for column, bar in zip(("step2_80", "step3_90", "step4_100"), bars, strict=True):
        out[column] = (req > 0) & (ct * 100 >= req * float(bar))
    steps = out[["step1_feed", "step2_80", "step3_90", "step4_100", "step5_groups"]]
    out["milestone_level"] = [
        milestone_score([bool(v) for v in row]) for row in steps.itertuples(index=False)
    ]
    return out


def feed_delivered(facts: pd.DataFrame, areas: pd.DataFrame, feed_items: Sequence[str]):
    """Province codes whose integration feed delivered a cell in the fiscal year."""
    _check_columns(facts, ["item_code", "area_code", "fy_cells"], "facts")
    rows = facts.loc[facts["item_code"].isin(list(feed_items)) & (facts["fy_cells"] > 0)]
    parent = areas.set_index("code")["parent_code"]
    level = areas.set_index("code")["level"]
    codes = rows["area_code"]
    province = np.where(codes.map(level) == "district", codes.map(parent), codes)
    return set(pd.Series(province).dropna())


def groups_present(cells: pd.DataFrame, n_groups: int) -> set:
    """Province codes with present cells in each of the n_groups data groups."""
    have = cells.loc[cells["present_cells"] > 0].groupby("province_code")["group_code"].nunique()
    return set(have.index[have >= n_groups])


# ---------------------------------------------------------------- roll-ups


def members_for(
    level: str, areas: pd.DataFrame, group_members: pd.DataFrame | None = None
) -> pd.DataFrame:
    """province_code -> area_code of the level (provinces map to themselves, all to TH)."""
    check_level(level)
    provinces = areas.loc[areas["level"] == "province", "code"]
    if level == "province":
        return pd.DataFrame({"province_code": provinces, "area_code": provinces})
    if level == "country":
        return pd.DataFrame({"province_code": provinces, "area_code": COUNTRY_CODE})
    if group_members is None:
        raise ValueError(f"level {level!r} needs the group members of a grouping scheme")
    _check_columns(group_members, ["province_code", "group_code"], "group_members")
    return group_members.rename(columns={"group_code": "area_code"})[["province_code", "area_code"]]


def rollup(
    province_rows: pd.DataFrame,
    level: str,
    members: pd.DataFrame,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Pool province rows into the areas of level; name the weakest member of each.

    members maps province_code -> area_code (see members_for). Steps 1 and 5
    hold for a group when they hold for every member.

    >>> prov = add_percentages(pd.DataFrame({"area_code": ["a", "b"],
    ...     "required_cells": [10, 10], "present_cells": [10, 8], "correct_cells": [10, 6],
    ...     "ct_cells": [10, 6], "item_areas_required": [2, 2], "item_areas_timely": [2, 1]}))
    >>> members = pd.DataFrame({"province_code": ["a", "b"], "area_code": ["G", "G"]})
    >>> r = rollup(prov, "cluster", members)
    >>> r[["area_code", "members", "correct_and_timely_pct", "weakest_code"]]
      area_code  members  correct_and_timely_pct weakest_code
    0         G        2                    80.0            b
    """
    check_level(level)
    _check_columns(province_rows, ["area_code", *COUNT_COLUMNS], "province_rows")
    _check_columns(members, ["province_code", "area_code"], "members")
    keys = list(by)
    rows = province_rows.rename(columns={"area_code": "province_code"}).merge(
        members, on="province_code", how="inner"
    )
    if level == "province":
        out = rows.drop(columns=["province_code"]).assign(members=1)
        out["weakest_code"] = out["area_code"]
        out["weakest_correct_and_timely_pct"] = out.get("correct_and_timely_pct")
        return out.sort_values(["area_code", *keys], ignore_index=True)
    agg = {c: "sum" for c in COUNT_COLUMNS}
    agg["province_code"] = "nunique"
    for column in ("step1_feed", "step5_groups"):
        if column in rows:
            agg[column] = "all"
    if "last_submitted_at" in rows:
        agg["last_submitted_at"] = "max"
    out = rows.groupby(["area_code", *keys], as_index=False, sort=True).agg(agg)
    out = add_percentages(out.rename(columns={"province_code": "members"}))
    ranked = add_percentages(rows.drop(columns=["correct_and_timely_pct"], errors="ignore"))
    ranked = ranked.assign(_ct=ranked["correct_and_timely_pct"].fillna(np.inf))
    weakest = (
        ranked.sort_values(["_ct", "province_code"])
        .drop_duplicates(["area_code", *keys])
        .rename(
            columns={
                "province_code": "weakest_code",
                "correct_and_timely_pct": "weakest_correct_and_timely_pct",
            }
        )[["area_code", *keys, "weakest_code", "weakest_correct_and_timely_pct"]]
    )
    return out.merge(weakest, on=["area_code", *keys], how="left")


# ---------------------------------------------------------------- the whole report


def coverage_report(
    inputs: CoverageInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coverage and KPI 4.4 milestone per area of a level (SUMMARY_COLUMNS)."""
    cells = inputs.cells()
    return summarise(cells, inputs, level, group_members)


def summarise(
    cells: pd.DataFrame,
    inputs: CoverageInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """From item x area cells to the per-area report of a level (SUMMARY_COLUMNS)."""
    provinces = inputs.areas.loc[inputs.areas["level"] == "province", ["code"]]
    prov = province_summary(cells)
    prov = provinces.rename(columns={"code": "area_code"}).merge(prov, on="area_code", how="left")
    for column in COUNT_COLUMNS:
        prov[column] = prov[column].fillna(0).astype("int64")
    prov = add_percentages(prov)
    fed = feed_delivered(inputs.facts, inputs.areas, inputs.feed_items)
    n_groups = int(counting_items(inputs.items)["group_code"].nunique())
    full = groups_present(cells, n_groups)
    prov["step1_feed"] = prov["area_code"].isin(fed)
    prov["step5_groups"] = prov["area_code"].isin(full)
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


def feed_items_of(kpis: pd.DataFrame) -> tuple[str, ...]:
    """Items linked to a KPI with aggregation 'coverage' (else DEFAULT_FEED_ITEMS)."""
    if kpis is None or kpis.empty or "item_codes" not in kpis:
        return DEFAULT_FEED_ITEMS
    linked = kpis.loc[kpis["aggregation"] == "coverage", "item_codes"].dropna()
    codes = sorted({c for text in linked for c in str(text).split(",") if c})
    return tuple(codes) or DEFAULT_FEED_ITEMS


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
    facts = store.coverage_facts(as_of, start, end, fy_start, min(fy_end, as_of))
    items = store.catalog()
    if items.empty:
        raise ValueError("the store has no catalogue: run `python -m lib init` first")
    return CoverageInputs(
        facts=facts,
        items=items,
        areas=store.areas(),
        as_of=as_of,
        fiscal_year=fy,
        fiscal_years=years,
        window_end=end,
        feed_items=feed_items_of(store.kpis()),
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

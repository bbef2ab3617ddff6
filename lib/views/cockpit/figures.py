"""The engine's figures of one round for every level: the cockpit's only door to the store.

`load_round_figures` calls the engine once per fiscal year and round for every
level (province, cluster, region, country), so that any scope of that round is
a cheap selection. A cluster or region is computed under its own grouping scheme
with the membership in force at the round's end (clamped to the scheme's
validity, so the 2009 clusters still work for old years). The data-health window
ends at the round's end, as the KPI 4.4 score of that round does (for round 12
this is exactly `coverage.coverage` for the fiscal year). A round shown in full
marks a red KPI resting on flagged values not yet checked unreliable
(lib.services.quality.flagged_cells, lib.engine.kpi_flags); earlier rounds'
scores (history) skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.settings import DEFAULT_REGION_SCHEME
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.engine.requirements import round_window
from lib.services import quality
from lib.views.cockpit.query import Scope


@dataclass(frozen=True)
class RoundFigures:
    """The engine's results of one round for every level (small frames; cached per version)."""

    fiscal_year: int
    round_months: int
    as_of: date
    schemes: dict
    scores: pd.DataFrame  # kpi.RESULT_COLUMNS + scheme, all levels
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # coverage.SUMMARY_COLUMNS
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame)  # per area x data group
    members: pd.DataFrame = field(default_factory=pd.DataFrame)  # province -> cluster, region
    overdue: pd.DataFrame = field(default_factory=pd.DataFrame)  # per item x province
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)  # health per district
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)  # the KPI catalogue
    items: pd.DataFrame = field(default_factory=pd.DataFrame)  # the item catalogue
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)  # code, level, names, parent

    def level_scores(self, level: str) -> pd.DataFrame:
        """The scores of one level, without the scheme column; each caller gets its own copy
        (shallow: pandas copies on write, so a change to it never reaches the kept frame).
        The levels are split once per kept round, not on each page run that shows one."""
        frame = self._levels.get(level)
        if frame is None:
            frame = self.scores.iloc[:0].drop(columns="scheme")
        return frame.copy(deep=False)

    @cached_property
    def _levels(self) -> dict[str, pd.DataFrame]:
        split = self.scores.drop(columns="scheme").groupby("level", sort=False)
        return {level: frame.reset_index(drop=True) for level, frame in split}


def scheme_date(schemes: pd.DataFrame, scheme: str, on: date) -> date:
    """on, moved into the validity of a grouping scheme (so old schemes still have members)."""
    row = schemes.loc[schemes["scheme"] == scheme]
    if row.empty:
        raise ValueError(f"unknown grouping scheme {scheme!r}")
    start = pd.to_datetime(row["valid_from"]).dt.date.iloc[0]
    end = pd.to_datetime(row["valid_to"]).dt.date.iloc[0]
    if isinstance(end, date) and not pd.isna(end) and on > end:
        return end
    if isinstance(start, date) and not pd.isna(start) and on < start:
        return start
    return on


def load_schemes(store, scope: Scope, fiscal_year: int, round_months: int, as_of: date):
    """(cluster scheme, region scheme) a view uses: the scope's own, else those in force."""
    on = min(tc.round_end(fiscal_year, round_months), as_of)
    cluster = scope.scheme if scope.level == "cluster" else None
    if cluster is None:
        cluster = cv.scheme_in_force(store.grouping_schemes(), "cluster", on)
        cluster = cv.scheme_for("cluster", cluster)
    region = scope.scheme if scope.level == "region" else DEFAULT_REGION_SCHEME
    return cluster, region


def _district_health(cells: pd.DataFrame) -> pd.DataFrame:
    rows = cells.loc[cells["area_code"] != cells["province_code"]]
    out = cv.province_summary(rows.assign(province_code=rows["area_code"]))
    parent = rows.drop_duplicates("area_code").set_index("area_code")["province_code"]
    return out.assign(province_code=out["area_code"].map(parent))


def _overdue(cells: pd.DataFrame, cov: cv.CoverageInputs) -> pd.DataFrame:
    start, end = cv.window_bounds(cov.fiscal_years, cov.as_of, cov.window_end)
    req = cv.item_requirements(cov.items, start, end, cov.as_of)
    late = cells.loc[cells["item_areas_timely"] == 0, ["item_code", "area_code", "province_code"]]
    facts = cov.facts[["item_code", "area_code", "latest_due_end_present"]]
    late = late.merge(facts, on=["item_code", "area_code"], how="left")
    late["latest_due_end_present"] = pd.to_datetime(late["latest_due_end_present"])
    oldest = late.groupby(["item_code", "province_code"])["latest_due_end_present"].min()
    keys = ["item_code", "province_code"]
    out = cells.groupby(keys, as_index=False).agg(
        areas_required=("item_areas_required", "sum"), timely=("item_areas_timely", "sum")
    )
    out["areas_overdue"] = out["areas_required"] - out["timely"]
    out = out.loc[out["areas_overdue"] > 0].drop(columns="timely")
    out = out.merge(oldest.rename("oldest_present_end").reset_index(), on=keys, how="left")
    return out.merge(
        req[["code", "latest_due_end"]].rename(columns={"code": "item_code"}), on="item_code"
    )


def _memberships(areas: pd.DataFrame, clusters: pd.DataFrame, regions: pd.DataFrame):
    """province_code, cluster_code, region_code of every province."""
    provinces = areas.loc[areas["level"] == "province", ["code"]]
    members = provinces.rename(columns={"code": "province_code"})
    for level, frame in (("cluster", clusters), ("region", regions)):
        link = frame[["province_code", "group_code"]].rename(
            columns={"group_code": f"{level}_code"}
        )
        members = members.merge(link, on="province_code", how="left")
    return members


def _health(cells: pd.DataFrame, cov: cv.CoverageInputs, levels: dict, provinces) -> dict:
    """coverage, by_group and districts of the counting items at every level (provinces:
    cv.province_rows of the counting items, kpi.province_parts' first)."""
    counting = cv.counting_items(cov.items)["code"]
    counted = cells.loc[cells["item_code"].isin(counting)]
    coverage = pd.concat(
        [cv.summarise(counted, cov, level, m, provinces) for level, m in levels.items()],
        ignore_index=True,
    )
    prov = cv.province_summary(counted, by=("group_code",))
    by_group = pd.concat(
        [
            cv.rollup(prov, level, cv.members_for(level, cov.areas, m), by=("group_code",)).assign(
                level=level
            )
            for level, m in levels.items()
        ],
        ignore_index=True,
    )
    names_of = cov.areas.set_index("code")
    districts = _district_health(counted)
    districts["area_name_th"] = districts["area_code"].map(names_of["name_th"])
    districts["area_name_en"] = districts["area_code"].map(names_of["name_en"])
    return {"coverage": coverage, "by_group": by_group, "districts": districts}


def reads_until(fiscal_year: int, round_months: int, as_of: date) -> date:
    """The latest period end load_round_figures(full=False) reads: the round's window, and its
    fiscal year's cells up to as_of (coverage counts them). A write touching only later
    periods leaves those figures as they are; full=True also reads the quality flags, which
    a value of any period can move.

    >>> reads_until(2566, 12, date(2026, 11, 22)), reads_until(2569, 6, date(2026, 11, 22))
    (datetime.date(2023, 9, 30), datetime.date(2026, 9, 30))
    """
    fy = tc.normalise_year(fiscal_year)
    end = round_window(fy, round_months, as_of)[1]
    return max(end, min(tc.fiscal_year_bounds(fy)[1], as_of))


def load_round_figures(
    store,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    cluster_scheme: str,
    region_scheme: str,
    full: bool = True,
    level: str | None = None,
) -> RoundFigures:
    """The engine's figures of a round for every level (full=False: KPI scores only, without
    the quality flags' reliability; with `level` too, that level's scores alone: what a
    view's earlier rounds give it, its scope's trend and change)."""
    inputs = kp.load_kpi_inputs(store, fiscal_year, round_months, as_of)
    flagged = quality.kpi_flagged_cells(store, fiscal_year, as_of) if full else None
    cov = inputs.coverage
    cells = kp.all_item_cells(cov)
    parts = kp.province_parts(inputs, cells)  # shared by the four levels
    on = min(tc.round_end(fiscal_year, round_months), as_of)
    schemes = store.grouping_schemes()
    clusters = store.group_members(cluster_scheme, scheme_date(schemes, cluster_scheme, on))
    regions = store.group_members(region_scheme, scheme_date(schemes, region_scheme, on))
    levels = {"province": None, "cluster": clusters, "region": regions, "country": None}
    names = {"cluster": cluster_scheme, "region": region_scheme}
    scored = levels if full or level is None else {level: levels[level]}
    scores = kp.kpi_scores_levels(inputs, scored, cells=cells, flagged=flagged, parts=parts)
    scores = scores.assign(scheme=[names.get(lv) for lv in scores["level"]])
    base = dict(
        fiscal_year=int(fiscal_year),
        round_months=int(round_months),
        as_of=as_of,
        schemes=names,
        scores=scores,
        kpis=inputs.kpis,
    )
    if not full:
        return RoundFigures(**base)
    return RoundFigures(
        **base,
        **_health(cells, cov, levels, parts[0]),
        members=_memberships(cov.areas, clusters, regions),
        overdue=_overdue(cells, cov),
        items=cov.items,
        areas=cov.areas[["code", "level", "name_th", "name_en", "parent_code"]],
    )

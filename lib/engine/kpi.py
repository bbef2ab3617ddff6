"""KPI results (ผลการดำเนินงานตามตัวชี้วัด) per area, fiscal year and round.

DuckDB reduces the linked items' observations to one value per item x
province x period (`Store.kpi_item_values`); the rest is pure pandas.

Rules chosen (documented here because the official forms leave them open):

- **data used**: periods that end within the fiscal year up to the round end
  (round 6/9/12 = 31 Mar / 30 Jun / 30 Sep) and not after as_of (for `last`
  KPIs also earlier periods, back one year plus the item's release lag, so a
  figure published late such as GPP scores on its latest release), with the
  values as known at as_of (submitted on or before it, history honoured).
  as_of is "when we look": the 12-month round of 2568 seen on 2025-10-15 lacks
  September's monthly figures that are still inside their release lag; seen on
  2026-01-15 it has them. Rejected and out-of-range values are left out.
- **aggregation** over those periods: `last` = the latest period with a value,
  `sum` = sum of the periods present, `mean` = mean of the periods present.
  A district item is first pooled to its province per period (sum for `sum`
  KPIs, mean otherwise). Several linked items: the sum of their results for
  `sum`, their mean otherwise.
- **coverage** KPIs (MOI KPI 4.4): the result is the milestone level of the
  area from `lib.coverage` for the window ending with the fiscal year, cut at
  the round end; score = that level.
- **score**: `scoring.linear_scores` with T1..T5, direction and floor of the
  KPI; weighted score = `scoring.weighted_score`.
- **missing data**: a KPI without a result for an area scores 0 and keeps its
  weight in the composite (the official forms give an unreported KPI no
  points); its light is red and it is unreliable with reason "no_data".
  A KPI whose `missing_rule` is "exclude" leaves such areas out of the composite
  instead; `missing=` given to the functions below overrides every KPI's rule.
- **KPI set**: the set in force for the fiscal year (`Store.kpis(fiscal_year)`),
  so FY 2568 keeps its own weights after FY 2570's set is entered.
- **light**: `scoring.traffic_lights` on the score with the KPI's green_at /
  amber_at; **reliability**: `scoring.reliability` on the complete, correct and
  timely % of the KPI's linked items for the area in the coverage window (for
  coverage KPIs, of all items that count for coverage); a red using a flagged
  value not yet checked is unreliable too (lib.engine.kpi_flags).
- **cluster / region / country**: the result is the mean of the member
  provinces' results (those with one; `members_with_data` says how many),
  scored against the same thresholds; coverage KPIs use the group's pooled
  coverage milestone; data health pools the members' cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.engine import coverage as cv
from lib.engine.aggregations import COVERAGE
from lib.engine.checks import check_columns
from lib.engine.kpi_scoring import KPI_COLUMNS, MISSING_RULES, score_kpis  # noqa: F401
from lib.engine.requirements import lookback_start, round_window  # noqa: F401 (re-exported)

RESULT_COLUMNS = [
    "area_code",
    "area_name_th",
    "area_name_en",
    "level",
    "fiscal_year",
    "round",
    "as_of",
    "kpi_code",
    "kpi_name_th",
    "kpi_name_en",
    "method",
    "aggregation",
    "weight_pct",
    "result",
    "target",
    "unit_th",
    "score",
    "weighted_score",
    "light",
    "reliable",
    "reasons",
    "complete_pct",
    "correct_pct",
    "timely_pct",
    "members_with_data",
    "composite",
    "composite_light",
]


@dataclass(frozen=True)
class KpiInputs:
    """What the pure functions need, read from the store once."""

    kpis: pd.DataFrame
    values: pd.DataFrame  # item_code, province_code, period_end, value_sum, value_mean, n
    coverage: cv.CoverageInputs
    fiscal_year: int
    round_months: int
    period_start: date
    period_end: date

    @cached_property
    def results_by_province(self) -> pd.DataFrame:
        """province_results of these inputs: the same for every level, computed once."""
        return province_results(self.kpis, self.values, self.coverage.items, self.period_start)


def kpis_on_items(kpis: pd.DataFrame, item_codes) -> pd.DataFrame:
    """The KPIs every linked item of which is among item_codes (what a reader may see).

    >>> k = pd.DataFrame({"code": ["K1", "K2"], "item_codes": ["A,B", "A"]})
    >>> kpis_on_items(k, {"A"})["code"].tolist()
    ['K2']
    """
    allowed = set(item_codes)  # plain sets: pandas' isin of a text column costs per value
    hidden = {code for code, item in _links(kpis) if item not in allowed}
    return kpis[np.fromiter((code not in hidden for code in kpis["code"]), bool, len(kpis))]


def kpi_item_links(kpis: pd.DataFrame) -> pd.DataFrame:
    """(kpi_code, item_code) pairs from the comma-separated item_codes column.

    >>> k = pd.DataFrame({"code": ["K1", "K2"], "item_codes": ["A,B", None]})
    >>> kpi_item_links(k).values.tolist()
    [['K1', 'A'], ['K1', 'B']]
    """
    return pd.DataFrame(list(_links(kpis)), columns=["kpi_code", "item_code"])


def _links(kpis: pd.DataFrame) -> Iterator[tuple[str, str]]:
    """(kpi code, item code) of each item a KPI's comma-separated item_codes names."""
    for code, text in zip(kpis["code"], kpis["item_codes"], strict=True):
        if isinstance(text, str):
            yield from ((code, item) for item in text.split(",") if item)


def province_results(
    kpis: pd.DataFrame,
    values: pd.DataFrame,
    items: pd.DataFrame,
    fy_start: date | None = None,
):
    """Result per province x non-coverage KPI from per-period item values.

    `sum` and `mean` use the periods that end on or after fy_start (the fiscal
    year's own flows); `last` uses the latest value known, which for a slow
    annual figure (GPP, released ~18 months late) may be an earlier period.

    >>> kpis = pd.DataFrame({"code": ["K"], "aggregation": ["sum"], "item_codes": ["A"]})
    >>> items = pd.DataFrame({"code": ["A"], "area_level": ["province"]})
    >>> values = pd.DataFrame({"item_code": ["A", "A"], "province_code": ["10", "10"],
    ...     "period_end": pd.to_datetime(["2025-01-31", "2025-02-28"]),
    ...     "value_sum": [3.0, 4.0], "value_mean": [3.0, 4.0], "n": [1, 1]})
    >>> province_results(kpis, values, items).values.tolist()
    [['10', 'K', 7.0]]
    """
    check_columns(kpis, ["code", "aggregation", "item_codes"], "kpis")
    check_columns(
        values, ["item_code", "province_code", "period_end", "value_sum", "value_mean"], "values"
    )
    rows = linked_values(kpis, values, fy_start)
    columns = ["province_code", "kpi_code", "result"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    level = items.set_index("code")["area_level"]
    district = rows["item_code"].map(level).eq("district")
    rows["value"] = np.where(
        district & rows["aggregation"].eq("sum"), rows["value_sum"], rows["value_mean"]
    )
    keys = ["province_code", "kpi_code", "item_code"]
    rows = rows.sort_values([*keys, "period_end"])
    grouped = rows.groupby(keys, sort=True)
    per_item = pd.DataFrame(
        {
            "last": grouped["value"].last(),
            "sum": grouped["value"].sum(),
            "mean": grouped["value"].mean(),
            "aggregation": grouped["aggregation"].first(),
        }
    ).reset_index()
    per_item["result"] = [
        row[agg]
        for row, agg in zip(per_item.to_dict("records"), per_item["aggregation"], strict=True)
    ]
    is_sum = per_item["aggregation"].eq("sum")
    summed = per_item.loc[is_sum].groupby(["province_code", "kpi_code"])["result"].sum()
    averaged = per_item.loc[~is_sum].groupby(["province_code", "kpi_code"])["result"].mean()
    out = pd.concat([summed, averaged]).rename("result").reset_index()
    return out[columns].sort_values(["province_code", "kpi_code"], ignore_index=True)


def linked_values(kpis: pd.DataFrame, values: pd.DataFrame, fy_start: date | None):
    """Item values joined to the non-coverage KPIs linking them (kpi_code, aggregation),
    `sum` and `mean` KPIs' rows from fy_start on (a `last` KPI keeps every row)."""
    links = kpi_item_links(kpis.loc[kpis["aggregation"] != COVERAGE])
    links = links.merge(kpis[["code", "aggregation"]], left_on="kpi_code", right_on="code")
    rows = values.merge(links[["kpi_code", "item_code", "aggregation"]], on="item_code")
    if fy_start is not None:
        in_year = pd.to_datetime(rows["period_end"]) >= pd.Timestamp(fy_start)
        rows = rows[in_year | rows["aggregation"].eq("last")]
    return rows


def health_provinces(cells: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """The per-province half of data_health (every level pools the same rows)."""
    links = kpi_item_links(kpis.loc[kpis["aggregation"] != COVERAGE])
    linked = cells.loc[cells["item_code"].isin(links["item_code"])]  # merge the few, not all
    return cv.province_summary(linked.merge(links, on="item_code"), by=("kpi_code",))


def province_parts(inputs: KpiInputs, cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What every level's kpi_scores shares: (coverage province rows of the counting items,
    cv.province_rows; data health province rows, health_provinces). Compute once, pass on."""
    counting = cells.loc[cells["item_code"].isin(cv.counting_items(inputs.coverage.items)["code"])]
    return cv.province_rows(counting, inputs.coverage), health_provinces(cells, inputs.kpis)


def data_health(
    cells: pd.DataFrame,
    kpis: pd.DataFrame,
    summary: pd.DataFrame,
    members: pd.DataFrame,
    provinces: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """complete / correct / timely % per area x KPI (pooled over the KPI's items and members).

    cells: item x area coverage of every item (lib.coverage.item_area_coverage
    with only_counting=False); summary: the coverage report of the level, used
    for coverage KPIs; provinces: health_provinces(cells, kpis) when already made.
    """
    prov = health_provinces(cells, kpis) if provinces is None else provinces
    # "cluster": rollup's pooling rule for any level's members (percentages only)
    pooled = cv.rollup(prov, "cluster", members, ("kpi_code",), name_weakest=False)
    columns = ["area_code", "kpi_code", "complete_pct", "correct_pct", "timely_pct"]
    frames = [pooled[columns]]
    for code in kpis.loc[kpis["aggregation"] == COVERAGE, "code"]:
        frames.append(summary[["area_code", *columns[2:]]].assign(kpi_code=code)[columns])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- store layer


def load_kpi_inputs(
    store,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    years_before: int = cv.WINDOW_YEARS_BEFORE,
) -> KpiInputs:
    """Read the KPIs, their items' values and the coverage facts for a round."""
    fy = tc.normalise_year(fiscal_year)
    start, end = round_window(fy, round_months, as_of)
    kpis = store.kpis(fy)
    if kpis.empty:
        raise ValueError(
            "the store has no KPIs: an administrator enters them with `python -m lib config import`"
        )
    items = sorted(set(kpi_item_links(kpis.loc[kpis["aggregation"] != COVERAGE])["item_code"]))
    values = store.kpi_item_values(items, as_of, lookback_start(store.catalog(), items, start), end)
    coverage = cv.load_coverage_inputs(store, fy, as_of, years_before, window_end=end)
    return KpiInputs(kpis, values, coverage, fy, int(round_months), start, end)


def kpi_scores(
    inputs: KpiInputs,
    level: str,
    group_members: pd.DataFrame | None = None,
    missing: str | None = None,
    cells: pd.DataFrame | None = None,
    flagged: pd.DataFrame | None = None,
    parts: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """KPI results of every area of a level (RESULT_COLUMNS), one row per area x KPI; flagged:
    lib.services.quality.flagged_cells at as_of (a red light using one: "flagged_values");
    parts: province_parts(inputs, cells), when scoring several levels (kpi_scores_levels)."""
    return kpi_scores_levels(inputs, {level: group_members}, missing, cells, flagged, parts)


def kpi_scores_levels(
    inputs: KpiInputs,
    levels: dict[str, pd.DataFrame | None],
    missing: str | None = None,
    cells: pd.DataFrame | None = None,
    flagged: pd.DataFrame | None = None,
    parts: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """kpi_scores of several levels ({level: its group members or None}) scored together, in
    one pass per KPI instead of one per KPI and level: each level's rows in the order of
    `levels`, sorted by area and KPI. An area code names one area, whatever its level (the
    areas' key), so an area's composite pools its own KPIs only; ValueError otherwise."""
    for level in levels:
        cv.check_level(level)
    cells = all_item_cells(inputs.coverage) if cells is None else cells
    parts = province_parts(inputs, cells) if parts is None else parts
    sides = [_level_side(inputs, lv, group, cells, parts, flagged) for lv, group in levels.items()]
    results, health, areas = (
        pd.concat(side, ignore_index=True) for side in list(zip(*sides, strict=True))[:3]
    )
    on_flags = None if flagged is None else pd.concat([s[3] for s in sides], ignore_index=True)
    if areas["area_code"].duplicated().any():
        twice = sorted(set(areas.loc[areas["area_code"].duplicated(), "area_code"]))
        raise ValueError(f"area codes {twice[:5]} name areas of more than one level")
    out = score_kpis(results, inputs.kpis, areas, health, missing, on_flags)
    out = out.merge(areas, on="area_code", how="left")
    out["members_with_data"] = out["members_with_data"].fillna(0).astype("int64")
    rank = out["level"].map({lv: i for i, lv in enumerate(levels)}).to_numpy()
    out = out.iloc[np.argsort(rank, kind="stable")]  # score_kpis sorted by area and KPI
    out = out.assign(fiscal_year=inputs.fiscal_year, round=inputs.round_months)
    return out.assign(as_of=inputs.coverage.as_of.isoformat())[RESULT_COLUMNS].reset_index(
        drop=True
    )


def _level_side(inputs: KpiInputs, level: str, group_members, cells, parts, flagged) -> tuple:
    """What kpi_scores_levels scores of one level: (results, data health, areas with their
    names and level, results on flagged values: area_code, kpi_code; None without flags)."""
    cov = inputs.coverage
    members = cv.members_for(level, cov.areas, group_members)
    summary = cv.summarise(cells, cov, level, group_members, provinces=parts[0])
    pooled = inputs.results_by_province.merge(members, on="province_code")
    results = (
        pooled.groupby(["area_code", "kpi_code"])["result"]
        .agg(result="mean", members_with_data="count")
        .reset_index()
    )
    milestone = [
        summary[["area_code", "milestone_level"]]
        .rename(columns={"milestone_level": "result"})
        .assign(kpi_code=code, members_with_data=summary["members"])
        for code in inputs.kpis.loc[inputs.kpis["aggregation"] == COVERAGE, "code"]
    ]
    results = pd.concat([results, *milestone], ignore_index=True)
    health = data_health(cells, inputs.kpis, summary, members, parts[1])
    areas = summary[["area_code", "area_name_th", "area_name_en"]].assign(level=level)
    from lib.engine.kpi_flags import flagged_kpis  # it reads this module's rules

    on_flags = None if flagged is None else flagged_kpis(inputs, flagged, members)
    return results, health, areas, on_flags


def all_item_cells(cov: cv.CoverageInputs) -> pd.DataFrame:
    """Item x area coverage cells of every item (KPI items need not count for coverage)."""
    return cov.cells(only_counting=False)


def scores(
    store,
    level: str,
    fiscal_year: int,
    as_of: date,
    round_months: int = 12,
    grouping: str | None = None,
    regions: str | None = None,
    missing: str | None = None,
    flagged: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """KPI results of a level for a fiscal year and round, as known at as_of (see kpi_scores)."""
    cv.check_level(level)
    inputs = load_kpi_inputs(store, fiscal_year, round_months, as_of)
    members = cv.group_members_at(store, level, as_of, grouping, regions)
    return kpi_scores(inputs, level, members, missing, flagged=flagged)

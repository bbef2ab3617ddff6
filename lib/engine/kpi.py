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

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.engine import coverage as cv
from lib.engine.aggregations import COVERAGE
from lib.engine.checks import check_columns
from lib.engine.methods import score_results
from lib.engine.requirements import lookback_start, round_window  # noqa: F401 (re-exported)
from lib.engine.scoring import (
    composite_score,
    flagged_reason,
    reliability,
    traffic_lights,
    weighted_score,
)

MISSING_RULES = ("zero", "exclude")
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
KPI_COLUMNS = [
    "code",
    "name_th",
    "weight_pct",
    "method",
    "t1",
    "t2",
    "t3",
    "t4",
    "t5",
    "higher_is_better",
    "floor_score",
    "green_at",
    "amber_at",
    "aggregation",
    "item_codes",
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
    allowed = set(item_codes)
    links = kpi_item_links(kpis)
    hidden = set(links.loc[~links["item_code"].isin(allowed), "kpi_code"])
    return kpis[~kpis["code"].isin(hidden)]


def kpi_item_links(kpis: pd.DataFrame) -> pd.DataFrame:
    """(kpi_code, item_code) pairs from the comma-separated item_codes column.

    >>> k = pd.DataFrame({"code": ["K1", "K2"], "item_codes": ["A,B", None]})
    >>> kpi_item_links(k).values.tolist()
    [['K1', 'A'], ['K1', 'B']]
    """
    rows = [
        (code, item)
        for code, text in zip(kpis["code"], kpis["item_codes"], strict=True)
        if isinstance(text, str)
        for item in text.split(",")
        if item
    ]
    return pd.DataFrame(rows, columns=["kpi_code", "item_code"])


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


def score_kpis(
    results: pd.DataFrame,
    kpis: pd.DataFrame,
    areas: pd.DataFrame,
    health: pd.DataFrame | None = None,
    missing: str | None = None,
    flagged: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score, weighted score, light, reliability and composite per area x KPI.

    missing: None = each KPI's missing_rule ("zero" when it has none); "zero" or
    "exclude" = that rule for every KPI. flagged: area_code, kpi_code of the
    results that use a flagged value not yet checked (`kpi_flags.flagged_kpis`).

    results: area_code, kpi_code, result (areas without a row have no data).
    areas: area_code (and optional names) of every area to report.

    >>> kpis = pd.DataFrame({"code": ["K1", "K2"], "name_th": ["a", "b"], "weight_pct": [60, 40],
    ...     "method": ["linear"] * 2, "t1": [1, 5], "t2": [2, 4], "t3": [3, 3], "t4": [4, 2],
    ...     "t5": [5, 1], "higher_is_better": [True, False], "floor_score": [1.0, 1.0],
    ...     "green_at": [4.0] * 2, "amber_at": [3.0] * 2, "aggregation": ["last"] * 2,
    ...     "item_codes": ["A", "B"]})
    >>> res = pd.DataFrame({"area_code": ["10", "10"], "kpi_code": ["K1", "K2"],
    ...                     "result": [5.0, 2.5]})
    >>> out = score_kpis(res, kpis, pd.DataFrame({"area_code": ["10"]}))
    >>> out[["kpi_code", "score", "weighted_score", "light", "composite"]]
      kpi_code  score  weighted_score  light  composite
    0       K1    5.0             3.0  green        4.4
    1       K2    3.5             1.4  amber        4.4
    """
    check_columns(results, ["area_code", "kpi_code", "result"], "results")
    check_columns(kpis, KPI_COLUMNS[:-1], "kpis")
    check_columns(areas, ["area_code"], "areas")
    if missing is not None and missing not in MISSING_RULES:
        raise ValueError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
    if kpis.empty:
        raise ValueError("no KPIs to score")
    grid = areas[["area_code"]].merge(kpis[["code"]].rename(columns={"code": "kpi_code"}), "cross")
    extra = [c for c in results.columns if c not in ("area_code", "kpi_code", "result")]
    out = grid.merge(results[["area_code", "kpi_code", "result", *extra]], how="left")
    out["result"] = pd.to_numeric(out["result"]).astype("float64")
    has_data = out["result"].notna()
    out["score"] = _method_scores(out, kpis)
    meta = kpis.set_index("code")
    zero = _missing_rules(out["kpi_code"], meta, missing) == "zero"
    out.loc[zero & out["score"].isna(), "score"] = 0.0
    out["weight_pct"] = out["kpi_code"].map(meta["weight_pct"]).astype("float64")
    out["weighted_score"] = [
        weighted_score(w, s) if not np.isnan(s) else np.nan
        for w, s in zip(out["weight_pct"], out["score"], strict=True)
    ]
    out["light"] = _lights(out, kpis)
    if health is not None:
        out = out.merge(health, on=["area_code", "kpi_code"], how="left")
    out = _add_reliability(out, has_data, flagged)
    out["composite"] = _composites(out)
    out["composite_light"] = traffic_lights(out["composite"]).to_numpy()
    return _describe(out, meta).sort_values(["area_code", "kpi_code"], ignore_index=True)


def _missing_rules(kpi_codes: pd.Series, meta: pd.DataFrame, missing: str | None) -> pd.Series:
    """Each row's rule for a missing result: the override, else its KPI's missing_rule."""
    if missing is not None:
        return pd.Series(missing, index=kpi_codes.index)
    if "missing_rule" not in meta:
        return pd.Series("zero", index=kpi_codes.index)
    return kpi_codes.map(meta["missing_rule"].fillna("zero")).fillna("zero")


def _kpi_rows(out: pd.DataFrame, kpis: pd.DataFrame):
    """(KPI row as a dict, positions of out's rows of that KPI) for every KPI with rows."""
    positions = out.groupby("kpi_code", sort=False).indices  # one pass, not a mask per KPI
    yield from (
        (k, positions[k["code"]]) for k in kpis.to_dict("records") if k["code"] in positions
    )


def _method_scores(out: pd.DataFrame, kpis: pd.DataFrame) -> pd.Series:
    """Each row's score by its KPI's scoring method (lib.engine.methods)."""
    scores = np.full(len(out), np.nan)
    for kpi, rows in _kpi_rows(out, kpis):
        scores[rows] = score_results(out["result"].iloc[rows], kpi).to_numpy(dtype="float64")
    return pd.Series(scores, index=out.index)


def _lights(out: pd.DataFrame, kpis: pd.DataFrame) -> pd.Series:
    """Each row's traffic light from its score and its KPI's green_at / amber_at (one call of
    traffic_lights per pair of bars: most KPIs share theirs)."""
    lights = np.full(len(out), None, dtype=object)
    bars: dict[tuple, list] = {}
    for kpi, rows in _kpi_rows(out, kpis):
        bars.setdefault((kpi["green_at"], kpi["amber_at"]), []).append(rows)
    for (green_at, amber_at), parts in bars.items():
        rows = np.concatenate(parts)
        lights[rows] = traffic_lights(
            out["score"].iloc[rows], green_at=green_at, amber_at=amber_at
        ).to_numpy(dtype=object)
    return pd.Series(lights, index=out.index, dtype="object")


def _add_reliability(out: pd.DataFrame, has_data: pd.Series, flagged=None) -> pd.DataFrame:
    """reliable and reasons from the data-health figures ("no_data" first when no result)
    and, for a red light, from flagged values (`flagged`: area_code, kpi_code)."""
    for column in ("complete_pct", "correct_pct", "timely_pct"):
        if column not in out:
            out[column] = np.nan
    on_flags = flagged if flagged is not None else pd.DataFrame(columns=["area_code", "kpi_code"])
    pairs = set(on_flags[["area_code", "kpi_code"]].itertuples(False, None))
    figures = out[["area_code", "kpi_code", "complete_pct", "correct_pct", "timely_pct", "light"]]
    reliable, reasons = [], []
    for ok, (area, kpi, c, r, t, light) in zip(has_data, figures.itertuples(False), strict=True):
        why = ["no_data"] if not ok else []
        why += reliability(c, r, t)[1] + flagged_reason(light, (area, kpi) in pairs)
        reliable.append(not why)
        reasons.append(",".join(why))
    return out.assign(reliable=reliable, reasons=reasons)


def _composites(out: pd.DataFrame) -> pd.Series:
    """Each row's area composite score over the KPIs with a score and a positive weight."""
    weights, scores = out["weight_pct"].to_numpy(float), out["score"].to_numpy(float)
    composite = np.full(len(out), np.nan)
    for rows in out.groupby("area_code", sort=False).indices.values():
        ok = rows[~np.isnan(scores[rows]) & (weights[rows] > 0)]
        pairs = list(zip(weights[ok], scores[ok], strict=True))
        composite[rows] = composite_score(pairs) if pairs else np.nan
    return pd.Series(composite, index=out.index)


def _describe(out: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """The KPI's names, method, aggregation, target and unit on each row."""
    out["kpi_name_th"] = out["kpi_code"].map(meta["name_th"])
    english = meta["name_en"] if "name_en" in meta else meta["name_th"]
    out["kpi_name_en"] = out["kpi_code"].map(english)
    out["method"] = out["kpi_code"].map(meta["method"])
    out["aggregation"] = out["kpi_code"].map(meta["aggregation"])
    for column in ("target", "unit_th"):
        out[column] = out["kpi_code"].map(meta[column]) if column in meta else np.nan
    return out


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
    parts: province_parts(inputs, cells), when scoring several levels."""
    cv.check_level(level)
    cov = inputs.coverage
    if cells is None:
        cells = all_item_cells(cov)
    members = cv.members_for(level, cov.areas, group_members)
    parts = province_parts(inputs, cells) if parts is None else parts
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
    areas = summary[["area_code", "area_name_th", "area_name_en"]]
    from lib.engine.kpi_flags import flagged_kpis  # it reads this module's rules

    on_flags = None if flagged is None else flagged_kpis(inputs, flagged, members)
    out = score_kpis(results, inputs.kpis, areas, health, missing, on_flags)
    out = out.merge(areas, on="area_code", how="left")
    out["members_with_data"] = out["members_with_data"].fillna(0).astype("int64")
    out["level"] = level
    out["fiscal_year"] = inputs.fiscal_year
    out["round"] = inputs.round_months
    out["as_of"] = cov.as_of.isoformat()
    return out[RESULT_COLUMNS]


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

"""KPI results scored: score, weighted score, light, reliability and composite per area x KPI.

The rules are lib.engine.kpi's (its module docstring); this module applies them to results
already made (`score_kpis`), for provinces and groups (lib.engine.kpi) and for districts
(lib.engine.districts). lib.engine.kpi re-exports what is here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.engine.checks import check_columns
from lib.engine.methods import score_results
from lib.engine.scoring import (
    composite_score,
    flagged_reason,
    reliability,
    traffic_lights,
    weighted_score,
)

MISSING_RULES = ("zero", "exclude")
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

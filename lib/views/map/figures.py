"""The figure of every area of a level: item values, KPI scores or data health, with flags.

- **item values above province level** combine by the item's own aggregation
  (lib.engine.aggregations): `sum` over the member provinces for counts and
  amounts, `mean` of the members with a value for rates, per-capita figures and
  percentages. District items pool their districts the same way.
- **flags** (drawn with a dashed outline): an item value is *unverified* when its
  status is still "submitted", *stale* when the area's latest period is older
  than the latest period due at the as-of date (period end + release lag);
  a group is *partial* when some members have no value and inherits its members'
  flags. A KPI score is flagged *unreliable* when the engine marks it so.

- **districts**: district items colour districts directly; data health and KPI
  results per district come from lib.engine.districts (district-level items only,
  same definitions as the province figures). `district_note` says why a figure
  has no district values (a province-level item or KPI, the composite).

`load_figures` is the one function here that reads the store and runs the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column
from lib.core.labels import FLAG_LABELS
from lib.engine import aggregations
from lib.views.labels import HEALTH_LABELS
from lib.views.map.state import MapState, default_fiscal_year

# The data-health figures a map colours, the default first; labels carry the unit.
HEALTH_MEASURES = {
    code: Text(f"{HEALTH_LABELS[code].th} (%)", f"{HEALTH_LABELS[code].en} (%)")
    for code in ("correct_and_timely_pct", "complete_pct", "correct_pct", "timely_pct")
}
COMPOSITE = "composite"  # the KPI code standing for the composite score
COMPOSITE_LABEL = Text("คะแนนรวมถ่วงน้ำหนัก", "Composite score")
FIGURE_COLUMNS = ["code", "level", "value", "flag", "members", "members_with_data"]


def item_flags(cells: pd.DataFrame, due_end: date | None) -> pd.DataFrame:
    """area_code, value, flag of one item x period from Store.map_item_cells.

    >>> cells = pd.DataFrame({"area_code": ["10", "11", "12"], "value": [1.0, 2.0, None],
    ...     "status": ["verified", "submitted", None],
    ...     "latest_end": pd.to_datetime(["2025-12-31", "2024-12-31", "2025-12-31"])})
    >>> item_flags(cells, date(2025, 12, 31))["flag"].tolist()
    ['', 'stale,unverified', '']
    """
    out = cells[["area_code", "value"]].copy()
    has = out["value"].notna()
    stale = (
        pd.to_datetime(cells["latest_end"]) < pd.Timestamp(due_end)
        if due_end is not None
        else pd.Series(False, index=cells.index)
    )
    unverified = has & (cells["status"] != "verified")
    out["flag"] = [
        ",".join(f for f, on in (("stale", s), ("unverified", u)) if on)
        for s, u in zip(stale.fillna(False), unverified, strict=True)
    ]
    return out


def pool(values: pd.DataFrame, mapping: pd.DataFrame, how: str) -> pd.DataFrame:
    """Pool child values (area_code, value, flag) into parents via mapping (child, parent).

    Every parent in mapping gets a row: value = sum or mean of the children with a
    value, members, members_with_data, and a flag (partial + the children's flags).

    >>> v = pd.DataFrame({"area_code": ["a", "b"], "value": [1.0, 3.0], "flag": ["", "stale"]})
    >>> m = pd.DataFrame({"child": ["a", "b", "c"], "parent": ["G", "G", "G"]})
    >>> out = pool(v, m, "mean")
    >>> out[["code", "value", "members", "members_with_data", "flag"]].to_numpy().tolist()
    [['G', 2.0, 3, 2, 'partial,stale']]
    """
    if how not in aggregations.ITEM_AGGREGATIONS:
        raise ValueError(f"how must be one of {aggregations.ITEM_AGGREGATIONS}, got {how!r}")
    rows = mapping.merge(values.rename(columns={"area_code": "child"}), on="child", how="left")
    rows["has"] = rows["value"].notna()
    out = []
    for parent, g in rows.groupby("parent", sort=True):
        present = g.loc[g["has"], "value"]
        flags = {f for text in g["flag"].dropna() for f in str(text).split(",") if f}
        if 0 < len(present) < len(g):
            flags.add("partial")
        out.append(
            {
                "code": parent,
                "value": float(aggregations.combine(present, how)),
                "flag": ",".join(sorted(flags)) if len(present) else "",
                "members": len(g),
                "members_with_data": int(len(present)),
            }
        )
    return pd.DataFrame(out, columns=["code", "value", "flag", "members", "members_with_data"])


def _area_mapping(level: str, item_level: str, members: pd.DataFrame, areas: pd.DataFrame):
    """(child, parent) from the item's own areas to the areas of level (None: not reachable)."""
    districts = areas.loc[areas["level"] == "district", ["code", "parent_code"]]
    if level == item_level:
        codes = areas.loc[areas["level"] == level, "code"]
        return pd.DataFrame({"child": codes, "parent": codes})
    if level == "district":
        return None  # a province figure is not split into districts
    column = {"region": "region_code", "cluster": "cluster_code"}.get(level)
    if level == "province":
        prov = areas.loc[areas["level"] == "province", "code"]
        prov = pd.DataFrame({"province_code": prov, "parent": prov})
    else:
        prov = members[["province_code", column]].dropna().rename(columns={column: "parent"})
    if item_level == "province":
        return prov.rename(columns={"province_code": "child"})[["child", "parent"]]
    d = districts.rename(columns={"code": "child", "parent_code": "province_code"})
    return d.merge(prov, on="province_code")[["child", "parent"]]


def _no_figures(codes: pd.Series, level: str, members: int) -> pd.DataFrame:
    """FIGURE_COLUMNS of areas that have no value at all."""
    out = pd.DataFrame({"code": codes, "level": level, "value": np.nan, "flag": ""})
    return out.assign(members=members, members_with_data=0)[FIGURE_COLUMNS]


def item_figures(
    cells: pd.DataFrame,
    item: Mapping,
    level: str,
    members: pd.DataFrame,
    areas: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    """FIGURE_COLUMNS of one item and period at a level (all areas of the level, NaN = no data)."""
    due = tc.latest_due_period(as_of, item["frequency"], int(item["release_lag_days"]))
    due_end = tc.period_bounds(due, item["frequency"])[1] if due else None
    values = item_flags(cells, due_end)
    mapping = _area_mapping(level, item["area_level"], members, areas)
    if mapping is None:
        return _no_figures(areas.loc[areas["level"] == level, "code"], level, 0)
    out = pool(values, mapping, item["aggregation"])
    return out.assign(level=level)[FIGURE_COLUMNS]


def kpi_figures(scores: pd.DataFrame, code: str, level: str) -> pd.DataFrame:
    """FIGURE_COLUMNS from kpi.scores rows: the score of one KPI, or the composite."""
    if code == COMPOSITE:
        g = scores.groupby("area_code", sort=True)
        out = pd.DataFrame(
            {
                "value": g["composite"].first(),
                "members": g["result"].size(),
                "members_with_data": g["result"].count(),
            }
        )
        out["flag"] = np.where(out["members_with_data"] < out["members"], "partial", "")
        out = out.reset_index().rename(columns={"area_code": "code"})
    else:
        rows = scores.loc[scores["kpi_code"] == code]
        has = rows["result"].notna()
        out = pd.DataFrame(
            {
                "code": rows["area_code"].to_numpy(),
                "value": rows["score"].where(has).to_numpy(),
                "flag": np.where(has & ~rows["reliable"].astype(bool), "unreliable", ""),
                "members": 1,
                "members_with_data": rows["members_with_data"].to_numpy(),
            }
        )
    return out.assign(level=level)[FIGURE_COLUMNS].reset_index(drop=True)


def health_figures(report: pd.DataFrame, measure: str, level: str) -> pd.DataFrame:
    """FIGURE_COLUMNS from a coverage report (coverage.coverage): one of HEALTH_MEASURES."""
    if measure not in HEALTH_MEASURES:
        raise ValueError(f"unknown data-health measure {measure!r}; use {sorted(HEALTH_MEASURES)}")
    out = pd.DataFrame(
        {
            "code": report["area_code"].to_numpy(),
            "value": report[measure].astype("float64").to_numpy(),
            "flag": "",
            "members": report["members"].to_numpy(),
            "members_with_data": report["members"].to_numpy(),
        }
    )
    return out.assign(level=level)[FIGURE_COLUMNS]


def district_figures(latest: pd.DataFrame, item_code: str) -> pd.DataFrame:
    """FIGURE_COLUMNS of one district item from Store.district_latest_values rows."""
    rows = latest.loc[latest["item_code"] == item_code]
    return pd.DataFrame(
        {
            "code": rows["area_code"].to_numpy(),
            "level": "district",
            "value": rows["value"].astype("float64").to_numpy(),
            "flag": np.where(rows["status"] == "verified", "", "unverified"),
            "members": 1,
            "members_with_data": 1,
        }
    )[FIGURE_COLUMNS]


def flag_text(flag: str, lang: str = "th") -> str:
    """Flags such as "stale,unverified" in words (lib.core.labels)."""
    return ", ".join(pick(FLAG_LABELS[f], lang) for f in str(flag).split(",") if f in FLAG_LABELS)


def load_figures(store, state: MapState, level: str, as_of: date, members, areas) -> pd.DataFrame:
    """The figure of every area of a level (FIGURE_COLUMNS): the one door to store and engine."""
    from lib.engine import coverage as cv
    from lib.views.cockpit import kept

    if state.kind == "item":
        catalog = store.catalog().set_index("code")
        if state.code not in catalog.index:
            raise ValueError(f"unknown data item {state.code!r}")
        item = {"code": state.code, **catalog.loc[state.code].to_dict()}
        cells = store.map_item_cells(state.code, state.period, as_of)  # as known that day
        return item_figures(cells, item, level, members, areas, as_of)
    fy = int(state.period) if str(state.period).isdigit() else default_fiscal_year(as_of)
    if level == "district":
        return _district_level(store, state, fy, as_of, areas)
    if state.kind == "kpi":  # the cockpit's kept round: one computation of its scores
        today = store.figures_as_of()
        round_ = kept.round_figures(
            store, today, fy, state.round_months, as_of, state.cluster_scheme, state.region_scheme
        )
        scores = round_.scores.loc[round_.scores["level"] == level]
        return kpi_figures(scores, state.code, level)
    grouping = state.cluster_scheme if level == "cluster" else None
    regions = state.region_scheme if level == "region" else None
    report = cv.coverage(store, level, fy, as_of, grouping=grouping, regions=regions)
    return health_figures(report, state.code, level)


def _district_level(store, state: MapState, fy: int, as_of: date, areas) -> pd.DataFrame:
    """KPI scores or data health of every district (lib.engine.districts)."""
    from lib.engine import districts as engine_districts

    if state.kind == "health":
        report = engine_districts.district_coverage(store, fy, as_of)
        return health_figures(report, state.code, "district")
    scores = engine_districts.district_scores(store, fy, as_of, state.round_months)
    if state.code == COMPOSITE or state.code not in set(scores["kpi_code"]):
        return _no_figures(areas.loc[areas["level"] == "district", "code"], "district", 1)
    return kpi_figures(scores, state.code, "district")


def district_note(state: MapState, catalog: pd.DataFrame, kpis: pd.DataFrame, lang: str):
    """Why the figure has no district values (None when it has them)."""
    from lib.engine import districts as engine_districts

    if state.kind == "item":
        row = catalog.set_index("code").loc[state.code]
        if row["area_level"] == "district":
            return None
        text = Text(
            f"{state.code} เก็บข้อมูลระดับจังหวัด จึงไม่มีค่ารายอำเภอ",
            f"{state.code} is collected per province: it has no district values",
        )
    elif state.kind == "kpi" and state.code == COMPOSITE:
        text = Text(
            "คะแนนรวมถ่วงน้ำหนักคำนวณระดับจังหวัดขึ้นไปเท่านั้น (ไม่คำนวณรายอำเภอ)",
            "The composite score is computed for provinces and above only, not per district",
        )
    elif state.kind == "kpi":
        status = engine_districts.district_kpi_status(kpis, catalog).set_index("kpi_code")
        if state.code not in status.index or status.at[state.code, "available"]:
            return None
        if status.at[state.code, "reason"] == "coverage":
            text = Text(
                f"{state.code} วัดระดับขั้นตอนของจังหวัด (มท. 4.4) จึงไม่มีผลรายอำเภอ",
                f"{state.code} is a province's milestone level (MOI 4.4): no district results",
            )
        else:
            items = status.at[state.code, "province_items"] or "-"
            text = Text(
                f"{state.code} คำนวณจากรายการข้อมูลระดับจังหวัด ({items}) จึงไม่มีผลรายอำเภอ",
                f"{state.code} is computed from province items ({items}): no district results",
            )
    else:
        return None
    return pick(text, lang)


def figure_meta(state: MapState, catalog: pd.DataFrame, kpis: pd.DataFrame, lang: str) -> dict:
    """Label, unit, direction and decimals of the figure a state colours."""
    if state.kind == "health":
        label = pick(HEALTH_MEASURES[state.code], lang)
        return {"label": label, "unit": "%", "higher_is_better": True, "decimals": 1}
    if state.kind == "kpi":
        if state.code == COMPOSITE:
            label = pick(COMPOSITE_LABEL, lang)
        else:
            row = kpis.set_index("code").loc[state.code]
            label = f"{state.code} {row[pick_column('name', lang)]}"
        return {
            "label": label,
            "unit": pick(Text("คะแนน (1-5)", "score (1-5)"), lang),
            "higher_is_better": True,
            "decimals": 4,
        }
    row = catalog.set_index("code").loc[state.code]
    hib = row["higher_is_better"]
    return {
        "label": row[pick_column("name", lang)],
        "unit": row[pick_column("unit", lang)],
        "higher_is_better": None if pd.isna(hib) else bool(hib),
        "decimals": int(row["decimals"]),
        "frequency": row["frequency"],
        "area_level": row["area_level"],
        "aggregation": row["aggregation"],
    }

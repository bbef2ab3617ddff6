"""Pooling coverage counts: percentages, the KPI 4.4 milestone steps, roll-ups to groups of areas.

Counts pool by summing (item x area -> province -> cluster / region / country);
percentages are computed from the pooled counts, never averaged. Pure pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lib.core.settings import MILESTONE_BARS
from lib.engine.checks import check_columns, check_level
from lib.engine.scoring import milestone_score

COUNTRY_CODE = "TH"
# Counts that pool by summing (per item x area, per area, per group of areas).
COUNT_COLUMNS = (
    "required_cells",
    "present_cells",
    "correct_cells",
    "ct_cells",
    "item_areas_required",
    "item_areas_timely",
)


def add_percentages(frame: pd.DataFrame) -> pd.DataFrame:
    """complete %, correct %, timely %, correct and timely % from the pooled counts.

    >>> f = pd.DataFrame({"required_cells": [8], "present_cells": [7], "correct_cells": [6],
    ...     "ct_cells": [3], "item_areas_required": [2], "item_areas_timely": [1]})
    >>> add_percentages(f)[["complete_pct", "correct_pct", "timely_pct",
    ...                      "correct_and_timely_pct"]].round(2).iloc[0].tolist()
    [87.5, 85.71, 50.0, 37.5]
    """

    def pct(num: str, den: str) -> np.ndarray:
        d = frame[den].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = 100.0 * frame[num].to_numpy(dtype="float64", na_value=np.nan) / d
        return np.where(d > 0, ratio, np.nan)

    return frame.assign(
        complete_pct=pct("present_cells", "required_cells"),
        correct_pct=pct("correct_cells", "present_cells"),
        timely_pct=pct("item_areas_timely", "item_areas_required"),
        correct_and_timely_pct=pct("ct_cells", "required_cells"),
    )


def province_summary(cells: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pool item x area rows to province (and the extra keys in by), with percentages."""
    check_columns(cells, ["province_code", *COUNT_COLUMNS], "cells")
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
    check_columns(summary, ["required_cells", "ct_cells", "step1_feed", "step5_groups"], "summary")
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


def feed_delivered(delivered: Sequence[str], areas: pd.DataFrame) -> set:
    """Province codes whose integration feed delivered a value in the fiscal year: the areas
    feed runs committed (`delivered`, Store.feed_delivered_areas), a district's as its
    province's.

    >>> areas = pd.DataFrame({"code": ["21", "2101", "20"], "level": ["province",
    ...     "district", "province"], "parent_code": ["TH", "21", "TH"]})
    >>> sorted(feed_delivered(["2101", "20"], areas))
    ['20', '21']
    """
    check_columns(areas, ["code", "level", "parent_code"], "areas")
    parent = areas.set_index("code")["parent_code"]
    level = areas.set_index("code")["level"]
    codes = pd.Series(list(delivered), dtype=str)
    province = np.where(codes.map(level) == "district", codes.map(parent), codes)
    return set(pd.Series(province, dtype=object).dropna())


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
    check_columns(group_members, ["province_code", "group_code"], "group_members")
    return group_members.rename(columns={"group_code": "area_code"})[["province_code", "area_code"]]


def rollup(
    province_rows: pd.DataFrame,
    level: str,
    members: pd.DataFrame,
    by: Sequence[str] = (),
    name_weakest: bool = True,
) -> pd.DataFrame:
    """Pool province rows into the areas of level; name the weakest member of each
    (name_weakest False: the pooled counts and percentages alone).

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
    check_columns(province_rows, ["area_code", *COUNT_COLUMNS], "province_rows")
    check_columns(members, ["province_code", "area_code"], "members")
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
    if not name_weakest:
        return out
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

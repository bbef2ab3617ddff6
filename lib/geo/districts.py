"""District (อำเภอ/เขต) boundary layer: the shipped one, or an administrator's replacement.

A district layer ships in git: `geo/districts/<province>.geojson`, one file per
province, built by `geo/build.py` from the OCHA/RTSD 2019 boundaries (CC BY-IGO
3.0, see geo/README.md), so a province view reads only its own districts. An
administrator may replace it: `prepare_layer` is pure, bytes in, (clean layer,
report) out: it reads GeoJSON, a zipped Shapefile or a GeoPackage with pyogrio,
finds the column holding the DOPA 4-digit district code, checks the codes
against the reference districts, then cleans and simplifies the polygons as one
coverage (neighbours keep one shared border) as `geo/build.py` does.
`save_layer` writes it to `DISTRICTS_PATH` (git-ignored); `load_layer` reads the
installed layer when there is one, else the shipped one.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from lib.core.i18n import InputError, Text, pick
from lib.core.settings import GEO_DIR
from lib.core.settings import ROOT as REPO_ROOT

# Where an administrator's layer is kept (git-ignored: data/layers/); it wins over the shipped one.
DISTRICTS_PATH = REPO_ROOT / "data" / "layers" / "districts.geojson"
# The shipped layer: one GeoJSON file per province, named by the DOPA province code.
SHIPPED_DIR = GEO_DIR / "districts"
ATTRIBUTION = "Districts: Royal Thai Survey Department; CC BY-IGO 3.0, OCHA/HDX, 2019"

# Coverage simplification: between the national (0.02°) and the detail (0.002°)
# province layers; districts are drawn a province or a cluster at a time.
SIMPLIFY_TOLERANCE = 0.003  # degrees
COORDINATE_PRECISION = 4  # decimals, about 11 m
# Column names that usually hold the district code (HDX COD-AB, DOPA, RTSD exports).
CODE_COLUMN_HINTS = (
    "adm2_pcode",
    "amp_code",
    "amphoe_code",
    "amphoe_id",
    "amp_id",
    "ap_idn",
    "dist_code",
    "district_code",
    "adm2_code",
    "code",
)
# A column is taken as the code column when at least this share of its values are known codes.
MIN_CODE_MATCH = 0.5
LAYER_COLUMNS = ["code", "name_th", "name_en", "province_code", "level", "geometry"]
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SUFFIXES = (".geojson", ".json", ".zip", ".gpkg")


class DistrictLayerError(InputError):
    """The file cannot be used as a district layer (message in Thai and English)."""


@dataclass
class LayerReport:
    """What the check found: the code column, and codes unknown, missing or repeated."""

    features: int = 0
    code_column: str | None = None
    unknown: list[str] = field(default_factory=list)  # codes not in the reference (dropped)
    missing: list[str] = field(default_factory=list)  # reference districts without a polygon
    duplicates: list[str] = field(default_factory=list)  # codes on several features (merged)
    empty: int = 0  # features without a polygon (dropped)
    kept: int = 0  # districts in the saved layer
    source_crs: str | None = None

    @property
    def complete(self) -> bool:
        """True when every reference district has exactly one polygon and nothing is unknown."""
        return not (self.unknown or self.missing or self.duplicates or self.empty)

    def messages(self, lang: str = "th") -> list[str]:
        """One line per finding, in Thai or English."""
        col = self.code_column
        lines = [
            Text(
                f"อ่านได้ {self.features:,} รูปแปลง รหัสอำเภออยู่ในคอลัมน์ {col!r}",
                f"read {self.features:,} features; district codes in column {col!r}",
            )
        ]
        if self.unknown:
            n, few = len(self.unknown), _few(self.unknown)
            lines.append(
                Text(
                    f"รหัสที่ไม่มีในทะเบียนอำเภอ {n} รหัส (ไม่นำเข้า): {few}",
                    f"{n} codes not in the district reference (dropped): {few}",
                )
            )
        if self.duplicates:
            n, few = len(self.duplicates), _few(self.duplicates)
            lines.append(
                Text(
                    f"รหัสซ้ำ {n} รหัส (รวมรูปแปลงเป็นรูปเดียว): {few}",
                    f"{n} codes on several features (merged into one): {few}",
                )
            )
        if self.empty:
            lines.append(
                Text(
                    f"รูปแปลงว่างหรือไม่มีรหัส {self.empty} รายการ (ไม่นำเข้า)",
                    f"{self.empty} features without geometry or code (dropped)",
                )
            )
        if self.missing:
            n, few = len(self.missing), _few(self.missing)
            lines.append(
                Text(
                    f"อำเภอในทะเบียนที่ไม่มีรูปแปลง {n} อำเภอ: {few}",
                    f"{n} reference districts without a polygon: {few}",
                )
            )
        lines.append(Text(f"บันทึกได้ {self.kept:,} อำเภอ", f"{self.kept:,} districts in the layer"))
        return [pick(line, lang) for line in lines]


def _few(codes: list[str], n: int = 12) -> str:
    """The first n codes, with a count of the rest."""
    head = ", ".join(codes[:n])
    return head + (f" … (+{len(codes) - n})" if len(codes) > n else "")


# ---------------------------------------------------------------- reading


def read_bytes(data: bytes, filename: str) -> gpd.GeoDataFrame:
    """Read a GeoJSON, zipped Shapefile or GeoPackage given as bytes (by the file's suffix)."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise DistrictLayerError(
            f"ชนิดไฟล์ {suffix!r} ไม่รองรับ ใช้ GeoJSON, Shapefile (zip) หรือ GeoPackage",
            f"unsupported file type {suffix!r}; use GeoJSON, a zipped Shapefile or GeoPackage",
        )
    if not data:
        raise DistrictLayerError("ไฟล์ว่าง", "the file is empty")
    with tempfile.TemporaryDirectory(prefix="districts-") as tmp:
        path = _unzip_shapefile(data, Path(tmp)) if suffix == ".zip" else Path(tmp) / f"in{suffix}"
        if suffix != ".zip":
            path.write_bytes(data)
        try:
            return gpd.GeoDataFrame(pyogrio.read_dataframe(path))
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise DistrictLayerError(f"อ่านไฟล์ไม่ได้: {exc}", f"cannot read the file: {exc}") from exc


# Files that make up a Shapefile; only these are taken out of a zip, by base name.
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _unzip_shapefile(data: bytes, folder: Path) -> Path:
    """Write the parts of the one Shapefile in a zip (any sub-folder) into folder."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            shps = [n for n in names if n.lower().endswith(".shp")]
            if len(shps) != 1:
                raise DistrictLayerError(
                    f"ใน zip ต้องมีไฟล์ .shp หนึ่งไฟล์ พบ {len(shps)}",
                    f"the zip must hold exactly one .shp, found {len(shps)}",
                )
            stem = shps[0][: -len(".shp")]
            for name in names:
                ext = Path(name).suffix.lower()
                if name[: -len(ext) or None] == stem and ext in _SHAPEFILE_PARTS:
                    # base names only: a member called ../../x cannot escape the folder
                    (folder / f"in{ext}").write_bytes(zf.read(name))
    except zipfile.BadZipFile as exc:
        raise DistrictLayerError(f"ไฟล์ zip เสีย: {exc}", f"not a valid zip file: {exc}") from exc
    return folder / "in.shp"


# ---------------------------------------------------------------- codes


def normalise_code(value: object) -> str | None:
    """A DOPA district code as 4 ASCII digits, or None.

    Accepts "1001", 1001, 1001.0, "๑๐๐๑", "TH1001" (HDX p-codes), " 1001 ".

    >>> [normalise_code(v) for v in ["TH2101", 2101.0, "๒๑๐๑", "21", None, "x"]]
    ['2101', '2101', '2101', None, None, None]
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        text = str(int(value))
    else:
        text = str(value).strip().translate(_THAI_DIGITS).upper()
        text = re.sub(r"^TH-?", "", text)
        text = re.sub(r"\.0+$", "", text)
    return text if re.fullmatch(r"[1-9][0-9]{3}", text) else None


def find_code_column(frame: pd.DataFrame, reference_codes: set[str]) -> str:
    """The column whose values are most often known district codes (hinted names win ties)."""
    best, best_share = None, 0.0
    hints = {h: i for i, h in enumerate(CODE_COLUMN_HINTS)}
    columns = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    ranked = sorted(columns, key=lambda c: hints.get(str(c).lower(), len(hints)))
    for column in ranked:
        if column == "geometry":
            continue
        codes = frame[column].map(normalise_code)
        share = float(codes.isin(reference_codes).mean()) if len(codes) else 0.0
        if share > best_share:
            best, best_share = column, share
    if best is None or best_share < MIN_CODE_MATCH:
        names = ", ".join(map(str, columns))
        raise DistrictLayerError(
            f"ไม่พบคอลัมน์รหัสอำเภอ (รหัส 4 หลักของกรมการปกครอง) ในคอลัมน์: {names}",
            f"no column holds DOPA 4-digit district codes (columns: {names})",
        )
    return str(best)


# ---------------------------------------------------------------- geometry


def _polygonal(geom):
    """The polygon parts of a (made valid) geometry, or None."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _to_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """EPSG:4326; a file without CRS is taken as lon/lat only when its bounds say so."""
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise DistrictLayerError(
                "ไฟล์ไม่ระบุระบบพิกัดและพิกัดไม่ใช่ละติจูด/ลองจิจูด",
                "the file has no CRS and its coordinates are not longitude/latitude",
            )
        return frame.set_crs("EPSG:4326")
    return frame.to_crs("EPSG:4326")


def simplify_as_coverage(geoms, tolerance: float = SIMPLIFY_TOLERANCE) -> np.ndarray:
    """Clean (node shared edges) then simplify polygons as one coverage; borders stay shared."""
    arr = np.asarray(list(geoms), dtype=object)
    cleaned = shapely.coverage_clean(arr)
    return shapely.coverage_simplify(cleaned, tolerance, simplify_boundary=True)


def prepare_layer(
    data: bytes,
    filename: str,
    reference: pd.DataFrame,
    tolerance: float = SIMPLIFY_TOLERANCE,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """From file bytes to the district layer (LAYER_COLUMNS, sorted by code) and its report.

    reference: the districts of the store (code, name_th, name_en, parent_code).
    Unknown codes and empty features are dropped, repeated codes merged; missing
    districts are reported, the layer is kept without them.
    """
    need = {"code", "name_th", "name_en", "parent_code"} - set(reference.columns)
    if need:
        raise ValueError(f"reference lacks columns {sorted(need)}")
    ref = reference.assign(code=reference["code"].astype(str)).set_index("code")
    frame = read_bytes(data, filename)
    if frame.empty or frame.geometry is None:
        raise DistrictLayerError("ไม่มีรูปแปลงในไฟล์", "the file holds no features")
    report = LayerReport(features=len(frame), source_crs=str(frame.crs) if frame.crs else None)
    report.code_column = find_code_column(frame, set(ref.index))
    frame = _to_lonlat(frame)
    codes = frame[report.code_column].map(normalise_code)
    geoms = frame.geometry.map(_polygonal)
    usable = codes.notna() & geoms.notna()
    report.empty = int((~usable).sum())
    known = usable & codes.isin(ref.index)
    report.unknown = sorted(set(codes[usable & ~known]))
    counts = codes[known].value_counts()
    report.duplicates = sorted(counts.index[counts > 1])
    merged = (
        pd.DataFrame({"code": codes[known], "geometry": geoms[known]})
        .groupby("code", sort=True)["geometry"]
        .agg(lambda g: shapely.union_all(list(g)) if len(g) > 1 else g.iloc[0])
    )
    report.missing = sorted(set(ref.index) - set(merged.index))
    if merged.empty:
        raise DistrictLayerError(
            "ไม่มีรูปแปลงที่มีรหัสอำเภอถูกต้อง", "no feature carries a known district code"
        )
    simplified = simplify_as_coverage(merged.to_numpy(), tolerance)
    info = ref.loc[merged.index]
    layer = gpd.GeoDataFrame(
        {
            "code": merged.index.astype(str),
            "name_th": info["name_th"].to_numpy(),
            "name_en": info["name_en"].to_numpy(),
            "province_code": info["parent_code"].astype(str).to_numpy(),
            "level": "district",
        },
        geometry=list(simplified),
        crs="EPSG:4326",
    )
    report.kept = len(layer)
    return layer[LAYER_COLUMNS].reset_index(drop=True), report


# ---------------------------------------------------------------- keeping it


def save_layer(layer: gpd.GeoDataFrame, path: Path | None = None) -> Path:
    """Write the layer as GeoJSON (rounded coordinates), replacing any earlier one."""
    path = Path(path or DISTRICTS_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.geojson")
    tmp.unlink(missing_ok=True)
    layer[LAYER_COLUMNS].to_file(
        tmp, driver="GeoJSON", COORDINATE_PRECISION=COORDINATE_PRECISION, engine="pyogrio"
    )
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    """One district GeoJSON file as LAYER_COLUMNS with string codes, sorted by code."""
    frame = gpd.read_file(path, engine="pyogrio")
    for column in ("code", "province_code"):
        frame[column] = frame[column].astype(str)
    return frame.sort_values("code", ignore_index=True).to_crs("EPSG:4326")


def installed_layer(path: Path | None = None) -> gpd.GeoDataFrame | None:
    """The layer an administrator installed (string codes, sorted), or None when none is."""
    path = Path(path or DISTRICTS_PATH)
    return _read_layer(path) if path.exists() else None


def shipped_layer(province: str | None = None, folder: Path | None = None) -> gpd.GeoDataFrame:
    """The shipped districts of one province (one small file), or of all 77 when None."""
    folder = Path(folder or SHIPPED_DIR)
    if province is not None:
        path = folder / f"{province}.geojson"
        if not re.fullmatch(r"[1-9][0-9]", str(province)) or not path.exists():
            raise ValueError(f"no shipped district file for province {province!r}")
        return _read_layer(path)
    frames = [_read_layer(p) for p in sorted(folder.glob("[1-9][0-9].geojson"))]
    if not frames:
        raise ValueError(f"no shipped district files in {folder}")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


def load_layer(
    path: Path | None = None, province: str | None = None, folder: Path | None = None
) -> gpd.GeoDataFrame:
    """The installed layer when an administrator loaded one, else the shipped one.

    province: only that province's districts (the shipped layer then reads one file).
    """
    installed = installed_layer(path)
    if installed is None:
        return shipped_layer(province, folder)
    if province is None:
        return installed
    return installed.loc[installed["province_code"] == str(province)].reset_index(drop=True)


def layer_source(path: Path | None = None) -> str:
    """ "installed" when an administrator's layer is in use, else "shipped"."""
    return "installed" if Path(path or DISTRICTS_PATH).exists() else "shipped"


def layer_version(path: Path | None = None) -> str:
    """A cache key that changes when the layer in use changes ("shipped" for the shipped one)."""
    path = Path(path or DISTRICTS_PATH)
    if not path.exists():
        return "shipped"
    stat = path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"

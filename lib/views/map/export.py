"""The table behind the map (CSV with BOM, XLSX; formulas neutralised) and a PNG picture."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from lib.core.exporting import safe_csv_bytes, safe_xlsx_bytes
from lib.core.i18n import Text, pick
from lib.core.settings import ROOT
from lib.geo import mapview
from lib.views.map.legend import Classes

FONT_PATH = ROOT / "static" / "fonts" / "Sarabun-Regular.ttf"
TABLE_HEADERS = {
    "code": Text("รหัส", "Code"),
    "name": Text("พื้นที่", "Area"),
    "unit": Text("หน่วย", "Unit"),
    "members_text": Text("พื้นที่ที่มีข้อมูล", "Areas reporting"),
    "flag_text": Text("หมายเหตุ", "Note"),
}
THAILAND_EXTENT = (97.3, 5.6, 105.7, 20.5)  # minx, miny, maxx, maxy when a view is empty


def figure_table(joined, label: str, unit: str, lang: str = "th") -> pd.DataFrame:
    """The table behind the map: area, value, unit, areas reporting, class, note."""
    h = {k: pick(v, lang) for k, v in TABLE_HEADERS.items()}
    table = pd.DataFrame(
        {
            h["code"]: joined["code"],
            h["name"]: joined["name"],
            label: joined["value"],
            h["unit"]: unit,
            h["members_text"]: joined["members_text"],
            h["flag_text"]: joined["flag_text"],
        }
    )
    return table.sort_values(table.columns[0], ignore_index=True)


def table_csv(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (Excel then reads Thai correctly), formulas neutralised."""
    return safe_csv_bytes(frame)


def table_xlsx(frame: pd.DataFrame, sheet: str = "map") -> bytes:
    """An XLSX workbook of the table, formulas neutralised."""
    return safe_xlsx_bytes(frame, sheet)


def _bounds(joined) -> tuple[float, float, float, float]:
    if joined is None or len(joined) == 0:
        return THAILAND_EXTENT
    return tuple(float(v) for v in joined.total_bounds)


def _draw_areas(draw, joined, classes: Classes, xy, scale: int) -> None:
    """Fill each area by its class; a flagged area gets a thick dark outline."""
    colours = mapview.class_colours(classes.classes, classes.colours)
    flags = joined["flag"].fillna("").to_numpy()
    for geom, colour, flag in zip(joined.geometry, colours, flags, strict=True):
        if geom is None or geom.is_empty:
            continue
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            draw.polygon(xy(poly.exterior.coords), fill=colour)
            for ring in poly.interiors:
                draw.polygon(xy(ring.coords), fill="white")
        outline = mapview.STALE_STYLE["color"] if flag else "#ffffff"
        for poly in polys:
            draw.line(xy(poly.exterior.coords), fill=outline, width=(3 if flag else 1) * scale)


def _draw_legend(draw, legend: pd.DataFrame, x: float, y: float, font, scale: int) -> None:
    """The app's legend rows: a swatch, the label and the count."""
    for row in legend.itertuples():
        draw.rectangle([x, y, x + 26 * scale, y + 18 * scale], fill=row.colour, outline="#888")
        count = f" ({int(row.count)})" if "count" in legend and pd.notna(row.count) else ""
        draw.text((x + 34 * scale, y - 2 * scale), f"{row.label}{count}", font=font, fill="black")
        y += 28 * scale


def map_png(
    joined,
    classes: Classes,
    title: str,
    subtitle: str = "",
    width: int = 900,
    font_path: Path = FONT_PATH,
) -> bytes:
    """The current map as a PNG drawn on the server with Pillow (no browser, no network).

    Polygons in an equirectangular projection scaled by cos(latitude), the app's
    legend on the right, the title in the bundled Thai font; drawn at twice the
    size and reduced, for smooth edges.
    """
    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    legend_w, pad, head = 300, 20, 70
    minx, miny, maxx, maxy = _bounds(joined)
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * kx, 1e-6), max(maxy - miny, 1e-6)
    unit = (width - legend_w - 2 * pad) / span_x
    map_h = int(min(span_y * unit, 1100))
    unit = min(unit, map_h / span_y)
    height = max(map_h + head + 2 * pad, 120 + 28 * len(classes.legend))
    img = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(img)
    big = ImageFont.truetype(str(font_path), 22 * scale)
    small = ImageFont.truetype(str(font_path), 15 * scale)

    def xy(coords):
        return [
            ((pad + (x - minx) * kx * unit) * scale, (head + pad + (maxy - y) * unit) * scale)
            for x, y in coords
        ]

    _draw_areas(draw, joined, classes, xy, scale)
    draw.text((pad * scale, 12 * scale), title, font=big, fill="black")
    if subtitle:
        draw.text((pad * scale, 42 * scale), subtitle, font=small, fill="#444444")
    lx, ly = (width - legend_w) * scale, (head + pad) * scale
    _draw_legend(draw, classes.legend, lx, ly, small, scale)
    img = img.resize((width, height), Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()

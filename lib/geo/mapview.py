"""Offline Leaflet maps: class breaks, palettes, choropleth layers and a URL guard.

Nothing here imports Streamlit or touches the database: pages pass in frames and
draw the returned folium objects with `streamlit_folium.st_folium`.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import folium
import mapclassify
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from lib.core.labels import FLAGGED, NO_DATA
from lib.core.lru import Kept
from lib.geo.geojson_layer import GeoJsonLayer
from lib.geo.tooltip import TooltipStays

# (south, west), (north, east) of Thailand with a little margin.
THAILAND_BOUNDS = ((5.4, 97.2), (20.6, 105.8))

# Served by Streamlit from ./static when server.enableStaticServing = true.
STATIC_ROUTE = "app/static"
LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
FONT_FAMILY = "Sarabun"
# (file, weight, unicode-range): the same subsets as .streamlit/config.toml.
_THAI_RANGE = "U+02D7,U+0303,U+0331,U+0E01-0E5B,U+200C-200D,U+25CC"
_LATIN_RANGE = "U+0000-00FF,U+2000-206F,U+20AC,U+2122,U+2212"
_FONT_FILES = (
    ("fonts/sarabun-thai-400-normal.woff2", 400, _THAI_RANGE),
    ("fonts/sarabun-thai-700-normal.woff2", 700, _THAI_RANGE),
    ("fonts/sarabun-latin-400-normal.woff2", 400, _LATIN_RANGE),
    ("fonts/sarabun-latin-700-normal.woff2", 700, _LATIN_RANGE),
)

METHODS = ("quantiles", "equal_interval", "natural_breaks", "fixed")
NO_DATA_CLASS = -1
NO_DATA_COLOUR = "#c8c8c8"
# Legend and tooltip words in Thai; lib.views.map.legend puts them in the page's language.
NO_DATA_LABEL = NO_DATA.th
STALE_LABEL = FLAGGED.th
# Hatching needs an SVG-pattern plugin from a CDN; a dark dashed outline needs nothing.
STALE_STYLE = {"color": "#252525", "weight": 2.5, "dashArray": "6 4", "opacity": 1.0}
BASE_STYLE = {"color": "#ffffff", "weight": 0.8, "opacity": 1.0, "fillOpacity": 0.85}
HIGHLIGHT_STYLE = {"color": "#000000", "weight": 3, "fillOpacity": 0.95}

# ColorBrewer (Cynthia Brewer, Apache-2.0) RdYlBu and YlGnBu, 3 to 9 classes, low to high.
# RdYlBu rather than RdYlGn: it stays readable with red-green colour blindness.
_RDYLBU = {
    3: ["#fc8d59", "#ffffbf", "#91bfdb"],
    4: ["#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"],
    5: ["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"],
    6: ["#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4"],
    7: ["#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4"],
    8: ["#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1", "#4575b4"],
    9: [
        "#d73027",
        "#f46d43",
        "#fdae61",
        "#fee090",
        "#ffffbf",
        "#e0f3f8",
        "#abd9e9",
        "#74add1",
        "#4575b4",
    ],
}
_YLGNBU = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    8: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    9: [
        "#ffffd9",
        "#edf8b1",
        "#c7e9b4",
        "#7fcdbb",
        "#41b6c4",
        "#1d91c0",
        "#225ea8",
        "#253494",
        "#081d58",
    ],
}


def static_url(path: str, base_url_path: str = "") -> str:
    """Root-relative URL of a file under ./static, honouring server.baseUrlPath."""
    prefix = base_url_path.strip("/")
    prefix = f"/{prefix}" if prefix else ""
    return f"{prefix}/{STATIC_ROUTE}/{path.lstrip('/')}"


class _MapSetup(MacroElement):
    """Plain-text attribution and the local font inside the map's iframe."""

    # The stock prefix links to leafletjs.com; users here have no internet.
    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
            {%- if this.attribution %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.attribution|tojson }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, css: str, prefix: str, attribution: str | None):
        super().__init__()
        self._name = "MapSetup"
        self.css = css
        self.prefix = html.escape(prefix)
        self.attribution = html.escape(attribution) if attribution else None


def _font_css(base_url_path: str, family: str) -> str:
    """@font-face rules for the bundled Thai font; the iframe does not see the app's fonts."""
    rules = [
        f"@font-face{{font-family:'{family}';font-style:normal;font-weight:{weight};"
        f"font-display:swap;src:url('{static_url(path, base_url_path)}') format('woff2');"
        f"unicode-range:{ranges};}}"
        for path, weight, ranges in _FONT_FILES
    ]
    rules.append(f".leaflet-container{{font-family:'{family}',sans-serif;background:#ffffff;}}")
    return "\n".join(rules)


def offline_map(
    bounds: Sequence[Sequence[float]] | None = None,
    tiles_url: str | None = None,
    *,
    tiles_attribution: str = "tiles",
    attribution: str | None = None,
    base_url_path: str = "",
    **kw,
) -> folium.Map:
    """A folium Map that loads only the vendored Leaflet and no tiles unless given a URL.

    bounds: ((south, west), (north, east)) or a GeoDataFrame's total_bounds
    (minx, miny, maxx, maxy); Thailand when None.
    """
    if bounds is None:
        bounds = THAILAND_BOUNDS
    if len(bounds) == 4:
        west, south, east, north = (float(v) for v in bounds)
    else:
        (south, west), (north, east) = ((float(a), float(b)) for a, b in bounds)
    kw.setdefault("zoom_start", 5)
    kw.setdefault("zoomSnap", 0.25)  # fractional zoom fits a tall country into a short frame
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        **kw,
    )
    # Instance attributes, not add_js_link: that would change the class for every map.
    m.default_js = [("leaflet", static_url(LEAFLET_JS, base_url_path))]
    m.default_css = [("leaflet_css", static_url(LEAFLET_CSS, base_url_path))]
    if tiles_url:
        folium.TileLayer(tiles_url, attr=html.escape(tiles_attribution), name="base").add_to(m)
    _MapSetup(_font_css(base_url_path, FONT_FAMILY), "Leaflet", attribution).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def asset_links(m: folium.Map) -> list[str]:
    """Script and style URLs streamlit-folium will load for this map (its own walk)."""
    links: list[str] = []

    def walk(element):
        if "ColorMap" in type(element).__name__:
            # streamlit-folium injects d3 from the internet for any branca colormap.
            links.append("https://d3js.org/d3.v4.min.js")
        links.extend(url for _, url in getattr(element, "default_js", []))
        links.extend(url for _, url in getattr(element, "default_css", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(m)
    return list(dict.fromkeys(links))


def classify(
    values: Iterable[float],
    method: str,
    k: int = 5,
    bands: Sequence[float] | None = None,
    closed: str = "right",
) -> tuple[list[float], np.ndarray]:
    """Class edges and a class index per value (-1 where the value is missing).

    "fixed" takes `bands`: with closed="right" they are upper edges (v <= edge, as
    mapclassify), with closed="left" lower edges (edge <= v < next edge).
    """
    y = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    y = y.astype("float64").to_numpy()
    present = np.isfinite(y)
    classes = np.full(y.shape, NO_DATA_CLASS, dtype=int)
    if method not in METHODS:
        raise ValueError(f"unknown classification method {method!r}; use one of {METHODS}")
    if method == "fixed":
        return _classify_fixed(y, present, classes, bands, closed)
    if present.sum() < k:
        raise ValueError(
            f"{method} needs at least k={k} values with data, got {int(present.sum())}"
        )
    with warnings.catch_warnings():
        # Ties shrink k with a warning; the returned bins already say so.
        # FisherJenks warns that numba is absent; pure Python is quick for 77 provinces.
        warnings.simplefilter("ignore", UserWarning)
        if method == "quantiles":
            scheme = mapclassify.Quantiles(y[present], k=k)
        elif method == "equal_interval":
            scheme = mapclassify.EqualInterval(y[present], k=k)
        else:
            scheme = mapclassify.FisherJenks(y[present], k=k)
    classes[present] = scheme.yb
    return [float(b) for b in scheme.bins], classes


def _classify_fixed(y, present, classes, bands, closed):
    """Classes from given band edges; values outside the edges are an error, not a new class."""
    if not bands:
        raise ValueError("method 'fixed' needs bands, e.g. [80, 90, 100]")
    edges = np.asarray(bands, dtype="float64")
    if np.any(np.diff(edges) <= 0):
        raise ValueError(f"bands must increase strictly, got {list(bands)}")
    if closed not in ("right", "left"):
        raise ValueError(f"closed must be 'right' or 'left', got {closed!r}")
    v = y[present]
    if closed == "right":
        if v.size and v.max() > edges[-1]:
            raise ValueError(f"value {v.max()} is above the top band edge {edges[-1]}")
        classes[present] = mapclassify.UserDefined(v, bins=edges).yb if v.size else []
    else:
        if v.size and v.min() < edges[0]:
            raise ValueError(f"value {v.min()} is below the lowest band edge {edges[0]}")
        classes[present] = np.searchsorted(edges, v, side="right") - 1
    return [float(b) for b in edges], classes


def palette(n: int, higher_is_better: bool | None = True) -> list[str]:
    """n colours for classes low to high; red marks the bad end, None gives a neutral ramp."""
    if not 1 <= n <= 9:
        raise ValueError(f"palette supports 1 to 9 classes, got {n}")
    table = _YLGNBU if higher_is_better is None else _RDYLBU
    if n >= 3:
        colours = table[n]
    elif n == 2:
        colours = [table[3][0], table[3][-1]]
    else:
        colours = [table[3][1]]
    if higher_is_better is False:
        colours = colours[::-1]
    return list(colours)


def class_colours(classes: Iterable[int], colours: Sequence[str]) -> list[str]:
    """Colour per class index, NO_DATA_COLOUR for -1."""
    return [colours[c] if c >= 0 else NO_DATA_COLOUR for c in classes]


def legend_rows(
    bins: Sequence[float],
    colours: Sequence[str],
    labels: Sequence[str] | None = None,
    *,
    closed: str = "right",
    fmt: str = "{:,.1f}",
    lowest: float | None = None,
    counts: Iterable[int] | None = None,
    no_data: bool = True,
    stale: bool = False,
) -> pd.DataFrame:
    """Rows (colour, label, count) for the app to draw; the legend is not inside the map."""
    n = len(bins)
    if len(colours) < n:
        raise ValueError(f"{n} classes need {n} colours, got {len(colours)}")
    if labels is None:
        f = fmt.format
        if closed == "right":
            first = f"{f(lowest)} – {f(bins[0])}" if lowest is not None else f"≤ {f(bins[0])}"
            labels = [first] + [f"{f(bins[i - 1])} – {f(bins[i])}" for i in range(1, n)]
        else:
            labels = [f"{f(bins[i])} – < {f(bins[i + 1])}" for i in range(n - 1)]
            labels.append(f"≥ {f(bins[-1])}")
    elif len(labels) != n:
        raise ValueError(f"{n} classes need {n} labels, got {len(labels)}")
    rows = pd.DataFrame({"colour": list(colours[:n]), "label": list(labels)})
    if no_data:
        rows.loc[len(rows)] = [NO_DATA_COLOUR, NO_DATA_LABEL]
    if stale:
        rows.loc[len(rows)] = [STALE_STYLE["color"], STALE_LABEL]
    if counts is not None:
        tally = pd.Series(list(counts), dtype="int64").value_counts()
        idx = list(range(n)) + ([NO_DATA_CLASS] if no_data else [])
        rows["count"] = [int(tally.get(i, 0)) for i in idx] + [pd.NA] * stale
    return rows


def _display(value, spec: str | None) -> str:
    """Text shown in a tooltip, already HTML-escaped (folium puts it into innerHTML)."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return NO_DATA_LABEL
    if spec:
        text = format(value, spec)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = f"{value:,}"
    elif isinstance(value, (float, np.floating)):
        text = f"{value:,.1f}"
    else:
        text = str(value)
    return html.escape(text)


def link_html(url: object, text: str) -> str:
    """A tooltip's link (escaped; a new tab; the click does not reach the map), '' for no URL.

    >>> link_html("/explore?item=A&area=21", "ที่มา")[:60], link_html(None, "x")
    ('<a href="/explore?item=A&amp;area=21" target="_blank" rel="n', '')
    """
    if not isinstance(url, str) or not url:
        return ""
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener" '
        f'onclick="event.stopPropagation()">{html.escape(text)}</a>'
    )


_GEOJSON = Kept(4096)  # a shape's GeoJSON geometry by its WKB; every shipped layer's fit


def _geometries(geoms) -> list[dict | None]:
    """The GeoJSON geometry of each shape, converted once per shape for every later map (a
    map page draws the same boundaries on every run; the dicts are shared, never changed)."""
    out = []
    for geom, wkb in zip(geoms, geoms.to_wkb(), strict=True):
        if not geom or wkb is None:  # no shape, or an empty one
            out.append(None)
            continue
        found = _GEOJSON.get(wkb)
        if found is None:
            found = json.loads(json.dumps(geom.__geo_interface__))
            _GEOJSON.put(wkb, found)
        out.append(found)
    return out


def _feature_collection(
    gdf, key: str, value_col: str, shown: Mapping[str, str], formats: Mapping[str, str]
) -> dict:
    """GeoJSON features: id and properties[key] = the code, the raw value, display strings."""
    # to_dict, not itertuples: Thai or spaced column names are not valid identifiers.
    records = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")
    features = []
    for record, geom in zip(records, _geometries(gdf.geometry), strict=True):
        code = str(record[key])
        value = record[value_col]
        value = None if value is None or pd.isna(value) else float(value)
        props = {key: code, value_col: value}
        for col, prop in shown.items():
            props[prop] = _display(record[col], formats.get(col))
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": props,
                "geometry": geom,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def choropleth_layer(
    gdf,
    value_col: str,
    colours_by_code: Mapping[str, str],
    tooltip_fields: Sequence[tuple[str, str]],
    key: str = "code",
    name: str = "choropleth",
    *,
    popup_fields: Sequence[tuple[str, str]] | None = None,
    stale_codes: Iterable[str] = (),
    formats: Mapping[str, str] | None = None,
    link: tuple[str, str] | None = None,
) -> GeoJsonLayer:
    """GeoJson layer coloured in Python, highlighted on hover, with escaped tooltips.

    Each feature's id and properties[key] hold the code as a string, so a click read
    from st_folium's last_active_drawing gives the code back unescaped. link:
    (column of URLs, the link's words): the tooltip ends with that link where a
    row has a URL; that tooltip stays where it opened (not under the moving pointer)
    while the pointer is on it, so the link can be clicked.
    """
    fields = [*tooltip_fields, *(popup_fields or [])]
    missing = {key, value_col, *(c for c, _ in fields), *(link or ())[:1]} - set(gdf.columns)
    if missing:
        raise ValueError(f"columns missing from the frame: {sorted(missing)}")
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    stale = {str(c) for c in stale_codes}
    detail_fields = list(dict.fromkeys(c for c, _ in fields))
    # Display strings get their own properties so the raw values stay usable after a click.
    shown = {col: f"_t{i}" for i, col in enumerate(detail_fields)}
    data = _feature_collection(gdf, key, value_col, shown, formats or {})
    for feature, url in zip(data["features"], gdf[link[0]] if link else [], strict=False):
        feature["properties"]["_link"] = link_html(url, link[1])

    def style(feature):
        code = feature["id"]
        st = {**BASE_STYLE, "fillColor": colours_by_code.get(code, NO_DATA_COLOUR)}
        return {**st, **STALE_STYLE} if code in stale else st

    def detail(fields, cls, **options):
        return cls(
            fields=[shown[c] for c, _ in fields] + ["_link"] * bool(options),
            aliases=[html.escape(label) for _, label in fields] + [""] * bool(options),
            labels=True,
            style=f"font-family:'{FONT_FAMILY}',sans-serif;font-size:14px;",
            **options,
        )

    linked = {"sticky": False, "interactive": True} if link is not None else {}
    layer = GeoJsonLayer(
        data,
        name=html.escape(name),
        style_function=style,
        highlight_function=lambda feature: HIGHLIGHT_STYLE,
        tooltip=detail(tooltip_fields, folium.GeoJsonTooltip, **linked) if tooltip_fields else None,
        popup=detail(popup_fields, folium.GeoJsonPopup) if popup_fields else None,
    )
    return layer.add_child(TooltipStays()) if link is not None and tooltip_fields else layer


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_URL_PATTERNS = (
    # src=, href=, srcset=, poster=, action= and data= attributes, quoted or not
    re.compile(
        r"""\b(?:src|href|srcset|poster|action|data)\s*=\s*["']?\s*([^"'\s>]+)""", re.IGNORECASE
    ),
    re.compile(r"""url\(\s*["']?\s*([^"')\s]+)""", re.IGNORECASE),
    re.compile(r"""@import\s+["']([^"']+)""", re.IGNORECASE),
    # string literals in scripts, e.g. L.tileLayer("https://...") or a fetch URL
    re.compile(r"""["'`]((?:https?:)?//[^"'`\s]+)""", re.IGNORECASE),
)


def _is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def external_urls(html_text: str) -> list[str]:
    """URLs in src/href/url()/script strings that point at a host other than this machine."""
    found: list[str] = []
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(html_text):
            url = match.group(1).strip()
            if not re.match(r"(?:https?:)?//", url, re.IGNORECASE):
                continue  # relative, data:, blob:, javascript:, about: ... stay local
            if re.match(r"https?://www\.w3\.org/", url, re.IGNORECASE):
                continue  # XML namespace names (SVG), never fetched
            host = urlsplit(url if ":" in url.split("/")[0] else f"http:{url}").hostname or ""
            if not _is_loopback(host):
                found.append(url)
    return list(dict.fromkeys(found))

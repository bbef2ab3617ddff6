"""Benchmark: a 1 million-row long-form CSV validated and committed, against DuckDB's read_csv.

    python bench/upload_bench.py [--rows 1000000] [--repeat 3]

Writes a long-form CSV (item, area, period, value) of district monthly items
into bench/out/, then times in the same process: DuckDB's own `read_csv` of
the file into a table (the baseline), `lib.ingest.read_upload` (validation),
and `lib.upload` preview + commit into a store holding the reference and the
catalogue. Prints the ratios and writes bench/upload_results.md. Seconds are
machine context; the ratios are the point.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.run import machine  # noqa: E402
from lib import ingest  # noqa: E402
from lib.services import upload  # noqa: E402
from lib.services.bootstrap import init_store  # noqa: E402
from lib.store import Store  # noqa: E402

ITEMS = ("POP03", "POP04", "HLT01", "CRM03")  # monthly district items of the demo catalogue


def write_csv(path: Path, rows: int, districts: list[str]) -> int:
    """A long-form CSV of `rows` distinct cells (items x districts x past months)."""
    per_month = len(ITEMS) * len(districts)
    months = -(-rows // per_month)
    periods = pd.period_range(end="2026-06", periods=months, freq="M").strftime("%Y-%m")
    grid = pd.MultiIndex.from_product([periods, ITEMS, districts], names=["period", "item", "area"])
    frame = grid.to_frame(index=False).head(rows)
    rng = np.random.default_rng(1)
    frame["value"] = rng.integers(1, 500, len(frame))
    frame[["item", "area", "period", "value"]].to_csv(path, index=False)
    return len(frame)


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    store_path = out / "upload-bench.duckdb"

    def fresh_store() -> Store:
        for leftover in out.glob("upload-bench.duckdb*"):
            leftover.unlink()
        store = Store(store_path)
        init_store(store, with_demo=False)
        return store

    store = fresh_store()
    districts = store.areas("district")["code"].tolist()
    csv_path = out / "upload-bench.csv"
    n = write_csv(csv_path, args.rows, districts)
    data = csv_path.read_bytes()
    catalog, areas = store.catalog(), store.areas()

    def baseline():
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, delim = ',', "
            "columns = {'item': 'VARCHAR', 'area': 'VARCHAR', 'period': 'VARCHAR', "
            "'value': 'DOUBLE'})",
            [str(csv_path)],
        )
        con.close()

    def validate():
        result = ingest.read_upload(data, csv_path.name, catalog, areas)
        assert result.ok and len(result.clean) == n, result.problems[:3]

    store.close()

    def validate_and_commit() -> float:
        target = fresh_store()  # an empty store each time, set up outside the timing
        t = time.perf_counter()
        preview = upload.preview_upload(target, data, csv_path.name)
        assert not preview.problems
        batch = upload.commit_upload(target, preview, "bench", "PHO", origin="bench")
        elapsed = time.perf_counter() - t
        assert batch is not None and target.observation_count() == n
        target.close()
        return elapsed

    t_base = best_of(args.repeat, baseline)
    t_val = best_of(args.repeat, validate)
    t_all = min(validate_and_commit() for _ in range(args.repeat))
    lines = [
        "# Benchmark: upload of a long-form CSV",
        "",
        machine(),
        "",
        f"File: {n:,} rows, {len(data) / 1e6:.1f} MB; best of {args.repeat} runs.",
        "",
        "| what | seconds | ratio to read_csv |",
        "|---|---:|---:|",
        f"| DuckDB `read_csv` into a table | {t_base:.2f} | 1.0 |",
        f"| validate (`ingest.read_upload`) | {t_val:.2f} | {t_val / t_base:.1f} |",
        f"| validate, preview and commit one batch | {t_all:.2f} | {t_all / t_base:.1f} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (HERE / "upload_results.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

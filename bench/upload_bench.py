"""Benchmark: a 1 million-row long-form CSV validated and committed, against DuckDB's read_csv.

    python bench/upload_bench.py [--rows 1000000] [--repeat 3] [--sheet-rows 3712]

Writes a long-form CSV (item, area, period, value) of district monthly items
into bench/out/, then times in the same process: DuckDB's own `read_csv` of
the file into a table (the baseline), `lib.ingest.read_upload` (validation),
and `lib.services.upload` preview + commit into a store holding the reference
and the catalogue, split into its steps (reading and validation; the preview's
comparison, jumps and quality warnings; the commit), with the quality warnings
also timed alone, and the floor of any commit: DuckDB's read_csv straight into an
empty store's observations table (no validation, comparison, history or checks), and
the baseline's read_csv into a table of a database file (what writing durably adds).
Two more shapes of issue 12, each against DuckDB reading the same cells as CSV in
the same run (DuckDB's excel extension is not installed): a
workbook of 12 sheets, one month each (the sheet's name is the period; read
with ``Layout(all_sheets=True, period_rule="sheet")``), and a wide CSV holding
four items' values per row (``Layout(columns={header: "item:CODE"})``). Prints
the ratios and writes bench/upload_results.md. Seconds are machine context;
the ratios are the point.
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
SHEETS = 12  # one sheet per month of 2568 (BE)
MONTHS_TH = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split()


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


def write_workbook(path: Path, csv_dir: Path, per_sheet: int, districts: list[str]) -> int:
    """An XLSX of 12 sheets named by month (item, area, value rows) and the same cells as CSVs."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    rng = np.random.default_rng(2)
    cells = [(item, area) for item in ITEMS for area in districts][:per_sheet]
    for old in csv_dir.glob("sheet-*.csv"):
        old.unlink()
    for m, month in enumerate(MONTHS_TH, start=1):
        values = rng.integers(1, 500, len(cells))
        ws = book.create_sheet(f"{month} 2568")
        ws.append(["รหัสรายการ", "พื้นที่", "ค่า"])
        for (item, area), v in zip(cells, values, strict=True):
            ws.append([item, area, int(v)])
        frame = pd.DataFrame(cells, columns=["item", "area"]).assign(value=values)
        frame.insert(2, "period", f"2025-{m:02d}")
        frame.to_csv(csv_dir / f"sheet-{m:02d}.csv", index=False)
    book.save(path)
    return len(cells) * SHEETS


def write_measures(path: Path, rows: int, districts: list[str]) -> int:
    """A CSV of area, period and one value column per item (4 measures a row)."""
    months = max(1, -(-rows // len(districts)))
    periods = pd.period_range(end="2026-06", periods=months, freq="M").strftime("%Y-%m")
    grid = pd.MultiIndex.from_product([periods, districts], names=["งวด", "พื้นที่"])
    frame = grid.to_frame(index=False).head(rows)[["พื้นที่", "งวด"]]
    rng = np.random.default_rng(3)
    for item in ITEMS:
        frame[f"จำนวน {item}"] = rng.integers(1, 500, len(frame))
    frame.to_csv(path, index=False)
    return len(frame) * len(ITEMS)


def duckdb_read_long(path, db_path: Path | None = None) -> None:
    """The baseline: DuckDB's own read_csv of long-form CSV (a file or a glob) into a table
    in memory (db_path: of that database file instead)."""
    con = duckdb.connect(":memory:" if db_path is None else str(db_path))
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, delim = ',', "
        "columns = {'item': 'VARCHAR', 'area': 'VARCHAR', 'period': 'VARCHAR', "
        "'value': 'DOUBLE'})",
        [str(path)],
    )
    con.close()


def duckdb_read_into_file(csv_path: Path, db_path: Path) -> None:
    """The baseline's read_csv into a table of a database file instead of memory: what
    writing the same four columns durably adds (each time to a new file)."""
    for leftover in db_path.parent.glob(db_path.name + "*"):
        leftover.unlink()
    duckdb_read_long(csv_path, db_path)


def duckdb_straight_in(csv_path: Path, store_path: Path) -> None:
    """The floor of a commit: DuckDB's read_csv straight into the store's observations table
    (no validation, comparison, history or checks), one transaction, on the store's file."""
    con = duckdb.connect(str(store_path))
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO observations (item_code, area_code, period, period_end, value, status, "
        "batch_id, submitted_by, submitted_at, note, recorded_at) "
        "SELECT item, area, period, last_day(strptime(period || '-01', '%Y-%m-%d')), value, "
        "'submitted', 1, 'bench', now(), NULL, now() FROM read_csv(?, header = true, "
        "columns = {'item': 'VARCHAR', 'area': 'VARCHAR', 'period': 'VARCHAR', "
        "'value': 'DOUBLE'})",
        [str(csv_path)],
    )
    con.execute("COMMIT")
    con.close()


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
    parser.add_argument(
        "--sheet-rows", type=int, default=len(ITEMS) * 928, help="rows of each month's sheet"
    )
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
        duckdb_read_long(csv_path)

    def validate():
        result = ingest.read_upload(data, csv_path.name, catalog, areas)
        assert result.ok and len(result.clean) == n, result.problems[:3]

    store.close()

    def validate_and_commit() -> dict[str, float]:
        """Seconds of the whole path and of its steps (the stages preview_upload reports)."""
        target = fresh_store()  # an empty store each time, set up outside the timing
        marks = {}
        t = time.perf_counter()
        preview = upload.preview_upload(
            target,
            data,
            csv_path.name,
            progress=lambda fraction, stage: marks.setdefault(stage, time.perf_counter()),
        )
        previewed = time.perf_counter()
        assert not preview.problems
        batch = upload.commit_upload(target, preview, "bench", "PHO", origin="bench")
        done = time.perf_counter()
        assert batch is not None and target.observation_count() == n
        target.close()
        return {
            "all": done - t,
            "read": marks["compare"] - t,
            "compare": previewed - marks["compare"],
            "commit": done - previewed,
        }

    def warnings_alone() -> float:
        """quality.upload_warnings of the previewed file, alone (part of `compare` above)."""
        from lib.services import quality

        target = fresh_store()
        preview = upload.preview_upload(target, data, csv_path.name)
        t = time.perf_counter()
        quality.upload_warnings(target, preview.compare)
        elapsed = time.perf_counter() - t
        target.close()
        return elapsed

    t_base = best_of(args.repeat, baseline)
    t_val = best_of(args.repeat, validate)
    t_all = min((validate_and_commit() for _ in range(args.repeat)), key=lambda r: r["all"])
    t_warn = min(warnings_alone() for _ in range(args.repeat))

    def straight_in() -> float:
        fresh_store().close()  # an empty store, set up outside the timing
        t = time.perf_counter()
        duckdb_straight_in(csv_path, store_path)
        return time.perf_counter() - t

    t_floor = min(straight_in() for _ in range(args.repeat))
    t_file = best_of(
        args.repeat, lambda: duckdb_read_into_file(csv_path, out / "upload-plain.duckdb")
    )
    shapes = [
        multi_sheet_case(out, min(args.sheet_rows, args.rows), districts, catalog, areas, args),
        multi_measure_case(out, args.rows, districts, catalog, areas, args),
    ]
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
        f"| validate, preview and commit one batch | {t_all['all']:.2f} | "
        f"{t_all['all'] / t_base:.1f} |",
        f"| - of which reading and validation | {t_all['read']:.2f} | "
        f"{t_all['read'] / t_base:.1f} |",
        f"| - of which preview (compare, jumps, quality warnings) | {t_all['compare']:.2f} | "
        f"{t_all['compare'] / t_base:.1f} |",
        f"| - of which commit | {t_all['commit']:.2f} | {t_all['commit'] / t_base:.1f} |",
        f"| quality warnings alone (`quality.upload_warnings`, part of the preview) | "
        f"{t_warn:.2f} | {t_warn / t_base:.1f} |",
        f"| DuckDB `read_csv` into a table of a database file (the same four columns, "
        f"written durably) | {t_file:.2f} | {t_file / t_base:.1f} |",
        f"| floor of a commit: DuckDB `read_csv` straight into the store's observations "
        f"(no validation, comparison, history or checks) | {t_floor:.2f} | "
        f"{t_floor / t_base:.1f} |",
        "",
        "## Shapes as agencies send them (issue 12)",
        "",
        "DuckDB reads the same cells from CSV (its excel extension is not installed).",
        "",
        "| file | cells | DuckDB `read_csv` s | validate s | ratio |",
        "|---|---:|---:|---:|---:|",
        *shapes,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (HERE / "upload_results.md").write_text(text, encoding="utf-8")
    return 0


def _layout_reader(catalog, areas, data: bytes, name: str, layout, cells: int):
    """A function validating the file with a layout, or the reason it cannot run."""
    import inspect

    from lib.ingest.layout import Layout

    if "layout" not in inspect.signature(ingest.read_upload).parameters:
        return None, "not available (read_upload has no layout parameter)"

    def run():
        result = ingest.read_upload(data, name, catalog, areas, layout=Layout(**layout))
        assert result.ok and len(result.clean) == cells, result.problems[:3]

    try:
        run()
    except AssertionError as exc:
        return None, f"not available ({str(exc)[:120]})"
    return run, ""


def _case_row(label: str, cells: int, baseline, run, why: str, repeat: int) -> str:
    t_base = best_of(repeat, baseline)
    if run is None:
        return f"| {label} | {cells:,} | {t_base:.2f} | {why} | - |"
    t_run = best_of(repeat, run)
    return f"| {label} | {cells:,} | {t_base:.2f} | {t_run:.2f} | {t_run / t_base:.1f} |"


def multi_sheet_case(out: Path, per_sheet: int, districts, catalog, areas, args) -> str:
    """The 12-sheet workbook, every sheet read, the period from each sheet's name."""
    path, csv_dir = out / "upload-bench-sheets.xlsx", out
    cells = write_workbook(path, csv_dir, per_sheet, districts)
    data = path.read_bytes()

    def baseline():
        duckdb_read_long(csv_dir / "sheet-*.csv")

    layout = {"all_sheets": True, "period_rule": "sheet"}
    run, why = _layout_reader(catalog, areas, data, path.name, layout, cells)
    label = f"XLSX, {SHEETS} sheets (one month each), all sheets read"
    return _case_row(label, cells, baseline, run, why, args.repeat)


def multi_measure_case(out: Path, rows: int, districts, catalog, areas, args) -> str:
    """One CSV with four value columns, each mapped to its item (item:CODE)."""
    path = out / "upload-bench-measures.csv"
    cells = write_measures(path, max(1, rows // len(ITEMS)), districts)
    data = path.read_bytes()

    def baseline():
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, delim = ',')",
            [str(path)],
        )
        con.close()

    columns = {"พื้นที่": "area", "งวด": "period"}
    columns |= {f"จำนวน {item}": f"item:{item}" for item in ITEMS}
    run, why = _layout_reader(catalog, areas, data, path.name, {"columns": columns}, cells)
    label = f"CSV, {len(ITEMS)} value columns mapped item:CODE"
    return _case_row(label, cells, baseline, run, why, args.repeat)


if __name__ == "__main__":
    sys.exit(main())

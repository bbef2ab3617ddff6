"""Load check of the shared store (issue 16): uploads from several processes at once while
other processes read the cockpit, on one PostgreSQL store; then every committed value is
looked for.

    .venv/bin/python bench/shared_load.py [--writers 4] [--readers 2] [--seconds 60]
                                          [--cells 24] [--store postgresql://...]

Without --store a throwaway PostgreSQL server is started on loopback (tests/pgserver.py,
Debian's postgresql) and the demo store is built on it. Each writer is a process with its
own Store (as an app server or a command-line import is) and its own account of Rayong's
PTO staff; it previews and commits, through lib.services.upload as the app does, a file of
--cells FIN01 values for Rayong in the same 24 months the other writers write (so writes
conflict on the same cells), again and again until --seconds pass. Each reader is a process
that builds Rayong's cockpit (lib.views.cockpit, every round recomputed: the worst case of
an app server whose figures the commits keep invalidating) in a loop.

Reported (bench/shared_load_results.md, raw bench/out/shared-load-raw.json): batches
committed per minute in all; time each commit waited for the store's write lock (writes are
serialised by it, so conflicts wait instead of failing: retried is 0 by construction, and
any failure is counted); cockpit builds and their p50/p95 seconds; and the check: every
value of every committed batch is either the cell's current value (from that batch) or in
its history under that batch, and no batch is in the store half (its cell count matches).
Exit 0 when every committed value is present, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

RESULTS = HERE / "shared_load_results.md"
RAW = HERE / "out" / "shared-load-raw.json"
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
PASSWORD = "a long enough password for the bench"


def _writer(url: str, n: int, seconds: float, cells: int, out) -> None:
    from lib.services import auth, upload
    from lib.store import Store
    from lib.store import server as store_server

    rng = random.Random(n)
    done, failed = [], 0
    with Store(url) as store:
        user = auth.load_user(store, f"pto21w{n}")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            months = rng.sample(MONTHS, cells)
            values = {m: round(rng.uniform(1, 99), 1) for m in months}
            text = "item_code,area_code,period,value\n" + "".join(
                f"FIN01,21,{m},{v}\n" for m, v in values.items()
            )
            started = time.perf_counter()
            try:
                preview = upload.preview_upload(store, text.encode(), f"w{n}.csv")
                before = len(store_server.lock_waits())
                batch = upload.commit_as(store, user, preview, origin="bench", confirm_jumps=True)
            except Exception as exc:  # noqa: BLE001  (counted and reported, never hidden)
                failed += 1
                print(f"writer {n}: {type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            if batch is not None:
                wait = sum(store_server.lock_waits()[before:])
                seconds_taken = time.perf_counter() - started
                done.append(
                    {
                        "batch": int(batch),
                        "values": values,
                        "seconds": seconds_taken,
                        "lock_wait": wait,
                    }
                )
    out.put({"writer": n, "batches": done, "failed": failed})


def _reader(url: str, n: int, seconds: float, out) -> None:
    from lib.store import Store
    from lib.views.cockpit import query
    from lib.views.cockpit.figures import load_round_figures
    from lib.views.cockpit.view import cockpit_view

    times = []
    with Store(url) as store:
        today = store.figures_as_of()
        fy, rnd = query.default_round(today)
        scope = query.parse_scope("21", query.scope_table(store.areas()))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            cockpit_view(store, scope, fy, rnd, today, lambda *a: load_round_figures(store, *a))
            times.append(time.perf_counter() - started)
    out.put({"reader": n, "seconds": times})


def _prepare(url: str, writers: int) -> None:
    from lib.services import auth
    from lib.services.bootstrap import init_store
    from lib.store import Store

    with Store(url) as store:
        init_store(store)
        for n in range(writers):
            if auth.load_user(store, f"pto21w{n}") is None:
                auth.add_user(
                    store, f"pto21w{n}", "staff", PASSWORD, agency_code="PTO", area_code="21",
                    actor=auth.cli_operator(), origin="bench",
                )  # fmt: skip


def _check(url: str, batches: list[dict]) -> dict:
    """Every committed value present: current from its batch, or in the history under it."""
    from lib.store import Store

    with Store(url) as store:
        current = store.export_values("FIN01", "21").set_index("period")
        history = store.table_frame("observation_history")
        history = history[(history["item_code"] == "FIN01") & (history["area_code"] == "21")]
        kept = {(int(b), p, round(float(v), 6)) for b, p, v in
                history[["batch_id", "period", "value"]].itertuples(index=False)}  # fmt: skip
        rows = store.table_frame("upload_batches").set_index("batch_id")
    missing, half = 0, 0
    for b in batches:
        for period, value in b["values"].items():
            now = current.loc[period] if period in current.index else None
            here = now is not None and int(now["batch_id"]) == b["batch"]
            here = here and round(float(now["value"]), 6) == round(value, 6)
            if not here and (b["batch"], period, round(value, 6)) not in kept:
                missing += 1
        row = rows.loc[b["batch"]]
        if int(row["n_new"]) + int(row["n_changed"]) + int(row["n_unchanged"]) != len(b["values"]):
            half += 1
    return {"values": sum(len(b["values"]) for b in batches), "missing": missing, "half": half}


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0])[0]


def run(url: str, writers: int, readers: int, seconds: float, cells: int) -> dict:
    _prepare(url, writers)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, n, seconds, cells, out)) for n in range(writers)
    ]
    procs += [ctx.Process(target=_reader, args=(url, n, seconds, out)) for n in range(readers)]
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    batches = [b for r in results if "writer" in r for b in r["batches"]]
    reads = [t for r in results if "reader" in r for t in r["seconds"]]
    waits = [b["lock_wait"] for b in batches]
    return {
        "when": datetime.now().isoformat(timespec="seconds"),
        "writers": writers, "readers": readers, "seconds": round(elapsed, 1), "cells": cells,
        "batches": len(batches), "batches_per_minute": round(len(batches) * 60 / elapsed, 1),
        "failed": sum(r["failed"] for r in results if "writer" in r), "retried": 0,
        "commit_p50": round(_pct([b["seconds"] for b in batches], 50), 3),
        "commit_p95": round(_pct([b["seconds"] for b in batches], 95), 3),
        "lock_wait_p50": round(_pct(waits, 50), 3), "lock_wait_p95": round(_pct(waits, 95), 3),
        "cockpit_builds": len(reads), "cockpit_p50": round(_pct(reads, 50), 3),
        "cockpit_p95": round(_pct(reads, 95), 3),
        "check": _check(url, batches),
    }  # fmt: skip


def _write(result: dict) -> None:
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps(result, indent=1))
    c = result["check"]
    lines = [
        "# Shared store load check (bench/shared_load.py)",
        "",
        f"Measured {result['when']} on this machine (2 cores), PostgreSQL 15 on loopback, the",
        f"demo store; {result['writers']} writer processes and {result['readers']} cockpit "
        f"readers for {result['seconds']} s, {result['cells']} FIN01 cells of Rayong per file, "
        "every file on the same 24 months.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| batches committed | {result['batches']} ({result['batches_per_minute']} a minute) |",
        f"| commits failed / retried | {result['failed']} / {result['retried']} |",
        f"| preview + commit p50 / p95 s | {result['commit_p50']} / {result['commit_p95']} |",
        f"| write lock wait p50 / p95 s | {result['lock_wait_p50']} / {result['lock_wait_p95']} |",
        f"| cockpit builds (Rayong, recomputed) | {result['cockpit_builds']} |",
        f"| cockpit p50 / p95 s | {result['cockpit_p50']} / {result['cockpit_p95']} |",
        f"| committed values looked for / missing | {c['values']} / {c['missing']} |",
        f"| batches not whole | {c['half']} |",
        "",
        "Writes are serialised by the store's write lock (a PostgreSQL advisory lock held by",
        "each write transaction), so a conflicting write waits for the one before it and none",
        "has to be retried; the wait is the time a commit spent for that lock.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cells", type=int, default=24)
    parser.add_argument("--store", help="postgresql://... (default: a throwaway server)")
    args = parser.parse_args(argv)
    server = None
    url = args.store
    if url is None:
        from tests import pgserver

        server = pgserver.start()
        if server is None:
            print("no PostgreSQL server binaries: apt-get install postgresql", file=sys.stderr)
            return 1
        url = server.new_database()
    try:
        result = run(url, args.writers, args.readers, args.seconds, min(args.cells, 24))
    finally:
        if server is not None:
            server.stop()
    _write(result)
    print(RESULTS.read_text())
    return 0 if result["check"]["missing"] == 0 and result["check"]["half"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

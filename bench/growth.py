"""Benchmark: the same figures on a store five times larger (issue 15, growth).

    .venv/bin/python bench/growth.py [--rebuild] [--repeat 3] [--rounds 3] [--big-items 1050]

Builds (or reuses) two national stores with the foundation generator: the usual one
(210 monthly district items, about 20 M values, bench/out/national.duckdb) and one with
five times the items (bench/out/national-x5.duckdb, about 100 M values). Each store is
measured in fresh child processes (bench/run.py's `measure`: plain scan, wide scan,
coverage facts, coverage and KPI scores for all four levels, best of --repeat), so the
peak memory (ru_maxrss of the child) is per store; --rounds children per store, the
stores taking turns, so that a slow spell of the machine does not fall on one store
alone (one child each gave growth of 5.2x to 5.8x for the same figure). Writes
bench/growth_results.md: each figure's seconds and ratio to the same store's wide scan,
the peak RSS, and the growth ratio big / small of each figure against the aim (at most
5.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import run  # noqa: E402  (bench/run.py: measure, machine)

AIM = 5.5  # a store 5x larger costs at most 5.5x (issue 15)
FIGURES = [  # (key, label, judged against the aim: the figures, not the yardstick scans)
    ("scan_s", "plain scan: `count(*), sum(value), max(period_end)` (yardstick)", False),
    ("wide_s", "wide scan: every column coverage reads (yardstick)", False),
    ("facts_s", "coverage SQL facts only (4-year window), every value read", True),
    ("cov_full_s", "coverage, all 4 levels, every value read", True),
    ("sc_full_s", "KPI scores, all 4 levels, round 12, every value read", True),
    ("cov_s", "coverage, all 4 levels, maintained reads (as the app)", True),
    ("sc_s", "KPI scores, all 4 levels, round 12, maintained reads (as the app)", True),
]


def run_child(cmd: list[str]) -> tuple[int, str, float, float]:
    """Run cmd; return (exit code, stdout, wall seconds, the child's peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    return proc.returncode, out, time.perf_counter() - start, usage.ru_maxrss / 1024


def build_record_path(db: Path) -> Path:
    """Where the timing of a store's build is kept (next to the store)."""
    return db.with_name(db.name + ".build.json")


def build(db: Path, items: int, args) -> dict | None:
    """Build db with `python -m lib init --scale national` unless it exists (or --rebuild).

    Returns the build's record (seconds, peak RSS, command), kept next to the store so
    that a later run which reuses the store still reports it; None when nothing is known.
    """
    record = build_record_path(db)
    if db.exists() and not args.rebuild:
        return json.loads(record.read_text()) if record.exists() else None
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--build-child", str(db),
        "--items", str(items), "--years-before", str(args.years_before),
        "--as-of", args.as_of.isoformat(),
    ]  # fmt: skip
    print(f"building {db} ({items} items) ...", file=sys.stderr, flush=True)
    code, out, seconds, rss = run_child(cmd)
    if code != 0:
        raise SystemExit(f"building {db} failed (exit {code}): {out}")
    rec = {
        "seconds": seconds,
        "peak_rss_mb": rss,
        "items": items,
        "command": " ".join(cmd[1:]),
        "built_on": datetime.now().isoformat(timespec="seconds"),
    }
    record.write_text(json.dumps(rec, indent=1), encoding="utf-8")
    return rec


def build_child(db: Path, items: int, years_before: int, as_of: date) -> int:
    """Build mode: `lib init --scale national` (init_store), in this child process."""
    from lib.services.bootstrap import init_store
    from lib.store import Store

    with Store(db) as store:
        init_store(store, as_of=as_of, years_before=years_before, scale="national", n_items=items)
    return 0


def measure_in_child(db: Path, args) -> dict:
    """bench/run.py's measure on db in a fresh process, with that process's peak RSS."""
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child", str(db),
        "--repeat", str(args.repeat), "--as-of", args.as_of.isoformat(),
    ]  # fmt: skip
    print(f"measuring {db} ...", file=sys.stderr, flush=True)
    code, out, seconds, rss = run_child(cmd)
    if code != 0:
        raise SystemExit(f"measuring {db} failed (exit {code})")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_rss_mb=rss, child_s=seconds)
    return result


def measure_rounds(dbs: list[Path], args) -> list[dict]:
    """Each store measured in --rounds fresh processes, the stores taking turns (small, big,
    small, big, ...), so that a slow spell of a noisy machine falls on both rather than on
    one store's only process: per figure the best run of any of a store's processes, per
    store the largest peak RSS."""
    best: list[dict | None] = [None] * len(dbs)
    for _ in range(args.rounds):
        for i, db in enumerate(dbs):
            m = measure_in_child(db, args)
            if best[i] is not None:
                m.update({key: min(m[key], best[i][key]) for key, _, _ in FIGURES})
                m["peak_rss_mb"] = max(m["peak_rss_mb"], best[i]["peak_rss_mb"])
            best[i] = m
    return best


def child(db: Path, repeat: int, as_of: date) -> int:
    """Child mode: measure db, print one JSON line with the figures and own peak RSS."""
    result = run.measure(db, repeat, as_of)
    result["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


def _build_text(rec: dict | None) -> str:
    if rec is None:
        return "reused, build not timed here (--rebuild to time it)"
    return f"{rec['seconds']:.0f} s, peak RSS {rec['peak_rss_mb']:,.0f} MiB ({rec['built_on']})"


def report(stores: list[tuple[str, int, dict, dict | None]], args) -> str:
    """The Markdown of bench/growth_results.md."""
    (s_name, s_items, small, s_rec), (b_name, b_items, big, b_rec) = stores
    size = big["rows"] / small["rows"]
    head = f"| what | {s_name} s | / wide | {b_name} s | / wide | big / small | aim <= {AIM}x |"
    lines = [
        "# Benchmark: growth to a store five times larger (issue 15)",
        "",
        f"Machine: {run.machine()}",
        "",
        "| store | items | values | file MiB | build | peak RSS MiB (measuring) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for name, items, m, rec in stores:
        lines.append(
            f"| `{name}` | {items} | {m['rows']:,} | {m['size_mb']:,.0f} | {_build_text(rec)} | "
            f"{m['peak_rss_mb']:,.0f} |"
        )
    lines += [
        "",
        f"Values big / small: {size:.2f}x; file size: {big['size_mb'] / small['size_mb']:.2f}x; "
        f"peak RSS: {big['peak_rss_mb'] / small['peak_rss_mb']:.2f}x.",
        "",
        f"Best of {args.repeat} runs in each of {args.rounds} fresh processes per store, the "
        f"stores taking turns (fiscal year {small['fiscal_year']}, as of {args.as_of}):",
        "",
        head,
        "|---|" + "---:|" * 6,
    ]
    for key, label, judged in FIGURES:
        if key not in small or key not in big:
            continue  # raw figures of an older run
        growth = big[key] / small[key]
        verdict = ("met" if growth <= AIM else "**not met**") if judged else "-"
        lines.append(
            f"| {label} | {small[key]:.3f} | {small[key] / small['wide_s']:.2f} | "
            f"{big[key]:.3f} | {big[key] / big['wide_s']:.2f} | {growth:.2f} | {verdict} |"
        )
    missed = [
        label
        for key, label, judged in FIGURES
        if judged and key in small and key in big and big[key] / small[key] > AIM
    ]
    lines += [
        "",
        "Aim: every figure on the big store at most 5.5x the same figure on the small one "
        "(the scans are the yardstick, not judged): "
        + ("met." if not missed else f"not met for {', '.join(missed)}."),
        "",
        f"Rows: coverage {small['cov_rows']} / {big['cov_rows']}; scores {small['sc_rows']} / "
        f"{big['sc_rows']}. Country correct-and-timely {small['country_pct']:.1f} % over "
        f"{small['country_required']:,} required cells / {big['country_pct']:.1f} % over "
        f"{big['country_required']:,}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Build or reuse both stores, measure each in a child, write bench/growth_results.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=Path, default=HERE / "out" / "national.duckdb")
    parser.add_argument("--big", type=Path, default=HERE / "out" / "national-x5.duckdb")
    parser.add_argument("--small-items", type=int, default=210)
    parser.add_argument("--big-items", type=int, default=1050)
    parser.add_argument("--rebuild", action="store_true", help="build both stores again")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best of)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="fresh processes per store, the stores alternating"
    )
    parser.add_argument("--years-before", type=int, default=9)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 22))
    parser.add_argument("--results", type=Path, default=HERE / "growth_results.md")
    parser.add_argument("--raw", type=Path, default=HERE / "out" / "growth-raw.json")
    parser.add_argument("--from-raw", action="store_true", help="write the results from --raw")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=210, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_child is not None:
        return build_child(args.build_child, args.items, args.years_before, args.as_of)
    if args.child is not None:
        return child(args.child, args.repeat, args.as_of)

    if args.from_raw:
        stores = [tuple(s) for s in json.loads(args.raw.read_text())]
    else:
        pairs = ((args.small, args.small_items), (args.big, args.big_items))
        builds = [build(db, items, args) for db, items in pairs]
        measured = measure_rounds([db for db, _ in pairs], args)
        stores = [
            (db.name, items, m, rec)
            for (db, items), m, rec in zip(pairs, measured, builds, strict=True)
        ]
        args.raw.parent.mkdir(parents=True, exist_ok=True)
        args.raw.write_text(json.dumps(stores, indent=1), encoding="utf-8")
    text = report(stores, args)
    print(text)
    args.results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

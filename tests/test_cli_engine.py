"""`python -m lib coverage` and `python -m lib scores` through lib.cli.main."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from lib.cli import main

BASE = ["--fiscal-year", "2570", "--as-of", "2026-11-22"]


def _run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("level", "rows"), [
    ("province", 77), ("cluster", 18), ("region", 7), ("country", 1),
])  # fmt: skip
def test_coverage_csv(capsys, demo_store_path, level, rows):
    code, out, _ = _run(capsys, ["coverage", "--db", str(demo_store_path), "--level", level, *BASE])
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"area_code": str})
    assert len(frame) == rows
    assert {"area_code", "correct_and_timely_pct", "milestone_level", "weakest_code"} <= set(
        frame.columns
    )


@pytest.mark.parametrize(("level", "rows"), [("province", 77 * 13), ("country", 13)])
def test_scores_csv(capsys, demo_store_path, level, rows):
    argv = ["scores", "--db", str(demo_store_path), "--level", level, *BASE, "--round", "6"]
    code, out, _ = _run(capsys, argv)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == rows
    assert frame["round"].eq(6).all()


def test_common_era_year_and_json(capsys, demo_store_path):
    argv = ["scores", "--db", str(demo_store_path), "--level", "region", "--fiscal-year", "2027"]
    code, out, _ = _run(capsys, [*argv, "--as-of", "2026-11-22", "--format", "json"])
    assert code == 0
    records = json.loads(out)
    assert len(records) == 7 * 13
    assert {r["fiscal_year"] for r in records} == {2570}


def test_coverage_json_grouping_2009(capsys, demo_store_path):
    argv = ["coverage", "--db", str(demo_store_path), "--level", "cluster", *BASE]
    code, out, _ = _run(capsys, [*argv, "--grouping", "2009", "--json"])
    assert code == 0
    codes = {r["area_code"] for r in json.loads(out)}
    assert len(codes) == 18
    assert all(c.startswith("C09-") for c in codes)


def test_coverage_by_group(capsys, demo_store_path):
    argv = ["coverage", "--db", str(demo_store_path), "--level", "country", *BASE, "--by-group"]
    code, out, _ = _run(capsys, argv)
    assert code == 0
    assert len(pd.read_csv(io.StringIO(out))) == 4


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--level", "planet", "--fiscal-year", "2568"], "invalid choice"),
        (["--level", "province", "--fiscal-year", "1800"], "out of range"),
        (["--level", "province", "--fiscal-year", "2450"], "out of range"),
        (["--level", "province", "--fiscal-year", "abc"], "not a number"),
        (["--level", "province", "--fiscal-year", "2568", "--as-of", "2025-13-01"], "not a date"),
        (["--level", "province", "--fiscal-year", "2575", "--as-of", "2026-01-01"], "starts on"),
        (["--level", "cluster", "--fiscal-year", "2568", "--grouping", "1999"], "invalid choice"),
    ],
)
def test_bad_arguments(capsys, demo_store_path, extra, needle):
    argv = ["coverage", "--db", str(demo_store_path), *extra]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert needle in last
    assert last.count("\n") == 0


def test_bad_round(capsys, demo_store_path):
    with pytest.raises(SystemExit) as exc:
        main(["scores", "--db", str(demo_store_path), "--level", "province", *BASE, "--round", "7"])
    assert exc.value.code == 2


def test_missing_store(capsys, tmp_path):
    argv = ["coverage", "--db", str(tmp_path / "none.duckdb"), "--level", "province", *BASE]
    code, _, err = _run(capsys, argv)
    assert code == 1
    assert "no store" in err

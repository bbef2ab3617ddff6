"""The command line: init, info, catalog; exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from lib.cli import main
from lib.store.migrations import latest_version


def test_init_twice_then_info(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    assert main(["init", "--db", db, "--as-of", "2026-11-22", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    every_migration = list(range(1, latest_version() + 1))
    assert first["migrations_applied"] == every_migration and first["demo_rows_loaded"] > 100_000
    assert main(["init", "--db", db, "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["migrations_applied"] == [] and second["demo_rows_loaded"] == 0
    assert second["observations"] == first["observations"]

    assert main(["info", "--db", db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["areas"] == {
        "country": 1,
        "region": 13,
        "cluster": 36,
        "province": 77,
        "district": 928,
    }
    assert info["items"] == 79 and info["kpis"] == 13 and info["agencies"] == 19
    assert info["observations"] == first["observations"]


def test_init_without_demo(tmp_path, capsys):
    db = str(tmp_path / "nodemo.duckdb")
    assert main(["init", "--db", db, "--no-demo"]) == 0
    capsys.readouterr()
    assert main(["info", "--db", db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["observations"] == 0 and info["areas"]["province"] == 77


def test_catalog_json_has_every_field(demo_store_path, capsys):
    assert main(["catalog", "--db", str(demo_store_path), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 79
    rayong_gpp = next(i for i in items if i["code"] == "MAC01")
    for field in (
        "name_th",
        "name_en",
        "unit_th",
        "area_level",
        "frequency",
        "owner_agency",
        "release_lag_days",
        "valid_min",
        "valid_max",
        "direction",
    ):
        assert field in rayong_gpp
    assert rayong_gpp["owner_agency"] == "PSO" and rayong_gpp["direction"] == "higher"
    assert {i["direction"] for i in items} == {"higher", "lower", "neutral"}


def test_catalog_csv_by_default(demo_store_path, capsys):
    assert main(["catalog", "--db", str(demo_store_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("code,name_th,name_en")
    assert len(lines) == 80


def test_missing_store_fails_with_one_line(tmp_path, capsys):
    assert main(["info", "--db", str(tmp_path / "none.duckdb")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no store at") and "\n" not in err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["init", "--as-of", "22/11/2026"])
    assert exc.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_a_store_of_an_older_version_is_named_and_init_migrates_it(tmp_path, capsys):
    from lib.store import Store

    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.migrate(until=latest_version() - 1)  # made by the previous release
    assert main(["info", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert f"schema {latest_version() - 1}" in err and f"python -m lib init --db {db}" in err
    assert main(["init", "--db", str(db), "--no-demo", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["migrations_applied"] == [latest_version()]
    assert main(["info", "--db", str(db)]) == 0

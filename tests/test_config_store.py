"""Issue 11 end to end on small stores built in code: KPI sets per fiscal year, retired items,
a province-scope deployment, the empty product, the workbook round trip through the command
line (accepted, rejected, refused) and exact values."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd

from lib.cli.main import main
from lib.engine import coverage as cv
from lib.engine import kpi
from lib.services import config
from lib.services.bootstrap import init_store
from lib.store import Store
from tests.conftest import AS_OF, add_app_users, store_fingerprint

FY = 2570  # AS_OF 2026-11-22 is in fiscal year 2570


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _with_admin(path) -> None:
    with Store(path) as store:
        add_app_users(store)


def _set_of(store: Store, year: int, weights: dict[str, float]) -> None:
    """Enter year's KPI set: the current set with new weights (others dropped)."""
    frames = config.export_frames(store)
    base = store.kpis(year).loc[lambda k: k["code"].isin(list(weights))]
    rows = config.export_frames(store)["kpis"]
    rows = rows.loc[
        rows["code"].isin(list(weights)) & (rows["fiscal_year"] == base["fiscal_year"].iloc[0])
    ].copy()
    rows["fiscal_year"] = year
    rows["weight_pct"] = rows["code"].map(weights)
    frames["kpis"] = pd.concat([frames["kpis"], rows], ignore_index=True)
    plan = config.plan_import(store, config.write_workbook(frames), FY)
    assert plan.ok, [p.text("en") for p in plan.problems]
    from lib.services import auth

    config.apply_import(store, plan, auth.load_user(store, "admin1"), origin="test")


# ---------------------------------------------------------------- KPI sets per fiscal year


def test_scores_of_a_year_keep_that_years_weights_after_a_later_set(small_store_copy):
    _with_admin(small_store_copy)
    with Store(small_store_copy) as store:
        first = kpi.scores(store, "province", 2569, AS_OF)
        _set_of(store, 2570, {"KPI03": 50, "KPI04": 50})
        after_2569 = kpi.scores(store, "province", 2569, AS_OF)
        after_2570 = kpi.scores(store, "province", 2570, AS_OF)
    cols = ["area_code", "kpi_code", "weight_pct", "score", "composite"]
    pd.testing.assert_frame_equal(first[cols], after_2569[cols])  # 2569 keeps its own set
    assert set(after_2570["kpi_code"]) == {"KPI03", "KPI04"}
    assert set(after_2570["weight_pct"]) == {50.0}
    assert len(set(first["kpi_code"])) == 13


def test_a_set_is_in_force_until_a_later_years_set(small_store_copy):
    _with_admin(small_store_copy)
    with Store(small_store_copy) as store:
        _set_of(store, 2569, {"KPI03": 40, "KPI04": 60})
        assert store.kpi_set_years()[-1] == 2569
        assert set(store.kpis(2571)["code"]) == {"KPI03", "KPI04"}  # no set of its own: 2569's
        assert len(store.kpis(2568)) == 13  # before 2569: the demo's set
        assert len(store.kpis(2500)) == 13  # before every set: the earliest


# ---------------------------------------------------------------- retired items


def _required(store: Store, fy: int, item: str) -> int:
    cells = cv.load_coverage_inputs(store, fy, AS_OF).cells()
    return int(cells.loc[cells["item_code"] == item, "required_cells"].sum())


def test_a_retired_item_stops_counting_from_its_year_and_keeps_its_history(small_store_copy):
    _with_admin(small_store_copy)
    with Store(small_store_copy) as store:
        before_2570 = _required(store, 2570, "MAC01")
        values_before = len(store.export_values("MAC01"))
        frames = config.export_frames(store)
        frames["items"] = frames["items"].loc[frames["items"]["code"] != "MAC01"]
        plan = config.plan_import(store, config.write_workbook(frames), 2570)
        assert plan.ok
        row = plan.changes.loc[plan.changes["key"] == "MAC01"].iloc[0]
        assert row["change"] == "retired"
        from lib.services import auth

        config.apply_import(store, plan, auth.load_user(store, "admin1"), origin="test")
        item = store.catalog().set_index("code").loc["MAC01"]
        assert item["retired_from_fy"] == 2570
        assert before_2570 > 0 and _required(store, 2570, "MAC01") == 0
        assert _required(store, 2569, "MAC01") > 0  # earlier years still count it
        assert len(store.export_values("MAC01")) == values_before  # nothing deleted


# ---------------------------------------------------------------- scope


def test_a_province_deployment_requires_only_its_own_cells(small_store_copy):
    with Store(small_store_copy) as store:
        whole = cv.coverage(store, "country", FY, AS_OF)["required_cells"].iloc[0]
    code, out, _ = run("init", "--db", str(small_store_copy), "--scope", "21", "--json")
    assert code == 0 and json.loads(out)["scope"] == "21"
    with Store(small_store_copy) as store:
        prov = cv.coverage(store, "province", FY, AS_OF).set_index("area_code")
        country = cv.coverage(store, "country", FY, AS_OF)["required_cells"].iloc[0]
        scores = kpi.scores(store, "province", FY, AS_OF).set_index(["area_code", "kpi_code"])
    assert prov.loc["21", "required_cells"] > 0
    assert prov.drop(index="21")["required_cells"].sum() == 0
    assert country == prov.loc["21", "required_cells"] < whole
    assert scores.loc["20", "result"].notna().any()  # outside the scope: shown where data exists
    code, out, _ = run("info", "--db", str(small_store_copy), "--json")
    assert json.loads(out)["scope"] == "21"


def test_a_bad_scope_is_bad_input(small_store_copy):
    code, _, err = run("init", "--db", str(small_store_copy), "--scope", "2101", "--lang", "en")
    assert code == 2 and "district" in err
    code, _, err = run("init", "--db", str(small_store_copy), "--scope", "99")
    assert code == 2 and "ไม่รู้จักขอบเขต" in err


# ---------------------------------------------------------------- the empty product


def test_no_demo_gives_an_empty_product_that_stays_empty(tmp_path):
    db = str(tmp_path / "empty.duckdb")
    code, out, _ = run("init", "--db", db, "--no-demo", "--json")
    assert code == 0 and json.loads(out)["catalogue_loaded"] == "starter"
    with Store(db) as store:
        init_store(store)  # the app's start: a configured store is never filled with the demo
        info = store.info()
        assert (info["items"], info["kpis"], info["observations"]) == (0, 0, 0)
        assert info["data_groups"] == 4 and info["aspects"] >= 20 and info["agencies"] > 0
        assert info["areas"]["district"] == 928


# ---------------------------------------------------------------- the workbook via the CLI


def test_export_then_import_into_a_fresh_store_gives_an_identical_export(
    small_store_copy, tmp_path
):
    first = tmp_path / "first.xlsx"
    assert run("config", "export", str(first), "--db", str(small_store_copy))[0] == 0
    fresh = tmp_path / "fresh.duckdb"
    assert run("init", "--db", str(fresh), "--no-demo")[0] == 0
    _with_admin(fresh)
    code, out, err = run(
        "config",
        "import",
        str(first),
        "--user",
        "admin1",
        "--db",
        str(fresh),
        "--fiscal-year",
        "2570",
    )
    assert code == 0, err
    assert "applied" in out
    second = tmp_path / "second.xlsx"
    assert run("config", "export", str(second), "--db", str(fresh))[0] == 0
    a, pa_ = config.read_workbook(first.read_bytes())
    b, pb = config.read_workbook(second.read_bytes())
    assert not pa_ and not pb
    for sheet in config.SHEETS:
        pd.testing.assert_frame_equal(a[sheet.key], b[sheet.key], obj=sheet.key)
    assert len(a["items"]) == 79 and len(a["kpis"]) == 13


def _edited_workbook(path, tmp_path, edit) -> bytes:
    with Store(path, read_only=True) as store:
        frames = config.export_frames(store)
    edit(frames)
    out = tmp_path / "edited.xlsx"
    out.write_bytes(config.write_workbook(frames))
    return out


def test_a_rejected_workbook_changes_nothing_and_names_sheet_row_column(small_store_copy, tmp_path):
    _with_admin(small_store_copy)

    def break_weights(frames):
        frames["kpis"].loc[frames["kpis"]["code"] == "KPI03", "weight_pct"] = 9

    book = _edited_workbook(small_store_copy, tmp_path, break_weights)
    before = store_fingerprint(small_store_copy)
    code, out, err = run(
        "config", "import", str(book), "--user", "admin1", "--db", str(small_store_copy)
    )
    assert code == 2 and "rejected" in out
    assert "kpis" in err and "99" in err  # the year's weights sum to 99, not 100
    after = store_fingerprint(small_store_copy)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"
    }


def test_a_non_administrator_is_refused_and_audited(small_store_copy, tmp_path):
    _with_admin(small_store_copy)
    book = _edited_workbook(small_store_copy, tmp_path, lambda f: None)
    code, _, err = run(
        "config", "import", str(book), "--user", "pto21", "--db", str(small_store_copy)
    )
    assert code == 3
    with Store(small_store_copy, read_only=True) as store:
        audit = store.audit_log()
    denied = audit.loc[audit["action"] == "denied"]
    assert (denied["username"] == "pto21").any()


def test_an_accepted_import_is_audited_with_before_and_after(small_store_copy, tmp_path):
    _with_admin(small_store_copy)

    def rename(frames):
        items = frames["items"]
        items.loc[items["code"] == "MAC01", "name_th"] = "ผลิตภัณฑ์มวลรวมจังหวัด (ใหม่)"

    book = _edited_workbook(small_store_copy, tmp_path, rename)
    code, out, _ = run(
        "config", "import", str(book), "--user", "admin1", "--db", str(small_store_copy),
        "--dry-run",
    )  # fmt: skip
    assert code == 0 and "dry run" in out
    with Store(small_store_copy, read_only=True) as store:
        assert (
            store.catalog().set_index("code").loc["MAC01", "name_th"] != "ผลิตภัณฑ์มวลรวมจังหวัด (ใหม่)"
        )
    code, out, _ = run(
        "config", "import", str(book), "--user", "admin1", "--db", str(small_store_copy)
    )
    assert code == 0 and "changed 1" in out
    with Store(small_store_copy, read_only=True) as store:
        assert store.catalog().set_index("code").loc["MAC01", "name_th"].endswith("(ใหม่)")
        audit = store.audit_log()
    entry = audit.loc[audit["action"] == "config_changed"].iloc[0]
    detail = json.loads(entry["detail"])
    assert entry["username"] == "admin1" and entry["target"] == "items:MAC01"
    assert detail["before"]["name_th"] != detail["after"]["name_th"]


# ---------------------------------------------------------------- exact values


def test_values_are_stored_with_the_items_decimals_and_exported_exactly(small_store_copy, tmp_path):
    _with_admin(small_store_copy)
    csv = tmp_path / "v.csv"
    csv.write_text(
        "item_code,area_code,period,value\nFIN03,21,2567-Q1,5494932\n"
        "FIN03,21,2567-Q2,12345.678\nFIN02,21,2567-03,76337.8\n",
        encoding="utf-8",
    )
    code, _, err = run("import", str(csv), "--user", "pto21", "--db", str(small_store_copy))
    assert code == 0, err
    assert "rounded" in err
    code, out, _ = run("export", "--db", str(small_store_copy), "--area", "21")
    lines = out.splitlines()
    text = "\n".join(lines)
    assert ",5494932,submitted" in text and ",12346,submitted" in text  # FIN03: 0 decimals
    assert ",76337.8,submitted" in text  # FIN02: 1 decimal, never 76337.79999999999
    assert not any(line.split(",")[3].endswith(".0") for line in lines[1:] if "FIN03" in line)

"""Validation rules and the outlier threshold in the configuration workbook (issue 14).

A rules sheet (code, names, expression, tolerance, active) whose expressions are
read against the workbook's item codes, and the deployment's outlier threshold:
rejected with sheet, row, column and a Thai reason (nothing changes), or applied
and exported back the same. Small stores built in code.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.services import auth, config, quality
from lib.services.config import validate, workbook
from lib.services.config.fields import RULES, SHEETS
from lib.store import Store
from tests.config_fixtures import areas, minimal_config
from tests.conftest import add_app_users, store_fingerprint

GOOD_RULES = [
    {
        "code": "R-SUM",
        "name_th": "ผลรวมไม่เกินยอดรวม",
        "name_en": "Parts within the total",
        "expression": "FIN01 + MAC06 <= POP01",
        "tolerance": 0.5,
        "is_active": True,
    },
    {
        "code": "R-SHARE",
        "name_th": "ร้อยละอยู่ระหว่าง 0 ถึง 100",
        "name_en": "A share from 0 to 100",
        "expression": "0 <= FIN01 <= 100",
        "tolerance": 0,
        "is_active": False,
    },
]


def _rules_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RULES.columns, dtype=object)


def _book(store: Store, edit) -> bytes:
    """The store's configuration workbook after `edit(frames)`."""
    frames = config.export_frames(store)
    edit(frames)
    return config.write_workbook(frames)


def _admin(store: Store) -> auth.User:
    add_app_users(store)
    return auth.load_user(store, "admin1")


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.drop(columns="_row", errors="ignore").to_dict("records")


def test_a_bad_rule_expression_is_rejected_with_sheet_row_column_and_nothing_changes(
    small_store_copy,
):
    with Store(small_store_copy) as store:
        admin = _admin(store)
        bad = [*GOOD_RULES, {**GOOD_RULES[0], "code": "R-BAD", "expression": "FIN01 + = XYZ99"}]
        data = _book(store, lambda f: f.update(rules=_rules_frame(bad)))
        plan = config.plan_import(store, data)
    before = store_fingerprint(small_store_copy)
    assert not plan.ok
    [problem] = plan.problems
    assert (problem.sheet, problem.row, problem.column) == ("rules", 4, "expression")
    assert problem.value == "FIN01 + = XYZ99"
    assert "ตำแหน่งที่" in problem.reason_th  # Thai first: where in the expression
    assert problem.text("th").startswith("แผ่น rules แถว 4 คอลัมน์ expression")
    with Store(small_store_copy) as store, pytest.raises(InputError):
        config.apply_import(store, plan, admin)
    assert store_fingerprint(small_store_copy) == before
    with Store(small_store_copy, read_only=True) as store:
        assert store.rules().empty


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("MAC01 <= NOPE01", "NOPE01"),  # an item code the workbook does not hold
        ("MAC01 MAC03", "MAC03"),  # no comparison between the items
        ("MAC01 < MAC03 > MAC01", "ช่วง"),  # two comparisons that are not a range
    ],
)
def test_each_kind_of_bad_expression_is_named(expression, words):
    frames = minimal_config()
    frames["rules"] = _rules_frame([{**GOOD_RULES[0], "expression": expression}])
    frames["rules"]["_row"] = [2]
    problems = validate.validate(frames, areas())
    assert [(p.sheet, p.row, p.column) for p in problems] == [("rules", 2, "expression")]
    assert words in problems[0].reason_th


def test_a_rule_on_an_item_the_workbook_holds_passes_and_a_negative_tolerance_does_not():
    frames = minimal_config()
    frames["rules"] = _rules_frame([{**GOOD_RULES[0], "expression": "MAC03 <= MAC01"}])
    assert validate.validate(frames, areas()) == []
    frames["rules"].loc[0, "tolerance"] = -1
    [problem] = validate.validate(frames, areas())
    assert (problem.sheet, problem.column, problem.value) == ("rules", "tolerance", "-1")
    assert problem.reason_th == "ค่าคลาดเคลื่อนที่ยอมรับต้องไม่ติดลบ"


def test_a_good_rules_sheet_is_applied_and_exported_back_the_same(small_store_copy):
    with Store(small_store_copy) as store:
        admin = _admin(store)
        plan = config.plan_import(
            store, _book(store, lambda f: f.update(rules=_rules_frame(GOOD_RULES)))
        )
        assert plan.ok, [p.text() for p in plan.problems]
        added = plan.changes[plan.changes["sheet"] == "rules"]
        assert added[["key", "change"]].values.tolist() == [
            ["R-SUM", "added"],
            ["R-SHARE", "added"],
        ]
        assert "rules" in plan.summary()["sheet"].tolist()
        config.apply_import(store, plan, admin, origin="test")
        stored = store.rules()
        assert stored["code"].tolist() == ["R-SHARE", "R-SUM"]
        assert stored.set_index("code").loc["R-SUM", "tolerance"] == 0.5
        exported = config.export_frames(store)["rules"]
        audit = store.audit_log()
    assert sorted(_records(exported), key=lambda r: r["code"]) == sorted(
        GOOD_RULES, key=lambda r: r["code"]
    )
    read, _ = workbook.read_workbook(config.write_workbook({"rules": exported}))
    assert _records(read["rules"]) == _records(exported)
    assert "rules:R-SUM" in audit["target"].tolist()  # each added rule is audited


def test_empty_tolerance_and_active_cells_take_their_defaults(small_store_copy):
    rows = [{**GOOD_RULES[0], "tolerance": None, "is_active": None}]
    with Store(small_store_copy) as store:
        admin = _admin(store)
        plan = config.plan_import(store, _book(store, lambda f: f.update(rules=_rules_frame(rows))))
        config.apply_import(store, plan, admin, origin="test")
        rule = config.export_frames(store)["rules"].iloc[0]
    assert rule["tolerance"] == 0 and rule["is_active"] is True


def test_a_workbook_without_a_rules_sheet_keeps_the_stored_rules(small_store_copy):
    with Store(small_store_copy) as store:
        admin = _admin(store)
        store.replace_rules(_rules_frame(GOOD_RULES))
        frames = config.export_frames(store)
        data = config.write_workbook({k: v for k, v in frames.items() if k != "rules"})
        assert "กฎตรวจสอบ (rules)" not in openpyxl.load_workbook(io.BytesIO(data)).sheetnames
        plan = config.plan_import(store, data)
        assert plan.ok and plan.changes.empty
        config.apply_import(store, plan, admin, origin="test")
        assert store.rules()["code"].tolist() == ["R-SHARE", "R-SUM"]


def test_the_outlier_threshold_round_trips_and_is_the_one_the_checks_use(small_store_copy):
    with Store(small_store_copy) as store:
        admin = _admin(store)
        assert config.export_frames(store)["deployment"].iloc[0]["outlier_threshold"] is None
        assert quality.threshold(store) == 3.5  # nothing set: the default

        def set_threshold(value):
            def edit(frames):
                frames["deployment"]["outlier_threshold"] = [value]

            plan = config.plan_import(store, _book(store, edit))
            assert plan.ok, [p.text() for p in plan.problems]
            config.apply_import(store, plan, admin, origin="test")
            return plan

        plan = set_threshold(2.5)
        assert plan.changes[["sheet", "fields"]].values.tolist() == [
            ["deployment", "outlier_threshold"]
        ]
        assert store.get_meta("outlier_threshold") == "2.5"
        assert quality.threshold(store) == 2.5
        read, _ = workbook.read_workbook(config.export_workbook(store))
        assert read["deployment"].iloc[0]["outlier_threshold"] == 2.5
        set_threshold(None)  # an empty cell: back to the default
        assert quality.threshold(store) == 3.5
        assert config.export_frames(store)["deployment"].iloc[0]["outlier_threshold"] is None


@pytest.mark.parametrize("value", [0, -1])
def test_a_threshold_not_above_zero_is_rejected(small_store_copy, value):
    with Store(small_store_copy) as store:

        def edit(frames):
            frames["deployment"]["outlier_threshold"] = [value]

        plan = config.plan_import(store, _book(store, edit))
    [problem] = plan.problems
    assert (problem.sheet, problem.row, problem.column) == ("deployment", 2, "outlier_threshold")
    assert problem.reason_th.startswith("เกณฑ์ค่าผิดปกติต้องเป็นตัวเลขมากกว่า 0")


def test_the_readme_explains_the_rules_sheet_and_the_threshold():
    frames = {**minimal_config(), "rules": _rules_frame(GOOD_RULES)}
    book = openpyxl.load_workbook(io.BytesIO(workbook.write_workbook(frames)))
    assert book.sheetnames[1:] == [
        *(workbook.tab_name(s) for s in SHEETS),
        "กฎตรวจสอบ (rules)",
    ]
    readme = [[c for c in row if c is not None] for row in book.worksheets[0].values]
    keys = {row[2]: row for row in readme if len(row) > 2}
    assert "POP06 + POP07 = POP01" in " ".join(map(str, keys["expression"]))
    assert "3.5" in " ".join(map(str, keys["outlier_threshold"]))

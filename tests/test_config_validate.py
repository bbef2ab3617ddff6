"""A configuration is checked as a whole; an import merges, deletes nothing, lists its changes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.engine.methods import check_kpi_definition
from lib.services.config import diff
from lib.services.config.fields import SHEETS
from lib.services.config.validate import validate
from tests.config_fixtures import (
    ITEM_MAC01,
    KPI_LINEAR,
    KPI_MILESTONE,
    areas,
    frames_of,
    minimal_config,
    minimal_rows,
)


def _problems(rows: dict[str, list[dict]], numbered: bool = True) -> list:
    return validate(frames_of(rows, numbered), areas())


def _where(problems: list) -> list[tuple]:
    return [(p.sheet, p.row, p.column) for p in problems]


def test_a_valid_configuration_has_no_problems():
    assert validate(minimal_config(), areas()) == []
    assert validate(minimal_config(numbered=False), areas()) == []


def _broken(change) -> dict[str, list[dict]]:
    rows = minimal_rows()
    change(rows)
    return rows


# (what is broken, the change, where the one problem is, words of its Thai reason)
RULES = [
    (
        "required",
        lambda r: r["items"][1].update(name_th=None),
        ("items", 3, "name_th"),
        "ต้องกรอกชื่อภาษาไทย",
    ),
    (
        "duplicate code",
        lambda r: r["items"][0].update(code="MAC03"),
        ("items", 3, "code"),
        "ซ้ำกับแถว 2",
    ),
    (
        "duplicate KPI of a year",
        lambda r: r["kpis"][1].update(code="KPI01"),
        ("kpis", 3, "code"),
        "ซ้ำกับแถว 2",
    ),
    (
        "unknown data group",
        lambda r: r["aspects"][0].update(group_code="SOC"),
        ("aspects", 2, "group_code"),
        "ไม่พบรหัส SOC ในแผ่น กลุ่มข้อมูล (data_groups)",
    ),
    (
        "unknown aspect",
        lambda r: r["items"][0].update(aspect_code="ECO-XXX"),
        ("items", 2, "aspect_code"),
        "ไม่พบรหัส ECO-XXX ในแผ่น ด้าน (aspects)",
    ),
    (
        "unknown item agency",
        lambda r: r["items"][1].update(owner_agency="PTO"),
        ("items", 3, "owner_agency"),
        "ไม่พบรหัส PTO ในแผ่น หน่วยงาน (agencies)",
    ),
    (
        "unknown KPI agency",
        lambda r: r["kpis"][0].update(owner_agency="PTO"),
        ("kpis", 2, "owner_agency"),
        "หน่วยงาน (agencies)",
    ),
    (
        "unknown linked item",
        lambda r: r["kpis"][1].update(item_codes="MAC03,NOPE"),
        ("kpis", 3, "item_codes"),
        "ไม่พบรหัส NOPE ในแผ่น รายการข้อมูล (items)",
    ),
    (
        "no deployment row",
        lambda r: r.update(deployment=[]),
        ("deployment", None, "scope_code"),
        "ต้องมีหนึ่งแถว",
    ),
    (
        "two deployment rows",
        lambda r: r["deployment"].append({"scope_code": "21"}),
        ("deployment", 3, "scope_code"),
        "มีได้แถวเดียว (ขอบเขตอยู่ที่แถว 2แล้ว)",
    ),
    (
        "unknown scope",
        lambda r: r["deployment"][0].update(scope_code="99"),
        ("deployment", 2, "scope_code"),
        "ไม่พบรหัสพื้นที่ 99",
    ),
    (
        "a district as scope",
        lambda r: r["deployment"][0].update(scope_code="2101"),
        ("deployment", 2, "scope_code"),
        "ระดับ district",
    ),
    (
        "decimals",
        lambda r: r["items"][0].update(decimals=7),
        ("items", 2, "decimals"),
        "ทศนิยม",
    ),
    (
        "release lag",
        lambda r: r["items"][0].update(release_lag_days=-1),
        ("items", 2, "release_lag_days"),
        "ติดลบ",
    ),
    (
        "valid range",
        lambda r: r["items"][1].update(valid_min=40),
        ("items", 3, "valid_max"),
        "ต่ำกว่าค่าต่ำสุด (40)",
    ),
    (
        "retired before it began",
        lambda r: r["items"][0].update(from_fy=2569, retired_from_fy=2569),
        ("items", 2, "retired_from_fy"),
        "ต้องหลังปีที่เริ่มใช้",
    ),
    (
        "weight out of range",
        lambda r: r["kpis"].extend(
            [
                {**KPI_LINEAR, "fiscal_year": 2570, "weight_pct": 110},
                {**KPI_MILESTONE, "fiscal_year": 2570, "weight_pct": -10},
            ]
        ),
        [("kpis", 4, "weight_pct"), ("kpis", 5, "weight_pct")],
        "0 ถึง 100",
    ),
    (
        "thresholds out of order",
        lambda r: r["kpis"][1].update(t3=1.5),
        ("kpis", 3, "t3"),
        "เกณฑ์ต้องเรียงจากน้อยไปมาก",
    ),
    (
        "thresholds against a lower-is-better direction",
        lambda r: r["kpis"][1].update(higher_is_better=False),
        ("kpis", 3, "t2"),
        "เกณฑ์ต้องเรียงจากมากไปน้อย",
    ),
    (
        "a linear KPI without T4",
        lambda r: r["kpis"][1].update(t4=None),
        ("kpis", 3, "t4"),
        "ไม่มีเกณฑ์ระดับ 4",
    ),
    (
        "floor",
        lambda r: r["kpis"][1].update(floor_score=2),
        ("kpis", 3, "floor_score"),
        "0 ถึง 1",
    ),
    (
        "green out of 0..5",
        lambda r: r["kpis"][0].update(green_at=6),
        ("kpis", 2, "green_at"),
        "0 ถึง 5",
    ),
    (
        "amber above green",
        lambda r: r["kpis"][0].update(amber_at=4.5),
        ("kpis", 2, "amber_at"),
        "ต้องไม่สูงกว่าคะแนนสีเขียว",
    ),
    (
        "unknown method",
        lambda r: r["kpis"][0].update(method="steps"),
        ("kpis", 2, "method"),
        "วิธีให้คะแนน",
    ),
    (
        "rounds",
        lambda r: r["kpis"][0].update(rounds="6,7"),
        ("kpis", 2, "rounds"),
        "3, 6, 9, 12",
    ),
    (
        "rounds repeated",
        lambda r: r["kpis"][0].update(rounds="12,12"),
        ("kpis", 2, "rounds"),
        "ไม่ซ้ำ",
    ),
    (
        "a KPI on values without an item",
        lambda r: r["kpis"][1].update(item_codes=None),
        ("kpis", 3, "item_codes"),
        "อย่างน้อยหนึ่งรายการ",
    ),
]


@pytest.mark.parametrize("change, where, reason", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_reports_one_problem_where_it_is_broken(change, where, reason):
    problems = _problems(_broken(change))
    assert _where(problems) == (where if isinstance(where, list) else [where])
    assert reason in problems[0].reason_th
    assert problems[0].reason_en and problems[0].reason_en != problems[0].reason_th
    assert problems[0].text("th").startswith(f"แผ่น {problems[0].sheet} ")


def test_weights_not_summing_to_100_name_the_year_and_the_sum_on_its_first_row():
    rows = minimal_rows()
    rows["kpis"][0]["weight_pct"] = 59
    rows["kpis"] += [
        {**KPI_MILESTONE, "fiscal_year": 2570, "weight_pct": 33.3},
        {**KPI_LINEAR, "fiscal_year": 2570, "weight_pct": 33.3},
        {**KPI_LINEAR, "fiscal_year": 2570, "code": "KPI03", "weight_pct": 33.4},
    ]
    problems = _problems(rows)
    assert _where(problems) == [("kpis", 2, "weight_pct")]  # 33.3 + 33.3 + 33.4 is exactly 100
    assert problems[0].value == "99"
    assert "ปีงบประมาณ 2569 รวมได้ 99" in problems[0].reason_th
    assert "2569" in problems[0].reason_en and "99" in problems[0].reason_en


def test_the_same_kpi_code_in_two_fiscal_years_is_fine():
    rows = minimal_rows()
    rows["kpis"] += [{**k, "fiscal_year": 2570} for k in minimal_rows()["kpis"]]
    assert _problems(rows) == []


def test_a_milestone_kpi_needs_no_thresholds_and_lower_is_better_thresholds_fall():
    rows = minimal_rows()
    assert all(rows["kpis"][0].get(t) is None for t in ("t1", "t2", "t3", "t4", "t5"))
    rows["kpis"][1].update(higher_is_better=False, t1=9, t2=7, t3=5, t4=3, t5=1)
    assert _problems(rows) == []


def test_a_cluster_or_a_province_may_be_the_scope():
    for scope in ("C17-E1", "21"):
        rows = minimal_rows()
        rows["deployment"][0]["scope_code"] = scope
        assert _problems(rows) == []


def test_rows_kept_from_the_store_have_no_row_number():
    rows = minimal_rows()
    rows["items"][1]["aspect_code"] = "ECO-XXX"
    rows["items"][0]["code"] = "MAC03"
    problems = _problems(rows, numbered=False)
    assert _where(problems) == [("items", None, "code"), ("items", None, "aspect_code")]
    assert "ซ้ำกับรายการที่มีอยู่ในระบบ" in problems[0].reason_th


def test_a_kpi_scoring_problem_on_a_cell_already_reported_is_not_repeated():
    rows = minimal_rows()
    rows["kpis"][1]["higher_is_better"] = None  # required, and the engine needs it too
    assert _where(_problems(rows)) == [("kpis", 3, "higher_is_better")]


def test_check_kpi_definition_is_the_engine_rule_and_names_the_column():
    kpi = {**KPI_LINEAR, "t5": 4}
    with pytest.raises(InputError) as caught:
        check_kpi_definition(kpi)
    assert caught.value.field == "t5" and "T5=4 is not above T4=4" in str(caught.value)
    check_kpi_definition({**KPI_LINEAR, "higher_is_better": 1})  # 1/0 from a store is fine
    check_kpi_definition({**KPI_MILESTONE, "floor_score": None})  # a milestone needs no floor


# ------------------------------------------------------------------ merge


def _current() -> dict[str, pd.DataFrame]:
    """A stored configuration: FY 2568 and FY 2569 KPI sets, MAC01 and MAC03, no `_row`."""
    rows = minimal_rows()
    rows["kpis"] += [{**k, "fiscal_year": 2568} for k in minimal_rows()["kpis"]]
    return frames_of(rows, numbered=False)


def test_merge_keeps_an_absent_item_retired_and_an_absent_fiscal_year_of_kpis():
    incoming = minimal_rows()
    incoming["items"] = [incoming["items"][0]]  # MAC03 left out
    incoming["kpis"][1]["item_codes"] = "MAC01"
    incoming["kpis"][0]["weight_pct"], incoming["kpis"][1]["weight_pct"] = 70, 30
    merged = diff.merge(_current(), frames_of(incoming), fiscal_year=2570)
    items = merged["items"].set_index("code")
    assert items.index.tolist() == ["MAC01", "MAC03"]
    assert items.loc["MAC03", "retired_from_fy"] == 2570
    assert items.loc["MAC03", "name_en"] == "GPP growth rate"  # kept whole: history stays
    assert items.loc["MAC03", "_row"] is None and items.loc["MAC01", "_row"] == 2
    assert items.loc["MAC01", "retired_from_fy"] is None
    kpis = merged["kpis"]
    assert kpis[["fiscal_year", "code", "weight_pct"]].values.tolist() == [
        [2569, "KPI01", 70],
        [2569, "KPI02", 30],
        [2568, "KPI01", 60],  # FY 2568 keeps its own weights
        [2568, "KPI02", 40],
    ]
    assert validate(merged, areas()) == []


def test_merge_replaces_the_kpi_set_of_a_year_the_workbook_holds():
    incoming = minimal_rows()
    incoming["kpis"] = [{**KPI_MILESTONE, "weight_pct": 100}]  # FY 2569 now has one KPI
    merged = diff.merge(_current(), frames_of(incoming), fiscal_year=2570)
    years = merged["kpis"].groupby("fiscal_year")["code"].apply(list).to_dict()
    assert years == {2568: ["KPI01", "KPI02"], 2569: ["KPI01"]}


def test_merge_keeps_a_retired_items_year_and_a_sheet_the_import_lacks():
    current = _current()
    current["items"].loc[1, "retired_from_fy"] = 2565
    incoming = frames_of(minimal_rows())
    incoming["items"] = incoming["items"].iloc[:1]
    del incoming["agencies"]
    merged = diff.merge(current, incoming, fiscal_year=2570)
    assert merged["items"].set_index("code").loc["MAC03", "retired_from_fy"] == 2565
    assert merged["agencies"]["code"].tolist() == ["PSO"]


def test_validation_of_a_merge_finds_an_aspect_removed_under_a_kept_item():
    rows = minimal_rows()
    rows["aspects"].append({**rows["aspects"][0], "code": "ECO-AGR", "sort_order": 2})
    rows["items"][1]["aspect_code"] = "ECO-AGR"
    current = frames_of(rows, numbered=False)
    incoming = minimal_rows()
    incoming["items"] = [incoming["items"][0]]
    incoming["kpis"][1]["item_codes"] = "MAC01"
    problems = validate(diff.merge(current, frames_of(incoming), 2570), areas())
    assert _where(problems) == [("items", None, "aspect_code")]
    assert "ECO-AGR" in problems[0].reason_th


# ------------------------------------------------------------------ changes


def test_changes_list_added_changed_retired_and_removed_rows():
    current = _current()
    rows = minimal_rows()
    rows["data_groups"] = [
        {"code": "SOC", "name_th": "สังคม", "name_en": "Society", "sort_order": 1}
    ]
    rows["aspects"][0]["group_code"] = "SOC"
    rows["items"] = [rows["items"][0], {**ITEM_MAC01, "code": "SOC01"}]
    rows["kpis"][0]["weight_pct"], rows["kpis"][1]["weight_pct"] = 70, 30
    rows["kpis"][1]["item_codes"] = "MAC01"
    merged = diff.merge(current, frames_of(rows), fiscal_year=2570)
    found = diff.changes(current, merged)
    assert list(found.columns) == ["sheet", "key", "change", "fields", "before", "after"]
    listed = found[["sheet", "key", "change", "fields"]].values.tolist()
    assert listed == [
        ["data_groups", "SOC", "added", ""],
        ["data_groups", "ECO", "removed", ""],
        ["aspects", "ECO-MAC", "changed", "group_code"],
        ["items", "SOC01", "added", ""],
        ["items", "MAC03", "retired", "retired_from_fy"],
        ["kpis", "2569/KPI01", "changed", "weight_pct"],
        ["kpis", "2569/KPI02", "changed", "weight_pct,item_codes"],
    ]
    retired = found[found["change"] == "retired"].iloc[0]
    assert (
        retired["before"]["retired_from_fy"] is None and retired["after"]["retired_from_fy"] == 2570
    )
    removed = found[found["change"] == "removed"].iloc[0]
    assert removed["before"]["name_en"] == "Economy" and removed["after"] is None
    summary = diff.summary(found)
    assert summary["sheet"].tolist() == [s.key for s in SHEETS]
    counts = summary.set_index("sheet").loc[["data_groups", "items", "kpis"]]
    assert counts.values.tolist() == [[1, 0, 0, 1], [1, 0, 1, 0], [0, 2, 0, 0]]


def test_no_false_changes_for_5_and_5_point_0_nan_and_none_or_code_order():
    current = minimal_config(numbered=False)
    rows = minimal_rows()
    rows["items"][0].update(decimals=0.0, release_lag_days=540.0, linked_plan=math.nan)
    rows["items"][1]["valid_min"] = -30.0
    rows["kpis"][1].update(weight_pct=40.0, t1=1.0, target=5.0, item_codes="MAC03")
    rows["kpis"][0]["item_codes"] = float("nan")
    merged = diff.merge(current, frames_of(rows), fiscal_year=2570)
    assert diff.changes(current, merged).empty
    assert diff.summary(diff.changes(current, merged)).iloc[:, 1:].to_numpy().sum() == 0
    assert diff.same("MAC01,MAC03", "MAC03, MAC01", "codes")
    assert diff.same("", None) and diff.same(" ระยอง", "ระยอง")
    assert not diff.same(40, 40.5) and not diff.same(None, 0) and not diff.same("A", "B")


def test_a_new_scope_is_one_changed_row():
    current = minimal_config(numbered=False)
    rows = minimal_rows()
    rows["deployment"][0]["scope_code"] = "21"
    found = diff.changes(current, diff.merge(current, frames_of(rows), 2570))
    assert found[["sheet", "key", "change", "fields"]].values.tolist() == [
        ["deployment", "21", "changed", "scope_code"]
    ]

"""lib.engine.quality: modified z-scores against history and peers, validation rules."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.engine import quality as eq


def _history(values: list[float], item="A", area="10") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_code": item,
            "area_code": area,
            "period": [str(2015 + k) for k in range(len(values))],
            "value": values,
        }
    )


def _peers(values: list[float], period="2024") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_code": "A",
            "area_code": [str(10 + k) for k in range(len(values))],
            "period": period,
            "value": values,
        }
    )


# ---------------------------------------------------------------- modified z-score


def test_the_score_is_0_6745_times_the_distance_over_the_mad():
    # reference 1..5: median 3, MAD 1 -> (10 - 3) * 0.6745
    assert eq.modified_z(10.0, [1, 2, 3, 4, 5]) == pytest.approx(7 * 0.6745, abs=1e-4)
    assert eq.modified_z(3.0, [1, 2, 3, 4, 5]) == 0.0


def test_with_a_zero_mad_the_mean_absolute_deviation_is_used():
    # reference 3, 3, 3, 5: median 3, MAD 0, mean absolute deviation 0.5
    assert eq.modified_z(5.0, [3, 3, 3, 5]) == pytest.approx(2 / (1.2533 * 0.5), abs=1e-4)


def test_with_a_constant_reference_only_a_different_value_is_flagged():
    assert eq.modified_z(3.0, [3, 3, 3, 3]) == 0.0
    assert math.isinf(eq.modified_z(3.01, [3, 3, 3, 3]))
    flat = _history([7.0, 7.0, 7.0, 7.0, 7.0, 8.0])
    out = eq.history_outliers(flat)
    assert out["period"].tolist() == ["2020"]  # only the 8 among the sevens


# ---------------------------------------------------------------- history


def test_an_injected_value_is_flagged_against_its_own_history_and_a_normal_one_is_not():
    values = [100.0, 103.0, 98.0, 101.0, 99.0, 102.0, 500.0]
    out = eq.history_outliers(_history(values))
    assert out["period"].tolist() == ["2021"]
    row = out.iloc[0]
    assert row["flag"] == "outlier_history"
    assert row["median"] == 100.5  # the other six values, itself left out
    assert row["score"] > 3.5 and row["n_reference"] == 6


def test_the_value_itself_is_left_out_of_its_reference():
    # with itself included the median would move towards it; left out the score is exact
    values = [10.0, 11.0, 12.0, 13.0, 14.0, 40.0]
    scored = eq.outlier_scores(_history(values), ["item_code", "area_code"], eq.MIN_HISTORY)
    last = scored.iloc[-1]
    assert last["median"] == 12.0 and last["score"] == pytest.approx(0.6745 * 28 / 1)


def test_fewer_than_four_other_periods_flag_nothing():
    assert eq.history_outliers(_history([100.0, 101.0, 99.0, 900.0])).empty
    assert len(eq.history_outliers(_history([100.0, 101.0, 99.0, 100.0, 900.0]))) == 1


def test_histories_of_different_areas_do_not_mix():
    a = _history([100.0, 101.0, 99.0, 100.0, 102.0], area="10")
    b = _history([500.0, 501.0, 499.0, 500.0, 502.0], area="11")
    assert eq.history_outliers(pd.concat([a, b], ignore_index=True)).empty


def test_the_threshold_decides():
    values = _history([100.0, 103.0, 98.0, 101.0, 99.0, 110.0])
    score = eq.outlier_scores(values, ["item_code", "area_code"], 4)["score"].iloc[-1]
    assert len(eq.history_outliers(values, threshold=score - 0.01)) == 1
    assert eq.history_outliers(values, threshold=score + 0.01).empty
    with pytest.raises(InputError, match="above 0"):
        eq.history_outliers(values, threshold=0)


def test_a_large_store_is_scored_in_blocks(monkeypatch):
    from lib.engine import outliers

    monkeypatch.setattr(outliers, "_CHUNK", 50)  # one group per block
    frames = [_history([100.0, 101.0, 99.0, 100.0, 102.0, 900.0], area=str(a)) for a in range(9)]
    out = eq.history_outliers(pd.concat(frames, ignore_index=True))
    assert sorted(out["area_code"]) == [str(a) for a in range(9)]
    assert set(out["period"]) == {"2020"}


# ---------------------------------------------------------------- peers


def test_an_area_far_from_the_others_in_the_same_period_is_flagged():
    out = eq.peer_outliers(_peers([50.0, 52.0, 49.0, 51.0, 50.0, 48.0, 5.0]))
    assert out["area_code"].tolist() == ["16"]
    assert out.iloc[0]["flag"] == "outlier_peers" and out.iloc[0]["median"] == 50.0


def test_fewer_than_five_other_areas_flag_nothing():
    assert eq.peer_outliers(_peers([50.0, 52.0, 49.0, 51.0, 5.0])).empty


def test_peers_are_of_the_same_period_and_the_same_level():
    both = pd.concat(
        [_peers([50.0, 52.0, 49.0, 51.0, 50.0, 48.0], "2023"), _peers([5.0] * 6, "2024")]
    )
    assert eq.peer_outliers(both).empty
    levels = _peers([50.0, 52.0, 49.0, 51.0, 50.0, 48.0, 5.0]).assign(
        peer_group=["province"] * 6 + ["district"]
    )
    assert eq.peer_outliers(levels).empty  # the district has no district peers


# ---------------------------------------------------------------- rules: reading

CODES = ["POP01", "POP06", "POP07", "FOR02", "AB-1"]


@pytest.mark.parametrize(
    ("expression", "items", "comparisons"),
    [
        ("POP06 + POP07 = POP01", ("POP06", "POP07", "POP01"), ("=",)),
        ("POP06+POP07=POP01", ("POP06", "POP07", "POP01"), ("=",)),
        ("POP06 <= POP01", ("POP06", "POP01"), ("<=",)),
        ("0 <= FOR02 <= 100", ("FOR02",), ("<=", "<=")),
        ("100 >= FOR02 > 0", ("FOR02",), (">=", ">")),
        ("POP01 - POP06 - POP07 == 0", ("POP01", "POP06", "POP07"), ("=",)),
        ("AB-1 >= 0", ("AB-1",), (">=",)),
        ("POP01-POP06 >= 0", ("POP01", "POP06"), (">=",)),
    ],
)
def test_rules_are_read(expression, items, comparisons):
    rule = eq.parse_rule(expression, CODES)
    assert (rule.items, rule.comparisons) == (items, comparisons)


@pytest.mark.parametrize(
    ("expression", "th", "en"),
    [
        ("POP06 + POP08 = POP01", "ตำแหน่งที่ 9 'POP08' ไม่ใช่รหัสรายการข้อมูล", "position 9, 'POP08'"),
        ("POP06 + = POP01", "ตำแหน่งที่ 9 '='", "an item code or a number"),
        ("POP06 POP07 = POP01", "ตำแหน่งที่ 7 'POP07'", "put =, <=, >=, < or >"),
        ("POP06 = ", "ต้องตามด้วยค่าที่ใช้เปรียบเทียบ", "not followed by a side"),
        ("POP06 +", "ต้องตามด้วยรหัสรายการข้อมูลหรือตัวเลข", "not followed by an item code"),
        ("POP06 * 2 = POP01", "ตำแหน่งที่ 7 '*' อ่านไม่ออก", "a sign it cannot read"),
        ("POP06 + POP07", "ไม่มีเครื่องหมายเปรียบเทียบ", "no comparison"),
        ("POP06 = POP07 = POP01", "เปรียบเทียบได้ครั้งเดียว", "one comparison only"),
        ("0 <= FOR02 >= 100", "เป็นช่วง", "a range"),
        ("1 + 2 = 3", "ไม่มีรหัสรายการข้อมูล", "names no item code"),
        ("  ", "กฎว่างเปล่า", "empty rule"),
    ],
)
def test_a_bad_rule_says_where_and_why_in_thai_first(expression, th, en):
    with pytest.raises(InputError) as caught:
        eq.parse_rule(expression, CODES)
    assert th in caught.value.message_th
    assert en in caught.value.message_en


def test_a_stored_rule_that_does_not_read_names_its_code():
    frame = pd.DataFrame(
        {
            "code": ["OK", "BAD", "OFF"],
            "expression": ["POP06 <= POP01", "POP06 <= X", "nonsense"],
            "tolerance": [0.0, 0.0, 0.0],
            "is_active": [True, True, False],
        }
    )
    with pytest.raises(InputError, match="rule BAD: "):
        eq.parse_rules(frame, CODES)
    rules = eq.parse_rules(frame.iloc[[0, 2]], CODES)  # an inactive rule is not read
    assert [r.code for r in rules] == ["OK"] and rules[0].flag == "rule:OK"


# ---------------------------------------------------------------- rules: checking


def _cells(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_code", "area_code", "period", "value"])


def test_male_plus_female_must_equal_the_total():
    rule = eq.parse_rule("POP06 + POP07 = POP01", CODES, code="SEX")
    values = _cells(
        [
            ("POP06", "10", "2024", 60.0),
            ("POP07", "10", "2024", 40.0),
            ("POP01", "10", "2024", 100.0),
            ("POP06", "11", "2024", 60.0),
            ("POP07", "11", "2024", 40.0),
            ("POP01", "11", "2024", 107.0),
            ("POP06", "12", "2024", 60.0),  # no POP07 or POP01: not checked
        ]
    )
    out = eq.check_rules([rule], values).set_index("area_code")
    assert out.index.tolist() == ["10", "11"]
    assert not out.loc["10", "broken"] and out.loc["11", "broken"]
    assert (out.loc["11", "left"], out.loc["11", "right"]) == (100.0, 107.0)
    assert out.loc["11", "detail"] == "POP06 + POP07 (100) = POP01 (107)"
    loose = eq.parse_rule("POP06 + POP07 = POP01", CODES, code="SEX", tolerance=10)
    assert not eq.check_rules([loose], values)["broken"].any()


def test_a_sum_in_floating_point_still_equals_its_total():
    rule = eq.parse_rule("POP06 + POP07 = POP01", CODES)
    values = _cells(
        [("POP06", "10", "1", 0.1), ("POP07", "10", "1", 0.2), ("POP01", "10", "1", 0.3)]
    )
    assert not eq.check_rules([rule], values)["broken"].any()


def test_a_range_rule_and_its_bounds():
    rule = eq.parse_rule("0 <= FOR02 <= 100", CODES, code="SHARE")
    values = _cells(
        [
            ("FOR02", "10", "2024", 100.0),
            ("FOR02", "11", "2024", 120.0),
            ("FOR02", "12", "2024", -1),
        ]
    )
    out = eq.check_rules([rule], values).set_index("area_code")
    assert out["broken"].to_dict() == {"10": False, "11": True, "12": True}
    assert (out.loc["11", "left"], out.loc["11", "middle"], out.loc["11", "right"]) == (
        0.0,
        120.0,
        100.0,
    )
    assert out.loc["11", "detail"] == "0 <= FOR02 (120) <= 100"


def test_strict_and_loose_comparisons():
    values = _cells([("POP06", "10", "1", 5.0), ("POP01", "10", "1", 5.0)])
    broken = {
        op: bool(eq.check_rules([eq.parse_rule(f"POP06 {op} POP01", CODES)], values)["broken"][0])
        for op in ("=", "<=", ">=", "<", ">")
    }
    assert broken == {"=": False, "<=": False, ">=": False, "<": True, ">": True}


def test_no_rules_or_no_values_give_an_empty_frame_with_the_columns():
    out = eq.check_rules([], _cells([]))
    assert out.empty and list(out.columns) == eq.RULE_RESULT_COLUMNS
    rule = eq.parse_rule("POP06 <= POP01", CODES)
    assert eq.check_rules([rule], _cells([("X", "10", "1", 1.0)])).empty

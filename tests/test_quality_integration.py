"""Data quality where users meet it (issue 14): the upload preview's warnings and a red KPI
resting on flagged values, marked unreliable until a verifier checks them.

Small stores built in code: the small store (FIN01 of Rayong holds 25 months between
63.16 and 76.25; the 24 other than October 2026 have the median 69.33) and the tiny
hand-built store of test_coverage.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partialmethod

import pandas as pd
import pytest
from test_coverage import AS_OF as TINY_AS_OF
from test_coverage import KPIS, load_tiny

from lib.engine import kpi, kpi_flags, scoring
from lib.services import auth, quality, upload
from lib.store import Store
from tests.conftest import PASSWORD

RULE_COLUMNS = ["code", "name_th", "name_en", "expression", "tolerance", "is_active"]


def _file(value: float, period: str = "2026-10") -> bytes:
    return f"item,area,period,value\nFIN01,Rayong,{period},{value}\n".encode()


def _rule(store: Store, code: str, expression: str, name_th: str = "กฎทดสอบ") -> None:
    """Add one active validation rule to the store's rules."""
    rule = pd.DataFrame([(code, name_th, "test rule", expression, 0.0, True)], columns=RULE_COLUMNS)
    store.replace_rules(pd.concat([store.rules(), rule], ignore_index=True))


# ---------------------------------------------------------------- the upload preview


def test_a_preview_holding_an_outlier_warns_and_a_normal_file_does_not(small_store_copy):
    with Store(small_store_copy) as store:
        normal = upload.preview_upload(store, _file(70), "normal.csv")
        odd = upload.preview_upload(store, _file(99), "odd.csv")
    assert normal.counts["quality"] == 0 and normal.quality.empty
    assert odd.counts["quality"] == 1
    warning = odd.quality.iloc[0]
    assert (warning["item_code"], warning["area_code"], warning["period"]) == (
        "FIN01",
        "21",
        "2026-10",
    )
    assert warning["flag"] == "outlier_history" and "69.33" in warning["detail_th"]
    # a warning, never a refusal: 99 is no jump, and the file may be committed as it is
    assert odd.counts["flagged"] == 0 and upload.commit_refusal(odd) is None


def test_the_deployments_threshold_decides_what_the_preview_calls_an_outlier(small_store_copy):
    with Store(small_store_copy) as store:
        store.record_meta({quality.THRESHOLD_KEY: "6"})  # |z| of 99 is 4.79: not beyond 6
        lenient = upload.preview_upload(store, _file(99), "odd.csv")
        usual = upload.preview_upload(store, _file(78), "usual.csv")
        store.record_meta({quality.THRESHOLD_KEY: "1"})  # |z| of 78 is beyond 1, not 3.5
        strict = upload.preview_upload(store, _file(78), "usual.csv")
    assert lenient.counts["quality"] == 0 and usual.counts["quality"] == 0
    assert strict.quality["flag"].tolist() == ["outlier_history"]


def test_a_preview_breaking_a_validation_rule_warns_with_the_rule(small_store_copy):
    with Store(small_store_copy) as store:
        _rule(store, "R-CAP", "FIN01 <= 78", "ไม่เกิน 78")
        within = upload.preview_upload(store, _file(77), "within.csv")
        beyond = upload.preview_upload(store, _file(80), "beyond.csv")
    assert within.quality.empty
    assert beyond.quality["flag"].tolist() == ["rule:R-CAP"]
    assert "R-CAP" in beyond.quality.iloc[0]["detail_th"]


def test_the_preview_reads_the_values_near_its_cells_and_warns_as_if_it_read_all(
    small_store_copy, monkeypatch
):
    body = "item,area,period,value\nFIN01,Rayong,2026-10,99\nFIN01,Rayong,2026-09,80\n"
    read = []
    with Store(small_store_copy) as store:
        _rule(store, "R-CAP", "FIN01 <= 78", "ไม่เกิน 78")
        original = Store.quality_values

        def counted(self, items=None, as_of=None, near=None, every=False):
            values = original(self, items, as_of, None if every else near)
            read.append(len(values))
            return values

        monkeypatch.setattr(Store, "quality_values", counted)
        near = upload.preview_upload(store, body.encode(), "two.csv").quality
        monkeypatch.setattr(Store, "quality_values", partialmethod(counted, every=True))
        every = upload.preview_upload(store, body.encode(), "two.csv").quality
    assert sorted(near["flag"]) == ["outlier_history", "rule:R-CAP", "rule:R-CAP"]
    pd.testing.assert_frame_equal(near, every)
    assert read[0] < read[-1]  # the Rayong's months and the two months' areas, not all


# ---------------------------------------------------------------- a red KPI on flagged values


@pytest.fixture
def red_on_flags(empty_store):
    """The tiny store with KM (sum of M1) red for province 10 and every M1 value flagged by a
    rule 'M1 <= 40' (10's five months are 50): 10's KM is otherwise reliable."""
    load_tiny(empty_store)
    kpis = KPIS.copy()
    kpis.loc[kpis["code"] == "KM", ["t1", "t2", "t3", "t4", "t5"]] = [1000, 2000, 3000, 4000, 5000]
    empty_store.replace_tables({"kpis": kpis})
    _rule(empty_store, "R-M1", "M1 <= 40")
    auth.add_user(
        empty_store, "admin1", "admin", PASSWORD, actor=auth.cli_operator(), origin="test"
    )
    return empty_store


def _km_of_10(store: Store) -> pd.Series:
    inputs = kpi.load_kpi_inputs(store, 2568, 6, TINY_AS_OF, years_before=0)
    flagged = quality.flagged_cells(store, None, ["M1", "Q1"])  # the flags as they stand now
    out = kpi.kpi_scores(inputs, "province", flagged=flagged)
    return out.set_index(["area_code", "kpi_code"]).loc[("10", "KM")]


def test_a_red_kpi_on_flagged_values_is_unreliable_until_they_are_checked(red_on_flags):
    store = red_on_flags
    row = _km_of_10(store)
    assert row["light"] == "red"
    assert not row["reliable"] and row["reasons"] == "flagged_values"
    admin = auth.load_user(store, "admin1")
    flags = quality.flags(store, item_code="M1", area_code="10")
    assert flags["period"].tolist() == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    for period in flags["period"][:-1]:
        quality.mark_checked(store, admin, "M1", "10", period, "rule:R-M1", "ตรวจแล้ว ถูกต้อง")
    assert _km_of_10(store)["reasons"] == "flagged_values"  # one flagged month is left
    quality.mark_checked(store, admin, "M1", "10", "2025-02", "rule:R-M1", "ยืนยันกับหน่วยงานแล้ว")
    row = _km_of_10(store)
    assert row["light"] == "red" and row["reliable"] and row["reasons"] == ""


def test_without_flags_given_the_red_kpi_is_reliable(red_on_flags):
    inputs = kpi.load_kpi_inputs(red_on_flags, 2568, 6, TINY_AS_OF, years_before=0)
    out = kpi.kpi_scores(inputs, "province").set_index(["area_code", "kpi_code"])
    assert out.loc[("10", "KM"), "light"] == "red" and out.loc[("10", "KM"), "reliable"]


def test_only_a_red_light_is_doubted_by_flags(red_on_flags):
    inputs = kpi.load_kpi_inputs(red_on_flags, 2568, 6, TINY_AS_OF, years_before=0)
    flagged = quality.flagged_cells(red_on_flags, None, ["M1", "Q1"])
    _rule(red_on_flags, "R-Q1", "Q1 <= 100")  # 10's Q1 is 250: KQ (amber) rests on a flag
    flagged = quality.flagged_cells(red_on_flags, None, ["M1", "Q1"])
    out = kpi.kpi_scores(inputs, "province", flagged=flagged).set_index(["area_code", "kpi_code"])
    assert set(flagged["item_code"]) == {"M1", "Q1"}
    assert out.loc[("10", "KQ"), "light"] == "amber" and out.loc[("10", "KQ"), "reliable"]
    assert "flagged_values" in out.loc[("10", "KM"), "reasons"]


def test_the_kept_round_the_cockpit_map_and_profile_share_doubts_the_red_light(red_on_flags):
    """The cockpit, the map and the profile take a round's KPI scores from one kept
    computation (lib.views.cockpit.kept): it passes the quality flags, as kpi.scores does
    when given them, so the map shows 10's red KM as unreliable."""
    from lib.views.cockpit import kept
    from lib.views.map import figures as map_figures
    from lib.views.map.state import MapState

    schemes = ("cluster_2017", "region_nesdc7")
    round_ = kept.round_figures(red_on_flags, TINY_AS_OF, 2568, 6, TINY_AS_OF, *schemes)
    row = round_.scores.set_index(["level", "area_code", "kpi_code"]).loc[("province", "10", "KM")]
    assert row["light"] == "red" and not row["reliable"]
    assert "flagged_values" in row["reasons"].split(",")  # (and low coverage: one year of data)
    state = MapState(kind="kpi", code="KM", period="2568", round_months=6)
    areas = red_on_flags.areas()
    figures = map_figures.load_figures(red_on_flags, state, "province", TINY_AS_OF, None, areas)
    scores = round_.scores.query("level == 'province' and kpi_code == 'KM'").set_index("area_code")
    assert figures.set_index("code")["value"].to_dict() == scores["score"].to_dict()
    assert figures.set_index("code").at["10", "flag"] == "unreliable"


# ---------------------------------------------------------------- which results use a flag


def test_a_sum_uses_the_years_periods_a_last_only_the_latest_and_a_district_its_province(
    red_on_flags,
):
    inputs = kpi.load_kpi_inputs(red_on_flags, 2568, 6, TINY_AS_OF, years_before=0)
    values = pd.DataFrame(
        [
            ("M1", "10", "2024-11-30"),  # in the year: KM (sum) of 10 uses it
            ("M1", "90", "2023-11-30"),  # before the year: KM of 90 does not
            ("Q1", "91", "2024-09-30"),  # KQ (last) of 91 uses only its latest quarter
            ("Q1", "91", "2024-12-31"),
            ("M1", "91", "2024-12-31"),  # a district's value of 91, pooled
        ],
        columns=["item_code", "province_code", "period_end"],
    ).assign(period_end=lambda d: pd.to_datetime(d["period_end"]), value_sum=1.0, value_mean=1.0)
    district = pd.DataFrame(
        [("9101", "district", "อำเภอ", "District", "91")],
        columns=["code", "level", "name_th", "name_en", "parent_code"],
    )
    areas = pd.concat([inputs.coverage.areas, district], ignore_index=True)
    inputs = replace(inputs, values=values, coverage=replace(inputs.coverage, areas=areas))
    members = pd.DataFrame({"province_code": ["10", "90", "91"], "area_code": "R1"})
    cells = pd.DataFrame(
        [
            ("M1", "10", "2024-11"),
            ("M1", "90", "2023-11"),
            ("Q1", "91", "2024-Q3"),
            ("M1", "9101", "2024-12"),
        ],
        columns=["item_code", "area_code", "period"],
    )

    def found(rows) -> list[tuple]:
        out = kpi_flags.flagged_kpis(
            inputs, cells.iloc[rows], members.assign(area_code=members["province_code"])
        )
        return sorted(map(tuple, out.values.tolist()))

    assert found([0]) == [("10", "KM")]
    assert found([1]) == [] and found([2]) == []
    assert found([3]) == [("91", "KM")]
    region = kpi_flags.flagged_kpis(inputs, cells, members)
    assert region.values.tolist() == [["R1", "KM"]]
    none = kpi_flags.flagged_kpis(inputs, cells.iloc[:0], members)
    assert none.empty and list(none.columns) == ["area_code", "kpi_code"]


def test_the_reason_has_its_words_and_assess_knows_it():
    assert scoring.RELIABILITY_REASONS["flagged_values"].th == "มีค่าผิดปกติที่ยังไม่ได้ตรวจ"
    light = scoring.assess(1.2, flagged=True)
    assert (light.colour, light.unreliable, light.reasons) == ("red", True, ("flagged_values",))
    assert scoring.assess(4.5, flagged=True).unreliable is False
    assert date(2025, 3, 15) == TINY_AS_OF

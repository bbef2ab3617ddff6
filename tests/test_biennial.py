"""Biennial items (surveys every second year): period codes, due rule, coverage, reading."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lib.core import thaicalendar as tc
from lib.engine import coverage as cv
from lib.engine.requirements import required_periods
from lib.ingest.periods import FREQUENCY_TH, normalise_period, period_for

# ---------------------------------------------------------------- calendar


def test_biennial_is_the_last_frequency_so_earlier_indices_stay():
    assert tc.FREQUENCIES == ("monthly", "quarterly", "annual", "fiscal_annual", "biennial")


def test_a_biennial_period_is_a_calendar_year_coded_like_annual():
    assert tc.period_bounds("2023", "biennial") == (date(2023, 1, 1), date(2023, 12, 31))
    assert tc.period_of(date(2023, 7, 1), "biennial") == "2023"
    assert tc.thai_period_label("2023", "biennial") == "2566"
    assert tc.thai_period_label("2023", "biennial", "en") == "2023"
    assert tc.due_date("2023", "biennial", 90) == date(2024, 3, 30)
    with pytest.raises(ValueError, match="biennial"):
        tc.parse_period("2023-01", "biennial")


def test_survey_years_are_the_even_buddhist_years():
    # 2564, 2566, 2568 BE = 2021, 2023, 2025 CE
    assert tc.periods_between(date(2020, 1, 1), date(2025, 12, 31), "biennial") == [
        "2021",
        "2023",
        "2025",
    ]
    assert tc.periods_between(date(2020, 1, 1), date(2025, 12, 31), "annual") == [
        str(y) for y in range(2020, 2026)
    ]
    assert [tc.is_expected(str(y), "biennial") for y in (2021, 2022, 2023)] == [True, False, True]
    assert tc.is_expected("2022", "annual")


def test_a_biennial_step_is_two_years():
    assert tc.shift_period("2023", "biennial") == "2025"
    assert tc.shift_period("2023", "biennial", -1) == "2021"


@pytest.mark.parametrize(
    ("as_of", "lag", "expected"),
    [
        (date(2024, 6, 1), 0, "2023"),  # 2566 ended and is due
        (date(2025, 6, 1), 0, "2023"),  # 2567 is due for an annual item, no survey then
        (date(2026, 1, 1), 0, "2025"),  # 2568 ended on 31 Dec 2025
        (date(2026, 1, 1), 30, "2023"),  # 2568 not due until 30 Jan 2026
    ],
)
def test_the_latest_due_survey_year(as_of, lag, expected):
    assert tc.latest_due_period(as_of, "biennial", lag) == expected


def test_an_odd_year_is_never_required():
    # FY 2565-2568 window (Oct 2021 - Sep 2025): annual 2564..2567, biennial 2564 and 2566
    window = (date(2021, 10, 1), date(2025, 9, 30))
    assert required_periods("annual", 0, *window, date(2025, 9, 30)) == (4, date(2024, 12, 31))
    assert required_periods("biennial", 0, *window, date(2025, 9, 30)) == (2, date(2023, 12, 31))


# ---------------------------------------------------------------- coverage

AS_OF = date(2025, 9, 30)
AREAS = pd.DataFrame(
    [
        ("TH", "country", "ประเทศไทย", "Thailand", None, None),
        ("10", "province", "กรุงเทพมหานคร", "Bangkok", "TH", None),
        ("90", "province", "สงขลา", "Songkhla", "TH", None),
    ],
    columns=["code", "level", "name_th", "name_en", "parent_code", "scheme"],
)
# SES: a survey every second year; ANN: an annual item with the same values.
ITEMS = pd.DataFrame(
    [("SES", "biennial"), ("ANN", "annual")], columns=["code", "frequency"]
).assign(
    aspect_code="SOC-X",
    release_lag_days=0,
    valid_min=0.0,
    valid_max=1e9,
    higher_is_better=True,
    counts_for_coverage=True,
    name_th=lambda d: d.code,
    name_en=lambda d: d.code,
    unit_th="บาท",
    unit_en="baht",
    area_level="province",
    owner_agency="PSO",
    responsible_person="ผู้รับผิดชอบ",
    source="test",
    is_published=True,
    decimals=0,
)


def _cell(item: str, area: str, year_be: int) -> dict:
    ce = year_be - tc.BE_OFFSET
    return {
        "item_code": item,
        "area_code": area,
        "period": str(ce),
        "period_end": pd.Timestamp(date(ce, 12, 31)),
        "value": 25000.0,
        "status": "verified",
        "submitted_by": "t",
        "submitted_at": pd.Timestamp(datetime(ce + 1, 3, 1)),
        "verified_by": "v",
        "verified_at": pd.Timestamp(datetime(ce + 1, 3, 2)),
        "note": None,
    }


def _stored(store, cells: list[dict]):
    """The store with the two items (SES biennial, ANN annual) and these cells."""
    store.replace_tables(
        {
            "areas": AREAS,
            "agencies": pd.DataFrame(
                [("PSO", "สสช.", "NSO", None, None)],
                columns=["code", "name_th", "name_en", "ministry_th", "ministry_en"],
            ),
            "data_groups": pd.DataFrame(
                [("SOC", "สังคม", "Society", 1)],
                columns=["code", "name_th", "name_en", "sort_order"],
            ),
            "aspects": pd.DataFrame(
                [("SOC-X", "SOC", "x", "x", 1)],
                columns=["code", "group_code", "name_th", "name_en", "sort_order"],
            ),
            "items": ITEMS,
        }
    )
    store.load_observations(pd.DataFrame(cells), {"username": "test", "kind": "demo"})
    return store


@pytest.fixture
def survey_store(empty_store):
    """Both items hold values for 2564 and 2566 BE in both provinces."""
    cells = [_cell(i, a, y) for i in ("SES", "ANN") for a in ("10", "90") for y in (2564, 2566)]
    return _stored(empty_store, cells)


def _coverage(store, fiscal_years: list[int]) -> pd.DataFrame:
    """Per item x province coverage at AS_OF, the store counting cells against the engine's due
    limits for the catalogue in ITEMS (SES biennial)."""
    start, end = cv.window_bounds(fiscal_years, AS_OF)
    fy_start, fy_end = tc.fiscal_year_bounds(max(fiscal_years))
    items = ITEMS.assign(group_code="SOC")
    facts = cv.coverage_facts(store, AS_OF, start, end, fy_start, fy_end, items)
    return cv.item_area_coverage(facts, items, AREAS, AS_OF, fiscal_years).set_index(
        ["item_code", "area_code"]
    )


def test_a_biennial_item_with_its_survey_years_is_complete_and_timely(survey_store):
    out = _coverage(survey_store, [2567, 2568])  # window Oct 2566 - Sep 2568 BE
    ses = out.loc["SES"]
    assert ses["required_cells"].tolist() == [1, 1]  # 2566 only; 2567 is no survey year
    assert ses["present_cells"].tolist() == [1, 1]
    assert ses["item_areas_timely"].tolist() == [1, 1]  # the odd year 2567 is not overdue
    ann = out.loc["ANN"]
    assert ann["required_cells"].tolist() == [2, 2]  # 2566 and 2567
    assert ann["present_cells"].tolist() == [1, 1]  # 2567 is missing
    assert ann["item_areas_timely"].tolist() == [0, 0]


def test_over_a_longer_window_only_even_years_are_required(survey_store):
    out = _coverage(survey_store, [2565, 2566, 2567, 2568])  # 2564 .. 2567 end in it
    assert out.loc["SES", "required_cells"].tolist() == [2, 2]
    assert out.loc["SES", "present_cells"].tolist() == [2, 2]
    assert out.loc["ANN", "required_cells"].tolist() == [4, 4]
    assert out.loc["ANN", "present_cells"].tolist() == [2, 2]


def test_a_value_of_an_off_year_does_not_stand_in_for_a_missing_survey(empty_store):
    # province 10 sent 2565 (no survey that year) instead of the survey year 2564
    cells = [_cell("SES", "10", 2565), _cell("SES", "10", 2566)]
    store = _stored(empty_store, cells)
    out = _coverage(store, [2565, 2566, 2567, 2568])  # surveys 2564 and 2566 required
    assert out.loc[("SES", "10"), "required_cells"] == 2
    assert out.loc[("SES", "10"), "present_cells"] == 1  # 2566 only: 2565 is no survey


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2566", "2023"), ("ปี 2566", "2023"), ("พ.ศ. 2566", "2023"), ("ปี พ.ศ. 2566", "2023")],
)
def test_a_biennial_item_reads_years_as_annual_ones(text, expected):
    assert normalise_period(text, "biennial") == expected


def test_a_month_is_not_a_biennial_period():
    assert period_for("มี.ค. 2566", "biennial")[1] == "period_not_of_frequency"
    assert "ทุก 2 ปี" in period_for("มี.ค. 2566", "biennial")[2]


def test_every_frequency_has_a_thai_name():
    assert set(FREQUENCY_TH) == set(tc.FREQUENCIES)
    assert FREQUENCY_TH["biennial"] == "ทุก 2 ปี"

"""Periods as agencies write them: DOPA YYMM codes, ปี/พ.ศ. years, crop years, sheet names."""

from __future__ import annotations

import io

import openpyxl
import pytest

from lib.ingest.periods import (
    from_yymm,
    normalise_period,
    parse_period_key,
    period_for,
    period_notation,
    sheet_period_text,
)
from lib.services import auth, config
from lib.services.config import workbook
from lib.services.config.fields import ITEMS
from lib.services.config.validate import validate
from lib.store import Store
from tests.config_fixtures import areas as config_areas
from tests.config_fixtures import frames_of, minimal_rows
from tests.conftest import add_app_users
from tests.fixtures_ingest import codes, long_file, read

# ---------------------------------------------------------------- DOPA YYMM


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6512", "2022-12"), ("6601", "2023-01"), ("๖๖๐๑", "2023-01"), ("2812", "1985-12")],
)
def test_a_yymm_code_is_a_month_for_a_monthly_item(text, expected):
    assert normalise_period(text, "monthly") == expected


@pytest.mark.parametrize("frequency", ["annual", "fiscal_annual", "biennial", "quarterly"])
def test_a_yymm_code_is_not_of_another_frequency(frequency):
    assert period_for("6512", frequency)[1] == "period_not_of_frequency"


@pytest.mark.parametrize(("text", "annual"), [("2565", "2022"), ("2025", "2025"), ("2799", "2256")])
def test_a_plausible_year_stays_a_year(text, annual):
    assert normalise_period(text, "annual") == annual
    assert period_for(text, "monthly")[1] == "period_not_of_frequency"


def test_a_yymm_code_without_a_month_is_a_bad_period_saying_why():
    _, code, th, en = period_for("6513", "monthly")
    assert code == "bad_period"
    assert "YYMM" in th and "เดือนที่ 13" in th and "month 13" in en


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6512", "2565-12"),
        ("๖๖๐๑", "2566-01"),
        ("2512", "2525-12"),  # a year when read alone; the layout's yymm rule says otherwise
        ("0112", "2501-12"),
        ("112", "2501-12"),  # a number cell that lost its leading zero
        ("6512.0", "2565-12"),
        ("6513", None),
        ("65-12", None),
        ("ม.ค. 2567", None),
        ("", None),
    ],
)
def test_from_yymm(text, expected):
    assert from_yymm(text) == expected
    if expected:
        assert period_notation(expected)[0] == "month"


def test_from_yymm_forces_the_reading_of_an_ambiguous_code():
    assert normalise_period("2512", "annual") == "1969"
    assert normalise_period(from_yymm("2512"), "monthly") == "1982-12"


# ---------------------------------------------------------------- ปี / พ.ศ.


@pytest.mark.parametrize("text", ["2565", "ปี 2565", "พ.ศ. 2565", "ปี พ.ศ. 2565", "ปี พ.ศ.2565"])
@pytest.mark.parametrize(
    ("frequency", "expected"),
    [("annual", "2022"), ("fiscal_annual", "FY2565"), ("biennial", "2022")],
)
def test_a_written_year_reads_for_yearly_items(text, frequency, expected):
    assert normalise_period(text, frequency) == expected


@pytest.mark.parametrize("text", ["ปี 2565", "พ.ศ. 2565"])
def test_a_written_year_is_not_a_month(text):
    assert period_for(text, "monthly")[1] == "period_not_of_frequency"


# ---------------------------------------------------------------- crop years

CROP_TEXTS = ["2565/66", "2565/2566", "ปีการผลิต 2565/66", "ปีการผลิต 2565/2566", "2022/23"]


@pytest.mark.parametrize("text", CROP_TEXTS)
@pytest.mark.parametrize(
    ("frequency", "rule", "expected"),
    [
        ("annual", "start", "2022"),
        ("annual", "end", "2023"),
        ("fiscal_annual", "start", "FY2565"),
        ("fiscal_annual", "end", "FY2566"),
        ("biennial", "start", "2022"),
        ("biennial", "end", "2023"),
    ],
)
def test_a_crop_year_is_the_year_the_item_rule_says(text, frequency, rule, expected):
    assert normalise_period(text, frequency, rule) == expected
    assert parse_period_key(text, frequency, rule)[0] == expected


def test_the_default_crop_year_rule_is_the_start():
    assert normalise_period("2565/66", "annual") == "2022"


@pytest.mark.parametrize("text", CROP_TEXTS)
@pytest.mark.parametrize("frequency", ["monthly", "quarterly"])
def test_a_crop_year_is_not_a_month_or_quarter(text, frequency):
    assert period_for(text, frequency, "end")[1] == "period_not_of_frequency"


@pytest.mark.parametrize("text", ["2565/67", "2565/2567", "ปีการผลิต 2565/64"])
def test_years_that_do_not_follow_each_other_are_a_bad_period_in_thai(text):
    _, code, th, en = period_for(text, "annual")
    assert code == "bad_period"
    assert "ปีการผลิต" in th and "ติดกัน" in th
    assert "two years in a row" in en


def test_a_month_after_the_slash_stays_a_month():
    assert normalise_period("2568/3", "monthly") == "2025-03"
    assert normalise_period("2568/12", "monthly") == "2025-12"
    assert normalise_period("ปีการผลิต 2510/11", "annual", "end") == "1968"  # named: a crop year


def test_an_upload_reads_yymm_codes_and_crop_years_and_names_the_bad_ones():
    result = read(
        long_file(
            [
                ["POP03", "1001", "6512", "12"],
                ["MAC01", "10", "ปีการผลิต 2565/66", "5"],
                ["MAC01", "11", "6512", "5"],
                ["MAC01", "12", "2565/67", "5"],
            ]
        )
    )
    assert result.clean["period"].tolist() == ["2022-12", "2022"]
    assert codes(result) == [(4, "งวด", "period_not_of_frequency"), (5, "งวด", "bad_period")]
    [bad] = [p for p in result.problems if p.code == "bad_period"]
    assert "ติดกัน" in bad.message_th


# ---------------------------------------------------------------- sheet names and titles


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("58", "2558"),
        ("ปี 58", "2558"),
        ("2558", "2558"),
        ("ม.ค. 2567", "ม.ค. 2567"),
        ("ปี 2565", "ปี 2565"),
        ("ไตรมาส 1/2567", "ไตรมาส 1/2567"),
        ("6512", "6512"),
        ("ข้อมูลประชากร ณ เดือนธันวาคม 2565", "ธันวาคม 2565"),
        ("ผลผลิตข้าวนาปี ปีการผลิต 2565/66 (ตัน)", "ปีการผลิต 2565/66"),
        ("รายได้เฉลี่ยต่อครัวเรือน พ.ศ. 2566", "พ.ศ. 2566"),
        ("ดัชนีราคาผู้บริโภค (ปีฐาน 2562 = 100) มี.ค. 2568", "มี.ค. 2568"),
        ("ปีงบประมาณ 2567 หน่วย: 1000 บาท", "ปีงบประมาณ 2567"),
        ("Sheet1", None),
        ("12", None),  # a month number, not a year
        ("สรุป", None),
        ("", None),
        ("ดัชนี ปีฐาน 2562 = 100", None),  # a base year is no period
        ("ข้อมูลปี 2564 และ 2566", None),  # two periods: not one to take
    ],
)
def test_sheet_period_text(name, expected):
    assert sheet_period_text(name) == expected
    if expected is not None:
        assert period_notation(expected)[0] != "bad"


def test_a_sheet_period_reads_as_the_items_period():
    assert normalise_period(sheet_period_text("58"), "annual") == "2015"
    assert normalise_period(sheet_period_text("ม.ค. 2567"), "monthly") == "2024-01"


def test_period_reading_stays_cached():
    period_notation.cache_clear()
    for _ in range(3):
        period_notation("6512")
    assert period_notation.cache_info().hits == 2


# ---------------------------------------------------------------- the catalogue's rule per item


def _crop_rows(crop_year, base_year) -> dict[str, list[dict]]:
    rows = minimal_rows()
    rows["items"][0].update(crop_year=crop_year, base_year=base_year)
    return rows


def test_the_config_workbook_keeps_an_items_crop_year_rule_and_base_year():
    frames = frames_of(_crop_rows("end", 2562))
    frames["items"].loc[1, "frequency"] = "biennial"
    read_back, problems = workbook.read_workbook(workbook.write_workbook(frames))
    assert problems == []
    item = read_back["items"].set_index("code")
    assert (item.loc["MAC01", "crop_year"], item.loc["MAC01", "base_year"]) == ("end", 2562)
    assert item.loc["MAC03", "frequency"] == "biennial"
    assert item.loc["MAC03", "crop_year"] is None and item.loc["MAC03", "base_year"] is None
    assert validate(read_back, config_areas()) == []
    headers = [
        c.value
        for c in openpyxl.load_workbook(io.BytesIO(workbook.write_workbook(frames)))[
            workbook.tab_name(ITEMS)
        ][1]
    ]
    assert "ปีการผลิต (นับเป็นปีที่เริ่ม/สิ้นสุด) (crop_year)" in headers
    assert "ปีฐาน (ดัชนี) (base_year)" in headers


@pytest.mark.parametrize(
    ("crop_year", "base_year", "column", "th"),
    [("middle", None, "crop_year", "start, end"), (None, 2019, "base_year", "ปีฐาน")],
)
def test_a_bad_crop_year_rule_or_base_year_is_located(crop_year, base_year, column, th):
    frames = frames_of(_crop_rows(crop_year, base_year))
    read_back, problems = workbook.read_workbook(workbook.write_workbook(frames))
    problems += validate(read_back, config_areas())
    [problem] = problems
    assert (problem.sheet, problem.row, problem.column) == ("items", 2, column)
    assert th in problem.reason_th


def test_the_store_keeps_the_rule_through_export_and_import(small_store_copy):
    with Store(small_store_copy) as store:
        add_app_users(store)
        frames = config.export_frames(store)
        items = frames["items"]
        items.loc[items["code"] == "AGR02", ["crop_year", "base_year"]] = ["end", None]
        items.loc[items["code"] == "TRD03", ["crop_year", "base_year"]] = [None, 2562]
        plan = config.plan_import(store, config.write_workbook(frames), 2570)
        assert plan.ok, [p.text() for p in plan.problems]
        config.apply_import(store, plan, auth.load_user(store, "admin1"), origin="test")
        catalogue = store.catalog().set_index("code")
        again = config.export_frames(store)["items"].set_index("code")
    assert catalogue.loc["AGR02", "crop_year"] == "end"
    assert catalogue.loc["TRD03", "base_year"] == 2562
    assert again.loc["AGR02", "crop_year"] == "end" and again.loc["TRD03", "base_year"] == 2562
    assert again.loc["MAC01", "crop_year"] is None

"""Total and subtotal rows are set aside with a note and checked against their members;
blank template rows are counted, not reported (lib.ingest.totals, lib.ingest.validate)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pytest

from lib.geo.reference import grouping_members
from lib.ingest.areas import AreaLookup
from lib.ingest.forms import Cells
from lib.ingest.items import ItemLookup
from lib.ingest.text import total_kind
from lib.ingest.totals import classify
from lib.ingest.validate import validate
from tests.fixtures_ingest import AS_OF, LONG_HEADER, areas, codes, csv_bytes, items, read


def province_rows(codes_: list[str], value=lambda c: int(c)) -> list[list[object]]:
    """POP01 rows for 2567 of the given provinces (by code), value = the code as a number."""
    return [["POP01", c, "2567", str(value(c)), ""] for c in codes_]


def every_province() -> list[str]:
    a = areas()
    return sorted(a.loc[a["level"] == "province", "code"])


def north_r7() -> list[str]:
    m = grouping_members()
    return sorted(m.loc[m["group_code"] == "R7-N", "province_code"])


@lru_cache(maxsize=1)
def lookup_with_members() -> AreaLookup:
    return AreaLookup(areas(), grouping_members())


def validated(rows: list[list[object]]):
    """validate() of long-form rows (item, area, period, value, note) with the grouping
    members known (read_upload builds its AreaLookup from the areas frame alone)."""
    n = len(rows)
    frame = pd.DataFrame(
        {
            "row": range(2, n + 2),
            "item": [r[0] for r in rows],
            "area": [r[1] for r in rows],
            "area_q": [""] * n,
            "period": [r[2] for r in rows],
            "value": [r[3] for r in rows],
            "note": [r[4] for r in rows],
        }
    ).astype({c: "str" for c in ("item", "area", "area_q", "period", "value", "note")})
    rows_ = frame["row"].to_numpy()
    locs = {
        role: (rows_, label)
        for role, label in zip(("item", "area", "period", "value"), LONG_HEADER[:4], strict=True)
    }
    out = validate(Cells(frame, locs), ItemLookup(items()), lookup_with_members(), AS_OF, "long")
    found = (
        pd.concat(out.found, ignore_index=True)
        if out.found
        else pd.DataFrame(columns=["row", "column", "value", "code", "th", "en"])
    )
    return out, found


def problem_codes(found: pd.DataFrame) -> list[tuple[int, str]]:
    return sorted(zip(found["row"].tolist(), found["code"].tolist(), strict=True))


# ------------------------------------------------------------------ what is a total


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ทั่วราชอาณาจักร", "country"),
        ("รวมทั้งประเทศ", "country"),
        ("ทั้งประเทศ", "country"),
        ("Whole Kingdom", "country"),
        ("ประเทศไทย", "country"),
        ("รวมทั้งสิ้น", "grand"),
        ("ยอดรวม", "sum"),
        ("รวม", "sum"),
        ("Total", "sum"),
        ("รวมอำเภอ", "sum"),
        ("ภาคเหนือ", "group"),
        ("Northern Region", "group"),
        ("กรุงเทพมหานครและปริมณฑล", "group"),
        ("ภาคกลางตอนบน 1", "group"),
        ("ระยอง", ""),
        ("บ้านฉาง", ""),
        ("เขตสุขภาพที่ 6", ""),  # the areas frame names no health regions
    ],
)
def test_total_labels_are_recognised_from_their_words_and_the_areas_frame(text, kind):
    assert classify(text, lookup_with_members()).kind == kind


def test_a_province_or_district_name_is_never_a_total():
    assert total_kind("ระยอง") == ""
    assert classify("พระนครศรีอยุธยา", lookup_with_members()).kind == ""


# ------------------------------------------------------------------ country total


def test_a_country_total_that_matches_its_77_provinces_is_set_aside_silently():
    provinces = every_province()
    total = sum(int(c) for c in provinces)
    rows = [["POP01", "ทั่วราชอาณาจักร", "2567", f"{total:,}", ""], *province_rows(provinces)]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok
    assert codes(result) == [(2, "พื้นที่", "total_set_aside")]
    assert "(ผลรวมทั้งประเทศ)" in result.problems[0].message_th
    assert "country total" in result.problems[0].message_en
    assert len(result.clean) == 77 and "TH" not in set(result.clean["area_code"])
    assert result.set_aside == 1


def test_a_country_total_that_differs_from_its_provinces_is_a_warning_naming_the_sums():
    provinces = every_province()
    total = sum(int(c) for c in provinces)
    rows = [*province_rows(provinces), ["POP01", "รวมทั้งประเทศ", "2567", str(total + 5), ""]]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok  # a warning: the provinces still load
    [mismatch] = [p for p in result.problems if p.code == "total_mismatch"]
    assert (mismatch.row, mismatch.column, mismatch.value) == (79, "ค่า", "รวมทั้งประเทศ")
    assert f"{total + 5:,}" in mismatch.message_th and f"{total:,}" in mismatch.message_th
    assert "ต่างกัน 5" in mismatch.message_th
    assert "77 members add up to" in mismatch.message_en
    assert len(result.clean) == 77


def test_a_country_total_is_not_checked_when_a_province_is_missing():
    provinces = every_province()[1:]
    rows = [["POP01", "ทั่วราชอาณาจักร", "2567", "1", ""], *province_rows(provinces)]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert [p.code for p in result.problems] == ["total_set_aside"]


# ------------------------------------------------------------------ regions


def test_a_region_total_matches_its_member_provinces():
    north = north_r7()
    rows = [["POP01", "ภาคเหนือ", "2567", str(sum(map(int, north))), ""], *province_rows(north)]
    out, found = validated(rows)
    assert problem_codes(found) == [(2, "total_set_aside")]
    assert "ภาคเหนือ" in found["th"].iloc[0]
    assert len(out.clean) == len(north) and out.counts["set_aside"] == 1


def test_a_region_total_that_differs_from_its_members_is_a_warning():
    north = north_r7()
    rows = [*province_rows(north), ["POP01", "Northern Region", "2567", "100", ""]]
    out, found = validated(rows)
    assert problem_codes(found) == [
        (len(north) + 2, "total_mismatch"),
        (len(north) + 2, "total_set_aside"),
    ]
    assert len(out.clean) == len(north)


def test_a_region_total_is_not_checked_without_all_its_members():
    m = grouping_members()
    upper_north = set(m.loc[m["group_code"] == "R6-N", "province_code"])  # within R7-N
    north = [c for c in north_r7() if c != min(upper_north)]  # neither region complete
    rows = [["POP01", "ภาคเหนือ", "2567", "1", ""], *province_rows(north)]
    _, found = validated(rows)
    assert problem_codes(found) == [(2, "total_set_aside")]


# ------------------------------------------------------------------ รวม subtotals


def test_a_subtotal_is_checked_against_the_rows_since_the_previous_total():
    rows = [
        ["POP01", "ระยอง", "2567", "10", ""],
        ["POP01", "ชลบุรี", "2567", "20", ""],
        ["POP01", "รวม", "2567", "30", ""],
        ["POP01", "จันทบุรี", "2567", "5", ""],
        ["POP01", "ตราด", "2567", "6", ""],
        ["POP01", "ยอดรวม", "2567", "12", ""],  # 5 + 6 = 11
        ["POP01", "รวมทั้งสิ้น", "2567", "41", ""],  # 10 + 20 + 5 + 6
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok
    assert sorted((p.row, p.code) for p in result.problems) == [
        (4, "total_set_aside"),
        (7, "total_mismatch"),
        (7, "total_set_aside"),
        (8, "total_set_aside"),
    ]
    [mismatch] = [p for p in result.problems if p.code == "total_mismatch"]
    assert "ระบุไว้ 12 แต่ 2 แห่งรวมกันได้ 11 (ต่างกัน 1)" in mismatch.message_th
    assert result.clean["area_code"].tolist() == ["21", "20", "22", "23"]
    assert result.set_aside == 3


def test_subtotals_are_checked_per_period_in_a_file_of_several_periods():
    rows = [
        ["POP01", "ระยอง", "2566", "1", ""],
        ["POP01", "ระยอง", "2567", "2", ""],
        ["POP01", "ชลบุรี", "2566", "3", ""],
        ["POP01", "ชลบุรี", "2567", "4", ""],
        ["POP01", "รวม", "2566", "5", ""],  # 1 + 3 = 4
        ["POP01", "รวม", "2567", "6", ""],  # 2 + 4
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert [p.row for p in result.problems if p.code == "total_mismatch"] == [6]


def test_averages_and_percentages_are_not_summed():
    rows = [
        ["FIN01", "ระยอง", "2568-03", "50", ""],
        ["FIN01", "ชลบุรี", "2568-03", "40", ""],
        ["FIN01", "รวม", "2568-03", "45", ""],
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert [p.code for p in result.problems] == ["total_set_aside"]


def test_a_subtotal_over_an_unreadable_row_is_not_checked():
    rows = [
        ["POP01", "ระยอง", "2567", "abc", ""],
        ["POP01", "ชลบุรี", "2567", "20", ""],
        ["POP01", "รวม", "2567", "30", ""],
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert sorted(p.code for p in result.problems) == ["not_a_number", "total_set_aside"]


# ------------------------------------------------------------------ blank template rows


def test_blank_template_rows_are_counted_not_reported():
    blank = [["POP01", c, "2567", "", ""] for c in every_province()[2:]]
    rows = [
        ["POP01", "10", "2567", "100", ""],
        ["POP01", "11", "2567", "", "รอข้อมูลจากอำเภอ"],  # a note but no value: reported
        *blank,
    ]
    result = read(csv_bytes([LONG_HEADER, *rows]))
    assert result.ok
    assert codes(result) == [(3, "ค่า", "empty_value")]
    assert result.blank_rows == len(blank) == 75
    assert result.clean["area_code"].tolist() == ["10"]


def test_a_blank_row_with_no_period_is_still_reported():
    result = read(csv_bytes([LONG_HEADER, ["POP01", "ระยอง", "", "", ""]]))
    assert "missing_period" in {p.code for p in result.problems}
    assert result.blank_rows == 0

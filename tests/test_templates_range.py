"""Templates for any range: chosen items, back-filled periods, rows in agencies' order, CLI."""

from __future__ import annotations

import argparse
import io
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lib.cli import templates as cli_templates
from lib.cli.common import CliError
from lib.core import thaicalendar as tc
from lib.core.i18n import InputError
from lib.ingest.templates import (
    name_key,
    range_periods,
    template_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)
from tests.fixtures_ingest import AS_OF, areas, items, read

# Three years of months (Oct 2566 .. Sep 2569 BE) for two monthly items.
FROM, TO = "ต.ค. 2566", "ก.ย. 2569"
MONTHS = tc.periods_between(date(2023, 10, 1), date(2026, 9, 30), "monthly")
PAIR = ["FIN02", "FIN01"]


def make(form, **kw):
    kw.setdefault("as_of", AS_OF)
    return template_frame(items(), areas(), form=form, **kw)


def fill(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(the frame with a whole number in every value cell, number of cells filled)."""
    frame = frame.copy()
    value_columns = {
        "long": [frame.columns[4]],
        "wide_periods": [c for c in frame.columns if c not in ("รหัสรายการ", "รหัสพื้นที่", "ชื่อพื้นที่")],
        "wide_items": list(frame.attrs["item_codes"]),
    }[frame.attrs["form"]]
    for j, column in enumerate(value_columns):
        frame[column] = ((np.arange(len(frame)) + j) % 29 + 1).astype(float)
    return frame, len(frame) * len(value_columns)


# ---------------------------------------------------------------- ranges


def test_a_range_back_fills_every_month_of_three_years():
    assert len(MONTHS) == 36
    assert range_periods("monthly", FROM, TO, AS_OF) == MONTHS
    frame = make("long", items=PAIR, period_from=FROM, period_to=TO)
    assert len(frame) == 2 * 77 * 36
    assert set(frame["รหัสรายการ"]) == set(PAIR)
    assert frame["งวด"].iloc[0] == "ต.ค. 2566" and frame["งวด"].iloc[35] == "ก.ย. 2569"


def test_each_item_reads_the_range_by_its_own_frequency():
    assert range_periods("annual", "2560", "2565", AS_OF) == [str(y) for y in range(2017, 2023)]
    assert range_periods("quarterly", "2565", "2565", AS_OF) == [f"2022-Q{q}" for q in range(1, 5)]
    assert range_periods("fiscal_annual", "2566", "2568", AS_OF) == ["FY2566", "FY2567", "FY2568"]
    assert range_periods("biennial", "2560", "2567", AS_OF) == ["2017", "2019", "2021", "2023"]
    # a month range for an annual item: the years ending in it
    assert range_periods("annual", "ม.ค. 2565", "ธ.ค. 2566", AS_OF) == ["2022", "2023"]


def test_without_an_end_the_range_runs_to_the_last_ended_period():
    assert range_periods("monthly", "ก.ค. 2569", None, AS_OF) == [
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
    ]


def test_without_a_range_the_due_periods_of_the_fiscal_year_stay():
    frame = make("wide_periods", item_code="FIN01", lang="en")
    assert list(frame.columns) == ["area_code", "area_name", "2026-10"]


@pytest.mark.parametrize(
    ("kw", "th"),
    [
        ({"period_from": "2545", "period_to": "2566"}, "เกิน 20 ปี"),
        ({"period_from": "2566", "period_to": "2569"}, "ยังไม่สิ้นสุด"),  # 2569 ends Dec 2026
        ({"period_from": "ธ.ค. 2569", "period_to": "ธ.ค. 2569"}, "ยังไม่สิ้นสุด"),
        ({"period_from": "2567", "period_to": "2566"}, "อยู่หลัง"),
        ({"period_from": "เมื่อวาน", "period_to": "2566"}, "อ่านงวด"),
        ({"period": "2566", "period_from": "2565"}, "อย่างใดอย่างหนึ่ง"),
    ],
)
def test_a_range_that_cannot_be_is_refused_in_thai(kw, th):
    with pytest.raises(InputError) as caught:
        make("long", item_code="MAC01", **kw)
    assert th in caught.value.message("th")
    assert caught.value.message("en")


def test_twenty_years_is_the_longest_range():
    assert len(range_periods("annual", "2548", "2567", AS_OF)) == 20


def test_an_unknown_item_is_named_in_thai():
    with pytest.raises(InputError) as caught:
        make("long", items=["FIN01", "NOPE"])
    assert caught.value.message("th") == "ไม่พบรายการข้อมูล NOPE"


def test_items_of_different_frequencies_do_not_share_an_areas_x_periods_sheet():
    with pytest.raises(InputError, match="one frequency"):
        make("wide_periods", items=["FIN01", "FIN03"], period_from="2566", period_to="2567")


# ---------------------------------------------------------------- order


def test_rows_follow_thai_names_with_the_code_alongside():
    frame = make("wide_periods", item_code="MAC01", period="2567")
    names = frame["ชื่อพื้นที่"].tolist()
    assert names == sorted(names, key=name_key)
    assert names[0] == "กระบี่" and names.index("ชุมพร") < names.index("เชียงใหม่")
    assert names.index("เชียงใหม่") < names.index("ตาก")  # เชียงใหม่ is under ช, not เ
    reference = areas().set_index("code")["name_th"]
    assert (frame["รหัสพื้นที่"].map(reference) == frame["ชื่อพื้นที่"]).all()
    by_code = make("wide_periods", item_code="MAC01", period="2567", order="code")
    assert by_code["รหัสพื้นที่"].tolist() == sorted(by_code["รหัสพื้นที่"])


def test_districts_stay_under_their_province_in_name_order():
    frame = make("long", item_code="COM01", period="2567")
    district = areas().set_index("code")
    provinces = frame["รหัสพื้นที่"].map(district["parent_code"])
    # each province's districts come together, provinces in Thai name order
    blocks = list(dict.fromkeys(provinces))
    assert len(blocks) == 77
    assert [district.loc[p, "name_th"] for p in blocks][:2] == ["กระบี่", "กรุงเทพมหานคร"]
    first = frame.loc[provinces == blocks[0], "ชื่อพื้นที่"].tolist()
    assert first == sorted(first, key=name_key)


def test_thai_dictionary_order_reads_past_a_leading_vowel():
    names = ["แพร่", "ตาก", "เชียงใหม่", "น่าน", "กระบี่", "พะเยา", "เพชรบุรี"]
    expected = ["กระบี่", "เชียงใหม่", "ตาก", "น่าน", "พะเยา", "เพชรบุรี", "แพร่"]
    assert sorted(names, key=name_key) == expected


# ---------------------------------------------------------------- the three forms read back


@pytest.mark.parametrize("form", ["long", "wide_periods", "wide_items"])
@pytest.mark.parametrize(("writer", "name"), [(to_xlsx_bytes, "t.xlsx"), (to_csv_bytes, "t.csv")])
def test_a_three_year_template_of_two_items_reads_back_without_help(form, writer, name):
    frame = make(form, items=PAIR, period_from=FROM, period_to=TO)
    filled, cells = fill(frame)
    result = read(writer(filled), name)
    assert result.ok, [p.message_th for p in result.problems[:3]]
    assert len(result.clean) == cells == 2 * 77 * 36
    got = result.clean.groupby("item_code")["period"].agg(lambda s: sorted(set(s)))
    assert got.to_dict() == {"FIN01": MONTHS, "FIN02": MONTHS}
    assert result.clean["area_code"].nunique() == 77


def test_the_wide_forms_of_a_range_carry_the_item_or_period_per_row():
    wide = make("wide_periods", items=PAIR, period_from=FROM, period_to=TO)
    assert list(wide.columns[:3]) == ["รหัสรายการ", "รหัสพื้นที่", "ชื่อพื้นที่"]
    assert len(wide.columns) == 3 + 36 and len(wide) == 2 * 77
    assert wide.attrs["label_rows"] == []
    across = make("wide_items", items=PAIR, period_from=FROM, period_to=TO, lang="en")
    assert list(across.columns) == ["period", "area_code", "area_name", "FIN01", "FIN02"]
    assert across["period"].iloc[0] == "2023-10" and len(across) == 36 * 77


# ---------------------------------------------------------------- command line


def _parse(argv):
    parser = argparse.ArgumentParser()
    cli_templates.add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _run(argv) -> tuple[int, str]:
    args = _parse(argv)
    try:
        return args.func(args), ""
    except CliError as exc:
        return exc.code, str(exc)


def test_the_command_writes_a_template_that_reads_back(small_store_copy, tmp_path, capsys):
    out = tmp_path / "fin.xlsx"
    argv = ["template", "--form", "long", "--item", "FIN01", "--item", "FIN02"]
    argv += ["--from", "2566-10", "--to", "2569-09", "--province", "21", "--as-of", "2026-11-22"]
    code, _ = _run([*argv, "--out", str(out), "--db", str(small_store_copy)])
    assert code == 0
    assert "72 แถว" in capsys.readouterr().out  # 2 items x Rayong x 36 months
    book = openpyxl.load_workbook(out)
    sheet = book.active
    header = next(r for r in sheet.iter_rows() if r[0].value == "รหัสรายการ")[0].row
    for row in range(header + 1, header + 73):
        sheet.cell(row=row, column=5, value=row)
    buf = io.BytesIO()
    book.save(buf)
    result = read(buf.getvalue(), "fin.xlsx")
    assert result.ok and len(result.clean) == 72
    assert sorted(set(result.clean["period"])) == MONTHS


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--item", "NOPE"], "ไม่พบรายการข้อมูล NOPE"),
        (["--item", "MAC01", "--from", "2540", "--to", "2566"], "เกิน 20 ปี"),
        (["--item", "MAC01", "--from", "2566", "--to", "2570"], "ยังไม่สิ้นสุด"),
        (["--item", "MAC01", "--from", "xyz"], "อ่านงวด"),
        ([], "เลือกรายการข้อมูลหรือหน่วยงาน"),
    ],
)
def test_the_command_refuses_with_exit_2_and_a_thai_reason(
    small_store_copy, tmp_path, extra, reason
):
    out = tmp_path / "t.csv"
    argv = ["template", "--form", "long", *extra, "--as-of", "2026-11-22"]
    code, message = _run([*argv, "--out", str(out), "--db", str(small_store_copy)])
    assert (code, reason in message) == (2, True)
    assert not out.exists()


def test_the_command_writes_only_xlsx_or_csv(small_store_copy, tmp_path):
    argv = ["template", "--form", "long", "--item", "FIN01", "--out", str(tmp_path / "t.pdf")]
    code, message = _run([*argv, "--db", str(small_store_copy)])
    assert code == 2 and ".xlsx" in message

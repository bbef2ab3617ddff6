"""Tests for lib/templates.py: due periods, the three forms, CSV/XLSX writing, round trips."""

from __future__ import annotations

import codecs
import doctest
import io
from datetime import date

import numpy as np
import openpyxl
import pytest

from lib.ingest import HEADER_WORDS, TEMPLATE_SHEET, templates
from lib.ingest.templates import (
    due_periods,
    neutralise,
    template_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)
from tests.fixtures_ingest import AS_OF, areas, items, read


def test_doctests_pass():
    result = doctest.testmod(templates, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1
    assert result.failed == 0


def make(form, **kw):
    kw.setdefault("as_of", AS_OF)
    return template_frame(items(), areas(), form=form, **kw)


def fill(frame):
    """Fill every value cell with a distinct valid number (whole: within every item's decimals)."""
    frame = frame.copy()
    if frame.attrs["form"] == "long":
        frame.iloc[:, 4] = (np.arange(len(frame)) % 29 + 1).astype(float)
        return frame
    for j, column in enumerate(frame.columns[2:]):
        frame[column] = (np.arange(len(frame)) + j) % 29 + 2
    return frame


# ---------------------------------------------------------------- due periods


@pytest.mark.parametrize(
    ("item", "as_of", "due_only", "expected"),
    [
        ({"frequency": "monthly", "release_lag_days": 10}, AS_OF, True, ["2026-10"]),
        ({"frequency": "monthly", "release_lag_days": 10}, date(2026, 10, 5), True, ["2026-08"]),
        (
            {"frequency": "monthly", "release_lag_days": 10},
            date(2025, 3, 15),
            True,
            ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"],
        ),
        ({"frequency": "quarterly", "release_lag_days": 60}, AS_OF, True, ["2026-Q2"]),
        ({"frequency": "annual", "release_lag_days": 60}, AS_OF, True, ["2025"]),
        ({"frequency": "fiscal_annual", "release_lag_days": 60}, AS_OF, True, ["FY2568"]),
        (
            {"frequency": "fiscal_annual", "release_lag_days": 30},
            date(2026, 12, 1),
            True,
            ["FY2569"],
        ),
        (
            {"frequency": "quarterly", "release_lag_days": 60},
            AS_OF,
            False,
            ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3"],
        ),
    ],
)
def test_due_periods(item, as_of, due_only, expected):
    assert due_periods(item, as_of, due_only) == expected


def test_due_only_false_covers_the_whole_fiscal_year():
    frame = make("wide_periods", item_code="FIN01", due_only=False, lang="en")
    assert list(frame.columns[2:]) == [f"2026-{m}" for m in ("10", "11", "12")] + [
        f"2027-{m:02d}" for m in range(1, 10)
    ]


# ---------------------------------------------------------------- frames


def test_long_template_for_an_agency_has_every_item_area_and_due_period():
    frame = make("long", agency="PTO")
    assert list(frame.columns) == ["รหัสรายการ", "รหัสพื้นที่", "ชื่อพื้นที่", "งวด", "ค่า", "หมายเหตุ"]
    owned = set(items().loc[items()["owner_agency"] == "PTO", "code"])
    assert set(frame["รหัสรายการ"]) == owned
    fin01 = frame[frame["รหัสรายการ"] == "FIN01"]
    assert len(fin01) == 77 and set(fin01["งวด"]) == {"ต.ค. 2569"}
    assert frame["ค่า"].isna().all()
    assert all(h in {w for words in HEADER_WORDS.values() for w in words} for h in frame.columns)


def test_district_item_template_for_one_province():
    frame = make("long", item_code="HLT01", province="21", order="code")
    assert frame["รหัสพื้นที่"].tolist() == [f"210{i}" for i in range(1, 9)]
    assert frame["ชื่อพื้นที่"].iloc[0] == "เมืองระยอง"


def test_period_argument_fixes_the_period():
    frame = make("long", item_code="LAB01", period="Q1 2568")
    assert set(frame["งวด"]) == {"ไตรมาส 1/2568"}
    frame = make("wide_periods", item_code="LAB01", period="2568-Q1", lang="en")
    assert list(frame.columns) == ["area_code", "area_name", "2025-Q1"]


def test_wide_items_keeps_one_frequency_and_lists_the_rest():
    frame = make("wide_items", agency="PTO")
    assert list(frame.columns) == ["รหัสพื้นที่", "ชื่อพื้นที่", "FIN01", "FIN02"]
    assert frame.attrs["excluded_items"] == ["FIN03", "FIN04", "WEL03"]
    assert frame.attrs["label_rows"] == [["งวด: ต.ค. 2569"]]
    quarterly = make("wide_items", agency="PTO", period="ไตรมาส 2/2569")
    assert list(quarterly.columns[2:]) == ["FIN03", "FIN04"]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"form": "tall", "item_code": "FIN01"}, "unknown form"),
        ({"form": "long"}, "item_code or agency"),
        ({"form": "long", "item_code": "NOPE"}, "unknown item"),
        ({"form": "long", "agency": "NOPE"}, "owns no item"),
        # several items share an areas x periods sheet only when of one frequency
        ({"form": "wide_periods", "agency": "PTO"}, "one frequency"),
        ({"form": "long", "item_code": "FIN01", "period": "2568"}, "frequency"),
        ({"form": "wide_items", "agency": "PTO", "period": "FY2568"}, "fits none"),
        ({"form": "long", "item_code": "FIN01", "lang": "fr"}, "language"),
    ],
)
def test_bad_requests_raise(kw, match):
    form = kw.pop("form")
    with pytest.raises(ValueError, match=match):
        make(form, **kw)


# ---------------------------------------------------------------- writing


def test_csv_is_utf8_with_bom_and_crlf():
    data = to_csv_bytes(make("wide_periods", item_code="FIN01"))
    assert data.startswith(codecs.BOM_UTF8)
    text = data[3:].decode("utf-8")
    assert text.splitlines()[0] == "รหัสรายการ: FIN01"
    assert text.splitlines()[1].startswith("รหัสพื้นที่,ชื่อพื้นที่,ต.ค. 2569")
    assert "\r\n" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+66 81", "'+66 81"),
        ("-cmd", "'-cmd"),
        ("@user", "'@user"),
        ("\tx", "'\tx"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        (-12.5, -12.5),
        ("ปกติ", "ปกติ"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_exports_neutralise_text_but_not_numbers():
    frame = make("long", item_code="FIN01", province="21")
    frame.loc[0, "หมายเหตุ"] = "=HYPERLINK(1)"
    frame.loc[0, "ค่า"] = -0.0
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(c.value == "'=HYPERLINK(1)" and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)


def test_xlsx_has_title_label_header_rows_and_a_source_note():
    frame = make("wide_periods", item_code="FIN01", province="21")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, title="แบบฟอร์ม FIN01")))
    sheet = book[TEMPLATE_SHEET]
    rows = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["แบบฟอร์ม FIN01"]
    assert rows[1] == ["รหัสรายการ: FIN01"]
    assert rows[2] == ["รหัสพื้นที่", "ชื่อพื้นที่", "ต.ค. 2569"]
    assert rows[3] == ["21", "ระยอง"]
    assert rows[-1][0].startswith("ที่มา:")
    assert sheet["A4"].number_format == "@"


# ---------------------------------------------------------------- round trips

ROUND_TRIPS = [
    ("long", {"agency": "PTO"}),
    ("long", {"item_code": "HLT01", "province": "21", "due_only": False}),
    ("long", {"item_code": "COM02"}),
    ("wide_periods", {"item_code": "FIN01", "due_only": False}),
    ("wide_periods", {"item_code": "LAB01", "period": "ไตรมาส 1/2568"}),
    ("wide_periods", {"item_code": "AGR01"}),
    ("wide_items", {"agency": "PTO"}),
    ("wide_items", {"agency": "PNRE", "period": "2568"}),
]


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("form", "kw"), ROUND_TRIPS)
def test_round_trip(form, kw, fmt, lang):
    frame = fill(make(form, lang=lang, **kw))
    data = to_csv_bytes(frame) if fmt == "csv" else to_xlsx_bytes(frame)
    # read a year later, when every period of the template has ended
    result = read(data, f"template.{fmt}", as_of=date(2027, 11, 1))
    assert result.problems == []
    assert result.form == form
    clean = result.clean
    if form == "long":  # row by row: the same item, area and value
        assert clean["item_code"].tolist() == frame.iloc[:, 0].tolist()
        assert clean["area_code"].tolist() == frame.iloc[:, 1].tolist()
        assert clean["value"].tolist() == frame.iloc[:, 4].tolist()
        return
    assert len(clean) == len(frame) * (len(frame.columns) - 2)
    assert set(clean["period"]) == set(frame.attrs["periods"])
    assert set(clean["item_code"]) == set(frame.attrs["item_codes"])
    for _, row in frame.iloc[[0, -1]].iterrows():
        got = clean[clean["area_code"] == row.iloc[0]].sort_values("source_column")
        expected = row.iloc[2:].sort_index()
        assert got["source_column"].tolist() == expected.index.tolist()
        assert got["value"].tolist() == expected.astype(float).tolist()


def test_round_trip_keeps_notes_and_exact_values():
    frame = make("long", item_code="FIN01", province="21")
    frame.loc[0, "ค่า"] = 12.34  # FIN01 keeps 2 decimals
    frame.loc[0, "หมายเหตุ"] = "=ตัวเลขเบื้องต้น “ยังไม่ยืนยัน”"
    for data, name in ((to_csv_bytes(frame), "t.csv"), (to_xlsx_bytes(frame), "t.xlsx")):
        result = read(data, name)
        assert result.problems == []
        row = result.clean.iloc[0]
        assert row["value"] == 12.34
        assert row["note"] == "=ตัวเลขเบื้องต้น “ยังไม่ยืนยัน”"


def test_more_decimals_than_the_item_keeps_are_rounded_half_up_with_a_warning():
    frame = make("long", item_code="FIN01", province="21")
    frame.loc[0, "ค่า"] = 12.345  # FIN01 keeps 2 decimals: 12.35 (half up), not 12.34
    result = read(to_csv_bytes(frame))
    assert result.ok
    assert result.clean.iloc[0]["value"] == 12.35
    [warning] = [p for p in result.problems if p.code == "rounded"]
    assert warning.row is not None and "12.35" in warning.message_th


def test_a_partly_filled_template_reads_the_filled_rows_and_counts_the_blank_ones():
    frame = make("long", item_code="FIN01", province="21", due_only=False)
    frame.loc[0, "ค่า"] = 50.0
    result = read(to_csv_bytes(frame), as_of=date(2027, 11, 1))
    assert result.ok
    assert len(result.clean) == 1
    assert result.problems == []  # blank template rows are not one warning each
    assert result.blank_rows == len(frame) - 1

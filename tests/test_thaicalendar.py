"""Tests for lib/thaicalendar.py: eras, fiscal years, period codes, Thai labels."""

from __future__ import annotations

import doctest
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from lib.core import thaicalendar as tc


def test_doctests_pass():
    result = doctest.testmod(tc, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


# ---------------------------------------------------------------- years


@pytest.mark.parametrize(("ce", "be"), [(2025, 2568), (2012, 2555), (1900, 2443), (2000, 2543)])
def test_be_ce_round_trip(ce, be):
    assert tc.be_year(ce) == be
    assert tc.ce_year(be) == ce


@pytest.mark.parametrize("bad", [2025.5, "2025", None, True, [2025]])
def test_be_year_rejects_non_whole_numbers(bad):
    with pytest.raises(ValueError, match="whole number"):
        tc.be_year(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (2568, 2568),
        (2400, 2400),  # lowest year read as BE
        (2399, 2942),  # highest year read as CE
        (2025, 2568),
        (1900, 2443),  # lowest CE year
        (2025.0, 2568),
        (np.int64(2567), 2567),
        ("2568", 2568),
        (" 2025 ", 2568),
        ("๒๕๖๘", 2568),
    ],
)
def test_normalise_year(given, expected):
    assert tc.normalise_year(given) == expected


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (1899, "out of range"),
        (68, "out of range"),
        (-2568, "out of range"),
        (2568.5, "whole number"),
        ("๒๕๖๘.๕", "not a number"),
        ("พ.ศ. 2568", "not a number"),
        ("", "not a number"),
        (None, "whole number"),
        (False, "whole number"),
    ],
)
def test_normalise_year_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        tc.normalise_year(bad)


# ---------------------------------------------------------------- fiscal years


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2024, 9, 30), 2567),  # last day of FY2567
        (date(2024, 10, 1), 2568),  # first day of FY2568
        (date(2025, 1, 1), 2568),
        (date(2025, 9, 30), 2568),
        (date(2025, 10, 1), 2569),
        (date(2024, 12, 31), 2568),
        (datetime(2024, 10, 1, 0, 0, 1), 2568),
        (pd.Timestamp("2024-09-30 23:59"), 2567),
    ],
)
def test_fiscal_year_of(day, fy):
    assert tc.fiscal_year_of(day) == fy


@pytest.mark.parametrize(
    ("fy", "start", "end"),
    [
        (2568, date(2024, 10, 1), date(2025, 9, 30)),
        (2555, date(2011, 10, 1), date(2012, 9, 30)),  # seed 000's fiscal year
        (2548, date(2004, 10, 1), date(2005, 9, 30)),  # seed 003: Oct 2547 - Sep 2548
    ],
)
def test_fiscal_year_bounds(fy, start, end):
    assert tc.fiscal_year_bounds(fy) == (start, end)
    assert tc.fiscal_year_of(start) == fy
    assert tc.fiscal_year_of(end) == fy
    assert tc.fiscal_year_of(start - timedelta(days=1)) == fy - 1
    assert tc.fiscal_year_of(end + timedelta(days=1)) == fy + 1


@pytest.mark.parametrize(("bad", "message"), [(2025, "not a Buddhist Era year"), (None, "whole")])
def test_fiscal_year_bounds_rejects_ce_and_junk(bad, message):
    with pytest.raises(ValueError, match=message):
        tc.fiscal_year_bounds(bad)


@pytest.mark.parametrize("bad", ["2024-10-01", None, 20241001])
def test_fiscal_year_of_rejects_non_dates(bad):
    with pytest.raises(ValueError, match="must be a date"):
        tc.fiscal_year_of(bad)


@pytest.mark.parametrize(
    ("as_of", "years_before", "expected"),
    [
        (date(2025, 9, 30), 3, [2565, 2566, 2567, 2568]),
        (date(2025, 10, 1), 3, [2566, 2567, 2568, 2569]),
        (date(2025, 10, 1), 0, [2569]),
        (date(2026, 11, 22), 1, [2569, 2570]),
    ],
)
def test_window_fiscal_years(as_of, years_before, expected):
    assert tc.window_fiscal_years(as_of, years_before) == expected


def test_window_fiscal_years_rejects_negative():
    with pytest.raises(ValueError, match="years_before must be >= 0"):
        tc.window_fiscal_years(date(2025, 1, 1), -1)


@pytest.mark.parametrize(
    ("fy", "months", "end"),
    [
        (2568, 6, date(2025, 3, 31)),
        (2568, 9, date(2025, 6, 30)),
        (2568, 12, date(2025, 9, 30)),
        (2555, 12, date(2012, 9, 30)),
    ],
)
def test_round_end(fy, months, end):
    assert tc.round_end(fy, months) == end


@pytest.mark.parametrize(("fy", "months"), [(2568, 3), (2568, 0), (2568, 7), (2568, True)])
def test_round_end_rejects_other_rounds(fy, months):
    with pytest.raises(ValueError, match="round|whole number"):
        tc.round_end(fy, months)


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "frequency", "start", "end"),
    [
        ("2025-03", "monthly", date(2025, 3, 1), date(2025, 3, 31)),
        ("2024-02", "monthly", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2025-02", "monthly", date(2025, 2, 1), date(2025, 2, 28)),
        ("2000-02", "monthly", date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400
        ("1900-02", "monthly", date(1900, 2, 1), date(1900, 2, 28)),  # by 100, not 400
        ("2025-12", "monthly", date(2025, 12, 1), date(2025, 12, 31)),
        ("2025-Q1", "quarterly", date(2025, 1, 1), date(2025, 3, 31)),
        ("2024-Q1", "quarterly", date(2024, 1, 1), date(2024, 3, 31)),
        ("2025-Q2", "quarterly", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q3", "quarterly", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-Q4", "quarterly", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025", "annual", date(2025, 1, 1), date(2025, 12, 31)),
        ("FY2568", "fiscal_annual", date(2024, 10, 1), date(2025, 9, 30)),
    ],
)
def test_period_bounds_and_period_of(period, frequency, start, end):
    assert tc.period_bounds(period, frequency) == (start, end)
    assert tc.period_of(start, frequency) == period
    assert tc.period_of(end, frequency) == period


@pytest.mark.parametrize(
    ("period", "frequency", "message"),
    [
        ("2025-3", "monthly", "not a valid monthly code"),
        ("2025-13", "monthly", "not a valid monthly code"),
        ("2025-00", "monthly", "not a valid monthly code"),
        ("2568-03", "monthly", "not a Common Era year"),  # BE year in a CE code
        ("๒๐๒๕-03", "monthly", "not a valid monthly code"),
        (" 2025-03", "monthly", "not a valid monthly code"),
        ("2025-Q5", "quarterly", "not a valid quarterly code"),
        ("2025Q1", "quarterly", "not a valid quarterly code"),
        ("2025-03", "quarterly", "not a valid quarterly code"),
        ("25", "annual", "not a valid annual code"),
        ("2568", "annual", "not a Common Era year"),
        ("FY2025", "fiscal_annual", "not a Buddhist Era year"),
        ("2568", "fiscal_annual", "not a valid fiscal_annual code"),
        (2025, "annual", "not a valid annual code"),
        ("2025", "yearly", "unknown frequency"),
    ],
)
def test_period_bounds_errors(period, frequency, message):
    with pytest.raises(ValueError, match=message):
        tc.period_bounds(period, frequency)


@pytest.mark.parametrize(
    ("period", "frequency", "steps", "expected"),
    [
        ("2024-12", "monthly", 1, "2025-01"),
        ("2025-01", "monthly", -1, "2024-12"),
        ("2025-01", "monthly", 0, "2025-01"),
        ("2025-01", "monthly", 25, "2027-02"),
        ("2024-Q4", "quarterly", 1, "2025-Q1"),
        ("2025-Q1", "quarterly", -5, "2023-Q4"),
        ("2025", "annual", -3, "2022"),
        ("FY2568", "fiscal_annual", 1, "FY2569"),
    ],
)
def test_shift_period(period, frequency, steps, expected):
    assert tc.shift_period(period, frequency, steps) == expected


@pytest.mark.parametrize(
    ("start", "end", "frequency", "expected"),
    [
        # A period counts when its END lies in the range.
        (date(2025, 1, 15), date(2025, 3, 31), "monthly", ["2025-01", "2025-02", "2025-03"]),
        (date(2025, 1, 31), date(2025, 3, 30), "monthly", ["2025-01", "2025-02"]),
        (date(2025, 2, 1), date(2025, 2, 27), "monthly", []),
        (date(2025, 2, 28), date(2025, 2, 28), "monthly", ["2025-02"]),
        (date(2024, 11, 1), date(2025, 6, 30), "quarterly", ["2024-Q4", "2025-Q1", "2025-Q2"]),
        (date(2022, 6, 1), date(2025, 6, 1), "annual", ["2022", "2023", "2024"]),
        (date(2023, 10, 1), date(2025, 9, 30), "fiscal_annual", ["FY2567", "FY2568"]),
        (date(2023, 10, 1), date(2025, 9, 29), "fiscal_annual", ["FY2567"]),
    ],
)
def test_periods_between(start, end, frequency, expected):
    assert tc.periods_between(start, end, frequency) == expected


def test_periods_between_rejects_reversed_range():
    with pytest.raises(ValueError, match="after end"):
        tc.periods_between(date(2025, 2, 1), date(2025, 1, 1), "monthly")


@pytest.mark.parametrize(
    ("first", "last", "frequency", "expected"),
    [
        (2568, 2568, "quarterly", ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]),
        (2568, 2568, "annual", ["2024"]),
        (2568, 2568, "fiscal_annual", ["FY2568"]),
        (2565, 2568, "fiscal_annual", ["FY2565", "FY2566", "FY2567", "FY2568"]),
        (2567, 2568, "annual", ["2023", "2024"]),
    ],
)
def test_periods_in_fiscal_years(first, last, frequency, expected):
    assert tc.periods_in_fiscal_years(first, last, frequency) == expected


def test_periods_in_fiscal_years_monthly_is_oct_to_sep():
    months = tc.periods_in_fiscal_years(2568, 2569, "monthly")
    assert len(months) == 24
    assert (months[0], months[11], months[12], months[-1]) == (
        "2024-10",
        "2025-09",
        "2025-10",
        "2026-09",
    )


@pytest.mark.parametrize(("first", "last"), [(2569, 2568), (2025, 2026)])
def test_periods_in_fiscal_years_errors(first, last):
    with pytest.raises(ValueError, match="after last|not a Buddhist Era year"):
        tc.periods_in_fiscal_years(first, last, "monthly")


@pytest.mark.parametrize(
    ("period", "frequency", "lag", "expected"),
    [
        ("2024-12", "monthly", 0, date(2024, 12, 31)),
        ("2024-12", "monthly", 45, date(2025, 2, 14)),
        ("2024-01", "monthly", 30, date(2024, 3, 1)),  # 31 Jan + 30 days, leap year
        ("2025-01", "monthly", 30, date(2025, 3, 2)),
        ("2025-Q3", "quarterly", 60, date(2025, 11, 29)),
        ("2024", "annual", 90, date(2025, 3, 31)),
        ("FY2568", "fiscal_annual", 30, date(2025, 10, 30)),
    ],
)
def test_due_date(period, frequency, lag, expected):
    assert tc.due_date(period, frequency, lag) == expected


@pytest.mark.parametrize("bad", [-1, 1.5, None])
def test_due_date_rejects_bad_lag(bad):
    with pytest.raises(ValueError, match="release_lag_days"):
        tc.due_date("2025-01", "monthly", bad)


@pytest.mark.parametrize(
    ("as_of", "frequency", "lag", "expected"),
    [
        (date(2025, 3, 31), "monthly", 0, "2025-03"),  # the month ends today: due today
        (date(2025, 3, 30), "monthly", 0, "2025-02"),
        # A lag that crosses the year boundary.
        (date(2025, 1, 10), "monthly", 30, "2024-11"),  # Dec 2024 due 30 Jan 2025
        (date(2025, 1, 30), "monthly", 30, "2024-12"),
        (date(2025, 1, 29), "monthly", 30, "2024-11"),
        (date(2025, 2, 13), "monthly", 45, "2024-11"),
        (date(2025, 2, 14), "monthly", 45, "2024-12"),
        (date(2025, 2, 28), "quarterly", 60, "2024-Q3"),  # Q4 2024 due 1 Mar 2025
        (date(2025, 3, 1), "quarterly", 60, "2024-Q4"),
        (date(2024, 2, 29), "quarterly", 60, "2023-Q4"),  # leap year: 31 Dec + 60 = 29 Feb
        (date(2025, 3, 30), "annual", 90, "2023"),  # 2024 due 31 Mar 2025
        (date(2025, 3, 31), "annual", 90, "2024"),
        (date(2025, 10, 29), "fiscal_annual", 30, "FY2567"),  # FY2568 due 30 Oct 2025
        (date(2025, 10, 30), "fiscal_annual", 30, "FY2568"),
        (date(1900, 1, 15), "monthly", 0, None),  # nothing due before 1900
    ],
)
def test_latest_due_period(as_of, frequency, lag, expected):
    assert tc.latest_due_period(as_of, frequency, lag) == expected
    if expected is not None:
        assert tc.due_date(expected, frequency, lag) <= as_of
        following = tc.shift_period(expected, frequency, 1)
        assert tc.due_date(following, frequency, lag) > as_of


# ---------------------------------------------------------------- Thai display


@pytest.mark.parametrize(
    ("period", "frequency", "th", "en"),
    [
        ("2025-03", "monthly", "มี.ค. 2568", "Mar 2025"),
        ("2024-12", "monthly", "ธ.ค. 2567", "Dec 2024"),
        ("2025-01", "monthly", "ม.ค. 2568", "Jan 2025"),
        ("2025-Q1", "quarterly", "ไตรมาส 1/2568", "Q1 2025"),
        ("2024-Q4", "quarterly", "ไตรมาส 4/2567", "Q4 2024"),
        ("2025", "annual", "2568", "2025"),
        ("FY2568", "fiscal_annual", "ปีงบประมาณ 2568", "FY2568 (Oct 2024 - Sep 2025)"),
    ],
)
def test_thai_period_label(period, frequency, th, en):
    assert tc.thai_period_label(period, frequency) == th
    assert tc.thai_period_label(period, frequency, lang="th") == th
    assert tc.thai_period_label(period, frequency, lang="en") == en


def test_thai_period_label_rejects_unknown_language():
    with pytest.raises(ValueError, match="unknown language"):
        tc.thai_period_label("2025", "annual", lang="fr")


@pytest.mark.parametrize(
    ("fy", "lang", "label"), [(2568, "th", "ปีงบประมาณ 2568"), (2568, "en", "FY 2568")]
)
def test_thai_fiscal_year_label(fy, lang, label):
    assert tc.thai_fiscal_year_label(fy, lang) == label


@pytest.mark.parametrize(
    ("day", "lang", "full", "expected"),
    [
        (date(2026, 11, 22), "th", False, "22 พ.ย. 2569"),
        (date(2026, 11, 22), "th", True, "22 พฤศจิกายน 2569"),
        (date(2024, 2, 29), "th", False, "29 ก.พ. 2567"),
        (date(2025, 1, 1), "th", True, "1 มกราคม 2568"),
        (date(2026, 11, 22), "en", False, "22 Nov 2026"),
        (date(2026, 11, 22), "en", True, "22 November 2026"),
        (datetime(2025, 10, 1, 8, 30), "th", False, "1 ต.ค. 2568"),
    ],
)
def test_thai_date(day, lang, full, expected):
    assert tc.thai_date(day, lang, full_month=full) == expected


def test_month_tables():
    assert len(tc.THAI_MONTHS_ABBR) == len(tc.THAI_MONTHS_FULL) == 12
    assert (tc.THAI_MONTHS_ABBR[0], tc.THAI_MONTHS_ABBR[-1]) == ("ม.ค.", "ธ.ค.")
    assert (tc.THAI_MONTHS_FULL[0], tc.THAI_MONTHS_FULL[-1]) == ("มกราคม", "ธันวาคม")
    assert len(set(tc.THAI_MONTHS_ABBR)) == len(set(tc.THAI_MONTHS_FULL)) == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("๐๑๒๓๔๕๖๗๘๙", "0123456789"),
        ("ปี ๒๕๖๘", "ปี 2568"),
        ("๑,๒๓๔.๕๐", "1,234.50"),
        ("no digits", "no digits"),
        ("", ""),
    ],
)
def test_thai_digits_to_arabic(text, expected):
    assert tc.thai_digits_to_arabic(text) == expected


def test_thai_digits_to_arabic_rejects_non_text():
    with pytest.raises(ValueError, match="must be a string"):
        tc.thai_digits_to_arabic(2568)


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (1234567.891, 2, "1,234,567.89"),
        (1234567, 0, "1,234,567"),
        (999, 0, "999"),
        (1000, 0, "1,000"),
        (-1234.5, 1, "-1,234.5"),
        (2.675, 2, "2.68"),  # half up on the written value (float repr is 2.67499...)
        (0.5, 0, "1"),  # half up, not half to even
        (2.5, 0, "3"),
        (-0.004, 2, "0.00"),  # no negative zero
        (np.int64(12345678901), 0, "12,345,678,901"),
        (np.float64(0.125), 2, "0.13"),
        (None, 0, "-"),
        (float("nan"), 2, "-"),
        (pd.NA, 2, "-"),
    ],
)
def test_format_number_th(x, decimals, expected):
    assert tc.format_number_th(x, decimals) == expected


@pytest.mark.parametrize(("x", "decimals"), [("1,234", 0), (float("inf"), 0), (True, 0), (1, -1)])
def test_format_number_th_errors(x, decimals):
    with pytest.raises(ValueError, match="number|decimals"):
        tc.format_number_th(x, decimals)


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [(85.25, 1, "85.3%"), (100, 1, "100.0%"), (79.95, 0, "80%"), (None, 1, "-"), (0, 2, "0.00%")],
)
def test_format_pct(x, decimals, expected):
    assert tc.format_pct(x, decimals) == expected

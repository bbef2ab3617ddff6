"""Periods as offices write them, read according to the item's frequency.

Thai digits allowed; a year of 2400 or more is Buddhist, 1900..2399 Common Era.

================================ =========== ==========================================
written                          frequency   read as
================================ =========== ==========================================
2568-03, 2025-03, 2568/3         monthly     March 2025 (``2025-03``)
03/2568, 3/2025                  monthly     March 2025 (month/year)
มี.ค. 68, มีค 2568, มีนาคม 2568      monthly     March 2025; two-digit years (68 = 2568)
                                             only with Thai month names
Mar 2025, March 2568             monthly     March 2025 (two-digit year: bad_period)
date cell, 2025-03-15, 15/3/2568 any         the period holding that day (day first)
ไตรมาส 1/2568, Q1 2568, 2568-Q1   quarterly   Jan-Mar 2025 (``2025-Q1``): calendar
                                             quarters, not fiscal quarters
1/2568                           quarterly   quarter 1 of 2025 (the same text is
                                             January for a monthly item)
2568, 2025, พ.ศ. 2568, ปี 2568    annual      calendar year 2025 (``2025``)
ปีงบประมาณ 2568, ปีงบ 68, FY2568,  fiscal      ``FY2568`` (Oct 2024 - Sep 2025); a bare
FY 2025, 2568, 2025              _annual     year is the fiscal year it names; FY68
                                             (two digits after FY) is bad_period
a year for a monthly/quarterly   -           period_not_of_frequency (never a guess)
a month/quarter for an annual    -           period_not_of_frequency
a fiscal year for a non-fiscal   -           period_not_of_frequency
================================ =========== ==========================================

A period whose last day is on or after ``as_of`` has not ended: period_in_future
(decided in :mod:`lib.ingest.validate`).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from lib.core import thaicalendar as tc
from lib.ingest.result import PROBLEM_CODES
from lib.ingest.text import SPACES, clean_text

_THAI_MONTHS = {
    **{m.replace(".", ""): i for i, m in enumerate(tc.THAI_MONTHS_ABBR, 1)},
    **{m: i for i, m in enumerate(tc.THAI_MONTHS_FULL, 1)},
}
_EN_MONTHS = {
    **{m.lower(): i for i, m in enumerate(tc.EN_MONTHS_ABBR, 1)},
    **{m.lower(): i for i, m in enumerate(tc.EN_MONTHS_FULL, 1)},
    "sept": 9,
}
_TH_MONTH_RE = "|".join(sorted(map(re.escape, _THAI_MONTHS), key=len, reverse=True))
_EN_MONTH_RE = "|".join(sorted(map(re.escape, _EN_MONTHS), key=len, reverse=True))

_BE_MARK = re.compile(r"พ\.\s?ศ\.?")
_CE_MARK = re.compile(r"ค\.\s?ศ\.?")
_P_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_P_DATE_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_P_FISCAL = re.compile(r"(?:ปีงบประมาณ|ปีงบ\.?|fy|fiscal year|fiscal)\s*(\d{4}|\d{2})")
_P_QUARTER_A = re.compile(r"(?:ไตรมาสที่|ไตรมาส|quarter|q)\s*([1-4])\s*(?:/|-|ปี|of|,)?\s*(\d{4})")
_P_QUARTER_B = re.compile(r"(\d{4})\s*[-/ ]?\s*(?:q|ไตรมาสที่|ไตรมาส)\s*([1-4])")
_P_YM = re.compile(r"(\d{4})\s*[-/]\s*(\d{1,2})")
_P_NY = re.compile(r"(\d{1,2})\s*[-/]\s*(\d{4})")
_P_TH_MONTH = re.compile(rf"({_TH_MONTH_RE})(\d{{4}}|\d{{2}})")
_P_EN_MONTH = re.compile(rf"({_EN_MONTH_RE})[\s\-/,]*(\d{{4}}|\d{{2}})")
_P_YEAR = re.compile(r"(?:ปี)?\s*(\d{4})")


def _year(text: str, era: str | None) -> int:
    """Buddhist year of a 4-digit year; era forces BE ('be') or CE ('ce')."""
    y = int(text)
    if era == "be":
        if y < tc.BE_MIN:
            raise ValueError(f"พ.ศ. {y}")
        return y
    if era == "ce":
        if not tc.CE_MIN <= y < tc.BE_MIN:
            raise ValueError(f"ค.ศ. {y}")
        return y + tc.BE_OFFSET
    return tc.normalise_year(y)


@lru_cache(maxsize=8192)
def period_notation(text: str) -> tuple:
    """What a period text says, whatever the item: (kind, ...) or ('bad', th, en).

    Kinds: ('date', date), ('fiscal', be), ('quarter', be, q), ('month', be, m),
    ('num', be, n) for 'n/yyyy', ('year', be).

    >>> period_notation("ไตรมาส 1/2568"), period_notation("มี.ค. 68")
    (('quarter', 2568, 1), ('month', 2568, 3))
    """
    t = clean_text(text).lower()
    if not t:
        return ("bad", "", "")
    era = None
    if _BE_MARK.search(t):
        era, t = "be", _BE_MARK.sub(" ", t)
    elif _CE_MARK.search(t):
        era, t = "ce", _CE_MARK.sub(" ", t)
    t = SPACES.sub(" ", t).strip()
    try:
        return _numeric_notation(t, era) or _named_notation(t, era) or ("bad", "", "")
    except ValueError as exc:  # a year out of range or an impossible date
        return ("bad", f" (ปีหรือวันที่ไม่ถูกต้อง: {exc})", f" ({exc})")


def _numeric_notation(t: str, era: str | None) -> tuple | None:
    """Dates, fiscal years, quarters and year-month numbers; None if t is none of them."""
    if m := _P_DATE_ISO.fullmatch(t):
        y = _year(m.group(1), era) - tc.BE_OFFSET
        return ("date", date(y, int(m.group(2)), int(m.group(3))))
    if m := _P_DATE_DMY.fullmatch(t):
        y = _year(m.group(3), era) - tc.BE_OFFSET
        return ("date", date(y, int(m.group(2)), int(m.group(1))))
    if m := _P_FISCAL.fullmatch(t):
        digits = m.group(1)
        if len(digits) == 2:
            if t.startswith("f"):
                return (
                    "bad",
                    " (เขียนปีงบประมาณเป็น 4 หลัก เช่น FY2568)",
                    " (write the fiscal year in 4 digits, e.g. FY2568)",
                )
            return ("fiscal", 2500 + int(digits))
        return ("fiscal", _year(digits, era))
    if m := _P_QUARTER_A.fullmatch(t):
        return ("quarter", _year(m.group(2), era), int(m.group(1)))
    if m := _P_QUARTER_B.fullmatch(t):
        return ("quarter", _year(m.group(1), era), int(m.group(2)))
    if m := _P_YM.fullmatch(t):
        return _month(_year(m.group(1), era), int(m.group(2)))
    if m := _P_NY.fullmatch(t):
        return ("num", _year(m.group(2), era), int(m.group(1)))
    return None


def _named_notation(t: str, era: str | None) -> tuple | None:
    """Months by Thai or English name, and bare years; None if t is none of them."""
    compact = re.sub(r"ปี(?=\d)", "", t.replace(".", "").replace(" ", ""))
    compact = compact.removeprefix("เดือน")
    if m := _P_TH_MONTH.fullmatch(compact):
        digits = m.group(2)
        be = 2500 + int(digits) if len(digits) == 2 else _year(digits, era)
        return ("month", be, _THAI_MONTHS[m.group(1)])
    if m := _P_EN_MONTH.fullmatch(t.replace(".", "")):
        if len(m.group(2)) == 2:
            return (
                "bad",
                " (เขียนปีเป็น 4 หลัก เช่น Mar 2025 หรือ มี.ค. 68)",
                " (write the year in 4 digits, e.g. Mar 2025)",
            )
        return ("month", _year(m.group(2), era), _EN_MONTHS[m.group(1)])
    if m := _P_YEAR.fullmatch(t):
        return ("year", _year(m.group(1), era))
    return None


def _month(be: int, m: int) -> tuple:
    if not 1 <= m <= 12:
        return ("bad", f" (ไม่มีเดือนที่ {m})", f" (there is no month {m})")
    return ("month", be, m)


_FREQ_TH = {
    "monthly": "รายเดือน",
    "quarterly": "รายไตรมาส",
    "annual": "รายปี (ปีปฏิทิน)",
    "fiscal_annual": "รายปีงบประมาณ",
}
_FREQ_EXAMPLE = {
    "monthly": "มี.ค. 2568 / 2568-03",
    "quarterly": "ไตรมาส 1/2568 / 2568-Q1",
    "annual": "2568",
    "fiscal_annual": "ปีงบประมาณ 2568 / FY2568",
}


@lru_cache(maxsize=16384)
def period_for(text: str, frequency: str) -> tuple:
    """(period code, last day) or (None, problem code, detail_th, detail_en)."""
    notation = period_notation(text)
    kind = notation[0]
    hint_th = f" (รายการนี้{_FREQ_TH[frequency]} เช่น {_FREQ_EXAMPLE[frequency]})"
    hint_en = f" (this item is {frequency.replace('_', ' ')}, e.g. {_FREQ_EXAMPLE[frequency]})"
    wrong = (None, "period_not_of_frequency", hint_th, hint_en)
    if kind == "bad":
        th = notation[1] or hint_th
        en = notation[2] or hint_en
        return (None, "bad_period", th, en)
    try:
        if kind == "date":
            code = tc.period_of(notation[1], frequency)
        elif kind == "fiscal":
            if frequency != "fiscal_annual":
                return wrong
            code = f"FY{notation[1]}"
        elif kind == "quarter":
            if frequency != "quarterly":
                return wrong
            code = f"{notation[1] - tc.BE_OFFSET}-Q{notation[2]}"
        elif kind == "month":
            if frequency != "monthly":
                return wrong
            code = f"{notation[1] - tc.BE_OFFSET}-{notation[2]:02d}"
        elif kind == "num":
            code = _numbered_period(notation[1], notation[2], frequency)
            if code is None:
                return wrong
            if isinstance(code, tuple):
                return code
        elif frequency == "annual":  # a bare year
            code = str(notation[1] - tc.BE_OFFSET)
        elif frequency == "fiscal_annual":
            code = f"FY{notation[1]}"
        else:
            return wrong
        return (code, tc.period_bounds(code, frequency)[1])
    except ValueError as exc:
        return (None, "bad_period", f" ({exc})", f" ({exc})")


def _numbered_period(be: int, n: int, frequency: str) -> str | tuple | None:
    """Code of 'n/yyyy' (month n or quarter n), a bad_period result, or None if neither fits."""
    if frequency == "monthly":
        if not 1 <= n <= 12:
            return (None, "bad_period", f" (ไม่มีเดือนที่ {n})", f" (no month {n})")
        return f"{be - tc.BE_OFFSET}-{n:02d}"
    if frequency == "quarterly":
        if not 1 <= n <= 4:
            return (None, "bad_period", f" (ไม่มีไตรมาสที่ {n})", f" (no quarter {n})")
        return f"{be - tc.BE_OFFSET}-Q{n}"
    return None


def normalise_period(text: str, frequency: str) -> str:
    """Period code of a period written any way read_upload accepts, for an item's frequency.

    >>> normalise_period("มี.ค. 68", "monthly"), normalise_period("ไตรมาส 1/2568", "quarterly")
    ('2025-03', '2025-Q1')
    >>> normalise_period("ปีงบ 68", "fiscal_annual"), normalise_period("2568", "annual")
    ('FY2568', '2025')
    """
    if frequency not in tc.FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    result = period_for(str(text), frequency)
    if result[0] is None:
        raise ValueError(f"{PROBLEM_CODES[result[1]][1].format(value=text, en=result[3])}")
    return result[0]


def parse_period_key(text: str, frequency: str) -> tuple:
    """(code, end, problem, th, en, blank) of a period text for a frequency ('' = unknown)."""
    if not text:
        return (None, None, None, "", "", True)
    if not frequency:
        return (None, None, None, "", "", False)
    result = period_for(text, frequency)
    if result[0] is None:
        return (None, None, *result[1:], False)
    return (result[0], result[1], None, "", "", False)

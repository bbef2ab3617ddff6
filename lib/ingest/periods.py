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
6512, 6601 (DOPA YYMM)           monthly     Dec 2565 (``2022-12``), Jan 2566: a bare
                                             4-digit number from 2800 to 9912 cannot
                                             be a year, so it is 25YY + month MM;
                                             1900-2799 stay years (2565, 2025); 6513
                                             is bad_period. A layout's period rule
                                             "yymm" reads any code so (from_yymm)
2568, 2025, พ.ศ. 2568, ปี 2568,   annual,     calendar year 2025 (``2025``); biennial
ปี พ.ศ. 2568                      biennial    items too (due in even BE years only)
ปีงบประมาณ 2568, ปีงบ 68, FY2568,  fiscal      ``FY2568`` (Oct 2024 - Sep 2025); a bare
FY 2025, 2568, 2025              _annual     year is the fiscal year it names; FY68
                                             (two digits after FY) is bad_period
2565/66, 2565/2566, 2025/26,     yearly      crop year (ปีการผลิต): the year the season
ปีการผลิต 2565/66                 (any of     starts (item rule "start", the default:
                                 the three)  2565) or ends ("end": 2566); the two
                                             years must follow each other (2565/67:
                                             bad_period). 2568/3 stays March: a part
                                             1-12 after the "/" is a month unless
                                             ปีการผลิต is written
a year for a monthly/quarterly   -           period_not_of_frequency (never a guess)
a month/quarter for an annual    -           period_not_of_frequency (a YYMM code and
                                             a crop year included)
a fiscal year for a non-fiscal   -           period_not_of_frequency
================================ =========== ==========================================

A period whose last day is on or after ``as_of`` has not ended: period_in_future
(decided in :mod:`lib.ingest.validate`). :func:`sheet_period_text` finds the
period a sheet's name or title row gives ("58" is 2558, "ม.ค. 2567", "ปี 2565").
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
_P_CROP = re.compile(r"(ปีการผลิต|ปีเพาะปลูก|crop year|crop)?\s*(?:ปี)?\s*(\d{4})\s*/\s*(\d{4}|\d{2})")
_P_YYMM = re.compile(r"(\d{2})(\d{2})")
# A bare 4-digit number from here up is no plausible year: DOPA's YYMM (25YY, month MM).
YYMM_FIRST = 2800


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
    if era is None and (m := _P_YYMM.fullmatch(t)) and int(t) >= YYMM_FIRST:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            th = f" ({t} ไม่ใช่ปี และไม่ใช่รหัสปีเดือน YYMM เพราะไม่มีเดือนที่ {month})"
            return ("bad", th, f" ({t} is no year, nor a YYMM code: there is no month {month})")
        return ("month", 2500 + int(m.group(1)), month)
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
    if (crop := _crop_notation(t, era)) is not None:
        return crop
    if m := _P_YM.fullmatch(t):
        return _month(_year(m.group(1), era), int(m.group(2)))
    if m := _P_NY.fullmatch(t):
        return ("num", _year(m.group(2), era), int(m.group(1)))
    return None


def _crop_notation(t: str, era: str | None) -> tuple | None:
    """('crop', be of the first year) of '2565/66'; None for '2568/3' (a month) or no match."""
    m = _P_CROP.fullmatch(t)
    if m is None:
        return None
    named, first, second = m.groups()
    if not named and len(second) == 2 and int(second) <= 12:
        return None  # 2568/3, 2568/12: a month
    start = int(first)
    end = int(second) if len(second) == 4 else start // 100 * 100 + int(second)
    if len(second) == 2 and end < start:
        end += 100  # 2599/00
    if end != start + 1:
        no_month = not named and len(second) == 2
        return (
            "bad",
            (f" (ไม่มีเดือนที่ {int(second)} และ" if no_month else " (")
            + f"ปีการผลิตต้องเป็นสองปีติดกัน เช่น 2565/66 แต่ {first}/{second} ไม่ติดกัน)",
            (f" (there is no month {int(second)}, and " if no_month else " (")
            + f"a crop year is two years in a row, e.g. 2565/66, not {first}/{second})",
        )
    return ("crop", _year(first, era))


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


# Thai names of the frequencies (hints of period problems, template messages).
FREQUENCY_TH = {
    "monthly": "รายเดือน",
    "quarterly": "รายไตรมาส",
    "annual": "รายปี (ปีปฏิทิน)",
    "fiscal_annual": "รายปีงบประมาณ",
    "biennial": "ทุก 2 ปี",
}
_FREQ_EXAMPLE = {
    "monthly": "มี.ค. 2568 / 2568-03",
    "quarterly": "ไตรมาส 1/2568 / 2568-Q1",
    "annual": "2568",
    "fiscal_annual": "ปีงบประมาณ 2568 / FY2568",
    "biennial": "2566 (ปี พ.ศ. คู่)",
}
_YEARLY = ("annual", "fiscal_annual", "biennial")


@lru_cache(maxsize=16384)
def period_for(text: str, frequency: str, crop_year: str = "start") -> tuple:
    """(period code, last day) or (None, problem code, detail_th, detail_en).

    crop_year: the item's rule for '2565/66', "start" (2565) or "end" (2566).

    >>> period_for("6512", "monthly")[0], period_for("2565/66", "annual", "end")[0]
    ('2022-12', '2023')
    """
    notation = period_notation(text)
    kind = notation[0]
    hint_th = f" (รายการนี้{FREQUENCY_TH[frequency]} เช่น {_FREQ_EXAMPLE[frequency]})"
    hint_en = f" (this item is {frequency.replace('_', ' ')}, e.g. {_FREQ_EXAMPLE[frequency]})"
    if kind == "bad":
        th = notation[1] or hint_th
        en = notation[2] or hint_en
        return (None, "bad_period", th, en)
    try:
        code = _code_of(notation, frequency, crop_year)
        if code is None:
            return (None, "period_not_of_frequency", hint_th, hint_en)
        if isinstance(code, tuple):
            return code
        return (code, tc.period_bounds(code, frequency)[1])
    except ValueError as exc:
        return (None, "bad_period", f" ({exc})", f" ({exc})")


def _code_of(notation: tuple, frequency: str, crop_year: str) -> str | tuple | None:
    """Period code of a notation for a frequency; None when it is of another frequency."""
    kind = notation[0]
    if kind == "date":
        return tc.period_of(notation[1], frequency)
    if kind == "fiscal":
        return f"FY{notation[1]}" if frequency == "fiscal_annual" else None
    if kind == "quarter":
        if frequency != "quarterly":
            return None
        return f"{notation[1] - tc.BE_OFFSET}-Q{notation[2]}"
    if kind == "month":
        if frequency != "monthly":
            return None
        return f"{notation[1] - tc.BE_OFFSET}-{notation[2]:02d}"
    if kind == "num":
        return _numbered_period(notation[1], notation[2], frequency)
    if frequency not in _YEARLY:
        return None
    be = notation[1]
    if kind == "crop" and crop_year == "end":
        be += 1
    return f"FY{be}" if frequency == "fiscal_annual" else str(be - tc.BE_OFFSET)


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


def normalise_period(text: str, frequency: str, crop_year: str = "start") -> str:
    """Period code of a period written any way read_upload accepts, for an item's frequency.

    >>> normalise_period("มี.ค. 68", "monthly"), normalise_period("ไตรมาส 1/2568", "quarterly")
    ('2025-03', '2025-Q1')
    >>> normalise_period("ปีงบ 68", "fiscal_annual"), normalise_period("2568", "annual")
    ('FY2568', '2025')
    """
    if frequency not in tc.FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    result = period_for(str(text), frequency, crop_year)
    if result[0] is None:
        raise ValueError(f"{PROBLEM_CODES[result[1]][1].format(value=text, en=result[3])}")
    return result[0]


def parse_period_key(text: str, frequency: str, crop_year: str = "start") -> tuple:
    """(code, end, problem, th, en, blank) of a period text for a frequency ('' = unknown).

    crop_year: the item's rule for a crop year such as '2565/66' ("start" or "end").
    """
    if not text:
        return (None, None, None, "", "", True)
    if not frequency:
        return (None, None, None, "", "", False)
    result = period_for(text, frequency, crop_year)
    if result[0] is None:
        return (None, None, *result[1:], False)
    return (result[0], result[1], None, "", "", False)


def from_yymm(text: object) -> str | None:
    """'2565-12' of DOPA's YYMM code '6512' (Buddhist year 25YY, month MM); None if it is not one.

    For a layout whose period rule is "yymm": reads codes a bare text would take for years
    too ('2512' is Dec 2525 here). A number cell written '6512.0' reads the same.

    >>> from_yymm("6512"), from_yymm("๖๖๐๑"), from_yymm("2512"), from_yymm("6513")
    ('2565-12', '2566-01', '2525-12', None)
    """
    t = re.sub(r"\.0+$", "", clean_text(text))
    if not re.fullmatch(r"\d{3,4}", t):
        return None
    yy, month = divmod(int(t), 100)
    return f"{2500 + yy}-{month:02d}" if 1 <= month <= 12 else None


_ERA = r"(?:พ\.?\s?ศ\.?\s*)?"
_TH_MONTH_WORDS = "|".join(
    sorted(
        {re.escape(m) for m in (*tc.THAI_MONTHS_FULL, *tc.THAI_MONTHS_ABBR)}
        | {re.escape(m.replace(".", "")) for m in tc.THAI_MONTHS_ABBR},
        key=len,
        reverse=True,
    )
)
# Periods inside a title, most specific first; the first alternative at a place wins.
_P_IN_TITLE = re.compile(
    rf"(?:ปีการผลิต|ปีเพาะปลูก)\s*{_ERA}\d{{4}}\s*/\s*\d{{2,4}}(?!\d)"
    rf"|(?:ไตรมาสที่|ไตรมาส)\s*[1-4]\s*(?:/|ปี)?\s*{_ERA}\d{{4}}(?!\d)"
    rf"|(?:ปีงบประมาณ|ปีงบ\.?)\s*{_ERA}\d{{4}}(?!\d)"
    rf"|(?:{_TH_MONTH_WORDS})\s*{_ERA}(?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?:ปี\s*)?{_ERA}(?<![\d/])\d{{4}}\s*/\s*\d{{2}}(?!\d)"
    rf"|(?:ปี\s*)?{_ERA}(?<![\d/])\d{{4}}(?![\d/])"
)
_BASE_YEAR = re.compile(r"(?:ปีฐาน|base year)\s*" + _ERA + r"\d{4}", re.IGNORECASE)
_P_SHORT_YEAR = re.compile(rf"(?:ปี\s*)?{_ERA}(\d{{2}})")
# A two-digit sheet name from here up is a Buddhist year ('58' = 2558); '1'-'29' are not.
SHORT_YEAR_FIRST = 30


def sheet_period_text(name: object) -> str | None:
    """The period a sheet's name or title row gives, as a text period_notation reads; else None.

    A whole name that is a period is kept ('ม.ค. 2567', '2558', 'ปี 2565'); two digits are a
    Buddhist year from 30 ('58' -> '2558'); a title gives the one period written in it (a base year,
    'ปีฐาน 2566', is not one); two different periods in a title give None.

    >>> sheet_period_text("58"), sheet_period_text("ม.ค. 2567"), sheet_period_text("Sheet1")
    ('2558', 'ม.ค. 2567', None)
    >>> sheet_period_text("จำนวนประชากร ณ เดือนธันวาคม 2565 (ปีฐาน 2562 = 100)")
    'ธันวาคม 2565'
    """
    t = clean_text(name)
    if not t:
        return None
    if (m := _P_SHORT_YEAR.fullmatch(t)) and int(m.group(1)) >= SHORT_YEAR_FIRST:
        return f"25{m.group(1)}"
    if period_notation(t)[0] != "bad":
        return t
    found = {}
    for m in _P_IN_TITLE.finditer(_BASE_YEAR.sub(" ", t)):
        text = m.group(0).strip()
        notation = period_notation(text)
        if notation[0] != "bad" and (notation[0] != "month" or not text.isdigit()):
            found.setdefault(notation, text)  # a YYMM-looking number in a title is no period
    return next(iter(found.values())) if len(found) == 1 else None

"""The past: the day a page describes ("as known on"), read from what a person types.

A page may be shown as it stood on an earlier day (`?as_of=2569-10-15`): only
what had been submitted, verified and not yet undone by then counts (the
store's CELLS_AT rule). These functions read and write that day and word the
banner; they touch no data.
"""

from __future__ import annotations

import re
from datetime import date

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError, Text, pick

EARLIEST_BE_YEAR = 2500  # nothing in the store is older; earlier days are typing mistakes
EARLIEST = date(EARLIEST_BE_YEAR - tc.BE_OFFSET, 1, 1)
SHOWN_CHARS = 30  # a refused value is quoted at most this long
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
EXAMPLES = "2569-10-15, 2026-10-15, 15/10/2569"


def _shown(text: str) -> str:
    """A typed value as a message quotes it (at most SHOWN_CHARS characters)."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _year_month_day(raw: str) -> tuple[int, int, int] | None:
    """(year, month, day) of '2569-10-15' or '15/10/2569' (any of - / . between), else None."""
    match = _YEAR_FIRST.fullmatch(raw)
    if match:
        return int(match[1]), int(match[2]), int(match[3])
    match = _DAY_FIRST.fullmatch(raw)
    if match:
        return int(match[3]), int(match[2]), int(match[1])
    return None


def parse_as_of(text: str, today: date) -> date:
    """The day a person asked for: a Buddhist or Common Era year, year first or day first.

    Thai digits are read too. A day after today, or before 1 January 2500 BE,
    is refused (InputError, Thai first).

    >>> today = date(2026, 11, 22)
    >>> parse_as_of("2569-10-15", today), parse_as_of("2026-10-15", today)
    (datetime.date(2026, 10, 15), datetime.date(2026, 10, 15))
    >>> parse_as_of("15/10/2569", today), parse_as_of("๑๕/๑๐/๒๕๖๙", today)
    (datetime.date(2026, 10, 15), datetime.date(2026, 10, 15))
    >>> parse_as_of("2569-12-01", today)
    Traceback (most recent call last):
    ...
    lib.core.i18n.InputError: the date 2569-12-01 is after today (22 Nov 2026)
    """
    raw = tc.thai_digits_to_arabic(str(text or "")).strip()
    if not raw:
        raise InputError("ไม่ได้ระบุวันที่", "no date given")
    parts = _year_month_day(raw)
    day = None
    if parts is not None:
        year, month, dom = parts
        year = year - tc.BE_OFFSET if year >= tc.BE_MIN else year  # Thais write BE years
        try:
            day = date(year, month, dom)
        except ValueError:
            day = None
    if day is None:
        raise InputError(
            f"วันที่ {_shown(raw)} อ่านไม่ได้: เขียนแบบ {EXAMPLES}",
            f"the date {_shown(raw)} cannot be read: write it as {EXAMPLES}",
        )
    if day > today:
        raise InputError(
            f"วันที่ {_shown(raw)} เลยวันนี้ ({tc.thai_date(today)}): ย้อนดูได้เฉพาะวันที่ผ่านมาแล้ว",
            f"the date {_shown(raw)} is after today ({tc.thai_date(today, 'en')})",
        )
    if day < EARLIEST:
        raise InputError(
            f"วันที่ {_shown(raw)} เก่ากว่า พ.ศ. {EARLIEST_BE_YEAR}: ไม่มีข้อมูลให้ดู",
            f"the date {_shown(raw)} is before {EARLIEST.year} ({EARLIEST_BE_YEAR} BE): no data",
        )
    return day


def url_text(day: date) -> str:
    """A day as the URL holds it: year first, Buddhist year (what Thai users read and type).

    >>> url_text(date(2026, 10, 15))
    '2569-10-15'
    """
    return f"{day.year + tc.BE_OFFSET:04d}-{day.month:02d}-{day.day:02d}"


def refused_text(text: str, exc: InputError, key: str = "as_of") -> Text:
    """Why a URL's as_of (named by its key) was not used, and that the page shows today.

    >>> refused_text("x", InputError("ผิด", "wrong")).en
    'as_of=x: wrong; shown as of today'
    """
    shown = _shown(tc.thai_digits_to_arabic(str(text)).strip())
    return Text(
        f"{key}={shown}: {exc.message_th}; แสดงข้อมูล ณ วันนี้แทน",
        f"{key}={shown}: {exc.message_en}; shown as of today",
    )


def banner_text(as_of: date, lang: str = "th") -> str:
    """The banner of a view of the past: its day, and what it counts.

    >>> banner_text(date(2026, 10, 15)).split(" (")[0]
    'ข้อมูล ณ วันที่ 15 ต.ค. 2569'
    >>> banner_text(date(2026, 10, 15), "en").split(" (")[0]
    'Data as known on 15 Oct 2026'
    """
    return pick(
        Text(
            f"ข้อมูล ณ วันที่ {tc.thai_date(as_of)} (มุมมองย้อนหลัง): "
            "ใช้เฉพาะค่าที่ส่ง ตรวจสอบ และยังไม่ถูกยกเลิก ณ วันนั้น",
            f"Data as known on {tc.thai_date(as_of, 'en')} (a view of the past): only values "
            "submitted, verified and not yet undone by that day count",
        ),
        lang,
    )

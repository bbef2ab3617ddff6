"""Thai calendar: Buddhist Era years, fiscal years, period codes and Thai labels.

Period codes are a project-wide contract (years in the code are Common Era,
except fiscal years, which are named by the Buddhist year they end in):

=============== ============ ==========================================
frequency       code         meaning
=============== ============ ==========================================
monthly         ``2025-03``  March 2025
quarterly       ``2025-Q1``  calendar quarter Jan-Mar 2025
annual          ``2025``     calendar year 2025
fiscal_annual   ``FY2568``   ปีงบประมาณ 2568 = 1 Oct 2024 .. 30 Sep 2025
biennial        ``2023``     year 2023 (พ.ศ. 2566) of a survey held every 2 years
=============== ============ ==========================================

Biennial surveys are due in even Buddhist years only (2562, 2564, 2566: NSO's socio-economic
survey years); an odd year is a valid period, never due (`is_expected`); a step is 2 years.

Pure functions: no Streamlit, no database. Bad input of any kind, wrong type
included, raises ValueError with a message that says what is wrong (project
rule; hence the TRY004 exemptions).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from lib.core.numbers import half_up, is_missing

FREQUENCIES = ("monthly", "quarterly", "annual", "fiscal_annual", "biennial")
LANGS = ("th", "en")
# Buddhist Era (พ.ศ.) = Common Era (ค.ศ.) + 543.
BE_OFFSET = 543
# Years at or above this are read as Buddhist Era, below it (down to CE_MIN) as Common Era.
BE_MIN = 2400
CE_MIN = 1900
# Rounds of the performance agreement (รอบ 6/9/12 เดือน), in months of the fiscal year.
ROUNDS = (6, 9, 12)

THAI_MONTHS_ABBR = tuple("ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split())
THAI_MONTHS_FULL = tuple(
    "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม".split()
)
EN_MONTHS_ABBR = tuple("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
EN_MONTHS_FULL = tuple(
    "January February March April May June July August September October November December".split()
)

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_THAI_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

# [0-9], not \d: \d would also accept Thai and other Unicode digits.
_PERIOD_PATTERNS = {
    "monthly": re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"),
    "quarterly": re.compile(r"([0-9]{4})-Q([1-4])"),
    "annual": re.compile(r"([0-9]{4})"),
    "fiscal_annual": re.compile(r"FY([0-9]{4})"),
    "biennial": re.compile(r"([0-9]{4})"),
}
_PERIOD_EXAMPLES = {
    "monthly": "2025-03",
    "quarterly": "2025-Q1",
    "annual": "2025",
    "fiscal_annual": "FY2568",
    "biennial": "2023",
}


# ---------------------------------------------------------------- validation


def _check_int(value: object, name: str) -> int:
    """Return value as int, or raise ValueError if it is not a whole number."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")  # noqa: TRY004
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(value)
    try:
        return int(value.__index__())  # int, numpy integers
    except (AttributeError, TypeError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def _check_date(d: object, name: str = "d") -> date:
    """Return d as a plain date, or raise ValueError if it is not a date."""
    if not isinstance(d, date):  # datetime and pandas.Timestamp are dates too
        raise ValueError(f"{name} must be a date, got {d!r}")  # noqa: TRY004
    return date(d.year, d.month, d.day)


def _check_frequency(frequency: object) -> str:
    """Return frequency, or raise ValueError if it is not one of FREQUENCIES."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; expected one of {FREQUENCIES}")
    return frequency  # type: ignore[return-value]


def _check_lang(lang: object) -> str:
    """Return lang, or raise ValueError if it is not 'th' or 'en'."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return lang  # type: ignore[return-value]


def _check_fiscal_year(fy_be: object) -> int:
    """Return a Buddhist fiscal year as int, or raise ValueError (e.g. for a CE year)."""
    fy = _check_int(fy_be, "fiscal year")
    if fy < BE_MIN:
        raise ValueError(
            f"fiscal year {fy} is not a Buddhist Era year (expected >= {BE_MIN}, e.g. 2568)"
        )
    return fy


def _check_ce(year: int, period: str) -> int:
    """Return a CE year from a period code, or raise ValueError if it looks Buddhist."""
    if not CE_MIN <= year < BE_MIN:
        raise ValueError(
            f"period {period!r}: year {year} is not a Common Era year "
            f"({CE_MIN}..{BE_MIN - 1}); period codes use CE years except 'FY' + Buddhist year"
        )
    return year


# ---------------------------------------------------------------- years


def be_year(ce_year: int) -> int:
    """Buddhist Era year of a Common Era year.

    >>> be_year(2025)
    2568
    """
    return _check_int(ce_year, "CE year") + BE_OFFSET


def ce_year(be_year: int) -> int:
    """Common Era year of a Buddhist Era year.

    >>> ce_year(2568)
    2025
    """
    return _check_int(be_year, "BE year") - BE_OFFSET


def normalise_year(y: float | str) -> int:
    """Buddhist year of a year given in either era (>= 2400 is BE, 1900..2399 is CE).

    Strings may use Thai digits, as Thai spreadsheets do.

    >>> normalise_year(2568), normalise_year(2025), normalise_year("๒๕๖๘")
    (2568, 2568, 2568)
    """
    if isinstance(y, str):
        text = thai_digits_to_arabic(y).strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError(f"year {y!r} is not a number")
        year = int(text)
    else:
        year = _check_int(y, "year")
    if year >= BE_MIN:
        return year
    if year >= CE_MIN:
        return year + BE_OFFSET
    raise ValueError(
        f"year {year} is out of range: expected a Buddhist year (>= {BE_MIN}) "
        f"or a Common Era year ({CE_MIN}..{BE_MIN - 1})"
    )


# ---------------------------------------------------------------- fiscal years


def fiscal_year_of(d: date) -> int:
    """Buddhist fiscal year (ปีงบประมาณ) of a date: from 1 October it is the next year's.

    >>> fiscal_year_of(date(2024, 9, 30)), fiscal_year_of(date(2024, 10, 1))
    (2567, 2568)
    """
    d = _check_date(d)
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """First and last day of a Buddhist fiscal year.

    >>> fiscal_year_bounds(2568)
    (datetime.date(2024, 10, 1), datetime.date(2025, 9, 30))
    """
    ce_end = _check_fiscal_year(fy_be) - BE_OFFSET
    return date(ce_end - 1, 10, 1), date(ce_end, 9, 30)


def window_fiscal_years(as_of: date, years_before: int = 3) -> list[int]:
    """The fiscal year of as_of and the years_before fiscal years before it, ascending.

    >>> window_fiscal_years(date(2025, 11, 22))
    [2566, 2567, 2568, 2569]
    """
    current = fiscal_year_of(as_of)
    n = _check_int(years_before, "years_before")
    if n < 0:
        raise ValueError(f"years_before must be >= 0, got {n}")
    return list(range(current - n, current + 1))


def round_end(fy_be: int, round_months: int) -> date:
    """Last day of the 6-, 9- or 12-month round (รอบ) of a fiscal year.

    >>> round_end(2568, 6), round_end(2568, 9), round_end(2568, 12)
    (datetime.date(2025, 3, 31), datetime.date(2025, 6, 30), datetime.date(2025, 9, 30))
    """
    ce_end = _check_fiscal_year(fy_be) - BE_OFFSET
    months = _check_int(round_months, "round_months")
    ends = {6: date(ce_end, 3, 31), 9: date(ce_end, 6, 30), 12: date(ce_end, 9, 30)}
    if months not in ends:
        raise ValueError(f"round must be one of {ROUNDS} months, got {round_months!r}")
    return ends[months]


# ---------------------------------------------------------------- periods


def _month_end(year: int, month: int) -> date:
    """Last day of a month."""
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def parse_period(period: str, frequency: str) -> tuple[int, int]:
    """(year, part) of a period code: part is the month, quarter, or 0 for yearly codes.

    The year is CE, except for fiscal_annual, where it is the Buddhist fiscal year.

    >>> parse_period("2025-03", "monthly"), parse_period("FY2568", "fiscal_annual")
    ((2025, 3), (2568, 0))
    """
    freq = _check_frequency(frequency)
    match = _PERIOD_PATTERNS[freq].fullmatch(period) if isinstance(period, str) else None
    if match is None:
        example = _PERIOD_EXAMPLES[freq]
        raise ValueError(
            f"period {period!r} is not a valid {freq} code (expected e.g. {example!r})"
        )
    year = int(match.group(1))
    if freq == "fiscal_annual":
        return _check_fiscal_year(year), 0
    _check_ce(year, period)
    part = int(match.group(2)) if freq in ("monthly", "quarterly") else 0
    return year, part


def period_bounds(period: str, frequency: str) -> tuple[date, date]:
    """First and last day of a period.

    >>> period_bounds("2024-02", "monthly")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> period_bounds("2025-Q4", "quarterly")
    (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    """
    year, part = parse_period(period, frequency)
    if frequency == "monthly":
        return date(year, part, 1), _month_end(year, part)
    if frequency == "quarterly":
        first_month = 3 * part - 2
        return date(year, first_month, 1), _month_end(year, first_month + 2)
    if frequency in ("annual", "biennial"):
        return date(year, 1, 1), date(year, 12, 31)
    return fiscal_year_bounds(year)


def period_of(d: date, frequency: str) -> str:
    """Code of the period that contains a date.

    >>> [period_of(date(2024, 10, 5), f) for f in FREQUENCIES]
    ['2024-10', '2024-Q4', '2024', 'FY2568', '2024']
    """
    d = _check_date(d)
    freq = _check_frequency(frequency)
    if freq == "fiscal_annual":
        return f"FY{fiscal_year_of(d)}"
    _check_ce(d.year, d.isoformat())
    if freq == "monthly":
        return f"{d.year:04d}-{d.month:02d}"
    if freq == "quarterly":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    return f"{d.year:04d}"


def shift_period(period: str, frequency: str, steps: int = 1) -> str:
    """The period steps periods after (or, if negative, before) a period (biennial: 2 years).

    >>> shift_period("2024-12", "monthly"), shift_period("2025-Q1", "quarterly", -1)
    ('2025-01', '2024-Q4')
    """
    year, part = parse_period(period, frequency)
    n = _check_int(steps, "steps")
    if frequency in ("monthly", "quarterly"):
        per_year = 12 if frequency == "monthly" else 4
        index = year * per_year + (part - 1) + n
        month = (index % per_year) * (12 // per_year) + 1
        return period_of(date(index // per_year, month, 1), frequency)
    if frequency in ("annual", "biennial"):
        return period_of(date(year + n * (2 if frequency == "biennial" else 1), 1, 1), frequency)
    return f"FY{_check_fiscal_year(year + n)}"


def is_expected(period: str, frequency: str) -> bool:
    """False only for a biennial period in an odd Buddhist year (no survey is due then)."""
    year, _ = parse_period(period, frequency)
    return frequency != "biennial" or (year + BE_OFFSET) % 2 == 0


def periods_between(start: date, end: date, frequency: str) -> list[str]:
    """Periods whose last day lies within [start, end], in order (biennial: survey years).

    >>> periods_between(date(2024, 10, 1), date(2025, 9, 30), "quarterly")
    ['2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3']
    >>> periods_between(date(2020, 1, 1), date(2024, 12, 31), "biennial")
    ['2021', '2023']
    """
    start, end = _check_date(start, "start"), _check_date(end, "end")
    freq = _check_frequency(frequency)
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    periods = []
    period = period_of(start, freq)
    if not is_expected(period, freq):
        period = str(int(period) + 1)
    while True:
        period_end = period_bounds(period, freq)[1]
        if period_end > end:
            return periods
        if period_end >= start:
            periods.append(period)
        period = shift_period(period, freq)


def periods_in_fiscal_years(first_fy_be: int, last_fy_be: int, frequency: str) -> list[str]:
    """Periods whose last day falls in fiscal years first_fy_be..last_fy_be.

    >>> periods_in_fiscal_years(2567, 2568, "annual")
    ['2023', '2024']
    >>> periods_in_fiscal_years(2568, 2568, "monthly")[:2]
    ['2024-10', '2024-11']
    """
    first = fiscal_year_bounds(first_fy_be)[0]
    last = fiscal_year_bounds(last_fy_be)[1]
    if first > last:
        raise ValueError(f"first fiscal year {first_fy_be} is after last {last_fy_be}")
    return periods_between(first, last, frequency)


def _check_lag(release_lag_days: object) -> int:
    """Return a release lag in days, or raise ValueError if negative or not whole."""
    lag = _check_int(release_lag_days, "release_lag_days")
    if lag < 0:
        raise ValueError(f"release_lag_days must be >= 0, got {lag}")
    return lag


def due_date(period: str, frequency: str, release_lag_days: int) -> date:
    """Date by which a period's value is due: period end + release lag in days.

    >>> due_date("2024-12", "monthly", 45)
    datetime.date(2025, 2, 14)
    """
    lag = _check_lag(release_lag_days)
    return period_bounds(period, frequency)[1] + timedelta(days=lag)


def latest_due_period(as_of: date, frequency: str, release_lag_days: int) -> str | None:
    """Most recent period whose due date is on or before as_of (None if none in range).

    >>> latest_due_period(date(2025, 2, 13), "monthly", 45)
    '2024-11'
    >>> latest_due_period(date(2025, 2, 14), "monthly", 45)
    '2024-12'
    """
    as_of = _check_date(as_of, "as_of")
    freq = _check_frequency(frequency)
    if freq == "biennial":  # the latest due year, or the survey year before it
        year = latest_due_period(as_of, "annual", release_lag_days)
        return year if year is None or is_expected(year, freq) else f"{int(year) - 1:04d}"
    # A period is due once its end <= as_of - lag; that is the period holding that
    # day if it ends there, otherwise the one before.
    last_end_allowed = as_of - timedelta(days=_check_lag(release_lag_days))
    if last_end_allowed.year < CE_MIN:
        return None
    period = period_of(last_end_allowed, freq)
    if period_bounds(period, freq)[1] > last_end_allowed:
        try:
            period = shift_period(period, freq, -1)
        except ValueError:  # before the supported range
            return None
    return period


# ---------------------------------------------------------------- Thai display


def thai_fiscal_year_label(fy_be: int, lang: str = "th") -> str:
    """Display name of a fiscal year.

    >>> thai_fiscal_year_label(2568), thai_fiscal_year_label(2568, "en")
    ('ปีงบประมาณ 2568', 'FY 2568')
    """
    fy = _check_fiscal_year(fy_be)
    return f"ปีงบประมาณ {fy}" if _check_lang(lang) == "th" else f"FY {fy}"


def thai_period_label(period: str, frequency: str, lang: str = "th") -> str:
    """Display name of a period: Buddhist years in Thai, CE years in English.

    >>> [thai_period_label(p, f) for p, f in [("2025-03", "monthly"), ("2025-Q1", "quarterly"),
    ...                                      ("2025", "annual"), ("FY2568", "fiscal_annual")]]
    ['มี.ค. 2568', 'ไตรมาส 1/2568', '2568', 'ปีงบประมาณ 2568']
    >>> thai_period_label("FY2568", "fiscal_annual", "en")
    'FY2568 (Oct 2024 - Sep 2025)'
    """
    year, part = parse_period(period, frequency)
    th = _check_lang(lang) == "th"
    if frequency == "monthly":
        if th:
            return f"{THAI_MONTHS_ABBR[part - 1]} {year + BE_OFFSET}"
        return f"{EN_MONTHS_ABBR[part - 1]} {year}"
    if frequency == "quarterly":
        return f"ไตรมาส {part}/{year + BE_OFFSET}" if th else f"Q{part} {year}"
    if frequency in ("annual", "biennial"):
        return str(year + BE_OFFSET) if th else str(year)
    if th:
        return thai_fiscal_year_label(year, "th")
    return f"FY{year} (Oct {year - BE_OFFSET - 1} - Sep {year - BE_OFFSET})"


def thai_date(d: date, lang: str = "th", full_month: bool = False) -> str:
    """A date the Thai way (day, month, Buddhist year), or in English with a CE year.

    >>> thai_date(date(2026, 11, 22)), thai_date(date(2026, 11, 22), full_month=True)
    ('22 พ.ย. 2569', '22 พฤศจิกายน 2569')
    >>> thai_date(date(2026, 11, 22), "en")
    '22 Nov 2026'
    """
    d = _check_date(d)
    if _check_lang(lang) == "th":
        months = THAI_MONTHS_FULL if full_month else THAI_MONTHS_ABBR
        return f"{d.day} {months[d.month - 1]} {d.year + BE_OFFSET}"
    months = EN_MONTHS_FULL if full_month else EN_MONTHS_ABBR
    return f"{d.day} {months[d.month - 1]} {d.year}"


def thai_digits_to_arabic(text: str) -> str:
    """Replace Thai digits (๐-๙) with 0-9; everything else is kept.

    >>> thai_digits_to_arabic("ร้อยละ ๘๐")
    'ร้อยละ 80'
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {text!r}")  # noqa: TRY004
    return text.translate(_THAI_TO_ARABIC)


# ---------------------------------------------------------------- numbers


def _check_decimals(decimals: object) -> int:
    """Return a number of decimals, or raise ValueError."""
    n = _check_int(decimals, "decimals")
    if not 0 <= n <= 10:
        raise ValueError(f"decimals must be between 0 and 10, got {n}")
    return n


def format_number_th(x: float | None, decimals: int = 0, missing: str = "-") -> str:
    """A number with comma thousands separators, rounded half up ('-' when missing).

    >>> format_number_th(1234567.891, 2), format_number_th(2.5), format_number_th(None)
    ('1,234,567.89', '3', '-')
    """
    n = _check_decimals(decimals)
    if is_missing(x):
        return missing
    value = half_up(x, n, "number")
    if value == 0:
        value = abs(value)  # no "-0.00"
    return f"{value:,.{n}f}"


def format_pct(x: float | None, decimals: int = 1, missing: str = "-") -> str:
    """A percentage figure (already 0..100) with a % sign, rounded half up.

    >>> format_pct(85.25, 1), format_pct(100), format_pct(float("nan"))
    ('85.3%', '100.0%', '-')
    """
    text = format_number_th(x, decimals, missing)
    return text if is_missing(x) else f"{text}%"

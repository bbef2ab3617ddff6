"""Table shapes agencies publish, as pure functions on header rows (lists of stripped text).

- A two-row header: a measure written once over merged cells, its unit in the
  row below (``ประชากร`` over ``คน``), read as one label per column,
  ``ประชากร (คน)``. Columns without a unit (area, year) keep the upper text.
- A year-down x month-across grid: a column per month (``ม.ค.`` ... ``ธ.ค.``,
  ``มกราคม``, ``Jan``, ``เดือน 1``), a year in each row; each cell's period is
  written as ``2565-03``, which :mod:`lib.ingest.periods` reads (Buddhist or
  Common Era by the year).
"""

from __future__ import annotations

import re

from lib.core import thaicalendar as tc
from lib.ingest.text import clean_text

# Units as agencies write them under a measure (compared without spaces, case, dots).
UNIT_WORDS = frozenset(
    """คน ราย บาท ล้านบาท พันบาท ล้านคน พันคน ร้อยละ % ไร่ ตัน ตันต่อไร่ แห่ง ครัวเรือน
    หลังคาเรือน หลัง เตียง ครั้ง คัน ตัว ห้อง ลิตร กิโลกรัม กก กม ตรกม ตารางกิโลเมตร
    เมตร ชั่วโมง วัน เดือน ปี บาทต่อคน บาทต่อเดือน บาทต่อปี คนต่อตรกม จุด ดัชนี
    แห่งต่อคน กิโลกรัมต่อไร่ ลูกบาศก์เมตร เมกะวัตต์ กิโลวัตต์ชั่วโมง ลบม หน่วย
    persons person people baht millionbaht rai tons ton households cases beds
    percent kg km km2 sqkm litres liters units index""".split()
)
_UNIT_PREFIX = re.compile(r"^(?:หน่วย|unit)\s*[:：]?\s*", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(\d{4}|\d{2})(?!\d)")
_YEAR_WORDS = re.compile(r"^(?:ปี|ปีพ\.?ศ\.?|พ\.?ศ\.?|ค\.?ศ\.?|year)\s*", re.IGNORECASE)


def unit_of(text: str) -> str:
    """The unit a cell names ("" when it is no unit): a unit word, bracketed or after หน่วย.

    Units joined by "/" (บาท/คน) are a unit too.

    >>> unit_of("(คน)"), unit_of("หน่วย: ล้านบาท"), unit_of("บาท/คน"), unit_of("%"), unit_of("65")
    ('คน', 'ล้านบาท', 'บาท/คน', '%', '')
    """
    s = _UNIT_PREFIX.sub("", clean_text(text).strip("()[]（） "))
    s = s.strip("()[]（） ")
    parts = [re.sub(r"[\s.]+", "", p).lower() for p in re.split(r"/|ต่อ", s)]
    if s and all(p in UNIT_WORDS for p in parts):
        return s
    return ""


def two_row_header(rows: list[list[str]], i: int) -> list[str] | None:
    """Labels of the header in rows i (measures) and i + 1 (units), or None if no unit row.

    A measure written once over merged cells continues over the blank cells to its
    right while a unit is under them; columns without a unit keep row i's text.

    >>> two_row_header([["จังหวัด", "ประชากร", "", "รายได้"], ["", "ชาย (คน)", "", ""]], 0)
    >>> two_row_header([["จังหวัด", "ปี", "ประชากร", "", "รายได้"],
    ...                 ["", "", "คน", "ครัวเรือน", "ล้านบาท"]], 0)
    ['จังหวัด', 'ปี', 'ประชากร (คน)', 'ประชากร (ครัวเรือน)', 'รายได้ (ล้านบาท)']
    >>> two_row_header([["จังหวัด", "ประชากร"], ["ระยอง", "734753"]], 0) is None
    True
    """
    if i + 1 >= len(rows):
        return None
    top, below = rows[i], rows[i + 1]
    units = [unit_of(c) for c in below]
    if not any(units) or any(c.strip() and not u for c, u in zip(below, units, strict=True)):
        return None  # no unit, or a cell that is no unit (data, an area name)
    if not any(c.strip() for c in top):
        return None
    labels, measure = [], ""
    for j in range(max(len(top), len(below))):
        text = top[j].strip() if j < len(top) else ""
        unit = units[j] if j < len(units) else ""
        if text:
            measure = text if unit else ""
        elif not unit:
            measure = ""
        name = text or measure
        labels.append(f"{name} ({unit})" if unit and name else unit or name)
    return labels


def _month_names() -> dict[str, int]:
    """Month names (Thai and English, short and full, with or without dots) -> month."""
    out: dict[str, int] = {}
    for names in (tc.THAI_MONTHS_ABBR, tc.THAI_MONTHS_FULL, tc.EN_MONTHS_ABBR, tc.EN_MONTHS_FULL):
        for m, name in enumerate(names, start=1):
            out[_month_key(name)] = m
    out["sept"] = 9
    for m in range(1, 13):
        out[f"เดือน{m}"] = out[f"เดือนที่{m}"] = m
    return out


def _month_key(text: str) -> str:
    return re.sub(r"[\s.]+", "", clean_text(text)).lower()


_MONTHS = _month_names()


def month_of(label: str) -> int | None:
    """The month a header names alone (ม.ค., มกราคม, มค, Jan, January, เดือน 1), else None.

    >>> month_of("ม.ค."), month_of("มีค"), month_of(" March "), month_of("เดือน ๓"), month_of("2565")
    (1, 3, 3, 3, None)
    """
    return _MONTHS.get(_month_key(label))


def month_columns(labels: list[str]) -> dict[int, int]:
    """Columns whose header is a month alone -> month; {} unless at least three are.

    >>> month_columns(["ปี", "ม.ค.", "ก.พ.", "มี.ค.", "รวม"])
    {1: 1, 2: 2, 3: 3}
    >>> month_columns(["จังหวัด", "ม.ค.", "ค่า"])
    {}
    """
    found = {j: m for j, label in enumerate(labels) if (m := month_of(label)) is not None}
    return found if len(found) >= 3 else {}


def grid_period_text(year_text: str, month: int, two_digit: bool = False) -> str:
    """Period text of the cell in a year's row and a month's column ("" without a year).

    Years as written: 2565, พ.ศ. 2565, ปี 2565, 2022 (Buddhist or Common Era, as
    lib.ingest.periods reads them); two digits (65 = 2565) only when two_digit.

    >>> grid_period_text("พ.ศ. 2565", 3), grid_period_text("2022", 12), grid_period_text("65", 1)
    ('2565-03', '2022-12', '')
    >>> grid_period_text("ปี ๖๕", 1, two_digit=True), grid_period_text("รวม", 1)
    ('2565-01', '')
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, got {month!r}")
    text = _YEAR_WORDS.sub("", clean_text(year_text)).strip()
    m = _YEAR.fullmatch(text)
    if m is None:
        return ""
    year = m.group(1)
    if len(year) == 2:
        if not two_digit:
            return ""
        year = str(2500 + int(year))
    return f"{year}-{month:02d}"

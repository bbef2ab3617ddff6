"""Cell text as Thai offices type it: normal form, Thai digits, header keys, string columns."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import thaicalendar as tc

RESOLVED_KEPT = 100_000  # texts a lookup remembers it resolved, before it starts again
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
# Totals by what they add up (compared without spaces, case or a trailing ":"): the whole
# country, everything in the file, or the rows above (a subtotal). Region and cluster names
# are totals too, but they come from the areas frame (lib.ingest.areas.AreaLookup.groups).
_TOTAL_WORDS = {
    "country": (
        "ทั่วราชอาณาจักร|ทั้งราชอาณาจักร|รวมทั่วราชอาณาจักร|รวมทั้งราชอาณาจักร|รวมทั้งประเทศ"
        "|ทั้งประเทศ|ทั่วประเทศ|รวมทั่วประเทศ|ประเทศไทย|wholekingdom|thewholekingdom"
        "|wholecountry|kingdom|thailand|allprovinces|ทุกจังหวัด|รวมทุกจังหวัด"
    ),
    "grand": "รวมทั้งสิ้น|ยอดรวมทั้งสิ้น|รวมทั้งหมด|ยอดรวมทั้งหมด|ทั้งหมด|grandtotal",
    "sum": "รวม|ยอดรวม|total|sum|subtotal|รวมอำเภอ|รวมเขต|รวมจังหวัด|รวมทุกอำเภอ|รวมทุกเขต",
}
_TOTAL_RE = {kind: re.compile(f"(?:{words})") for kind, words in _TOTAL_WORDS.items()}


def clean_text(text: object) -> str:
    """NFC, zero-width characters gone, Thai digits as 0-9, spaces collapsed and stripped.

    >>> clean_text("  จ.ระยอง\u200b  ๒๑ ")
    'จ.ระยอง 21'
    """
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFC", s).translate(_ZERO_WIDTH)
    # Sara am typed as nikhahit + sara aa (common in text pasted from PDF or Word).
    s = s.replace("\u0e4d\u0e32", "\u0e33")
    return SPACES.sub(" ", tc.thai_digits_to_arabic(s)).strip()


def header_key(text: object) -> str:
    """Matching key of a header: case, spaces, "_", "-", "." and a parenthesised suffix ignored.

    >>> header_key("Item_Code (รหัส)"), header_key("พ.ศ.")
    ('itemcode', 'พ.ศ.')
    """
    s = clean_text(text).lower()
    s = re.sub(r"\(.*\)\s*$", "", s).strip().rstrip(":：").strip()
    return re.sub(r"[\s_\-.]+", "", s) if s not in ("no.", "พ.ศ.", "ปีพ.ศ.") else s


@lru_cache(maxsize=65536)
def total_key(text: object) -> str:
    """Matching key of a total's or a group's label: lower case, no spaces, dots, "ฯ" or "-",
    "&" as "and", a leading "*" or a parenthesised suffix ignored.

    >>> total_key(" รวม ทั้งสิ้น : "), total_key("Bangkok & Vicinities (7)")
    ('รวมทั้งสิ้น', 'bangkokandvicinities')
    """
    s = clean_text(text).lower().strip("*").strip()
    s = re.sub(r"\(.*\)\s*$", "", s).strip().rstrip(":：").strip()
    return re.sub(r"[\s.\-ฯ_]+", "", s.replace("&", "and"))


def total_kind(text: object) -> str:
    """What a total label adds up: "country", "grand" (the whole file), "sum" (the rows
    above it) or "" for a label that is no total (region names: AreaLookup.groups).

    >>> total_kind("ทั่วราชอาณาจักร"), total_kind("รวมทั้งสิ้น"), total_kind("รวม"), total_kind("ระยอง")
    ('country', 'grand', 'sum', '')
    """
    key = total_key(text)
    return next((kind for kind, rx in _TOTAL_RE.items() if rx.fullmatch(key)), "")


def is_total(text: str) -> bool:
    """True for a total label ("รวม", "Total", "ทั่วราชอาณาจักร"...): not an area, item or period."""
    return bool(total_kind(text))


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A "str" Series over Arrow strings, without a round trip through Python objects."""
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=_STR))


def constant_str(text: str, n: int) -> pd.Series:
    """A "str" Series of n times the same text."""
    return str_series(pa.repeat(pa.scalar(text, pa.large_string()), n))


def take_str(values: list[str], codes: np.ndarray) -> pd.Series:
    """A str Series of values[codes] (taken in Arrow, not built string by string)."""
    return str_series(pc.take(pa.array(values, pa.large_string()), pa.array(codes)))

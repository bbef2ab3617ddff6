"""Numbers as offices type them, read a column at a time.

Thai digits, thousands separators (``1,234,567.50``; a comma elsewhere is
not_a_number), ``(12.5)`` = -12.5, a trailing ``%`` for percent items only.
Empty, ``-``, a dash or ``n/a`` is *missing, not zero*: in long form such a
row is skipped, silently when it is a blank template row (counted in
``blank_rows``) and with an ``empty_value`` warning when it holds a note (a
warning does not make the file fail ``ok``); in the wide forms an empty cell is
simply a cell not filled in and is skipped silently.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.ingest.text import clean_text

EMPTY_VALUES = ("", "-", "–", "—", "−", "n/a", "N/A", "na", "NA")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


# Plain decimals that Arrow and pandas both read exactly (15 characters at most: every
# digit string fits a double's mantissa, so both divide it by an exact power of ten).
_PLAIN_INT = r"^-?[0-9]{1,15}$"
_PLAIN_DECIMAL = r"^-?[0-9]+(?:\.[0-9]+)?$"


def _plain_values(raw: pd.Series, empty: np.ndarray) -> np.ndarray | None:
    """pd.to_numeric(raw, errors="coerce") as floats, read by Arrow; None unless every text
    is empty (see EMPTY_VALUES) or a plain decimal of at most 15 characters.

    pandas reads a column of integers only as int64 ("-0" is 0) and any other column
    as floats ("-0" is -0.0); the empty texts do not parse, so they make it floats.
    """
    arr = pa.array(raw.array)
    if not len(arr) or arr.null_count:
        return None
    short = pc.less_equal(pc.utf8_length(arr), 15)
    if empty.any():
        texts = pc.filter(arr, pa.array(~empty))
        if not pc.all(pc.match_substring_regex(texts, _PLAIN_DECIMAL)).as_py():
            return None
        if not pc.all(pc.filter(short, pa.array(~empty))).as_py():
            return None
        values = np.full(len(raw), np.nan)
        values[~empty] = pc.cast(texts, pa.float64()).to_numpy()
        return values
    if not pc.all(short).as_py():
        return None
    if pc.all(pc.match_substring_regex(arr, _PLAIN_INT)).as_py():
        return np.array(pc.cast(pc.cast(arr, pa.int64()), pa.float64()).to_numpy())
    if pc.all(pc.match_substring_regex(arr, _PLAIN_DECIMAL)).as_py():
        return np.array(pc.cast(arr, pa.float64()).to_numpy())
    return None


def parse_values(raw: pd.Series, is_percent: np.ndarray) -> tuple:
    """(values, empty mask, bad mask, detail_th, detail_en) of stripped value texts."""
    empty = raw.isin(EMPTY_VALUES).to_numpy()
    values = _plain_values(raw, empty)
    if values is None:
        numbers = pd.to_numeric(raw, errors="coerce")
        values = np.array(numbers.to_numpy(dtype=float, na_value=np.nan))
    slow = np.isnan(values) & ~empty
    n = len(raw)
    detail_th: np.ndarray | str = ""
    detail_en: np.ndarray | str = ""
    if slow.any():
        detail_th = np.full(n, "", dtype=object)
        detail_en = np.full(n, "", dtype=object)
        _parse_written(raw, slow, is_percent, values, detail_th, detail_en)
    bad = ~empty & ~np.isfinite(values)
    return values, empty, bad, detail_th, detail_en


def _parse_written(
    raw: pd.Series,
    slow: np.ndarray,
    is_percent: np.ndarray,
    values: np.ndarray,
    detail_th: np.ndarray,
    detail_en: np.ndarray,
) -> None:
    """Fill values[slow] from texts such as '1,234.5', '(12)', '45%'; details say what is wrong."""
    s = raw[slow].map(clean_text).str.replace(r"[\s']", "", regex=True)
    s = s.str.replace("\u2212", "-", regex=False)
    neg = s.str.fullmatch(r"\(.*\)")
    s = s.where(~neg, s.str.slice(1, -1))
    pct = s.str.endswith("%")
    s = s.where(~pct, s.str.slice(0, -1))
    comma = s.str.contains(",", regex=False)
    bad_comma = comma & ~s.str.fullmatch(_GROUPED.pattern)
    s = s.str.replace(",", "", regex=False)
    parsed = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    parsed = np.where(neg.to_numpy(), -parsed, parsed)
    pct_np = pct.to_numpy()
    bad_pct = pct_np & ~is_percent[slow]
    parsed[bad_comma.to_numpy() | bad_pct] = np.nan
    values[slow] = parsed
    idx = np.flatnonzero(slow)
    detail_th[idx[bad_pct]] = " (มีเครื่องหมาย % แต่รายการนี้ไม่ใช่ร้อยละ)"
    detail_en[idx[bad_pct]] = " (a % sign, but this item is not a percentage)"
    detail_th[idx[bad_comma.to_numpy()]] = " (ใช้จุลภาคคั่นหลักพันไม่ถูกตำแหน่ง)"
    detail_en[idx[bad_comma.to_numpy()]] = " (a comma that is not a thousands separator)"


def format_bound(x: float) -> str:
    """A valid_min/valid_max as shown in a message: '-' when there is none.

    >>> format_bound(1234567.0), format_bound(float("nan"))
    ('1,234,567', '-')
    """
    return "-" if np.isnan(x) else f"{x:,.10g}"

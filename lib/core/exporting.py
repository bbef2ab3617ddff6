"""Safe exports: CSV that a spreadsheet opens as data, never as formulas.

A text cell that starts with = + - @ (or a tab or carriage return) is run as a
formula by Excel and LibreOffice ("CSV injection"); such cells get a leading
apostrophe, which the spreadsheet shows as plain text. Numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """The value, with a leading apostrophe when it is text a spreadsheet would run.

    Numbers, and text that is a plain number such as "-12.5", stay as they are.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("-5"), neutralise_cell(-5), neutralise_cell("-1+2"), neutralise_cell("ก")
    ('-5', -5, "'-1+2", 'ก')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        if not _NUMBER.fullmatch(value.strip()):
            return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell (and column name) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell, na_action="ignore").astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel shows Thai correctly), formulas neutralised."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def safe_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An XLSX workbook of the frame, formulas neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()

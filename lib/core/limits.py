"""How much one uploaded file may hold: the limits checked before and while it is read.

Every limit has a default that fits a province's files and an environment
variable that changes it (a whole number above zero; sizes in MB). A file over
a limit is rejected as a whole with a message naming the limit and the value
found; nothing is written. The limits bound what reading costs, so a careless
or hostile file is answered within seconds and in bounded memory.

============================ ========== ==================================================
environment variable          default    what
============================ ========== ==================================================
EIS_MAX_UPLOAD_MB             50         size of the file
EIS_MAX_UNZIPPED_MB           200        XLSX/ODS: total size of the archive's members
EIS_MAX_ZIP_MEMBERS           1000       XLSX/ODS: number of members of the archive
EIS_MAX_ROWS                  1000000    data rows
EIS_MAX_COLUMNS               500        columns of a row
EIS_MAX_CELLS                 10000000   cells (rows x columns) of the file
EIS_MAX_CELL_CHARS            32767      characters in one cell (Excel's own limit)
EIS_MAX_LINE_CHARS            100000     characters in one line of a CSV file
EIS_CONFIRM_YEARS_BEFORE      2500       periods before this Buddhist year (1957 CE) are
                                         read only when the upload confirms them
============================ ========== ==================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from lib.core.i18n import InputError

MB = 1024 * 1024

# field -> (environment variable, Thai name, English name)
LIMIT_NAMES: dict[str, tuple[str, str, str]] = {
    "file_mb": ("EIS_MAX_UPLOAD_MB", "ขนาดไฟล์ (MB)", "file size (MB)"),
    "unzipped_mb": (
        "EIS_MAX_UNZIPPED_MB",
        "ขนาดเมื่อแตกไฟล์ XLSX (MB)",
        "unpacked size of the XLSX (MB)",
    ),
    "zip_members": (
        "EIS_MAX_ZIP_MEMBERS",
        "จำนวนไฟล์ย่อยใน XLSX",
        "number of members of the XLSX archive",
    ),
    "rows": ("EIS_MAX_ROWS", "จำนวนแถว", "rows"),
    "columns": ("EIS_MAX_COLUMNS", "จำนวนคอลัมน์", "columns"),
    "cells": ("EIS_MAX_CELLS", "จำนวนเซลล์ (แถว x คอลัมน์)", "cells (rows x columns)"),
    "cell_chars": ("EIS_MAX_CELL_CHARS", "จำนวนตัวอักษรในเซลล์", "characters in a cell"),
    "line_chars": ("EIS_MAX_LINE_CHARS", "จำนวนตัวอักษรในบรรทัด", "characters in a line"),
    "confirm_years_before": (
        "EIS_CONFIRM_YEARS_BEFORE",
        "ปี พ.ศ. ที่งวดก่อนหน้านั้นต้องยืนยัน",
        "Buddhist year before which periods need confirmation",
    ),
}


@dataclass(frozen=True)
class Limits:
    """The limits of one upload (see the module table for meaning and variables)."""

    file_mb: int = 50
    unzipped_mb: int = 200
    zip_members: int = 1000
    rows: int = 1_000_000
    columns: int = 500
    cells: int = 10_000_000
    cell_chars: int = 32_767
    line_chars: int = 100_000
    confirm_years_before: int = 2500

    @property
    def file_bytes(self) -> int:
        """file_mb in bytes."""
        return self.file_mb * MB

    @property
    def unzipped_bytes(self) -> int:
        """unzipped_mb in bytes."""
        return self.unzipped_mb * MB

    def with_rows(self, rows: int | None) -> Limits:
        """The same limits with another row limit (None keeps this one)."""
        return self if rows is None else replace(self, rows=rows)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip().replace("_", "").replace(",", "")
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise InputError(
            f"ค่าของ {name} ต้องเป็นจำนวนเต็มมากกว่าศูนย์ (ได้ '{os.environ[name]}')",
            f"{name} must be a whole number above zero (got '{os.environ[name]}')",
        )
    return int(text)


def current() -> Limits:
    """The limits in force: each default unless its environment variable sets it.

    >>> current().cell_chars
    32767
    """
    default = Limits()
    return Limits(
        **{
            f.name: _env_int(LIMIT_NAMES[f.name][0], getattr(default, f.name))
            for f in fields(Limits)
        }
    )


def over_limit_text(name: str, found: int | str, limit: int) -> tuple[str, str]:
    """Thai and English text naming a limit, the value found and the limit's variable.

    >>> over_limit_text("columns", 1001, 500)[1]
    'columns 1,001 over the limit of 500 (EIS_MAX_COLUMNS)'
    """
    variable, th, en = LIMIT_NAMES[name]
    shown = f"{found:,}" if isinstance(found, int) else found
    return (
        f"{th} {shown} เกินขีดจำกัด {limit:,} ({variable})",
        f"{en} {shown} over the limit of {limit:,} ({variable})",
    )

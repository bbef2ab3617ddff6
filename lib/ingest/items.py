"""Data items of the catalogue as a file names them: by code (any case) or by exact name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from lib.ingest.text import RESOLVED_KEPT, clean_text, header_key


@dataclass(frozen=True)
class Item:
    """What validation needs to know of one catalogue item."""

    code: str
    frequency: str
    area_level: str
    valid_min: float
    valid_max: float
    is_percent: bool
    name_th: str
    name_en: str
    decimals: int = 6  # the item's decimals: values are stored rounded half up to them
    crop_year: str = "start"  # "2565/66" is the year the season starts ("start") or ends ("end")
    base_year: int | None = None  # an index's base year (BE); another in a file's title warns
    aggregation: str = ""  # how values combine over areas ("sum" adds up to a total row)


def _float_or_nan(x: object) -> float:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return f


def _item_of(r: dict) -> Item:
    """An Item from a catalogue record; a unit of ร้อยละ / percent makes it a percentage."""
    unit = f"{r.get('unit_th') or ''} {r.get('unit_en') or ''}".lower()
    return Item(
        code=str(r["code"]),
        frequency=str(r["frequency"]),
        area_level=str(r["area_level"]),
        valid_min=_float_or_nan(r.get("valid_min")),
        valid_max=_float_or_nan(r.get("valid_max")),
        is_percent="ร้อยละ" in unit or "percent" in unit,
        name_th=str(r.get("name_th") or ""),
        name_en=str(r.get("name_en") or ""),
        decimals=_decimals(r.get("decimals")),
        crop_year="end" if str(r.get("crop_year") or "").strip() == "end" else "start",
        base_year=_base_year(r.get("base_year")),
        aggregation=str(r.get("aggregation") or ""),
    )


def _base_year(x: object) -> int | None:
    """An item's base year (BE), None when the catalogue row has none."""
    f = _float_or_nan(x)
    return None if f != f else int(f)


def _decimals(x: object) -> int:
    """An item's decimals (6 when the catalogue row has none)."""
    try:
        return min(max(int(x), 0), 10)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 6


class ItemLookup:
    """Catalogue lookup: code (case-insensitive) or exact Thai/English name -> item."""

    def __init__(self, items: pd.DataFrame):
        missing = {"code", "frequency", "area_level"} - set(items.columns)
        if missing:
            raise ValueError(f"items frame lacks columns {sorted(missing)}")
        self.info: dict[str, Item] = {}
        self.by_key: dict[str, str] = {}
        for r in items.to_dict("records"):
            item = _item_of(r)
            self.info[item.code] = item
            self.by_key[item.code.upper()] = item.code
        for item in self.info.values():  # names never shadow a code
            for name in (item.name_th, item.name_en):
                key = header_key(name)
                if key:
                    self.by_key.setdefault(key, item.code)
        self._cache: dict[str, tuple] = {}

    def resolve(self, text: str) -> tuple:
        """(code, "", "") or (None, detail_th, detail_en) with suggestions."""
        hit = self._cache.get(text)
        if hit is None:
            if len(self._cache) >= RESOLVED_KEPT:  # one lookup serves many files
                self._cache.clear()
            hit = self._cache[text] = self._resolve(text)
        return hit

    def _resolve(self, text: str) -> tuple:
        t = clean_text(text)
        code = self.by_key.get(t.upper()) or self.by_key.get(header_key(t))
        if code is None and (m := re.match(r"([A-Za-z0-9_]+)(?:\s*[-:–(]|\s)", t)):
            code = self.by_key.get(m.group(1).upper())  # "FIN01 ผลการเบิกจ่าย..."
        if code is not None:
            return (code, "", "")
        close = difflib.get_close_matches(t.upper(), list(self.info), n=3, cutoff=0.6)
        if not close:
            return (None, "", "")
        names = ", ".join(close)
        return (None, f" (หรือหมายถึง {names})", f" (did you mean {names}?)")

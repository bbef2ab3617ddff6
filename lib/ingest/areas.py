"""Provinces and districts as files name them: codes, names, short names, suggestions.

Names are compared after NFC, with zero-width characters and odd spacing
removed, English case-insensitive, spaces/hyphens/dots ignored.

=============================== ===============================================
written                         read as
=============================== ===============================================
21, 21.0, ๒๑, 2101, 2101.0      DOPA code (Excel's float form accepted)
TH-21, th21                     ISO 3166-2 code of a province
ระยอง, จ.ระยอง, จังหวัดระยอง      province by Thai name; Rayong, Rayong Province
กรุงเทพฯ, กทม., อยุธยา, Korat     common short names of provinces
บ้านฉาง, อ.บ้านฉาง, อำเภอบ้านฉาง   district by name, when unique in the country
อ.บ้านฉาง จ.ระยอง, Ban Chang,    district within a province (also an อำเภอ column
Rayong, บ้านฉาง ระยอง           next to a จังหวัด column); อ.เมือง จ.ระยอง is
                                the capital district
เขตพระนคร, พระนคร               Bangkok khet with or without เขต
a name found more than once     ambiguous_area listing the candidates
a name found nowhere            unknown_area suggesting the nearest names
a province for a district item  area_level_mismatch (and vice versa)
a code beside a province column area_conflict when the province column names
                                another province (2102 beside ชลบุรี), never a
                                silent choice of one of them
ภาคเหนือ, North, Northern Region region or cluster of the areas frame (any level
Whole Kingdom, ประเทศไทย          but province and district) and the country:
                                totals, set aside (lib.ingest.totals)
=============================== ===============================================
"""

from __future__ import annotations

import difflib
import functools
import re

import pandas as pd

from lib.core.i18n import pick
from lib.ingest.text import RESOLVED_KEPT, clean_text, is_total, total_key

_TH_PROVINCE_PREFIX = re.compile(r"^(?:จังหวัด|จ\.)\s*")
_TH_DISTRICT_PREFIX = re.compile(r"^(?:กิ่งอำเภอ|กิ่ง\s*อ\.|อำเภอ|อ\.|เขต)\s*")
_EN_PROVINCE_AFFIX = re.compile(r"^(?:changwat\s+|province\s+of\s+)|\s+province$", re.I)
_EN_DISTRICT_AFFIX = re.compile(
    r"^(?:king\s+amphoe\s+|amphoe\s+|amphur\s+|khet\s+)|\s+district$", re.I
)
_TH_PROVINCE_IN_TEXT = re.compile(r"\s*(?:จังหวัด|จ\.)\s*(\S.*)$")
_THAI_CHAR = re.compile(r"[\u0e00-\u0e7f]")
_CODE = re.compile(r"(\d{2}|\d{4})(?:\.0+)?")
_ISO = re.compile(r"th-?(\d{2})", re.I)
_MUEANG = ("เมือง", "mueang")
_PROVINCE_ALIASES = {
    "กรุงเทพ": "10",
    "กรุงเทพฯ": "10",
    "กทม": "10",
    "krungthep": "10",
    "krungthepmahanakhon": "10",
    "bkk": "10",
    "อยุธยา": "14",
    "ayutthaya": "14",
    "ayudhya": "14",
    "โคราช": "30",
    "korat": "30",
}


# Keys are pure functions of a name, asked again by every upload (the reference's ~2,000
# names each time): kept once computed.
@functools.lru_cache(maxsize=65536)
def _name_key(text: str) -> str:
    """Matching key of a name: lower case, no spaces, hyphens, dots or apostrophes."""
    key = re.sub(r"[\s\-.'’`]+", "", text.lower())
    return key.replace("muang", "mueang")


@functools.lru_cache(maxsize=65536)
def _province_key(text: str) -> str:
    t = _EN_PROVINCE_AFFIX.sub("", _TH_PROVINCE_PREFIX.sub("", text.strip())).strip()
    return _name_key(t)


@functools.lru_cache(maxsize=65536)
def _district_key(text: str) -> str:
    t = _EN_DISTRICT_AFFIX.sub("", _TH_DISTRICT_PREFIX.sub("", text.strip())).strip()
    return _name_key(t)


# Other spellings of the groups' names (keys of lib.ingest.text.total_key).
_GROUP_ALIASES = {
    "กรุงเทพมหานครและปริมณฑล": "กรุงเทพและปริมณฑล",
    "กทมและปริมณฑล": "กรุงเทพและปริมณฑล",
    "bangkokandvicinity": "bangkokandvicinities",
    "bangkokmetropolitanregion": "bangkokandvicinities",
    "greaterbangkok": "bangkokandvicinities",
}


def group_key(text: object) -> str:
    """Matching key of a region's or cluster's name: "รวม"/"total" and "region" ignored,
    "Northern" as "North".

    >>> group_key("รวมภาคเหนือ"), group_key("Northeastern Region"), group_key("กทม. และปริมณฑล")
    ('ภาคเหนือ', 'northeast', 'กรุงเทพและปริมณฑล')
    """
    key = re.sub(r"^(?:ยอดรวม|รวม|total)|total$", "", total_key(text))
    key = re.sub(r"(north|south|east|west)ern", r"\1", key.replace("region", ""))
    return _GROUP_ALIASES.get(key, key)


class AreaLookup:
    """Province and district lookup by code, ISO code or name (see the module table).

    members: province membership of the regions and clusters (group_code, province_code),
    as the store's grouping_members; without it a region total is set aside unchecked.
    """

    def __init__(self, areas: pd.DataFrame, members: pd.DataFrame | None = None):
        missing = {"code", "level", "name_th", "name_en"} - set(areas.columns)
        if missing:
            raise ValueError(f"areas frame lacks columns {sorted(missing)}")
        self._index_groups(areas, members)
        frame = areas[areas["level"].isin(["province", "district"])]
        self.level: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        self.names: dict[str, tuple[str, str]] = {}
        self.provinces: dict[str, set[str]] = {}
        self.districts: dict[str, set[str]] = {}
        self.in_province: dict[tuple[str, str], set[str]] = {}
        for r in frame.to_dict("records"):
            code = str(r["code"])
            self.level[code] = r["level"]
            self.parent[code] = str(r.get("parent_code") or "")
            self.names[code] = (clean_text(r["name_th"]), clean_text(r["name_en"]))
        self._index_names()
        self._pool: dict[bool, dict[str, set[str]]] = {True: {}, False: {}}
        for code, (th, en) in self.names.items():
            key = _province_key if self.level[code] == "province" else _district_key
            self._pool[True].setdefault(key(th), set()).add(code)
            self._pool[False].setdefault(key(en), set()).add(code)
        self._cache: dict[tuple[str, str], tuple] = {}

    def _index_groups(self, areas: pd.DataFrame, members: pd.DataFrame | None) -> None:
        """groups (name key -> codes), group_names and members of the regions, clusters and
        the country: every level of the areas frame but province and district."""
        self.groups: dict[str, set[str]] = {}
        self.group_names: dict[str, tuple[str, str, str]] = {}  # code -> (level, th, en)
        self.members: dict[str, frozenset[str]] = {}
        for r in areas[~areas["level"].isin(["province", "district"])].to_dict("records"):
            code = str(r["code"])
            names = (clean_text(r["name_th"]), clean_text(r["name_en"]))
            self.group_names[code] = (str(r["level"]), *names)
            for name in (r["name_th"], r["name_en"]):
                if key := group_key(name):
                    self.groups.setdefault(key, set()).add(code)
        if members is not None and len(members):
            by_group = members.groupby(members["group_code"].astype(str))["province_code"]
            self.members = {g: frozenset(map(str, p)) for g, p in by_group}

    def group(self, text: str) -> tuple[str, ...]:
        """Codes of the regions or clusters (or the country) a label names; () for none."""
        return tuple(sorted(self.groups.get(group_key(text), ())))

    def province_codes(self) -> frozenset[str]:
        """Codes of every province."""
        return frozenset(c for c, level in self.level.items() if level == "province")

    def _index_names(self) -> None:
        """Fill provinces, districts and in_province: name keys, aliases, เมือง districts."""
        for code, (th, en) in self.names.items():
            if self.level[code] == "province":
                for key in (_province_key(th), _province_key(en)):
                    self.provinces.setdefault(key, set()).add(code)
            else:
                for key in (_district_key(th), _district_key(en)):
                    self.districts.setdefault(key, set()).add(code)
                    self.in_province.setdefault((self.parent[code], key), set()).add(code)
                if th.startswith("เมือง") or en.startswith("Mueang"):
                    for word in _MUEANG:
                        self.districts.setdefault(word, set()).add(code)
                        self.in_province.setdefault((self.parent[code], word), set()).add(code)
        for key, code in _PROVINCE_ALIASES.items():
            if code in self.level:
                self.provinces.setdefault(key, set()).add(code)
        # A province without a Mueang district: its capital district bears its name (14 -> 1401).
        for code, level in self.level.items():
            if level != "province" or (code, "เมือง") in self.in_province:
                continue
            capital = self.in_province.get((code, _province_key(self.names[code][0])))
            if capital:
                for word in _MUEANG:
                    self.in_province[(code, word)] = set(capital)
                    self.districts.setdefault(word, set()).update(capital)

    def label(self, code: str, lang: str) -> str:
        """'บ้านฉาง จ.ระยอง (2102)' / 'Ban Chang, Rayong (2102)'; provinces without parent."""
        th, en = self.names[code]
        if self.level[code] == "district":
            pth, pen = self.names.get(self.parent[code], ("", ""))
            return pick((f"{th} จ.{pth} ({code})", f"{en}, {pen} ({code})"), lang)
        return pick((f"{th} ({code})", f"{en} ({code})"), lang)

    def resolve(self, text: str, qualifier: str = "") -> tuple:
        """(candidate codes, detail_th, detail_en[, "area_conflict"]); none means unknown."""
        hit = self._cache.get((text, qualifier))
        if hit is None:
            if len(self._cache) >= RESOLVED_KEPT:  # one lookup serves many files
                self._cache.clear()
            hit = self._cache[(text, qualifier)] = self._resolve(text, qualifier)
        return hit

    def _suggest(self, text: str, codes: set[str] | None = None) -> tuple:
        thai = bool(_THAI_CHAR.search(text))
        pool = self._pool[thai]
        if codes is not None:
            pool = {k: v & codes for k, v in pool.items() if v & codes}
        key = _district_key(text) if _TH_DISTRICT_PREFIX.match(text) else _province_key(text)
        close = difflib.get_close_matches(key, list(pool), n=3, cutoff=0.6)
        found = sorted({c for k in close for c in pool[k]})[:5]
        if not found:
            return ((), "", "")
        th = ", ".join(self.label(c, "th") for c in found)
        en = ", ".join(self.label(c, "en") for c in found)
        return ((), f" (หรือหมายถึง: {th})", f" (did you mean: {en}?)")

    def _resolve(self, text: str, qualifier: str) -> tuple:
        t = clean_text(text)
        if t.startswith("'"):
            t = t[1:]
        q = clean_text(qualifier)
        if not t:
            t, q = q, ""
        if m := _CODE.fullmatch(t):
            code = m.group(1)
            if code in self.level:
                return self._within(code, q)
            return ((), " (ไม่มีรหัสพื้นที่นี้)", " (no area has this code)")
        if m := _ISO.fullmatch(t):
            code = m.group(1)
            if self.level.get(code) == "province":
                return self._within(code, q)
            return ((), " (ไม่มีรหัส ISO นี้)", " (no province has this ISO code)")
        district_part, province_part = t, q
        if not province_part:
            m = _TH_PROVINCE_IN_TEXT.search(t)
            if m and m.start() > 0:
                district_part, province_part = t[: m.start()], m.group(1)
            elif "," in t:
                district_part, province_part = (s.strip() for s in t.rsplit(",", 1))
        if province_part:
            return self._in_province(district_part, province_part)
        return self._by_name(t)

    def _within(self, code: str, province_text: str) -> tuple:
        """A coded area checked against the province column beside it (area_conflict)."""
        if not province_text:
            return ((code,), "", "")
        provinces = self._province(province_text)
        province = code if self.level[code] == "province" else self.parent[code]
        if province in provinces:
            return ((code,), "", "")
        th = f": {self.label(code, 'th')} แต่คอลัมน์จังหวัดระบุ '{province_text}'"
        en = f": {self.label(code, 'en')}, but the province column says '{province_text}'"
        return ((), th, en, "area_conflict")

    def _in_province(self, district_part: str, province_part: str) -> tuple:
        """A district (name or code) within a named province."""
        provinces = self._province(province_part)
        if not provinces:
            return self._suggest(province_part)
        if _CODE.fullmatch(district_part):
            found = {district_part.split(".")[0]} & set(self.level)
        else:
            dkey = _district_key(district_part)
            found = set().union(*(self.in_province.get((p, dkey), set()) for p in provinces))
        if found:
            return (tuple(sorted(found)), "", "")
        inside = {c for c, p in self.parent.items() if p in provinces}
        return self._suggest(district_part, inside)

    def _by_name(self, t: str) -> tuple:
        """A province or district by its name alone, or 'district province' without prefix."""
        district_prefix = bool(_TH_DISTRICT_PREFIX.match(t) or _EN_DISTRICT_AFFIX.search(t))
        province_prefix = bool(_TH_PROVINCE_PREFIX.match(t) or _EN_PROVINCE_AFFIX.search(t))
        found = set()
        if not district_prefix:
            found |= self._province(t)
        if not province_prefix:
            found |= self.districts.get(_district_key(t), set())
        if not found and " " in t:  # "บ้านฉาง ระยอง": district then province, no prefix
            words = t.split(" ")
            for i in range(len(words) - 1, 0, -1):
                provinces = self._province(" ".join(words[i:]))
                dkey = _district_key(" ".join(words[:i]))
                found = set().union(*(self.in_province.get((p, dkey), set()) for p in provinces))
                if found:
                    break
        if found:
            return (tuple(sorted(found)), "", "")
        return self._suggest(t)

    def _province(self, text: str) -> set[str]:
        if m := _CODE.fullmatch(text):
            return {m.group(1)} if self.level.get(m.group(1)) == "province" else set()
        if m := _ISO.fullmatch(text):
            return {m.group(1)} if self.level.get(m.group(1)) == "province" else set()
        return self.provinces.get(_province_key(text), set())


_LEVEL_TH = {"province": "ระดับจังหวัด", "district": "ระดับอำเภอ"}
_LEVEL_EN = {"province": "a province", "district": "a district"}


def decide_area(areas: AreaLookup, text: str, qualifier: str, level: str) -> tuple:
    """(code, problem, detail_th, detail_en, given) for an area text at an item level."""
    if not text and not qualifier:
        return (None, None, "", "", False)
    if is_total(text):
        return (None, None, "", "", True)
    candidates, th, en, *conflict = areas.resolve(text, qualifier)
    if not candidates:
        return (None, conflict[0] if conflict else "unknown_area", th, en, True)
    at_level = [c for c in candidates if not level or areas.level[c] == level]
    if len(at_level) == 1:
        return (at_level[0], None, "", "", True)
    if len(at_level) > 1:
        shown = at_level[:6]
        more_th = f" และอีก {len(at_level) - 6} แห่ง" if len(at_level) > 6 else ""
        more_en = f" and {len(at_level) - 6} more" if len(at_level) > 6 else ""
        return (
            None,
            "ambiguous_area",
            ", ".join(areas.label(c, "th") for c in shown) + more_th,
            ", ".join(areas.label(c, "en") for c in shown) + more_en,
            True,
        )
    other = areas.level[candidates[0]]
    return (
        None,
        "area_level_mismatch",
        f"เป็นพื้นที่{_LEVEL_TH[other]} แต่รายการนี้เก็บข้อมูล{_LEVEL_TH[level]}",
        f"is {_LEVEL_EN[other]}, but this item is reported by {level}",
        True,
    )

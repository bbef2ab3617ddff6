"""What the cockpit looks at: the scope, the round and the rest of the URL (pure).

- **scope**: ``TH`` (country), a region (``R7-E``), a provincial cluster
  (``C17-E1``) or a province (DOPA code ``21``), by code or by name.
- **as of**: figures are as known at the as-of date (today unless the URL says
  ``asof=YYYY-MM-DD``).
- **default round**: the latest round whose end has passed.
- **history** (sparklines): round 12 of the `HISTORY_YEARS` fiscal years before,
  then the rounds of the chosen year up to the chosen one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, lang_or_default, pick, pick_from
from lib.engine import coverage as cv
from lib.views.labels import LEVEL_LABELS

SCOPE_LEVELS = ("country", "region", "cluster", "province")
_SCOPE_COLUMNS = ("code", "level", "scheme", "name_th", "name_en")  # scope_table's
ROUNDS = tc.ROUNDS
HISTORY_YEARS = 3
FY_CHOICES = 10  # fiscal years offered in the picker, ending with the as-of date's
DEFAULT_REFRESH_S = 60
MIN_REFRESH_S = 5
MAX_REFRESH_S = 3600
MAX_CYCLE = 30
CYCLE_TOO_LONG = "\u2026"  # parse_cycle's mark of a list cut at MAX_CYCLE
SHOWN_CHARS = 30  # a URL value quoted in a message is cut to this length
FIRST_AS_OF = date(2000, 1, 1)  # the earliest as-of date (fiscal year 2543) a URL may ask for
_PROVINCE_PREFIXES = ("จังหวัด", "จ.")


# ---------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What the cockpit looks at: the country, a region, a cluster or a province."""

    code: str
    level: str
    scheme: str | None = None
    name_th: str = ""
    name_en: str = ""

    def name(self, lang: str = "th") -> str:
        """The area's name in a language."""
        return pick(Text(self.name_th, self.name_en), lang)

    def label(self, lang: str = "th") -> str:
        """Level and name, e.g. 'จังหวัด ระยอง'."""
        if self.level == "country":
            return self.name(lang)
        return f"{pick(LEVEL_LABELS[self.level], lang)} {self.name(lang)}"


def scope_table(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas a scope may be: code, level, scheme, name_th, name_en (country first; then by
    level, scheme (none first) and code). Plain Python: every cockpit run reads it."""
    cv._check_columns(areas, ["code", "level", "name_th", "name_en"], "areas")
    order = {lvl: i for i, lvl in enumerate(SCOPE_LEVELS)}
    levels, codes = areas["level"].tolist(), areas["code"].tolist()
    schemes = areas["scheme"].tolist() if "scheme" in areas else [None] * len(levels)
    none = [s is None or (not isinstance(s, str) and bool(pd.isna(s))) for s in schemes]
    rows = sorted(
        (i for i, level in enumerate(levels) if level in order),
        key=lambda i: (order[levels[i]], not none[i], "" if none[i] else schemes[i], codes[i]),
    )
    out = areas.iloc[rows].reset_index(drop=True)
    out = out.assign(scheme=[None if none[i] else schemes[i] for i in rows])
    return out[list(_SCOPE_COLUMNS)]


def parse_scope(text: object, areas: pd.DataFrame) -> Scope:
    """The scope named by a code (TH, R7-E, C17-E1, 21) or an area's Thai or English name.

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> parse_scope("จ.ระยอง", areas).code, parse_scope("th", areas).level
    ('21', 'country')
    """
    return _find_scope(text, scope_table(areas))


def _find_scope(text: object, table: pd.DataFrame) -> Scope:
    """parse_scope in a scope_table (made once for the several scopes a query reads)."""
    raw = tc.thai_digits_to_arabic(str(text if text is not None else "")).strip()
    if not raw:
        raise ValueError("the scope is empty: give TH, a region, a cluster or a province code")
    rows = list(zip(*(table[c].tolist() for c in _SCOPE_COLUMNS), strict=True))
    hit = [r for r in rows if str(r[0]).upper() == raw.upper()]
    if not hit:
        name = raw
        for prefix in _PROVINCE_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :].strip()
        en = raw.casefold()
        hit = [r for r in rows if r[3] == name or (isinstance(r[4], str) and r[4].casefold() == en)]
    if not hit:
        raise ValueError(
            f"unknown scope {raw!r}: expected TH, a region (R7-E), a provincial cluster (C17-E1) "
            "or a province code (21)"
        )
    code, level, scheme, name_th, name_en = hit[0]
    scheme = scheme if isinstance(scheme, str) else None
    return Scope(str(code), str(level), scheme, str(name_th), str(name_en))


def country_scope(areas: pd.DataFrame) -> Scope:
    """The whole country."""
    return parse_scope(cv.COUNTRY_CODE, areas)


def scope_options(areas: pd.DataFrame, cluster_scheme: str, region_scheme: str) -> pd.DataFrame:
    """Scopes offered by the picker: country, regions and clusters of the schemes, provinces."""
    table = scope_table(areas)
    shown = {"region": region_scheme, "cluster": cluster_scheme}
    keep = [
        level in ("country", "province") or (scheme is not None and shown.get(level) == scheme)
        for level, scheme in zip(table["level"].tolist(), table["scheme"].tolist(), strict=True)
    ]
    return table.loc[np.array(keep, dtype=bool)].reset_index(drop=True)


def option_label(row: Mapping, lang: str = "th") -> str:
    """Picker text of a scope: 'จังหวัด ระยอง (21)'."""
    name = pick_from(row, "name", lang)
    if row["level"] == "country":
        return name
    return f"{pick(LEVEL_LABELS[row['level']], lang)} {name} ({row['code']})"


# ---------------------------------------------------------------- rounds


def default_round(as_of: date) -> tuple[int, int]:
    """The latest (fiscal year, round) whose end has passed by as_of.

    >>> default_round(date(2026, 11, 22)), default_round(date(2026, 5, 1))
    ((2569, 12), (2569, 6))
    """
    fy = tc.fiscal_year_of(as_of)
    for year in (fy, fy - 1):
        for months in sorted(ROUNDS, reverse=True):
            if tc.round_end(year, months) <= as_of:
                return year, months
    return fy - 1, 12


def fiscal_year_choices(as_of: date, n: int = FY_CHOICES) -> list[int]:
    """Fiscal years offered, newest first, ending with the as-of date's.

    >>> fiscal_year_choices(date(2026, 11, 22), 3)
    [2570, 2569, 2568]
    """
    fy = tc.fiscal_year_of(as_of)
    return list(range(fy, fy - n, -1))


def _check_round(round_months: int) -> None:
    if round_months not in ROUNDS:
        raise ValueError(f"round must be one of {ROUNDS}, got {round_months!r}")


def previous_round(fiscal_year: int, round_months: int) -> tuple[int, int]:
    """The round before: 9 -> 6 of the same year, 6 -> 12 of the year before.

    >>> previous_round(2569, 12), previous_round(2569, 6)
    ((2569, 9), (2568, 12))
    """
    _check_round(round_months)
    if round_months == ROUNDS[0]:
        return fiscal_year - 1, ROUNDS[-1]
    return fiscal_year, ROUNDS[ROUNDS.index(round_months) - 1]


def history_rounds(
    fiscal_year: int, round_months: int, years: int = HISTORY_YEARS
) -> list[tuple[int, int]]:
    """Rounds of a sparkline, oldest first: round 12 of earlier years, then this year's.

    >>> history_rounds(2569, 9, 2)
    [(2567, 12), (2568, 12), (2569, 6), (2569, 9)]
    """
    _check_round(round_months)
    past = [(fiscal_year - k, ROUNDS[-1]) for k in range(years, 0, -1)]
    return past + [(fiscal_year, r) for r in ROUNDS if r <= round_months]


def earlier_rounds(fiscal_year: int, round_months: int, as_of: date) -> list[tuple[int, int]]:
    """The history rounds before this one whose fiscal year has begun by as_of.

    >>> earlier_rounds(2569, 9, date(2026, 11, 22))
    [(2566, 12), (2567, 12), (2568, 12), (2569, 6)]
    """
    return [
        (f, r)
        for f, r in history_rounds(fiscal_year, round_months)[:-1]
        if tc.fiscal_year_bounds(f)[0] <= as_of
    ]


def round_label(fiscal_year: int, round_months: int, lang: str = "th") -> str:
    """Short axis label of a round, Buddhist year: '2569/6 ด.' or 'FY2569/6m'.

    >>> round_label(2569, 6), round_label(2569, 12, "en")
    ('2569/6 ด.', 'FY2569/12m')
    """
    return pick(Text(f"{fiscal_year}/{round_months} ด.", f"FY{fiscal_year}/{round_months}m"), lang)


def round_title(fiscal_year: int, round_months: int, lang: str = "th") -> str:
    """'ปีงบประมาณ 2569 รอบ 12 เดือน' / 'FY 2569, 12-month round'."""
    year = tc.thai_fiscal_year_label(fiscal_year, lang)
    return pick(
        Text(f"{year} รอบ {round_months} เดือน", f"{year}, {round_months}-month round"), lang
    )


# ---------------------------------------------------------------- URL state


@dataclass(frozen=True)
class CockpitQuery:
    """The view a URL asks for; problems lists the values that were ignored (Text)."""

    scope: Scope
    fiscal_year: int
    round_months: int
    as_of: date
    as_of_given: bool = False
    lang: str = "th"
    kpi: str | None = None
    wall: bool = False
    refresh_s: int = DEFAULT_REFRESH_S
    cycle: tuple[Scope, ...] = ()
    problems: tuple[Text, ...] = field(default=(), compare=False)

    def scopes(self) -> tuple[Scope, ...]:
        """Scopes the wall cycles through (just the scope when there is no cycle)."""
        return self.cycle or (self.scope,)


def _first(params: Mapping, key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "on")


def parse_cycle(text: str | None, areas: pd.DataFrame) -> tuple[tuple[Scope, ...], list[str]]:
    """Scopes of a comma-separated cycle list and the entries that were not understood.

    Only the first MAX_CYCLE entries are read; a longer list is named as a bad entry.

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> [s.code for s in parse_cycle("21, TH,xx,21", areas)[0]], parse_cycle("21,xx", areas)[1]
    (['21', 'TH'], ['xx'])
    """
    scopes: list[Scope] = []
    bad: list[str] = []
    parts = [p.strip() for p in (text or "").split(",", MAX_CYCLE) if p.strip()]
    if len(parts) > MAX_CYCLE:  # the rest of the text, unsplit: never parsed
        bad.append(CYCLE_TOO_LONG)
        parts = parts[:MAX_CYCLE]
    for part in parts:
        try:
            scope = parse_scope(part, areas)
        except ValueError:
            bad.append(part)
            continue
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes), bad


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A URL value as a message quotes it: at most limit characters.

    >>> shown("9" * 40, 8)
    '99999999…'
    """
    text = str(text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def read_as_of(text: str | None, today: date) -> tuple[date, Text | None]:
    """The as-of date of a URL value (ISO, CE or BE year) and the reason it was refused.

    Between FIRST_AS_OF and today; anything else falls back to today with a reason.

    >>> read_as_of("2569-05-01", date(2026, 11, 22))
    (datetime.date(2026, 5, 1), None)
    >>> read_as_of("9999-12-31", date(2026, 11, 22))[1].en
    'asof=9999-12-31 is after today (2026-11-22): shown as of today'
    """
    raw = tc.thai_digits_to_arabic(str(text or "")).strip()
    if not raw:
        return today, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, Text(
            f"วันที่ asof={shown(raw)} ไม่ถูกต้อง (ใช้ ปปปป-ดด-วว): แสดง ณ วันนี้",
            f"asof={shown(raw)} is not a date (use YYYY-MM-DD): shown as of today",
        )
    if day.year >= tc.BE_MIN:  # a Buddhist year, as Thai users write dates
        try:
            day = day.replace(year=day.year - tc.BE_OFFSET)
        except ValueError:  # 29 February of a year that is not a leap year in CE
            day = day.replace(year=day.year - tc.BE_OFFSET, day=28)
    if day > today:
        return today, Text(
            f"วันที่ asof={shown(raw)} เลยวันนี้ ({today.isoformat()}): แสดง ณ วันนี้",
            f"asof={shown(raw)} is after today ({today.isoformat()}): shown as of today",
        )
    if day < FIRST_AS_OF:
        return today, Text(
            f"วันที่ asof={shown(raw)} ก่อน {FIRST_AS_OF.isoformat()}: แสดง ณ วันนี้",
            f"asof={shown(raw)} is before {FIRST_AS_OF.isoformat()}: shown as of today",
        )
    return day, None


def read_fiscal_year(text: str | None, as_of: date) -> tuple[int | None, Text | None]:
    """The fiscal year (BE) of a URL value and the reason it was refused (None: no value).

    From the fiscal year of FIRST_AS_OF to the as-of date's; a CE year is converted.

    >>> read_fiscal_year("2026", date(2026, 11, 22))
    (2569, None)
    >>> read_fiscal_year("99999999999999999999", date(2026, 11, 22))[1].en
    'fiscal year 99999999999999999999 cannot be shown: give a year from 2543 to 2570'
    """
    raw = tc.thai_digits_to_arabic(str(text or "")).strip()
    if not raw:
        return None, None
    first, last = tc.fiscal_year_of(FIRST_AS_OF), tc.fiscal_year_of(as_of)
    try:
        year = tc.normalise_year(raw) if len(raw) <= 6 else None
    except ValueError:
        year = None
    if year is not None and first <= year <= last:
        return year, None
    return None, Text(
        f"ปีงบประมาณ {shown(raw)} ใช้ไม่ได้: ใส่ปี {first} ถึง {last}",
        f"fiscal year {shown(raw)} cannot be shown: give a year from {first} to {last}",
    )


def _read_as_of(params: Mapping, today: date, problems: list[Text]) -> tuple[date, bool]:
    text = _first(params, "asof") or _first(params, "as_of")  # as_of: the way people type it
    as_of, problem = read_as_of(text, today)
    if problem:
        problems.append(problem)
    return as_of, bool(text) and problem is None


def _read_round(params: Mapping, as_of: date, problems: list[Text]) -> tuple[int, int]:
    fy, months = default_round(as_of)
    year, problem = read_fiscal_year(_first(params, "fy"), as_of)
    if problem:
        problems.append(problem)
    fy = year or fy
    text = _first(params, "round")
    if text:
        digits = tc.thai_digits_to_arabic(text).strip()
        if digits in {str(r) for r in ROUNDS}:
            months = int(digits)
        else:
            problems.append(
                Text(
                    f"รอบ {shown(text)} ไม่มี (6, 9, 12): แสดงรอบ {months} เดือน",
                    f"round {shown(text)} is not 6, 9 or 12: showing the {months}-month round",
                )
            )
    return fy, months


def _read_scopes(params: Mapping, areas: pd.DataFrame, problems: list[Text], default: str):
    table = scope_table(areas)
    scope = _find_scope(default, table)
    text = _first(params, "scope")
    if text:
        try:
            scope = _find_scope(text, table)
        except ValueError:
            problems.append(
                Text(
                    f"ไม่พบพื้นที่ {shown(text)}: แสดง{scope.name('th')}",
                    f"unknown scope {shown(text)}: showing {scope.name('en')}",
                )
            )
    cycle, bad = parse_cycle(_first(params, "cycle"), areas)
    if CYCLE_TOO_LONG in bad:
        bad.remove(CYCLE_TOO_LONG)
        problems.append(
            Text(
                f"รายการหมุนเวียนยาวเกิน {MAX_CYCLE} พื้นที่: ใช้ {MAX_CYCLE} พื้นที่แรก",
                f"the cycle lists more than {MAX_CYCLE} scopes: the first {MAX_CYCLE} are used",
            )
        )
    if bad:
        names = ", ".join(shown(part) for part in bad[:3]) + (" …" if len(bad) > 3 else "")
        problems.append(Text(f"ไม่พบพื้นที่ {names} ในรายการหมุนเวียน", f"unknown scope {names} in cycle"))
    return scope, cycle


def _read_refresh(params: Mapping, problems: list[Text]) -> int:
    text = _first(params, "refresh")
    if not text:
        return DEFAULT_REFRESH_S
    try:
        return min(max(int(text), MIN_REFRESH_S), MAX_REFRESH_S)
    except ValueError:
        problems.append(
            Text(f"refresh={shown(text)} ไม่ใช่จำนวนวินาที", f"refresh={shown(text)} is not seconds")
        )
        return DEFAULT_REFRESH_S


def _read_kpi(params: Mapping, problems: list[Text]) -> str | None:
    text = (_first(params, "kpi") or "").strip().upper()
    if len(text) > SHOWN_CHARS:
        problems.append(Text(f"ไม่พบตัวชี้วัด {shown(text)}", f"no KPI {shown(text)}"))
        return None
    return text or None


def parse_query(
    params: Mapping, areas: pd.DataFrame, today: date, default_scope: str = cv.COUNTRY_CODE
) -> CockpitQuery:
    """Read scope, fy, round, asof, lang, kpi, wall, refresh and cycle from URL parameters.

    Anything not understood falls back to its default and is named in problems; the scope's
    default is the deployment's (a province deployment opens on its province).

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> q = parse_query({"scope": "21", "fy": "2568", "round": "9"}, areas, date(2026, 11, 22))
    >>> q.scope.code, q.fiscal_year, q.round_months, q.wall
    ('21', 2568, 9, False)
    """
    problems: list[Text] = []
    as_of, as_of_given = _read_as_of(params, today, problems)
    fy, months = _read_round(params, as_of, problems)
    scope, cycle = _read_scopes(params, areas, problems, default_scope)
    refresh = _read_refresh(params, problems)
    return CockpitQuery(
        scope=scope,
        fiscal_year=fy,
        round_months=months,
        as_of=as_of,
        as_of_given=as_of_given,
        lang=lang_or_default(_first(params, "lang")),
        kpi=_read_kpi(params, problems),
        wall=_flag(_first(params, "wall")),
        refresh_s=refresh,
        cycle=cycle,
        problems=tuple(problems),
    )


def encode_query(q: CockpitQuery) -> dict[str, str]:
    """URL parameters of a view (the inverse of parse_query for what it understood).

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> q = parse_query({"scope": "21", "fy": "2568", "round": "9", "lang": "en"}, areas,
    ...                 date(2026, 11, 22))
    >>> encode_query(q)
    {'scope': '21', 'fy': '2568', 'round': '9', 'lang': 'en'}
    """
    out = {"scope": q.scope.code, "fy": str(q.fiscal_year), "round": str(q.round_months)}
    if q.as_of_given:
        out["asof"] = q.as_of.isoformat()
    if q.lang == "en":
        out["lang"] = "en"
    if q.kpi:
        out["kpi"] = q.kpi
    if q.wall:
        out["wall"] = "1"
        out["refresh"] = str(q.refresh_s)
    if q.cycle:
        out["cycle"] = ",".join(s.code for s in q.cycle)
    return out

"""The governor's cockpit (ห้องบัญชาการ): what needs a decision now, for one scope and round.

It shows the engine's figures (`lib.kpi`, `lib.coverage`) and computes none of
its own: the functions here pick the scope's rows, compare with the previous
round, order the exceptions by severity, rank peers and draw the charts.
Pure functions (frames in, frames or figures out), then a store layer at the
end (`round_figures`) that calls the engine once per fiscal year and round for
every level, so that any scope of that round is a cheap selection.

Rules chosen here:

- **scope**: ``TH`` (country), a region (``R7-E``), a provincial cluster
  (``C17-E1``) or a province (DOPA code ``21``). A cluster or region is
  computed under its own grouping scheme with the membership in force at the
  round's end (clamped to the scheme's validity, so the 2009 clusters still
  work for old years); a province's cluster is the set in force at that date.
- **as of**: figures are as known at the as-of date (today unless the URL says
  ``asof=YYYY-MM-DD``); the data-health window ends at the round's end, as the
  KPI 4.4 score of that round does (for round 12 this is exactly
  `coverage.coverage` for the fiscal year).
- **default round**: the latest round whose end has passed.
- **exceptions** (severity 3 > 2 > 1): red KPIs (heaviest weight first; marked
  unreliable when the engine says the data under them is poor), KPIs whose
  score fell since the previous round (largest drop first), overdue datasets
  (an item whose latest due period is missing in some member area; longest
  overdue first) with the owner agency and the responsible person.
- **history** (sparklines): round 12 of the `HISTORY_YEARS` fiscal years before,
  then the rounds of the chosen year up to the chosen one.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core import thaicalendar as tc
from lib.core.settings import DEFAULT_REGION_SCHEME
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.engine.scoring import RELIABILITY_REASONS, format_score

SCOPE_LEVELS = ("country", "region", "cluster", "province")
ROUNDS = tc.ROUNDS
HISTORY_YEARS = 3
FY_CHOICES = 10  # fiscal years offered in the picker, ending with the as-of date's
DEFAULT_REFRESH_S = 60
MIN_REFRESH_S = 5
MAX_REFRESH_S = 3600
MAX_CYCLE = 30
WEAKEST_N = 5
FONT = "Sarabun, sans-serif"
LIGHT_COLOURS = {"green": "#1a9850", "amber": "#f0a202", "red": "#d73027"}
NO_LIGHT = "#9e9e9e"
LIGHT_LABELS = {"green": ("เขียว", "green"), "amber": ("เหลือง", "amber"), "red": ("แดง", "red")}
REASON_LABELS = {**RELIABILITY_REASONS, "no_data": ("ไม่มีข้อมูล", "no data")}
LEVEL_LABELS = {
    "country": ("ประเทศ", "Country"),
    "region": ("ภาค", "Region"),
    "cluster": ("กลุ่มจังหวัด", "Provincial cluster"),
    "province": ("จังหวัด", "Province"),
}
KIND_LABELS = {
    "red": ("ตัวชี้วัดสีแดง", "Red KPI"),
    "falling": ("ตัวชี้วัดลดลงจากรอบก่อน", "KPI falling since last round"),
    "overdue": ("ข้อมูลค้างส่ง", "Overdue dataset"),
}
SEVERITY = {"red": 3, "falling": 2, "overdue": 1}
HEALTH_COLUMNS = ("complete_pct", "correct_pct", "timely_pct", "correct_and_timely_pct")
HEALTH_LABELS = {
    "complete_pct": ("ครบถ้วน", "Complete"),
    "correct_pct": ("ถูกต้อง", "Correct"),
    "timely_pct": ("ทันเหตุการณ์", "Timely"),
    "correct_and_timely_pct": ("ถูกต้องและทันเหตุการณ์", "Correct and timely"),
}
_EPS = 1e-9


def _pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA


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
        return self.name_en if lang == "en" else self.name_th

    def label(self, lang: str = "th") -> str:
        """Level and name, e.g. 'จังหวัด ระยอง'."""
        if self.level == "country":
            return self.name(lang)
        return f"{_pick(lang, LEVEL_LABELS[self.level])} {self.name(lang)}"


def scope_table(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas a scope may be: code, level, scheme, name_th, name_en (country first)."""
    cv._check_columns(areas, ["code", "level", "name_th", "name_en"], "areas")
    out = areas.loc[areas["level"].isin(SCOPE_LEVELS)].copy()
    if "scheme" not in out:
        out["scheme"] = None
    order = {lvl: i for i, lvl in enumerate(SCOPE_LEVELS)}
    out["_o"] = out["level"].map(order)
    out = out.sort_values(["_o", "scheme", "code"], na_position="first", ignore_index=True)
    return out[["code", "level", "scheme", "name_th", "name_en"]]


_PROVINCE_PREFIXES = ("จังหวัด", "จ.")


def parse_scope(text: object, areas: pd.DataFrame) -> Scope:
    """The scope named by a code (TH, R7-E, C17-E1, 21) or an area's Thai or English name.

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> parse_scope("จ.ระยอง", areas).code, parse_scope("th", areas).level
    ('21', 'country')
    """
    raw = tc.thai_digits_to_arabic(str(text if text is not None else "")).strip()
    if not raw:
        raise ValueError("the scope is empty: give TH, a region, a cluster or a province code")
    table = scope_table(areas)
    key = raw.upper()
    hit = table.loc[table["code"].str.upper() == key]
    if hit.empty:
        name = raw
        for prefix in _PROVINCE_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :].strip()
        hit = table.loc[
            (table["name_th"] == name) | (table["name_en"].str.casefold() == raw.casefold())
        ]
    if hit.empty:
        raise ValueError(
            f"unknown scope {raw!r}: expected TH, a region (R7-E), a provincial cluster (C17-E1) "
            "or a province code (21)"
        )
    row = hit.iloc[0]
    scheme = row["scheme"] if isinstance(row["scheme"], str) else None
    return Scope(
        str(row["code"]), str(row["level"]), scheme, str(row["name_th"]), str(row["name_en"])
    )


def country_scope(areas: pd.DataFrame) -> Scope:
    """The whole country."""
    return parse_scope(cv.COUNTRY_CODE, areas)


def scope_options(areas: pd.DataFrame, cluster_scheme: str, region_scheme: str) -> pd.DataFrame:
    """Scopes offered by the picker: country, regions and clusters of the schemes, provinces."""
    table = scope_table(areas)
    keep = (
        table["level"].isin(["country", "province"])
        | ((table["level"] == "region") & (table["scheme"] == region_scheme))
        | ((table["level"] == "cluster") & (table["scheme"] == cluster_scheme))
    )
    return table.loc[keep].reset_index(drop=True)


def option_label(row: Mapping, lang: str = "th") -> str:
    """Picker text of a scope: 'จังหวัด ระยอง (21)'."""
    name = row["name_en"] if lang == "en" else row["name_th"]
    if row["level"] == "country":
        return name
    return f"{_pick(lang, LEVEL_LABELS[row['level']])} {name} ({row['code']})"


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


def previous_round(fiscal_year: int, round_months: int) -> tuple[int, int]:
    """The round before: 9 -> 6 of the same year, 6 -> 12 of the year before.

    >>> previous_round(2569, 12), previous_round(2569, 6)
    ((2569, 9), (2568, 12))
    """
    if round_months not in ROUNDS:
        raise ValueError(f"round must be one of {ROUNDS}, got {round_months!r}")
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
    if round_months not in ROUNDS:
        raise ValueError(f"round must be one of {ROUNDS}, got {round_months!r}")
    past = [(fiscal_year - k, ROUNDS[-1]) for k in range(years, 0, -1)]
    return past + [(fiscal_year, r) for r in ROUNDS if r <= round_months]


def round_label(fiscal_year: int, round_months: int, lang: str = "th") -> str:
    """Short axis label of a round, Buddhist year: '2569/6 ด.' or 'FY2569/6m'.

    >>> round_label(2569, 6), round_label(2569, 12, "en")
    ('2569/6 ด.', 'FY2569/12m')
    """
    if lang == "en":
        return f"FY{fiscal_year}/{round_months}m"
    return f"{fiscal_year}/{round_months} ด."


def round_title(fiscal_year: int, round_months: int, lang: str = "th") -> str:
    """'ปีงบประมาณ 2569 รอบ 12 เดือน' / 'FY 2569, 12-month round'."""
    if lang == "en":
        return f"{tc.thai_fiscal_year_label(fiscal_year, 'en')}, {round_months}-month round"
    return f"{tc.thai_fiscal_year_label(fiscal_year)} รอบ {round_months} เดือน"


# ---------------------------------------------------------------- URL state


@dataclass(frozen=True)
class CockpitQuery:
    """The view a URL asks for; problems lists (th, en) messages for values that were ignored."""

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
    problems: tuple[tuple[str, str], ...] = field(default=(), compare=False)

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

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> [s.code for s in parse_cycle("21, TH,xx,21", areas)[0]], parse_cycle("21,xx", areas)[1]
    (['21', 'TH'], ['xx'])
    """
    scopes: list[Scope] = []
    bad: list[str] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            scope = parse_scope(part, areas)
        except ValueError:
            bad.append(part)
            continue
        if scope not in scopes and len(scopes) < MAX_CYCLE:
            scopes.append(scope)
    return tuple(scopes), bad


def parse_query(params: Mapping, areas: pd.DataFrame, today: date) -> CockpitQuery:
    """Read scope, fy, round, asof, lang, kpi, wall, refresh and cycle from URL parameters.

    Anything not understood falls back to its default and is named in problems.

    >>> areas = pd.DataFrame({"code": ["TH", "21"], "level": ["country", "province"],
    ...     "name_th": ["ประเทศไทย", "ระยอง"], "name_en": ["Thailand", "Rayong"]})
    >>> q = parse_query({"scope": "21", "fy": "2568", "round": "9"}, areas, date(2026, 11, 22))
    >>> q.scope.code, q.fiscal_year, q.round_months, q.wall
    ('21', 2568, 9, False)
    """
    problems: list[tuple[str, str]] = []
    as_of, as_of_given = today, False
    text = _first(params, "asof")
    if text:
        try:
            as_of, as_of_given = date.fromisoformat(text.strip()), True
        except ValueError:
            problems.append((f"วันที่ asof={text} ไม่ถูกต้อง", f"asof={text} is not a date"))
    fy, months = default_round(as_of)
    text = _first(params, "fy")
    if text:
        try:
            year = tc.normalise_year(tc.thai_digits_to_arabic(text))
            tc.fiscal_year_bounds(year)
            if tc.fiscal_year_bounds(year)[0] > as_of:
                raise ValueError("fiscal year after as-of")
            fy = year
        except ValueError:
            problems.append((f"ปีงบประมาณ {text} ใช้ไม่ได้", f"fiscal year {text} cannot be shown"))
    text = _first(params, "round")
    if text:
        if text.strip() in {str(r) for r in ROUNDS}:
            months = int(text)
        else:
            problems.append((f"รอบ {text} ไม่มี (6, 9, 12)", f"round {text} is not 6, 9 or 12"))
    scope = country_scope(areas)
    text = _first(params, "scope")
    if text:
        try:
            scope = parse_scope(text, areas)
        except ValueError:
            problems.append((f"ไม่พบพื้นที่ {text}", f"unknown scope {text}"))
    cycle, bad = parse_cycle(_first(params, "cycle"), areas)
    for part in bad:
        problems.append((f"ไม่พบพื้นที่ {part} ในรายการหมุนเวียน", f"unknown scope {part} in cycle"))
    refresh = DEFAULT_REFRESH_S
    text = _first(params, "refresh")
    if text:
        try:
            refresh = min(max(int(text), MIN_REFRESH_S), MAX_REFRESH_S)
        except ValueError:
            problems.append((f"refresh={text} ไม่ใช่จำนวนวินาที", f"refresh={text} is not seconds"))
    lang = "en" if _first(params, "lang") == "en" else "th"
    kpi = (_first(params, "kpi") or "").strip().upper() or None
    return CockpitQuery(
        scope=scope,
        fiscal_year=fy,
        round_months=months,
        as_of=as_of,
        as_of_given=as_of_given,
        lang=lang,
        kpi=kpi,
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


def cycle_scope(q: CockpitQuery, tick: int) -> Scope:
    """The scope the wall shows at its tick-th refresh (0 = the first).

    The cycle starts at the URL's scope when that scope is in it.
    """
    scopes = q.scopes()
    start = scopes.index(q.scope) if q.scope in scopes else 0
    return scopes[(start + max(int(tick), 0)) % len(scopes)]


# ---------------------------------------------------------------- figures of one round


@dataclass(frozen=True)
class RoundFigures:
    """The engine's results of one round for every level (small frames; cached per version)."""

    fiscal_year: int
    round_months: int
    as_of: date
    schemes: dict
    scores: pd.DataFrame  # kpi.RESULT_COLUMNS + scheme, all levels
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # coverage.SUMMARY_COLUMNS
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame)  # per area x data group
    members: pd.DataFrame = field(default_factory=pd.DataFrame)  # province -> cluster, region
    overdue: pd.DataFrame = field(default_factory=pd.DataFrame)  # per item x province
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)  # health per district
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)  # the KPI catalogue
    items: pd.DataFrame = field(default_factory=pd.DataFrame)  # the item catalogue
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)  # code, level, names, parent


def area_rows(frame: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """Rows of one area at one level."""
    if frame.empty:
        return frame
    return frame.loc[(frame["level"] == level) & (frame["area_code"] == code)]


def member_provinces(scope: Scope, members: pd.DataFrame) -> list[str]:
    """Province codes inside a scope (a province is its own only member).

    >>> m = pd.DataFrame({"province_code": ["20", "21", "10"], "cluster_code": ["E1", "E1", None],
    ...                   "region_code": ["E", "E", "BKK"]})
    >>> member_provinces(Scope("E1", "cluster"), m), member_provinces(Scope("TH", "country"), m)
    (['20', '21'], ['10', '20', '21'])
    """
    if scope.level == "province":
        return [scope.code]
    if scope.level == "country":
        return sorted(members["province_code"])
    column = f"{scope.level}_code"
    return sorted(members.loc[members[column] == scope.code, "province_code"])


def peer_provinces(scope: Scope, members: pd.DataFrame) -> list[str]:
    """Provinces a province is compared with: its cluster, else its region (Bangkok)."""
    row = members.loc[members["province_code"] == scope.code]
    if row.empty:
        return [scope.code]
    for column in ("cluster_code", "region_code"):
        group = row[column].iloc[0]
        if isinstance(group, str):
            return sorted(members.loc[members[column] == group, "province_code"])
    return [scope.code]


def composite_of(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per area: area_code, names, level, composite, composite_light."""
    cols = ["area_code", "area_name_th", "area_name_en", "level", "composite", "composite_light"]
    return scores[cols].drop_duplicates(["level", "area_code"]).reset_index(drop=True)


def rank_of(values: pd.Series, code: str, higher_is_better: bool = True) -> tuple[int | None, int]:
    """(rank, number ranked) of code among values (ties share the best rank; NaN unranked).

    >>> rank_of(pd.Series({"a": 3.0, "b": 4.0, "c": 3.0, "d": np.nan}), "c")
    (2, 3)
    """
    values = values.dropna()
    if code not in values.index:
        return None, len(values)
    ranks = values.rank(ascending=not higher_is_better, method="min")
    return int(ranks[code]), len(values)


def kpi_trends(history: Mapping[tuple[int, int], pd.DataFrame], scope: Scope) -> pd.DataFrame:
    """The scope's KPI results over the history rounds, oldest first (long frame)."""
    rows = []
    for (fy, months), scores in sorted(history.items()):
        part = area_rows(scores, scope.level, scope.code)
        if part.empty:
            continue
        part = part[["kpi_code", "result", "score", "light", "composite"]].assign(
            fiscal_year=fy, round_months=months
        )
        rows.append(part)
    columns = ["kpi_code", "fiscal_year", "round_months", "result", "score", "light", "composite"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def tiles(current: pd.DataFrame, previous: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI of the scope: value, target, score, weighted score, light, change.

    current / previous: the scope's rows of kpi.scores for this and the previous
    round; kpis: the catalogue (for English names, thresholds and descriptions).

    >>> cur = pd.DataFrame({"kpi_code": ["K"], "kpi_name_th": ["ก"], "method": ["linear"],
    ...     "weight_pct": [7.0], "result": [69.87], "target": [80.0], "unit_th": ["ร้อยละ"],
    ...     "score": [2.974], "weighted_score": [0.2082], "light": ["red"], "reliable": [False],
    ...     "reasons": ["stale"]})
    >>> prev = pd.DataFrame({"kpi_code": ["K"], "score": [3.5]})
    >>> t = tiles(cur, prev, pd.DataFrame({"code": ["K"], "name_en": ["k"], "unit_en": ["%"]}))
    >>> t[["value_text", "score_text", "weighted_text"]].iloc[0].tolist(), bool(t["falling"][0])
    (['69.87', '2.9740', '0.2082'], True)
    """
    out = current.copy()
    prev = previous[["kpi_code", "score"]].rename(columns={"score": "previous_score"})
    out = out.merge(prev, on="kpi_code", how="left")
    meta = kpis.set_index("code")
    for column in ("name_en", "unit_en", "description_th", "description_en"):
        out[column] = out["kpi_code"].map(meta[column]) if column in meta else None
    out["delta"] = out["score"] - out["previous_score"]
    out["falling"] = (out["delta"] < -_EPS).fillna(False).astype(bool)
    decimals = np.where(out["method"].eq("milestone"), 0, 2)
    out["value_text"] = [
        tc.format_number_th(v, int(d)) for v, d in zip(out["result"], decimals, strict=True)
    ]
    out["target_text"] = [
        tc.format_number_th(v, int(d)) for v, d in zip(out["target"], decimals, strict=True)
    ]
    out["score_text"] = out["score"].map(format_score)
    out["weighted_text"] = out["weighted_score"].map(format_score)
    return out.sort_values("kpi_code", ignore_index=True)


def reasons_text(reasons: str | None, lang: str = "th") -> str:
    """Labels of reason codes ('no_data,stale' -> 'ไม่มีข้อมูล, ข้อมูลไม่ทันเหตุการณ์').

    >>> reasons_text("no_data,stale", "en")
    'no data, data out of date'
    """
    codes = [c for c in str(reasons or "").split(",") if c]
    return ", ".join(_pick(lang, REASON_LABELS[c]) if c in REASON_LABELS else c for c in codes)


def scope_overdue(
    overdue: pd.DataFrame, provinces: Sequence[str], items: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Overdue datasets of a scope: per item, member areas missing the latest due period.

    overdue: per item x province (round_figures); days_overdue counts from the
    due date of the latest period that is due (period end + release lag).
    """
    columns = [
        "item_code",
        "name_th",
        "name_en",
        "owner_name_th",
        "owner_name_en",
        "responsible_person",
        "areas_overdue",
        "areas_required",
        "latest_due_end",
        "oldest_present_end",
        "days_overdue",
    ]
    part = overdue.loc[overdue["province_code"].isin(list(provinces))]
    part = part.loc[part["areas_overdue"] > 0]
    if part.empty:
        return pd.DataFrame(columns=columns)
    agg = part.groupby("item_code", as_index=False).agg(
        areas_overdue=("areas_overdue", "sum"),
        areas_required=("areas_required", "sum"),
        latest_due_end=("latest_due_end", "max"),
        oldest_present_end=("oldest_present_end", "min"),
    )
    meta = items.set_index("code")
    for column in columns[1:6]:
        agg[column] = agg["item_code"].map(meta[column]) if column in meta else None
    lag = agg["item_code"].map(meta["release_lag_days"]).fillna(0).astype("int64")
    due = pd.to_datetime(agg["latest_due_end"]) + pd.to_timedelta(lag, unit="D")
    agg["days_overdue"] = (pd.Timestamp(as_of) - due).dt.days.clip(lower=0).astype("int64")
    return agg[columns]


def exceptions(
    tile_rows: pd.DataFrame, overdue_rows: pd.DataFrame, lang: str = "th"
) -> pd.DataFrame:
    """What needs a decision now, most severe first: red KPIs, falling KPIs, overdue data.

    Columns: severity, kind, code, name, light, unreliable, text (in lang).

    >>> t = pd.DataFrame({"kpi_code": ["A", "B", "C"], "kpi_name_th": ["ก", "ข", "ค"],
    ...     "name_en": ["a", "b", "c"], "light": ["red", "amber", "green"],
    ...     "weight_pct": [5.0, 8.0, 8.0], "score": [2.0, 3.2, 4.5], "score_text": ["2", "3", "4"],
    ...     "previous_score": [2.0, 3.9, 4.5], "falling": [False, True, False],
    ...     "reliable": [False, True, True], "reasons": ["stale", "", ""]})
    >>> exceptions(t, pd.DataFrame(), "en")[["kind", "code", "unreliable"]].values.tolist()
    [['red', 'A', True], ['falling', 'B', False]]
    """
    rows = []
    for r in tile_rows.to_dict("records"):
        name = (
            r["name_en"] if lang == "en" and isinstance(r.get("name_en"), str) else r["kpi_name_th"]
        )
        if r["light"] == "red" or r["falling"]:
            kind = "red" if r["light"] == "red" else "falling"
            unreliable = not bool(r["reliable"])
            parts = [f"{_pick(lang, ('คะแนน', 'score'))} {r['score_text']}"]
            if r["falling"]:
                parts.append(
                    _pick(lang, ("ลดลงจาก", "down from")) + f" {format_score(r['previous_score'])}"
                )
            if unreliable:
                parts.append(
                    "⚠ "
                    + _pick(lang, ("ข้อมูลไม่น่าเชื่อถือ", "unreliable"))
                    + f": {reasons_text(r['reasons'], lang)}"
                )
            drop = (r["previous_score"] or 0) - (r["score"] or 0) if r["falling"] else 0.0
            key = -float(r["weight_pct"]) if kind == "red" else -float(drop)
            rows.append((SEVERITY[kind], key, kind, r["kpi_code"], name, r["light"], unreliable,
                         "; ".join(parts)))  # fmt: skip
    for r in overdue_rows.to_dict("records") if not overdue_rows.empty else []:
        name = r["name_en"] if lang == "en" else r["name_th"]
        owner = r["owner_name_en"] if lang == "en" else r["owner_name_th"]
        person = r.get("responsible_person")
        person = person if isinstance(person, str) and person else "-"
        if lang == "en":
            text = (
                f"missing in {r['areas_overdue']} of {r['areas_required']} areas, "
                f"{r['days_overdue']} days overdue; {owner}, responsible: {person}"
            )
        else:
            text = (f"ค้างส่ง {r['areas_overdue']} จาก {r['areas_required']} พื้นที่ "
                    f"เกินกำหนด {r['days_overdue']} วัน; {owner} ผู้รับผิดชอบ: {person}")  # fmt: skip
        key = -(r["days_overdue"] * 10_000 + r["areas_overdue"])
        rows.append((SEVERITY["overdue"], key, "overdue", r["item_code"], name, None, False, text))
    columns = ["severity", "_key", "kind", "code", "name", "light", "unreliable", "text"]
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(["severity", "_key", "code"], ascending=[False, True, True])
    return out.drop(columns="_key").reset_index(drop=True)


def exception_label(row: Mapping, lang: str = "th") -> str:
    """One line of the exception list, with a coloured marker."""
    mark = {"red": ":red[●]", "falling": ":orange[▼]", "overdue": ":violet[■]"}[row["kind"]]
    kind = _pick(lang, KIND_LABELS[row["kind"]])
    return f"{mark} **{kind}** · {row['code']} {row['name']} — {row['text']}"


def health_by_group(by_group: pd.DataFrame, scope: Scope, items: pd.DataFrame) -> pd.DataFrame:
    """The scope's complete / correct / timely / correct-and-timely % per data group, in order."""
    part = area_rows(by_group, scope.level, scope.code).copy()
    groups = items[["group_code", "group_name_th", "group_name_en"]].drop_duplicates("group_code")
    groups = groups.reset_index(drop=True).reset_index(names="_o")
    out = groups.merge(part, on="group_code", how="left").sort_values("_o")
    return out.drop(columns="_o").reset_index(drop=True)


def weakest_members(figures: RoundFigures, scope: Scope, n: int = WEAKEST_N) -> pd.DataFrame:
    """Member areas with the lowest correct-and-timely %: provinces, or a province's districts."""
    columns = ["area_code", "area_name_th", "area_name_en", *HEALTH_COLUMNS]
    if scope.level == "province":
        rows = figures.districts.loc[figures.districts["province_code"] == scope.code]
    else:
        provinces = member_provinces(scope, figures.members)
        cov = figures.coverage
        rows = cov.loc[(cov["level"] == "province") & cov["area_code"].isin(provinces)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.sort_values(["correct_and_timely_pct", "area_code"], na_position="first")
    return rows[columns].head(n).reset_index(drop=True)


def peers(figures: RoundFigures, scope: Scope) -> pd.DataFrame:
    """The scope beside its cluster, region and country: composite, light, health, rank."""
    comp = composite_of(figures.scores)
    cov = figures.coverage[["level", "area_code", "correct_and_timely_pct", "milestone_level"]]
    table = comp.merge(cov, on=["level", "area_code"], how="left")
    chain = [(scope.level, scope.code)]
    if scope.level == "province":
        row = figures.members.loc[figures.members["province_code"] == scope.code]
        for level in ("cluster", "region"):
            code = row[f"{level}_code"].iloc[0] if not row.empty else None
            if isinstance(code, str):
                chain.append((level, code))
    if scope.level != "country":
        chain.append(("country", cv.COUNTRY_CODE))
    rows = []
    for level, code in chain:
        hit = table.loc[(table["level"] == level) & (table["area_code"] == code)]
        if hit.empty:
            continue
        same = table.loc[table["level"] == level].set_index("area_code")
        rank, n = rank_of(same["composite"], code)
        ct_rank, _ = rank_of(same["correct_and_timely_pct"], code)
        rows.append({**hit.iloc[0].to_dict(), "rank": rank, "ranked": n, "ct_rank": ct_rank})
    return pd.DataFrame(rows)


def peer_bars(figures: RoundFigures, scope: Scope) -> pd.DataFrame:
    """Composite of the scope's peers at its own level (a province: its cluster's provinces)."""
    comp = composite_of(figures.scores)
    if scope.level == "province":
        codes = peer_provinces(scope, figures.members)
        rows = comp.loc[(comp["level"] == "province") & comp["area_code"].isin(codes)]
    elif scope.level == "country":
        rows = comp.loc[comp["level"].isin(["country", "region"])]
    else:
        rows = comp.loc[comp["level"] == scope.level]
    rows = rows.assign(is_scope=rows["area_code"] == scope.code)
    return rows.sort_values(["composite", "area_code"], ascending=[False, True], ignore_index=True)


def detail_members(figures: RoundFigures, scope: Scope) -> pd.DataFrame:
    """Province scores a KPI detail lists: a scope's members, or a province's cluster peers."""
    codes = (
        peer_provinces(scope, figures.members)
        if scope.level == "province"
        else member_provinces(scope, figures.members)
    )
    s = figures.scores
    return s.loc[(s["level"] == "province") & s["area_code"].isin(codes)].reset_index(drop=True)


@dataclass(frozen=True)
class CockpitView:
    """Everything the cockpit page draws for one scope and round (small frames)."""

    scope: Scope
    fiscal_year: int
    round_months: int
    as_of: date
    composite: float | None
    composite_light: str | None
    tiles: pd.DataFrame
    trends: pd.DataFrame
    overdue: pd.DataFrame
    health: dict
    groups: pd.DataFrame
    weakest: pd.DataFrame
    peers: pd.DataFrame
    peer_bars: pd.DataFrame
    members: pd.DataFrame
    kpis: pd.DataFrame

    def exceptions(self, lang: str = "th") -> pd.DataFrame:
        """The exception list in a language (see `exceptions`)."""
        return exceptions(self.tiles, self.overdue, lang)


def build_view(
    figures: RoundFigures, history: Mapping[tuple[int, int], pd.DataFrame], scope: Scope
) -> CockpitView:
    """Assemble the view of a scope from this round's figures and earlier rounds' scores."""
    current = area_rows(figures.scores, scope.level, scope.code)
    if current.empty:
        raise ValueError(
            f"no figures for {scope.level} {scope.code} in {figures.fiscal_year}/"
            f"{figures.round_months}: is it a member of the grouping in force?"
        )
    prev_key = previous_round(figures.fiscal_year, figures.round_months)
    previous = history.get(
        prev_key, pd.DataFrame(columns=["level", "area_code", "kpi_code", "score"])
    )
    previous = area_rows(previous, scope.level, scope.code)
    cov = area_rows(figures.coverage, scope.level, scope.code)
    health = cov.iloc[0].to_dict() if not cov.empty else {}
    return CockpitView(
        scope=scope,
        fiscal_year=figures.fiscal_year,
        round_months=figures.round_months,
        as_of=figures.as_of,
        composite=float(current["composite"].iloc[0]),
        composite_light=current["composite_light"].iloc[0],
        tiles=tiles(current, previous, figures.kpis),
        trends=kpi_trends(history, scope),
        overdue=scope_overdue(
            figures.overdue, member_provinces(scope, figures.members), figures.items, figures.as_of
        ),
        health=health,
        groups=health_by_group(figures.by_group, scope, figures.items),
        weakest=weakest_members(figures, scope),
        peers=peers(figures, scope),
        peer_bars=peer_bars(figures, scope),
        members=detail_members(figures, scope),
        kpis=figures.kpis,
    )


# ---------------------------------------------------------------- charts (plotly, Thai font)


def _layout(fig: go.Figure, dark: bool, height: int, **kw) -> go.Figure:
    ink = "#f2f2f2" if dark else "#262730"
    grid = "#3a3f4b" if dark else "#e6e6e6"
    fig.update_layout(
        font={"family": FONT, "color": ink, "size": 18 if dark else 13},
        separators=".,",
        height=height,
        margin=kw.pop("margin", {"l": 8, "r": 8, "t": 30, "b": 8}),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=kw.pop("showlegend", False),
        **kw,
    )
    fig.update_xaxes(gridcolor=grid, zerolinecolor=grid)
    fig.update_yaxes(gridcolor=grid, zerolinecolor=grid)
    return fig


def sparkline(trend: pd.DataFrame, lang: str = "th", dark: bool = False) -> go.Figure:
    """A tiny line of a KPI's score over the history rounds (0..5)."""
    labels = [
        round_label(f, r, lang)
        for f, r in zip(trend["fiscal_year"], trend["round_months"], strict=True)
    ]
    colours = [LIGHT_COLOURS.get(x, NO_LIGHT) for x in trend["light"]]
    fig = go.Figure(
        go.Scatter(
            x=labels,
            y=trend["score"],
            mode="lines+markers",
            line={"color": "#7f8c9a", "width": 2},
            marker={"color": colours, "size": 7},
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        )
    )
    _layout(fig, dark, 70, margin={"l": 2, "r": 2, "t": 2, "b": 2})
    fig.update_xaxes(visible=False, type="category")
    fig.update_yaxes(visible=False, range=[-0.2, 5.3])
    return fig


def trend_figure(trend: pd.DataFrame, kpi_row: Mapping, lang: str = "th", dark: bool = False):
    """A KPI's result over the history rounds, with its thresholds T1..T5 as dashed lines."""
    labels = [
        round_label(f, r, lang)
        for f, r in zip(trend["fiscal_year"], trend["round_months"], strict=True)
    ]
    unit = kpi_row.get("unit_en" if lang == "en" else "unit_th") or ""
    fig = go.Figure(
        go.Scatter(
            x=labels,
            y=trend["result"],
            mode="lines+markers",
            marker={"color": [LIGHT_COLOURS.get(x, NO_LIGHT) for x in trend["light"]], "size": 10},
            line={"color": "#5b6b7f"},
            hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
            name=_pick(lang, ("ผลการดำเนินงาน", "result")),
        )
    )
    for i in range(1, 6):
        t = kpi_row.get(f"t{i}")
        if not _missing(t):
            fig.add_hline(y=float(t), line_dash="dot", line_color="#999", annotation_text=f"T{i}")
    _layout(
        fig,
        dark,
        300,
        xaxis_title=_pick(lang, ("ปีงบประมาณ/รอบ (พ.ศ.)", "fiscal year/round (B.E.)")),
        yaxis_title=unit,
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",")
    return fig


def groups_figure(groups: pd.DataFrame, lang: str = "th", dark: bool = False) -> go.Figure:
    """The 4 data groups side by side: complete, correct, timely, correct-and-timely %."""
    names = groups["group_name_en" if lang == "en" else "group_name_th"]
    palette = ("#4e79a7", "#59a14f", "#f28e2b", "#b07aa1")
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=groups[c],
                name=_pick(lang, HEALTH_LABELS[c]),
                marker_color=colour,
                text=[tc.format_number_th(v, 1) for v in groups[c]],
                textposition="outside",
                hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
            )
            for c, colour in zip(HEALTH_COLUMNS, palette, strict=True)
        ]
    )
    for bar in (80, 90, 100):
        fig.add_hline(y=bar, line_dash="dot", line_color="#999")
    _layout(
        fig, dark, 340, showlegend=True, barmode="group", legend={"orientation": "h", "y": -0.15}
    )
    fig.update_yaxes(range=[0, 112], title="%")
    return fig


def peers_figure(bars: pd.DataFrame, lang: str = "th", dark: bool = False) -> go.Figure:
    """Composite scores of the peers, the scope outlined; coloured by light."""
    names = bars["area_name_en" if lang == "en" else "area_name_th"]
    fig = go.Figure(
        go.Bar(
            x=bars["composite"],
            y=names,
            orientation="h",
            marker={
                "color": [LIGHT_COLOURS.get(x, NO_LIGHT) for x in bars["composite_light"]],
                "line": {
                    "color": ["#111" if s else "rgba(0,0,0,0)" for s in bars["is_scope"]],
                    "width": 3,
                },
            },  # fmt: skip
            text=[format_score(v) for v in bars["composite"]],
            textposition="outside",
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    _layout(fig, dark, max(160, 34 * len(bars) + 60))
    fig.update_xaxes(range=[0, 5.6], title=_pick(lang, ("คะแนนรวม (1-5)", "composite (1-5)")))
    fig.update_yaxes(autorange="reversed")
    return fig


def tile_html(row: Mapping, lang: str = "th") -> str:
    """The card of one KPI tile (escaped text; colours by light)."""
    colour = LIGHT_COLOURS.get(row["light"], NO_LIGHT)
    name = (
        row["name_en"]
        if lang == "en" and isinstance(row.get("name_en"), str)
        else row["kpi_name_th"]
    )
    unit = row.get("unit_en" if lang == "en" else "unit_th") or ""
    light = _pick(lang, LIGHT_LABELS.get(row["light"], ("-", "-")))
    warn = ""
    if not row["reliable"]:
        label = _pick(lang, ("ข้อมูลไม่น่าเชื่อถือ", "unreliable"))
        why = reasons_text(row["reasons"], lang)
        warn = f'<div class="ck-warn">⚠ {html.escape(label)}: {html.escape(why)}</div>'
    words = {
        "target": ("เป้าหมาย", "Target"),
        "score": ("คะแนน", "Score"),
        "weighted": ("คะแนนถ่วงน้ำหนัก", "Weighted"),
        "weight": ("น้ำหนัก", "Weight"),
    }
    t = {k: _pick(lang, v) for k, v in words.items()}
    value = f"{html.escape(row['value_text'])} <small>{html.escape(str(unit))}</small>"
    return (
        f'<div class="ck-tile" style="border-left:10px solid {colour}">'
        f'<div class="ck-code">{html.escape(str(row["kpi_code"]))} · '
        f'<span style="color:{colour}">● {html.escape(light)}</span></div>'
        f'<div class="ck-name">{html.escape(str(name))}</div>'
        f'<div class="ck-value">{value}</div>'
        f'<div class="ck-line">{t["target"]} {html.escape(row["target_text"])} · '
        f"{t['weight']} {tc.format_number_th(row['weight_pct'], 0)}%</div>"
        f'<div class="ck-line">{t["score"]} <b class="ck-score">{row["score_text"]}</b> · '
        f"{t['weighted']} <b>{row['weighted_text']}</b></div>{warn}</div>"
    )


# ---------------------------------------------------------------- store layer


def scheme_date(schemes: pd.DataFrame, scheme: str, on: date) -> date:
    """on, moved into the validity of a grouping scheme (so old schemes still have members)."""
    row = schemes.loc[schemes["scheme"] == scheme]
    if row.empty:
        raise ValueError(f"unknown grouping scheme {scheme!r}")
    start = pd.to_datetime(row["valid_from"]).dt.date.iloc[0]
    end = pd.to_datetime(row["valid_to"]).dt.date.iloc[0]
    if isinstance(end, date) and not pd.isna(end) and on > end:
        return end
    if isinstance(start, date) and not pd.isna(start) and on < start:
        return start
    return on


def schemes_for(store, scope: Scope, fiscal_year: int, round_months: int, as_of: date):
    """(cluster scheme, region scheme) a view uses: the scope's own, else those in force."""
    on = min(tc.round_end(fiscal_year, round_months), as_of)
    cluster = scope.scheme if scope.level == "cluster" else None
    if cluster is None:
        cluster = cv.scheme_in_force(store.grouping_schemes(), "cluster", on)
        cluster = cv.scheme_for("cluster", cluster)
    region = scope.scheme if scope.level == "region" else DEFAULT_REGION_SCHEME
    return cluster, region


def _district_health(cells: pd.DataFrame) -> pd.DataFrame:
    rows = cells.loc[cells["area_code"] != cells["province_code"]]
    out = cv.province_summary(rows.assign(province_code=rows["area_code"]))
    parent = rows.drop_duplicates("area_code").set_index("area_code")["province_code"]
    return out.assign(province_code=out["area_code"].map(parent))


def _overdue(cells: pd.DataFrame, cov: cv.CoverageInputs) -> pd.DataFrame:
    start, end = cv.window_bounds(cov.fiscal_years, cov.as_of, cov.window_end)
    req = cv.item_requirements(cov.items, start, end, cov.as_of)
    late = cells.loc[cells["item_areas_timely"] == 0, ["item_code", "area_code", "province_code"]]
    facts = cov.facts[["item_code", "area_code", "latest_due_end_present"]]
    late = late.merge(facts, on=["item_code", "area_code"], how="left")
    late["latest_due_end_present"] = pd.to_datetime(late["latest_due_end_present"])
    oldest = late.groupby(["item_code", "province_code"])["latest_due_end_present"].min()
    keys = ["item_code", "province_code"]
    out = cells.groupby(keys, as_index=False).agg(
        areas_required=("item_areas_required", "sum"), timely=("item_areas_timely", "sum")
    )
    out["areas_overdue"] = out["areas_required"] - out["timely"]
    out = out.loc[out["areas_overdue"] > 0].drop(columns="timely")
    out = out.merge(oldest.rename("oldest_present_end").reset_index(), on=keys, how="left")
    return out.merge(
        req[["code", "latest_due_end"]].rename(columns={"code": "item_code"}), on="item_code"
    )


def round_figures(
    store,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    cluster_scheme: str,
    region_scheme: str,
    full: bool = True,
) -> RoundFigures:
    """The engine's figures of a round for every level (full=False: KPI scores only)."""
    inputs = kp.load_kpi_inputs(store, fiscal_year, round_months, as_of)
    cov = inputs.coverage
    cells = kp.all_item_cells(cov)
    on = min(tc.round_end(fiscal_year, round_months), as_of)
    schemes = store.grouping_schemes()
    clusters = store.group_members(cluster_scheme, scheme_date(schemes, cluster_scheme, on))
    regions = store.group_members(region_scheme, scheme_date(schemes, region_scheme, on))
    levels = {"province": None, "cluster": clusters, "region": regions, "country": None}
    names = {"cluster": cluster_scheme, "region": region_scheme}
    scores = pd.concat(
        [
            kp.kpi_scores(inputs, level, members, cells=cells).assign(scheme=names.get(level))
            for level, members in levels.items()
        ],
        ignore_index=True,
    )
    base = dict(
        fiscal_year=int(fiscal_year),
        round_months=int(round_months),
        as_of=as_of,
        schemes=names,
        scores=scores,
        kpis=inputs.kpis,
    )
    if not full:
        return RoundFigures(**base)
    counting = cv.counting_items(cov.items)["code"]
    counted = cells.loc[cells["item_code"].isin(counting)]
    coverage = pd.concat(
        [cv.summarise(counted, cov, level, m) for level, m in levels.items()], ignore_index=True
    )
    prov = cv.province_summary(counted, by=("group_code",))
    by_group = pd.concat(
        [
            cv.rollup(prov, level, cv.members_for(level, cov.areas, m), by=("group_code",)).assign(
                level=level
            )
            for level, m in levels.items()
        ],
        ignore_index=True,
    )
    provinces = cov.areas.loc[cov.areas["level"] == "province", ["code"]]
    members = provinces.rename(columns={"code": "province_code"})
    for level, frame in (("cluster", clusters), ("region", regions)):
        link = frame[["province_code", "group_code"]].rename(
            columns={"group_code": f"{level}_code"}
        )
        members = members.merge(link, on="province_code", how="left")
    names_of = cov.areas.set_index("code")
    districts = _district_health(counted)
    districts["area_name_th"] = districts["area_code"].map(names_of["name_th"])
    districts["area_name_en"] = districts["area_code"].map(names_of["name_en"])
    return RoundFigures(
        **base,
        coverage=coverage,
        by_group=by_group,
        members=members,
        overdue=_overdue(cells, cov),
        districts=districts,
        items=cov.items,
        areas=cov.areas[["code", "level", "name_th", "name_en", "parent_code"]],
    )


def cockpit_view(store, scope: Scope, fiscal_year: int, round_months: int, as_of: date):
    """The whole view without caches (tests and the benchmark's cold path)."""
    cluster, region = schemes_for(store, scope, fiscal_year, round_months, as_of)
    figures = round_figures(store, fiscal_year, round_months, as_of, cluster, region)
    history = {
        (f, r): round_figures(store, f, r, as_of, cluster, region, full=False).scores
        for f, r in history_rounds(fiscal_year, round_months)[:-1]
        if tc.fiscal_year_bounds(f)[0] <= as_of
    }
    history[(fiscal_year, round_months)] = figures.scores
    return build_view(figures, history, scope)

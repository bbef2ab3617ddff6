"""The cockpit's view model of one scope and round: tiles, exceptions, trends, health, peers.

Pure functions over `RoundFigures` (frames in, frames out), and `cockpit_view`,
the one assembly of a view: it takes the round loader as a parameter, so the
app passes its cached loader and tests and the benchmark the plain one.

- **exceptions** (severity 3 > 2 > 1): red KPIs (heaviest weight first; marked
  unreliable when the engine says the data under them is poor), KPIs whose
  score fell since the previous round (largest drop first), overdue datasets
  (an item whose latest due period is missing in some member area; longest
  overdue first) with the owner agency and the responsible person.
- **peers**: a province beside its cluster, region and country, ranked among
  the areas of its level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_from
from lib.core.labels import FLAG_LABELS
from lib.engine import coverage as cv
from lib.engine import methods, requirements
from lib.engine.scoring import format_score
from lib.views.cockpit.figures import RoundFigures, load_schemes
from lib.views.cockpit.query import Scope, earlier_rounds, previous_round
from lib.views.labels import HEALTH_COLUMNS
from lib.views.ranking import rank_of

WEAKEST_N = 5
KIND_LABELS = {
    "red": Text("ตัวชี้วัดสีแดง", "Red KPI"),
    "falling": Text("ตัวชี้วัดลดลงจากรอบก่อน", "KPI falling since last round"),
    "overdue": Text("ข้อมูลค้างส่ง", "Overdue dataset"),
}
SEVERITY = {"red": 3, "falling": 2, "overdue": 1}
_EPS = 1e-9
# A round loader: (fiscal_year, round_months, as_of, cluster_scheme, region_scheme, full,
# level: with full=False, that level's scores alone; None: every level).
RoundLoader = Callable[[int, int, date, str, str, bool, str | None], RoundFigures]


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


def change_text(delta: float | None) -> str:
    """The change of a score since the previous round: '▼ 1.1800', '▲ 0.5000', '= 0.0000'.

    >>> change_text(-1.18), change_text(0.5), change_text(0.0), change_text(float("nan"))
    ('▼ 1.1800', '▲ 0.5000', '= 0.0000', '')
    """
    if delta is None or pd.isna(delta):
        return ""
    mark = "▼" if delta < -_EPS else "▲" if delta > _EPS else "="
    return f"{mark} {format_score(abs(delta))}"


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
    >>> t[["value_text", "score_text", "change_text"]].iloc[0].tolist(), bool(t["falling"][0])
    (['69.87', '2.9740', '▼ 0.5260'], True)
    """
    out = current.copy()
    prev = previous[["kpi_code", "score"]].rename(columns={"score": "previous_score"})
    out = out.merge(prev, on="kpi_code", how="left")
    meta = kpis.set_index("code")
    for column in ("name_en", "unit_en", "description_th", "description_en"):
        out[column] = out["kpi_code"].map(meta[column]) if column in meta else None
    out["delta"] = out["score"] - out["previous_score"]
    out["falling"] = (out["delta"] < -_EPS).fillna(False).astype(bool)
    out["change_text"] = out["delta"].map(change_text)
    decimals = np.where(out["method"].eq(methods.MILESTONE), 0, 2)
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
    return ", ".join(pick(FLAG_LABELS[c], lang) if c in FLAG_LABELS else c for c in codes)


def scope_overdue(
    overdue: pd.DataFrame, provinces: Sequence[str], items: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Overdue datasets of a scope: per item, member areas missing the latest due period.

    overdue: per item x province (load_round_figures); days_overdue counts from the
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
    lag = agg["item_code"].map(meta["release_lag_days"]).fillna(0)
    due = requirements.due_dates(agg["latest_due_end"], lag)
    agg["days_overdue"] = (pd.Timestamp(as_of) - due).dt.days.clip(lower=0).astype("int64")
    return agg[columns]


def _kpi_exception(r: Mapping, lang: str) -> tuple:
    """The row of a red or falling KPI (see `exceptions`)."""
    name = pick_from({"name_th": r["kpi_name_th"], "name_en": r.get("name_en")}, "name", lang)
    kind = "red" if r["light"] == "red" else "falling"
    unreliable = not bool(r["reliable"])
    parts = [f"{pick(Text('คะแนน', 'score'), lang)} {r['score_text']}"]
    if r["falling"]:
        parts.append(
            f"{pick(Text('ลดลงจาก', 'down from'), lang)} {format_score(r['previous_score'])}"
        )
    if unreliable:
        label = pick(FLAG_LABELS["unreliable"], lang)
        parts.append(f"⚠ {label}: {reasons_text(r['reasons'], lang)}")
    drop = (r["previous_score"] or 0) - (r["score"] or 0) if r["falling"] else 0.0
    key = -float(r["weight_pct"]) if kind == "red" else -float(drop)
    return (
        SEVERITY[kind],
        key,
        kind,
        r["kpi_code"],
        name,
        r["light"],
        unreliable,
        "; ".join(parts),
    )


def _overdue_exception(r: Mapping, lang: str) -> tuple:
    """The row of an overdue dataset (see `exceptions`)."""
    name, owner = pick_from(r, "name", lang), pick_from(r, "owner_name", lang)
    person = r.get("responsible_person")
    person = person if isinstance(person, str) and person else "-"
    n, of, days = r["areas_overdue"], r["areas_required"], r["days_overdue"]
    text = Text(
        f"ค้างส่ง {n} จาก {of} พื้นที่ เกินกำหนด {days} วัน; {owner} ผู้รับผิดชอบ: {person}",
        f"missing in {n} of {of} areas, {days} days overdue; {owner}, responsible: {person}",
    )
    key = -(days * 10_000 + n)
    return (
        SEVERITY["overdue"],
        key,
        "overdue",
        r["item_code"],
        name,
        None,
        False,
        pick(text, lang),
    )


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
    rows = [
        _kpi_exception(r, lang)
        for r in tile_rows.to_dict("records")
        if r["light"] == "red" or r["falling"]
    ]
    if not overdue_rows.empty:
        rows += [_overdue_exception(r, lang) for r in overdue_rows.to_dict("records")]
    columns = ["severity", "_key", "kind", "code", "name", "light", "unreliable", "text"]
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(["severity", "_key", "code"], ascending=[False, True, True])
    return out.drop(columns="_key").reset_index(drop=True)


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


def _peer_chain(figures: RoundFigures, scope: Scope) -> list[tuple[str, str]]:
    """(level, code) of the scope, then its cluster and region (a province), then the country."""
    chain = [(scope.level, scope.code)]
    if scope.level == "province":
        row = figures.members.loc[figures.members["province_code"] == scope.code]
        for level in ("cluster", "region"):
            code = row[f"{level}_code"].iloc[0] if not row.empty else None
            if isinstance(code, str):
                chain.append((level, code))
    if scope.level != "country":
        chain.append(("country", cv.COUNTRY_CODE))
    return chain


def peers(figures: RoundFigures, scope: Scope) -> pd.DataFrame:
    """The scope beside its cluster, region and country: composite, light, health, rank."""
    comp = composite_of(figures.scores)
    cov = figures.coverage[["level", "area_code", "correct_and_timely_pct", "milestone_level"]]
    table = comp.merge(cov, on=["level", "area_code"], how="left")
    rows = []
    for level, code in _peer_chain(figures, scope):
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
    # what is drawn from the view, made once: a kept view serves every session of the server
    _made: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def made(self, key: tuple, make: Callable[[], object]) -> object:
        """make() the first time `key` is asked of this view, its result after that (texts and
        pictures drawn from the view's frames; two sessions at once may both make it)."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def exceptions(self, lang: str = "th") -> pd.DataFrame:
        """The exception list in a language (see `exceptions`), a copy of the one made."""
        return self.made(
            ("exceptions", lang), lambda: exceptions(self.tiles, self.overdue, lang)
        ).copy()

    def trend_of(self, kpi_code: str) -> pd.DataFrame:
        """One KPI's rows of `trends` (earlier rounds first), split once for every KPI."""
        split = self.made(
            ("trends",), lambda: dict(tuple(self.trends.groupby("kpi_code", sort=False)))
        )
        return split.get(kpi_code, self.trends.iloc[:0])


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
    provinces = member_provinces(scope, figures.members)
    return CockpitView(
        scope=scope,
        fiscal_year=figures.fiscal_year,
        round_months=figures.round_months,
        as_of=figures.as_of,
        composite=float(current["composite"].iloc[0]),
        composite_light=current["composite_light"].iloc[0],
        tiles=tiles(current, previous, figures.kpis),
        trends=kpi_trends(history, scope),
        overdue=scope_overdue(figures.overdue, provinces, figures.items, figures.as_of),
        health=cov.iloc[0].to_dict() if not cov.empty else {},
        groups=health_by_group(figures.by_group, scope, figures.items),
        weakest=weakest_members(figures, scope),
        peers=peers(figures, scope),
        peer_bars=peer_bars(figures, scope),
        members=detail_members(figures, scope),
        kpis=figures.kpis,
    )


def cockpit_view(
    store, scope: Scope, fiscal_year: int, round_months: int, as_of: date, load_round: RoundLoader
) -> CockpitView:
    """The view of a scope and round: this round in full, earlier rounds' scores for history.

    load_round(fiscal_year, round_months, as_of, cluster, region, full, level) gives a
    round's figures (earlier rounds: full=False, the scope's level alone): the app passes
    its cached loader, tests and the benchmark `functools.partial(load_round_figures, store)`.
    """
    cluster, region = load_schemes(store, scope, fiscal_year, round_months, as_of)
    figures = load_round(fiscal_year, round_months, as_of, cluster, region, True)
    history = {  # earlier rounds: the scope's level is all the trend and the change read
        (f, r): load_round(f, r, as_of, cluster, region, False, scope.level).scores
        for f, r in earlier_rounds(fiscal_year, round_months, as_of)
    }
    history[(fiscal_year, round_months)] = figures.scores
    return build_view(figures, history, scope)

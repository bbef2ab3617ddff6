"""The Explore page (สำรวจข้อมูล): the catalogue as a searchable list, an item's page, a value's
provenance.

Pure pandas, except `load_item_cells`, the one function here that reads the store:
- `search_catalog` filters the catalogue by words (Thai or English, every word
  must match the code, names, unit, aspect, group, owner, source or person) and
  by group, aspect, agency, frequency and published or not;
- `item_definition`, `next_due` and `item_coverage` describe one item;
- `load_item_cells` gives the item's values by area and period as known at a day
  (the values in force now, with the cells changed since put back as they were:
  lib.services.provenance.changes_between); `visible_cells` keeps what a viewer
  may see (the public: verified values only);
- `history_frame`, `area_table` and `comparison_table` are what the page draws
  and exports; `provenance_table` shows a cell's versions;
- `cell_link` is the deep link to a cell's provenance (the map and the profile
  link to it), `cell_from_query` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from urllib.parse import urlencode

import pandas as pd

from lib.core import labels
from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column
from lib.engine.rollups import COUNT_COLUMNS, add_percentages
from lib.views.tables import display_table, period_text

PAGE_URL = "explore"
# The words a search looks in (name_th/name_en pairs and plain columns of Store.catalog()).
SEARCHED = (
    "code",
    "name_th",
    "name_en",
    "unit_th",
    "unit_en",
    "aspect_name_th",
    "aspect_name_en",
    "group_name_th",
    "group_name_en",
    "owner_agency",
    "owner_name_th",
    "owner_name_en",
    "source",
    "responsible_person",
)
ALL_AREAS = Text("ค่าเฉลี่ยทุกพื้นที่", "Mean of all areas")
DEFINITION = {
    "code": Text("รหัส", "Code"),
    "name_th": Text("ชื่อ (ไทย)", "Name (Thai)"),
    "name_en": Text("ชื่อ (อังกฤษ)", "Name (English)"),
    "unit": Text("หน่วย", "Unit"),
    "group": Text("กลุ่มข้อมูล / ประเด็น", "Data group / aspect"),
    "level": Text("ระดับพื้นที่", "Area level"),
    "source": Text("แหล่งที่มา", "Source"),
    "owner": Text("หน่วยงานเจ้าของข้อมูล", "Owner agency"),
    "person": Text("ผู้รับผิดชอบ", "Responsible person"),
    "contact": Text("ติดต่อ", "Contact"),
    "frequency": Text("ความถี่", "Frequency"),
    "lag": Text("ระยะเวลาเผยแพร่หลังสิ้นงวด", "Release lag after the period ends"),
    "latest_due": Text("งวดล่าสุดที่ถึงกำหนด", "Latest period due"),
    "next_due": Text("งวดถัดไปและวันครบกำหนด", "Next period and its due date"),
    "valid": Text("ช่วงค่าที่ยอมรับ", "Valid range"),
    "published": Text("เผยแพร่ต่อสาธารณะ", "Published"),
    "coverage": Text("นับในความครบถ้วนของข้อมูล", "Counts for data coverage"),
    "base_year": Text("ปีฐาน", "Base year"),
    "plan": Text("แผนที่เกี่ยวข้อง", "Linked plan"),
}
LEVEL_WORDS = {"province": Text("จังหวัด", "province"), "district": Text("อำเภอ", "district")}
CELL_COLUMNS = ["area_code", "period", "period_end", "value", "status"]


# -- the catalogue --------------------------------------------------------------------------
def _folded(text: object) -> str:
    """Text for matching: Thai digits as Arabic, lower case, single spaces.

    >>> _folded("  ไตรมาส ๑  GPP ")
    'ไตรมาส 1 gpp'
    """
    if not isinstance(text, str):
        return ""
    return " ".join(tc.thai_digits_to_arabic(text).lower().split())


def _haystack(catalog: pd.DataFrame) -> pd.Series:
    """Per item, every searched word and its frequency's words in both languages, folded."""
    columns = [c for c in SEARCHED if c in catalog.columns]
    freq = catalog["frequency"].map(lambda f: " ".join(labels.FREQUENCY_LABELS.get(f, Text(f, f))))
    parts = [catalog[c].map(_folded) for c in columns] + [freq.map(_folded)]
    return pd.concat(parts, axis=1).agg(" | ".join, axis=1)


def search_catalog(
    catalog: pd.DataFrame,
    words: str = "",
    *,
    groups: Iterable[str] = (),
    aspects: Iterable[str] = (),
    agencies: Iterable[str] = (),
    frequencies: Iterable[str] = (),
    published: bool | None = None,
) -> pd.DataFrame:
    """The catalogue rows matching every word and every chosen filter (none chosen: all).

    groups: group codes; aspects: aspect codes; agencies: owner agency codes;
    frequencies: frequency codes; published: True / False / None (either).

    >>> cat = pd.DataFrame({"code": ["POP01", "FIN01"], "name_th": ["จำนวนประชากร", "การเบิกจ่าย"],
    ...     "name_en": ["Population", "Disbursement"], "frequency": ["annual", "monthly"],
    ...     "group_code": ["SOC", "ECO"], "aspect_code": ["P", "F"], "owner_agency": ["A", "B"],
    ...     "is_published": [True, False]})
    >>> found = search_catalog(cat, "ประชากร"), search_catalog(cat, "MONTHLY")
    >>> found[0]["code"].tolist(), found[1]["code"].tolist()
    (['POP01'], ['FIN01'])
    >>> search_catalog(cat, published=True)["code"].tolist()
    ['POP01']
    """
    keep = pd.Series(True, index=catalog.index)
    for column, chosen in (
        ("group_code", groups),
        ("aspect_code", aspects),
        ("owner_agency", agencies),
        ("frequency", frequencies),
    ):
        chosen = list(chosen)
        if chosen:
            keep &= catalog[column].isin(chosen)
    if published is not None:
        keep &= catalog["is_published"].fillna(False).astype(bool) == bool(published)
    terms = _folded(words).split()
    if terms and len(catalog):
        hay = _haystack(catalog)
        for term in terms:
            keep &= hay.str.contains(term, regex=False)
    return catalog.loc[keep]


def choices(catalog: pd.DataFrame, code: str, name: str, lang: str) -> dict[str, str]:
    """code -> 'name' of a filter's options (groups, aspects, agencies) in catalogue order.

    >>> cat = pd.DataFrame({"group_code": ["ECO", "ECO"], "group_name_th": ["เศรษฐกิจ"] * 2,
    ...                     "group_name_en": ["Economy"] * 2})
    >>> choices(cat, "group_code", "group_name", "en")
    {'ECO': 'Economy'}
    """
    names = catalog[[code, pick_column(name, lang)]].drop_duplicates(code)
    return {str(c): str(n) if pd.notna(n) else str(c) for c, n in names.itertuples(index=False)}


def catalog_table(catalog: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list a reader browses: code, name, group, aspect, owner, frequency, unit, published."""
    frame = pd.DataFrame(
        {
            "item_code": catalog["code"],
            "item_name": catalog[pick_column("name", lang)],
            "group_name": catalog[pick_column("group_name", lang)],
            "aspect_name": catalog[pick_column("aspect_name", lang)],
            "owner_name": catalog[pick_column("owner_name", lang)].fillna(catalog["owner_agency"]),
            "frequency": catalog["frequency"],
            "unit": catalog[pick_column("unit", lang)],
            "is_published": catalog["is_published"].fillna(False).astype(bool),
        }
    )
    return display_table(frame, list(frame.columns), lang).reset_index(drop=True)


# -- one item -------------------------------------------------------------------------------
def next_due(frequency: str, release_lag_days: int, as_of: date) -> tuple[str, date]:
    """(the first period not yet due at as_of, the day it falls due).

    >>> next_due("monthly", 30, date(2026, 11, 22))
    ('2026-10', datetime.date(2026, 11, 30))
    >>> next_due("biennial", 0, date(2026, 11, 22))
    ('2027', datetime.date(2027, 12, 31))
    """
    latest = tc.latest_due_period(as_of, frequency, int(release_lag_days))
    period = tc.period_of(as_of, frequency) if latest is None else latest
    if latest is not None or tc.due_date(period, frequency, int(release_lag_days)) <= as_of:
        period = tc.shift_period(period, frequency, 1)
    while not tc.is_expected(period, frequency):
        period = tc.shift_period(period, frequency, 1)
    return period, tc.due_date(period, frequency, int(release_lag_days))


def _number(x, decimals: int = 2) -> str:
    """A number the Thai way, '-' when missing."""
    return "-" if x is None or pd.isna(x) else tc.format_number_th(float(x), decimals)


def item_definition(item: Mapping, as_of: date, lang: str) -> pd.DataFrame:
    """Two columns (what, value): the item's definition, owner, person, frequency and due dates."""
    freq, lag = item["frequency"], int(item["release_lag_days"])
    latest = tc.latest_due_period(as_of, freq, lag)
    period, due = next_due(freq, lag, as_of)
    col = {k: pick_column(k, lang) for k in ("name", "unit", "group_name", "aspect_name")}
    owner = item.get(pick_column("owner_name", lang)) or item["owner_agency"]
    low, high = item.get("valid_min"), item.get("valid_max")
    rows = {
        "code": item["code"],
        "name_th": item["name_th"],
        "name_en": item["name_en"],
        "unit": item[col["unit"]],
        "group": f"{item[col['group_name']]} / {item[col['aspect_name']]}",
        "level": pick(LEVEL_WORDS.get(item["area_level"], item["area_level"]), lang),
        "source": item.get("source"),
        "owner": f"{owner} ({item['owner_agency']})",
        "person": item.get("responsible_person"),
        "contact": item.get("responsible_contact"),
        "frequency": labels.cell_label("frequency", freq, lang),
        "lag": pick((f"{lag} วัน", f"{lag} days"), lang),
        "latest_due": period_text(latest, freq, lang) if latest else "-",
        "next_due": f"{period_text(period, freq, lang)} · {tc.thai_date(due, lang)}",
        "valid": f"{_number(low)} – {_number(high)}" if pd.notna(low) or pd.notna(high) else None,
        "published": labels.yes_no(item.get("is_published"), lang),
        "coverage": labels.yes_no(item.get("counts_for_coverage"), lang),
        "base_year": item.get("base_year"),
        "plan": item.get("linked_plan"),
    }
    shown = [
        (pick(DEFINITION[key], lang), str(int(v)) if isinstance(v, float) else str(v))
        for key, v in rows.items()
        if v is not None and not (isinstance(v, float) and pd.isna(v)) and v != ""
    ]
    return pd.DataFrame(
        shown, columns=[pick(("หัวข้อ", "Field"), lang), pick(("รายละเอียด", "Detail"), lang)]
    )


def item_coverage(cells: pd.DataFrame, item_code: str) -> dict | None:
    """The item's own coverage counts and percentages (pooled over its areas), None when it
    has no required cells (it does not count for coverage, or nothing is due yet).

    cells: lib.engine.coverage.item_area_coverage rows (what the profile uses).

    >>> cells = pd.DataFrame({"item_code": ["A", "A", "B"], "required_cells": [4, 4, 1],
    ...     "present_cells": [4, 3, 1], "correct_cells": [3, 3, 1], "ct_cells": [3, 0, 1],
    ...     "item_areas_required": [1, 1, 1], "item_areas_timely": [1, 0, 1]})
    >>> out = item_coverage(cells, "A")
    >>> out["required_cells"], out["present_cells"], round(out["correct_pct"], 1), out["timely_pct"]
    (8, 7, 85.7, 50.0)
    """
    mine = cells.loc[cells["item_code"] == item_code, list(COUNT_COLUMNS)]
    if mine.empty or int(mine["required_cells"].sum()) == 0:
        return None
    pooled = add_percentages(mine.sum().to_frame().T.astype("int64")).iloc[0]
    return {k: (int(v) if k in COUNT_COLUMNS else float(v)) for k, v in pooled.items()}


# -- values as known at a day ---------------------------------------------------------------
def cells_as_known(current: pd.DataFrame, changes: pd.DataFrame | None) -> pd.DataFrame:
    """Today's cells (area_code, period, value, status) with the cells changed since a day put
    back as they were then (changes: provenance.changes_between rows); a cell absent then goes.

    >>> now = pd.DataFrame({"area_code": ["21", "21"], "period": ["2026-07", "2026-08"],
    ...                     "value": [1.0, 9.0], "status": ["verified", "submitted"]})
    >>> then = pd.DataFrame({"area_code": ["21", "21", "10"],
    ...     "period": ["2026-08", "2026-07", "2026-07"],
    ...     "value_then": [5.0, None, 4.0], "status_then": ["verified", None, "submitted"]})
    >>> cells_as_known(now, then)[["area_code", "period", "value", "status"]].values.tolist()
    [['10', '2026-07', 4.0, 'submitted'], ['21', '2026-08', 5.0, 'verified']]
    """
    keep = ["area_code", "period", "value", "status"]
    out = current[keep].copy()
    if changes is None or changes.empty:
        return out.sort_values(["area_code", "period"], ignore_index=True)
    key = ["area_code", "period"]
    changed = changes.set_index(key)
    out = out.loc[~out.set_index(key).index.isin(changed.index)]
    before = changes.loc[changes["value_then"].notna(), [*key, "value_then", "status_then"]]
    before = before.rename(columns={"value_then": "value", "status_then": "status"})
    out = pd.concat([out, before], ignore_index=True)
    return out.sort_values(key, ignore_index=True)


def with_period_end(cells: pd.DataFrame, frequency: str) -> pd.DataFrame:
    """The cells with period_end (the period's last day), for ordering and charts."""
    ends = {p: tc.period_bounds(p, frequency)[1] for p in cells["period"].unique()}
    return cells.assign(period_end=pd.to_datetime(cells["period"].map(ends)))


def load_item_cells(store, item: Mapping, as_of: date) -> pd.DataFrame:
    """The item's cells (CELL_COLUMNS) as known at the end of as_of (history honoured).

    Reads the values in force now (Store.export_values) and puts back as they were
    the cells changed after as_of (lib.services.provenance.changes_between up to
    the store's clock, which stamps every upload), as the engine's figures do.
    """
    from lib.services import provenance

    current = store.export_values(item["code"])
    now = datetime.now().date()
    changes = None
    if as_of < now:
        areas = store.areas(item["area_level"])["code"].tolist()
        changes = provenance.changes_between(store, [item["code"]], areas, as_of, now)
    cells = cells_as_known(current, changes)
    return with_period_end(cells, item["frequency"])[CELL_COLUMNS]


def visible_cells(cells: pd.DataFrame, sees_unverified: bool) -> pd.DataFrame:
    """What a viewer may see: everything for the signed-in, verified values for the public.

    >>> c = pd.DataFrame({"value": [1.0, 2.0], "status": ["verified", "submitted"]})
    >>> len(visible_cells(c, True)), len(visible_cells(c, False))
    (2, 1)
    """
    return cells if sees_unverified else cells.loc[cells["status"] == "verified"]


def usable(cells: pd.DataFrame, item: Mapping) -> pd.DataFrame:
    """Values a chart may draw: not rejected, within the item's valid range."""
    low, high = item.get("valid_min"), item.get("valid_max")
    keep = cells["status"] != "rejected"
    if pd.notna(low):
        keep &= cells["value"] >= low
    if pd.notna(high):
        keep &= cells["value"] <= high
    return cells.loc[keep]


def history_frame(
    cells: pd.DataFrame,
    frequency: str,
    chosen: Sequence[str],
    area_names: Mapping[str, str],
    lang: str,
) -> pd.DataFrame:
    """Long frame (period_end, series, value, label) for lib.views.profile.trend_chart: the mean
    of all areas and a line per chosen area."""
    mean = cells.groupby("period_end", as_index=False)["value"].mean()
    parts = [mean.assign(series=pick(ALL_AREAS, lang))]
    for code in chosen:
        mine = cells.loc[cells["area_code"] == code, ["period_end", "value"]]
        parts.append(mine.assign(series=f"{area_names.get(code, code)} ({code})"))
    out = pd.concat(parts, ignore_index=True)
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["label"] = [
        tc.thai_period_label(tc.period_of(d.date(), frequency), frequency, lang)
        for d in out["period_end"]
    ]
    return out.sort_values(["series", "period_end"], ignore_index=True)


def area_table(
    cells: pd.DataFrame, period: str, area_names: Mapping[str, str], lang: str
) -> pd.DataFrame:
    """The values of every area in one period, with their status in words."""
    rows = cells.loc[cells["period"] == period].sort_values("area_code")
    return display_table(rows, ["area_code", "value", "status"], lang, area_names=area_names)


def comparison_table(
    cells: pd.DataFrame,
    chosen: Sequence[str],
    frequency: str,
    area_names: Mapping[str, str],
    lang: str,
) -> pd.DataFrame:
    """A row per period (newest first), a column of values per chosen area."""
    mine = cells.loc[cells["area_code"].isin(list(chosen))]
    wide = mine.pivot_table(index="period", columns="area_code", values="value", aggfunc="first")
    wide = wide.reindex(columns=[c for c in chosen if c in wide.columns])
    wide = wide.sort_index(ascending=False)
    wide.columns = [f"{area_names.get(c, c)} ({c})" for c in wide.columns]
    head = labels.column_label("period", lang)
    wide.index = [period_text(p, frequency, lang) for p in wide.index]
    return wide.rename_axis(head).reset_index()


# -- provenance of one cell -----------------------------------------------------------------
PROVENANCE_COLUMNS = [
    "version",
    "value",
    "status",
    "batch_id",
    "batch_kind",
    "file_name",
    "submitted_by",
    "submitted_at",
    "verified_by",
    "verified_at",
    "in_force_from",
    "in_force_until",
    "replaced_by_batch",
    "replaced_by_kind",
    "undone",
    "current",
    "note",
]
PEOPLE = ("submitted_by", "verified_by")


def provenance_table(versions: pd.DataFrame, lang: str, sees_unverified: bool = True):
    """A cell's versions (lib.services.provenance.versions) as a reader sees them, newest first.

    The public sees the verified versions only, without the accounts' names.
    """
    rows = versions if sees_unverified else versions.loc[versions["status"] == "verified"]
    columns = [c for c in PROVENANCE_COLUMNS if c in rows.columns]
    if not sees_unverified:
        columns = [c for c in columns if c not in PEOPLE]
    rows = rows.sort_values("version", ascending=False)
    return display_table(rows, columns, lang).reset_index(drop=True)


def cell_link(item_code: str, area_code: str, period: str = "", **extra: str) -> str:
    """The Explore page's deep link to one cell's provenance (without a period: the item's
    page with the area chosen, its periods to pick); `extra` adds parameters (as_of).

    >>> cell_link("FIN01", "21", "2569-08")
    '/explore?item=FIN01&area=21&period=2569-08'
    >>> cell_link("X 1", "21", "ส.ค. 2569")
    '/explore?item=X+1&area=21&period=%E0%B8%AA.%E0%B8%84.+2569'
    >>> cell_link("FIN01", "21", as_of="2569-10-15")
    '/explore?item=FIN01&area=21&as_of=2569-10-15'
    """
    parts = {"item": item_code, "area": area_code, "period": period, **extra}
    return f"/{PAGE_URL}?{urlencode({k: v for k, v in parts.items() if v})}"


def cell_from_query(query: Mapping[str, str]) -> tuple[str, str, str]:
    """(item, area, period) named by a URL ('' for each part it lacks), stripped.

    >>> cell_from_query({"item": " fin01 ", "area": "21"})
    ('FIN01', '21', '')
    """
    return (
        str(query.get("item") or "").strip().upper(),
        str(query.get("area") or "").strip(),
        str(query.get("period") or "").strip(),
    )

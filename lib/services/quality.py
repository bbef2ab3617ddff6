"""Data quality over the store: flagged values, the follow-up list, warnings at upload.

A value is flagged (lib.engine.quality) when it lies far from its own item x
area history ('outlier_history'), far from the other areas in the same period
('outlier_peers'), or when a validation rule between items fails for its area
and period ('rule:CODE': every value of the rule there is flagged). A
verifier of the item's owner agency (or an administrator) marks a flag as
checked with a note; the mark holds for the value it was made on, so a changed
value is flagged afresh. The outlier threshold is the store's meta key
'outlier_threshold' (default 3.5).
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from lib.core.i18n import InputError
from lib.engine import quality as eq
from lib.ingest.periods import normalise_period
from lib.services import auth
from lib.store import Store

THRESHOLD_KEY = "outlier_threshold"
NOTE_MAX = 500
KEY = ["item_code", "area_code", "period", "flag"]
FLAG_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "value",
    "flag",
    "score_or_detail",
    "checked",
    "checked_by",
    "note",
    "checked_at",
    "score",
    "median",
    "rule_code",
    "detail_th",
    "detail_en",
    "period_end",
]
WARNING_COLUMNS = ["item_code", "area_code", "period", "value", "flag", "detail_th", "detail_en"]
_RAISED = [c for c in FLAG_COLUMNS if c not in ("checked", "checked_by", "note", "checked_at")]


# -- the threshold -------------------------------------------------------------------
def parse_threshold(text: object) -> float:
    """An outlier threshold from text: a number above 0 (InputError in Thai otherwise).

    >>> parse_threshold("3.5"), parse_threshold(4)
    (3.5, 4.0)
    """
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(
            f"เกณฑ์ค่าผิดปกติต้องเป็นตัวเลขมากกว่า 0 ไม่ใช่ '{text}'",
            f"the outlier threshold must be a number above 0, not '{text}'",
        )
    return value


def threshold(store: Store) -> float:
    """The deployment's outlier threshold (meta 'outlier_threshold'; 3.5 when not set)."""
    text = store.get_meta(THRESHOLD_KEY)
    return eq.THRESHOLD if text is None or not str(text).strip() else parse_threshold(text)


# -- what is flagged --------------------------------------------------------------------
def _rules(store: Store, item_codes) -> list[eq.Rule]:
    """The store's active validation rules, read against the catalogue's item codes."""
    return eq.parse_rules(store.rules(active_only=True), item_codes)


def _score_text(score: float) -> str:
    return eq.format_number(score if math.isinf(score) else round(score, 2))


def _outlier_flags(flagged: pd.DataFrame, thr: float, peers: bool) -> pd.DataFrame:
    """Flag rows of history_outliers / peer_outliers with their details in Thai and English."""
    where_th = "พื้นที่อื่นในงวดเดียวกัน" if peers else "งวดอื่นของพื้นที่นี้"
    where_en = "the other areas in the same period" if peers else "this area's other periods"
    texts = [
        (_score_text(s), eq.format_number(m))
        for s, m in zip(flagged["score"], flagged["median"], strict=True)
    ]
    limit = eq.format_number(thr)
    return flagged.assign(
        rule_code=None,
        score_or_detail=[s for s, _ in texts],
        detail_th=[
            f"ห่างจากค่ามัธยฐานของ{where_th} ({m}) มาก: คะแนน z แบบปรับ {s} เกินเกณฑ์ {limit}"
            for s, m in texts
        ],
        detail_en=[
            f"far from the median of {where_en} ({m}): modified z-score {s} beyond {limit}"
            for s, m in texts
        ],
    )


def _rule_flags(values: pd.DataFrame, rules: list[eq.Rule]) -> pd.DataFrame:
    """Every value of a broken rule's items at that area and period, flagged 'rule:CODE'."""
    results = eq.check_rules(rules, values)
    broken = results[results["broken"]]
    by_code = {r.code: r for r in rules}
    rows = []
    for hit in broken.to_dict("records"):
        rule = by_code[hit["rule_code"]]
        for item in rule.items:
            rows.append(
                {
                    "item_code": item,
                    "area_code": hit["area_code"],
                    "period": hit["period"],
                    "flag": rule.flag,
                    "rule_code": rule.code,
                    "score_or_detail": hit["detail"],
                    "detail_th": f"ไม่เป็นไปตามกฎ {rule.code} {rule.name_th}: {hit['detail']}",
                    "detail_en": f"breaks rule {rule.code} {rule.name_en}: {hit['detail']}",
                }
            )
    frame = pd.DataFrame(
        rows, columns=[*KEY, "rule_code", "score_or_detail", "detail_th", "detail_en"]
    )
    cells = values[["item_code", "area_code", "period", "value", "period_end"]]
    return frame.merge(cells, on=["item_code", "area_code", "period"], how="left")


def _peer_input(values: pd.DataFrame) -> pd.DataFrame:
    """Values with their peer group: the area's level (provinces with provinces)."""
    level = values["level"] if "level" in values else pd.Series("", index=values.index)
    return values.assign(peer_group=level.fillna(""))  # a group key: text as it is, no copy


def _raised(history: pd.DataFrame, peers: pd.DataFrame, rules_on: pd.DataFrame, rules, thr):
    """Every flag raised: outliers of `history` and `peers`, broken rules over `rules_on`."""
    return _together([_outliers(history, peers, thr), _rule_flags(rules_on, rules)])


def _outliers(history: pd.DataFrame, peers: pd.DataFrame, thr: float) -> pd.DataFrame:
    """The outlier flags of `history` (against each cell's other periods) and of `peers`
    (against the other areas in the same period); each item's flags rest on its own values."""
    return _together(
        [
            _outlier_flags(eq.history_outliers(history, thr), thr, peers=False),
            _outlier_flags(eq.peer_outliers(_peer_input(peers), thr), thr, peers=True),
        ]
    )


def _together(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Flag frames as one (columns _RAISED), each flag of a cell once."""
    parts = [p.reindex(columns=_RAISED) for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _RAISED})
    return pd.concat(parts, ignore_index=True).drop_duplicates(KEY).reset_index(drop=True)


def _kept_outliers(store: Store, items: list[str] | None, as_of: date | None, thr: float):
    """_outliers of the items' values (all items: None), as known at as_of, kept with the store
    (lib.store.maintained): after a commit, undo or verification only the items it touched
    are scored again, since an item's outlier flags rest on its own values alone."""

    def compute(pairs: pd.DataFrame | None) -> pd.DataFrame:
        wanted = items
        if pairs is not None:
            touched = set(pairs["item_code"])
            wanted = sorted(touched if items is None else touched & set(items))
            if not wanted:
                return _together([])
        values = store.quality_values(wanted, as_of)
        return _outliers(values, values, thr)

    if not store.maintain_reads:
        return compute(None)
    return store.maintained().read(
        store,
        ("quality outliers", None if items is None else tuple(items), as_of, thr),
        compute,
        lambda pairs: pairs[["item_code"]].drop_duplicates(),
        ["item_code"],
    )


def _known(store: Store, item_code: str | None, area_code: str | None) -> pd.DataFrame:
    """The catalogue; InputError (Thai first) for an unknown item or area code."""
    catalog = store.catalog()
    if item_code is not None and item_code not in set(catalog["code"]):
        raise InputError(f"ไม่มีรายการข้อมูลรหัส {item_code}", f"no item with code {item_code}")
    if area_code is not None and area_code not in set(store.areas()["code"].astype(str)):
        raise InputError(f"ไม่มีพื้นที่รหัส {area_code}", f"no area with code {area_code}")
    return catalog


def flags(
    store: Store,
    item_code: str | None = None,
    area_code: str | None = None,
    as_of: date | None = None,
    include_checked: bool = False,
    item_codes=None,
) -> pd.DataFrame:
    """Flagged values of the store (current, or as known at the end of as_of), each flag once
    per cell, of one item (or of the catalogue's `item_codes`) or area if given; checked ones
    only with include_checked. Only the values of those items and of the items their rules
    name are read.

    Columns FLAG_COLUMNS: score_or_detail is the modified z-score of an outlier
    or the rule with its values; checked is True when a verifier marked this flag
    of this cell for the value it holds (checked_by, note, checked_at of the mark).
    """
    catalog = _known(store, item_code, area_code)
    rules = _rules(store, catalog["code"])
    wanted = None
    if item_code is not None or item_codes is not None:
        wanted = {item_code} if item_code is not None else set(item_codes) & set(catalog["code"])
        rules = [r for r in rules if wanted & set(r.items)]
    thr = threshold(store)
    parts = [_kept_outliers(store, None if wanted is None else sorted(wanted), as_of, thr)]
    if rules:  # a rule reads the values of all its items
        ruled = store.quality_values({i for r in rules for i in r.items}, as_of)
        parts.append(_rule_flags(ruled, rules))
    raised = _together(parts)
    if wanted is not None:
        raised = raised[raised["item_code"].isin(wanted)]
    if area_code is not None:
        raised = raised[raised["area_code"] == area_code]
    out = _with_checks(raised, store.checks(item_code, area_code, as_of))
    if not include_checked:
        out = out[~out["checked"]]
    order = ["item_code", "area_code", "period_end", "period", "flag"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)[FLAG_COLUMNS]


def _with_checks(raised: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Raised flags with the mark of each, where one was made on the value the cell holds."""
    marks = checks[[*KEY, "value", "checked_by", "checked_at", "note"]].rename(
        columns={"value": "checked_value"}
    )
    out = raised.merge(marks, on=KEY, how="left")
    out["checked"] = (out["checked_value"] == out["value"]).astype(bool)
    for column in ("checked_by", "checked_at", "note"):
        out[column] = out[column].astype(object).where(out["checked"], None)
    return out.drop(columns="checked_value")


def flags_for(store: Store, user) -> pd.DataFrame:
    """Unchecked flags of the items and areas the account may verify (lib.services.auth
    "verify"; every one for an administrator): the follow-up list. Only the items of the
    account's agency are checked, which is far cheaper than the whole store's flags."""
    from lib.services import auth

    if user is None:
        return flags(store, item_codes=())
    catalog = store.catalog().set_index("code", drop=False)
    if user.role == "admin":
        return flags(store)
    mine = catalog.loc[catalog["owner_agency"] == user.agency_code, "code"]
    found = flags(store, item_codes=mine)
    index = auth.load_area_index(store)
    allowed = {
        (item, area): auth.can(
            user, "verify", item=catalog.loc[item], area_code=area, area_index=index
        ).allowed
        for item, area in set(zip(found["item_code"], found["area_code"], strict=True))
    }
    keys = zip(found["item_code"], found["area_code"], strict=True)
    return found[[allowed[key] for key in keys]].reset_index(drop=True)


FLAGGED_COLUMNS = ["item_code", "area_code", "period", "period_end"]


def flagged_cells(store: Store, as_of: date | None = None, item_codes=None) -> pd.DataFrame:
    """Cells (FLAGGED_COLUMNS) with a flag not yet checked, as known at as_of, of every item
    or of `item_codes` (the KPIs' items: far cheaper than the whole store's flags); a red
    KPI light resting on one is unreliable (lib.engine.kpi_flags)."""
    cells = flags(store, as_of=as_of, item_codes=item_codes)[FLAGGED_COLUMNS]
    return cells.drop_duplicates(FLAGGED_COLUMNS[:3]).reset_index(drop=True)


def kpi_flagged_cells(store: Store, fiscal_year: int, as_of: date | None = None) -> pd.DataFrame:
    """flagged_cells of the items the fiscal year's KPIs link: what kpi.scores' `flagged` takes
    (lib.engine.kpi_flags matches each KPI with its own items' cells), the same for the
    cockpit, the map, the command line and the KPI form, so they share one kept computation."""
    from lib.engine import kpi

    return flagged_cells(store, as_of, kpi.kpi_item_links(store.kpis(fiscal_year))["item_code"])


# -- warnings at upload -----------------------------------------------------------------
def upload_warnings(store: Store, compare: pd.DataFrame) -> pd.DataFrame:
    """The incoming cells of a preview (item_code, area_code, period, value; Preview.compare)
    that would be flagged once committed: outliers against their stored history and peers,
    rules broken with the values already stored for the other items.

    Cells equal to what is stored ('unchanged') are left out: they are on the list already.
    Columns WARNING_COLUMNS.
    """
    incoming = compare[compare["value"].notna()]
    if "change" in incoming:
        incoming = incoming[incoming["change"] != "unchanged"]
    if incoming.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WARNING_COLUMNS})
    codes = set(incoming["item_code"].unique())
    rules = [r for r in _rules(store, store.catalog()["code"]) if set(r.items) & codes]
    items = {*codes, *(i for r in rules for i in r.items)}
    combined = _combined(store, incoming, items)
    mine = combined["_incoming"].to_numpy(bool)

    def touching(keys: list[str]) -> pd.DataFrame:
        """The rows in a group (by keys) with an incoming cell: one pass, no merge."""
        if mine.all():
            return combined
        groups = combined.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        hit = np.zeros(groups.max() + 1, dtype=bool)
        hit[groups[mine]] = True
        return combined[hit[groups]]

    raised = _raised(
        touching(["item_code", "area_code"]),
        touching(["item_code", "period"]),
        touching(["area_code", "period"]),
        rules,
        threshold(store),
    )
    cells = combined.loc[mine, ["item_code", "area_code", "period"]]
    out = raised.merge(cells, on=["item_code", "area_code", "period"])
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)[WARNING_COLUMNS]


def _levels(areas: pd.DataFrame, codes: pd.Series) -> np.ndarray:
    """The level of each area code (NaN for a code not in the reference), looked up once per
    distinct code (a million cells name a few thousand areas)."""
    keys, distinct = pd.factorize(codes)
    levels = pd.Series(areas["level"].to_numpy(object), index=areas["code"].astype(str))
    return np.append(levels.reindex(distinct).to_numpy(object), np.nan)[keys]


def _combined(store: Store, incoming: pd.DataFrame, items: set[str]) -> pd.DataFrame:
    """The stored values of the items that share a group with an incoming cell, with the
    incoming cells in place of those they replace. The checks compare values of an item
    and area, of an item and period, and of an area and period: every value of such a group
    is of an incoming cell's area or of its period (a feed's document of two cells need
    not read the item's values of every area and month)."""
    new = incoming.reindex(columns=["item_code", "area_code", "period", "period_end", "value"])
    new = new.assign(level=_levels(store.areas(), new["area_code"]), _incoming=True)
    near = (new["area_code"].astype(str).unique(), new["period"].astype(str).unique())
    stored = store.quality_values(items, near=near).assign(_incoming=False)
    if stored.empty:
        return new.astype({"value": float}).reset_index(drop=True)
    keys = ["item_code", "area_code", "period"]
    kept = stored.merge(new[keys], on=keys, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    columns = [*new.columns]
    return pd.concat([kept[columns], new], ignore_index=True).astype({"value": float})


# -- the follow-up: a verifier marks a flag as checked ------------------------------------
def _cell_for(store: Store, item: dict, area_code: str, period: str) -> tuple[str, dict]:
    """(period code, current cell) of a cell named any way; InputError when it holds no value."""
    try:
        code = normalise_period(period, item["frequency"], item.get("crop_year") or "start")
    except ValueError as exc:
        raise InputError(
            f"อ่านงวด '{period}' ของรายการ {item['code']} ไม่ได้",
            f"cannot read period '{period}' of item {item['code']}: {exc}",
        ) from exc
    cell = store.quality_cell(item["code"], area_code, code)
    if cell is None:
        raise InputError(
            f"ไม่มีค่าของ {item['code']} พื้นที่ {area_code} งวด {period} ในระบบ",
            f"no value of {item['code']} for area {area_code}, period {period}",
        )
    return code, cell


def _check_may_mark(store: Store, user, item: dict, cell: dict) -> None:
    """auth.PermissionDenied unless the user is an administrator or may verify the cell."""
    if user is not None and user.is_active and user.role == "admin":
        return
    if user is None or user.role != "verifier":
        role = "public" if user is None else user.role
        raise auth.PermissionDenied(
            f"บทบาท {role} ไม่มีสิทธิ์บันทึกผลการตรวจค่าที่ถูกแจ้งเตือน "
            "(ต้องเป็นผู้ตรวจสอบข้อมูลของหน่วยงานเจ้าของรายการ หรือผู้ดูแลระบบ)",
            f"the role {role} may not mark a flagged value as checked "
            "(the owner agency's verifier or an administrator may)",
            action="verify",
        )
    batch = None if pd.isna(cell.get("batch_id")) else store.batch(int(cell["batch_id"]))
    auth.require(
        user,
        "verify",
        item=item,
        batch=batch or {"username": cell.get("submitted_by")},
        area_code=cell["area_code"],
        area_index=auth.load_area_index(store),
    )


def _clean_note(note: object) -> str:
    text = "" if note is None else str(note).strip()
    if not 1 <= len(text) <= NOTE_MAX:
        raise InputError(
            f"ต้องเขียนบันทึกผลการตรวจ 1 ถึง {NOTE_MAX} ตัวอักษร (ตอนนี้ {len(text)})",
            f"the note must hold 1 to {NOTE_MAX} characters (it holds {len(text)})",
        )
    return text


def mark_checked(
    store: Store,
    user,
    item_code: str,
    area_code: str,
    period: str,
    flag: str,
    note: str,
    origin: str = "app",
) -> dict:
    """Mark one raised flag of a cell as checked, with a note, for the value it holds now.

    Only a verifier of the item's owner agency (within its area) or an
    administrator may: anyone else is refused (auth.PermissionDenied) and the
    refusal audited. InputError (Thai first) for an unknown item, area or cell,
    a note not of 1..500 characters, or a flag the cell does not have. The mark
    and its audit entry (action 'quality_checked') land together. Returns the mark.
    """
    catalog = _known(store, item_code, area_code).set_index("code", drop=False)
    item = catalog.loc[item_code].to_dict()
    code, cell = _cell_for(store, item, area_code, period)
    target = f"{item_code} {area_code} {code} {flag}"
    try:
        _check_may_mark(store, user, item, cell)
    except auth.PermissionDenied as exc:
        auth.audit_denied(store, user, "quality_checked", target, origin, reason=exc.message_en)
        raise
    text = _clean_note(note)
    raised = flags(store, item_code, area_code, include_checked=True)
    if raised[(raised["period"] == code) & (raised["flag"] == flag)].empty:
        raise InputError(
            f"ค่าของ {item_code} พื้นที่ {area_code} งวด {period} ไม่มีการแจ้งเตือน '{flag}'",
            f"the value of {item_code} for area {area_code}, period {period} has no flag '{flag}'",
        )
    mark = {
        "item_code": item_code,
        "area_code": area_code,
        "period": code,
        "flag": flag,
        "value": float(cell["value"]),
        "checked_by": user.username,
        "note": text,
    }
    audit = {
        "username": user.username,
        "action": "quality_checked",
        "target": target,
        "detail": {"flag": flag, "value": mark["value"], "note": text},
        "origin": origin,
    }
    store.mark_checked(mark, audit)
    return mark

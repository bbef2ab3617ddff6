"""Checking every cell against the catalogue and the reference: clean rows and problems.

Each check runs once per distinct text (or distinct (text, item level) pair),
never once per row: a million-row file has a few thousand distinct areas and
periods. A total or subtotal row ("รวม", "ทั่วราชอาณาจักร", a region, a province row
over its districts: :mod:`lib.ingest.totals`) gets one total_set_aside warning, and a
total_mismatch warning when it differs from its members in the file, and nothing else;
it is never loaded. A blank row of a long sheet (no value and no note, as in a template
partly filled in) is not reported at all, only counted (``blank_rows``); a row with a
note but no value is an empty_value warning. A
period whose last day is on or after ``as_of`` has not ended: period_in_future;
one that ends before 1 January of ``EIS_CONFIRM_YEARS_BEFORE`` (2500 BE, 1957 CE)
is old_period, an error unless the upload confirms old years (then a warning):
``2468-03`` is far more often a mistyped 2568 than a value of 1925.
Duplicates are cells naming the same item, area and period (by code, not by
spelling); both are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.numbers import round_to_decimals
from lib.ingest.areas import AreaLookup, decide_area
from lib.ingest.forms import Cells
from lib.ingest.items import Item, ItemLookup
from lib.ingest.periods import parse_period_key
from lib.ingest.result import CLEAN_COLUMNS, SEVERITY
from lib.ingest.text import is_total, take_str
from lib.ingest.totals import (
    CarryDown,
    TotalCells,
    TotalLabel,
    adds_up,
    carry_down,
    check_totals,
    classify,
    file_order,
    mismatch_frame,
    set_aside_labels,
)
from lib.ingest.values import EMPTY_VALUES, format_bound, parse_values

_LEVELS = ("", "province", "district")
_TOTAL_CODES = ("total_set_aside", "total_mismatch")
_CROP = ("start", "end")


def _at(spec: object, idx: np.ndarray, dtype) -> np.ndarray:
    """Entries idx of a per-cell array, or a scalar repeated."""
    if isinstance(spec, np.ndarray):
        return spec[idx]
    return np.full(len(idx), spec, dtype=dtype)


def _problem_frame(cells: Cells, mask: np.ndarray, role: str, code: str, th, en) -> pd.DataFrame:
    """Problems for the cells in mask, located at the role's row and column."""
    idx = np.flatnonzero(mask)
    row_spec, col_spec = cells.locs[role]
    return pd.DataFrame(
        {
            "row": _at(row_spec, idx, np.int64).astype(np.int64),
            "column": _at(col_spec, idx, object),
            "value": cells.frame[role].iloc[idx].reset_index(drop=True),  # Arrow, no objects
            "code": code,
            "th": th[idx] if isinstance(th, np.ndarray) else th,
            "en": en[idx] if isinstance(en, np.ndarray) else en,
        }
    )


def _per(values: list, codes: np.ndarray, dtype=object) -> np.ndarray:
    """Per-cell array from per-distinct-value results and the cells' codes."""
    distinct = np.asarray(values, dtype=dtype)
    if dtype is bool and not distinct.any():  # nothing flagged: no need to index
        return np.zeros(len(codes), dtype=bool)
    return distinct[codes]


def _per_text(values: list[str], codes: np.ndarray) -> np.ndarray | str:
    """Like _per for a problem's detail texts; just "" when every text is empty."""
    return _per(values, codes) if any(values) else ""


@dataclass
class _Decided:
    """One result per distinct key and, per cell, the index of its key."""

    results: list
    codes: np.ndarray

    def per_cell(self, pick, dtype=object) -> np.ndarray:
        """pick(result) for every cell."""
        return _per([pick(r) for r in self.results], self.codes, dtype)


class _Report:
    """Problem frames found so far and the mask of cells with an error.

    Total rows get only the total codes; blank rows (see _blank_rows) get nothing.
    """

    def __init__(self, cells: Cells, total: np.ndarray, blank: np.ndarray):
        self.cells = cells
        self.blank = blank
        self.found: list[pd.DataFrame] = []
        self.error = np.zeros(len(cells.frame), dtype=bool)
        self.set_total(total)

    def set_total(self, total: np.ndarray) -> None:
        """The cells of total rows (they get only the total codes)."""
        self.total = total
        self._hidden = {
            True: self.blank if self.blank.any() else None,
            False: (total | self.blank) if total.any() or self.blank.any() else None,
        }

    def __call__(self, mask: np.ndarray, role: str, code: str, th="", en="") -> None:
        """Report code for the cells in mask, at the role's place in the file."""
        hidden = self._hidden[code in _TOTAL_CODES]
        if hidden is not None:
            mask = mask & ~hidden
        if mask.any():
            self.found.append(_problem_frame(self.cells, mask, role, code, th, en))
            if SEVERITY.get(code, "error") == "error":
                self.error |= mask


class Validated(NamedTuple):
    """What validate gives back: the rows to load, the problem frames and the counts
    ({"blank_rows": blank template rows not reported, "set_aside": total rows})."""

    clean: pd.DataFrame
    found: list[pd.DataFrame]
    counts: dict[str, int]


def validate(
    cells: Cells,
    items: ItemLookup,
    areas: AreaLookup,
    as_of: date,
    form: str,
    oldest: tuple[date, bool] | None = None,
) -> Validated:
    """Clean rows, problem frames and counts; every lookup runs once per distinct text.

    oldest: (first day, confirmed): a period ending before that day is old_period (an
    error) or, when confirmed, old_period_confirmed (a warning); None checks no age.
    """
    f = cells.frame
    icodes, iuniq = pd.factorize(f["item"])
    iuniq = list(iuniq)
    acodes, auniq = pd.factorize(f["area"])
    auniq = list(auniq)
    labels = [classify(u, areas) for u in auniq]
    total_item = _per([is_total(u) for u in iuniq], icodes, bool)
    total_area = _per([lb.kind != "" for lb in labels], acodes, bool)
    report = _Report(cells, total_item | total_area, _blank_rows(f, form))
    item = _check_items(report, iuniq, icodes, items)
    district = item.per_cell(lambda r: r[3] is not None and r[3].area_level == "district", bool)
    rows = file_order(f)
    carry = carry_down(rows, acodes, auniq, district, f["area_q"], areas)
    if carry is not None:
        report.set_total(report.total | carry.province_row)
    label = set_aside_labels(labels, acodes, carry, areas)
    if report.total.any():
        th, en = (
            _per([lb.th for lb in label[1]] + [""], label[0]),
            _per([lb.en for lb in label[1]] + [""], label[0]),
        )
        report(label[0] >= 0, "area", "total_set_aside", th, en)
        report(total_item & (label[0] < 0), "item", "total_set_aside", " (ผลรวม)", " (a total)")
    area = _check_areas(
        report, f["area_q"] if carry is None else carry.qualifier, auniq, acodes, areas, item
    )
    period = _check_periods(report, f["period"], item, as_of)
    if oldest is not None:
        _check_old_periods(report, period, *oldest)
    values, empty, bad = _check_values(report, f["value"], item, form)
    _check_duplicates(report, item, area, period, empty)
    _check_totals(report, item, area, period, values, ~empty & ~bad, label, carry, areas)
    keep = np.flatnonzero(~report.error & ~empty & ~report.total)
    counts = {
        "blank_rows": len(np.unique(rows[report.blank])),
        "set_aside": len(np.unique(rows[report.total & ~report.blank])),
    }
    clean = _clean_frame(cells, keep, item, area, period, values)
    return Validated(clean, report.found, counts)


def _blank_rows(f: pd.DataFrame, form: str) -> np.ndarray:
    """Cells of a long sheet naming an item, an area and a period but with neither a value
    nor a note (a template row left blank): nothing to load, nothing to report."""
    blank = np.zeros(len(f), dtype=bool)
    if form != "long":  # a wide sheet has no cell for an empty one
        return blank
    empty = np.flatnonzero(f["value"].isin(EMPTY_VALUES).to_numpy(dtype=bool))
    if len(empty):
        g = f.iloc[empty]
        named = (g["item"] != "") & ((g["area"] != "") | (g["area_q"] != "")) & (g["period"] != "")
        blank[empty] = (named & (g["note"] == "")).to_numpy(dtype=bool)
    return blank


def _check_items(report: _Report, iuniq: list, icodes: np.ndarray, items: ItemLookup) -> _Decided:
    """missing_item and unknown_item; results are (code, detail_th, detail_en, Item)."""
    resolved = [items.resolve(u) if u else (None, "", "") for u in iuniq]
    item = _Decided([(*r, items.info.get(r[0]) if r[0] else None) for r in resolved], icodes)
    known = item.per_cell(lambda r: r[3] is not None, bool)
    blank = _per([u == "" for u in iuniq], icodes, bool)
    report(blank, "item", "missing_item")
    report(
        ~known & ~blank,
        "item",
        "unknown_item",
        _per_text([r[1] for r in resolved], icodes),
        _per_text([r[2] for r in resolved], icodes),
    )
    return item


def _check_areas(
    report: _Report,
    qualifiers: pd.Series,
    auniq: list,
    acodes: np.ndarray,
    areas: AreaLookup,
    item: _Decided,
) -> _Decided:
    """missing, unknown, ambiguous and wrong-level areas, once per (text, province, level)."""
    level_idx = item.per_cell(lambda r: _LEVELS.index(r[3].area_level) if r[3] else 0, np.int64)
    qcodes, quniq = pd.factorize(qualifiers)
    quniq = list(quniq)
    akey = (acodes.astype(np.int64) * len(quniq) + qcodes) * len(_LEVELS) + level_idx
    ainv, akeys = _factorize_keys(akey)
    decided = []
    for k in akeys.tolist():
        rest, lvl = divmod(k, len(_LEVELS))
        a, q = divmod(rest, len(quniq))
        decided.append(decide_area(areas, auniq[a], quniq[q], _LEVELS[lvl]))
    area = _Decided(decided, ainv)
    report(area.per_cell(lambda d: not d[4], bool), "area", "missing_area")
    for code in ("unknown_area", "area_conflict", "ambiguous_area", "area_level_mismatch"):
        hit = area.per_cell(lambda d, code=code: d[1] == code, bool)
        if hit.any():
            report(hit, "area", code, area.per_cell(lambda d: d[2]), area.per_cell(lambda d: d[3]))
    return area


def _check_periods(report: _Report, texts: pd.Series, item: _Decided, as_of: date) -> _Decided:
    """Missing, unreadable, wrong-frequency and unended periods, once per (text, frequency,
    crop-year rule: "2565/66" is the year the season starts or ends, as the item says)."""
    freq_idx = item.per_cell(
        lambda r: (
            (tc.FREQUENCIES.index(r[3].frequency) + 1) * 2 + (r[3].crop_year == "end")
            if r[3]
            else 0
        ),
        np.int64,
    )
    pcodes, puniq = pd.factorize(texts)
    puniq = list(puniq)
    nf = (len(tc.FREQUENCIES) + 1) * 2
    pinv, pkeys = _factorize_keys(pcodes.astype(np.int64) * nf + freq_idx)
    parsed = []
    for k in pkeys.tolist():
        p, rest = divmod(k, nf)
        fi, crop = divmod(rest, 2)
        frequency = tc.FREQUENCIES[fi - 1] if fi else ""
        parsed.append(parse_period_key(puniq[p], frequency, _CROP[crop]))
    period = _Decided(parsed, pinv)
    report(period.per_cell(lambda p: p[5], bool), "period", "missing_period")
    for code in ("bad_period", "period_not_of_frequency"):
        hit = period.per_cell(lambda p, code=code: p[2] == code, bool)
        if hit.any():
            th, en = period.per_cell(lambda p: p[3]), period.per_cell(lambda p: p[4])
            report(hit, "period", code, th, en)
    future = period.per_cell(lambda p: bool(p[1]) and p[1] >= as_of, bool)
    report(
        future,
        "period",
        "period_in_future",
        f" (ณ วันที่ {tc.thai_date(as_of)})",
        f" (as of {as_of.isoformat()})",
    )
    return period


def _check_old_periods(report: _Report, period: _Decided, first: date, confirmed: bool) -> None:
    """old_period (or old_period_confirmed) for periods that end before `first`."""
    old = period.per_cell(lambda p: bool(p[1]) and p[1] < first, bool)
    be = first.year + tc.BE_OFFSET
    code = "old_period_confirmed" if confirmed else "old_period"
    report(old, "period", code, f"{be} (ค.ศ. {first.year})", f"{be} BE ({first.year} CE)")


def _check_values(
    report: _Report, texts: pd.Series, item: _Decided, form: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, empty, bad): empty (long form, with a note), not a number, out of range."""
    infos = [r[3] for r in item.results]

    def attr(name, default, dtype=object):
        return _per([getattr(i, name) if i else default for i in infos], item.codes, dtype)

    values, empty, bad, vth, ven = parse_values(texts, attr("is_percent", False, bool))
    if form == "long":
        report(empty, "value", "empty_value")
    report(bad, "value", "not_a_number", vth, ven)
    ok_value = ~empty & ~bad
    outside = ok_value & (
        (values < attr("valid_min", np.nan, float)) | (values > attr("valid_max", np.nan, float))
    )
    if outside.any():
        rng_th = [_valid_range(i, "ถึง") for i in infos]
        rng_en = [_valid_range(i, "to") for i in infos]
        report(outside, "value", "out_of_range", _per(rng_th, item.codes), _per(rng_en, item.codes))
    values, rounded = round_to_decimals(values, attr("decimals", 6, "int64"))
    rounded &= ok_value
    if rounded.any():
        shown = np.array([f" {v:,.10g}" for v in values[rounded]], dtype=object)
        text = np.full(len(values), "", dtype=object)
        text[rounded] = shown
        report(rounded, "value", "rounded", text, text)
    return values, empty, bad


def _valid_range(item: Item | None, word: str) -> str:
    """' (0 to 100)' of an item's accepted values; "" for an unknown item."""
    if item is None:
        return ""
    return f" ({format_bound(item.valid_min)} {word} {format_bound(item.valid_max)})"


def _check_duplicates(
    report: _Report, item: _Decided, area: _Decided, period: _Decided, empty: np.ndarray
) -> None:
    """duplicate_cell for cells naming the same item, area and period (by code)."""
    f = report.cells.frame
    n = len(f)
    item_id = pd.factorize(pd.Series([r[0] for r in item.results], dtype=object))[0][item.codes]
    area_id = pd.factorize(pd.Series([d[0] for d in area.results], dtype=object))[0][area.codes]
    period_id = pd.factorize(pd.Series([p[0] for p in period.results], dtype=object))[0][
        period.codes
    ]
    keyed = (item_id >= 0) & (area_id >= 0) & (period_id >= 0) & ~empty & ~report.total
    dup = _duplicated(item_id[keyed], area_id[keyed], period_id[keyed])
    if not dup.any():
        return
    ids = pd.DataFrame({"i": item_id, "a": area_id, "p": period_id})[keyed]
    d = ids[dup]
    group = pd.factorize(pd.MultiIndex.from_arrays([d["i"], d["a"], d["p"]]))[0]
    rows = pd.Series(f["row"].to_numpy()[d.index.to_numpy()])
    listed = rows.groupby(group).agg(_row_list)  # one text per duplicated cell, shared
    mask = np.zeros(n, dtype=bool)
    mask[d.index.to_numpy()] = True
    detail = np.full(n, "", dtype=object)
    detail[d.index.to_numpy()] = np.asarray(listed.tolist(), dtype=object)[group]
    report(mask, "value", "duplicate_cell", detail, detail)


def _check_totals(
    report: _Report,
    item: _Decided,
    area: _Decided,
    period: _Decided,
    values: np.ndarray,
    readable: np.ndarray,
    label: tuple[np.ndarray, list[TotalLabel]],
    carry: CarryDown | None,
    areas: AreaLookup,
) -> None:
    """total_mismatch for totals that differ from their members' sum (lib.ingest.totals)."""
    if not (label[0] >= 0).any():
        return
    infos = [r[3] for r in item.results]
    item_id = item.per_cell(lambda r: r[0] or "")
    key = pd.factorize(pd.MultiIndex.from_arrays([item_id, period.per_cell(lambda p: p[0])]))[0]
    known = item.per_cell(lambda r: bool(r[0]), bool) & period.per_cell(lambda p: bool(p[0]), bool)
    code = area.per_cell(lambda d: d[0] or "")
    province = np.where(
        area.per_cell(lambda d: bool(d[0]) and areas.level[d[0]] == "province", bool), code, ""
    )
    if carry is not None:
        province = np.where(carry.province_row, carry.province, province)
    cells = TotalCells(
        key=np.where(known, key, -1).astype(np.int64),
        row=file_order(report.cells.frame),
        label=label[0],
        labels=label[1],
        value=values,
        readable=readable & ~report.blank,
        usable=readable & ~report.error & ~report.total,
        province=province.astype(object),
        decimals=_per([i.decimals if i else 6 for i in infos], item.codes, np.int64),
        summable=_per([adds_up(i) for i in infos], item.codes, bool),
    )
    found = check_totals(cells, areas)
    if found:
        idx = np.array([i for i, _, _ in found], dtype=np.int64)
        row_spec, col_spec = report.cells.locs["value"]
        where = (_at(row_spec, idx, np.int64), _at(col_spec, idx, object))
        report.found.append(mismatch_frame(found, cells, where, report.cells.frame["area"]))


def _row_list(rows: pd.Series, shown: int = 10) -> str:
    """'2, 5' of the rows of one duplicate; past `shown` rows, '2, 3, ... (+990)'.

    >>> _row_list(pd.Series([5, 2])), _row_list(pd.Series(range(2, 14)), shown=3)
    ('2, 5', '2, 3, 4 … (+9)')
    """
    first = sorted(rows.nsmallest(shown).tolist())
    more = f" … (+{len(rows) - shown:,})" if len(rows) > shown else ""
    return ", ".join(map(str, first)) + more


def _clean_frame(
    cells: Cells,
    keep: np.ndarray,
    item: _Decided,
    area: _Decided,
    period: _Decided,
    values: np.ndarray,
) -> pd.DataFrame:
    """The rows to load (CLEAN_COLUMNS) of the cells kept."""
    f = cells.frame
    note = f["note"].take(keep).reset_index(drop=True)
    if not (note != "").any():  # no notes at all (the common case)
        note = pd.Series(np.full(len(note), None, dtype=object), name=note.name)
    else:
        quoted = note.str.match(r"'[=+\-@]")  # a note exported neutralised reads back as typed
        note = note.where(~quoted, note.str.slice(1)).astype(object).where(note != "", None)
    value_col = cells.locs["value"][1]
    return pd.DataFrame(
        {
            "item_code": take_str([r[0] or "" for r in item.results], item.codes[keep]),
            "area_code": take_str([d[0] or "" for d in area.results], area.codes[keep]),
            "period": take_str([p[0] or "" for p in period.results], period.codes[keep]),
            "period_end": _per([p[1] for p in period.results], period.codes[keep]),
            "value": values[keep],
            "note": note,
            "source_row": f["row"].to_numpy(dtype=np.int64)[keep],
            "source_column": (
                pd.Series(value_col[keep], dtype="str")
                if isinstance(value_col, np.ndarray)
                else take_str([value_col], np.zeros(len(keep), dtype=np.intp))
            ),
        },
        columns=CLEAN_COLUMNS,
    )


def _factorize_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct keys) of int64 keys; the order of the distinct keys is immaterial."""
    size = int(keys.max()) + 1 if len(keys) else 0
    if size > 4 * len(keys) + 1024 or (len(keys) and keys.min() < 0):
        return pd.factorize(keys)  # by hash
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return position[keys], np.flatnonzero(present)


def _duplicated(i: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Mask of the (i, a, p) triples (non-negative ids) that occur more than once."""
    if not len(i):
        return np.zeros(0, dtype=bool)
    ni, na, np_ = (int(x.max()) + 1 for x in (i, a, p))
    slots = ni * na * np_
    if slots < 2**62:  # one int64 key per triple
        key = (i.astype(np.int64) * na + a) * np_ + p
        if slots <= 4 * len(key) + 1024:  # few possible triples: count them
            return np.bincount(key, minlength=slots)[key] > 1
        return pd.Series(key).duplicated(keep=False).to_numpy()
    ids = pd.DataFrame({"i": i, "a": a, "p": p})
    return ids.duplicated(keep=False).to_numpy()

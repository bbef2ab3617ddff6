"""Rows that are not data: totals and subtotals, set aside and checked against their members.

=========================== ==================================== ==============================
the row's area              what it is                           checked against
=========================== ==================================== ==============================
ทั่วราชอาณาจักร, ทั้งประเทศ,    the country                          every province's row, when
ประเทศไทย, Whole Kingdom                                          all 77 are in the file
ภาคเหนือ, Northern Region,   a region or cluster named in the     its member provinces' rows,
ภาคกลางตอนบน 1, กรุงเทพฯ       areas frame (any level but province  when all are in the file
และปริมณฑล                   and district)
รวมทั้งสิ้น, ทั้งหมด,           everything in the file               every area row of the file
Grand total
รวม, ยอดรวม, Total,          the rows above it                    the rows since the previous
รวมอำเภอ                                                          total row (or the sheet start),
                                                                 else every area row of the file
ระยอง over its districts     a province row of a district item    the districts listed under it
                            in a file without a province column  (up to the next total row)
=========================== ==================================== ==============================

Each such row is set aside with one ``total_set_aside`` warning saying what it is (never
loaded, never an error). Totals are compared per item and period, only where every member
row is readable; a total that differs from the sum once both are rounded to the item's
decimals is a ``total_mismatch`` warning naming the total, the sum and the difference.
Items whose aggregation is not a sum (rates, averages, percentages) are not compared.

Province carried down: a district item's file without a province column may list each
province's row (often with its total) and then its districts. There the province is
carried down as the districts' qualifier (``เมือง`` under ``ระยอง`` is เมืองระยอง, an
ambiguous name is read within the province), and the province row is a subtotal. A row
naming both a province and a district (พระนครศรีอยุธยา) is the province when the rows under
it are that province's districts and no row above already opened that province. The
carry-down starts only when some row names a province and nothing else, so a district
file of unique names and no province rows reads as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.ingest.areas import AreaLookup
from lib.ingest.items import Item
from lib.ingest.text import total_kind

KINDS = ("", "country", "grand", "sum", "group", "province")
_LEVEL_TH = {"region": "ภาค", "cluster": "กลุ่มจังหวัด"}
_LEVEL_EN = {"region": "region", "cluster": "cluster"}


@dataclass(frozen=True)
class TotalLabel:
    """What a total's text names: its kind, the groups (regions/clusters) and its detail."""

    kind: str
    groups: tuple[str, ...] = ()
    th: str = ""
    en: str = ""


def classify(text: str, areas: AreaLookup) -> TotalLabel:
    """The total an area text names; kind "" for an area (or anything else)."""
    kind = total_kind(text)
    if kind == "country":
        return TotalLabel("country", (), " (ผลรวมทั้งประเทศ)", " (country total)")
    if kind == "grand":
        return TotalLabel("grand", (), " (ผลรวมทั้งหมดในไฟล์)", " (grand total of the file)")
    if kind == "sum":
        return TotalLabel("sum", (), " (ผลรวมของแถวข้างบน)", " (subtotal of the rows above)")
    groups = areas.group(text) if text else ()
    if not groups:
        return TotalLabel("")
    if any(areas.group_names[g][0] == "country" for g in groups):
        return TotalLabel("country", (), " (ผลรวมทั้งประเทศ)", " (country total)")
    level, th, en = areas.group_names[groups[0]]
    return TotalLabel(
        "group",
        groups,
        f" (ผลรวม{_LEVEL_TH.get(level, '')}: {th})",
        f" (total of the {_LEVEL_EN.get(level, level)} {en})",
    )


def province_label(areas: AreaLookup, code: str) -> TotalLabel:
    """The label of a carried-down province row."""
    th, en = areas.names[code]
    return TotalLabel("province", (), f" (ผลรวมจังหวัด{th})", f" (total of {en} province)")


def file_order(f: pd.DataFrame) -> np.ndarray:
    """Each cell's row in file order: its Excel row, after every row of earlier sheets when
    the cells come from several (an int "sheet" column: the sheet's position)."""
    rows = f["row"].to_numpy(dtype=np.int64)
    if "sheet" not in f.columns or not len(rows):
        return rows
    return f["sheet"].to_numpy(dtype=np.int64) * (int(rows.max()) + 1) + rows


def set_aside_labels(
    labels: list[TotalLabel], acodes: np.ndarray, carry: CarryDown | None, areas: AreaLookup
) -> tuple[np.ndarray, list[TotalLabel]]:
    """(per cell: index of its total's label, -1 for an area's cell; the labels): the labels
    of the distinct area texts, then those of the carried-down province rows."""
    named = np.array([lb.kind != "" for lb in labels] or [False], dtype=bool)
    label = np.where(named[acodes], acodes, -1).astype(np.int64)
    labels = list(labels)
    if carry is not None and carry.province_row.any():
        pcodes, puniq = pd.factorize(carry.province[carry.province_row])
        label[carry.province_row] = pcodes + len(labels)
        labels += [province_label(areas, p) for p in puniq]
    return label, labels


@dataclass
class CarryDown:
    """Province rows of a district file and the province carried down to each cell."""

    province_row: np.ndarray  # per cell: the cell is a province row's (a subtotal)
    province: np.ndarray  # per cell: code of its province row ("" elsewhere)
    qualifier: pd.Series  # per cell: the province column's text, or the carried province


def carry_down(
    rows: np.ndarray,
    acodes: np.ndarray,
    auniq: list[str],
    district: np.ndarray,
    qualifier: pd.Series,
    areas: AreaLookup,
) -> CarryDown | None:
    """The province carried down the rows of district-item cells; None when the file has a
    province column, no district item, or no row naming a province and nothing else with
    that province's districts under it."""
    if not district.any() or (qualifier != "").any():
        return None
    named = [_province_named(areas, t) for t in auniq]  # (province, also a district?)
    only = np.array([bool(p) and not d for p, d in named], dtype=bool)
    if not only[acodes[district]].any():
        return None
    idx = np.flatnonzero(district)
    order = idx[np.argsort(rows[idx], kind="stable")]
    urows, first = np.unique(rows[order], return_index=True)
    text_at = acodes[order][first]  # one area text per row, in file order
    opened = _province_rows(text_at, named, auniq, areas)
    if not only[text_at[opened != ""]].any():
        return None
    last = np.maximum.accumulate(np.where(opened != "", np.arange(len(urows)), -1))
    carried_row = np.where(last >= 0, opened[np.maximum(last, 0)], "")
    pos = np.searchsorted(urows, rows[idx])
    n = len(rows)
    province = np.full(n, "", dtype=object)
    province[idx] = opened[pos]
    carried = qualifier.to_numpy(dtype=object).copy()
    carried[idx] = carried_row[pos]
    return CarryDown(province != "", province, pd.Series(carried, dtype="str"))


def _province_named(areas: AreaLookup, text: str) -> tuple[str, bool]:
    """(the one province a text names or "", whether it also names a district)."""
    if not text:
        return ("", False)
    found = areas.resolve(text)[0]
    provinces = [c for c in found if areas.level[c] == "province"]
    district = any(areas.level[c] == "district" for c in found)
    return (provinces[0] if len(provinces) == 1 else "", district)


def _province_rows(
    text_at: np.ndarray, named: list[tuple[str, bool]], auniq: list[str], areas: AreaLookup
) -> np.ndarray:
    """Per row in file order: the province the row opens ("" for a district row).

    A province's name opens it when the next row of another text is a district of that
    province; a name that is also a district's only when the rows above have not opened
    that province already.
    """
    n = len(text_at)
    opened = np.full(n, "", dtype=object)
    change = np.flatnonzero(np.r_[True, text_at[1:] != text_at[:-1]])
    next_start = np.r_[change[1:], n]  # per run of one text: where the next text starts
    run_of = np.cumsum(np.r_[True, text_at[1:] != text_at[:-1]]) - 1
    candidates = [i for i in range(len(named)) if named[i][0]]
    carried = ""
    for i in np.flatnonzero(np.isin(text_at, candidates)).tolist():  # province rows only
        code, also_district = named[text_at[i]]
        nxt = next_start[run_of[i]]
        if also_district and code == carried:
            continue
        if nxt >= n or not _district_in(areas, auniq[text_at[nxt]], code):
            continue
        opened[i] = carried = code
    return opened


def _district_in(areas: AreaLookup, text: str, province: str) -> bool:
    """True when a text names a district of the province."""
    found = areas.resolve(text, province)[0]
    return any(areas.level[c] == "district" for c in found)


@dataclass
class TotalCells:
    """What the sum checks need, one entry per cell (see check_totals)."""

    key: np.ndarray  # int64 (item, period) id; -1 when either is unknown
    row: np.ndarray  # Excel row: file order
    label: np.ndarray  # int64 index into labels of a total's cell; -1 for an area's cell
    labels: list[TotalLabel]
    value: np.ndarray  # the values as stored (rounded to the item's decimals)
    readable: np.ndarray  # the value is a number (not empty, not bad)
    usable: np.ndarray  # an area's cell without error, with a readable value
    province: np.ndarray  # object: the province whose value the cell is ("" if none)
    decimals: np.ndarray  # int64 the item's decimals
    summable: np.ndarray  # the item's values add up (aggregation "sum")


def check_totals(t: TotalCells, areas: AreaLookup) -> list[tuple[int, float, int]]:
    """(cell, sum of its members, number of members) of every total that differs from its
    members' sum once both are rounded to the item's decimals."""
    total = t.label >= 0
    kinds = np.array([KINDS.index(lb.kind) for lb in t.labels] or [0], dtype=np.int64)
    kind = np.where(total, kinds[np.maximum(t.label, 0)], 0)
    checked = total & t.readable & t.summable & (t.key >= 0)
    if not checked.any():
        return []
    grand_or_sum = np.isin(kind, [KINDS.index("grand"), KINDS.index("sum")])
    whole = _grand_sums(t, total, checked & grand_or_sum)
    sums = _span_sums(t, total)
    sums.update({i: s for i, s in whole.items() if kind[i] == KINDS.index("grand")})
    sums.update(_province_sums(t, areas, checked, kind))
    out = []
    for i, (s, n) in sums.items():
        if not checked[i] or not n or not _differs(t, i, s):
            continue
        if kind[i] == KINDS.index("sum") and i in whole and not _differs(t, i, whole[i][0]):
            continue  # a "รวม" closing a file of subtotals: the whole file's sum
        out.append((i, s, n))
    return sorted(out)


def _differs(t: TotalCells, i: int, s: float) -> bool:
    """True when total i and a sum differ once rounded to the item's decimals."""
    tol = 0.5 * 10.0 ** -int(t.decimals[i]) + 1e-9 * max(abs(s), abs(t.value[i]))
    return abs(t.value[i] - s) > tol


def _span_sums(t: TotalCells, total: np.ndarray) -> dict[int, tuple[float, int]]:
    """Sums of the rows above each "รวม" (back to the previous total) and below each
    province row (to the next total), per item and period; spans with an unreadable row
    or none are left out."""
    kinds = [lb.kind for lb in t.labels]
    sel = np.flatnonzero(t.key >= 0)
    order = sel[np.lexsort((t.row[sel], t.key[sel]))]
    k, is_t = t.key[order], total[order]
    m = len(order)
    pos = np.arange(m)
    member = ~is_t
    bad = member & ~t.usable[order]
    cs = np.r_[0.0, np.cumsum(np.where(member & ~bad, t.value[order], 0.0))]
    cb = np.r_[0, np.cumsum(bad)]
    cn = np.r_[0, np.cumsum(member)]
    starts = np.r_[True, k[1:] != k[:-1]]
    ends = np.r_[k[1:] != k[:-1], True]
    before = np.maximum.accumulate(np.where(is_t, pos, np.where(starts, pos - 1, -1)))
    after = np.minimum.accumulate(np.where(is_t, pos, np.where(ends, pos + 1, m + 1))[::-1])[::-1]
    out = {}
    for i in np.flatnonzero(is_t).tolist():
        kind = kinds[t.label[order[i]]]
        if kind == "sum":
            a, b = (i, i) if starts[i] else (before[i - 1] + 1, i)
        elif kind == "province":
            a, b = (i + 1, i + 1) if ends[i] else (i + 1, after[i + 1])
        else:
            continue
        if cb[b] - cb[a] == 0:
            out[int(order[i])] = (float(cs[b] - cs[a]), int(cn[b] - cn[a]))
    return out


def _grand_sums(t: TotalCells, total: np.ndarray, grand: np.ndarray) -> dict:
    """Sums of every area row of the item and period, for the grand totals."""
    if not grand.any():
        return {}
    keyed = (t.key >= 0) & ~total
    size = int(t.key.max()) + 1
    k = t.key[keyed]
    use = t.usable[keyed]
    sums = np.bincount(k[use], weights=t.value[keyed][use], minlength=size)
    count = np.bincount(k, minlength=size)
    bad = np.bincount(k[~use], minlength=size)
    return {
        i: (float(sums[t.key[i]]), int(count[t.key[i]]))
        for i in np.flatnonzero(grand).tolist()
        if not bad[t.key[i]]
    }


def _province_sums(t: TotalCells, areas: AreaLookup, checked: np.ndarray, kind: np.ndarray):
    """Sums of the provinces of the country and of each region or cluster, when the file
    has every member province's value (a province named twice counts as missing)."""
    wanted = checked & np.isin(kind, [KINDS.index("country"), KINDS.index("group")])
    if not wanted.any():
        return {}
    has = (t.province != "") & (t.usable | ((t.label >= 0) & t.readable)) & (t.key >= 0)
    by = pd.DataFrame({"key": t.key[has], "p": t.province[has], "v": t.value[has]})
    by = by.drop_duplicates(["key", "p"], keep=False)
    per_key = {k: g.set_index("p")["v"] for k, g in by.groupby("key")}
    every = areas.province_codes()
    out = {}
    for i in np.flatnonzero(wanted).tolist():
        values = per_key.get(int(t.key[i]))
        if values is None:
            continue
        groups = t.labels[t.label[i]].groups
        options = (
            [every]
            if kind[i] == KINDS.index("country")
            else [areas.members[g] for g in groups if areas.members.get(g)]
        )
        complete = [m for m in options if m <= set(values.index)]
        if not complete:
            continue
        sums = [float(values[list(m)].sum()) for m in complete]
        best = min(range(len(sums)), key=lambda j: abs(sums[j] - t.value[i]))
        out[i] = (sums[best], len(complete[best]))
    return out


def adds_up(info: Item | None) -> bool:
    """True when an item's values add up to a total (aggregation "sum"; without that
    field in the catalogue, any item but a percentage)."""
    if info is None:
        return False
    aggregation = getattr(info, "aggregation", None)
    return aggregation == "sum" if aggregation else not info.is_percent


def mismatch_frame(
    found: list[tuple[int, float, int]],
    t: TotalCells,
    where: tuple[np.ndarray, np.ndarray],
    area: pd.Series,
) -> pd.DataFrame:
    """total_mismatch problems of check_totals' findings, at (rows, columns) of their values."""
    idx = np.array([i for i, _, _ in found], dtype=np.int64)
    details = [mismatch_detail(t.value[i], s, n, int(t.decimals[i])) for i, s, n in found]
    return pd.DataFrame(
        {
            "row": where[0].astype(np.int64),
            "column": where[1],
            "value": area.iloc[idx].reset_index(drop=True),
            "code": "total_mismatch",
            "th": [d[0] for d in details],
            "en": [d[1] for d in details],
        }
    )


def mismatch_detail(total: float, members: float, n: int, decimals: int) -> tuple[str, str]:
    """What a total_mismatch says of the numbers, in Thai and English.

    >>> mismatch_detail(100.0, 90.5, 3, 1)[0]
    ': ระบุไว้ 100 แต่ 3 แห่งรวมกันได้ 90.5 (ต่างกัน 9.5)'
    >>> mismatch_detail(1234.0, 1230.0, 77, 0)[1]
    ': it says 1,234, its 77 members add up to 1,230 (a difference of 4)'
    """
    shown = [_number(x, decimals) for x in (total, members, total - members)]
    th = f": ระบุไว้ {shown[0]} แต่ {n:,} แห่งรวมกันได้ {shown[1]} (ต่างกัน {shown[2]})"
    en = (
        f": it says {shown[0]}, its {n:,} members add up to {shown[1]} (a difference of {shown[2]})"
    )
    return th, en


def _number(x: float, decimals: int) -> str:
    """A number with thousands separators and at most the item's decimals."""
    text = f"{x:,.{min(decimals, 10)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

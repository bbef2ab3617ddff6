"""A whole configuration checked before anything changes: each broken rule is one Problem.

Rules: required fields; unique keys per sheet (KPIs: fiscal year and code);
references that exist (aspect -> data group, item -> aspect and agency, KPI ->
agency and items); one deployment row whose scope is the country, a cluster or
a province; item ranges (decimals, release lag, valid range, base year in
Buddhist Era, fiscal years);
KPIs defined so they can be scored (`methods.check_kpi_definition`: method,
thresholds, floor, light bars), rounds, linked items, and each fiscal year's
weights summing to 100; the outlier threshold above 0; each validation rule's
expression read by `lib.engine.quality.parse_rule` against the item codes of
the configuration, its tolerance not negative. Reasons are in Thai with an
English twin and name the other row or sheet where one is involved. Pure:
frames in, problems out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd

from lib.core.i18n import InputError
from lib.core.numbers import is_missing, to_decimal
from lib.engine.configured import check_scope
from lib.engine.methods import check_kpi_definition
from lib.engine.quality import parse_rule
from lib.services.config.fields import (
    AGENCIES,
    ALL_SHEETS,
    ASPECTS,
    CODES,
    DATA_GROUPS,
    DEPLOYMENT,
    ITEMS,
    KPIS,
    RULES,
    Problem,
    Sheet,
)
from lib.services.config.workbook import ROW, cell_text

ROUNDS = (3, 6, 9, 12)  # the months of a fiscal year a KPI may be assessed at
WEIGHT_TOTAL = Decimal(100)
DECIMALS_MAX = 6
BASE_YEAR_MIN, BASE_YEAR_MAX = 2400, 2700  # an index's base year, Buddhist Era (2562)
# (sheet, column, sheet its codes must exist in)
REFERENCES = (
    (ASPECTS, "group_code", DATA_GROUPS),
    (ITEMS, "aspect_code", ASPECTS),
    (ITEMS, "owner_agency", AGENCIES),
    (KPIS, "owner_agency", AGENCIES),
    (KPIS, "item_codes", ITEMS),
)

Record = tuple[int | None, dict]  # (Excel row or None, the row's values; missing -> None)


def _records(sheet: Sheet, frame: pd.DataFrame | None) -> list[Record]:
    """A sheet's rows as (row number, values), NaN read as None."""
    if frame is None:
        return []
    out = []
    for rec in frame.to_dict("records"):
        row = rec.get(ROW)
        values = {k: None if is_missing(rec.get(k)) else rec.get(k) for k in sheet.columns}
        out.append((None if is_missing(row) else int(row), values))
    return out


def _codes(value: object) -> list[str]:
    """The codes of a CODES cell ('A,B') as a list."""
    return [c for c in re.split(r"[,;\s]+", cell_text(value) or "") if c]


def _key(sheet: Sheet, values: dict) -> tuple | None:
    """The values identifying a row (None when one is missing); years compared as numbers."""
    key = tuple(values.get(k) for k in sheet.keys)
    if any(v is None for v in key):
        return None
    return tuple(cell_text(v) for v in key)


def _number(value: object) -> float | None:
    """A numeric cell as float; None when empty or not a number (the reader reports those)."""
    if value is None or isinstance(value, str | bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _where(row: int | None) -> tuple[str, str]:
    """'แถว 7' / 'row 7', or words for a row kept from the store."""
    if row is None:
        return "รายการที่มีอยู่ในระบบ", "a row already in the system"
    return f"แถว {row}", f"row {row}"


def _required(records: dict[str, list[Record]]) -> Iterator[Problem]:
    for sheet in ALL_SHEETS:
        for row, values in records[sheet.key]:
            for f in sheet.fields:
                if f.required and (values[f.key] is None or values[f.key] == ""):
                    yield Problem(
                        sheet.key, row, f.key, None, f"ต้องกรอก{f.th}", f"{f.en} is required"
                    )


def _unique(records: dict[str, list[Record]]) -> Iterator[Problem]:
    for sheet in ALL_SHEETS:
        if sheet is DEPLOYMENT:
            continue  # one row only; see _deployment
        seen: dict[tuple, int | None] = {}
        for row, values in records[sheet.key]:
            key = _key(sheet, values)
            if key is None:
                continue
            if key not in seen:
                seen[key] = row
                continue
            th, en = _where(seen[key])
            shown = "/".join(key)
            yield Problem(
                sheet.key, row, sheet.keys[-1], shown,
                f"รหัส {shown} ซ้ำกับ{th}", f"{shown} repeats {en}",
            )  # fmt: skip


def _references(records: dict[str, list[Record]]) -> Iterator[Problem]:
    for sheet, column, target in REFERENCES:
        known = {cell_text(v[target.keys[0]]) for _, v in records[target.key]}
        for row, values in records[sheet.key]:
            value = values[column]
            if value is None:
                continue
            codes = _codes(value) if sheet.field(column).kind == CODES else [cell_text(value)]
            for code in codes:
                if code not in known:
                    yield Problem(
                        sheet.key, row, column, code,
                        f"ไม่พบรหัส {code} ในแผ่น {target.th} ({target.key})",
                        f"code {code} is not in the {target.en} sheet ({target.key})",
                    )  # fmt: skip


def _deployment(rows: list[Record], areas: pd.DataFrame) -> Iterator[Problem]:
    """Exactly one row, whose scope is an area of level country, cluster or province."""
    if not rows:
        yield Problem(
            DEPLOYMENT.key, None, "scope_code", None,
            "ต้องมีหนึ่งแถวที่บอกขอบเขตของระบบ", "one row must give the deployment's scope",
        )  # fmt: skip
        return
    first = rows[0][0]
    for row, values in rows[1:]:
        th, en = _where(first)
        yield Problem(
            DEPLOYMENT.key, row, "scope_code", cell_text(values["scope_code"]),
            f"มีได้แถวเดียว (ขอบเขตอยู่ที่{th}แล้ว)", f"only one row allowed (the scope is {en})",
        )  # fmt: skip
    threshold = _number(rows[0][1].get("outlier_threshold"))
    if threshold is not None and not threshold > 0:
        yield Problem(
            DEPLOYMENT.key, first, "outlier_threshold", cell_text(threshold),
            "เกณฑ์ค่าผิดปกติต้องเป็นตัวเลขมากกว่า 0 (เช่น 3.5)",
            "the outlier threshold must be a number above 0 (e.g. 3.5)",
        )  # fmt: skip
    code = cell_text(rows[0][1]["scope_code"])
    if code is None:
        return
    try:
        check_scope(code, areas)  # the scope rule lives once, in the engine
    except InputError as exc:
        yield Problem(
            DEPLOYMENT.key, first, "scope_code", code, exc.message("th"), exc.message("en")
        )


def _item_problems(row: int | None, item: dict) -> Iterator[Problem]:
    """An item's ranges: decimals 0..6, release lag >= 0, valid range, fiscal years in order."""
    key = ITEMS.key
    decimals, lag = _number(item["decimals"]), _number(item["release_lag_days"])
    if decimals is not None and not 0 <= decimals <= DECIMALS_MAX:
        th, en = f"ทศนิยมต้องอยู่ระหว่าง 0 ถึง {DECIMALS_MAX}", f"decimals must be 0 to {DECIMALS_MAX}"
        yield Problem(key, row, "decimals", cell_text(decimals), th, en)
    if lag is not None and lag < 0:
        th, en = "ระยะเวลาเผยแพร่ต้องไม่ติดลบ", "the release lag must not be negative"
        yield Problem(key, row, "release_lag_days", cell_text(lag), th, en)
    low, high = _number(item["valid_min"]), _number(item["valid_max"])
    if low is not None and high is not None and low > high:
        yield Problem(
            key, row, "valid_max", cell_text(high),
            f"ค่าสูงสุดที่ยอมรับ ({cell_text(high)}) ต่ำกว่าค่าต่ำสุด ({cell_text(low)})",
            f"valid maximum {cell_text(high)} is below valid minimum {cell_text(low)}",
        )  # fmt: skip
    base = _number(item["base_year"])
    if base is not None and not BASE_YEAR_MIN <= base <= BASE_YEAR_MAX:
        yield Problem(
            key, row, "base_year", cell_text(base),
            f"ปีฐานต้องเป็นปี พ.ศ. {BASE_YEAR_MIN}-{BASE_YEAR_MAX} เช่น 2562",
            f"the base year must be a Buddhist year {BASE_YEAR_MIN}-{BASE_YEAR_MAX}, e.g. 2562",
        )  # fmt: skip
    start, end = _number(item["from_fy"]), _number(item["retired_from_fy"])
    if start is not None and end is not None and not end > start:
        yield Problem(
            key, row, "retired_from_fy", cell_text(end),
            f"ปีที่เลิกใช้ ({cell_text(end)}) ต้องหลังปีที่เริ่มใช้ ({cell_text(start)})",
            f"the retirement year {cell_text(end)} must come after {cell_text(start)}",
        )  # fmt: skip


def _rounds_ok(value: object) -> bool:
    """True when rounds lists months 3, 6, 9, 12 (each once), e.g. '6,9,12'."""
    parts = _codes(value)
    return bool(parts) and len(set(parts)) == len(parts) and {*parts} <= {str(m) for m in ROUNDS}


def _kpi_problems(row: int | None, kpi: dict) -> Iterator[Problem]:
    """A KPI's weight, scoring definition (engine's check), rounds and linked items."""
    key = KPIS.key
    weight = _number(kpi["weight_pct"])
    if weight is not None and not 0 <= weight <= 100:
        th, en = "น้ำหนักต้องอยู่ระหว่าง 0 ถึง 100", "the weight must be 0 to 100"
        yield Problem(key, row, "weight_pct", cell_text(weight), th, en)
    try:
        check_kpi_definition(kpi)
    except ValueError as exc:
        column = getattr(exc, "field", "method")
        th, en = getattr(exc, "message_th", str(exc)), getattr(exc, "message_en", str(exc))
        yield Problem(key, row, column, cell_text(kpi.get(column)), th, en)
    if kpi["rounds"] is not None and not _rounds_ok(kpi["rounds"]):
        months = ", ".join(str(m) for m in ROUNDS)
        yield Problem(
            key, row, "rounds", cell_text(kpi["rounds"]),
            f"รอบการประเมินต้องเป็นเดือน {months} (ไม่ซ้ำ) คั่นด้วยจุลภาค เช่น 6,9,12",
            f"rounds must be months among {months} (each once), comma-separated, e.g. 6,9,12",
        )  # fmt: skip
    aggregation = kpi["aggregation"]
    if aggregation not in (None, "coverage") and not _codes(kpi["item_codes"]):
        yield Problem(
            key, row, "item_codes", None,
            f"ตัวชี้วัดที่รวมค่าแบบ {aggregation} ต้องระบุรายการข้อมูลอย่างน้อยหนึ่งรายการ",
            f"a KPI aggregated by {aggregation} must link at least one item",
        )  # fmt: skip


def _weights(rows: list[Record]) -> Iterator[Problem]:
    """Each fiscal year's KPI weights sum to 100; reported on that year's first row."""
    years: dict[str, tuple[list[int | None], Decimal]] = {}
    for row, kpi in rows:
        year = cell_text(kpi["fiscal_year"])
        if year is None:
            continue
        found, total = years.get(year, ([], Decimal(0)))
        weight = kpi["weight_pct"]
        if weight is not None and not isinstance(weight, str | bool):
            total += to_decimal(weight, "weight_pct")
        years[year] = ([*found, row], total)
    for year, (found, total) in years.items():
        if total == WEIGHT_TOTAL:
            continue
        numbered = [r for r in found if r is not None]
        shown = format(total.normalize(), "f")
        yield Problem(
            KPIS.key, min(numbered) if numbered else None, "weight_pct", shown,
            f"น้ำหนักตัวชี้วัดปีงบประมาณ {year} รวมได้ {shown} ต้องรวมเป็น 100",
            f"the weights of fiscal year {year}'s KPIs sum to {shown}, not 100",
        )  # fmt: skip


def _rule_problems(rows: list[Record], items: list[Record]) -> Iterator[Problem]:
    """Each rule's expression read against the configuration's item codes; tolerance >= 0."""
    codes = {cell_text(values["code"]) for _, values in items} - {None}
    for row, rule in rows:
        expression = cell_text(rule["expression"])
        if expression is not None:
            try:
                parse_rule(expression, codes)  # the rule's grammar lives once, in the engine
            except InputError as exc:
                th, en = exc.message_th, exc.message_en
                yield Problem(RULES.key, row, "expression", expression, th, en)
        tolerance = _number(rule["tolerance"])
        if tolerance is not None and tolerance < 0:
            yield Problem(
                RULES.key, row, "tolerance", cell_text(tolerance),
                "ค่าคลาดเคลื่อนที่ยอมรับต้องไม่ติดลบ", "the tolerance must not be negative",
            )  # fmt: skip


def validate(frames: dict[str, pd.DataFrame], areas: pd.DataFrame) -> list[Problem]:
    """Every problem of a whole configuration (empty: it may be applied).

    areas: the reference areas (code, level, ...) the deployment's scope must be one of.
    A KPI's scoring problem on a cell already reported (e.g. a required value) is left out.
    """
    records = {s.key: _records(s, frames.get(s.key)) for s in ALL_SHEETS}
    problems = [
        *_required(records),
        *_unique(records),
        *_references(records),
        *_deployment(records[DEPLOYMENT.key], areas),
    ]
    for row, item in records[ITEMS.key]:
        problems += _item_problems(row, item)
    reported = {(p.sheet, p.row, p.column) for p in problems}
    for row, kpi in records[KPIS.key]:
        for p in _kpi_problems(row, kpi):
            if row is None or (p.sheet, p.row, p.column) not in reported:
                problems.append(p)
    problems += _weights(records[KPIS.key])
    problems += _rule_problems(records[RULES.key], records[ITEMS.key])
    return problems

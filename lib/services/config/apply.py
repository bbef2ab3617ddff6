"""Export the store's configuration, plan an import (validated, with a preview) and apply it.

An import is all or nothing: the workbook is read, merged with what the store
holds (`diff.merge`), validated as a whole (`validate.validate`); only a plan
without problems may be applied, by an administrator, in one transaction that
writes the catalogue, the scope, the validation rules (store table
validation_rules) and the outlier threshold (store meta 'outlier_threshold'),
with an audit entry (before/after) for every changed row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import settings
from lib.core import thaicalendar as tc
from lib.core.i18n import InputError
from lib.services import auth, quality
from lib.services.config import diff, validate, workbook
from lib.services.config.fields import (
    ALL_SHEETS,
    BOOL,
    CODES,
    INT,
    NUMBER,
    RULES,
    SHEETS,
    YEAR,
    Problem,
    Sheet,
)

_PANDAS_TYPES = {INT: "Int64", YEAR: "Int64", NUMBER: "Float64", BOOL: "boolean"}


@dataclass
class ImportPlan:
    """What an import would do: problems (none = may apply), merged frames and the changes."""

    frames: dict[str, pd.DataFrame]
    problems: list[Problem]
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    fiscal_year: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> pd.DataFrame:
        """Per sheet: added, changed, retired, removed."""
        return diff.summary(self.changes)


# ---------------------------------------------------------------- store -> frames


def _python(value, kind: str):
    """A stored cell as the field's Python value (None for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind in (INT, YEAR):
        return int(value)
    if kind == NUMBER:
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == BOOL:
        return bool(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _sheet_frame(sheet: Sheet, table: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {f.key: _python(rec.get(f.key), f.kind) for f in sheet.fields}
        for rec in table.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=sheet.columns, dtype=object)


def export_frames(store) -> dict[str, pd.DataFrame]:
    """The store's configuration as config frames (every fiscal year's KPI set, the rules)."""
    tables = store.config_tables()
    threshold = store.get_meta(quality.THRESHOLD_KEY)  # empty or absent: the default
    threshold = quality.parse_threshold(threshold) if threshold else None
    tables["deployment"] = pd.DataFrame(
        {"scope_code": [store.scope()], "outlier_threshold": [threshold]}
    )
    tables[RULES.key] = store.rules()
    tables["data_groups"] = tables["data_groups"].sort_values(["sort_order", "code"])
    tables["aspects"] = tables["aspects"].sort_values(["group_code", "sort_order", "code"])
    return {s.key: _sheet_frame(s, tables[s.key]) for s in ALL_SHEETS}


def export_workbook(store) -> bytes:
    """The configuration workbook (.xlsx bytes) of the store."""
    return workbook.write_workbook(export_frames(store))


# ---------------------------------------------------------------- plan and apply


def plan_import(store, source: bytes | str | Path, fiscal_year: int | None = None) -> ImportPlan:
    """Read a workbook, merge it with the store's configuration, validate it, list the changes.

    fiscal_year: the year an item absent from the workbook is retired from (default: the
    current fiscal year). Nothing in the store changes.
    """
    year = tc.fiscal_year_of(settings.today()) if fiscal_year is None else int(fiscal_year)
    incoming, problems = workbook.read_workbook(source)
    if problems:
        return ImportPlan({}, problems, fiscal_year=year)
    current = export_frames(store)
    merged = diff.merge(current, incoming, year)
    problems = validate.validate(merged, store.areas())
    changes = diff.changes(current, merged)
    return ImportPlan(merged, problems, changes, year)


def _typed(sheet: Sheet, frame: pd.DataFrame) -> pd.DataFrame:
    """A config frame with store-ready column types (nullable ints, floats, booleans)."""
    out = frame[[f.key for f in sheet.fields if f.kind != CODES]].copy()
    for f in sheet.fields:
        if f.key in out and f.kind in _PANDAS_TYPES:
            out[f.key] = pd.array(out[f.key].tolist(), dtype=_PANDAS_TYPES[f.kind])
        elif f.key in out:
            out[f.key] = out[f.key].astype(object).where(out[f.key].notna(), None)
    return out


def store_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Config frames as the store's tables (kpi_items split out of the KPIs' item codes)."""
    out = {s.key: _typed(s, frames[s.key]) for s in SHEETS if s.key != "deployment"}
    links = [
        (int(k["fiscal_year"]), k["code"], code)
        for k in frames["kpis"].to_dict("records")
        for code in sorted({c for c in str(k.get("item_codes") or "").split(",") if c})
    ]
    out["kpi_items"] = pd.DataFrame(links, columns=["fiscal_year", "kpi_code", "item_code"])
    if RULES.key in frames:
        out["validation_rules"] = _typed(RULES, frames[RULES.key])
    return out


def _audit_entries(changes: pd.DataFrame, user: auth.User, origin: str) -> list[dict]:
    return [
        {
            "username": user.username,
            "action": f"config_{row['change']}",
            "target": f"{row['sheet']}:{row['key']}",
            "detail": {"fields": row["fields"], "before": row["before"], "after": row["after"]},
            "origin": origin,
        }
        for row in changes.to_dict("records")
    ]


def apply_import(store, plan: ImportPlan, user: auth.User | None, origin: str = "app") -> dict:
    """Apply a plan without problems (administrators only; a refusal is audited).

    Returns the counts per kind of change. Raises PermissionDenied, or InputError when
    the plan has problems (nothing changes in either case).
    """
    auth.require_audited(store, user, "manage_config", "config", origin)
    if not plan.ok:
        raise InputError(
            f"การตั้งค่ามีปัญหา {len(plan.problems)} รายการ ไม่มีการเปลี่ยนแปลงใดๆ",
            f"the configuration has {len(plan.problems)} problems; nothing was changed",
        )
    scope = str(plan.frames["deployment"]["scope_code"].iloc[0])
    entries = _audit_entries(plan.changes, user, origin)
    entries.append(
        {
            "username": user.username,
            "action": "config_import",
            "target": "config",
            "detail": {"changes": len(plan.changes), "fiscal_year": plan.fiscal_year},
            "origin": origin,
        }
    )
    threshold = plan.frames["deployment"]["outlier_threshold"].iloc[0]
    empty = threshold is None or pd.isna(threshold)  # empty: lib.engine.quality.THRESHOLD
    text = "" if empty else str(workbook.clean_number(threshold))
    store.apply_config(store_frames(plan.frames), scope, entries, {quality.THRESHOLD_KEY: text})
    counts = plan.changes["change"].value_counts() if len(plan.changes) else pd.Series()
    return {k: int(counts.get(k, 0)) for k in ("added", "changed", "retired", "removed")}

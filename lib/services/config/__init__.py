"""The deployment's configuration as data: one workbook, validated whole, applied with a preview.

`fields` says what the configuration is (sheets, fields, allowed values; the
deployment's scope and outlier threshold, the validation rules between items);
`workbook` writes and reads the .xlsx (a README sheet explains every column);
`validate` checks a whole configuration; `diff` merges an import with what the
store holds (nothing is deleted: an absent item is retired, an absent fiscal
year's KPI set is kept, the rules of a workbook without a rules sheet are kept)
and lists what changes; `apply` reads the store, plans an import and applies
it (the catalogue and scope in one audited transaction, then the rules and the
outlier threshold). The CLI (`config export`, `config import`) and the
administrator's page both call `apply`.
"""

from lib.services.config.apply import (
    ImportPlan,
    apply_import,
    export_frames,
    export_workbook,
    plan_import,
)
from lib.services.config.fields import ALL_SHEETS, SHEETS, Problem
from lib.services.config.workbook import read_workbook, write_workbook

__all__ = [
    "ALL_SHEETS",
    "SHEETS",
    "ImportPlan",
    "Problem",
    "apply_import",
    "export_frames",
    "export_workbook",
    "plan_import",
    "read_workbook",
    "write_workbook",
]

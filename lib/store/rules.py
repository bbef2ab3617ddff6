"""SQL fragments that state a rule of the data once; every query that needs the rule uses these.

- a cell is identified by (item_code, area_code, period): `CELL_KEY`;
- a value is usable when it is not rejected and lies within its item's
  valid_min..valid_max: `in_valid_range`, `usable_value`;
- an incoming cell is new, changed (value or note differs) or unchanged:
  `compared_cells`;
- the version of a cell in force at a moment (history honoured): `CELLS_AT`.
"""

from __future__ import annotations

from datetime import date, datetime

OBS_COLUMNS = (
    "item_code, area_code, period, period_end, value, status, batch_id, submitted_by, "
    "submitted_at, verified_by, verified_at, note, recorded_at"
)
CELL_KEY = "USING (item_code, area_code, period)"


def prefixed(alias: str) -> str:
    """The observation columns qualified by a table alias (o.item_code, ...).

    >>> prefixed("o").split(", ")[:2]
    ['o.item_code', 'o.area_code']
    """
    return ", ".join(f"{alias}.{c.strip()}" for c in OBS_COLUMNS.split(","))


def in_valid_range(value: str, item: str) -> str:
    """SQL condition: the value lies within its item's valid_min..valid_max (a bound may be NULL).

    >>> in_valid_range("o.value", "i")
    '(o.value >= coalesce(i.valid_min, o.value) AND o.value <= coalesce(i.valid_max, o.value))'
    """
    return (
        f"({value} >= coalesce({item}.valid_min, {value})"
        f" AND {value} <= coalesce({item}.valid_max, {value}))"
    )


def usable_value(obs: str, item: str) -> str:
    """SQL condition: a value the figures may use (not rejected, within the valid range).

    >>> usable_value("c", "i").startswith("(c.status <> 'rejected' AND (c.value >=")
    True
    """
    return f"({obs}.status <> 'rejected' AND {in_valid_range(f'{obs}.value', item)})"


def compared_cells(incoming: str, keep: str = "i.*") -> str:
    """SQL: each incoming cell with the value it would replace and new / changed / unchanged.

    A cell is new when the store holds no value for it, unchanged when both the
    value and the note (empty and missing alike) are equal, changed otherwise.
    keep: the incoming columns returned with them (all, or a row number alone).
    """
    return (
        f"SELECT {keep}, o.value AS old_value, o.status AS old_status, o.batch_id AS old_batch, "
        "CASE WHEN o.value IS NULL THEN 'new' "
        "WHEN o.value = i.value AND coalesce(o.note, '') = coalesce(i.note, '') "
        "THEN 'unchanged' ELSE 'changed' END AS change "
        f"FROM {incoming} i LEFT JOIN observations o {CELL_KEY}"
    )


# The version of each cell in force at $cutoff with period_end in [$start, $end]:
# a row is in force from its recorded_at until it is replaced (history) or for
# good (current).
_AT_COLUMNS = (
    "item_code, area_code, period, period_end, value, status, batch_id, submitted_by, "
    "submitted_at, verified_at"
)
CELLS_AT = (
    f"SELECT {_AT_COLUMNS} "
    "FROM observations WHERE recorded_at < $cutoff "
    "AND period_end BETWEEN $start AND $end "
    "UNION ALL "
    f"SELECT {_AT_COLUMNS} "
    "FROM observation_history WHERE recorded_at < $cutoff AND replaced_at >= $cutoff "
    "AND period_end BETWEEN $start AND $end"
)
# Every period: CELLS_AT's window bounds when a query asks for all of a cell's periods.
FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)


def end_of_day(as_of: date) -> datetime:
    """The first instant after as_of: a value submitted (or verified) on as_of counts.

    >>> end_of_day(date(2025, 3, 31))
    datetime.datetime(2025, 4, 1, 0, 0)
    """
    return datetime.combine(date.fromordinal(as_of.toordinal() + 1), datetime.min.time())

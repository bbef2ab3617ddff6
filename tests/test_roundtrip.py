"""Values round-trip exactly (issue 12, item 9): export gives back the number in the source cell.

Each file (CSV text as typed; XLSX, XLS and ODS numeric cells) is imported through
the command line into a copy of the small store and exported again; the exported
text must be the source number, with no float noise and no ".0" on counts (an
item's decimals may pad it: "0.1" of a 2-decimal item is exported as "0.10").
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from lib.cli import main
from lib.store import Store
from tests.conftest import PASSWORD
from tests.fixtures_ingest import LONG_HEADER, csv_bytes
from tests.test_workbooks import ods_bytes, xls_bytes, xlsx_book

# (item, Excel-typed cell value, the text a person typed into a CSV): FIN01 has 2
# decimals (a percentage), POP01 0 (people), MAC06 1 (an index), MAC01 0 (million baht).
CELLS = [
    ("FIN01", "2568-01", 0.1, "0.1"),
    ("FIN01", "2568-02", 12.3, "12.30"),
    ("FIN01", "2568-03", 99.99, "99.99"),
    ("MAC06", "2568-01", 104.7, "104.7"),
    ("MAC06", "2568-02", 100.0, "100"),
    ("POP01", "2565", 5494932, "5,494,932"),
    ("POP01", "2564", 1234.0, "1234"),
    ("MAC01", "2565", 76337.0, "76337"),
]
DECIMALS = {"FIN01": 2, "MAC06": 1, "POP01": 0, "MAC01": 0}


@pytest.fixture
def db(small_store_copy, capsys):
    """A private copy of the small store with Rayong staff of each item's agency."""
    from lib.services import auth

    with Store(small_store_copy) as store:
        owners = store.catalog().set_index("code")["owner_agency"]
        for agency in sorted({owners[item] for item in DECIMALS}):
            auth.add_user(
                store,
                f"staff_{agency}".lower(),
                "staff",
                PASSWORD,
                actor=auth.cli_operator(),
                origin="test",
                agency_code=agency,
                area_code="21",
            )
        OWNERS.update({item: owners[item] for item in DECIMALS})
    capsys.readouterr()
    return str(small_store_copy)


OWNERS: dict[str, str] = {}


def exported(db: str, capsys) -> dict[tuple[str, str], str]:
    """(item, period) -> value text of Rayong's exported values of the items above."""
    out = {}
    for item in DECIMALS:
        capsys.readouterr()
        assert main(["export", "--db", db, "--item", item, "--area", "21"]) == 0
        for row in csv.DictReader(io.StringIO(capsys.readouterr().out)):
            out[(row["item_code"], row["period"])] = row["value"]
    return out


def imported(db: str, tmp_path, capsys, name: str, write, rows: list[list]) -> dict:
    """Import the rows of each agency's items as its staff (committed, exit 0); export all."""
    for agency in sorted(set(OWNERS.values())):
        mine = [rows[0]] + [r for r in rows[1:] if OWNERS[r[0]] == agency]
        path = tmp_path / f"{agency}-{name}"
        path.write_bytes(write(mine))
        args = ["import", str(path), "--user", f"staff_{agency}".lower(), "--db", db]
        assert main([*args, "--confirm-jumps"]) == 0, capsys.readouterr()
    return exported(db, capsys)


def period_code(period: str) -> str:
    """The stored code of a BE period written above (2568-01 -> 2025-01, 2565 -> 2022)."""
    year, _, month = period.partition("-")
    return f"{int(year) - 543}" + (f"-{month}" if month else "")


def source_number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def check(values: dict, typed: list[tuple[str, str, str]]) -> None:
    """Every exported value is the typed number, written with exactly its item's decimals."""
    for item, period, text in typed:
        got = values[(item, period_code(period))]
        assert Decimal(got) == source_number(text), (item, period, got, text)
        assert len(got.partition(".")[2]) == DECIMALS[item], (item, got)


def test_csv_text_round_trips(db, tmp_path, capsys):
    rows = [LONG_HEADER] + [[item, "ระยอง", period, text, ""] for item, period, _, text in CELLS]
    values = imported(db, tmp_path, capsys, "typed.csv", csv_bytes, rows)
    check(values, [(item, period, text) for item, period, _, text in CELLS])
    assert values[("POP01", "2022")] == "5494932" and values[("FIN01", "2025-01")] == "0.10"


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_workbook_numbers_round_trip(db, tmp_path, capsys, kind):
    rows = [LONG_HEADER] + [[item, "ระยอง", period, v, None] for item, period, v, _ in CELLS]
    write = {"xlsx": xlsx_book, "xls": xls_bytes, "ods": ods_bytes}[kind]
    values = imported(db, tmp_path, capsys, f"cells.{kind}", lambda r: write({"ข้อมูล": r}), rows)
    check(values, [(item, period, repr(v)) for item, period, v, _ in CELLS])
    assert values[("MAC06", "2025-02")] == "100.0"  # a whole number of a 1-decimal item
    assert values[("POP01", "2021")] == "1234"  # a count typed 1234.0 has no ".0"

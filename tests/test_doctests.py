"""Every doctest example in lib/ runs (the examples are documentation that must stay true).

Only modules that hold examples are collected, so the count of these tests is the
count of documented modules, not of files.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib"
# __main__ runs the command line on import; ui needs a Streamlit session.
MODULES = sorted(
    ".".join(p.relative_to(LIB).with_suffix("").parts)
    for p in LIB.rglob("*.py")
    if p.stem != "__main__"
    and "ui" not in p.relative_to(LIB).parts
    and ">>> " in p.read_text(encoding="utf-8")
)


def test_the_documented_modules_are_found():
    assert {"core.thaicalendar", "engine.scoring", "engine.coverage"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(f"lib.{name}".removesuffix(".__init__"))
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0

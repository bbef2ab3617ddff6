"""Every doctest example in lib/ runs (the examples are documentation that must stay true)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib"
# __main__ runs the command line on import; ui needs a Streamlit session.
MODULES = sorted(p.stem for p in LIB.glob("*.py") if p.stem not in {"__init__", "__main__", "ui"})


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(f"lib.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

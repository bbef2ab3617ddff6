"""House rules that keep the code base in shape (STYLE.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"
UI_PACKAGE = LIB / "ui"  # the one Streamlit-aware part of lib/
STORE_PACKAGE = LIB / "store"  # the only door to DuckDB: all SQL lives here
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+TABLE)\b",
    re.IGNORECASE | re.DOTALL,
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_only_the_ui_package_of_lib_imports_streamlit():
    offenders = [
        str(p.relative_to(LIB))
        for p in LIB.rglob("*.py")
        if UI_PACKAGE not in p.parents and {"streamlit", "streamlit_folium"} & _imports(p)
    ]
    assert offenders == []
    assert "streamlit" in _imports(UI_PACKAGE / "core.py")  # the rule is not vacuous


def test_sql_lives_only_in_the_store_package():
    offenders = []
    for p in [*LIB.rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        if STORE_PACKAGE in p.parents:
            continue
        if any(SQL.search(s) for s in _strings(p)):
            offenders.append(p.name)
    assert offenders == []


def test_pages_and_lib_do_not_import_duckdb_directly():
    offenders = [
        p.name
        for p in [*LIB.rglob("*.py"), *(ROOT / "pages").glob("*.py")]
        if STORE_PACKAGE not in p.parents and "duckdb" in _imports(p)
    ]
    assert offenders == []


def test_pages_are_thin():
    long_pages = {
        p.name: n
        for p in (ROOT / "pages").glob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 100
    }
    assert long_pages == {}


def test_no_silent_except():
    pattern = re.compile(r"except[^:\n]*:\s*\n\s*pass\b")
    offenders = [
        p.name
        for p in [*LIB.rglob("*.py"), *(ROOT / "pages").glob("*.py")]
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
# A longer function says why at its top: a comment "# long: <reason>" in its first lines.
LONG_REASON = re.compile(r"#\s*long:\s*\S", re.IGNORECASE)


def _lib_modules() -> list[Path]:
    return sorted(LIB.rglob("*.py"))


def test_every_package_of_lib_says_what_it_owns():
    packages = sorted(p.parent for p in LIB.rglob("__init__.py"))
    assert len(packages) >= 9  # core, store, engine, ingest, services, views, geo, cli, ui
    silent = [
        str(p.relative_to(ROOT))
        for p in packages
        if len(ast.get_docstring(ast.parse((p / "__init__.py").read_text("utf-8"))) or "") < 40
    ]
    assert silent == []


def test_no_module_of_lib_is_too_long():
    long_modules = {
        str(p.relative_to(LIB)): n
        for p in _lib_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


def test_no_function_of_lib_is_too_long_without_a_reason():
    offenders = {}
    for p in _lib_modules():
        text = p.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            head = "\n".join(lines[node.lineno - 1 : node.lineno + 12])
            if length > MAX_FUNCTION_LINES and not LONG_REASON.search(head):
                offenders[f"{p.relative_to(LIB)}:{node.name}"] = length
    assert offenders == {}


# Packages of lib/ in dependency order: each may import only itself and those before it.
LAYERS = ("core", "store", "engine", "ingest", "geo", "services", "views", "reports", "cli", "ui")


def _lib_packages_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lib":
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lib."))
    return found


def test_packages_depend_only_on_those_before_them():
    assert {p.name for p in LIB.iterdir() if (p / "__init__.py").exists()} == set(LAYERS)
    offenders = []
    for p in _lib_modules():
        parts = p.relative_to(LIB).parts
        if len(parts) == 1:
            continue
        allowed = set(LAYERS[: LAYERS.index(parts[0]) + 1])
        offenders += [f"{p.relative_to(LIB)} -> {q}" for q in _lib_packages_imported(p) - allowed]
    assert offenders == []


def test_a_streamlit_cache_keyed_by_the_data_version_is_bounded():
    """Every commit, undo or verification makes a new data version: a Streamlit cache whose
    function takes `version` and has no max_entries keeps one copy per version for as long
    as the server runs (under load the server's memory grew with every feed round)."""
    offenders, seen = [], 0
    for p in [*UI_PACKAGE.rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        for fn in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef) or "version" not in {
                a.arg for a in fn.args.args
            }:
                continue
            for deco in fn.decorator_list:
                name = ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)
                if name in ("st.cache_data", "st.cache_resource"):
                    seen += 1
                    keywords = deco.keywords if isinstance(deco, ast.Call) else []
                    if not any(k.arg == "max_entries" for k in keywords):
                        offenders.append(f"{p.name}:{fn.name}")
    assert offenders == []
    assert seen >= 15  # the rule is not vacuous

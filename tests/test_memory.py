"""The server's threads share two malloc arenas (lib.core.memory, scripts/serve.py)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from lib.core import memory

SERVE = Path(__file__).resolve().parent.parent / "scripts" / "serve.py"


PROBE = """
import ctypes, ctypes.util, sys, threading
from lib.core.memory import limit_malloc_arenas
capped = sys.argv[1] == "cap" and limit_malloc_arenas()
start, kept = threading.Barrier(6), []

def allocate():
    start.wait()
    kept.append([bytearray(2000) for _ in range(100)])  # malloc, past Python's small objects

threads = [threading.Thread(target=allocate) for _ in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(ctypes.util.find_library("c")).malloc_stats()  # one "Arena N:" block each
"""


def _arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True, text=True, env=env, cwd=SERVE.parent.parent, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return sum(line.startswith("Arena ") for line in run.stderr.splitlines())


def test_six_threads_allocating_share_two_malloc_arenas():
    assert _arenas("cap") == memory.ARENAS == 2
    assert _arenas("none") > 2  # without the cap glibc gives the threads arenas of their own


def test_an_operators_malloc_arena_max_stands(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.limit_malloc_arenas() is False


def test_the_server_caps_the_arenas_before_streamlit_starts_a_thread():
    main = next(
        n for n in ast.parse(SERVE.read_text(encoding="utf-8")).body if isinstance(n, ast.If)
    )
    lines = [ast.unparse(n) for n in main.body]
    capped = next(i for i, line in enumerate(lines) if line == "limit_malloc_arenas()")
    streamlit = next(i for i, line in enumerate(lines) if "streamlit" in line)
    assert capped < streamlit

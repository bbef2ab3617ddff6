"""The server process's memory: how many malloc arenas its threads share.

pandas and numpy allocate through glibc's malloc. A Streamlit server runs each
session's script in a thread of its own, beside the keeper's, the feeds' and the
reports' threads, and glibc gives busy threads arenas of their own (up to eight per
core); memory freed in one arena is not handed to another, so the process keeps
growing. Measured with `bench/load_ws.py` (30 sessions for 360 s on the national store,
17 commits in six feed rounds): RSS went from 1.6 GB to 2.0 GB, about 100 MB a feed
round; capped at two arenas it stayed between 1.4 and 1.6 GB, ending where it
started. DuckDB allocates on its own (jemalloc) and is not affected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads started after this call (the server calls
    it first thing). False when it cannot (not glibc) or when MALLOC_ARENA_MAX is set in
    the environment (the operator's choice, read by glibc itself, stands)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # a C library without mallopt (musl, macOS)
        return False
    return mallopt(M_ARENA_MAX, int(arenas)) == 1

"""Background work of the server process takes turns: one job at a time.

The server's pages and its background threads (the fresh figures' recomputations after a
commit, the integration feeds' and scheduled reports' rounds) share one Python
interpreter lock. Run together, k busy background threads leave a page about 1/(k+1) of
it: right after an agency's burst of commits, five recomputations and a feed round at
once made every page of 30 sessions wait seconds. Taking turns leaves the pages half of
it at worst, and a recomputation started after a feed round reads the round's last
version instead of one it overtakes.

`turn()` is a courtesy, never needed for correctness: a thread waits at most
`TURN_WAIT_SECONDS` for its turn and then goes on anyway (so a job waiting on a result
that a job without a turn would compute can never hang), and a thread already holding
the turn takes it again at once (nested jobs). Pages never take a turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

TURN_WAIT_SECONDS = 15.0

_turn = threading.RLock()


@contextmanager
def turn(timeout: float = TURN_WAIT_SECONDS) -> Iterator[bool]:
    """Hold the background turn for the block (True), or go on without it after `timeout`
    seconds (False).

    >>> with turn() as mine, turn() as again:
    ...     mine, again
    (True, True)
    """
    held = _turn.acquire(timeout=timeout)
    try:
        yield held
    finally:
        if held:
            _turn.release()

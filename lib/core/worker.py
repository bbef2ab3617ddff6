"""A background thread of the app that does one round of work every so many seconds.

Used by the scheduled reports' and the integration feeds' workers: start() begins it
(once), stop() ends it, tick() runs one round; nothing a round meets is raised into the
caller: it is logged and the next round comes. A round takes the process's background
turn (lib.core.turns), so it never runs beside a recomputation of the fresh figures.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from lib.core.turns import turn


class Periodic:
    """A daemon thread calling `self.round()` every `interval_s` seconds (subclasses)."""

    thread_name = "eis-worker"
    what = "the worker"  # for the log: "<what>: the worker's round failed"

    def __init__(self, store, interval_s: float, clock: Callable):
        self.store = store
        self.interval_s = interval_s
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> list[dict]:
        """One round of work (a subclass's)."""
        raise NotImplementedError

    def start(self):
        """Start the thread (no second one while it runs); return self."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name=self.thread_name)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to end and wait for it (at most `timeout` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def tick(self) -> list[dict]:
        """One round, in the background turn; an error is logged, never raised."""
        try:
            with turn():
                return self.round()
        except Exception:  # noqa: BLE001 - a background thread: log it and go on next round
            logging.getLogger(type(self).__module__).exception(
                "%s: the worker's round failed", self.what
            )
            return []

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval_s)

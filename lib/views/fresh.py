"""Figures kept fresh: computed once per data version, recomputed right after the data changes.

The cockpit, map and profile ask `keeper(store).get(key, compute, today)` for what
they show (a round's figures, a cockpit view). A value is kept with the store's
data version it was computed at and served while the version stands. Values of
today (`today=True`: the day the pages describe, not a view of the past) that a
page used within the last `KEEP_SECONDS` are recomputed by the keeper's thread
as soon as it sees the version change (it looks every `POLL_SECONDS`), so after
an agency commits, undoes or verifies, the next executive or wall screen finds
them ready instead of paying the cold computation. A value `warm` computed (and those
it was built from) counts as used once a page asks for it, not before: the server warms
the public's cockpit as well as the staff's, and recomputing after every commit figures
no page has shown would take the interpreter from the pages for nothing (the first page
to ask after a commit is served the warmed figures at once, as below, while they are
recomputed). The first computation of a key is shared: a page asking for a key being
computed waits for that result instead of computing it again (one flight per key and
version).

While the keeper runs (the server), a page need not wait out a recomputation: `serve`
waits at most `WAIT_SECONDS` for today's value of the new data version and, if it is
still being computed, hands out the value of the version before with `stale=True`, so
the page shows it with a note that newer figures are on their way (the next visit gets
them). It does not wait at all when the value's last computation took longer than the
wait (still to start, or still to run that long): right after a commit, while the
keeper recomputes, a page would only have waited to show the same figures later. A
value that never existed, a view of the past, or a keeper not running (tests, the
command line) always waits for the fresh value.

Underneath, the store keeps its figures' reads up to date by re-reading only the
item x area pairs a batch touched (lib.store.maintained), so a recomputation
costs the engine's pandas, not a pass over every value. `warm` computes given
keys in the background at server start. Every background computation (refresh,
warm, serve's) takes the process's background turn (lib.core.turns): one at a
time, never beside a feed or report round, so pages keep their share of the
interpreter; one that newer data overtook while it waited for its turn computes
nothing (the refresh, or the next visit, computes for the newer version). A value whose
recomputation still waits for its turn is computed by the first thread that needs it
(the refresh, or a figure built from it, may hold the very turn it waits for).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from lib.core.turns import turn

POLL_SECONDS = 1.0
KEEP_SECONDS = 3600.0  # a value of today no page asked for in an hour is not recomputed
MAX_ENTRIES = 96
STOP_SECONDS = 120.0  # at most this long per thread for a computation under way to end
WAIT_SECONDS = 0.5  # a page waits this long for today's recomputed value, then sees the last
NEVER = float("-inf")  # used_at of a value only the warm has asked for

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    version: str
    value: object
    compute: Callable[[], object]
    today: bool
    used_at: float = field(default_factory=time.monotonic)  # NEVER: no page asked for it yet
    until: date | None = None  # the latest period end the value reads (None: any)
    seconds: float = 0.0  # how long its last computation took


@dataclass(frozen=True)
class Served:
    """A kept value as `serve` hands it out; stale: of the data version before the current
    one, whose value is being computed."""

    value: object
    stale: bool = False


class Keeper:
    """The fresh figures of one store (see the module docstring)."""

    def __init__(self, store, max_entries: int = MAX_ENTRIES, clock=time.monotonic):
        self.store = store
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[tuple, threading.Event] = {}
        # serve's flights whose thread still waits for the turn: a thread that needs one of
        # them takes it over instead of waiting (it may hold the turn that thread waits for)
        self._queued: set[tuple] = set()
        self._running: dict[tuple, float] = {}  # (key, version) computing: since when (clock)
        self._seen: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warming: list[threading.Thread] = []
        self._local = threading.local()  # .warming: this thread computes for `warm`
        self._serving: list[threading.Thread] = []  # serve's background computations
        self.computed = 0  # computations run (a test and the benchmark count them)

    def get(
        self,
        key: Hashable,
        compute: Callable[[], object],
        today: bool = True,
        until: date | None = None,
    ):
        """The value of key at the store's current data version (computed once per version).

        until: the latest period end the value reads, when it reads no later one; a write
        touching only later periods then does not recompute it (refresh).
        """
        return self._value(key, compute, today, self.store.data_version(), until)

    def serve(
        self,
        key: Hashable,
        compute: Callable[[], object],
        today: bool = True,
        wait=WAIT_SECONDS,
        until: date | None = None,
        seen: str | None = None,
    ) -> Served:
        """The value of key like `get`, except that while the keeper runs, today's value of
        an earlier version is served (stale) if the current one is not ready within `wait`
        seconds (None: never), at once if its last computation took longer; its computation
        goes on in the background (see the module docstring).

        seen: the data version the caller's page run read. A value kept at that version is
        served without asking the store again: a page shows the figures of one version, and
        a commit landing during its run shows on the next run. Any other value of `seen`
        (an older version, or none) is looked up at the store's current version."""
        if seen is not None:
            with self._lock:
                entry = self._kept_at(key, seen)
            if entry is not None:
                return Served(entry.value)
        version = self.store.data_version()
        with self._lock:
            entry = self._entries.get(key)
            stale_ok = (
                wait is not None
                and self._thread is not None
                and not self._stop.is_set()
                and entry is not None
                and entry.version != version
                and today
                and entry.today
            )
            if stale_ok:
                flight = self._flights.get((key, version))
                if flight is None:  # nobody computes it yet: start it, not in this page
                    flight = self._flights[(key, version)] = threading.Event()
                    self._queued.add((key, version))
                    self._background(key, compute, version, flight, until)
                self._mark_used(entry)  # still in use: the keeper keeps refreshing it
                old, left = entry.value, self._time_left(key, version, entry)
        if not stale_ok:
            return Served(self._value(key, compute, today, version, until))
        if left <= wait and self._wait(flight, wait):  # else it cannot be ready in time
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry.version == version:
                    return Served(entry.value)
        return Served(old, stale=True)

    def _time_left(self, key, version: str, entry: _Entry) -> float:
        """Seconds key's value at version may still take, judged by its last computation:
        all of it when it has not started (queued behind the background turn), what is left
        of it when it runs (lock held by the caller)."""
        started = self._running.get((key, version))
        return entry.seconds - (0.0 if started is None else self._clock() - started)

    def _wait(self, flight: threading.Event, seconds: float) -> bool:
        """Wait at most `seconds` for a flight to land; True when it did."""
        return flight.wait(seconds)

    def _background(self, key, compute, version: str, flight: threading.Event, until) -> None:
        """Compute key at version in a thread that owns its flight once it has the turn, unless
        a thread needed the value before that and computed it (lock held by the caller)."""

        def run() -> None:
            with turn():
                with self._lock:  # a thread that needed it meanwhile computed it (see _value)
                    mine = (key, version) in self._queued
                    self._queued.discard((key, version))
                if not mine:
                    return
                try:  # newer data landed meanwhile: a later visit computes for it
                    if self.store.data_version() == version:
                        self._computed(key, compute, True, version, until)
                except Exception:  # logged; pages go on with the stale value, the next retries
                    log.exception("fresh figures: recomputing %r failed", key)
                finally:
                    self._land(key, version, flight)

        thread = threading.Thread(target=run, name="eis-fresh-serve", daemon=True)
        self._serving = [t for t in self._serving if t.is_alive()] + [thread]
        thread.start()

    def _value(self, key, compute, today: bool, version: str, until: date | None = None):
        while True:
            with self._lock:
                entry = self._kept_at(key, version)
                if entry is not None:
                    return entry.value
                flight = self._flights.get((key, version))
                owner = flight is None or (key, version) in self._queued
                if flight is None:
                    flight = self._flights[(key, version)] = threading.Event()
                self._queued.discard((key, version))  # queued behind the turn: computed here
            if not owner:
                flight.wait()
                continue  # the owner's value is kept now (or it failed: compute here)
            try:
                return self._computed(key, compute, today, version, until)
            finally:
                self._land(key, version, flight)

    def _kept_at(self, key, version: str) -> _Entry | None:
        """The entry of key kept at version, marked as just used (lock held by the caller;
        `_mark_used`)."""
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        self._mark_used(entry)
        self._entries.move_to_end(key)
        return entry

    def _mark_used(self, entry: _Entry) -> None:
        """A page (or a value built for one) asked for entry now; the warm does not count."""
        if not getattr(self._local, "warming", False):
            entry.used_at = self._clock()

    def _land(self, key, version: str, flight: threading.Event) -> None:
        """End a flight (its value kept, or it failed): those waiting on it look again."""
        with self._lock:
            self._flights.pop((key, version), None)
        flight.set()

    def _computed(self, key, compute, today: bool, version: str, until: date | None = None):
        """Compute key's value and keep it at version (the caller owns the flight)."""
        with self._lock:
            started = self._running[(key, version)] = self._clock()
        try:
            value = compute()
        finally:
            with self._lock:
                self._running.pop((key, version), None)
        with self._lock:
            self.computed += 1
            entry = self._entries.get(key)
            used = NEVER if entry is None else entry.used_at  # kept: when it was last asked for
            took = self._clock() - started
            new = self._entries[key] = _Entry(version, value, compute, today, used, until, took)
            if used == NEVER:
                self._mark_used(new)  # computed for a page now (not for the warm)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def refresh(self) -> int:
        """Recompute today's recently used values if the data version changed; how many (a value
        whose `until` is before every period written since its version is carried over; when
        the version moves on meanwhile, the rest waits for the next look, at the newer one)."""
        version = self.store.data_version()
        if version == self._seen:
            return 0
        self._seen = version
        now = self._clock()
        with self._lock:
            due = [
                (key, e)
                for key, e in reversed(self._entries.items())
                if e.today and e.version != version and now - e.used_at <= KEEP_SECONDS
            ]
        started, changed = self._clock(), {}
        # carried over first: a value recomputed below may read them (a view its rounds)
        carried = {
            key for key, e in due if e.until is not None and self._still(key, e, version, changed)
        }
        recomputed = 0
        for key, entry in due:
            if key in carried:
                continue
            with turn():  # if a feed round committed meanwhile, the next look takes its last
                if self.store.data_version() != version:
                    break  # newer data landed meanwhile: the next look recomputes for it instead
                recomputed += 1
                try:
                    self._value(key, entry.compute, True, version, entry.until)
                except Exception:  # a failing figure must not stop the others; the page shows it
                    log.exception("fresh figures: recomputing %r failed", key)
        log.info(
            "fresh figures: %d recomputed, %d carried over (no period they read changed) in %.1f s",
            recomputed,
            len(carried),
            self._clock() - started,
        )
        return recomputed

    def _still(self, key, entry: _Entry, version: str, changed: dict) -> bool:
        """Carry entry over to version when every write since its own touched only periods
        after entry.until (no cell it reads changed); changed: the store's answers so far."""
        if entry.version not in changed:
            changed[entry.version] = self.store.earliest_change_since(entry.version)
        earliest = changed[entry.version]
        if earliest is not None and earliest <= entry.until:
            return False
        with self._lock:
            if self._entries.get(key) is entry:
                entry.version = version
        return True

    def warm(self, jobs: Iterable[tuple[Hashable, Callable[[], object]]]) -> threading.Thread:
        """Compute (key, compute) pairs of today in a background thread (server start); they
        are kept fresh after a commit only once a page has asked for them."""

        def run() -> None:
            self._local.warming = True  # what it computes is not yet used (NEVER)
            version = self.store.data_version()
            for key, compute in jobs:
                if self._stop.is_set():
                    return
                try:
                    with turn():
                        self._value(key, compute, True, version)
                except Exception:
                    log.exception("fresh figures: warming %r failed", key)

        thread = threading.Thread(target=run, name="eis-fresh-warm", daemon=True)
        self._warming.append(thread)
        thread.start()
        return thread

    def warmed(self, timeout: float | None = None) -> None:
        """Wait until the warming threads started so far are done (the benchmark)."""
        for thread in list(self._warming):
            thread.join(timeout=timeout)

    def served(self, timeout: float | None = None) -> None:
        """Wait until the background computations `serve` started so far are done (tests)."""
        for thread in list(self._serving):
            thread.join(timeout=timeout)

    def start(self, poll: float = POLL_SECONDS) -> None:
        """Run refresh every poll seconds in a daemon thread until stop()."""
        if self._thread is not None:
            return
        self._seen = self.store.data_version()

        def loop() -> None:
            while not self._stop.wait(poll):
                try:
                    self.refresh()
                except Exception:
                    log.exception("fresh figures: refresh failed")

        self._thread = threading.Thread(target=loop, name="eis-fresh", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop the refreshing and warming threads, letting a computation under way end (a
        thread still inside the database when the process exits aborts it); values stay."""
        self._stop.set()
        for thread in [self._thread, *self._warming, *self._serving]:
            if thread is not None:
                thread.join(timeout=timeout)
        self._thread, self._warming, self._serving = None, [], []


def keeper(store) -> Keeper:
    """The keeper of a store (one per database opened; its verified views share it)."""
    kept = store.shared.get("fresh")
    if kept is None:
        kept = store.shared.setdefault("fresh", Keeper(store))
    return kept

"""Figures kept fresh (lib.views.fresh, lib.views.cockpit.kept): computed once per data version
for every session, recomputed right after the data changes, equal to a cold computation."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from functools import partial

import pandas as pd
import pytest

from lib.store import Store
from lib.views import fresh
from lib.views.cockpit import kept, query
from lib.views.cockpit.figures import load_round_figures
from lib.views.cockpit.view import cockpit_view

# The cockpit's day in these tests: commits stamp the real clock, and figures as of tomorrow
# see every commit a test makes (even one stamped after midnight); FY 2569, round 12.
DAY = date.today() + timedelta(days=1)
FY, RND = 2569, 12


class FakeStore:
    """Only what the keeper reads: the data version."""

    def __init__(self):
        self.version = "v1"
        self.shared: dict = {}
        self.changes: dict = {}

    def data_version(self) -> str:
        return self.version

    def earliest_change_since(self, version: str):
        """As Store's: the earliest period end written since `version` (set by a test)."""
        return self.changes.get(version, date.min)


class Counter:
    def __init__(self, result="r"):
        self.calls = 0
        self.result = result

    def __call__(self):
        self.calls += 1
        return f"{self.result}{self.calls}"


def test_a_value_is_computed_once_per_data_version():
    store, compute = FakeStore(), Counter()
    keeper = fresh.Keeper(store)
    assert keeper.get("k", compute) == "r1"
    assert keeper.get("k", compute) == "r1"
    store.version = "v2"
    assert keeper.get("k", compute) == "r2"
    assert compute.calls == 2


def test_sessions_asking_together_share_one_computation():
    store, started, release = FakeStore(), threading.Event(), threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        release.wait()
        return "figures"

    keeper = fresh.Keeper(store)
    results = []
    first = threading.Thread(target=lambda: results.append(keeper.get("k", slow)))
    first.start()
    started.wait()  # the first session is computing
    second = threading.Thread(target=lambda: results.append(keeper.get("k", slow)))
    second.start()
    release.set()
    first.join()
    second.join()
    assert results == ["figures", "figures"]
    assert len(calls) == 1


def test_after_a_change_todays_values_are_recomputed_and_the_past_waits_for_a_visit():
    store, today, past = FakeStore(), Counter("t"), Counter("p")
    keeper = fresh.Keeper(store)
    keeper.get("today", today, today=True)
    keeper.get("past", past, today=False)
    assert keeper.refresh() == 0  # first look: nothing changed since the values were made
    store.version = "v2"
    assert keeper.refresh() == 1
    assert (today.calls, past.calls) == (2, 1)
    assert keeper.get("today", today) == "t2"  # ready: no computation on the visit
    assert today.calls == 2
    assert keeper.get("past", past, today=False) == "p2"  # computed on demand
    assert keeper.refresh() == 0  # nothing changed since


def test_values_nobody_asked_for_in_a_while_are_not_recomputed():
    store, compute, now = FakeStore(), Counter(), [0.0]
    keeper = fresh.Keeper(store, clock=lambda: now[0])
    keeper.get("k", compute)
    keeper.refresh()
    now[0] = fresh.KEEP_SECONDS + 1
    store.version = "v2"
    assert keeper.refresh() == 0
    assert compute.calls == 1


def test_a_failing_value_does_not_stop_the_others_and_is_computed_again_on_the_next_visit():
    store, good = FakeStore(), Counter()
    failing = {"on": False}

    def bad():
        if failing["on"]:
            raise ValueError("broken figure")
        return "ok"

    keeper = fresh.Keeper(store)
    keeper.get("bad", bad)
    keeper.get("good", good)
    keeper.refresh()
    failing["on"], store.version = True, "v2"
    assert keeper.refresh() == 2  # the failure is logged; the good one is fresh
    assert good.calls == 2
    with pytest.raises(ValueError, match="broken figure"):
        keeper.get("bad", bad)
    failing["on"] = False
    assert keeper.get("bad", bad) == "ok"


def test_kept_values_are_bounded_least_recently_used_out():
    keeper = fresh.Keeper(FakeStore(), max_entries=2)
    for key in "abc":
        keeper.get(key, Counter(key))
    compute = Counter("a")
    keeper.get("a", compute)
    assert compute.calls == 1  # "a" was dropped for "c"


def test_while_the_server_recomputes_a_page_gets_the_figures_before_the_commit_at_once():
    store, started, release = FakeStore(), threading.Event(), threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        release.wait(30)  # bounded: a page that waited for it would fail, not hang
        return "new"

    keeper = fresh.Keeper(store)
    keeper.get("k", lambda: "old")
    keeper.start(poll=3600)  # running, as in the server (its own refresh never comes here)
    try:
        store.version = "v2"
        assert keeper.serve("k", slow, wait=0) == fresh.Served("old", stale=True)
        assert started.wait(30)  # the new figures are computed in the background
        assert keeper.serve("k", slow, wait=0) == fresh.Served("old", stale=True)
        release.set()
        assert keeper.get("k", slow) == "new"  # waits for that computation, not another
        assert keeper.serve("k", slow, wait=0) == fresh.Served("new")
        assert len(calls) == 1
    finally:
        release.set()
        keeper.stop()


def test_a_page_does_not_wait_for_a_recomputation_that_cannot_be_ready_in_time():
    """Right after a commit a page waits for a figure's recomputation only when the figure's
    last computation was quicker than the wait; a slower one is shown from before at once
    (waiting would only show the same figures later)."""
    store, now, waits = FakeStore(), [0.0], []
    keeper = fresh.Keeper(store, clock=lambda: now[0])
    real_wait = keeper._wait
    keeper._wait = lambda flight, seconds: waits.append(seconds) or real_wait(flight, seconds)

    def taking(seconds: float, value: str):
        def compute():
            now[0] += seconds  # the keeper's clock, as a computation of that length moves it
            return value

        return compute

    release = threading.Event()

    def blocked():
        release.wait(30)  # bounded: a page that waited for it would fail, not hang
        return "slow-new"

    keeper.get("quick", taking(0.1, "quick-old"))
    keeper.get("slow", taking(5.0, "slow-old"))
    keeper.start(poll=3600)  # running, as in the server
    try:
        store.version = "v2"
        assert keeper.serve("quick", taking(0.1, "quick-new"), wait=30) == fresh.Served("quick-new")
        assert waits == [30]  # 0.1 s last time: worth waiting for
        assert keeper.serve("slow", blocked, wait=0.5) == fresh.Served("slow-old", stale=True)
        assert waits == [30]  # 5 s last time: not worth waiting 0.5 s for
    finally:
        release.set()
        keeper.stop()


def test_a_value_kept_at_the_runs_version_is_served_without_asking_the_store_again():
    class Asked(FakeStore):
        asked = 0

        def data_version(self) -> str:
            self.asked += 1
            return self.version

    store = Asked()
    keeper = fresh.Keeper(store)
    keeper.get("k", lambda: "old")
    before = store.asked
    assert keeper.serve("k", lambda: "new", seen="v1") == fresh.Served("old")
    assert store.asked == before  # the run's version names a kept value: no query
    store.version = "v2"  # a commit lands while that run goes on
    assert keeper.serve("k", lambda: "new", seen="v1") == fresh.Served("old")  # its own version
    assert keeper.serve("k", lambda: "new", seen="v2") == fresh.Served("new")  # the next run
    assert keeper.serve("k", lambda: "newer", seen="v1") == fresh.Served("new")  # v1 is gone
    assert store.asked == before + 2  # only where no value of the run's version is kept


def test_a_page_waits_for_fresh_figures_without_the_server_for_the_past_or_a_first_value():
    store = FakeStore()
    keeper = fresh.Keeper(store)
    keeper.get("k", lambda: "old")
    keeper.get("past", lambda: "past-old", today=False)
    store.version = "v2"
    assert keeper.serve("k", lambda: "new", wait=0) == fresh.Served("new")  # not running
    keeper.start(poll=3600)
    try:
        store.version = "v3"
        got = keeper.serve("past", lambda: "past-new", today=False, wait=0)
        assert got == fresh.Served("past-new")
        assert keeper.serve("first", lambda: "first", wait=0) == fresh.Served("first")
    finally:
        keeper.stop()


def test_the_warm_thread_computes_the_given_values():
    store, compute = FakeStore(), Counter()
    keeper = fresh.Keeper(store)
    keeper.warm([("k", compute)]).join()
    assert keeper.get("k", Counter("other")) == "r1"


def test_warmed_values_are_kept_fresh_only_once_a_page_asked_for_them():
    # the server warms the public's cockpit too: no page shown it, no recomputation per commit
    store, staff, public, rounds = FakeStore(), Counter("s"), Counter("p"), Counter("r")
    keeper = fresh.Keeper(store)

    def view(counter):
        def compute():  # a view built from a kept round, asked for twice (the second a hit)
            keeper.get(("round", counter.result), rounds)
            keeper.get(("round", counter.result), rounds)
            return counter()

        return compute

    keeper.warm([("staff", view(staff)), ("public", view(public))]).join()
    assert (staff.calls, public.calls, rounds.calls) == (1, 1, 2)
    assert keeper.get("staff", view(staff)) == "s1"  # a page shows the staff's view
    store.version = "v2"
    assert keeper.refresh() == 1  # the staff's view (its round recomputed within it)
    assert (staff.calls, public.calls, rounds.calls) == (2, 1, 3)
    assert keeper.get("public", view(public)) == "p2"  # the first public visit computes it
    store.version = "v3"
    keeper.refresh()
    assert (staff.calls, public.calls) == (3, 3)  # both shown since: both kept fresh


def test_the_keepers_thread_recomputes_after_a_change_until_stopped():
    store, seen = FakeStore(), threading.Event()

    def compute():
        if store.version == "v2":
            seen.set()
        return store.version

    keeper = fresh.Keeper(store)
    keeper.get("k", compute)
    keeper.start(poll=0.01)
    store.version = "v2"
    assert seen.wait(30)  # the thread recomputed it (bounded: never a fixed sleep)
    keeper.stop()
    assert keeper.get("k", compute) == "v2"


def test_one_keeper_per_database_shared_with_its_public_view(small_store_copy):
    with Store(small_store_copy) as store:
        assert fresh.keeper(store.verified_view()) is fresh.keeper(store)


# ------------------------------------------------------------------ the cockpit


def _cold_view(store, scope_code, fy, rnd, as_of):
    scope = query.parse_scope(scope_code, query.scope_table(store.areas()))
    loader = partial(load_round_figures, store.without_maintenance())
    return cockpit_view(store.without_maintenance(), scope, fy, rnd, as_of, loader)


def _same_view(a, b) -> None:
    """The cockpit a user sees: tiles, trends, overdue datasets, groups, peers, composite."""
    for name in ("tiles", "trends", "overdue", "groups", "weakest", "peers"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert (a.composite, a.composite_light) == (b.composite, b.composite_light)
    assert str(a.health) == str(b.health)


def _commit(store: Store, value: float) -> int:
    frame = pd.DataFrame(
        {
            "item_code": ["FIN01"],
            "area_code": ["21"],
            "period": ["2026-09"],
            "period_end": [pd.Timestamp("2026-09-30")],
            "value": [value],
            "note": [None],
        }
    )
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": "f.csv"}
    return store.commit_cells(frame, batch, {"username": "pto21", "action": "upload"})


def test_the_warmed_cockpit_is_served_without_computing_and_is_fresh_after_a_commit(
    small_store_copy,
):
    with Store(small_store_copy) as store:
        keeper = fresh.keeper(store)
        keeper.warm(kept.warm_jobs(store, DAY)).join()
        warmed = keeper.computed
        view = kept.view(store, DAY, "TH", FY, RND, DAY)
        assert keeper.computed == warmed  # the first visit finds it ready
        _same_view(view, _cold_view(store, "TH", FY, RND, DAY))
        _commit(store, 12.5)
        assert keeper.refresh() >= 1  # the keeper's thread would do this within a second
        after = keeper.computed
        fresh_view = kept.view(store, DAY, "TH", FY, RND, DAY)
        assert keeper.computed == after  # the first visit after the upload: ready too
        _same_view(fresh_view, _cold_view(store, "TH", FY, RND, DAY))
        with pytest.raises(AssertionError):  # the upload moved a figure: not the warmed view
            _same_view(fresh_view, view)


def test_the_public_view_of_the_cockpit_is_kept_apart(small_store_copy):
    with Store(small_store_copy) as store:
        _commit(store, 99.0)  # not verified: staff see it, the public does not
        staff = kept.view(store, DAY, "21", FY, RND, DAY)
        public = kept.view(store.verified_view(), DAY, "21", FY, RND, DAY)
        _same_view(staff, _cold_view(store, "21", FY, RND, DAY))
        with pytest.raises(AssertionError):  # the unverified value moves a staff figure
            _same_view(staff, public)
        _same_view(public, _cold_view(store.verified_view(), "21", FY, RND, DAY))


def test_a_view_of_the_past_is_computed_on_demand(small_store_copy):
    with Store(small_store_copy) as store:
        past = date(2026, 10, 1)
        fy, rnd = query.default_round(past)
        kept.view(store, DAY, "TH", fy, rnd, past)
        keeper = fresh.keeper(store)
        keeper.refresh()
        _commit(store, 40.0)
        assert keeper.refresh() == 0  # nothing of today was kept


def test_the_profiles_kpi_scores_are_the_cockpits_kept_round_each_caller_with_its_copy(
    small_store_copy,
):
    """The profile's scores of a level come from the cockpit's kept round (one computation
    for cockpit, map and profile) and equal the engine's, quality flags included."""
    from lib.engine import kpi
    from lib.services import quality
    from lib.ui import warroom

    schemes = ("cluster_2017", "region_nesdc7")
    with Store(small_store_copy) as store:
        first = warroom.round_scores(
            store, store.data_version(), "province", FY, RND, DAY, *schemes
        )
        first["score"] = -1.0  # a page changing its frame in place
        second = warroom.round_scores(
            store, store.data_version(), "cluster", FY, RND, DAY, *schemes
        )
        again = warroom.round_scores(
            store, store.data_version(), "province", FY, RND, DAY, *schemes
        )
        assert fresh.keeper(store).computed == 1  # one round for every level
        public = store.verified_view().without_maintenance()  # no one signed in: the public
        flagged = quality.kpi_flagged_cells(public, FY, DAY)
        for level, got in (("province", again), ("cluster", second)):
            grouping = schemes[0] if level == "cluster" else None
            expected = kpi.scores(public, level, FY, DAY, RND, grouping=grouping, flagged=flagged)
            pd.testing.assert_frame_equal(got, expected)


def test_a_page_changing_a_kept_figures_frame_leaves_the_kept_one_alone(small_store_copy):
    """A page gets its own copy of a kept figure's frames: what it changes in place (a column,
    a cell, the column names) is not what the next page run, or another session, is shown."""
    from lib.ui.kept import kept_figure

    computed = []

    @kept_figure
    def figure(s, version, as_of=None):
        computed.append(version)
        return pd.DataFrame({"area": ["10", "11"], "value": [1.0, 2.0]}), "note"

    with Store(small_store_copy) as store:
        frame, _ = figure(store, store.data_version())
        frame.loc[0, "value"] = -2.0
        frame["value"] *= 10
        frame.rename(columns={"area": "changed"}, inplace=True)
        again, note = figure(store, store.data_version())
    assert again.to_dict("list") == {"area": ["10", "11"], "value": [1.0, 2.0]}
    assert note == "note" and len(computed) == 1


def test_a_write_of_later_periods_carries_over_what_reads_only_earlier_ones():
    store = FakeStore()
    keeper = fresh.Keeper(store)
    history, current = Counter("fy2568"), Counter("today")
    kept = keeper.get("fy2568", history, until=date(2025, 9, 30))
    keeper.get("current", current)  # no until: reads every period (quality flags)
    keeper.refresh()
    store.version, store.changes["v1"] = "v2", date(2026, 10, 31)  # an October 2026 upload
    assert keeper.refresh() == 1
    assert (history.calls, current.calls) == (1, 2)
    assert keeper.get("fy2568", history, until=date(2025, 9, 30)) == kept
    assert history.calls == 1  # carried over to v2: no computation on the next visit either
    store.version, store.changes["v2"] = "v3", date(2025, 9, 30)  # a value it reads
    keeper.refresh()
    assert history.calls == 2
    store.version = "v4"  # the catalogue changed: the store answers date.min
    keeper.refresh()
    assert history.calls == 3


def _commit_period(store: Store, period: str, end: str, value: float) -> int:
    frame = pd.DataFrame(
        {
            "item_code": ["FIN01"],
            "area_code": ["21"],
            "period": [period],
            "period_end": [pd.Timestamp(end)],
            "value": [value],
            "note": [None],
        }
    )
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": "f.csv"}
    return store.commit_cells(frame, batch, {"username": "pto21", "action": "upload"})


def test_a_round_carried_over_a_later_write_equals_a_cold_computation(small_store_copy):
    # FY 2568 reads periods up to 30 September 2025: an October 2026 value leaves it as it is
    args = (2568, 12, DAY, "cluster_2017", "region_nesdc7")
    with Store(small_store_copy) as store:
        keeper = fresh.keeper(store)
        before = kept.round_figures(store, DAY, *args, full=False)
        keeper.refresh()
        version = store.data_version()
        _commit_period(store, "2026-10", "2026-10-31", 40.0)
        assert store.earliest_change_since(version) == date(2026, 10, 31)
        assert keeper.refresh() == 0  # carried over, not recomputed
        carried = kept.round_figures(store, DAY, *args, full=False)
        assert carried is before
        cold = load_round_figures(store.without_maintenance(), *args, full=False)
        pd.testing.assert_frame_equal(carried.scores, cold.scores)
        _commit_period(store, "2025-09", "2025-09-30", 97.5)  # a period it reads
        assert keeper.refresh() == 1
        cold = load_round_figures(store.without_maintenance(), *args, full=False)
        moved = kept.round_figures(store, DAY, *args, full=False)
        pd.testing.assert_frame_equal(moved.scores, cold.scores)
        with pytest.raises(AssertionError):  # the value moved a score
            pd.testing.assert_frame_equal(moved.scores, before.scores)


def test_the_store_names_the_earliest_period_written_since_a_version(small_store_both):
    with Store(small_store_both) as store:  # a DuckDB file, then the store server
        version = store.data_version()
        assert store.earliest_change_since(version) is None
        batch = _commit_period(store, "2026-09", "2026-09-30", 41.0)
        _commit_period(store, "2026-10", "2026-10-31", 42.0)
        assert store.earliest_change_since(version) == date(2026, 9, 30)
        later = store.data_version()
        store.undo_batch(batch, "pto21")  # an undo's removals count too
        assert store.earliest_change_since(later) == date(2026, 9, 30)
        assert store.earliest_change_since("another store|1-0-0|0|0@") == date.min


def test_a_value_recomputed_reads_what_was_carried_over_without_computing_it():
    store = FakeStore()
    keeper = fresh.Keeper(store)
    past = Counter("round")

    def round_():
        return keeper.get("round", past, until=date(2025, 9, 30))

    keeper.get("view", lambda: f"view of {round_()}")  # used last: recomputed first
    keeper.refresh()
    store.version, store.changes["v1"] = "v2", date(2026, 10, 31)
    assert keeper.refresh() == 1 and past.calls == 1


def test_a_refresh_overtaken_by_newer_data_leaves_the_rest_for_the_newer_version():
    store = FakeStore()
    keeper = fresh.Keeper(store)
    first, second = Counter("a"), Counter("b")

    def during():  # another commit lands while this value is recomputed
        if first.calls == 1:
            store.version = "v3"
        return first()

    keeper.get("b", second)
    keeper.get("a", during)  # used last: recomputed first
    keeper.refresh()
    store.version = "v2"
    assert keeper.refresh() == 1 and second.calls == 1  # "b" was not computed for v2
    assert keeper.refresh() == 2 and second.calls == 2  # both, once, for v3


# ---------------------------------------------------------------- turns (lib.core.turns)


@pytest.fixture
def asked(monkeypatch):
    """Set when a thread of the keeper asks for the background turn (before it gets it)."""
    from lib.core import turns

    event = threading.Event()

    def turn(*args, **kwargs):
        event.set()
        return turns.turn(*args, **kwargs)

    monkeypatch.setattr(fresh, "turn", turn)
    return event


def test_the_servers_background_recomputations_run_one_at_a_time(monkeypatch):
    """Two figures recomputed in the background after a commit take turns: the second starts
    when the first ends, so pages share the interpreter with one of them, not both."""
    from lib.core import turns

    store, running, most = FakeStore(), [], []
    asks, other = [], threading.Event()  # other: both asked for their turn, or "b" ran

    def turn(*args, **kwargs):
        asks.append(1)
        if len(asks) == 2:
            other.set()
        return turns.turn(*args, **kwargs)

    monkeypatch.setattr(fresh, "turn", turn)

    def compute(name):
        running.append(name)
        most.append(len(running))
        if name == "a":
            assert other.wait(30)
        other.set()
        running.remove(name)
        return name

    keeper = fresh.Keeper(store)
    keeper.get("a", lambda: "a0")
    keeper.get("b", lambda: "b0")
    keeper.start(poll=3600)
    try:
        store.version = "v2"
        assert keeper.serve("a", partial(compute, "a"), wait=0).stale
        assert keeper.serve("b", partial(compute, "b"), wait=0).stale
        keeper.served(30)
        assert keeper.get("a", Counter()) == "a" and keeper.get("b", Counter()) == "b"
        assert max(most) == 1
    finally:
        keeper.stop()


def test_a_refresh_waiting_for_its_turn_recomputes_for_the_last_commit_of_a_feed_round(asked):
    """A feed round (the background turn held) commits twice: the refresh that saw the
    first commit waits for the round to end, then leaves everything to the last version."""
    from lib.core.turns import turn

    store, compute = FakeStore(), Counter()
    keeper = fresh.Keeper(store)
    keeper.get("k", compute)
    with turn():  # the feed round
        store.version = "v2"
        refresh = threading.Thread(target=lambda: counts.append(keeper.refresh()))
        counts: list[int] = []
        refresh.start()
        assert asked.wait(30)  # the refresh saw v2 and waits for its turn
        store.version = "v3"
    refresh.join(30)
    assert counts == [0] and compute.calls == 1  # nothing computed for the overtaken v2
    assert keeper.refresh() == 1 and compute.calls == 2
    assert keeper.get("k", compute) == "r2"


def test_a_workers_round_holds_the_background_turn():
    """A feed or report round runs in the turn: no recomputation runs beside it."""
    from lib.core.turns import turn
    from lib.core.worker import Periodic

    class Round(Periodic):
        def round(self):
            others = []
            other = threading.Thread(target=lambda: others.append(turn(timeout=0).__enter__()))
            other.start()
            other.join(30)
            return others

    assert Round(None, 60, clock=None).tick() == [False]


def test_a_recomputation_a_page_started_computes_nothing_once_newer_data_landed(asked):
    """A page's visit after a commit starts its figure's recomputation, which waits for its
    turn behind a feed round that commits again: it computes nothing for the overtaken
    version; the next visit starts the one for the newer version."""
    from lib.core.turns import turn

    store, compute = FakeStore(), Counter()
    keeper = fresh.Keeper(store)
    keeper.get("k", compute)
    keeper.start(poll=3600)
    try:
        with turn():  # the feed round
            store.version = "v2"
            assert keeper.serve("k", compute, wait=0) == fresh.Served("r1", stale=True)
            assert asked.wait(30)  # the recomputation for v2 waits for its turn
            store.version = "v3"
        keeper.served(30)
        assert compute.calls == 1  # nothing computed for the overtaken v2
        assert keeper.serve("k", compute, wait=30) == fresh.Served("r2")
    finally:
        keeper.stop()


def test_a_thread_holding_the_turn_computes_a_value_queued_behind_it_instead_of_waiting(
    monkeypatch,
):
    """A page's visit after a commit queues a figure's recomputation behind the turn; the
    refresh (or a figure built from that one) holds the turn and needs it: it computes it
    itself, since waiting for the queued thread would wait out the turn it holds (the
    thread would go on without it after TURN_WAIT_SECONDS: 15 s of stalled figures, then
    several recomputations at once). Here the queued thread's wait is unbounded."""
    from lib.core import turns

    asked, go, holding = threading.Event(), threading.Event(), threading.Event()

    def unbounded_turn(*args, **kwargs):
        asked.set()
        return turns.turn(timeout=-1)  # RLock.acquire: no time limit

    monkeypatch.setattr(fresh, "turn", unbounded_turn)
    store, compute, results = FakeStore(), Counter(), []
    keeper = fresh.Keeper(store)
    keeper.get("k", compute)
    keeper.start(poll=3600)

    def refresh_like():
        with turns.turn():
            holding.set()
            assert go.wait(30)
            results.append(keeper.get("k", compute))

    holder = threading.Thread(target=refresh_like, daemon=True)
    try:
        holder.start()
        assert holding.wait(30)
        store.version = "v2"
        assert keeper.serve("k", compute, wait=0) == fresh.Served("r1", stale=True)
        assert asked.wait(30)  # the recomputation's thread waits for the turn held above
        go.set()
        holder.join(30)
        assert results == ["r2"]  # computed by the thread holding the turn
        keeper.served(30)
        assert compute.calls == 2  # the queued thread found it done and computed nothing
        assert keeper.serve("k", compute, wait=0) == fresh.Served("r2")
    finally:
        go.set()
        keeper.stop(timeout=1)

"""The cockpit's figures kept fresh (lib.views.fresh): one copy per store, not per session.

`round_figures` and `view` are what the page, the wall and the benchmark call: a
round's figures and a scope's view are computed once per data version and shared
by every session; those of today (an as-of on or after the day the pages
describe) are recomputed by the keeper's thread right after a commit, undo or
verification, so the next screen finds them ready. Views of the past compute on
demand and are kept until the data changes. `warm` computes the country's cockpit
of the default round at server start.

Values handed out are shared: callers read them and never change them in place.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from lib.views import fresh
from lib.views.cockpit import query
from lib.views.cockpit.figures import RoundFigures, load_round_figures, reads_until
from lib.views.cockpit.view import CockpitView, cockpit_view


def round_figures(
    store,
    today: date,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    cluster_scheme: str,
    region_scheme: str,
    full: bool = True,
    level: str | None = None,
) -> RoundFigures:
    """load_round_figures of a round, kept per data version (today: the pages' day); always
    the current data version's (served_round waiting for it)."""
    args = (fiscal_year, round_months, as_of, cluster_scheme, region_scheme)
    return served_round(store, today, *args, wait=None, full=full, level=level).value


def served_round(
    store,
    today: date,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    cluster_scheme: str,
    region_scheme: str,
    wait: float | None = fresh.WAIT_SECONDS,
    full: bool = True,
    level: str | None = None,
    seen: str | None = None,
) -> fresh.Served:
    """A round's figures as the pages get them: while the server's keeper recomputes them
    after a commit, those before it (stale) after `wait` seconds (None: always the current
    ones). The cockpit, the map's KPI figures and the profile's KPI comparison take the
    same kept full round, one computation. full=False: KPI scores only (of `level` alone,
    when given), which read no period after the round (until)."""
    args = (int(fiscal_year), int(round_months), as_of, cluster_scheme, region_scheme, bool(full))
    args += (None if full else level,)
    return fresh.keeper(store).serve(
        ("cockpit-round", store.verified_only, *args),
        partial(load_round_figures, store, *args),
        today=as_of >= today,
        wait=wait,
        until=None if full else reads_until(fiscal_year, round_months, as_of),
        seen=seen,
    )


def view(
    store, today: date, scope_code: str, fiscal_year: int, round_months: int, as_of: date
) -> CockpitView:
    """The cockpit of one scope and round (its rounds through round_figures), kept."""
    return served_view(store, today, scope_code, fiscal_year, round_months, as_of, None).value


def served_view(
    store,
    today: date,
    scope_code: str,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    wait: float | None = fresh.WAIT_SECONDS,
    seen: str | None = None,
) -> fresh.Served:
    """`view` as the pages get it: while the server's keeper recomputes today's view after a
    commit, the view before it (stale) after `wait` seconds (None: always the fresh one)."""
    args = (str(scope_code), int(fiscal_year), int(round_months), as_of)
    return fresh.keeper(store).serve(
        ("cockpit-view", store.verified_only, *args),
        partial(_assemble, store, today, *args),
        today=as_of >= today,
        wait=wait,
        seen=seen,
    )


def _assemble(store, today, scope_code, fiscal_year, round_months, as_of) -> CockpitView:
    scope = query.parse_scope(scope_code, query.scope_table(store.areas()))
    loader = partial(round_figures, store, today)
    return cockpit_view(store, scope, fiscal_year, round_months, as_of, loader)


def warm_jobs(store, today: date) -> list[tuple]:
    """(key, compute) of the country's cockpit of today's default round (and its history),
    as staff see it and as the public does (verified values only)."""
    fy, rnd = query.default_round(today)
    scope = query.country_scope(query.scope_table(store.areas())).code
    args = (str(scope), fy, rnd, today)
    return [
        (("cockpit-view", s.verified_only, *args), partial(_assemble, s, today, *args))
        for s in (store, store.verified_view())
    ]


def warm(store, today: date):
    """Start computing the default cockpit in the background (server start); the thread."""
    return fresh.keeper(store).warm(warm_jobs(store, today))

"""Figures kept for every session by lib.views.fresh, for the pages' loaders (@kept_figure)."""

from __future__ import annotations

import functools
import inspect
import time

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.store import Store
from lib.ui.core import figures_as_of, once_per_run, t
from lib.ui.viewer import STORE_KEY, as_viewer_sees, readable_codes, seen_store
from lib.views import fresh
from lib.views import profile as profile_view


def kept_figure(fn):
    """Serve fn(s, version, ..., as_of, ...) through lib.views.fresh instead of st.cache_data:
    computed once per data version for every session (sessions asking together share one
    computation), today's (as_of on or after the pages' day) recomputed by the keeper's
    thread right after a commit, undo or verification (while that runs, a page is shown the
    figures before it with a note, lib.views.fresh.Keeper.serve); a value kept at the run's
    `version` is served without asking the store again. Callers get their own copy."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def kept(s: Store, version: str, *args, **kwargs):
        bound = signature.bind(s, version, *args, **kwargs)
        bound.apply_defaults()
        values = list(bound.arguments.values())[2:]
        as_of = bound.arguments.get("as_of")
        today = as_of is None or as_of >= figures_as_of(s)
        key = (fn.__qualname__, s.verified_only, *values)

        def compute():
            return fn(s, s.data_version(), *values)

        def serve(wait):
            return fresh.keeper(s).serve(key, compute, today=today, wait=wait, seen=version)

        return _copied(shown(serve))

    return kept


def shown(serve, note: bool = True):
    """The value of a kept figure as a page run shows it: serve(wait) (a Keeper.serve) under
    a spinner, waiting at most what is left of the run's wait (wait_left); the figures
    before the latest commit come with the stale note (note=False: none, the wall
    refreshes itself)."""
    with st.spinner(t("กำลังคำนวณ", "Computing")):
        served = serve(wait_left())
    if served.stale and note:
        stale_note()
    return served.value


def wait_left() -> float:
    """Seconds a page run may still wait for today's recomputed figures (Keeper.serve's wait):
    fresh.WAIT_SECONDS in all from its first kept figure, however many it shows (a page
    with four figures would otherwise wait four times while the server recomputes)."""
    until = once_per_run("_eis_fresh_wait_until", lambda: time.monotonic() + fresh.WAIT_SECONDS)
    return max(0.0, until - time.monotonic())


def shared(loader):
    """A st.cache_resource loader whose frames every session shares, each call getting its
    own shallow copy (_copied) instead of the unpickled copy of every value st.cache_data
    makes on each call: the catalogue and the map's reference frames are read several
    times in every run of the map and profile pages."""

    @functools.wraps(loader)
    def load(*args, **kwargs):
        return _copied(loader(*args, **kwargs))

    return load


def _copied(value):
    """A copy of a kept figure's frames (a page may change its own in place): shallow, as
    pandas copies on write (a change to the copy copies what it changes, never the kept
    frame), so a page's run does not copy every value of a large kept frame."""
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value


def stale_note() -> None:
    """Say (once per page run) that the figures shown are from before the latest commit and
    that newer ones are being computed; a button shows them when they are ready."""
    first: list[bool] = []
    once_per_run("_eis_stale_noted", lambda: first.append(True))
    if not first:
        return
    st.info(
        t(
            "⏳ มีข้อมูลบันทึกเข้ามาใหม่และกำลังคำนวณตัวเลขใหม่: ตัวเลขที่เห็นเป็นของก่อนการบันทึก"
            "ครั้งล่าสุด อีกครู่กดปุ่มด้านล่างเพื่อดูตัวเลขล่าสุด",
            "⏳ New data was committed and the figures are being recomputed: those shown are from "
            "before the latest commit. Press the button below in a moment to see the new ones.",
        )
    )
    st.button(t("แสดงตัวเลขล่าสุด", "Show the latest figures"), key="fresh_figures_reload")


@as_viewer_sees
@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs=STORE_KEY)
def profile_trend(
    s: Store,
    version: str,
    item_code: str,
    start,
    as_of,
    code: str,
    members: tuple[str, ...],
    language: str,
    frequency: str,
    aggregation: str,
    unit: str,
):
    """The province profile's trend chart of an item (lib.views.profile), drawn once per data
    version and shared by the sessions asking for the same one (st.plotly_chart copies a
    figure, it does not change it); a plotly figure is the costliest part of that page."""
    series = s.kpi_item_values([item_code], as_of, start, as_of)  # as lib.ui.item_series
    trend = profile_view.trend_frame(series, frequency, code, list(members), language, aggregation)
    return profile_view.trend_chart(trend, unit)


def districts_table(s: Store, version: str, province_code: str, as_of, language: str) -> pa.Table:
    """The province profile's table of its districts (lib.views.profile.districts_table) as
    the viewer sees it on as_of, as an Arrow table: worked out and converted once per data
    version, viewer and day, and shared by the sessions asking for the same one.
    st.dataframe sends an Arrow table as it is; a frame of a province's districts by 200
    items took 14 ms to convert to Arrow on every run of the page."""
    codes = readable_codes(s, version)  # the items the viewer may read (None: all)
    return _districts_table(seen_store(s), version, province_code, as_of, language, codes)


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs=STORE_KEY)
def _districts_table(
    s: Store, version: str, province_code: str, as_of, language: str, codes: tuple | None
) -> pa.Table:
    from lib.ui.upload import catalog_of

    districts = s.areas("district")
    districts = districts.loc[districts["parent_code"] == province_code]
    items = catalog_of(s, version, codes)  # the items the viewer may read, as visible_catalog
    latest = s.district_latest_values(province_code, as_of)  # s: as the viewer sees it
    table = profile_view.districts_table(districts, latest, items, language)
    return pa.Table.from_pandas(table, preserve_index=False)

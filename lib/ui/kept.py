"""Figures kept for every session by lib.views.fresh, for the pages' loaders (@kept_figure)."""

from __future__ import annotations

import functools
import inspect

import pandas as pd
import streamlit as st

from lib.core.settings import figures_as_of
from lib.store import Store
from lib.ui.core import t
from lib.views import fresh


def kept_figure(fn):
    """Serve fn(s, version, ..., as_of, ...) through lib.views.fresh instead of st.cache_data:
    computed once per data version for every session (sessions asking together share one
    computation), today's (as_of on or after the pages' day) recomputed by the keeper's
    thread right after a commit, undo or verification. Callers get their own copy."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def kept(s: Store, version: str, *args, **kwargs):
        bound = signature.bind(s, version, *args, **kwargs)
        bound.apply_defaults()
        values = list(bound.arguments.values())[2:]
        as_of = bound.arguments.get("as_of")
        today = as_of is None or as_of >= figures_as_of(s.get_meta("demo_as_of"))
        key = (fn.__qualname__, s.verified_only, *values)
        with st.spinner(t("กำลังคำนวณ", "Computing")):
            value = fresh.keeper(s).get(key, lambda: fn(s, s.data_version(), *values), today=today)
        return _copied(value)

    return kept


def _copied(value):
    """A copy of a kept figure's frames (a page may change its own in place)."""
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value

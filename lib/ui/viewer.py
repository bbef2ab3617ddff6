"""What the current viewer sees of the values: the store as it sees them, the home page's counts.

The rule lives in lib.services.catalogue (sees_unverified, values_seen_by,
readable_codes): the public reads verified values of published items only. Here
it is applied to the cached loaders, so pages need not ask: a loader marked
@as_viewer_sees gets the store as the viewer sees it (the public: its verified
view), and STORE_KEY keys a cached figure by the store's path and whether it is
that view, so the public and a signed-in account never share one.
"""

from __future__ import annotations

import dataclasses
from functools import wraps

import pandas as pd
import streamlit as st

from lib.store import Store
from lib.ui.access import current_user

STORE_KEY = {Store: lambda s: (s.path, s.verified_only)}


def seen_store(s: Store) -> Store:
    """The store as the current viewer sees its values (the public: verified values only)."""
    from lib.services import catalogue

    return catalogue.values_seen_by(s, current_user(s))


def as_viewer_sees(cached):
    """A cached loader called with seen_store(s) in place of s (the choice is in its key)."""

    @wraps(cached)
    def load(s: Store, *args, **kwargs):
        return cached(seen_store(s), *args, **kwargs)

    return load


def readable_codes(s: Store, version: str) -> tuple[str, ...] | None:
    """Codes of the items the current viewer may read; None when it reads every item."""
    return readable_codes_for(s, version, current_user(s))


def readable_codes_for(s: Store, version: str, user) -> tuple[str, ...] | None:
    """readable_codes of an account (None: the public), worked out once per data version and
    account, not on every rerun (the rule asks the permissions of every item)."""
    return _readable_codes(s, version, None if user is None else dataclasses.astuple(user))


@st.cache_data(max_entries=64, show_spinner=False)
def _readable_codes(_s: Store, version: str, account: tuple | None) -> tuple[str, ...] | None:
    from lib.services import auth, catalogue
    from lib.ui.upload import catalog

    user = None if account is None else auth.User(*account)
    codes = catalogue.readable_codes(catalog(_s, version), user)
    return None if codes is None else tuple(codes)


def load_summary(s: Store, version: str) -> pd.DataFrame:
    """Value cells by data group and province that the viewer may see (the public: verified
    values of published items), with the latest submission; cached per data version."""
    return _load_summary(seen_store(s), version, readable_codes(s, version))


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=STORE_KEY)
def _load_summary(s: Store, version: str, item_codes: tuple[str, ...] | None) -> pd.DataFrame:
    return s.load_summary(None if item_codes is None else list(item_codes))


def province_density(s: Store, version: str, item_code: str = "POP01") -> pd.DataFrame:
    """Registered population per km² by province from the latest population values the
    viewer may see (no values when it may not read the item); cached per data version."""
    codes = readable_codes(s, version)
    readable = codes is None or item_code in codes
    return _province_density(seen_store(s), version, item_code, readable)


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=STORE_KEY)
def _province_density(s: Store, version: str, item_code: str, readable: bool) -> pd.DataFrame:
    density = s.population_density(item_code)
    if readable:
        return density
    return density.assign(period=None, population=float("nan"), density=float("nan"))


@as_viewer_sees
@st.cache_data(max_entries=160, show_spinner=False, hash_funcs=STORE_KEY)
def district_latest(s: Store, version: str, province_code: str, as_of=None) -> pd.DataFrame:
    """Latest usable value of every district item per district of a province, as the viewer
    sees them and as known on as_of (Store.district_latest_values; cached per data version)."""
    return s.district_latest_values(province_code, as_of)

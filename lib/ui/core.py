"""Store handle, data version, language and formatting shared by every page."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.core import i18n
from lib.core import thaicalendar as tc
from lib.core.settings import store_location
from lib.services import bootstrap
from lib.store import Store

LANGS = i18n.LANGS


@st.cache_resource(show_spinner="กำลังเตรียมฐานข้อมูล (ครั้งแรกเท่านั้น) / Preparing the store")
def _store(location: str) -> Store:
    return bootstrap.open_store(location)


def store() -> Store:
    """The app's store, built from data/ on first start; one per process."""
    return _store(str(store_location()))


def once_per_run(name: str, make, mark=lambda: None):
    """make()'s value, made once per page run and held on the run's context under name (made
    again when mark() changes within the run); outside a run (the command line), every call
    makes it. For what a page asks from many places: under load, every store query of a run
    waits for the interpreter lock again."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return make()
    held = getattr(ctx, name, None)  # ctx.cursors: a new object every run
    if held is not None and held[0] is ctx.cursors and held[1] == mark():
        return held[2]
    value = make()
    setattr(ctx, name, (ctx.cursors, mark(), value))
    return value


def figures_as_of(s: Store):
    """The day the pages describe (Store.figures_as_of), read once per page run: the cockpit,
    map and profile ask for it with every kept figure."""
    return once_per_run("_eis_figures_as_of", s.figures_as_of, lambda: s.path)


def data_version(s: Store) -> str:
    """A small key that changes whenever observations change (cache key for figures).

    Read from the store once per script run (once_per_run); a commit made by this process
    during the run (Store.commits) reads it again; another's shows on the next run.
    """
    mark = (s.path, s.verified_only)
    return once_per_run("_eis_data_version", s.data_version, lambda: (*mark, s.commits))


def lang() -> str:
    """Language chosen in the URL (?lang=en); Thai by default."""
    return i18n.lang_or_default(st.query_params.get("lang"))


def t(th: str, en: str) -> str:
    """The Thai or English text, by the current language."""
    return i18n.pick((th, en), lang())


def language_switch() -> None:
    """A sidebar switch between Thai and English that lives in the URL."""
    english = st.sidebar.toggle("English", value=lang() == "en", key="lang_toggle")
    wanted = "en" if english else "th"
    if wanted != lang():
        st.query_params["lang"] = wanted
        st.rerun()


def name_col(prefix: str = "name") -> str:
    """Column holding names in the current language (name_th or name_en)."""
    return i18n.pick_column(prefix, lang())


def fmt_int(x) -> str:
    """A whole number with Thai-style grouping."""
    return tc.format_number_th(x, 0)


def client_origin() -> str:
    """Where a request comes from, for the audit log (the client's address when known)."""
    address = getattr(st.context, "ip_address", None)
    return f"app {address}" if address else "app"


def message(exc) -> str:
    """An exception's message in the current language (lib.core.i18n.message_of)."""
    return i18n.message_of(exc, lang())


def table(frame, key: str | None = None) -> None:
    """Draw a table a user reads: empty cells blank, formula-like text neutralised.

    The table's own toolbar download exports what is shown, so what is shown
    goes through lib.core.exporting (the one formula rule) first.
    """
    from lib.core.exporting import neutralise_frame

    st.dataframe(neutralise_frame(frame), hide_index=True, width="stretch", placeholder="", key=key)


def show_table(frame, columns, key: str | None = None, **options) -> None:
    """Draw the chosen columns with Thai/English headers and words (lib.views.tables)."""
    from lib.views.tables import display_table

    table(display_table(frame, columns, lang(), **options), key=key)


# -- what an action did, shown after the rerun that re-reads the state -----------
FLASH = "flash_messages"


def flash(where: str, kind: str, text: str) -> None:
    """Keep a message ('success', 'info', 'error') for the next run of the page, at `where`."""
    st.session_state.setdefault(FLASH, []).append((where, kind, text))


def show_flash(where: str) -> None:
    """Show (once) the messages kept for `where` by an action before its rerun."""
    kept = st.session_state.get(FLASH, [])
    for spot, kind, text in kept:
        if spot == where:
            getattr(st, kind)(text)
    st.session_state[FLASH] = [m for m in kept if m[0] != where]


def done(where: str, kind: str, text: str) -> None:
    """After an action: keep its message and rerun, so every part of the page re-reads the store."""
    flash(where, kind, text)
    st.rerun()

"""The past on every page: the day a page describes (?as_of= or a date picker) and its banner.

`view_as_of` gives the day: the URL's as_of (asof too: the cockpit writes it),
else for a signed-in user the sidebar's date picker (its choice goes into the
URL, so the link can be shared), else today (Store.figures_as_of). A
value that cannot be used is named, Thai first, and the page shows today.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.core.i18n import InputError
from lib.core.markdown import escape_markdown
from lib.services.auth.displays import DisplayViewer
from lib.store import Store
from lib.ui.core import figures_as_of, lang, t
from lib.views import past

AS_OF_KEYS = ("as_of", "asof")  # as_of: the way people type it; asof: the cockpit's links
PICKER_KEY = "view_as_of"


def url_as_of(today: date, problems: list | None = None) -> date:
    """The URL's as_of day; a value that cannot be used is named and today is used instead.

    With `problems` the reason (a lib.core.i18n.Text) is appended there for the
    caller to show (the cockpit's wall names them in its header); without it a
    warning is drawn here.
    """
    for key in AS_OF_KEYS:
        text = st.query_params.get(key)
        if not text:
            continue
        try:
            return past.parse_as_of(text, today)
        except InputError as exc:
            reason = past.refused_text(text, exc, key)
            if problems is None:
                st.warning(escape_markdown(t(*reason)))
            else:
                problems.append(reason)
            return today
    return today


def as_of_link_params() -> dict[str, str]:
    """The URL's as_of, for a link to another page that should show the same day."""
    for key in AS_OF_KEYS:
        if st.query_params.get(key):
            return {"as_of": str(st.query_params.get(key))}
    return {}


def _picked(today: date, drop: tuple[str, ...]) -> None:
    """The picker changed: the URL says the day (none for today), so the link can be shared.

    drop: URL keys that follow from the day and are chosen afresh (the cockpit's round).
    """
    day = st.session_state.get(PICKER_KEY) or today
    for key in (*AS_OF_KEYS, *drop):
        if key in st.query_params:
            del st.query_params[key]
    if day < today:
        st.query_params["as_of"] = past.url_text(day)


def as_of_picker(as_of: date, today: date, drop: tuple[str, ...] = ()) -> None:
    """A sidebar date picker of the day the page describes; a change rewrites the URL.

    drop: URL keys a new day clears (see _picked).
    """
    mark = f"_{PICKER_KEY}_url"
    if PICKER_KEY not in st.session_state or st.session_state.get(mark) != as_of:
        st.session_state[PICKER_KEY] = as_of  # the URL changed (a link): the picker follows
    st.session_state[mark] = as_of
    st.sidebar.date_input(
        t("ดูข้อมูล ณ วันที่ (ย้อนหลัง)", "Show data as known on"),
        min_value=past.EARLIEST,
        max_value=today,
        format="DD/MM/YYYY",
        key=PICKER_KEY,
        on_change=_picked,
        args=(today, drop),
        help=t(
            "เลือกวันที่ผ่านมาเพื่อดูตัวเลขตามที่รู้ ณ วันนั้น; ลิงก์ของหน้านี้จะจำวันที่ไว้",
            "Pick an earlier day to see the figures as known then; the page's link keeps it",
        ),
    )


def signed_in(user) -> bool:
    """True for a signed-in account (not the public, not a wall's display link)."""
    return user is not None and not isinstance(user, DisplayViewer)


def view_as_of(store: Store, user, *, problems: list | None = None, picker: bool = True):
    """(the day the page describes, True when it is before today).

    The URL's as_of, else today (Store.figures_as_of); a signed-in user
    also gets the sidebar's date picker (picker=False leaves it out, e.g. on
    the wall). `problems`: see url_as_of.
    """
    today = figures_as_of(store)
    as_of = url_as_of(today, problems)
    if picker and signed_in(user):
        as_of_picker(as_of, today)
    return as_of, as_of < today


def past_banner(as_of: date) -> None:
    """The banner of a view of the past: its day, what counts, and a link back to today."""
    with st.container(key="past_banner"):
        st.info(past.banner_text(as_of, lang()), icon="🕰️")
        if st.button(t("กลับไปดูข้อมูลวันนี้", "Back to today's figures"), key="past_to_today"):
            for key in AS_OF_KEYS:
                if key in st.query_params:
                    del st.query_params[key]
            st.session_state.pop(PICKER_KEY, None)
            st.rerun()

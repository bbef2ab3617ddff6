"""Cockpit (ห้องบัญชาการ): what needs a decision now, KPI tiles, data health and peers.

The view lives in the URL (?scope=21&fy=2569&round=12&lang=en&kpi=KPI04), so a
link sent in a LINE message opens the same view; ?wall=1&refresh=60&cycle=21,20
turns it into the war-room wall (one dark screen, large type, no menu; it
refreshes itself and pages through the tiles, then the scopes of the cycle).
?as_of=2569-10-15 (or the sidebar's date) shows the cockpit as known on that day,
with a KPI's figures then and now and the values that changed in between.
"""

import streamlit as st

from lib import ui

store = ui.store()
ui.require_page(ui.current_user(store), "cockpit")
q = ui.cockpit_query(store, ui.data_version(store))
if not q.wall:
    ui.language_switch()
    q = ui.cockpit_controls(store, ui.data_version(store), q)
ui.cockpit_style(q.wall)
ui.cockpit_problems(q)
if ui.empty_catalogue_notice(store, "cockpit"):  # no KPIs yet: how to enter them
    st.stop()
if q.as_of_given and not q.wall:  # a view of the past says so
    ui.past_banner(q.as_of)


def cockpit() -> None:
    """One scope's cockpit; the wall draws one screen of its own every refresh."""
    ui.require_scopes(store, [s.code for s in q.scopes()])  # a display link: its scopes only
    if q.wall:
        ui.cockpit_wall(store, q)
        return
    version = ui.data_version(store)  # a committed batch changes it: caches drop
    try:
        view = ui.cockpit_view(store, version, q.scope.code, q.fiscal_year, q.round_months, q.as_of)
    except ValueError as exc:
        st.error(ui.t(f"แสดงผลไม่ได้: {exc}", f"Cannot show this view: {exc}"))
        return
    ui.cockpit_header(view)
    ui.cockpit_exceptions(view)
    st.subheader(ui.t("ตัวชี้วัด", "Key performance indicators"))
    ui.cockpit_tiles(view, q.kpi)
    ui.cockpit_then_now(store, q, view)
    ui.cockpit_health(view, store)  # with the feeds that fail or are late
    ui.cockpit_peers(view)


ui.cockpit_run(cockpit, q)

"""Cockpit (ห้องบัญชาการ): what needs a decision now, KPI tiles, data health and peers.

The view lives in the URL (?scope=21&fy=2569&round=12&lang=en&kpi=KPI04), so a
link sent in a LINE message opens the same view; ?wall=1&refresh=60&cycle=21,20
turns it into the war-room wall (no menu, dark, large type, refreshes itself).
"""

import streamlit as st

from lib import ui
from lib.core.i18n import pick
from lib.views.cockpit import query

store = ui.store()
ui.require_page(ui.current_user(store), "cockpit")
q = ui.cockpit_query(store, ui.data_version(store))
if not q.wall:
    ui.language_switch()
    q = ui.cockpit_controls(store, ui.data_version(store), q)
ui.cockpit_style(q.wall)
for problem in q.problems:
    st.warning(pick(problem, ui.lang()))


def cockpit() -> None:
    """One scope's cockpit; on the wall this reruns every refresh and moves along the cycle."""
    tick = ui.cockpit_tick(q.wall)
    scope = query.cycle_scope(q, tick)
    version = ui.data_version(store)  # a committed batch changes it: caches drop
    try:
        view = ui.cockpit_view(store, version, scope.code, q.fiscal_year, q.round_months, q.as_of)
    except ValueError as exc:
        st.error(ui.t(f"แสดงผลไม่ได้: {exc}", f"Cannot show this view: {exc}"))
        return
    ui.cockpit_header(view, q, tick)
    ui.cockpit_exceptions(view, limit=6 if q.wall else 8)
    if q.kpi and not q.wall:
        ui.cockpit_detail(view, q.kpi)
    st.subheader(ui.t("ตัวชี้วัด", "Key performance indicators"))
    ui.cockpit_tiles(view, q.wall)
    ui.cockpit_health(view)
    ui.cockpit_peers(view)


ui.cockpit_run(cockpit, q)

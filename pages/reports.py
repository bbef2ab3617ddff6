"""Reports (รายงาน): the official forms out of the store as PDF or XLSX, ready to sign.

Pick the report (the per-indicator form, the KPI 4.4 coverage report, the
follow-up list per agency, the cockpit on one page), its area, fiscal year and
round; "สร้างรายงาน" makes it and offers the file. A KPI form's narrative fields
are written here by the KPI's owner agency; administrators schedule deliveries
by email and send one now. ?as_of=2569-10-15 (or the sidebar's date) makes the
reports as known on that day.
"""

import streamlit as st

from lib import ui

store = ui.store()
user = ui.current_user(store)
ui.require_page(user, "reports")
ui.language_switch()
as_of, past = ui.view_as_of(store, user)  # ?as_of=: the figures as known that day
if past:
    ui.past_banner(as_of)
st.title(ui.t("รายงาน", "Reports"))
if ui.empty_catalogue_notice(store, "reports"):  # no KPIs yet: how to enter them
    st.stop()
request = ui.reports_controls(store, user, as_of)
ui.reports_make(store, request)
if request.kind == "kpi-form" and request.kpi_code:
    ui.reports_narratives(store, user, request)
ui.reports_schedules(store, user, request)  # administrators only

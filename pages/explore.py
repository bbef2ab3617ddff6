"""Explore data (สำรวจข้อมูล): the catalogue as a searchable list and each item's page.

Deep link: ?item=FIN01 opens an item; ?item=FIN01&area=21&period=2569-08 also shows
every version of that value (lib.views.explore.cell_link builds it). The public sees
published items and verified values only.
"""

import streamlit as st

from lib import ui
from lib.views import explore

ui.language_switch()
store = ui.store()
if ui.empty_catalogue_notice(store, "explore"):  # no items yet: how to add them
    st.stop()
user = ui.current_user(store)
as_of, past = ui.view_as_of(store, user)  # ?as_of=: the past
if past:
    ui.past_banner(as_of)
catalog = ui.visible_catalog(store, user)  # the public: published items only
code, _, _ = explore.cell_from_query(st.query_params.to_dict())
rows = catalog.loc[catalog["code"] == code]
if code and rows.empty:  # unknown, or not readable by this viewer: the same words
    st.warning(ui.t(f"ไม่พบรายการข้อมูลรหัส {code}", f"No data item with code {code}"))
if rows.empty:
    st.title(ui.t("สำรวจข้อมูล", "Explore data"))
    ui.explore_list(catalog)
else:
    ui.explore_item(store, user, rows.iloc[0].to_dict(), as_of)

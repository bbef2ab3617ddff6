"""An XSS payload planted in names, for the tests that check it is shown as text."""

from __future__ import annotations

from lib.store import Store

PAYLOAD = '<img src=x onerror="window.__xss=1">'
# Narathiwat (96): last in code order, so its map path is the last one Leaflet draws.
PROVINCE = "96"
KPI = "KPI03"


def plant(store: Store) -> None:
    """Append the payload to a province's names and a KPI's names (one transaction each)."""
    areas = store.table_frame("areas")
    row = areas["code"] == PROVINCE
    areas.loc[row, "name_th"] = areas.loc[row, "name_th"] + " " + PAYLOAD
    areas.loc[row, "name_en"] = areas.loc[row, "name_en"] + " " + PAYLOAD
    kpis = store.table_frame("kpis")
    row = kpis["code"] == KPI
    kpis.loc[row, "name_th"] = kpis.loc[row, "name_th"] + " " + PAYLOAD
    store.replace_tables({"areas": areas, "kpis": kpis})

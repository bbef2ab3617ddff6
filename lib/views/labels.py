"""Words the cockpit, the map and the profile share: data-health measures, levels, lights."""

from __future__ import annotations

from lib.core.i18n import Text

# The four data-health figures of KPI 4.4, in the order the cockpit shows them.
HEALTH_LABELS = {
    "complete_pct": Text("ครบถ้วน", "Complete"),
    "correct_pct": Text("ถูกต้อง", "Correct"),
    "timely_pct": Text("ทันเหตุการณ์", "Timely"),
    "correct_and_timely_pct": Text("ถูกต้องและทันเหตุการณ์", "Correct and timely"),
}
HEALTH_COLUMNS = tuple(HEALTH_LABELS)
LEVEL_LABELS = {
    "country": Text("ประเทศ", "Country"),
    "region": Text("ภาค", "Region"),
    "cluster": Text("กลุ่มจังหวัด", "Provincial cluster"),
    "province": Text("จังหวัด", "Province"),
    "district": Text("อำเภอ", "District"),
}
LIGHT_LABELS = {
    "green": Text("เขียว", "green"),
    "amber": Text("เหลือง", "amber"),
    "red": Text("แดง", "red"),
}
NO_LIGHT_LABEL = Text("-", "-")

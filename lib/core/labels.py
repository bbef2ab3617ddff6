"""Words for the state of data, in Thai and English: one wording for every page and map.

The engine marks a KPI result unreliable with reason codes (``low_coverage``,
``unverified``, ``stale``); the map flags an area's figure (``stale``,
``unverified``, ``partial``, ``unreliable``); both show ``no_data``. The same
code reads the same everywhere: the cockpit's warnings, the map's tooltips and
table, and the legend rows that lib.geo.mapview draws.
"""

from __future__ import annotations

from lib.core.i18n import Text

FLAG_LABELS = {
    "no_data": Text("ไม่มีข้อมูล", "no data"),
    "low_coverage": Text("ข้อมูลไม่ครบถ้วน", "incomplete data (low coverage)"),
    "unverified": Text("ข้อมูลยังไม่ถูกต้อง/ยังไม่ผ่านการตรวจสอบ", "data not correct or not verified"),
    "stale": Text("ข้อมูลไม่ทันเหตุการณ์", "data out of date"),
    "partial": Text("ข้อมูลไม่ครบทุกพื้นที่", "not all areas reported"),
    "unreliable": Text("ข้อมูลไม่น่าเชื่อถือ", "unreliable data"),
}
NO_DATA = FLAG_LABELS["no_data"]
# The legend row of the dashed outline: any of the flags an area's figure may carry.
FLAGGED = Text("ไม่ทันเหตุการณ์/ยังไม่ตรวจสอบ/ไม่ครบ", "out of date / unverified / partial")

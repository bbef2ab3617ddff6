"""Text of the cockpit: a KPI tile's HTML card and a line of the exception list (escaped)."""

from __future__ import annotations

import html
from collections.abc import Mapping

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column, pick_from
from lib.core.labels import FLAG_LABELS
from lib.views.cockpit.charts import light_colour
from lib.views.cockpit.view import KIND_LABELS, reasons_text
from lib.views.labels import LIGHT_LABELS, NO_LIGHT_LABEL

TILE_WORDS = {
    "target": Text("เป้าหมาย", "Target"),
    "score": Text("คะแนน", "Score"),
    "weighted": Text("คะแนนถ่วงน้ำหนัก", "Weighted"),
    "weight": Text("น้ำหนัก", "Weight"),
    "change": Text("เทียบรอบก่อน", "vs previous round"),
}
EXCEPTION_MARKS = {"red": ":red[●]", "falling": ":orange[▼]", "overdue": ":violet[■]"}


def light_label(light: object, lang: str = "th") -> str:
    """'เขียว' / 'green' for a light; '-' for none."""
    return pick(LIGHT_LABELS.get(light, NO_LIGHT_LABEL), lang)  # type: ignore[arg-type]


def tile_html(row: Mapping, lang: str = "th") -> str:
    """The card of one KPI tile (escaped text; colours by light; change since last round)."""
    colour = light_colour(row["light"])
    name = pick_from({"name_th": row["kpi_name_th"], "name_en": row.get("name_en")}, "name", lang)
    unit = row.get(pick_column("unit", lang)) or ""
    warn = ""
    if not row["reliable"]:
        label = pick(FLAG_LABELS["unreliable"], lang)
        why = reasons_text(row["reasons"], lang)
        warn = f'<div class="ck-warn">⚠ {html.escape(label)}: {html.escape(why)}</div>'
    t = {k: pick(v, lang) for k, v in TILE_WORDS.items()}
    change = row.get("change_text") or ""
    if change:
        change = f'<div class="ck-line ck-change">{t["change"]} {html.escape(change)}</div>'
    light = html.escape(light_label(row["light"], lang))
    value = f"{html.escape(row['value_text'])} <small>{html.escape(str(unit))}</small>"
    return (
        f'<div class="ck-tile" style="border-left:10px solid {colour}">'
        f'<div class="ck-code">{html.escape(str(row["kpi_code"]))} · '
        f'<span style="color:{colour}">● {light}</span></div>'
        f'<div class="ck-name">{html.escape(str(name))}</div>'
        f'<div class="ck-value">{value}</div>'
        f'<div class="ck-line">{t["target"]} {html.escape(row["target_text"])} · '
        f"{t['weight']} {tc.format_number_th(row['weight_pct'], 0)}%</div>"
        f'<div class="ck-line">{t["score"]} <b class="ck-score">{row["score_text"]}</b> · '
        f"{t['weighted']} <b>{row['weighted_text']}</b></div>{change}{warn}</div>"
    )


def exception_label(row: Mapping, lang: str = "th") -> str:
    """One line of the exception list (markdown), with a coloured marker."""
    kind = pick(KIND_LABELS[row["kind"]], lang)
    return (
        f"{EXCEPTION_MARKS[row['kind']]} **{kind}** · {row['code']} {row['name']} — {row['text']}"
    )

"""Text of the cockpit: a KPI tile's HTML card, its sparkline and the exception list (escaped)."""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column, pick_from
from lib.core.labels import FLAG_LABELS
from lib.engine.scoring import format_score
from lib.views.cockpit.charts import light_colour
from lib.views.cockpit.query import round_label
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
EXCEPTION_HTML_MARKS = {
    "red": '<b style="color:#ff5a4f">●</b>',
    "falling": '<b style="color:#f0a202">▼</b>',
    "overdue": '<b style="color:#c39bd3">■</b>',
}
SPARK_W, SPARK_H, SPARK_MAX = 120, 28, 5.0  # viewBox of a sparkline; scores run 0..5


def sparkline_svg(trend: pd.DataFrame, lang: str = "th") -> str:
    """A KPI's score over the history rounds (0..5) as a small inline SVG that scales with its tile.

    Each round is a dot in its light's colour, with the round and score as its tooltip.

    >>> t = pd.DataFrame({"fiscal_year": [2568, 2569], "round_months": [12, 6],
    ...     "score": [2.0, 4.0], "light": ["red", "green"]})
    >>> svg = sparkline_svg(t)
    >>> svg.count("<circle"), "2569/6 ด.: 4.0000" in svg
    (2, True)
    """
    if trend.empty:
        return ""
    n, pad = len(trend), 4
    points = []
    for i, r in enumerate(trend.to_dict("records")):
        if r["score"] is None or pd.isna(r["score"]):
            continue
        x = pad + (SPARK_W - 2 * pad) * (i + 0.5) / n
        share = min(max(float(r["score"]), 0.0), SPARK_MAX) / SPARK_MAX
        y = SPARK_H - pad - (SPARK_H - 2 * pad) * share
        when = round_label(r["fiscal_year"], r["round_months"], lang)
        tip = f"{when}: {format_score(r['score'])}"
        points.append((x, y, light_colour(r["light"]), html.escape(tip)))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{c}"><title>{tip}</title></circle>'
        for x, y, c, tip in points
    )
    return (
        f'<svg class="ck-spark" viewBox="0 0 {SPARK_W} {SPARK_H}" role="img">'
        f'<polyline points="{line}" fill="none" stroke="#7f8c9a" stroke-width="1.5"/>{dots}</svg>'
    )


def light_label(light: object, lang: str = "th") -> str:
    """'เขียว' / 'green' for a light; '-' for none."""
    return pick(LIGHT_LABELS.get(light, NO_LIGHT_LABEL), lang)  # type: ignore[arg-type]


def tile_html(row: Mapping, lang: str = "th", spark: str = "") -> str:
    """The card of one KPI tile (escaped text; colours by light; change since last round).

    spark: the tile's sparkline (sparkline_svg), drawn at the card's foot.
    """
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
        f"{t['weighted']} <b>{row['weighted_text']}</b></div>{change}{warn}{spark}</div>"
    )


def exception_label(row: Mapping, lang: str = "th") -> str:
    """One line of the exception list (markdown), with a coloured marker."""
    kind = pick(KIND_LABELS[row["kind"]], lang)
    return (
        f"{EXCEPTION_MARKS[row['kind']]} **{kind}** · {row['code']} {row['name']} — {row['text']}"
    )


def exception_html(row: Mapping, lang: str = "th") -> str:
    """One line of the exception list as escaped HTML (the wall), with a coloured marker."""
    kind = html.escape(pick(KIND_LABELS[row["kind"]], lang))
    name = html.escape(f"{row['code']} {row['name']}")
    return (
        f"<li>{EXCEPTION_HTML_MARKS[row['kind']]} <b>{kind}</b> · {name} — "
        f"{html.escape(str(row['text']))}</li>"
    )

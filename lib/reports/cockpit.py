"""A scope's cockpit on one landscape page (ห้องบัญชาการ) for meetings: what the screen says.

It is built from the cockpit's own view model, assembled exactly as the page
does (lib.views.cockpit.view.cockpit_view with figures.load_round_figures as the
round loader, without the page's cache): the composite score with its light,
the KPI tiles as a table (result, target, score, weighted score to 4 decimals,
the light as a fill with its word, reliable or why not), the exceptions (red or
unreliable KPIs, falling KPIs, overdue data) and the data health (complete,
correct, timely, correct and timely %, the KPI 4.4 level, by data group).
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_from
from lib.core.labels import FLAG_LABELS
from lib.engine import methods
from lib.engine.scoring import format_score
from lib.reports.coverage import footer, scope_of
from lib.reports.document import LIGHTS, Cell, Document, Fields, Heading, Paragraph, Section, Table
from lib.views.cockpit import figures, query, tiles
from lib.views.cockpit.view import KIND_LABELS, CockpitView, cockpit_view, reasons_text
from lib.views.labels import HEALTH_LABELS

EXCEPTIONS_SHOWN = 8  # on one page; the rest are counted
TILE_HEADERS = (
    Text("ตัวชี้วัด", "KPI"),
    Text("น้ำหนัก (%)", "Weight (%)"),
    Text("ผล", "Result"),
    Text("เป้าหมาย", "Target"),
    Text("คะแนน", "Score"),
    Text("คะแนนถ่วงน้ำหนัก", "Weighted score"),
    Text("สัญญาณไฟ", "Light"),
    Text("ความน่าเชื่อถือ", "Reliability"),
)


def view_of(store, area_code: str, fiscal_year: int, round_months: int, as_of) -> CockpitView:
    """The cockpit's CockpitView of a scope and round (the page's assembly, uncached)."""
    scope = scope_of(store, area_code)
    loader = partial(figures.load_round_figures, store)
    return cockpit_view(store, scope, fiscal_year, round_months, as_of, loader)


def _fill(light) -> str | None:
    """A light as a cell fill (None for no light)."""
    return light if light in LIGHTS else None


def _reliability(row: dict, lang: str) -> str:
    """'น่าเชื่อถือ' or the unreliable label with its reasons."""
    if bool(row["reliable"]):
        return pick(Text("น่าเชื่อถือ", "reliable"), lang)
    return f"{pick(FLAG_LABELS['unreliable'], lang)}: {reasons_text(row['reasons'], lang)}"


def tiles_table(view: CockpitView, lang: str) -> Table:
    """One row per KPI tile, with a total row of the weights and weighted scores."""
    rows = []
    for r in view.tiles.to_dict("records"):
        name = pick_from({"name_th": r["kpi_name_th"], "name_en": r.get("name_en")}, "name", lang)
        decimals = 0 if r["method"] == methods.MILESTONE else 2
        rows.append(
            (
                f"{r['kpi_code']} {name}",
                Cell(float(r["weight_pct"]), decimals=0),
                Cell(None if pd.isna(r["result"]) else float(r["result"]), decimals=decimals),
                Cell(None if pd.isna(r["target"]) else float(r["target"]), decimals=decimals),
                Cell(None if pd.isna(r["score"]) else float(r["score"]), decimals=4),
                Cell(None if pd.isna(r["weighted_score"]) else float(r["weighted_score"]), 4),
                Cell(tiles.light_label(r["light"], lang), fill=_fill(r["light"])),
                _reliability(r, lang),
            )
        )
    weights = float(view.tiles["weight_pct"].sum())
    total = pick(Text("คะแนนรวมถ่วงน้ำหนัก", "Composite score"), lang)
    light = view.composite_light
    rows.append(
        (
            Cell(total, bold=True),
            Cell(weights, 0, bold=True),
            "",
            "",
            "",
            Cell(view.composite, 4, bold=True),
            Cell(tiles.light_label(light, lang), fill=_fill(light), bold=True),
            "",
        )
    )
    columns = tuple(pick(h, lang) for h in TILE_HEADERS)
    return Table(columns, tuple(rows), None, (6, 1, 1.2, 1.2, 1.1, 1.3, 1, 3.2))


def exceptions_block(view: CockpitView, lang: str) -> list:
    """The exceptions, most severe first (at most EXCEPTIONS_SHOWN, the rest counted)."""
    rows = view.exceptions(lang)
    heading = Heading(
        pick(Text(f"ต้องตัดสินใจ ({len(rows)} เรื่อง)", f"Needs a decision ({len(rows)})"), lang)
    )
    if rows.empty:
        return [heading, Paragraph(pick(Text("ไม่มีเรื่องเร่งด่วน", "Nothing urgent"), lang))]
    body = tuple(
        (
            Cell(pick(KIND_LABELS[r["kind"]], lang), fill=_fill(r["light"])),
            f"{r['code']} {r['name']}",
            r["text"],
        )
        for r in rows.head(EXCEPTIONS_SHOWN).to_dict("records")
    )
    columns = tuple(
        pick(t, lang)
        for t in (Text("เรื่อง", "Kind"), Text("รายการ", "What"), Text("รายละเอียด", "Detail"))
    )
    blocks = [heading, Table(columns, body, None, (2, 5, 7))]
    if len(rows) > EXCEPTIONS_SHOWN:
        more = len(rows) - EXCEPTIONS_SHOWN
        blocks.append(Paragraph(pick(Text(f"และอีก {more} เรื่อง", f"and {more} more"), lang)))
    return blocks


def health_table(view: CockpitView, lang: str) -> Table:
    """Data health of the scope and of each data group: the four percentages (and the level)."""
    label = pick(Text("ทุกกลุ่มข้อมูล", "All data groups"), lang)
    level = view.health.get("milestone_level")
    rows = [
        (
            Cell(label, bold=True),
            *(Cell(_num(view.health.get(c)), 1, bold=True) for c in HEALTH_LABELS),
            Cell(None if level is None or pd.isna(level) else int(level), bold=True),
        )
    ]
    for g in view.groups.to_dict("records"):
        rows.append(
            (
                pick_from(g, "group_name", lang),
                *(Cell(_num(g.get(c)), 1) for c in HEALTH_LABELS),
                "",
            )
        )
    columns = (
        pick(Text("กลุ่มข้อมูล", "Data group"), lang),
        *(pick(HEALTH_LABELS[c], lang) + " %" for c in HEALTH_LABELS),
        pick(Text("ระดับ มท. 4.4", "MOI 4.4 level"), lang),
    )
    caption = pick(Text("คุณภาพข้อมูล (ตัวชี้วัด มท. 4.4)", "Data health (MOI KPI 4.4)"), lang)
    return Table(columns, tuple(rows), caption, (4, 1.3, 1.3, 1.3, 1.6, 1.3))


def _num(value):
    """A float, or None for a missing figure."""
    return None if value is None or pd.isna(value) else float(value)


def document(store, request) -> Document:
    """The one-page cockpit of a checked ReportRequest."""
    lang, fy, rnd, as_of = request.lang, request.fiscal_year, request.round_months, request.as_of
    view = view_of(store, request.area_code, fy, rnd, as_of)
    name = view.scope.label(lang)
    title = pick(Text("ห้องบัญชาการ: ", "Cockpit: "), lang) + name
    subtitle = f"{query.round_title(fy, rnd, lang)} · " + pick(Text("ข้อมูล ณ ", "data as of "), lang)
    subtitle += tc.thai_date(as_of, lang)
    composite = Fields(
        (
            (
                pick(Text("คะแนนรวมถ่วงน้ำหนัก", "Composite score"), lang),
                f"{format_score(view.composite)} ({tiles.light_label(view.composite_light, lang)})",
            ),
        )
    )
    blocks = (
        Heading(title, 1),
        Paragraph(subtitle),
        composite,
        tiles_table(view, lang),
        *exceptions_block(view, lang),
        health_table(view, lang),
    )
    return Document(
        title=title,
        sections=(Section(pick(Text("ห้องบัญชาการ", "Cockpit"), lang), blocks),),
        subtitle=subtitle,
        footer=footer(as_of, lang),
        lang=lang,
        landscape=True,
        one_page=True,
        file_stem=f"cockpit-{view.scope.code}-{fy}-{rnd}",
        meta={"kind": "cockpit", "area": view.scope.code, "fiscal_year": fy, "round": rnd},
    )

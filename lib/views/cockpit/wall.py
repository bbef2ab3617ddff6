"""The war-room wall (?wall=1): one screen, no scrolling, paged tiles, dark, large type (pure).

The wall is one HTML block laid over the whole window (a CSS grid sized in
viewport units), so the same screen fits 1920x1080 and 1366x768 alike:
the header with the composite score, what needs a decision, the data health
and a page of KPI tiles. When a scope has more tiles than a page holds, each
refresh shows the next page, then the next scope of the cycle (`next_screen`).
All text is escaped.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick
from lib.engine.scoring import format_score
from lib.views.cockpit import tiles as tl
from lib.views.cockpit.charts import light_colour
from lib.views.cockpit.query import CockpitQuery, Scope, round_title
from lib.views.labels import HEALTH_COLUMNS, HEALTH_LABELS

TILES_PER_PAGE = 15  # 5 columns x 3 rows fit a 16:9 screen at wall type size
WALL_EXCEPTIONS = 6  # lines of the exception list; the rest are counted
WORDS = {
    "title": Text("ห้องบัญชาการ: ", "Cockpit: "),
    "composite": Text("คะแนนรวมถ่วงน้ำหนัก", "Composite score"),
    "as_of": Text("ข้อมูล ณ ", "data as of "),
    "refreshed": Text("ปรับปรุงเมื่อ ", "refreshed at "),
    "page": Text("ตัวชี้วัด หน้า", "KPIs page"),
    "needs": Text("ต้องตัดสินใจ", "Needs a decision"),
    "nothing": Text("ไม่มีเรื่องเร่งด่วน", "Nothing urgent"),
    "more": Text("และอีก {} เรื่อง", "and {} more"),
    "health": Text("คุณภาพข้อมูล (ตัวชี้วัด มท. 4.4)", "Data health (MOI KPI 4.4)"),
    "milestone": Text("ขั้นตอนที่ผ่าน", "Milestone step"),
    "group": Text("กลุ่มข้อมูล", "Data group"),
}


# ---------------------------------------------------------------- paging


@dataclass(frozen=True)
class WallScreen:
    """What the wall shows now: the scope_index-th scope of the cycle, page of its tiles."""

    scope_index: int = 0
    page: int = 0


def tile_pages(n_tiles: int, per_page: int = TILES_PER_PAGE) -> int:
    """How many pages n_tiles take (at least 1).

    >>> tile_pages(13), tile_pages(16), tile_pages(0)
    (1, 2, 1)
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    return max(1, math.ceil(n_tiles / per_page))


def page_rows(frame: pd.DataFrame, page: int, per_page: int = TILES_PER_PAGE) -> pd.DataFrame:
    """The tiles of one page; pages are balanced (16 tiles: 8 and 8, not 15 and 1).

    >>> [len(page_rows(pd.DataFrame({"k": range(16)}), p)) for p in (0, 1)]
    [8, 8]
    """
    pages = tile_pages(len(frame), per_page)
    size = math.ceil(len(frame) / pages) if len(frame) else 0
    page = page % pages
    return frame.iloc[page * size : (page + 1) * size]


def first_screen(q: CockpitQuery) -> WallScreen:
    """The first screen: the URL's scope when it is in the cycle, else the cycle's first."""
    scopes = q.scopes()
    return WallScreen(scopes.index(q.scope) if q.scope in scopes else 0, 0)


def next_screen(q: CockpitQuery, screen: WallScreen, pages: int) -> WallScreen:
    """The screen after this one: the next page of tiles, else the next scope's first page.

    pages: how many pages the shown scope's tiles took.
    """
    if screen.page + 1 < pages:
        return WallScreen(screen.scope_index, screen.page + 1)
    return WallScreen((screen.scope_index + 1) % len(q.scopes()), 0)


def screen_scope(q: CockpitQuery, screen: WallScreen) -> Scope:
    """The scope a screen shows."""
    scopes = q.scopes()
    return scopes[screen.scope_index % len(scopes)]


# ---------------------------------------------------------------- HTML


def _header(view, q: CockpitQuery, screen: WallScreen, pages: int, now: str, lang: str) -> str:
    w = {k: pick(v, lang) for k, v in WORDS.items()}
    light = html.escape(tl.light_label(view.composite_light, lang))
    colour = light_colour(view.composite_light)
    n = len(q.scopes())
    status = (
        f"{html.escape(view.scope.code)} · {screen.scope_index % n + 1}/{n} · "
        f"{w['page']} {screen.page % pages + 1}/{pages} · {w['refreshed']}{html.escape(now)}"
    )
    problems = "".join(
        f'<div class="ck-problem">⚠ {html.escape(pick(p, lang))}</div>' for p in q.problems
    )
    return (
        '<header class="ck-head"><div class="ck-head-title">'
        f"<h1>{html.escape(pick(WORDS['title'], lang) + view.scope.label(lang))}</h1>"
        f"<div><b>{html.escape(round_title(view.fiscal_year, view.round_months, lang))}</b> · "
        f"{w['as_of']}{html.escape(tc.thai_date(view.as_of, lang=lang))}</div>{problems}</div>"
        f'<div class="ck-composite"><div class="ck-label">{w["composite"]}</div>'
        f'<div class="ck-big">{format_score(view.composite)} '
        f'<span style="color:{colour}">● {light}</span></div>'
        f'<div class="ck-status">{status}</div></div></header>'
    )


def _exceptions(view, lang: str, limit: int) -> str:
    rows = view.exceptions(lang)
    title = f"{pick(WORDS['needs'], lang)} ({len(rows)})"
    if rows.empty:
        body = f'<p class="ck-ok">✓ {html.escape(pick(WORDS["nothing"], lang))}</p>'
    else:
        items = "".join(tl.exception_html(r, lang) for r in rows.head(limit).to_dict("records"))
        more = len(rows) - limit
        tail = (
            f'<p class="ck-more">{pick(WORDS["more"], lang).format(more)}</p>' if more > 0 else ""
        )
        body = f"<ul>{items}</ul>{tail}"
    return f'<section class="ck-panel ck-exceptions"><h2>{html.escape(title)}</h2>{body}</section>'


def _health(view, lang: str) -> str:
    h = view.health
    boxes = "".join(
        f'<div class="ck-metric"><div class="ck-label">{html.escape(pick(HEALTH_LABELS[c], lang))}'
        f'</div><div class="ck-mvalue">{tc.format_pct(h.get(c), 1)}</div></div>'
        for c in HEALTH_COLUMNS
    )
    step = html.escape(str(h.get("milestone_level", "-")))
    boxes += (
        f'<div class="ck-metric"><div class="ck-label">{pick(WORDS["milestone"], lang)}</div>'
        f'<div class="ck-mvalue">{step}</div></div>'
    )
    name = f"group_name_{lang}"
    head = "".join(f"<th>{html.escape(pick(HEALTH_LABELS[c], lang))}</th>" for c in HEALTH_COLUMNS)
    body = "".join(
        f"<tr><td>{html.escape(str(g.get(name) or g.get('group_name_th') or ''))}</td>"
        + "".join(f"<td>{tc.format_pct(g.get(c), 1)}</td>" for c in HEALTH_COLUMNS)
        + "</tr>"
        for g in view.groups.to_dict("records")
    )
    table = (
        f'<table class="ck-table"><thead><tr><th>{pick(WORDS["group"], lang)}</th>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table>"
    )
    title = html.escape(pick(WORDS["health"], lang))
    return (
        f'<section class="ck-panel ck-health"><h2>{title}</h2>'
        f'<div class="ck-metrics">{boxes}</div>{table}</section>'
    )


def _tiles(view, screen: WallScreen, lang: str) -> str:
    cards = []
    for row in page_rows(view.tiles, screen.page).to_dict("records"):
        trend = view.trends.loc[view.trends["kpi_code"] == row["kpi_code"]]
        cards.append(tl.tile_html(row, lang, tl.sparkline_svg(trend, lang)))
    return f'<section class="ck-tiles">{"".join(cards)}</section>'


def wall_html(view, q: CockpitQuery, screen: WallScreen, now: str, lang: str = "th") -> str:
    """The whole wall of one screen: header, exceptions, data health and a page of tiles.

    now: the refresh time shown in the status line (HH:MM:SS).
    """
    pages = tile_pages(len(view.tiles))
    return (
        f'<div class="ck-wall" lang="{html.escape(lang)}">'
        f"{_header(view, q, screen, pages, now, lang)}"
        f'<div class="ck-body"><div class="ck-side">{_exceptions(view, lang, WALL_EXCEPTIONS)}'
        f"{_health(view, lang)}</div>{_tiles(view, screen, lang)}</div></div>"
    )

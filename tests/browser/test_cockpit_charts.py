"""Cockpit charts legible in Chromium at 1000, 1366 and 1920 px: whole tick labels, units, names.

plotly.js draws the charts; with Streamlit's theme off it clipped tick labels
to their margins ("100" read "0", a province's name one letter), and the x
labels hid under the axis title. Each chart's tick texts are read from the SVG
with their boxes: they must differ, carry units, name areas in full and lie
inside the chart, clear of the axis title.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

SIZES = [(1000, 800), (1366, 768), (1920, 1080)]
CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => {
  const box = r => { const b = r.getBoundingClientRect();
    return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const ticks = sel => [...el.querySelectorAll(sel)].map(t => ({text: t.textContent, ...box(t)}));
  const key = [...(el.closest('[class*="st-key-"]') || {classList: []}).classList]
    .find(c => c.startsWith('st-key-')) || '';
  const title = el.querySelector('.g-xtitle text');
  return {key: key.slice(7), svg: box(el.querySelector('.main-svg')),
          x: ticks('.xtick text'), y: ticks('.ytick text'), xtitle: title ? box(title) : null};
})"""


def legible(chart: dict, numeric: str, names: str) -> list[str]:
    """What is wrong with a chart: its numeric axis, its names' axis, clipping, overlaps."""
    wrong = []
    values = [t["text"] for t in chart[numeric]]
    if len(set(values)) < 3:
        wrong.append(f"{chart['key']}: {numeric} ticks {values} are not distinct values")
    labels = [t["text"] for t in chart[names]]
    if not labels or any(len(x.strip()) < 2 for x in labels):
        wrong.append(f"{chart['key']}: {names} labels {labels} are not whole names")
    svg = chart["svg"]
    for t in chart["x"] + chart["y"]:
        if t["l"] < svg["l"] - 1 or t["r"] > svg["r"] + 1 or t["t"] < svg["t"] - 1:
            wrong.append(f"{chart['key']}: tick {t['text']!r} is cut by the chart's edge")
        if t["b"] > svg["b"] + 1:
            wrong.append(f"{chart['key']}: tick {t['text']!r} is cut by the chart's edge")
    title = chart["xtitle"]
    if title and any(t["b"] > title["t"] + 1 for t in chart["x"]):
        wrong.append(f"{chart['key']}: x labels hide under the axis title")
    return wrong


def read_charts(page) -> dict[str, dict]:
    """Tick texts and boxes of every cockpit chart, by its Streamlit key."""
    page.wait_for_timeout(500)  # plotly.js lays the ticks out after the fonts load
    return {c["key"]: c for c in page.evaluate(CHARTS) if c["x"] or c["y"]}


@pytest.fixture
def cockpit(page, wait_for_app):
    page.goto("/cockpit?scope=21")
    wait_for_app(page)
    sign_in(page, "gov21")  # an executive
    wait_for_app(page)
    expect(page.locator(".st-key-peers .xtick").first).to_be_attached(timeout=120_000)
    page.evaluate("document.fonts.ready")
    return page


def test_cockpit_charts_are_legible_at_every_width(cockpit, wait_for_app, traffic, screenshot):
    page, wrong = cockpit, []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        charts = read_charts(page)
        assert {"groups", "peers"} <= set(charts), charts.keys()
        wrong += legible(charts["groups"], "x", "y")
        wrong += legible(charts["peers"], "x", "y")
        assert {t["text"] for t in charts["groups"]["x"]} >= {"0%", "50%", "100%"} or {
            t["text"] for t in charts["groups"]["x"]
        } >= {"0%", "40%", "80%"}
        assert {"ระยอง", "ชลบุรี"} <= {t["text"] for t in charts["peers"]["y"]}
        assert "เศรษฐกิจ" in {t["text"] for t in charts["groups"]["y"]}
        screenshot(page, f"cockpit_{width}x{height}")
    assert wrong == []

    # "รายละเอียด" of a tile far down the page opens the KPI where the user is looking
    page.set_viewport_size({"width": 1000, "height": 800})
    button = page.locator(".st-key-open_KPI11 button")
    button.scroll_into_view_if_needed()
    scrolled = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")
    assert scrolled > 800  # the tiles are well below the top of the page
    button.click()
    wait_for_app(page)
    detail = page.locator("[role=dialog] .st-key-cockpit_detail")
    expect(detail).to_be_visible()
    box = detail.bounding_box()
    assert 0 <= box["y"] < 800, box  # on screen, not at the top of a scrolled-away page
    expect(page.get_by_role("dialog")).to_contain_text("KPI11")
    expect(page.locator(".st-key-trend_KPI11 .ytick").first).to_be_attached()
    trend = read_charts(page)["trend_KPI11"]
    assert legible(trend, "y", "x") == []
    assert any(t["text"].startswith("2569/") for t in trend["x"])  # Buddhist years
    screenshot(page, "cockpit_detail_1000x800")
    page.get_by_role("button", name="ปิด").click()
    wait_for_app(page)
    expect(page.locator("[role=dialog]")).to_have_count(0)
    assert "kpi=" not in page.url
    assert traffic.blocked == []


def test_cockpit_charts_speak_english_when_switched(cockpit, wait_for_app):
    page = cockpit
    page.set_viewport_size({"width": 1000, "height": 800})
    page.locator("[data-testid=stSidebar]").get_by_text("English").click()
    wait_for_app(page)
    expect(page.locator("h1").first).to_contain_text("Cockpit: Province Rayong")
    expect(page.locator(".st-key-peers .ytick").first).to_be_attached(timeout=120_000)
    charts = read_charts(page)
    assert {"Rayong", "Chon Buri"} <= {t["text"] for t in charts["peers"]["y"]}
    assert "Economy" in {t["text"] for t in charts["groups"]["y"]}
    assert legible(charts["groups"], "x", "y") + legible(charts["peers"], "x", "y") == []

"""The cockpit's wall mode in Chromium: one dark screen at 1920x1080 and 1366x768, offline,
no menu, nothing below the fold; it refreshes itself and cycles through its scopes."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import sign_in

WALL = "/cockpit?wall=1&refresh=8&cycle=21,20"
STATUS = ".ck-wall .ck-status"
DARK = "rgb(11, 15, 23)"  # #0b0f17, the wall's background
PANEL = "rgb(22, 28, 41)"  # #161c29, panels, tiles and tables
SIZES = [(1920, 1080), (1366, 768)]
# Everything the wall must show, each inside the window and not cut by its panel.
FIT = """() => {
  const inside = (el, box) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1
      && r.left >= box.left - 1 && r.right <= box.right + 1; };
  const view = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  const out = [];
  const parts = ['.ck-head h1', '.ck-big', '.ck-exceptions', '.ck-health', '.ck-tiles'];
  for (const sel of parts) {
    const el = document.querySelector(sel);
    if (!el || !inside(el, view)) out.push(sel + ' is not on screen');
  }
  for (const sel of ['.ck-tiles', '.ck-health', '.ck-tile']) {
    for (const el of document.querySelectorAll(sel)) {
      const cut = el.scrollHeight > el.clientHeight + 1;
      if (cut) out.push(sel + ' is cut: ' + el.textContent.slice(0, 30));
    }
  }
  const tiles = document.querySelector('.ck-tiles').getBoundingClientRect();
  for (const el of document.querySelectorAll('.ck-tile, .ck-exceptions li, .ck-table tr')) {
    if (!inside(el, view)) out.push('off screen: ' + el.textContent.slice(0, 30));
  }
  const main = document.querySelector('[data-testid=stMain]');
  return {problems: out, scroll: [document.documentElement.scrollHeight, main.scrollHeight,
          document.scrollingElement.scrollHeight], height: innerHeight,
          tiles: document.querySelectorAll('.ck-tile').length, tilesHeight: tiles.height,
          font: parseFloat(getComputedStyle(document.querySelector('.ck-wall')).fontSize),
          table: getComputedStyle(document.querySelector('.ck-table td')).backgroundColor,
          tableText: getComputedStyle(document.querySelector('.ck-table td')).color};
}"""


def test_cockpit_wall_fits_one_screen_refreshes_and_cycles(page, traffic, wait_for_app, screenshot):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(WALL)
    wait_for_app(page)
    sign_in(page, "gov21")  # the form shows in place; the wall's URL is kept
    wait_for_app(page)
    status = page.locator(STATUS)
    expect(status).to_contain_text("21 · 1/2", timeout=120_000)  # a cold first render
    expect(page.locator(".ck-wall h1")).to_contain_text("ระยอง")
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_hidden()
    page.wait_for_function(
        "() => [...document.fonts].some(f => f.family.replace(/['\"]/g, '') === 'Sarabun'"
        " && f.status === 'loaded')"
    )
    for selector in ("[data-testid=stApp]", ".ck-wall"):
        background = page.evaluate(
            f"() => getComputedStyle(document.querySelector('{selector}')).backgroundColor"
        )
        assert background == DARK, selector
    font = page.evaluate("() => getComputedStyle(document.querySelector('.ck-wall')).fontFamily")
    assert "Sarabun" in font

    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # one layout pass
        fit = page.evaluate(FIT)
        assert fit["problems"] == [], (width, fit["problems"])
        assert max(fit["scroll"]) <= fit["height"] == height, fit  # nothing below the fold
        assert fit["tiles"] == 13  # all of the demo's KPIs on one page
        assert fit["table"] == PANEL and fit["tableText"] == "rgb(242, 242, 242)"  # dark tables
        assert fit["font"] >= height / 60  # type scales with the screen: 18 px at 1080
        shot = screenshot(page, f"cockpit_wall_{width}x{height}")
        assert shot.stat().st_size > 10_000

    # The fragment reruns by itself every 8 s and moves on to the next scope of the cycle:
    # 21 (seen above), then 20, then 21 again. (Reading the text "now" would race the wall.)
    expect(status).to_contain_text("20 · 2/2", timeout=60_000)
    expect(page.locator(".ck-wall h1")).to_contain_text("ชลบุรี")
    expect(status).to_contain_text("21 · 1/2", timeout=60_000)  # and round again
    assert page.evaluate(FIT)["problems"] == []

    traffic.save("cockpit_wall")
    assert traffic.blocked == [], f"requests tried to leave the machine: {traffic.blocked}"
    hosts = {urlsplit(r["url"]).hostname for r in traffic.responses}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts

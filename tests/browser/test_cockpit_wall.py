"""The cockpit's wall mode in Chromium: offline, dark, no menu, refreshes itself and cycles."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import sign_in

WALL = "/cockpit?wall=1&refresh=8&cycle=21,20"
STATUS = ".st-key-cockpit_status"
DARK = "rgb(11, 15, 23)"  # #0b0f17, the wall's background


def test_cockpit_wall_refreshes_offline(page, traffic, wait_for_app, screenshot):
    page.goto(WALL)
    wait_for_app(page)
    sign_in(page, "gov21")  # the form shows in place; the wall's URL is kept
    wait_for_app(page)
    status = page.locator(STATUS)
    expect(status).to_contain_text("21 · 1/2", timeout=120_000)  # a cold first render
    expect(page.locator("h1").first).to_contain_text("ระยอง")
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_hidden()
    # plotly.js comes with Streamlit's own bundle and draws the sparklines with the Thai font
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.locator(".js-plotly-plot").count() >= 13
    page.wait_for_function(
        "() => [...document.fonts].some(f => f.family.replace(/['\"]/g, '') === 'Sarabun'"
        " && f.status === 'loaded')"
    )
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    assert background == DARK
    text_font = page.evaluate(
        "() => getComputedStyle(document.querySelector('.js-plotly-plot text')).fontFamily"
    )
    assert "Sarabun" in text_font
    shot = screenshot(page, "cockpit_wall")

    # The fragment reruns by itself every 8 s and moves on to the next scope of the cycle:
    # 21 (seen above), then 20, then 21 again. (Reading the text "now" would race the wall.)
    expect(status).to_contain_text("20 · 2/2", timeout=60_000)
    expect(page.locator("h1").first).to_contain_text("ชลบุรี")
    expect(status).to_contain_text("21 · 1/2", timeout=60_000)  # and round again

    traffic.save("cockpit_wall")
    assert traffic.blocked == [], f"requests tried to leave the machine: {traffic.blocked}"
    hosts = {urlsplit(r["url"]).hostname for r in traffic.responses}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert shot.stat().st_size > 10_000

"""Map tooltip in Chromium: an item's value on the map links to where it came from, and the
link opens the Explore page at that value's versions (issue 14), offline."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from lib.geo import layers as geo
from tests.browser.test_map_drilldown import FOLIUM_IFRAME, PATHS, _deepest_bbox_centre

LINK_TEXT = "ที่มาของค่า"


def test_the_tooltip_links_a_value_to_its_versions(page, traffic, wait_for_app, screenshot):
    provinces = geo.province_layer()
    code = _deepest_bbox_centre(provinces)
    index = provinces["code"].tolist().index(code)
    page.goto("/map?fig=item:FIN01&per=2026-09")
    wait_for_app(page)
    frame = page.frame_locator(FOLIUM_IFRAME).first
    expect(frame.locator(PATHS)).to_have_count(77, timeout=60_000)

    # hover the province: its tooltip stays open and holds the link (a map still settling
    # after its first rerun may redraw under the pointer once: hover again then)
    link = frame.locator(".leaflet-tooltip a", has_text=LINK_TEXT)
    for attempt in range(3):
        box = frame.locator(PATHS).nth(index).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            expect(link).to_be_visible(timeout=20_000)
            href = link.get_attribute("href", timeout=5_000)
            with page.context.expect_page(timeout=20_000) as opened:
                link.click(timeout=10_000)
            break
        except (PlaywrightTimeout, AssertionError):
            if attempt == 2:
                raise
    assert {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()} == {
        "item": "FIN01",
        "area": code,
        "period": "2026-09",
    }

    # the link opened (in a new tab) the Explore page at that value's versions
    explore = opened.value
    explore.wait_for_load_state()
    wait_for_app(explore)
    expect(explore.get_by_text("ที่มาของค่า", exact=True).first).to_be_visible(timeout=60_000)
    expect(explore.locator("[data-testid='stDataFrame']").last).to_be_visible(timeout=60_000)
    screenshot(explore, "explore_provenance")
    assert traffic.blocked == [], f"requests tried to leave the machine: {traffic.blocked}"

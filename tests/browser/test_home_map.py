"""The home page draws the 77-province map in Chromium with no request leaving the machine."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

PROVINCES = 77
FOLIUM_IFRAME = "iframe[title*='st_folium']"
LEAFLET_JS = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/vendor/leaflet/leaflet.css"
THAI_FONT = "/app/static/fonts/sarabun-thai-400-normal.woff2"


def _ok(responses):
    """Responses that delivered the file (a revalidated 304 counts)."""
    return [r for r in responses if r["status"] in (200, 304)]


def test_home_map_draws_offline(page, traffic, wait_for_app, screenshot):
    page.goto("/")
    wait_for_app(page)

    frame = page.frame_locator(FOLIUM_IFRAME).first
    # One SVG path per province once Leaflet has drawn the GeoJSON layer.
    expect(frame.locator("path.leaflet-interactive")).to_have_count(PROVINCES, timeout=60_000)
    # Fonts load lazily when text is laid out; wait until the Thai subset is in use.
    page.wait_for_function(
        "() => [...document.fonts].some(f => f.family.replace(/['\"]/g, '') === 'Sarabun'"
        " && f.status === 'loaded')"
    )
    shot = screenshot(page, "home_map")
    traffic.save("home_map")

    assert traffic.blocked == [], f"requests tried to leave the machine: {traffic.blocked}"

    leaflet = _ok(traffic.served(LEAFLET_JS))
    assert leaflet, f"{LEAFLET_JS} was not loaded"
    assert all("javascript" in r["content_type"] for r in leaflet), leaflet
    # streamlit-folium loads Leaflet inside its component iframe, not the app page.
    assert any("/component/" in urlsplit(r["frame_url"]).path for r in leaflet), leaflet
    css = _ok(traffic.served(LEAFLET_CSS))
    assert css and all("text/css" in r["content_type"] for r in css), css

    font = _ok(traffic.served(THAI_FONT))
    assert font and all("font" in r["content_type"] for r in font), font

    hosts = {urlsplit(r["url"]).hostname for r in traffic.responses}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert shot.stat().st_size > 10_000

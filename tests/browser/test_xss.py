"""Markup planted in a province's and a KPI's names (tests/xss.py) is shown as text."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.xss import PAYLOAD, PROVINCE


def _no_script_ran(page) -> None:
    for frame in page.frames:
        assert frame.evaluate("() => window.__xss") is None, frame.url
        assert frame.locator("img[src='x']").count() == 0, frame.url


def test_markup_in_names_is_text_on_profile_and_cockpit(page, traffic, wait_for_app, screenshot):
    page.goto(f"/profile?code={PROVINCE}")
    wait_for_app(page)
    expect(page.get_by_text(PAYLOAD).first).to_be_visible(timeout=120_000)  # name, as text
    _no_script_ran(page)

    page.goto(f"/cockpit?scope={PROVINCE}")
    wait_for_app(page)
    sign_in(page, "admin1")
    wait_for_app(page)
    # the province in the title and the KPI's name on its tile, both as text
    expect(page.locator("h1").first).to_contain_text(PAYLOAD, timeout=120_000)  # cold render
    expect(page.locator(".ck-name").filter(has_text=PAYLOAD).first).to_be_visible()
    screenshot(page, "xss_cockpit")
    _no_script_ran(page)
    assert traffic.blocked == [], traffic.blocked

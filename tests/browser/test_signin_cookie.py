"""Sign-in lasts across reloads, new tabs and deep links (an HttpOnly cookie); display links.

A real server (conftest: scripts/serve.py, i.e. `streamlit run app.py`) and
Chromium: sign in, reload, open a deep link in a new tab, sign out, then put the
old cookie back and be refused. A display link made on the Administration page
opens the cockpit of its scopes without a password, and refuses any other scope.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import RUN_TIMEOUT_MS, sign_in

COOKIE = "eis_session"
SIGN_OUT = "ออกจากระบบ"
SIGN_IN_NEEDED = "กรุณาเข้าสู่ระบบเพื่อใช้หน้านี้"


def _context(browser, app_url, traffic):
    context = browser.new_context(
        base_url=app_url, viewport={"width": 1366, "height": 1000}, locale="th-TH"
    )
    context.route("**/*", traffic.route)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    return context


def _session_cookies(context) -> list[dict]:
    return [c for c in context.cookies() if c["name"] == COOKIE]


def test_sign_in_survives_reload_and_a_deep_link_tab_and_sign_out_kills_the_cookie(
    browser, app_url, traffic, wait_for_app
):
    context = _context(browser, app_url, traffic)
    page = context.new_page()
    page.goto("/account")
    wait_for_app(page)
    sign_in(page, "gov21")
    expect(page.get_by_role("button", name=SIGN_OUT)).to_be_visible()
    assert page.url.endswith("/account")  # back on the page signed in from
    (cookie,) = _session_cookies(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert len(cookie["value"]) >= 40

    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name=SIGN_OUT)).to_be_visible()

    tab = context.new_page()  # a LINE link opened in a new tab
    tab.goto("/cockpit?scope=21")
    wait_for_app(tab)
    expect(tab.get_by_text("ตัวชี้วัด", exact=True).first).to_be_visible()
    expect(tab.get_by_text(SIGN_IN_NEEDED)).to_have_count(0)
    assert "scope=21" in tab.url

    page.get_by_role("button", name=SIGN_OUT).click()
    expect(page.get_by_role("button", name="เข้าสู่ระบบ")).to_be_visible()
    assert _session_cookies(context) == []  # the sign-out route deleted it

    context.add_cookies([cookie])  # the old token, put back by hand: refused
    tab.reload()
    wait_for_app(tab)
    expect(tab.get_by_text(SIGN_IN_NEEDED)).to_be_visible()
    assert traffic.blocked == []
    context.close()


def test_a_display_link_shows_its_scopes_only_without_a_password(
    browser, app_url, traffic, wait_for_app
):
    admin = _context(browser, app_url, traffic)
    page = admin.new_page()
    page.goto("/admin")
    wait_for_app(page)
    sign_in(page, "admin1")
    expect(page.get_by_text("ลิงก์จอแสดงผล", exact=True)).to_be_visible()
    page.get_by_label("ชื่อจอ (เช่น ห้องประชุมชั้น 2)").fill("ห้องประชุม")
    scopes = page.get_by_role("combobox", name="พื้นที่ที่จอนี้แสดงได้")
    scopes.click()
    scopes.fill("(21)")
    page.get_by_role("option", name="ระยอง (21)").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="สร้างลิงก์จอแสดงผล").click()
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_contain_text("display=")
    link = code.inner_text().strip()
    assert re.fullmatch(r"/cockpit\?display=[\w-]{40,}&wall=1&cycle=21", link)
    admin.close()

    wall = _context(browser, app_url, traffic)  # the wall screen's browser: no account
    screen = wall.new_page()
    screen.goto(link)
    wait_for_app(screen)
    expect(screen.get_by_text(SIGN_IN_NEEDED)).to_have_count(0)
    expect(screen.get_by_text("ไม่รวม")).to_have_count(0)
    assert "display=" in screen.url
    other = wall.new_page()
    other.goto(link.replace("cycle=21", "cycle=TH"))
    wait_for_app(other)
    expect(other.get_by_text(re.compile("ลิงก์จอแสดงผลนี้แสดงได้เฉพาะพื้นที่ 21"))).to_be_visible()
    bad = wall.new_page()
    bad.goto("/cockpit?display=not-a-real-token&wall=1")
    wait_for_app(bad)
    expect(bad.get_by_text(re.compile("ลิงก์จอแสดงผลนี้ใช้ไม่ได้"))).to_be_visible()
    assert _session_cookies(wall) == []  # a display link signs nobody in
    assert traffic.blocked == []
    wall.close()

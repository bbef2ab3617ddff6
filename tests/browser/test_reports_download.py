"""Reports page in Chromium: an executive makes the per-indicator form (the page's first
report) and the browser downloads the PDF, Thai intact, with no request leaving the machine
(issue 13)."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import sign_in


def test_an_executive_downloads_the_kpi_form_as_pdf(page, traffic, wait_for_app, screenshot):
    page.goto("/reports")
    wait_for_app(page)
    sign_in(page, "gov21")  # Rayong's executive: the page opens on Rayong
    wait_for_app(page)
    page.get_by_role("button", name="สร้างรายงาน").click()
    download_button = page.get_by_role("button", name="ดาวน์โหลด")
    expect(download_button).to_be_visible(timeout=120_000)
    screenshot(page, "reports_made")
    with page.expect_download(timeout=60_000) as caught:
        download_button.click()
    path = caught.value.path()
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = text.replace("\u0e4d\u0e32", "\u0e33")  # SARA AM is drawn as two glyphs
    assert "ระยอง" in text and "รายงานผลการปฏิบัติราชการ" in text
    assert traffic.blocked == [], f"requests tried to leave the machine: {traffic.blocked}"

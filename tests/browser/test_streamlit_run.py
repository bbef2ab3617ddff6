"""`streamlit run app.py` (as the README allows): the store is built at start, only the app's menu.

Its own server, started exactly as a user would, on a store path that does not
exist yet: the log says the store is being built before the server answers,
and a deep link opened before anyone visits "/" shows the app's own menu, never
Streamlit's legacy `pages/` file menu (`app`, `account`, `admin`, ...).
"""

from __future__ import annotations

import os
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARTIFACTS,
    RUN_TIMEOUT_MS,
    _free_port,
    running_server,
)

RAW_NAMES = ("app", "account", "admin", "cockpit", "home", "map", "profile", "upload", "verify")


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    """A server started with `python -m streamlit run app.py`; (base URL, log path, store path)."""
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "streamlit-run-server.log"
    db_path = tmp_path_factory.mktemp("plain") / "eis.duckdb"  # not built yet
    env = {**os.environ, "EIS_DB_PATH": str(db_path)}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py"]
    cmd += ["--server.headless", "true", "--server.port", str(port)]
    with running_server(cmd, env, log_path, f"http://localhost:{port}") as base:
        yield base, log_path, db_path


def test_the_store_is_built_at_start_with_a_progress_line(plain_run):
    _, log_path, db_path = plain_run
    log = log_path.read_text(errors="replace")
    # the server answered its health check only after this line: built before any visit
    assert f"EIS: preparing store {db_path}" in log
    assert f"EIS: store {db_path} ready in" in log
    assert db_path.exists()


@pytest.mark.parametrize("deep_link", ["/cockpit?scope=21", "/map"])
def test_a_deep_link_opened_first_shows_only_the_apps_menu(
    browser, traffic, plain_run, wait_for_app, deep_link
):
    base, _, _ = plain_run
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 1000})
    context.route("**/*", traffic.route)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.goto(deep_link)  # the very first visit of this server
    wait_for_app(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_role("link", name="แผนที่")).to_be_visible()  # the app's own menu
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)
    links = [t.strip() for t in sidebar.get_by_role("link").all_inner_texts()]
    assert not set(links) & set(RAW_NAMES), links
    assert traffic.blocked == []
    context.close()

"""Two app servers on two ports over one shared store (a PostgreSQL server on loopback).

Both serve the cockpit; an import through the command line while both run is seen by
both (the data version each reports from the store changes alike, and a page rendered
after it shows the new figures); stopping one leaves the other serving.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from contextlib import ExitStack, contextmanager

from playwright.sync_api import expect

from lib.services.bootstrap import init_store
from lib.store import Store
from tests import pgserver
from tests.browser.conftest import (
    ARTIFACTS,
    REPO,
    RUN_TIMEOUT_MS,
    _free_port,
    running_server,
    sign_in,
    wait_for_app,
)
from tests.conftest import add_app_users


def _command(port: int) -> list[str]:
    return [
        sys.executable, "scripts/serve.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip


def _status(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/status", timeout=30) as response:
        return json.loads(response.read())


def _cockpit_renders(page, base: str, name: str) -> None:
    """The governor's cockpit, with its figures, from this app server."""
    page.goto(f"{base}/cockpit")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="ห้องบัญชาการ", exact=False).first).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    page.screenshot(path=str(ARTIFACTS / f"two-servers-{name}.png"))


@contextmanager
def _context(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="th-TH")
    try:
        yield context
    finally:
        context.close()


def test_two_app_servers_over_one_shared_store(pg_server, browser, tmp_path):
    server = pgserver.required_or_skip(pg_server)
    url = server.new_database()
    with Store(url) as store:  # built once, before the app servers start
        init_store(store)
        add_app_users(store)
    env = {
        **__import__("os").environ,
        "EIS_STORE": url,
        "EIS_DB_PATH": str(tmp_path / "local" / "eis.duckdb"),  # each server's own folder
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as first, ExitStack() as second:
        bases = []
        for n, stack in ((1, first), (2, second)):
            port = _free_port()
            log = ARTIFACTS / f"two-servers-{n}.log"
            bases.append(
                stack.enter_context(
                    running_server(_command(port), env, log, f"http://127.0.0.1:{port}")
                )
            )
        one, two = bases
        context = first.enter_context(_context(browser))
        page = context.new_page()
        page.set_default_timeout(RUN_TIMEOUT_MS)
        page.goto(f"{one}/cockpit")
        wait_for_app(page)
        sign_in(page, "gov21")  # on the first app server ...
        expect(page.get_by_text("gov21 ·")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        _cockpit_renders(page, one, "one")
        _cockpit_renders(page, two, "two")  # ... and the second knows the session
        before = [_status(b) for b in bases]
        assert before[0]["store"] == "shared" and before[0] == before[1]

        f = tmp_path / "fin.csv"
        f.write_text("item_code,area_code,period,value\nFIN01,21,2026-10,61.5\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "lib", "import", str(f), "--user", "pto21",
             "--db", url, "--confirm-jumps"],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        after = [_status(b) for b in bases]
        assert after[0] == after[1] and after[0]["data_version"] != before[0]["data_version"]

        first.close()  # stop the first app server (and the page's context)
        assert _status(two)["data_version"] == after[0]["data_version"]
        with _context(browser) as context:
            page = context.new_page()
            page.set_default_timeout(RUN_TIMEOUT_MS)
            page.goto(f"{two}/cockpit")
            wait_for_app(page)
            sign_in(page, "gov21")
            expect(page.get_by_text("gov21 ·")).to_be_visible(timeout=RUN_TIMEOUT_MS)
            _cockpit_renders(page, two, "after-stop")
        with Store(url) as store:  # and the import is in the store, whole
            values = store.export_values("FIN01", "21").set_index("period")["value"]
            assert values["2026-10"] == 61.5

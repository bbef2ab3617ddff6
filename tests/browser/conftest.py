"""Real-browser harness: a Streamlit server, Debian's Chromium and an offline guard.

Plain playwright.sync_api (no pytest plugin). Every request to a host other than
this machine is aborted and recorded, so a test can assert the list is empty.
Environment: EIS_APP_SCRIPT (default app.py) picks the script to serve.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
HEALTH_TIMEOUT_S = 120  # the first start builds the DuckDB store
POLL_S = 0.25
RUN_TIMEOUT_MS = 120_000  # the first run may build the DuckDB store
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    """Register the marker so `-m browser` / `-m "not browser"` select these tests."""
    config.addinivalue_line("markers", "browser: drives the app in a real Chromium")


def pytest_collection_modifyitems(config, items):
    """Mark every test here `browser`; skip them all only when Chromium is absent.

    CI sets EIS_REQUIRE_BROWSER=1: there a missing Chromium is a failure, not a skip.
    """
    here = Path(__file__).parent
    if not CHROMIUM.exists() and os.environ.get("EIS_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"{CHROMIUM} not found and EIS_REQUIRE_BROWSER=1")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: apt-get install chromium")
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    """True once Streamlit answers its health check."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _prepare_store(path: Path) -> None:
    """Build the demo store with one account per role (and an XSS payload in a province's
    and a KPI's names, tests/xss.py) before the server holds the file."""
    from lib.services.bootstrap import init_store
    from lib.store import Store
    from tests.conftest import add_app_users
    from tests.xss import plant

    with Store(path) as store:
        init_store(store)
        plant(store)
        add_app_users(store)


def sign_in(page, user: str) -> None:
    """Sign in through the form the page shows in place of a restricted view."""
    from tests.conftest import PASSWORD

    page.get_by_label("ชื่อผู้ใช้").fill(user)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Base URL of a Streamlit server running the app on a fresh database file."""
    script = os.environ.get("EIS_APP_SCRIPT", "app.py")
    if not (REPO / script).exists() and not Path(script).exists():
        pytest.fail(f"app script {script!r} not found (set EIS_APP_SCRIPT to override)")
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "streamlit-server.log"
    db_path = tmp_path_factory.mktemp("db") / "eis.duckdb"
    _prepare_store(db_path)
    env = {**os.environ, "EIS_DB_PATH": str(db_path)}
    # The real app starts through scripts/serve.py (st.navigation mode from the first session).
    launcher = ["scripts/serve.py"] if script == "app.py" else ["-m", "streamlit", "run", script]
    cmd = [
        sys.executable,
        *launcher,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # an edit to the tree during a run must not reload modules under the test
        "--server.fileWatcherType",
        "none",
    ]
    with running_server(cmd, env, log_path, f"http://127.0.0.1:{port}") as base:
        yield base


@contextmanager
def running_server(cmd: list[str], env: dict, log_path: Path, base: str):
    """Start a Streamlit server from the repository, wait for its health check, stop it after."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    try:
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"no health after {HEALTH_TIMEOUT_S}s:\n{_tail(log_path)}")
            time.sleep(POLL_S)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, lines: int = 40) -> str:
    """Last lines of the server log, for a failure message."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium: `playwright install` cannot download on these machines."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Traffic:
    """What the page asked for: blocked off-machine URLs and every local response."""

    def __init__(self):
        self.blocked: list[str] = []
        self.responses: list[dict] = []

    def route(self, route):
        """Let loopback requests through; abort and record everything else."""
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def on_response(self, response):
        """Keep URL, status and content type, to check what was served and how."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            frame_url = response.frame.url if response.frame else ""
        except PlaywrightError:  # a new tab's first page: its frame does not exist yet
            frame_url = ""
        self.responses.append(
            {
                "url": response.url,
                "status": response.status,
                "content_type": response.headers.get("content-type", ""),
                "frame_url": frame_url,
            }
        )

    def save(self, name: str) -> Path:
        """Write blocked URLs and responses to test-artifacts/<name>-requests.json."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-requests.json"
        path.write_text(
            json.dumps({"blocked": self.blocked, "responses": self.responses}, indent=1)
        )
        return path

    def served(self, path_suffix: str) -> list[dict]:
        """Responses whose URL path ends with path_suffix."""
        return [r for r in self.responses if urlsplit(r["url"]).path.endswith(path_suffix)]


@pytest.fixture
def traffic():
    """A fresh record of requests for one test."""
    return Traffic()


@pytest.fixture
def page(browser, traffic, app_url):
    """A page in its own context on the app's base URL, offline except for this machine."""
    context = browser.new_context(
        base_url=app_url, viewport={"width": 1366, "height": 1200}, locale="th-TH"
    )
    context.route("**/*", traffic.route)
    context.on("response", traffic.on_response)
    pg = context.new_page()
    pg.set_default_timeout(RUN_TIMEOUT_MS)
    yield pg
    context.close()


def wait_for_app(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait as Streamlit's e2e suite does: connected, script not running, no skeleton."""
    from playwright.sync_api import expect

    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout_ms
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms
    )
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=timeout_ms)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    """wait_for_app as a fixture, so tests need not import this conftest."""
    return wait_for_app


@pytest.fixture(name="screenshot")
def _screenshot_fixture():
    """screenshot(page, name) as a fixture."""
    return screenshot

"""Load test (issue 15): N concurrent browser sessions on cockpit, map and profile while one
agency uploads; p50/p95 rerun seconds and the server's memory for each N.

    .venv/bin/python bench/load.py [--sessions 1,10,30] [--seconds 60] [--db PATH]

For each N the script copies the store (default: the demo store, built once into
bench/out/load-demo.duckdb with one account per role, tests/conftest.py) to a
temporary folder, starts its own app server on a free loopback port
(scripts/serve.py, headless, no file watcher, no usage statistics; EIS_AS_OF
pinned, the backup worker off) and waits for /_stcore/health. One headless
Chromium (Debian's /usr/bin/chromium; requests to other hosts cannot resolve)
then opens N contexts signed in as the executive gov21. Each session loops over
the cockpit of the whole country (/cockpit?scope=TH), the map (/map, then a
change of the figure in the sidebar, which reruns the page) and the profile of
Rayong (/profile?code=21), starting at a different page so the sessions do not
march in step. One more session, signed in as Rayong's PTO staff pto21, uploads
and commits a one-value CSV on the Upload page every --upload-every seconds
(first at half that), so every commit changes the data version and the other
sessions pay the refresh. The server's RSS and CPU time, the load generator's CPU
time and the machine's are sampled every second. The browser shares the machine
with the server: it runs niced (--client-nice, default 10) and the server at the
script's own priority, so the load generator does not starve what it measures.

A visit's rerun time runs from the navigation (a new page load for a session's
first visit, later the in-app navigation Streamlit does for a link: history
pushState + popstate, i.e. a rerun of the same session on the other page), or
from the click on the map's figure, to the last moment Streamlit's status
(`[data-testid=stApp]` attribute `data-test-script-state`, which
tests/browser/conftest.py wait_for_app also waits on) turned `notRunning` after
having been `running`, with the connection `CONNECTED`, no skeleton and no new
run for QUIET_S. A MutationObserver in the page timestamps every change of that
attribute (performance.now()), so the time is the page's own, not a poll's.
Errors: an exception box or an error box on the page, a lost connection, the
sign-in form (session lost) or no finished run within --timeout.

Results: bench/load_results.md (machine line, per-N table, per-page table, the
aim: p95 at N=30 at most 3x p95 at N=1, no error, memory flat) and the raw
visits and samples as bench/out/load-raw.json (--from-raw writes the results again
from it without measuring); the servers' logs as bench/out/load-server-N.log. Exit 0
when measured, 1 when a server did not start (or died) or a session could not be set up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

OUT = HERE / "out"
DEMO_STORE = OUT / "load-demo.duckdb"
RESULTS = HERE / "load_results.md"
RAW = OUT / "load-raw.json"
CHROMIUM = "/usr/bin/chromium"
# Only this machine: every other host name fails to resolve (no route handler, which
# would send every request of 30 pages through this process).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
AS_OF = "2026-11-22"
EXECUTIVE, STAFF = "gov21", "pto21"  # accounts of tests/conftest.py APP_USERS
PAGES = (  # (name, path) in the order a session loops over them
    ("cockpit", "/cockpit?scope=TH"),
    ("map", "/map"),
    ("profile", "/profile?code=21"),
)
MAP_FIGURE = "map: figure"  # the rerun after a change of the map's figure kind
FIGURE_KINDS = ("คุณภาพข้อมูล", "คะแนนตัวชี้วัด")  # health, KPI score: the radio "แสดง"
UPLOAD_CHECK, UPLOAD_COMMIT = "upload: check", "upload: commit"
# How a session's visit started: a page load (first visit, or after an error), an in-app
# navigation (the same Streamlit session), a click on the map's figure.
LOAD, IN_APP, CLICK = "page load", "in-app navigation", "widget change"
QUIET_S = 1.0  # a run is over when no other run started this long after it finished
HEALTH_TIMEOUT_S = 300  # a national store may take a while to open
AIM_RATIO = 3.0
FLAT = 1.10  # memory is "flat" when the end of the window is within 10 % of its start
UPLOAD_ITEM, UPLOAD_AREA, UPLOAD_PERIOD, UPLOAD_BASE = "FIN01", "21", "2026-10", 74.47

# Injected into every page before Streamlit's own scripts: timestamps of each change
# of the app's script state, and what a finished run looks like.
OBSERVER_JS = """
(() => {
  const log = [];
  const ATTR = 'data-test-script-state';
  let last = null;
  const note = (value, t) => { if (value !== last) { last = value; log.push([value, t]); } };
  const observer = new MutationObserver(records => {
    const t = performance.now();
    for (const r of records) {
      // r.oldValue chains the states even when React set two in one task
      if (r.oldValue !== null && r.oldValue !== last) note(r.oldValue, t);
      note(r.target.getAttribute(ATTR), t);
    }
  });
  observer.observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                              attributeFilter: [ATTR]});
  const id = Math.random();  // this document: a reload starts a new log
  const origin = performance.timeOrigin;  // times below are epoch ms, valid across reloads
  window.__eisLoad = {
    log,
    mark: () => [{id, n: log.length}, origin + performance.now()],
    settled: ([mark, quietMs]) => {
      const app = document.querySelector('[data-testid="stApp"]');
      if (!app || app.getAttribute(ATTR) !== 'notRunning') return false;
      const tail = log.slice(mark && mark.id === id ? mark.n : 0);
      const runs = tail.filter(e => e[0] === 'running').length;
      const end = log.length ? log[log.length - 1] : null;
      if (!runs || !end || end[0] !== 'notRunning') return false;
      if (performance.now() - end[1] < quietMs) return false;
      if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
      if (document.querySelector('[data-testid="stSkeleton"]')) return false;
      return {end: origin + end[1], origin, runs};
    },
  };
})();
"""
# In-app navigation, as Streamlit does for a link: returns [log mark, start time].
NAVIGATE_JS = """(url) => {
  const started = window.__eisLoad.mark();
  history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate', {state: null}));
  return started;
}"""
# Click the sidebar radio option of the figure kind not shown now: returns [mark, start].
FIGURE_JS = """(kinds) => {
  const labels = [...document.querySelectorAll('[data-testid="stSidebar"] label')]
    .filter(l => l.querySelector('input[type="radio"]') && kinds.includes(l.innerText.trim()));
  const other = labels.find(l => !l.querySelector('input[type="radio"]').checked);
  if (!other) return null;
  const started = window.__eisLoad.mark();
  other.click();
  return started;
}"""
MARK_JS = "() => window.__eisLoad.mark()"
# What went wrong on the page after a run: exception boxes, error boxes, the sign-in form.
PROBLEMS_JS = """() => {
  const text = el => (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 160);
  const found = [];
  for (const el of document.querySelectorAll('[data-testid="stException"]'))
    found.push('exception: ' + text(el));
  for (const el of document.querySelectorAll('[data-testid="stAlertContentError"]'))
    found.push('error box: ' + text(el));
  if ([...document.querySelectorAll('label')].some(l => l.innerText.trim() === 'รหัสผ่าน'))
    found.push('signed out: the sign-in form is shown');
  return found;
}"""


@dataclass
class Visit:
    n: int
    session: int  # -1: the uploader
    page: str
    at: float  # seconds since the window opened, at the start of the visit
    seconds: float | None  # None: no finished run (an error)
    runs: int = 0  # script runs seen in the visit
    error: str = ""
    commits_before: int = 0  # commits finished when the visit started
    how: str = ""  # LOAD, IN_APP or CLICK (the sessions); "" for the uploader


@dataclass
class Sample:
    t: float  # seconds since the window opened (negative: before it)
    rss_mb: float
    cpu_s: float  # the server's user + system CPU seconds so far
    busy: float  # the machine's busy CPU seconds (all cores) so far
    client_s: float = 0.0  # CPU seconds of this script, its browser and their children


@dataclass
class Run:
    n: int
    seconds: float
    visits: list[Visit] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    commits: int = 0
    commit_times: list[float] = field(default_factory=list)  # seconds into the window
    idle_rss_mb: float = 0.0
    window_end: float = 0.0  # seconds after the window opened when the last visit ended
    window_origin: float = 0.0  # time.monotonic() when the window opened
    server_nice: int = 0
    server_log: str = ""
    yardstick: list[float] = field(default_factory=list)  # machine_yardstick before, after


YARDSTICK = """
import time
import numpy as np
import pandas as pd
rng = np.random.default_rng(0)
a = pd.DataFrame({"k": rng.integers(0, 2000, 100_000).astype(str), "v": rng.random(100_000)})
b = pd.DataFrame({"k": [str(i) for i in range(2000)], "w": range(2000)})
t = time.perf_counter()
sum(range(5_000_000))
for _ in range(5):
    a.merge(b, on="k").groupby("k")["v"].sum()
print(time.perf_counter() - t)
"""


def machine_yardstick(rounds: int = 3) -> float:
    """Seconds of a fixed piece of work (a Python loop, pandas merges and groupings of 100,000
    rows) in a fresh process, best of `rounds`, taken while no server runs: how fast this
    machine runs such work at that moment. A shared machine's speed drifts over a run of
    several windows; the report shows it next to each window."""
    best = float("inf")
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", YARDSTICK], capture_output=True, text=True, check=True
        )
        best = min(best, float(done.stdout))
    return best


# -- the store and the server ---------------------------------------------------------


def build_demo_store(path: Path) -> None:
    """The demo store as of AS_OF with one account per role (tests/conftest.py)."""
    os.environ.setdefault("EIS_BACKUP_WORKER", "0")
    from lib.services.bootstrap import init_store
    from lib.store import Store
    from tests.conftest import add_app_users

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    with Store(tmp) as store:
        init_store(store, as_of=date.fromisoformat(AS_OF))
        add_app_users(store)
    tmp.replace(path)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class Server:
    """scripts/serve.py on a copy of the store, on a free loopback port."""

    def __init__(self, store: Path, log_path: Path, as_of: str):
        self.folder = Path(tempfile.mkdtemp(prefix="eis-load-"))
        self.db = self.folder / "eis.duckdb"
        shutil.copyfile(store, self.db)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            "EIS_DB_PATH": str(self.db),
            "EIS_AS_OF": as_of,
            "EIS_BACKUP_WORKER": "0",
            "EIS_BACKUP_DIR": str(self.folder / "backups"),
        }
        cmd = [
            sys.executable,
            "scripts/serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ]
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_server_priority,
            )

    def wait_healthy(self) -> str | None:
        """None once /_stcore/health answers, else why not."""
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not healthy(f"{self.base}/_stcore/health"):
            if self.proc.poll() is not None:
                return f"the server exited with {self.proc.returncode}"
            if time.monotonic() > deadline:
                return f"no health after {HEALTH_TIMEOUT_S} s"
            time.sleep(0.25)
        return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


# -- sampling ---------------------------------------------------------------------------


def _proc_rss_cpu(pid: int) -> tuple[float, float]:
    """(RSS MB, user+system CPU seconds) of a process: psutil if installed, else /proc."""
    try:
        import psutil

        p = psutil.Process(pid)
        times = p.cpu_times()
        return p.memory_info().rss / 2**20, times.user + times.system
    except ImportError:
        pass
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / tick


SERVER_NICE = os.getpriority(os.PRIO_PROCESS, 0)  # the niceness this script started with


def _server_priority() -> None:
    """In the server's child process: back to the priority the script started with (the
    clients run niced, --client-nice); without the right to do so it stays niced."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, SERVER_NICE)
    except OSError:
        pass


def _niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])


def _client_cpu(server_pid: int) -> float:
    """CPU seconds (user + system, with reaped children) of this process and every
    descendant but the server: the load generator (Playwright's driver, Chromium)."""
    parents, cpu = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        cpu[pid] = sum(int(x) for x in fields[11:15]) / tick
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine and pid != server_pid:
                mine.add(pid)
                changed = True
    for pid in mine:
        total += cpu.get(pid, 0.0)
    return total


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + (cpu[4] if len(cpu) > 4 else 0)
    return (sum(cpu[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """RSS and CPU of the server process every second, on its own thread."""

    def __init__(self, pid: int, samples: list[Sample]):
        super().__init__(daemon=True)
        self.pid, self.samples = pid, samples  # Sample.t: time.monotonic() until shifted
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(1.0)

    def sample(self) -> None:
        try:
            rss, cpu = _proc_rss_cpu(self.pid)
        except (OSError, ValueError, IndexError):
            return
        except Exception as exc:  # psutil.NoSuchProcess and the like: the server is gone
            if type(exc).__name__ in ("NoSuchProcess", "AccessDenied", "ZombieProcess"):
                return
            raise
        now, busy = time.monotonic(), _machine_busy()
        self.samples.append(Sample(now, rss, cpu, busy, _client_cpu(self.pid)))

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.sample()


# -- the browser sessions ---------------------------------------------------------------


class Clock:
    """Seconds since the window opened; the number of commits so far."""

    def __init__(self):
        self.origin = time.monotonic()
        self.commits = 0

    def now(self) -> float:
        return time.monotonic() - self.origin


async def finished_run(page, mark: dict | None, timeout_ms: float) -> dict:
    """Wait for the run that follows `mark` in the page's state log: {end, origin, runs}.

    A mark of another document (the page reloaded, or None after a goto) means the
    whole log of the current one."""
    handle = await page.wait_for_function(
        "(a) => window.__eisLoad.settled(a)",
        arg=[mark, QUIET_S * 1000],
        polling=50,
        timeout=timeout_ms,
    )
    return await handle.json_value()


async def timed(page, action, timeout_ms: float) -> tuple[float, int, str]:
    """(seconds, runs, problem) of one rerun started by `action` (returns [mark, start]).

    Times are epoch milliseconds of the page (performance.timeOrigin + now()); a start
    of None is the navigation start of the page that finished the run."""
    mark, start = await action()
    done = await finished_run(page, mark, timeout_ms)
    problems = await page.evaluate(PROBLEMS_JS)
    start = done["origin"] if start is None else start
    return (done["end"] - start) / 1000, done["runs"], "; ".join(problems)


async def load_page(page, url: str, timeout_ms: float) -> tuple[float, int, str]:
    """A new page load: from the navigation start (performance.now() = 0) to the run's end."""

    async def go():
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        return None, None

    return await timed(page, go, timeout_ms)


async def navigate(page, path: str, timeout_ms: float) -> tuple[float, int, str]:
    """In-app navigation to path (same Streamlit session, a rerun on the other page)."""

    async def go():
        return await page.evaluate(NAVIGATE_JS, path)

    return await timed(page, go, timeout_ms)


async def change_figure(page, timeout_ms: float) -> tuple[float, int, str]:
    """Switch the map's figure kind in the sidebar (health <-> KPI score)."""

    async def go():
        started = await page.evaluate(FIGURE_JS, list(FIGURE_KINDS))
        if started is None:
            raise LookupError("the map's figure radio was not found")
        return started

    return await timed(page, go, timeout_ms)


async def sign_in(context, base: str, user: str, password: str, timeout_ms: float):
    """Sign in through the Account page's form (nothing heavy renders there)."""
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    await load_page(page, f"{base}/account", timeout_ms)
    await page.get_by_label("ชื่อผู้ใช้").fill(user)
    await page.get_by_label("รหัสผ่าน").fill(password)
    mark, _ = await page.evaluate(MARK_JS)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await finished_run(page, mark, timeout_ms)
    if not [c for c in await context.cookies() if c["name"] == "eis_session"]:
        raise RuntimeError(f"signing in as {user} set no session cookie")
    return page


async def session_loop(
    i: int, n: int, context, base: str, clock: Clock, deadline: float, args, visits: list
) -> None:
    """One executive: cockpit, map (+ a figure change), profile, round and round."""
    timeout_ms = args.timeout * 1000
    await asyncio.sleep(i * args.ramp / max(n, 1))
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    order = PAGES[i % len(PAGES) :] + PAGES[: i % len(PAGES)]
    fresh = True  # the next visit loads the page (first visit, or after a failure)
    while clock.now() < deadline:
        for name, path in order:
            if clock.now() >= deadline:
                break
            steps = [(name, path)] + ([(MAP_FIGURE, None)] if name == "map" else [])
            for step, target in steps:
                visit = Visit(n, i, step, clock.now(), None, commits_before=clock.commits)
                try:
                    if target is None:
                        visit.how = CLICK
                        seconds, runs, problem = await change_figure(page, timeout_ms)
                    elif fresh:
                        visit.how = LOAD
                        seconds, runs, problem = await load_page(page, base + target, timeout_ms)
                    else:
                        visit.how = IN_APP
                        seconds, runs, problem = await navigate(page, target, timeout_ms)
                    visit.seconds, visit.runs, visit.error = seconds, runs, problem
                    fresh = False
                except Exception as exc:  # a timeout, a closed page: an error, then reload
                    visit.error = _short(exc)
                    fresh = True
                visits.append(visit)
                if visit.error:
                    break  # do not click on a map that did not load
            if args.think:
                await asyncio.sleep(args.think)


async def uploader(page, clock: Clock, deadline: float, args, n: int, visits: list) -> None:
    """Rayong's PTO staff: send a one-value CSV and commit it every --upload-every seconds."""
    timeout_ms = args.timeout * 1000
    next_at, k = args.upload_every / 2, 0
    while next_at < deadline:
        await asyncio.sleep(max(0.0, next_at - clock.now()))
        k += 1
        value = UPLOAD_BASE + 0.01 * k  # a changed value, far from a jump
        body = f"item,area,period,value\n{UPLOAD_ITEM},{UPLOAD_AREA},{UPLOAD_PERIOD},{value:.2f}\n"
        check = Visit(n, -1, UPLOAD_CHECK, clock.now(), None, commits_before=clock.commits)
        commit = Visit(n, -1, UPLOAD_COMMIT, clock.now(), None, commits_before=clock.commits)
        try:
            check.seconds, check.runs, check.error = await timed(
                page, partial(send_file, page, f"load-{n}-{k}.csv", body), timeout_ms
            )
            button = page.get_by_role("button", name="3. บันทึกข้อมูล")
            commit.at, commit.commits_before = clock.now(), clock.commits
            if check.error:
                commit = None  # the check failed: nothing to commit
            elif not await button.count():
                commit.error = "no commit button after the check"
            elif await button.is_disabled():
                commit.error = "the commit button is disabled"
            else:
                commit.seconds, commit.runs, commit.error = await timed(
                    page, partial(click, page, button), timeout_ms
                )
                if not commit.error and not await page.get_by_text("บันทึกแล้ว ชุดที่").count():
                    commit.error = "no 'committed' message after the commit"
                if not commit.error:
                    clock.commits += 1
        except Exception as exc:  # a timeout: an error, and the page starts over
            if check.seconds is None and not check.error:
                check.error, commit = _short(exc), None
            elif commit is not None:
                commit.error = _short(exc)
            try:
                await page.goto(page.url, wait_until="commit", timeout=timeout_ms)
            except Exception:
                pass
        visits.extend(v for v in (check, commit) if v is not None)
        next_at += args.upload_every


async def send_file(page, name: str, body: str):
    """Put a CSV into the Upload page's file box: [mark, start]."""
    started = await page.evaluate(MARK_JS)
    box = page.locator("[data-testid='stFileUploader'] input[type='file']")
    await box.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": body.encode()}]
    )
    return started


async def click(page, locator):
    """Click a button: [mark, start]."""
    started = await page.evaluate(MARK_JS)
    await locator.click()
    return started


def _short(exc: Exception) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:200]


async def measure(n: int, server: Server, browser, args, run: Run) -> None:
    """Sign in, open N sessions and the uploader, run the window, drain."""
    from tests.conftest import PASSWORD

    timeout_ms = args.timeout * 1000
    view = {"viewport": {"width": 1366, "height": 900}, "locale": "th-TH"}
    setup = await browser.new_context(**view)
    await setup.add_init_script(OBSERVER_JS)
    signed_in = await sign_in(setup, server.base, EXECUTIVE, PASSWORD, timeout_ms)
    state = await setup.storage_state()
    await signed_in.close()
    staff = await browser.new_context(**view)
    await staff.add_init_script(OBSERVER_JS)
    upload_page = await sign_in(staff, server.base, STAFF, PASSWORD, timeout_ms)
    await load_page(upload_page, f"{server.base}/upload", timeout_ms)
    contexts = []
    for _ in range(n):
        context = await browser.new_context(storage_state=state, **view)
        await context.add_init_script(OBSERVER_JS)
        contexts.append(context)
    clock = Clock()
    run.window_origin = clock.origin
    pid = server.proc.pid
    run.samples.append(Sample(clock.origin, *_proc_rss_cpu(pid), _machine_busy(), _client_cpu(pid)))
    tasks = [
        session_loop(i, n, ctx, server.base, clock, args.seconds, args, run.visits)
        for i, ctx in enumerate(contexts)
    ]
    tasks.append(uploader(upload_page, clock, args.seconds, args, n, run.visits))
    await asyncio.gather(*tasks)
    run.window_end = clock.now()
    run.commits = clock.commits
    for context in [setup, staff, *contexts]:
        await context.close()


def run_one(n: int, store: Path, browser_holder, loop, args) -> Run | str:
    """One N on a fresh server; a Run, or why the server failed."""
    log_path = OUT / f"load-server-{n}.log"
    server = Server(store, log_path, args.as_of)
    run = Run(n, args.seconds, server_log=str(log_path.relative_to(REPO)))
    try:
        why = server.wait_healthy()
        if why:
            return f"N={n}: {why}\n{server.tail()}"
        run.idle_rss_mb = _proc_rss_cpu(server.proc.pid)[0]
        run.server_nice = _niceness(server.proc.pid)
        sampler = Sampler(server.proc.pid, run.samples)
        sampler.start()
        try:
            loop.run_until_complete(measure(n, server, browser_holder["browser"], args, run))
        except Exception as exc:  # the sign-ins or the sessions' set-up failed
            return f"N={n}: {_short(exc)}\n{server.tail()}"
        finally:
            sampler.stop()
        origin = run.window_origin or time.monotonic()
        run.samples = sorted(
            (replace(s, t=s.t - origin) for s in run.samples),
            key=lambda s: s.t,
        )
        if not server.alive():
            return f"N={n}: the server died during the run\n{server.tail()}"
        return run
    finally:
        server.stop()


# -- the report -------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of values, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # ceil(q * n), at least 1
    return ordered[int(rank) - 1]


def page_stats(visits: list[Visit]) -> dict:
    times = [v.seconds for v in visits if v.seconds is not None and not v.error]
    return {
        "visits": len(visits),
        "errors": sum(1 for v in visits if v.error),
        "p50": quantile(times, 0.50),
        "p95": quantile(times, 0.95),
        "max": max(times) if times else None,
    }


def memory(run: Run) -> dict:
    """RSS at the window's start, around its middle, its peak and at its end; server and
    machine CPU.

    The first half fills the caches of a cold server; "flat" compares the end with the
    middle (the second half has commits too, each a new data version). Middle and end are
    medians of the samples in the window's middle fifth (40-60 %) and in its last fifth
    (80-100 %): a feed round's recomputation lifts RSS for a few seconds (the peak shows
    it), and one sample taken in such a burst would read as growth."""
    inside = [s for s in run.samples if s.t >= 0]
    if not inside:
        return {}
    first, last = inside[0], inside[-1]
    span = max(last.t - first.t, 1e-9)

    def median_rss(lo: float, hi: float) -> float:
        part = [s.rss_mb for s in inside if lo * run.seconds <= s.t <= hi * run.seconds]
        if not part:  # too few samples: the one nearest the part's middle
            mid = (lo + hi) / 2 * run.seconds
            part = [min(inside, key=lambda s: abs(s.t - mid)).rss_mb]
        return float(statistics.median(part))

    return {
        "start": first.rss_mb,
        "mid": median_rss(0.4, 0.6),
        "peak": max(s.rss_mb for s in inside),
        "end": median_rss(0.8, 1.0),
        "server_cpu": (last.cpu_s - first.cpu_s) / span,  # cores used by the server
        "client_cpu": (last.client_s - first.client_s) / span,  # by the load generator
        "machine_cpu": (last.busy - first.busy) / span,  # cores busy on the machine
    }


def fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def machine_line(browser_version: str, store: Path) -> str:
    import duckdb
    import playwright
    import streamlit

    ram = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) // 1024
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    pw = getattr(playwright, "__version__", None)
    if pw is None:
        from importlib.metadata import version

        pw = version("playwright")
    return (
        f"{platform.node()} · {os.cpu_count()} CPUs ({model or platform.machine()}) · "
        f"{ram / 1024:.1f} GB RAM · Python {platform.python_version()} · "
        f"streamlit {streamlit.__version__} · duckdb {duckdb.__version__} · "
        f"playwright {pw} · Chromium {browser_version} · store {store.name} "
        f"({store.stat().st_size / 2**20:.0f} MB) · as of {AS_OF}"
    )


def report(
    runs: list[Run], args, machine: str, failures: list[str], measured: datetime | None = None
) -> str:
    base = next((r for r in runs if r.n == 1), None)
    base_p95 = {}
    if base:
        base_p95["all"] = page_stats([v for v in base.visits if v.session >= 0])["p95"]
        for name in [p for p, _ in PAGES] + [MAP_FIGURE]:
            base_p95[name] = page_stats([v for v in base.visits if v.page == name])["p95"]

    server_nice = runs[0].server_nice if runs else SERVER_NICE

    def ratio(p95, key):
        b = base_p95.get(key)
        return "-" if p95 is None or not b else f"{p95 / b:.2f}"

    lines = [
        "# Under load (issue 15)",
        "",
        f"Measured {measured or datetime.now():%Y-%m-%d %H:%M} by `bench/load.py "
        f"--sessions {args.sessions} --seconds {args.seconds:g}` "
        f"(think {args.think:g} s, ramp {args.ramp:g} s, upload every {args.upload_every:g} s, "
        f"timeout {args.timeout:g} s).",
        "",
        f"Machine: {machine}.",
        "",
        "Each N on a fresh server and a fresh copy of the store (cold caches at the start);"
        " N executive sessions loop over cockpit (scope TH), map (then a change of the figure)"
        " and profile (21) while the agency session commits one changed value every"
        f" {args.upload_every:g} s. Seconds are rerun times in the browser: from the navigation"
        " or click to Streamlit's status `notRunning` (no new run for"
        f" {QUIET_S:g} s after); p50, p95 and max are over the visits without error. Memory"
        " is the server process's RSS over the window (at its start, the median of its middle"
        " fifth, the peak, the median of its last fifth). CPU is in cores busy on average"
        " over the window: the server process, the"
        " load generator (this script, Playwright's driver and Chromium) and the whole"
        f" machine (other work included). Niceness: server {server_nice},"
        f" clients {server_nice + args.client_nice} (--client-nice {args.client_nice})."
        " The first table counts the executive sessions' visits; the agency's checks and"
        " commits are the upload rows of the second.",
        "",
        "| N | visits | errors | commits | p50 s | p95 s | max s | p95 / p95(N=1) "
        "| RSS start MB | mid MB | peak MB | end MB | CPU server | clients | machine |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        st = page_stats([v for v in r.visits if v.session >= 0])
        mem = memory(r)
        lines.append(
            f"| {r.n} | {st['visits']} | {st['errors']} | {r.commits} | {fmt(st['p50'])} "
            f"| {fmt(st['p95'])} | {fmt(st['max'])} | {ratio(st['p95'], 'all')} "
            f"| {fmt(mem.get('start'), 0)} | {fmt(mem.get('mid'), 0)} | {fmt(mem.get('peak'), 0)} "
            f"| {fmt(mem.get('end'), 0)} "
            f"| {fmt(mem.get('server_cpu'))} | {fmt(mem.get('client_cpu'))} "
            f"| {fmt(mem.get('machine_cpu'))} |"
        )
    lines += [
        "",
        "Per page (the upload rows are the agency's session):",
        "",
        "| N | page | visits | errors | p50 s | p95 s | max s | p95 / p95(N=1) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        for name in [p for p, _ in PAGES] + [MAP_FIGURE, UPLOAD_CHECK, UPLOAD_COMMIT]:
            st = page_stats([v for v in r.visits if v.page == name])
            if not st["visits"]:
                continue
            lines.append(
                f"| {r.n} | {name} | {st['visits']} | {st['errors']} | {fmt(st['p50'])} "
                f"| {fmt(st['p95'])} | {fmt(st['max'])} | {ratio(st['p95'], name)} |"
            )
    lines += [
        "",
        "By how the rerun started (sessions only):",
        "",
        "| N | started by | visits | errors | p50 s | p95 s | max s |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        for how in (LOAD, IN_APP, CLICK):
            st = page_stats([v for v in r.visits if v.how == how])
            if st["visits"]:
                lines.append(
                    f"| {r.n} | {how} | {st['visits']} | {st['errors']} | {fmt(st['p50'])} "
                    f"| {fmt(st['p95'])} | {fmt(st['max'])} |"
                )
    errors: dict[str, int] = {}
    for r in runs:
        for v in r.visits:
            if v.error:
                key = f"N={r.n} {v.page}: {v.error}"
                errors[key] = errors.get(key, 0) + 1
    if errors:
        lines += ["", "Errors (tracebacks in the server logs, bench/out/load-server-N.log):", ""]
        lines += [f"- {k} (x{c})" for k, c in sorted(errors.items())]
    for why in failures:
        lines += ["", f"Server failure: {why.splitlines()[0]}"]
    lines += ["", *verdict(runs, base_p95), ""]
    return "\n".join(lines)


def verdict(runs: list[Run], base_p95: dict) -> list[str]:
    """The aim, and whether this run met it."""
    out = [
        "Aim (issue 15): p95 at N=30 at most 3x p95 at N=1, no error, memory flat"
        f" (here: RSS at the end of every window within {round((FLAT - 1) * 100)} % of its"
        " middle, each the median of the samples in that fifth of the window; the first"
        " half fills a cold server's caches).",
        "",
    ]
    top = next((r for r in runs if r.n == 30), None)
    if top and base_p95.get("all"):
        p95 = page_stats([v for v in top.visits if v.session >= 0])["p95"]
        ratio = p95 / base_p95["all"] if p95 else float("inf")
        word = "met" if ratio <= AIM_RATIO else "missed"
        failed = sum(1 for v in top.visits if v.session >= 0 and v.error)
        note = (
            f" (over the visits without error: {failed} failed visits at N=30 are left out,"
            " so the ratio is a lower bound)"
            if failed
            else ""
        )
        out.append(f"- p95 N=30 / p95 N=1 = {ratio:.2f}{note} (aim <= {AIM_RATIO:g}): {word}.")
    else:
        out.append("- p95 ratio: not measured (needs N=1 and N=30).")
    errors = sum(1 for r in runs for v in r.visits if v.error)
    out.append(f"- errors: {errors} ({'met' if errors == 0 else 'missed'}).")
    flat = []
    for r in runs:
        mem = memory(r)
        if mem:
            growth = mem["end"] / mem["mid"]
            flat.append(f"N={r.n} end/mid {growth:.2f}" + ("" if growth <= FLAT else " (grew)"))
    grew = any("grew" in f for f in flat)
    out.append(f"- memory: {', '.join(flat)} ({'missed' if grew else 'met'}).")
    out += machine_lines(runs, base_p95)
    return out


def machine_lines(runs: list[Run], base_p95: dict) -> list[str]:
    """The machine's speed around each window (Run.yardstick) and, with N=1 and N=30, the p95
    ratio with each window's p95 divided by its yardstick (context, not the aim)."""
    timed = [r for r in runs if len(r.yardstick) == 2]
    if not timed:
        return []
    around = ", ".join(
        f"N={r.n} {r.yardstick[0]:.3f} s before and {r.yardstick[1]:.3f} s after" for r in timed
    )
    out = [
        "",
        "Machine speed (context): a fixed piece of work (a Python loop, pandas merges and"
        " groupings; load.machine_yardstick) in a fresh process, best of 3 with no server"
        f" running, took {around}.",
    ]
    one = next((r for r in timed if r.n == 1), None)
    top = next((r for r in timed if r.n == 30), None)
    if one and top and base_p95.get("all"):
        p95 = page_stats([v for v in top.visits if v.session >= 0])["p95"]
        slower = (sum(top.yardstick) / 2) / (sum(one.yardstick) / 2)
        if p95:
            out.append(
                f"It took {slower:.2f}x as long around N=30 as around N=1; p95 N=30 /"
                f" p95 N=1 with each p95 divided by its window's time for it:"
                f" {p95 / base_p95['all'] / slower:.2f}."
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10,30", help="comma-separated N (default 1,10,30)")
    parser.add_argument("--seconds", type=float, default=60.0, help="window per N (default 60)")
    parser.add_argument("--db", type=Path, help="store to copy (default: the demo store)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo store")
    parser.add_argument("--as-of", default=AS_OF, help=f"EIS_AS_OF of the server ({AS_OF})")
    parser.add_argument("--upload-every", type=float, default=20.0, help="seconds between commits")
    parser.add_argument("--think", type=float, default=0.0, help="pause after each visit (s)")
    parser.add_argument("--ramp", type=float, default=5.0, help="sessions start over this (s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="a visit's limit (s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the Markdown results file")
    parser.add_argument(
        "--from-raw",
        action="store_true",
        help=f"write the results again from {RAW.relative_to(REPO)} without measuring",
    )
    parser.add_argument(
        "--client-nice",
        type=int,
        default=10,
        help="niceness of this script and its browser; the server keeps the starting one",
    )
    args = parser.parse_args(argv)
    ns = [int(x) for x in args.sessions.split(",") if x.strip()]
    if args.from_raw:
        return rewrite(args)

    OUT.mkdir(parents=True, exist_ok=True)
    store = args.db
    if store is None:
        store = DEMO_STORE
        if args.rebuild or not store.exists():
            print(f"building the demo store into {store} ...", flush=True)
            build_demo_store(store)
    if not store.exists():
        print(f"no store at {store}", file=sys.stderr)
        return 1

    from playwright.async_api import async_playwright

    if args.client_nice:  # the browser on the same machine must not starve the server
        os.nice(args.client_nice)

    loop = asyncio.new_event_loop()
    holder: dict = {}

    async def start():
        holder["pw"] = await async_playwright().start()
        holder["browser"] = await holder["pw"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )

    async def finish():
        await holder["browser"].close()
        await holder["pw"].stop()

    loop.run_until_complete(start())
    runs, failures = [], []
    try:
        machine = machine_line(holder["browser"].version, store)
        for n in ns:
            print(f"N={n}: {args.seconds:g} s ...", flush=True)
            result = run_one(n, store, holder, loop, args)
            if isinstance(result, str):
                failures.append(result)
                print(result, file=sys.stderr)
                continue
            runs.append(result)
            st = page_stats([v for v in result.visits if v.session >= 0])
            print(
                f"N={n}: {st['visits']} visits, {st['errors']} errors, {result.commits} commits, "
                f"p50 {fmt(st['p50'])} s, p95 {fmt(st['p95'])} s",
                flush=True,
            )
    finally:
        loop.run_until_complete(finish())
        loop.close()

    measured = datetime.now()
    return write_results(
        report(runs, args, machine, failures, measured),
        RAW,
        runs,
        args,
        machine,
        failures,
        measured,
    )


def write_results(text: str, raw_path: Path, runs, args, machine, failures, measured) -> int:
    """Write the Markdown results (args.out) and the raw runs (raw_path); print; exit code."""
    args.out.write_text(text)
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    raw = {
        "measured": measured.isoformat(timespec="minutes"),
        "machine": machine,
        "args": settings,
        "runs": [asdict(r) for r in runs],
        "failures": failures,
    }
    raw_path.write_text(json.dumps(raw, indent=1))
    print(text)
    return 1 if failures else 0


def rewrite(args, raw_path: Path = RAW, make_report=None) -> int:
    """The results file again from the raw file of the last measurement (no new run);
    make_report: the report of the benchmark that wrote it (default this one's)."""
    raw = json.loads(raw_path.read_text())
    settings = {**vars(args), **raw.get("args", {})}
    settings["out"] = args.out
    runs = []
    for r in raw["runs"]:
        visits = [Visit(**v) for v in r.pop("visits")]
        samples = [Sample(**x) for x in r.pop("samples")]
        runs.append(Run(**r, visits=visits, samples=samples))
    text = (make_report or report)(
        runs,
        argparse.Namespace(**settings),
        raw["machine"],
        raw.get("failures", []),
        datetime.fromisoformat(raw["measured"]),
    )
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

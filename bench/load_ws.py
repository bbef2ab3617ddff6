"""Load test (issue 15) with light websocket clients: N concurrent sessions on cockpit, map
and profile, timed in Streamlit's own protocol instead of headless browsers.

    .venv/bin/python bench/load_ws.py [--sessions 1,10,30] [--seconds 60|360,120,120] [--db PATH]
    .venv/bin/python bench/load_ws.py --from-raw [--out PATH]   (the report again, no run)

bench/load.py drives Chromium; on a 2-core machine its 30 browser contexts take most
of the CPU, so it measures the load generator. Here each session is one websocket to
/_stcore/stream (subprotocol "streamlit") carrying the app's sign-in cookie
(eis_session). Before the server starts, the copied store gets a sign-in session for
the executive gov21 (lib.services.auth.sessions.begin + exchange: the token the cookie
route would set). A session sends BackMsg.rerun_script with the page's url path as
page_name and its query (cockpit?scope=TH, map, profile?code=21; on the map also a
change of the figure radio in the sidebar, its widget id taken from the run's deltas)
and reads ForwardMsgs until script_finished (a finish "early for rerun" waits for the
next run). A visit's seconds: from the send to that script_finished. Errors: an
exception element or an error box in the deltas, the sign-in form's password field,
a closed connection, no finish within --timeout, no 'gov21 ·' account line in the
menu (signed out: map and profile are open to anonymous visitors too).

The store copy, the server (scripts/serve.py on a free loopback port), the sampling of
its RSS/CPU and of the load generator's CPU, the stats come from bench/load.py (imported).
Sessions pause --think seconds (x 0.5-1.5) after each page, as people reading it, after
--warmup seconds that are not counted. The agency uploads through an inbox feed that the
server's feed worker commits (bench/load_feed.py); /api/status counts the commits.
Results: bench/load_ws_results.md, raw visits
and samples bench/out/load-ws-raw.json, server logs bench/out/load-ws-server-N.log.
Exit 0 when measured, 1 when a server did not start (or died).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402  (bench/load.py: store, server, sampling, stats)
import load_feed  # noqa: E402  (the agency's uploads, as an inbox feed)

from lib.services.auth.sessions import COOKIE_NAME  # noqa: E402  (load put the repo on the path)

RESULTS = HERE / "load_ws_results.md"
RAW = load.OUT / "load-ws-raw.json"
PREP = Path("/tmp/lws")
PAGES = (("cockpit", "scope=TH"), ("map", ""), ("profile", "code=21"))
PASSWORD_LABELS = ("รหัสผ่าน", "Password")  # the sign-in form's field: the session was lost


class Closed(Exception):
    """The server closed the websocket."""


def signed_in_store(store: Path, n: int, user: str) -> tuple[Path, str]:
    """A copy of the store with an open sign-in session for user, and its cookie token (the
    accounts of tests/conftest.py are added to a copy that lacks the user)."""
    from lib.services.auth import sessions
    from lib.services.auth.accounts import load_user
    from lib.store import Store

    PREP.mkdir(parents=True, exist_ok=True)
    copy = PREP / f"store-{n}.duckdb"
    shutil.copyfile(store, copy)
    with Store(copy) as s:
        account = load_user(s, user)
        if account is None:  # a store built without them (`lib init --scale national`)
            from tests.conftest import add_app_users

            add_app_users(s)
            account = load_user(s, user)
        if account is None:
            raise RuntimeError(f"no active account {user} in {store}")
        code = sessions.begin(s, account, "bench load_ws")
        token = sessions.exchange(s, code)
    if token is None:
        raise RuntimeError("the sign-in code could not be exchanged")
    return copy, token


class Client:
    """One Streamlit session over a websocket, as the browser would drive it."""

    def __init__(self, base: str, token: str, timeout: float):
        self.base, self.token, self.timeout = base, token, timeout
        self.ws = None
        self.page_hash = ""  # the page of the last run: a widget change reruns it
        self.seen_user = False  # the last run showed the executive's account line
        self.radio: tuple[str, list[str], str] | None = None  # map figure: id, options, now

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await connect(
            url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"{COOKIE_NAME}={self.token}"},
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    def back_msg(self, page: str, query: str, widgets=None) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_name = page
        state.page_script_hash = self.page_hash if widgets else ""
        url = f"{self.base}/{page}" + (f"?{query}" if query else "")
        state.context_info.url = url
        state.context_info.timezone = "Asia/Bangkok"
        state.context_info.locale = "th-TH"
        if widgets:
            state.widget_states.widgets.extend(widgets)
        return msg.SerializeToString()

    async def rerun(self, page: str, query: str, widgets=None) -> tuple[float, int, str]:
        """(seconds, runs, problem) of one rerun: send, then read up to its finish."""
        if self.ws is None:
            await self.connect()
        started = time.monotonic()
        await self.ws.send(self.back_msg(page, query, widgets))
        runs, problems = 0, []
        self.seen_user = False
        deadline = started + self.timeout
        while True:
            msg = await self.receive(deadline - time.monotonic())
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                runs += 1
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
            elif kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash or self.page_hash
            elif kind == "delta":
                self.inspect(msg.delta, problems)
            elif kind == "page_not_found":
                problems.append(f"page not found: {page}")
            elif kind == "script_finished":
                if msg.script_finished != msg.FINISHED_EARLY_FOR_RERUN:
                    break
        seconds = time.monotonic() - started
        if not self.seen_user:
            problems.append(f"signed out: no '{load.EXECUTIVE} ·' account line in the menu")
        return seconds, runs, "; ".join(dict.fromkeys(problems))

    async def receive(self, timeout: float):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        if timeout <= 0:
            raise TimeoutError(f"no script_finished within {self.timeout:g} s")
        try:
            data = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no script_finished within {self.timeout:g} s") from None
        except ConnectionClosed as exc:
            self.ws = None
            raise Closed(f"connection closed ({exc.rcvd.code if exc.rcvd else '-'})") from None
        msg = ForwardMsg()
        msg.ParseFromString(data)
        return msg

    def inspect(self, delta, problems: list[str]) -> None:
        """Note exceptions, error boxes, the sign-in form; remember the map's figure radio."""
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            problems.append(f"exception: {el.exception.type}: {el.exception.message[:120]}")
        elif kind == "alert" and el.alert.format == el.alert.ERROR:
            problems.append("error box: " + " ".join(el.alert.body.split())[:120])
        elif kind == "markdown" and el.markdown.body.startswith(f"{load.EXECUTIVE} ·"):
            self.seen_user = True  # the menu's account line: still signed in
        elif kind == "text_input" and el.text_input.label.strip() in PASSWORD_LABELS:
            problems.append("signed out: the sign-in form is shown")
        elif kind == "radio" and set(load.FIGURE_KINDS) <= set(el.radio.options):
            r = el.radio
            now = r.raw_value if r.raw_value else r.options[r.default]
            self.radio = (r.id, list(r.options), now)

    async def change_figure(self) -> tuple[float, int, str]:
        """Pick the map's other figure kind (health <-> KPI score), as a click would."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if self.radio is None:
            raise LookupError("the map's figure radio was not found")
        wid, options, now = self.radio
        other = next(k for k in load.FIGURE_KINDS if k != now)
        state = WidgetState(id=wid, string_value=other)
        result = await self.rerun("map", "", [state])
        if self.radio and self.radio[0] == wid:
            self.radio = (wid, options, other)
        return result


# -- the sessions and one N ---------------------------------------------------------------


async def session_loop(i: int, n: int, base: str, token: str, clock, args, visits, until) -> None:
    """One executive: cockpit, map (+ a figure change), profile, round and round."""
    await asyncio.sleep(i * args.ramp / max(n, 1))
    client = Client(base, token, args.timeout)
    order = PAGES[i % len(PAGES) :] + PAGES[: i % len(PAGES)]
    pause = random.Random(i)  # a person reads a page for think x 0.5 to 1.5 seconds
    try:
        while clock.now() < until:
            for name, query in order:
                if clock.now() >= until:
                    break
                steps = [(name, query)] + ([(load.MAP_FIGURE, None)] if name == "map" else [])
                for step, target in steps:
                    how = load.CLICK if target is None else load.IN_APP
                    if target is not None and client.ws is None:
                        how = load.LOAD  # a new connection: a new Streamlit session
                    visit = load.Visit(
                        n, i, step, clock.now(), None, how=how, commits_before=clock.commits
                    )
                    try:
                        if target is None:
                            result = await client.change_figure()
                        else:
                            result = await client.rerun(name, target)
                        visit.seconds, visit.runs, visit.error = result
                    except Exception as exc:  # timeout, closed: an error, then reconnect
                        visit.error = load._short(exc)
                        await client.close()
                    if visit.at >= 0:  # not the warm-up's
                        visits.append(visit)
                    if visit.error:
                        break
                if args.think:
                    await asyncio.sleep(args.think * pause.uniform(0.5, 1.5))
    finally:
        await client.close()


async def measure(n: int, server, token: str, args, run, feed: tuple[Path, str] | None) -> None:
    """The window of one N: the sessions and, with `feed` (inbox, area), the agency. The
    sessions open and the server warms in the --warmup seconds before the window; the same
    sessions go on into it, and only visits that start in it are counted."""
    inbox = feed[0] if feed is not None else None
    clock = load.Clock()
    clock.origin += max(args.warmup, 0.0)  # clock.now() < 0: the warm-up
    end = args.seconds
    sessions = [
        asyncio.create_task(session_loop(i, n, server.base, token, clock, args, run.visits, end))
        for i in range(n)
    ]
    await asyncio.sleep(max(clock.origin - time.monotonic(), 0.0))
    run.window_origin = clock.origin
    pid = server.proc.pid
    first = load.Sample(
        clock.origin, *load._proc_rss_cpu(pid), load._machine_busy(), load._client_cpu(pid)
    )
    run.samples.append(first)
    tasks = []
    if inbox is not None:
        tasks.append(load_feed.agency(inbox, args.upload_every, clock, end, feed[1]))
        tasks.append(load_feed.watch(server.base, clock, end, run.commit_times))
    await asyncio.gather(*sessions, *tasks)
    run.window_end = clock.now()
    run.commits = load_feed.committed(inbox) if inbox is not None else 0


def run_one(n: int, store: Path, args):
    """One N on a fresh server; a Run, or why the server failed."""
    log_path = load.OUT / f"load-ws-server-{n}.log"
    before = load.machine_yardstick()
    prepared, token = signed_in_store(store, n, load.EXECUTIVE)
    inbox = feed = None
    if args.upload_every > 0:
        inbox = PREP / f"inbox-{n}"
        feed = (inbox, load_feed.add_inbox_feed(prepared, inbox))
    # tests.conftest (imported for the accounts and the layout) turns the worker off
    os.environ["EIS_FEED_WORKER"] = "1" if inbox is not None else "0"
    server = load.Server(prepared, log_path, args.as_of)
    prepared.unlink(missing_ok=True)
    run = load.Run(n, args.seconds, server_log=str(log_path.relative_to(load.REPO)))
    try:
        why = server.wait_healthy()
        if why:
            return f"N={n}: {why}\n{server.tail()}"
        run.idle_rss_mb = load._proc_rss_cpu(server.proc.pid)[0]
        run.server_nice = load._niceness(server.proc.pid)
        sampler = load.Sampler(server.proc.pid, run.samples)
        sampler.start()
        try:
            asyncio.run(measure(n, server, token, args, run, feed))
        finally:
            sampler.stop()
        origin = run.window_origin or time.monotonic()
        run.samples = sorted((replace(s, t=s.t - origin) for s in run.samples), key=lambda s: s.t)
        if not server.alive():
            return f"N={n}: the server died during the run\n{server.tail()}"
        return run
    finally:
        server.stop()
        run.yardstick = [before, load.machine_yardstick()]


# -- the report ---------------------------------------------------------------------------


def table_rows(runs, base_p95: dict) -> list[str]:
    fmt = load.fmt

    def ratio(p95, key):
        b = base_p95.get(key)
        return "-" if p95 is None or not b else f"{p95 / b:.2f}"

    lines = [
        "| N | window s | visits | errors | commits | p50 s | p95 s | max s | p95 / p95(N=1) "
        "| RSS start MB | mid MB | peak MB | end MB | CPU server | clients | machine |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        st, mem = load.page_stats(r.visits), load.memory(r)
        mb = [fmt(mem.get(k), 0) for k in ("start", "mid", "peak", "end")]
        cpu = [fmt(mem.get(k)) for k in ("server_cpu", "client_cpu", "machine_cpu")]
        lines.append(
            f"| {r.n} | {r.seconds:g} | {st['visits']} | {st['errors']} | {r.commits}"
            f" | {fmt(st['p50'])}"
            f" | {fmt(st['p95'])} "
            f"| {fmt(st['max'])} | {ratio(st['p95'], 'all')} | {' | '.join(mb)} "
            f"| {' | '.join(cpu)} |"
        )
    lines += [
        "",
        "Per page:",
        "",
        "| N | page | visits | errors | p50 s | p95 s | max s | p95 / p95(N=1) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        for name in [p for p, _ in PAGES] + [load.MAP_FIGURE]:
            st = load.page_stats([v for v in r.visits if v.page == name])
            if st["visits"]:
                lines.append(
                    f"| {r.n} | {name} | {st['visits']} | {st['errors']} | {fmt(st['p50'])} "
                    f"| {fmt(st['p95'])} | {fmt(st['max'])} | {ratio(st['p95'], name)} |"
                )
    return lines


def report(runs, args, machine: str, failures: list[str], measured: datetime) -> str:
    base = next((r for r in runs if r.n == 1), None)
    base_p95 = {}
    if base:
        base_p95["all"] = load.page_stats(base.visits)["p95"]
        for name in [p for p, _ in PAGES] + [load.MAP_FIGURE]:
            base_p95[name] = load.page_stats([v for v in base.visits if v.page == name])["p95"]
    nice = runs[0].server_nice if runs else load.SERVER_NICE
    lines = [
        "# Under load, websocket clients (issue 15)",
        "",
        f"Measured {measured:%Y-%m-%d %H:%M} by `bench/load_ws.py --sessions {args.sessions}"
        f" --seconds {args.seconds} --think {args.think:g} --warmup {args.warmup:g}"
        f" --upload-every {args.upload_every:g}` (ramp {args.ramp:g} s, timeout"
        f" {args.timeout:g} s).",
        "",
        f"Machine: {machine}.",
        "",
        "Each N on a fresh server and a fresh copy of the store (cold caches at the start);"
        " N executive sessions (gov21), each one websocket speaking Streamlit's protocol,"
        " loop over cockpit (scope TH), map (then a change of the figure radio) and profile"
        " (21). Seconds: from sending the rerun (BackMsg.rerun_script) to the run's"
        " script_finished, at the client; the browser's rendering is not included (compare"
        " bench/load_results.md). p50, p95 and max are over the visits without error. RSS of"
        " the server over the window (mid and end: the medians of its middle and last"
        " fifths); CPU in cores busy on average: the server, the load"
        " generator (this one Python process) and the whole machine. Niceness: server"
        f" {nice}, clients {nice + args.client_nice}.",
        "",
        "Pacing: after each page (the map with its figure change) a session pauses"
        f" {args.think:g} s x 0.5 to 1.5 (seeded per session), as a person reading it;"
        " think 0 is a saturation test (every session reruns back to back, so one"
        " server process's p95 grows with N whatever a rerun costs). The sessions first"
        f" run {args.warmup:g} s that are not counted (the server warms, the sessions"
        " open), then the window.",
        "",
        agency_line(args),
        "",
        *table_rows(runs, base_p95),
    ]
    errors: dict[str, int] = {}
    for r in runs:
        for v in r.visits:
            if v.error:
                key = f"N={r.n} {v.page}: {v.error}"
                errors[key] = errors.get(key, 0) + 1
    for r in runs:
        if r.commit_times:
            times = ", ".join(f"{t:g}" for t in r.commit_times)
            what = f"{r.commits} documents committed; new data versions at {times} s"
            lines += ["", f"N={r.n}: {what}."]
    if errors:
        lines += ["", "Errors (tracebacks in bench/out/load-ws-server-N.log):", ""]
        lines += [f"- {k} (x{c})" for k, c in sorted(errors.items())]
    for why in failures:
        lines += ["", f"Server failure: {why.splitlines()[0]}"]
    lines += ["", *load.verdict(runs, base_p95), ""]
    return "\n".join(lines)


def agency_line(args) -> str:
    if args.upload_every <= 0:
        return "No agency uploads in this run (--upload-every 0)."
    return (
        "The agency: its uploads arrive as an integration feed (bench/load_feed.py). A"
        f" document with a changed FIN01 value for Rayong lands in the feed's inbox every"
        f" {args.upload_every:g} s; the server's feed worker (one round a minute) reads,"
        " validates, previews and commits it in the server process, and each commit is"
        " a new data version (seen on /api/status), so the sessions' next pages get"
        " figures recomputed for it. Commits: the documents the worker committed in the"
        " window (filed in the inbox's processed/; two in one second show as one new"
        " data version)."
    )


def machine_line(store: Path) -> str:
    import duckdb
    import streamlit
    import websockets

    return (
        f"{os.cpu_count()} CPUs · Python {sys.version.split()[0]} · streamlit"
        f" {streamlit.__version__} · duckdb {duckdb.__version__} · websockets"
        f" {websockets.__version__} · store {store.name}"
        f" ({store.stat().st_size / 2**20:.0f} MB) · as of {load.AS_OF}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10,30", help="comma-separated N (default 1,10,30)")
    parser.add_argument(
        "--seconds",
        default="60",
        help="window per N (default 60); a comma-separated list gives each N its own "
        "(360,120,120: N=1 visits a page only every 10 s or so, so its p95 needs a longer one)",
    )
    parser.add_argument("--db", type=Path, help="store to copy (default: the demo store)")
    parser.add_argument("--as-of", default=load.AS_OF, help="EIS_AS_OF of the server")
    parser.add_argument(
        "--think", type=float, default=10.0, help="pause after each page, x 0.5-1.5 (s)"
    )
    parser.add_argument("--warmup", type=float, default=30.0, help="uncounted start (s)")
    parser.add_argument(
        "--upload-every", type=float, default=60.0, help="agency document every (s); 0: none"
    )
    parser.add_argument("--ramp", type=float, default=5.0, help="sessions start over this (s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="a visit's limit (s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the Markdown results file")
    parser.add_argument("--client-nice", type=int, default=10, help="niceness of the clients")
    parser.add_argument(
        "--from-raw",
        action="store_true",
        help=f"write the results again from {RAW.relative_to(load.REPO)} without measuring",
    )
    args = parser.parse_args(argv)
    if args.from_raw:
        return load.rewrite(args, RAW, report)
    ns = [int(x) for x in args.sessions.split(",") if x.strip()]
    windows = [float(x) for x in str(args.seconds).split(",") if x.strip()]
    if len(windows) == 1:
        windows *= len(ns)
    if len(windows) != len(ns):
        parser.error("--seconds: one window, or one per N of --sessions")
    load.OUT.mkdir(parents=True, exist_ok=True)
    store = args.db or load.DEMO_STORE
    if args.db is None and not store.exists():
        print(f"building the demo store into {store} ...", flush=True)
        load.build_demo_store(store)
    if not store.exists():
        print(f"no store at {store}", file=sys.stderr)
        return 1
    if args.client_nice:
        os.nice(args.client_nice)  # the server goes back to the starting priority
    runs, failures = [], []
    for n, window in zip(ns, windows, strict=True):
        print(f"N={n}: {window:g} s ...", flush=True)
        result = run_one(n, store, argparse.Namespace(**{**vars(args), "seconds": window}))
        if isinstance(result, str):
            failures.append(result)
            print(result, file=sys.stderr)
            continue
        runs.append(result)
        st = load.page_stats(result.visits)
        print(
            f"N={n}: {st['visits']} visits, {st['errors']} errors, p50 {load.fmt(st['p50'])}"
            f" s, p95 {load.fmt(st['p95'])} s",
            flush=True,
        )
    measured, machine = datetime.now(), machine_line(store)
    text = report(runs, args, machine, failures, measured)
    return load.write_results(text, RAW, runs, args, machine, failures, measured)


if __name__ == "__main__":
    sys.exit(main())

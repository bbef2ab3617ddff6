"""The app's own HTTP side (st.App): the sign-in cookie's routes and the start-up of the store.

app.py builds ``st.App(..., routes=routes(), lifespan=lifespan)`` when it is
imported as the server (``streamlit run app.py`` or scripts/serve.py); the
same file is the router when Streamlit runs it as the script.

- ``/api/session/start?code=...&next=...``: exchanges a one-time sign-in code
  (lib.services.auth.sessions) for the session token, sets it as an HttpOnly,
  SameSite=Lax cookie on "/" (Secure over https) with Starlette's
  ``Response.set_cookie``, and sends the browser back to ``next`` (same-site
  paths only).
- ``/api/session/end?next=...``: revokes the cookie's session and deletes the cookie.
- ``/api/status``: JSON ``{"ok", "store": "file"|"shared", "data_version"}`` (503 when the
  store cannot be read), for a reverse proxy's health check and monitoring; app servers
  of one shared store show the same data version.
- lifespan: builds or migrates the store before the server takes requests, with
  a progress line in the log; marks the routes as served (`routes_live`); starts
  the worker of scheduled report deliveries (lib.reports.schedule.Worker; off
  with EIS_REPORT_WORKER=0) and the integration feeds' (lib.services.feeds.Worker;
  off with EIS_FEED_WORKER=0) and stops them with the server; starts the keeper of
  today's figures (lib.views.fresh), warms the country's cockpit and stops the
  keeper with the server.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from lib.core.settings import feed_worker_enabled, report_worker_enabled, store_location
from lib.services.auth import sessions
from lib.store.server import is_server, shown

START_PATH = "/api/session/start"
END_PATH = "/api/session/end"
STATUS_PATH = "/api/status"
_LIVE = threading.Event()  # set once this process serves the routes below


def routes_live() -> bool:
    """True when this process serves the cookie routes (a server started from app.py)."""
    return _LIVE.is_set()


def start_url(code: str, next_path: str) -> str:
    """Where the browser goes right after a sign-in: the start route with its code."""
    return f"{_base()}{START_PATH}?{urlencode({'code': code, 'next': next_path})}"


def end_url(next_path: str) -> str:
    """Where the browser goes at sign-out: the route that deletes the cookie."""
    return f"{_base()}{END_PATH}?{urlencode({'next': next_path})}"


def _base() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _store():
    from lib.ui.core import _store as cached_store

    return cached_store(str(store_location()))


def _origin(request: Request) -> str:
    host = request.client.host if request.client else None
    return f"app {host}" if host else "app"


def _start(request: Request) -> RedirectResponse:
    """Exchange the hand-off code for the session cookie, then go back to the page."""
    next_path = sessions.safe_next(request.query_params.get("next"), _base() + "/")
    token = sessions.exchange(_store(), request.query_params.get("code"))
    response = RedirectResponse(next_path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if token is not None:
        response.set_cookie(
            sessions.COOKIE_NAME,
            token,
            max_age=int(sessions.SESSION_MAX_AGE.total_seconds()),
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )
    return response


def _end(request: Request) -> RedirectResponse:
    """Revoke the cookie's session (if still open), delete the cookie, go back."""
    next_path = sessions.safe_next(request.query_params.get("next"), _base() + "/")
    token = request.cookies.get(sessions.COOKIE_NAME)
    if token:
        sessions.end(_store(), token, _origin(request))
    response = RedirectResponse(next_path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(
        sessions.COOKIE_NAME,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


def _status(_request: Request) -> JSONResponse:
    """For the reverse proxy and monitoring: this app server answers and reads its store.
    `data_version` is a digest of the store's data version (no path or URL in it): every app
    server of one shared store shows the same one, and a new one after each commit."""
    try:
        version = _store().data_version()
    except Exception:  # noqa: BLE001  (any failure to read the store: not serving)
        return JSONResponse({"ok": False}, status_code=503, headers={"Cache-Control": "no-store"})
    digest = hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]
    shared = is_server(str(store_location()))
    body = {"ok": True, "store": "shared" if shared else "file", "data_version": digest}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The app's own routes, beside Streamlit's (sync handlers run in a worker thread)."""
    base = _base()
    return [
        Route(base + START_PATH, _start, methods=["GET"]),
        Route(base + END_PATH, _end, methods=["GET"]),
        Route(base + STATUS_PATH, _status, methods=["GET"]),
    ]


def prepare_store() -> float:
    """Build or migrate the store now (not on the first visit); seconds taken, logged."""
    path = shown(str(store_location()))
    print(f"EIS: preparing store {path} (build or migrate) ...", flush=True)
    started = time.perf_counter()
    # no page is running yet: Streamlit's note that its spinner has no page to go to is muted
    notes = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    notes.disabled = True
    try:
        _store()
    finally:
        notes.disabled = False
    seconds = time.perf_counter() - started
    print(f"EIS: store {path} ready in {seconds:.1f} s", flush=True)
    return seconds


def start_report_worker():
    """Start the thread that sends the scheduled reports on the app's store; None when off."""
    if not report_worker_enabled():  # lib.core.settings: EIS_REPORT_WORKER=0
        return None
    from lib.reports.schedule import Worker

    worker = Worker(_store())
    worker.start()
    print("EIS: scheduled report deliveries: worker started", flush=True)
    return worker


def start_feed_worker():
    """Start the thread that runs the due integration feeds on the app's store (the app is the
    store's one writing process); None when off."""
    if not feed_worker_enabled():  # lib.core.settings: EIS_FEED_WORKER=0
        return None
    from lib.services.feeds import Worker

    worker = Worker(_store())
    worker.start()
    print("EIS: integration feeds: worker started", flush=True)
    return worker


def start_fresh_figures():
    """Keep today's cockpit figures fresh (lib.views.fresh) and start computing the country's
    cockpit of the default round (staff's and public's), so neither the first visit nor the
    first one after an upload pays the cold computation (a warmed cockpit no page has shown
    yet is not recomputed after each commit: its first visit after one is shown the warmed
    figures at once while they are recomputed). The keeper, to stop at shutdown."""
    from lib.views import fresh
    from lib.views.cockpit import kept

    s = _store()
    keeper = fresh.keeper(s)
    keeper.start()
    kept.warm(s, s.figures_as_of())
    print("EIS: fresh figures: keeper started, default cockpit warming", flush=True)
    return keeper


@asynccontextmanager
async def lifespan(_app):
    """Server start: the store is ready before the first request, the scheduled reports' and
    the integration feeds' workers and the fresh figures' keeper run; then the routes are
    live. Server stop: they stop."""
    await run_in_threadpool(prepare_store)
    workers = [start_report_worker(), start_feed_worker()]
    keeper = start_fresh_figures()
    _LIVE.set()
    try:
        yield
    finally:
        _LIVE.clear()
        keeper.stop()
        for worker in workers:
            if worker is not None:
                worker.stop()

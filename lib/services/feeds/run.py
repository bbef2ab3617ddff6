"""A feed's run: its documents through the upload pipeline as the feed's account, recorded.

Every document goes the way of a file uploaded by hand (lib.services.upload:
preview_upload with the feed's saved layout, commit_refusal, check_as and
commit_as, audited with origin 'feed'): a file with problems commits nothing and
is a rejected run with each problem's row, column and reason; an account that may
not write it is a refused run; a source that cannot be read is an error run. Each
run is kept (Store.record_feed_run) with the feed's next due time (lib.services
.feeds.due). `run_due` runs every due feed; `Worker` does it in the app's thread.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from lib.core.i18n import InputError, LocalizedError
from lib.core.settings import FEED_TIMEOUT_S
from lib.core.worker import Periodic
from lib.services import auth, layouts, upload
from lib.services.feeds import sources
from lib.services.feeds.due import GOOD, failures_after, is_due, next_due

log = logging.getLogger(__name__)
ORIGIN = "feed"
COUNTS = ("n_rows", "n_new", "n_changed", "n_rejected")  # of a run
INTERVAL_S = 60.0
# How long a claimed run keeps other app servers off a feed should this one die mid-run.
CLAIM_LEASE = timedelta(minutes=30)
_ONE_ROUND = threading.Lock()


def _error(th: str, en: str, row=None, column: str = "") -> dict:
    """One recorded problem of a run: where (row, column) and why, in Thai and English."""
    place_th = " ".join(
        x for x in (f"แถว {row}" if row else "", f"คอลัมน์ {column}" if column else "") if x
    )
    place_en = ", ".join(
        x for x in (f"row {row}" if row else "", f"column {column}" if column else "") if x
    )
    return {
        "row": row,
        "column": column,
        "th": f"{place_th}: {th}" if place_th else th,
        "en": f"{place_en}: {en}" if place_en else en,
    }


def _of(exc: Exception) -> dict:
    if isinstance(exc, LocalizedError):
        return _error(exc.message_th, exc.message_en)
    return _error(f"ผิดพลาด: {exc}", f"{type(exc).__name__}: {exc}")


def deliver(store, feed: dict, name: str, data: bytes, started: datetime) -> dict:
    """Take one document through the upload pipeline as the feed's account; the run."""
    run = {"feed_id": int(feed["id"]), "started_at": started, "file_name": name}
    run |= {"checksum": upload.checksum(data), **dict.fromkeys(COUNTS, 0)}
    user = auth.load_user(store, feed["username"])
    if user is None:
        th, en = f"ไม่มีบัญชี {feed['username']} ที่ใช้งานอยู่", f"no active account {feed['username']}"
        return {**run, "status": "refused", "errors": [_error(th, en)]}
    try:
        layout = layouts.named(store, user, feed["layout_name"], agency_code=feed["agency_code"])
        preview = upload.preview_upload(store, data, name, layout=layout)
    except InputError as exc:
        return {**run, "status": "rejected", "errors": [_of(exc)]}
    counts = preview.counts
    run |= {
        "n_rows": len(preview.compare) + counts.get("rejected", 0),
        "n_rejected": counts.get("rejected", 0),
    }
    refusal = upload.commit_refusal(preview)
    if refusal is not None:
        problems = [_error(p.message_th, p.message_en, p.row, p.column) for p in preview.problems]
        return {**run, "status": "rejected", "errors": [*problems, _of(refusal)]}
    try:
        batch_id = upload.commit_as(store, user, preview, origin=ORIGIN, feed_id=int(feed["id"]))
    except auth.PermissionDenied as exc:
        return {**run, "status": "refused", "errors": [_of(exc)]}
    if batch_id is None:
        return {**run, "status": "unchanged", "errors": []}
    return {
        **run,
        "status": "committed",
        "batch_id": batch_id,
        "n_new": counts.get("new", 0),
        "n_changed": counts.get("changed", 0),
        "errors": [],
    }


def _record(store, feed: dict, run: dict, failures: int, now: datetime) -> dict:
    """Keep a run and the feed's next due time; the run with its id and failures after it."""
    failures = failures_after(run["status"], failures)
    first = (run.get("errors") or [{}])[0]
    state = {
        "next_due_at": next_due(now, int(feed["every_minutes"]), failures),
        "failures": failures,
        "last_run_at": now,
        "last_status": run["status"],
        "last_error": None if run["status"] in GOOD else first.get("en"),
    }
    run = {"finished_at": datetime.now(), **run}
    run["id"] = store.record_feed_run(run, state)
    return {**run, "failures": failures, "next_due_at": state["next_due_at"]}


def _documents(feed: dict) -> list[tuple[str, object, object]]:
    """(name, read() -> bytes, inbox path or None) of what the feed offers now (FeedError
    when the source cannot be read at all)."""
    if feed["kind"] == "url":
        data, name = sources.fetch(feed["source"], FEED_TIMEOUT_S)
        return [(name, lambda: data, None)]
    return [
        (p.name, lambda p=p: sources.read_file(p), p) for p in sources.inbox_files(feed["source"])
    ]


def _document_run(store, feed: dict, name: str, read, now: datetime) -> dict:
    """The run of one document: delivered, or rejected (too large), or an error (unreadable)."""
    base = {"feed_id": int(feed["id"]), "started_at": now, "file_name": name}
    try:
        data = read()
    except sources.TooLarge as exc:
        return {**base, **dict.fromkeys(COUNTS, 0), "status": "rejected", "errors": [_of(exc)]}
    except OSError as exc:
        return {**base, **dict.fromkeys(COUNTS, 0), "status": "error", "errors": [_of(exc)]}
    return deliver(store, feed, name, data, now)


def run_feed(store, feed: dict, now: datetime | None = None) -> list[dict]:
    """Run one feed now: one recorded run per document (none for an empty inbox); an inbox's
    file is moved to processed/ or rejected/ once read (left in place after an error)."""
    now = now or datetime.now()
    failures = int(feed.get("failures") or 0)
    base = {"feed_id": int(feed["id"]), "started_at": now, **dict.fromkeys(COUNTS, 0)}
    try:
        documents = _documents(feed)
    except (InputError, OSError) as exc:
        return [
            _record(store, feed, {**base, "status": "error", "errors": [_of(exc)]}, failures, now)
        ]
    if not documents:  # an inbox with nothing new: healthy, looked at again next interval
        state = {"next_due_at": next_due(now, int(feed["every_minutes"]), 0), "failures": 0}
        store.set_feed_state(int(feed["id"]), state)
        return []
    runs = []
    for name, read, path in documents:
        run = _record(store, feed, _document_run(store, feed, name, read, now), failures, now)
        failures = run["failures"]
        if path is not None and run["status"] != "error":
            outcome = sources.PROCESSED if run["status"] in GOOD else sources.REJECTED
            sources.file_away(path, outcome, now)
        runs.append(run)
    return runs


def run_due(store, now: datetime | None = None, feed_id: int | None = None) -> list[dict]:
    """Run every due feed (or the one given, due or not); a failure is a recorded run.

    One round at a time in this process (the worker and a page's "run now" never read the
    same inbox file twice): a second caller waits, then sees the feeds as the first left them.
    """
    with _ONE_ROUND:
        return _run_due(store, now or datetime.now(), feed_id)


def _run_due(store, now: datetime, feed_id: int | None) -> list[dict]:
    feeds = store.feeds().to_dict("records")
    chosen = [
        f for f in feeds if (int(f["id"]) == feed_id if feed_id is not None else is_due(f, now))
    ]
    runs: list[dict] = []
    for feed in chosen:
        lease = now + CLAIM_LEASE  # the run records the real next due time when it ends
        if feed_id is None and not store.claim_feed(int(feed["id"]), feed["next_due_at"], lease):
            continue  # another app server of a shared store (or round) runs it
        try:
            runs.extend(run_feed(store, feed, now))
        except Exception as exc:  # noqa: BLE001 - one feed's fault is its run, not the others'
            log.exception("integration feed %s: the run failed", feed["id"])
            failures = int(feed.get("failures") or 0)
            run = {"feed_id": int(feed["id"]), "started_at": now, "status": "error"}
            run |= dict.fromkeys(COUNTS, 0)
            runs.append(_record(store, feed, {**run, "errors": [_of(exc)]}, failures, now))
    return runs


class Worker(Periodic):
    """A daemon thread of the app calling run_due(store, clock()) every `interval_s` seconds.

    Nothing it meets is raised into the caller: errors are logged and the next round
    comes. Opens nothing: it uses the app's own store (one writing process).
    """

    thread_name = "eis-feed-worker"
    what = "integration feeds"

    def __init__(self, store, interval_s: float = INTERVAL_S, clock=datetime.now):
        super().__init__(store, interval_s, clock)

    def round(self) -> list[dict]:
        """One round of run_due."""
        return run_due(self.store, self.clock())

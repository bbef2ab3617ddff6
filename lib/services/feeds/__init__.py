"""Integration feeds (บูรณาการเชื่อมโยงข้อมูล): an agency's data arriving by itself.

An administrator defines a feed per agency (`definitions.add`): an inbox folder
whose dropped files are read once, or an http(s) URL of a CSV, XLSX or JSON document
fetched every so many minutes; each reads with one of the agency's saved layouts
and writes as one account of the agency. `run.run_due` runs the feeds that are
due through the upload pipeline and records every run; the app does it in its
own thread (`run.Worker`, started by lib.ui.server; no second writing process),
`python -m lib feeds run` from the command line. `due` decides when a feed runs
next and backs a failing one off. A committed feed batch keeps the areas and
period ends it delivered: KPI 4.4 step 1 (lib.engine.coverage).
"""

from lib.services.feeds.definitions import KINDS, add, listed, remove, runs, troubled
from lib.services.feeds.due import HEALTH, health, next_due, wait_minutes
from lib.services.feeds.run import Worker, deliver, run_due, run_feed
from lib.services.feeds.sources import FeedError, check_url, fetch

__all__ = [
    "HEALTH",
    "KINDS",
    "FeedError",
    "Worker",
    "add",
    "check_url",
    "deliver",
    "fetch",
    "health",
    "listed",
    "next_due",
    "remove",
    "run_due",
    "run_feed",
    "runs",
    "troubled",
    "wait_minutes",
]

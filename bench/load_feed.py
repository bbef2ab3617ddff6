"""The agency of bench/load_ws.py: its uploads arrive as an integration feed.

Before the server starts, the store copy gets an inbox feed (lib.services.feeds) of the
provincial treasury (PTO, account pto21) with the layout of tests/feeds_fixtures.py: a
CSV of FIN01 for Rayong (the province, or its district Mueang Rayong where the store's
catalogue reports FIN01 by district, as the national benchmark store does). While the
sessions run, `agency` drops a document with a changed value into the inbox every
--upload-every seconds; the server's feed worker
(one round a minute, lib.services.feeds.run.INTERVAL_S) reads, validates, previews and
commits each document through the upload pipeline in the server process, as it would
in production. `watch` polls /api/status every second: each new data version is a
commit, so every session's next page recomputes (or waits for) its figures.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
from pathlib import Path

AGENCY_USER, ADMIN_USER = "pto21", "admin1"
PROVINCE, DISTRICT = "ระยอง", "เมืองระยอง"  # Rayong, and its capital district
POLL_S = 1.0


def add_inbox_feed(store_path: Path, inbox: Path) -> str:
    """The PTO's layout and an inbox feed due every minute, on the store copy; the name of
    the area its documents give values for (at the level the catalogue reports FIN01)."""
    from lib.services import auth, feeds, layouts
    from lib.store import Store
    from tests.feeds_fixtures import LAYOUT, LAYOUT_NAME

    shutil.rmtree(inbox, ignore_errors=True)  # an earlier run's documents, filed or not
    inbox.mkdir(parents=True)
    with Store(store_path) as s:
        layouts.save(s, auth.load_user(s, AGENCY_USER), LAYOUT_NAME, LAYOUT, origin="bench")
        feeds.add(
            s,
            auth.load_user(s, ADMIN_USER),
            name="คลังจังหวัด (bench)",
            agency_code="PTO",
            kind="inbox",
            source=str(inbox),
            layout_name=LAYOUT_NAME,
            username=AGENCY_USER,
            every_minutes=1,
            origin="bench",
        )
        level = s.catalog().set_index("code").at["FIN01", "area_level"]
    return DISTRICT if level == "district" else PROVINCE


def write_document(inbox: Path, k: int, area: str = PROVINCE) -> Path:
    """The k-th document: FIN01 of `area` for two months, one value changed each time."""
    from tests.feeds_fixtures import csv_bytes

    rows = [(area, "2026-09", 60.0 + k * 0.25), (area, "2026-10", 70.0)]
    path = inbox / f"fin01-{k:04d}.csv"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(csv_bytes(rows))
    tmp.replace(path)  # whole, never half-written, when the worker looks
    return path


async def agency(inbox: Path, every: float, clock, until: float, area: str = PROVINCE) -> int:
    """A document every `every` seconds of the window; how many were written."""
    k = 0
    while clock.now() < until:
        write_document(inbox, k, area)
        k += 1
        await asyncio.sleep(every)
    return k


def committed(inbox: Path) -> int:
    """Documents the feed worker read and committed (filed away in processed/)."""
    done = inbox / "processed"
    return sum(1 for _ in done.glob("*.csv")) if done.is_dir() else 0


def _version(base: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{base}/api/status", timeout=5) as response:
            return json.loads(response.read())["data_version"]
    except (OSError, ValueError, KeyError):
        return None


async def watch(base: str, clock, until: float, changes: list[float]) -> None:
    """Note new data versions: their times in `changes` (clock.commits counts them)."""
    seen = await asyncio.to_thread(_version, base)
    while clock.now() < until:
        await asyncio.sleep(POLL_S)
        now = await asyncio.to_thread(_version, base)
        if now is not None and seen is not None and now != seen:
            clock.commits += 1
            changes.append(round(clock.now(), 1))
        seen = now if now is not None else seen

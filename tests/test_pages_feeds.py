"""AppTest of integration feeds on screen: the administrator's tab lists each feed with its
health and last run, and the runs; the cockpit's data health names a failing feed; the
server starts the feed worker unless switched off."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.services import auth, feeds, layouts
from lib.store import Store
from tests.feeds_fixtures import LAYOUT, LAYOUT_NAME, closed_port_url, csv_bytes

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def feeds_store_path(app_store_path, tmp_path_factory):
    """The app-test store with PTO's layout, an inbox feed that delivered and a failing one."""
    root = tmp_path_factory.mktemp("feeds-app")
    path = root / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "fin.csv").write_bytes(csv_bytes([("ระยอง", "2026-10", 71.25)]))
    with Store(path) as store:
        layouts.save(store, auth.load_user(store, "pto21"), LAYOUT_NAME, LAYOUT, origin="test")
        admin = auth.load_user(store, "admin1")
        common = {"agency_code": "PTO", "layout_name": LAYOUT_NAME, "username": "pto21"}
        feeds.add(store, admin, name="กล่องรับไฟล์คลัง", kind="inbox", source=str(inbox), **common)
        feeds.add(store, admin, name="ระบบคลังล่ม", kind="url", source=closed_port_url(), **common)
        runs = feeds.run_due(store, datetime.now())
    assert sorted(r["status"] for r in runs) == ["committed", "error"]
    return path


@pytest.fixture
def store_path(feeds_store_path, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(feeds_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def app(user: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["auth_user"] = user
    at.switch_page(page)
    return at


def test_the_admin_tab_shows_each_feed_its_health_and_last_run(store_path):
    at = app("admin1", "pages/admin.py").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    listed = next(f for f in frames if "แหล่ง" in f.columns)
    assert listed["ชื่อ"].tolist() == ["กล่องรับไฟล์คลัง", "ระบบคลังล่ม"]
    assert listed["สถานะ"].tolist() == ["ปกติ", "ล้มเหลว (รอลองใหม่)"]
    assert listed["ผลล่าสุด"].tolist() == ["บันทึกแล้ว", "ผิดพลาด"]
    runs = next(f for f in frames if "ปัญหา" in f.columns)
    assert set(runs["ผล"]) == {"บันทึกแล้ว", "ผิดพลาด"}
    assert runs.loc[runs["ผล"] == "บันทึกแล้ว", "ไฟล์"].tolist() == ["fin.csv"]
    assert any("ระบบคลังล่ม" in w.value for w in at.warning)


def test_the_cockpit_names_a_failing_feed(store_path):
    at = app("gov21", "pages/cockpit.py").run()
    assert not at.exception
    assert any("การเชื่อมโยงข้อมูลที่มีปัญหา: ระบบคลังล่ม" in w.value for w in at.warning)


class FakeWorker:
    made: list = []

    def __init__(self, store):
        self.store, self.events = store, []
        FakeWorker.made.append(self)

    def start(self):
        self.events.append("start")
        return self

    def stop(self):
        self.events.append("stop")


@pytest.mark.parametrize(("switch", "started"), [("1", True), ("0", False)])
def test_the_server_runs_the_feed_worker_unless_switched_off(
    store_path, monkeypatch, switch, started
):
    import asyncio
    import threading

    from lib.ui import server

    FakeWorker.made = []
    monkeypatch.setattr("lib.services.feeds.Worker", FakeWorker)
    monkeypatch.setenv("EIS_FEED_WORKER", switch)

    async def serve():
        async with server.lifespan(None):
            return [list(w.events) for w in FakeWorker.made]

    result = {}
    runner = threading.Thread(target=lambda: result.update(during=asyncio.run(serve())))
    runner.start()
    runner.join()
    assert result["during"] == ([["start"]] if started else [])
    assert [w.events for w in FakeWorker.made] == ([["start", "stop"]] if started else [])

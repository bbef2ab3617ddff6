"""AppTest of the Reports page: an executive makes a KPI form and downloads a PDF; the KPI owner
saves a narrative that others read with who wrote it; an administrator schedules a delivery;
the public does not get the page; what cannot be made is one Thai message."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lib.store import Store
from tests.test_pages_thai import findings

APP = str(Path(__file__).resolve().parent.parent / "app.py")
KPI04_TH = "ร้อยละผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี"
WORK_DONE = "narrative_2569_12_KPI04_21_work_done"  # the text area of the form's first field


@pytest.fixture
def store_path(app_store_path, tmp_path, monkeypatch):
    """A private copy of the app-test store (one account per role), used by the app."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


@pytest.fixture
def media(monkeypatch):
    """Every media store the app test makes (the files of its download buttons)."""
    made: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Kept)
    return made


def page(user: str | None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page("pages/reports.py")
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def downloaded(at, media) -> tuple[str, bytes]:
    """(label, bytes) of the page's download button."""
    [button] = at.get("download_button")
    name = button.proto.url.rsplit("/", 1)[-1]
    return button.proto.label, media[-1].get_file(name).content


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_an_executive_makes_a_kpi_form_and_downloads_the_pdf(store_path, media):
    at = page("gov21")
    assert at.title[0].value == "รายงาน"
    assert at.selectbox(key="report_area").value == "21"  # the executive's own province
    chosen = [at.selectbox(key=k).value for k in ("report_fiscal_year", "report_round")]
    assert chosen == [2569, 12]  # the latest round closed by 22 Nov 2026
    assert not at.get("download_button")
    at.selectbox(key="report_kpi").set_value("KPI04").run()
    click(at, "report_make")
    label, data = downloaded(at, media)
    assert label.startswith("ดาวน์โหลด ") and label.endswith(".pdf")
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert KPI04_TH in text.replace("\u0e4d\u0e32", "\u0e33").replace("\n", "")
    at.selectbox(key="report_round").set_value(9).run()  # another report: the old file goes
    assert not at.get("download_button")


def test_the_same_report_as_xlsx(store_path, media):
    from openpyxl import load_workbook

    at = page("gov21")
    at.selectbox(key="report_kind").set_value("coverage")
    at.radio(key="report_fmt").set_value("xlsx").run()
    click(at, "report_make")
    label, data = downloaded(at, media)
    assert label.endswith(".xlsx") and load_workbook(io.BytesIO(data)).sheetnames


def test_what_cannot_be_made_is_one_thai_message(store_path):
    at = page("gov21")
    at.selectbox(key="report_kpi").set_value("KPI03")  # reported at 12 months only
    at.selectbox(key="report_round").set_value(6).run()
    click(at, "report_make")
    assert [e.value for e in at.error] == ["ตัวชี้วัด KPI03 ไม่รายงานรอบ 6 เดือน (รายงานรอบ 12)"]
    assert not at.get("download_button")


def test_the_public_does_not_get_the_page(store_path):
    at = page(None)
    assert "กรุณาเข้าสู่ระบบ" in at.info[0].value
    assert not [b for b in at.button if b.key == "report_make"]
    assert "รายงาน" not in [link.proto.label for link in at.sidebar.get("page_link")]


def test_the_kpi_owner_saves_a_narrative_and_others_read_it_with_who(store_path):
    at = page("pto21")  # Rayong's PTO: KPI04 is its agency's
    assert at.selectbox(key="report_kpi").value == "KPI04"
    assert not at.text_area(key=WORK_DONE).disabled
    at.text_area(key=WORK_DONE).input("เบิกจ่ายได้ร้อยละ 81 ตามแผน").run()
    click(at, "narrative_save")
    assert [s.value for s in at.success] == ["บันทึกแล้ว 1 ช่อง"]
    assert any(c.startswith("เขียนโดย pto21 เมื่อ") for c in captions(at))
    with Store(store_path) as store:
        from lib.services import narratives

        kept = narratives.current(store, 2569, 12, "KPI04", "21")
    assert kept["work_done"]["text"] == "เบิกจ่ายได้ร้อยละ 81 ตามแผน"

    other = page("gov21")
    other.selectbox(key="report_kpi").set_value("KPI04").run()
    area = other.text_area(key=WORK_DONE)
    assert area.value == "เบิกจ่ายได้ร้อยละ 81 ตามแผน" and area.disabled
    assert not [b for b in other.button if b.key == "narrative_save"]
    assert any(c.startswith("เขียนโดย pto21 เมื่อ") for c in captions(other))


def test_an_administrator_adds_a_schedule_and_sees_it_listed(store_path):
    at = page("admin1")
    assert not at.dataframe  # no schedule yet
    at.selectbox(key="report_area").set_value("21")
    at.selectbox(key="report_kpi").set_value("KPI04").run()
    at.text_area(key="schedule_to").input("governor@rayong.go.th, pops@rayong.go.th")
    at.selectbox(key="schedule_every").set_value("monthly").run()
    click(at, "schedule_add")
    assert [s.value for s in at.success] == ["เพิ่มการส่งตามกำหนดแล้ว"]
    [listed] = [d.value for d in at.dataframe]
    row = listed.iloc[0]
    assert row["รายงาน"] == "แบบรายงานผลรายตัวชี้วัด" and row["ตัวชี้วัด"] == "KPI04"
    assert row["พื้นที่"] == "ระยอง (21)" and pd.isna(row["หน่วยงาน"])
    assert row["ผู้รับ"] == "governor@rayong.go.th,pops@rayong.go.th"
    assert row["ความถี่"].startswith("ทุกเดือน")
    assert findings(at) == []  # headers are words, no cell reads None


def test_a_bad_address_is_one_thai_message_and_nothing_is_scheduled(store_path):
    at = page("admin1")
    at.text_area(key="schedule_to").input("not an address").run()
    click(at, "schedule_add")
    assert len(at.error) == 1 and "not an address" in at.error[0].value
    assert not at.dataframe


def test_only_administrators_see_the_schedules(store_path):
    at = page("gov21")
    assert not [b for b in at.button if b.key in ("schedule_add", "send_now")]


def test_the_page_honours_as_of(store_path):
    at = page("gov21", as_of="2026-05-01")
    assert at.get("info") and "2569" in at.info[0].value  # the banner of a view of the past
    assert at.selectbox(key="report_round").value == 6  # the latest round closed by that day


class FakeWorker:
    """Stands in for lib.reports.schedule.Worker: records what the server does with it."""

    made: list[FakeWorker] = []

    def __init__(self, store):
        self.store, self.events = store, []
        FakeWorker.made.append(self)

    def start(self):
        self.events.append("start")
        return self

    def stop(self):
        self.events.append("stop")


@pytest.mark.parametrize(("switch", "started"), [("1", True), ("0", False)])
def test_the_server_runs_the_report_worker_unless_switched_off(
    store_path, monkeypatch, switch, started
):
    import asyncio
    import threading

    from lib.ui import server

    FakeWorker.made = []
    monkeypatch.setattr("lib.reports.schedule.Worker", FakeWorker)
    monkeypatch.setenv("EIS_REPORT_WORKER", switch)

    async def serve():
        async with server.lifespan(None):
            return [list(w.events) for w in FakeWorker.made]

    # in a thread of its own: Playwright's sync API (the browser tests) may leave an event
    # loop running in this one, and asyncio.run refuses to start inside it
    result = {}
    runner = threading.Thread(target=lambda: result.update(during=asyncio.run(serve())))
    runner.start()
    runner.join()
    during = result["during"]
    assert during == ([["start"]] if started else [])
    assert [w.events for w in FakeWorker.made] == ([["start", "stop"]] if started else [])
    if started:
        assert str(FakeWorker.made[0].store.path) == str(store_path)

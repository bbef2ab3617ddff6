"""AppTest of the Explore page (สำรวจข้อมูล): the list and its filters, an item's page (Thai
definition, chart, values by area with status, compared areas, downloads), what the public may
not see, and a deep link to a value's provenance after two uploads of it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import labels
from lib.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CELL = "item,area,period,value\nFIN01,Rayong,2026-08,{}\n"
RAW = set(labels.STATUS_LABELS) | set(labels.BATCH_KIND_LABELS) | set(labels.FREQUENCY_LABELS)


def dated_commit(store: Store, text: str, name: str, at: datetime) -> int:
    """Commit a long CSV as Rayong's staff would, dated `at` (the store keeps when it was)."""
    from lib.services import upload

    preview = upload.preview_upload(store, text.encode(), name)
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": name}
    audit = {"username": "pto21", "action": "upload", "origin": "test"}
    cells = preview.compare[upload.CELL_COLUMNS]
    return store.commit_cells(cells, {**batch, "created_at": at}, audit)


@pytest.fixture(scope="module")
def store_path(small_pto_store_path, tmp_path_factory):
    """The small store after two uploads of FIN01 Rayong Aug 2569 by its staff (1 Oct and
    1 Nov 2569, both waiting for the verifier; the demo value was verified) and a third one,
    sent and undone after the pages' today."""
    from lib.services import auth, upload

    path = tmp_path_factory.mktemp("explore") / "explore.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        dated_commit(store, CELL.format(81), "fin-1.csv", datetime(2026, 10, 1, 9))
        dated_commit(store, CELL.format(82.5), "fin-2.csv", datetime(2026, 11, 1, 9))
        staff = auth.load_user(store, "pto21")
        preview = upload.preview_upload(store, CELL.format(90).encode(), "fin-3.csv")
        upload.undo_as(store, staff, upload.commit_as(store, staff, preview, confirm_jumps=True))
    return path


def page(path: Path, monkeypatch, user: str | None = None, **params) -> AppTest:
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page("pages/explore.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def listed(at) -> list[str]:
    return at.dataframe[0].value["รหัสรายการ"].tolist()


def widget(elements, label: str):
    return next(e for e in elements if e.label.startswith(label))


def table_with(at, header: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if header in d.value.columns)


def test_the_list_searches_and_filters(store_path, monkeypatch):
    at = page(store_path, monkeypatch, "pto21")
    assert at.title[0].value == "สำรวจข้อมูล"
    everything = listed(at)
    assert {"FIN01", "POP01", "ORD03", "GOV01"} <= set(everything)
    widget(at.text_input, "ค้นหา").set_value("ประชากร").run()
    assert "POP01" in listed(at) and "FIN01" not in listed(at)
    widget(at.text_input, "ค้นหา").set_value("disbursement").run()
    assert listed(at) == ["FIN01"]
    widget(at.text_input, "ค้นหา").set_value("").run()
    widget(at.multiselect, "ความถี่").set_value(["monthly"]).run()
    assert "FIN01" in listed(at) and "POP01" not in listed(at)
    assert set(at.dataframe[0].value["ความถี่"]) == {"รายเดือน"}
    widget(at.multiselect, "ความถี่").set_value([]).run()
    widget(at.multiselect, "หน่วยงาน").set_value(["PTO"]).run()
    assert "FIN01" in listed(at) and "POP01" not in listed(at)
    widget(at.multiselect, "หน่วยงาน").set_value([]).run()
    widget(at.radio, "การเผยแพร่").set_value("no").run()
    assert set(listed(at)) >= {"ORD03", "GOV01"} and "FIN01" not in listed(at)
    assert set(at.dataframe[0].value["เผยแพร่"]) == {"ไม่"}
    widget(at.selectbox, "เปิดหน้ารายการข้อมูล").set_value("ORD03").run()
    assert at.query_params["item"] == "ORD03" and at.title[0].value.startswith("ORD03 ")


def test_an_item_page_shows_its_thai_definition_chart_and_values(store_path, monkeypatch):
    at = page(store_path, monkeypatch, "pto21", item="FIN01")
    assert at.title[0].value == "FIN01 ผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี"
    definition = at.table[0].value
    assert definition.loc["ความถี่"].iloc[0] == "รายเดือน"
    assert definition.loc["หน่วยงานเจ้าของข้อมูล"].iloc[0].endswith("(PTO)")
    assert "งวดถัดไปและวันครบกำหนด" in definition.index and "ผู้รับผิดชอบ" in definition.index
    assert at.get("plotly_chart")
    assert "ช่องที่ต้องมี" in [m.label for m in at.metric]
    by_area = table_with(at, "สถานะ")
    assert list(by_area.columns) == ["รหัสพื้นที่", "พื้นที่", "ค่า", "สถานะ"]
    assert set(by_area["รหัสพื้นที่"]) == {"10", "20", "21"}
    assert not RAW & set(by_area.astype(str).to_numpy().ravel())
    widget(at.selectbox, "งวด").set_value("2026-08").run()
    rayong = table_with(at, "สถานะ").set_index("รหัสพื้นที่").loc["21"]
    assert (rayong["ค่า"], rayong["สถานะ"]) == (82.5, "รอตรวจสอบ")  # signed in: the newest
    widget(at.multiselect, "เปรียบเทียบพื้นที่").set_value(["21", "20"]).run()
    compared = table_with(at, "ระยอง (21)")
    assert list(compared.columns) == ["งวด", "ระยอง (21)", "ชลบุรี (20)"]
    assert "ส.ค. 2569" in set(compared["งวด"])
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)  # a line per chosen area
    lines = {trace["name"] for trace in chart["data"]}
    assert lines == {"ระยอง (21)", "ชลบุรี (20)", "ค่าเฉลี่ยทุกพื้นที่"}
    assert chart["layout"]["font"]["family"] == "Sarabun"
    files = {b.proto.label for b in at.get("download_button")}
    assert files == {"CSV", "XLSX"} and len(at.get("download_button")) >= 4


def test_the_public_sees_neither_an_unpublished_item_nor_a_submitted_value(store_path, monkeypatch):
    at = page(store_path, monkeypatch)
    assert "ORD03" not in listed(at) and "FIN01" in listed(at)
    assert not [r for r in at.radio if r.label == "การเผยแพร่"]
    at = page(store_path, monkeypatch, item="ORD03")
    assert at.warning[0].value == "ไม่พบรายการข้อมูลรหัส ORD03"
    assert at.title[0].value == "สำรวจข้อมูล"  # the list, not the item
    at = page(store_path, monkeypatch, item="FIN01", area="21", period="2026-08")
    assert "แสดงเฉพาะค่าที่รับรองแล้ว" in [c.value for c in at.caption]
    widget(at.selectbox, "งวด").set_value("2026-08").run()
    shown = table_with(at, "สถานะ")
    assert set(shown["สถานะ"]) == {"รับรองแล้ว"}
    assert "21" not in set(shown["รหัสพื้นที่"])  # its value now awaits the verifier
    history = table_with(at, "ฉบับที่")  # the verified versions, without the accounts
    assert history[["ฉบับที่", "ค่า"]].values.tolist() == [[1, 74.6]]
    assert "ผู้ส่ง" not in history.columns and "ผู้ตรวจสอบ" not in history.columns


def test_a_deep_link_shows_every_version_of_the_value(store_path, monkeypatch):
    at = page(store_path, monkeypatch, "pto21", item="FIN01", area="21", period="2569-08")
    assert "ที่มาของค่า" in [s.value for s in at.subheader]
    history = table_with(at, "ฉบับที่")  # newest first: the demo value, two uploads, an undone one
    assert history["ฉบับที่"].tolist() == [5, 4, 3, 2, 1]
    assert history["ค่า"].tolist() == [82.5, 90.0, 82.5, 81.0, 74.6]
    assert history["สถานะ"].tolist() == ["รอตรวจสอบ"] * 4 + ["รับรองแล้ว"]
    assert history["ชื่อไฟล์"].tolist()[:4] == ["fin-2.csv", "fin-3.csv", "fin-2.csv", "fin-1.csv"]
    assert history["ผู้ส่ง"].tolist()[:4] == ["pto21"] * 4
    assert history["ผู้ตรวจสอบ"].iloc[4] == "pto-21-verifier"
    assert history["เวลาที่ส่ง"].iloc[3] == "1 ต.ค. 2569 09:00:00"
    assert history["ชุดถูกยกเลิก"].tolist() == ["ไม่", "ใช่", "ไม่", "ไม่", "ไม่"]  # the undo chain
    assert history["แทนที่ด้วย"].tolist()[1:] == ["ยกเลิกชุด", "นำเข้า", "นำเข้า", "นำเข้า"]
    assert history["ค่าปัจจุบัน"].tolist() == ["ใช่"] + ["ไม่"] * 4
    assert not RAW & set(history.astype(str).to_numpy().ravel())
    assert "ระยอง (21) · ส.ค. 2569" in " ".join(c.value for c in at.caption)
    assert len(at.get("download_button")) >= 6  # by area, compared, and the versions


def test_a_bad_deep_link_says_why_in_thai(store_path, monkeypatch):
    at = page(store_path, monkeypatch, "pto21", item="FIN01", area="21", period="2569-13")
    assert at.warning and at.warning[0].value.startswith("อ่านงวดในลิงก์ไม่ได้")
    assert at.title[0].value.startswith("FIN01 ")


def test_the_page_in_english(store_path, monkeypatch):
    at = page(
        store_path, monkeypatch, "pto21", item="FIN01", area="21", period="2026-08", lang="en"
    )
    assert at.table[0].value.loc["Frequency"].iloc[0] == "monthly"
    history = table_with(at, "Version")
    assert history["Status"].tolist()[-2:] == ["submitted", "verified"]


def test_the_page_as_known_between_the_two_uploads_shows_the_first(store_path, monkeypatch):
    at = page(store_path, monkeypatch, "pto21", item="FIN01", period="2026-08", as_of="2569-10-15")
    assert "มุมมองย้อนหลัง" in at.info[0].value  # the banner of a view of the past
    rayong = table_with(at, "สถานะ").set_index("รหัสพื้นที่").loc["21"]
    assert (rayong["ค่า"], rayong["สถานะ"]) == (81.0, "รอตรวจสอบ")
    at = page(store_path, monkeypatch, "pto21", item="FIN01", period="2026-08", as_of="2569-09-15")
    rayong = table_with(at, "สถานะ").set_index("รหัสพื้นที่").loc["21"]
    assert (rayong["ค่า"], rayong["สถานะ"]) == (74.6, "รับรองแล้ว")

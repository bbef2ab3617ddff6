"""AppTest of the Verify page: each submitted value, judged one by one, by selection or batch.

The verifier sees the values it may verify with item and area names, Buddhist-era
periods, old values, a yes/no jump flag and who sent them; picks rows and
verifies or rejects exactly those; the rest stay submitted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
THREE = (
    "item,area,period,value\n"
    "FIN01,Rayong,2026-08,64\nFIN01,Rayong,2026-07,63\nFIN01,Rayong,2026-06,62\n"
)
HEADERS_TH = [
    "ชุดที่",
    "รายการข้อมูล",
    "พื้นที่",
    "งวด",
    "ค่า",
    "ค่าเดิม",
    "กระโดดผิดปกติ",
    "หมายเหตุ",
    "ผู้ส่ง",
    "เวลาที่ส่ง",
]
RAW = {"submitted", "verified", "rejected", "True", "False", "2026-08", "2026-07", "2026-06"}


@pytest.fixture
def store_path(small_pto_store_path, tmp_path, monkeypatch):
    """A private copy of the small store with Rayong's staff and verifier, used by the app."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def commit(path: Path, text: str = THREE, name: str = "three.csv") -> int:
    """Commit a long CSV as Rayong's staff (through lib, as the Upload page does); its batch."""
    from lib.services import auth, upload

    with Store(path) as store:
        preview = upload.preview_upload(store, text.encode(), name)
        staff = auth.load_user(store, "pto21")
        return upload.commit_as(store, staff, preview, confirm_jumps=True)


def page(lang: str = "th") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = "pto21v"
    at.switch_page("pages/verify.py")
    if lang != "th":
        at.query_params["lang"] = lang
    return at.run()


def values(at):
    """The table of values waiting for the verifier (the page's first table)."""
    return at.dataframe[0].value


def button(at, start: str):
    return next(b for b in at.button if b.label.startswith(start))


def statuses(path: Path) -> dict[str, str]:
    with Store(path) as store:
        cells = store.export_values("FIN01", "21").set_index("period")["status"]
    return {p: cells[p] for p in ("2026-08", "2026-07", "2026-06")}


def test_each_value_shows_in_thai_with_names_periods_and_who_sent_it(store_path):
    batch = commit(store_path)
    at = page()
    assert not at.exception
    shown = values(at)
    assert list(shown.columns) == HEADERS_TH
    assert sorted(shown["งวด"]) == sorted(["ส.ค. 2569", "ก.ค. 2569", "มิ.ย. 2569"])
    assert set(shown["พื้นที่"]) == {"ระยอง"} and set(shown["ผู้ส่ง"]) == {"pto21"}
    assert set(shown["ชุดที่"]) == {batch}
    assert set(shown["กระโดดผิดปกติ"]) <= {"ใช่", "ไม่"}
    assert shown["เวลาที่ส่ง"].str.contains("2569").all()  # a Buddhist-era time
    assert not RAW & set(shown.astype(str).to_numpy().ravel())


def test_the_same_table_in_english(store_path):
    commit(store_path)
    shown = values(page("en"))
    assert list(shown.columns)[:4] == ["Batch", "Data item", "Area", "Period"]
    assert "Aug 2026" in shown["Period"].tolist() and set(shown["Area"]) == {"Rayong"}
    assert set(shown["Unusual jump"]) <= {"yes", "no"}


def test_verifying_two_picked_values_leaves_the_third_submitted(store_path):
    commit(store_path)
    at = page()
    assert button(at, "รับรองที่เลือก").disabled  # nothing picked yet
    at.session_state["verify_pick_0"] = {"selection": {"rows": [0, 2], "columns": []}}
    at.run()
    assert button(at, "รับรองที่เลือก").label == "รับรองที่เลือก (2)"
    button(at, "รับรองที่เลือก").click().run()
    assert not at.exception
    assert "รับรองแล้ว 2 ค่า" in [s.value for s in at.success]
    assert statuses(store_path) == {
        "2026-08": "verified",
        "2026-07": "submitted",
        "2026-06": "verified",
    }
    assert values(at)["งวด"].tolist() == ["ก.ค. 2569"]  # the table shows the new state


def test_rejecting_the_filtered_list_rejects_only_what_is_shown(store_path):
    batch = commit(store_path)
    commit(store_path, "item,area,period,value\nFIN01,Rayong,2026-05,61\n", "may.csv")
    at = page()
    assert len(values(at)) == 4
    at.selectbox(key="verify_batch").set_value(batch).run()
    assert len(values(at)) == 3
    button(at, "ปฏิเสธทั้งหมดที่แสดง").click().run()
    assert not at.exception and "ปฏิเสธแล้ว 3 ค่า" in [s.value for s in at.success]
    assert set(statuses(store_path).values()) == {"rejected"}
    with Store(store_path) as store:
        may = store.export_values("FIN01", "21").set_index("period")["status"]["2026-05"]
    assert may == "submitted"


def test_a_whole_batch_shows_its_cells_and_their_new_status(store_path):
    batch = commit(store_path)
    at = page()
    at.selectbox(key="verify_batch").set_value(batch).run()
    cells = at.dataframe[1].value
    assert cells["สถานะ"].tolist() == ["รอตรวจสอบ"] * 3
    button(at, "รับรองทั้งชุด").click().run()
    assert not at.exception and "รับรองแล้ว 3 ค่า" in [s.value for s in at.success]
    assert at.selectbox(key="verify_batch").value == batch  # still chosen, with the new status
    assert at.dataframe[-1].value["สถานะ"].tolist() == ["รับรองแล้ว"] * 3
    assert button(at, "รับรองทั้งชุด").disabled

"""AppTest of the administrator's configuration workbook: download, upload, preview, apply.

The workbooks are built in code from the store's own configuration
(export_frames -> edit -> write_workbook), the way an administrator edits the
downloaded file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lib.services import config
from lib.store import Store
from tests.conftest import AS_OF

APP = str(Path(__file__).resolve().parent.parent / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD = "ดาวน์โหลดแบบฟอร์มการตั้งค่า (.xlsx)"
APPLY = "นำการตั้งค่าไปใช้"


@pytest.fixture
def store_path(app_store_path, tmp_path, monkeypatch):
    """A private copy of the demo store with one account per role."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


@pytest.fixture
def downloads(monkeypatch):
    """{file name: bytes} of every download button the app under test draws."""
    kept: dict[str, bytes] = {}
    real = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        kept[filename] = path_or_data
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return kept


def admin_page(user: str = "admin1", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = user
    at.switch_page("pages/admin.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def upload(at: AppTest, data: bytes) -> AppTest:
    return at.file_uploader[0].upload("config.xlsx", data, XLSX).run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def edited_workbook(store_path, edit) -> bytes:
    """The store's configuration, edited by `edit(frames)`, as a workbook."""
    with Store(store_path) as store:
        frames = config.export_frames(store)
    edit(frames)
    return config.write_workbook(frames)


def rename_one_add_one(frames) -> None:
    items = frames["items"]
    items.loc[items["code"] == "FIN01", "name_th"] = "ร้อยละการเบิกจ่ายงบประมาณ (ชื่อใหม่)"
    new = items.loc[items["code"] == "FIN01"].assign(
        code="FIN99", name_th="รายการใหม่ของจังหวัด", name_en="A new provincial item"
    )
    frames["items"] = pd.concat([items, new], ignore_index=True)


def catalogue(store_path) -> pd.DataFrame:
    with Store(store_path) as store:
        return store.catalog()


def fingerprint(store_path) -> dict:
    with Store(store_path) as store:
        return store.fingerprint()


def test_the_download_is_the_current_configuration_as_a_workbook(store_path, downloads):
    at = admin_page()
    assert not at.exception
    assert DOWNLOAD in [b.proto.label for b in at.get("download_button")]
    data = downloads[f"eis-config-{AS_OF.isoformat()}.xlsx"]
    frames, problems = config.read_workbook(data)
    assert problems == []
    shown = catalogue(store_path)
    assert sorted(frames["items"]["code"]) == sorted(shown["code"])
    fin01 = frames["items"].set_index("code").loc["FIN01"]
    assert fin01["name_th"] == shown.set_index("code").loc["FIN01", "name_th"]


def test_an_edited_workbook_is_previewed_then_applied(store_path):
    before, unchanged = catalogue(store_path), fingerprint(store_path)
    at = upload(admin_page(), edited_workbook(store_path, rename_one_add_one))
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["เพิ่ม"], metrics["แก้ไข"], metrics["เลิกใช้"], metrics["ลบ"]) == (
        "1",
        "1",
        "0",
        "0",
    )
    summary = next(
        d.value for d in at.dataframe if "แผ่นงาน" in d.value.columns and "เพิ่ม" in d.value
    )
    items = summary.set_index("แผ่นงาน").loc["รายการข้อมูล (items)"]
    assert (items["เพิ่ม"], items["แก้ไข"]) == (1, 1)
    changes = next(d.value for d in at.dataframe if "การเปลี่ยนแปลง" in d.value.columns)
    assert dict(zip(changes["รายการ"], changes["การเปลี่ยนแปลง"], strict=True)) == {
        "FIN01": "แก้ไข",
        "FIN99": "เพิ่ม",
    }
    assert "name_th" in changes.set_index("รายการ").loc["FIN01", "ช่องที่แก้ไข"]
    assert fingerprint(store_path) == unchanged  # a preview changes nothing

    button(at, APPLY).click().run()
    assert not at.exception
    assert any(s.value.startswith("นำการตั้งค่าไปใช้แล้ว: เพิ่ม 1 แก้ไข 1") for s in at.success)
    assert at.file_uploader[0].value is None  # the uploader is cleared
    after = catalogue(store_path).set_index("code")
    assert len(after) == len(before) + 1
    assert after.loc["FIN01", "name_th"] == "ร้อยละการเบิกจ่ายงบประมาณ (ชื่อใหม่)"
    assert after.loc["FIN99", "name_en"] == "A new provincial item"
    with Store(store_path) as store:
        assert "config_import" in store.audit_log()["action"].tolist()

    at.switch_page("pages/upload.py").run()  # another page reads the new catalogue at once
    assert not at.exception
    chooser = at.multiselect(key="template_items")  # the template's items (issue 12)
    assert any("FIN99 รายการใหม่ของจังหวัด" in o for o in chooser.options)


def test_the_unedited_workbook_changes_nothing_and_cannot_be_applied(store_path):
    at = upload(admin_page(), edited_workbook(store_path, lambda frames: None))
    assert not at.exception and not at.error
    assert any("ตรงกับการตั้งค่าปัจจุบัน" in i.value for i in at.info)
    assert {m.value for m in at.metric} == {"0"}
    assert button(at, APPLY).disabled


def unbalance_weights(frames) -> None:
    kpis = frames["kpis"]
    first = kpis.index[0]
    kpis.loc[first, "weight_pct"] = kpis.loc[first, "weight_pct"] + 5


def test_a_rejected_workbook_shows_where_and_why_and_changes_nothing(store_path):
    unchanged = fingerprint(store_path)
    at = upload(admin_page(), edited_workbook(store_path, unbalance_weights))
    assert not at.exception
    assert any("ไม่ได้นำเข้า: พบ" in e.value and "ไม่มีการเปลี่ยนแปลงใดๆ" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert list(problems.columns) == ["แผ่นงาน", "แถว", "คอลัมน์", "ค่า", "เหตุผล"]
    weights = problems[problems["คอลัมน์"] == "น้ำหนัก (ร้อยละ) (weight_pct)"]
    assert len(weights) and set(weights["แผ่นงาน"]) == {"ตัวชี้วัด (kpis)"}
    assert not any(b.label == APPLY for b in at.button)
    assert fingerprint(store_path) == unchanged


def bad_frequency(frames) -> None:
    items = frames["items"]
    items.loc[items["code"] == "FIN01", "frequency"] = "weekly"


def test_a_bad_cell_is_shown_with_its_row_in_english_too(store_path):
    read, _ = config.read_workbook(edited_workbook(store_path, lambda frames: None))
    row = int(read["items"].set_index("code").loc["FIN01", "_row"])  # as the spreadsheet shows it
    data = edited_workbook(store_path, bad_frequency)
    at = upload(admin_page(lang="en"), data)
    assert not at.exception
    assert any(e.value.startswith("Not imported: 1 problem") for e in at.error)
    problem = at.dataframe[-1].value.iloc[0]
    assert (problem["Sheet"], problem["Row"]) == ("Items (รายการข้อมูล)", row)
    assert (problem["Column"], problem["Value"]) == ("Frequency (frequency)", "weekly")
    assert catalogue(store_path).set_index("code").loc["FIN01", "frequency"] != "weekly"


@pytest.mark.parametrize("user", ["pto21", "gov21", "pto21v"])
def test_only_an_administrator_sees_the_configuration(store_path, user):
    at = admin_page(user)
    assert not at.exception
    assert "ไม่มีสิทธิ์" in at.warning[0].value
    assert not at.get("download_button") and not at.get("file_uploader")

"""Screens tell the truth after every action: commit, undo, verify, reject, backup, sign-out.

Each AppTest clicks the action and reads the same run's page: the state shown
is the state re-read after the action, and a finished action's button is
disabled or gone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import thaicalendar as tc
from lib.store import Store
from tests.conftest import PASSWORD

APP = str(Path(__file__).resolve().parent.parent / "app.py")
COMMIT = "3. บันทึกข้อมูล"
UNDO = "ยกเลิกชุดนี้ (คืนค่าเดิม)"
GOOD = ("รหัสรายการ,พื้นที่,งวด,ค่า\nFIN01,จ.ระยอง,ต.ค. 2569,12.5\nFIN01,Rayong,2026-08,64.0\n").encode(
    "utf-8-sig"
)


@pytest.fixture
def store_path(app_store_path, tmp_path, monkeypatch):
    """A private copy of the app-test store, used by the app under test."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    monkeypatch.setenv("EIS_BACKUP_DIR", str(tmp_path / "backups"))
    return path


def app(user: str | None, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page(page)
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def confirm_jumps(at) -> None:
    """Tick the confirmation of unusual jumps when the preview asks for it (issue 12)."""
    ticks = [c for c in at.checkbox if c.key == "confirm_jumps"]
    if ticks:
        ticks[0].check().run()


def history(at):
    """The batch history (the last table of the upload page)."""
    return at.dataframe[-1].value


def offered(at) -> list:
    """Batches the upload page offers to undo."""
    return [o for s in at.selectbox if s.key == "undo_batch" for o in s.options]


def commit_file(path: Path, text: str, name: str, user: str = "pto21") -> int:
    """Commit a long-form CSV as an account (through lib, as the page does); its batch."""
    from lib.services import auth, upload

    with Store(path) as store:
        preview = upload.preview_upload(store, text.encode(), name)
        return upload.commit_as(store, auth.load_user(store, user), preview)


def test_after_a_commit_the_page_says_committed_and_the_button_is_disabled(store_path):
    at = app("pto21", "pages/upload.py").run()
    at.file_uploader[0].upload("fin.csv", GOOD, "text/csv").run()
    confirm_jumps(at)
    assert not button(at, COMMIT).disabled
    counts = [m.value for m in at.metric]
    button(at, COMMIT).click().run()
    assert not at.exception
    with Store(store_path) as store:
        batch = int(store.batches("PTO").iloc[0]["batch_id"])
    assert [s.value for s in at.success] == [f"บันทึกแล้ว ชุดที่ {batch}"]
    assert button(at, COMMIT).disabled
    assert [m.value for m in at.metric] == counts  # the preview still shows what was committed
    row = history(at).iloc[0]
    assert (row["ชุดที่"], row["สถานะ"]) == (batch, "บันทึกแล้ว")
    at.run()  # any later run of the page: still committed, still disabled
    assert button(at, COMMIT).disabled and at.success[0].value == f"บันทึกแล้ว ชุดที่ {batch}"
    with Store(store_path) as store:
        assert len(store.batches("PTO")) == 1


def test_after_an_undo_the_history_says_undone_and_no_longer_offers_the_batch(store_path):
    batch = commit_file(store_path, "item,area,period,value\nFIN01,Rayong,2026-08,64\n", "a.csv")
    at = app("pto21", "pages/upload.py").run()
    assert offered(at) == [f"ชุดที่ {batch}"]
    button(at, UNDO).click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"ยกเลิกชุดที่ {batch} แล้ว")
    shown = history(at).set_index("ชุดที่")
    assert shown.loc[batch, "สถานะ"] == "ยกเลิกแล้ว"
    assert shown.iloc[0]["ประเภท"] == "ยกเลิกชุด"  # the undo itself, newest first
    assert offered(at) == []  # neither the undone batch nor the undo itself
    assert UNDO not in [b.label for b in at.button]


def test_after_an_undo_a_committed_preview_may_be_committed_again(store_path):
    at = app("pto21", "pages/upload.py").run()
    at.file_uploader[0].upload("fin.csv", GOOD, "text/csv").run()
    confirm_jumps(at)
    button(at, COMMIT).click().run()
    assert button(at, COMMIT).disabled
    button(at, UNDO).click().run()
    assert not at.exception
    confirm_jumps(at)  # the file is read afresh: its jumps are confirmed again
    assert not button(at, COMMIT).disabled  # the batch is undone: the file is new again


@pytest.mark.parametrize(("label", "word"), [("รับรองทั้งชุด", "รับรองแล้ว"), ("ปฏิเสธทั้งชุด", "ถูกปฏิเสธ")])
def test_after_verify_or_reject_the_table_shows_the_new_status(store_path, label, word):
    batch = commit_file(store_path, "item,area,period,value\nFIN01,Rayong,2026-08,64\n", "a.csv")
    at = app("pto21v", "pages/verify.py").run()
    at.selectbox(key="verify_batch").set_value(batch).run()
    assert at.dataframe[-1].value["สถานะ"].tolist() == ["รอตรวจสอบ"]
    button(at, label).click().run()
    assert not at.exception
    assert at.success and "1 ค่า" in at.success[0].value
    assert at.selectbox(key="verify_batch").value == batch  # the same batch stays chosen ...
    assert at.dataframe[-1].value["สถานะ"].tolist() == [word]  # ... with its new status
    assert button(at, "รับรองทั้งชุด").disabled and button(at, "ปฏิเสธทั้งชุด").disabled


def test_after_a_backup_the_last_backup_time_is_the_new_one(store_path):
    at = app("admin1", "pages/admin.py").run()
    assert any("ยังไม่มีข้อมูลสำรอง" in w.value for w in at.warning)
    button(at, "สำรองข้อมูลเดี๋ยวนี้").click().run()
    assert not at.exception
    written = next(s.value for s in at.success if s.value.startswith("สำรองข้อมูลแล้ว"))
    stamp = re.search(r"eis-backup-(\d{8})-(\d{6})", written)
    from datetime import datetime

    made = datetime.strptime("".join(stamp.groups()), "%Y%m%d%H%M%S")
    shown = f"สำรองข้อมูลล่าสุดเมื่อ {tc.thai_date(made.date())} {made:%H:%M:%S}"
    assert shown in [s.value for s in at.success]
    assert not any("ยังไม่มีข้อมูลสำรอง" in w.value for w in at.warning)


def test_an_added_account_is_listed_at_once(store_path):
    at = app("admin1", "pages/admin.py").run()
    form = at.text_input
    form[0].input("newstaff")
    form[2].input("PTO")
    form[4].input(PASSWORD)
    next(b for b in at.button if b.label == "เพิ่ม").click().run()
    assert not at.exception
    assert "เพิ่ม newstaff แล้ว" in [s.value for s in at.success]
    assert "newstaff" in at.dataframe[0].value["ผู้ใช้"].tolist()
    disable = next(s for s in at.selectbox if s.label == "ระงับบัญชี")
    assert "newstaff" in disable.options  # ... and may be disabled at once


def test_after_sign_out_the_page_shows_the_signed_out_state(store_path):
    at = app(None, "pages/account.py").run()
    at.text_input[0].input("pto21")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert any(b.label == "ออกจากระบบ" for b in at.button)
    button(at, "ออกจากระบบ").click().run()
    assert not at.exception
    assert not any(b.label == "ออกจากระบบ" for b in at.button)
    assert len(at.text_input) == 2  # the sign-in form again
    at.switch_page("app.py").run()  # the menu (drawn by the router): the public's
    assert [link.proto.label for link in at.sidebar.get("page_link")][-1] == "เข้าสู่ระบบ"
    at.switch_page("pages/upload.py").run()
    assert "กรุณาเข้าสู่ระบบ" in at.info[0].value and not at.file_uploader


def test_the_upload_page_opens_for_an_administrator_who_may_undo(store_path):
    """Issue 17: the administrator's Upload page crashed ("give item_code or agency")."""
    batch = commit_file(store_path, "item,area,period,value\nFIN01,Rayong,2026-08,64\n", "a.csv")
    at = app("admin1", "pages/upload.py").run()
    assert not at.exception
    items = at.multiselect(key="template_items").options  # an administrator picks items
    assert "ทุกรายการของหน่วยงาน" not in items and any(o.startswith("FIN01") for o in items)
    assert at.get("download_button")
    shown = history(at).set_index("ชุดที่")
    assert shown.loc[batch, "หน่วยงาน"] == "PTO"  # every agency's batches
    assert offered(at) == [f"ชุดที่ {batch}"]
    button(at, UNDO).click().run()
    assert not at.exception
    assert history(at).set_index("ชุดที่").loc[batch, "สถานะ"] == "ยกเลิกแล้ว"
    with Store(store_path) as store:
        assert store.batch(batch)["undone_by"] == "admin1"

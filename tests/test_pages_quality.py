"""AppTest of data quality on the pages: the upload preview's warnings and the Verify page's
follow-up list, where a verifier marks a flagged value as checked with a note.

The small store with Rayong's staff (pto21) and verifier (pto21v) of the treasury office
(PTO, item FIN01); its demo data already flags CRM01 (police) values of Chon Buri and
Rayong, which only an administrator sees. FIN01 of Rayong for October 2026 set to 99 lies
far from its other months (median 69.33): an outlier against its own history.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.services import auth, quality, upload
from lib.store import Store
from tests.conftest import PASSWORD

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ODD = b"item,area,period,value\nFIN01,Rayong,2026-10,99\n"
NORMAL = b"item,area,period,value\nFIN01,Rayong,2026-10,70\n"
WARNINGS = "คำเตือนคุณภาพข้อมูล"
HISTORY_TH = "ค่าผิดปกติเทียบประวัติ"
NOTHING = "ไม่มีค่าที่ต้องติดตาม"


@pytest.fixture
def store_path(small_pto_store_path, tmp_path, monkeypatch):
    """A private copy of the small store with Rayong's staff and verifier and an admin."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        auth.add_user(store, "admin1", "admin", PASSWORD, actor=auth.cli_operator(), origin="test")
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def commit_odd(path: Path) -> int:
    """Commit FIN01 of Rayong, October 2026 = 99, as Rayong's staff (as the Upload page does)."""
    with Store(path) as store:
        preview = upload.preview_upload(store, ODD, "odd.csv")
        return upload.commit_as(store, auth.load_user(store, "pto21"), preview)


def app(user: str, page: str, lang: str = "th") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = user
    at.switch_page(page)
    if lang != "th":
        at.query_params["lang"] = lang
    return at.run()


def followup(user: str = "pto21v", lang: str = "th") -> AppTest:
    at = app(user, "pages/verify.py", lang)
    at.radio(key="verify_view").set_value("followup").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> set[str]:
    """Every header and cell of every table on the page, as text."""
    seen = set()
    for frame in (d.value for d in at.dataframe):
        seen |= {str(c) for c in frame.columns} | set(frame.astype(str).to_numpy().ravel())
    return seen


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


# ---------------------------------------------------------------- the upload preview


def test_the_upload_preview_warns_of_an_outlier_in_thai_and_still_commits(store_path):
    at = app("pto21", "pages/upload.py")
    at.file_uploader[0].upload("odd.csv", ODD, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}[WARNINGS] == "1"
    assert any("ค่า 1 ค่าในไฟล์นี้ผิดปกติ" in w.value for w in at.warning)
    shown = texts(at)
    assert {HISTORY_TH, "ระยอง", "ต.ค. 2569", "ข้อสังเกต", "รายละเอียด"} <= shown
    assert not {"outlier_history", "flag_label", "detail_th"} & shown
    assert not button(at, "3. บันทึกข้อมูล").disabled  # a warning, not a refusal


def test_a_normal_file_shows_no_quality_warning(store_path):
    at = app("pto21", "pages/upload.py")
    at.file_uploader[0].upload("normal.csv", NORMAL, "text/csv").run()
    assert {m.label: m.value for m in at.metric}[WARNINGS] == "0"
    assert HISTORY_TH not in texts(at)
    assert not any("ผิดปกติเมื่อเทียบ" in w.value for w in at.warning)


# ---------------------------------------------------------------- the follow-up list


def test_the_verify_page_opens_on_the_values_and_the_follow_up_is_empty_at_first(store_path):
    at = app("pto21v", "pages/verify.py")
    assert at.radio(key="verify_view").value == "values"
    at = followup()
    assert NOTHING in [i.value for i in at.info]  # CRM01's flags are the police's, not PTO's


def test_a_flag_is_listed_and_marking_it_checked_with_a_note_removes_it(store_path):
    commit_odd(store_path)
    at = followup()
    table = at.dataframe[0].value
    assert len(table) == 1
    row = table.iloc[0]
    assert row["ข้อสังเกต"] == HISTORY_TH and row["พื้นที่"] == "ระยอง"
    assert row["งวด"] == "ต.ค. 2569" and row["ค่า"] == 99
    assert "69.33" in row["รายละเอียด"]
    at.text_area(key="followup_note").input("โทรยืนยันกับคลังจังหวัดแล้ว ค่าถูกต้อง").run()
    button(at, "ตรวจแล้ว").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("บันทึกว่าตรวจแล้ว" in s.value for s in at.success)
    assert NOTHING in [i.value for i in at.info] and not at.dataframe
    with Store(store_path) as store:  # as the app opens it (one configuration per process)
        marked = quality.flags(store, "FIN01", "21", include_checked=True)
        audit = store.audit_log()
    assert marked[["checked", "checked_by", "note"]].values.tolist() == [
        [True, "pto21v", "โทรยืนยันกับคลังจังหวัดแล้ว ค่าถูกต้อง"]
    ]
    assert "quality_checked" in audit["action"].tolist()


def test_marking_without_a_note_is_refused_in_thai_and_the_flag_stays(store_path):
    commit_odd(store_path)
    at = followup()
    button(at, "ตรวจแล้ว").click().run()
    assert any("ต้องเขียนบันทึกผลการตรวจ" in e.value for e in at.error)
    assert len(at.dataframe[0].value) == 1


def test_an_administrator_sees_every_agencys_flags(store_path):
    commit_odd(store_path)
    shown = followup("admin1").dataframe[0].value
    assert {"การกระทำความผิดเกี่ยวกับยาเสพติด", "ชลบุรี"} & set(shown.astype(str).to_numpy().ravel())
    assert len(shown) == len(followup("pto21v").dataframe[0].value) + 5


def test_the_follow_up_list_speaks_english_when_switched(store_path):
    commit_odd(store_path)
    table = followup(lang="en").dataframe[0].value
    assert table.iloc[0]["Flag"] == "outlier against its own history"
    assert table.iloc[0]["Area"] == "Rayong"

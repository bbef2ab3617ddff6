"""AppTest of sign-in, role-filtered menu, upload, verification and administration pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.markdown import escape_markdown
from lib.store import Store
from tests.conftest import PASSWORD

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def store_path(app_store_path, tmp_path, monkeypatch):
    """A private copy of the app-test store, used by the app under test."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def app(user: str | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if user:
        at.session_state["auth_user"] = user
    if page:
        at.switch_page(page)
    return at


def menu(at) -> list[str]:
    return [link.proto.label for link in at.sidebar.get("page_link")]


def test_public_menu_and_a_restricted_deep_link(store_path):
    at = app().run()
    assert not at.exception
    assert menu(at) == ["ภาพรวมข้อมูล", "แผนที่", "ข้อมูลจังหวัด", "สำรวจข้อมูล", "เข้าสู่ระบบ"]
    at = app(page="pages/upload.py").run()
    assert "กรุณาเข้าสู่ระบบ" in at.info[0].value
    assert len(at.text_input) == 2  # the sign-in form in place of the page
    assert not at.file_uploader


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (
            "pto21",
            [
                "ภาพรวมข้อมูล",
                "ห้องบัญชาการ",
                "แผนที่",
                "ข้อมูลจังหวัด",
                "สำรวจข้อมูล",
                "รายงาน",
                "นำเข้าข้อมูล",
                "บัญชีผู้ใช้",
            ],
        ),
        (
            "gov21",
            ["ภาพรวมข้อมูล", "ห้องบัญชาการ", "แผนที่", "ข้อมูลจังหวัด", "สำรวจข้อมูล", "รายงาน", "บัญชีผู้ใช้"],
        ),
        (
            "admin1",
            [
                "ภาพรวมข้อมูล",
                "ห้องบัญชาการ",
                "แผนที่",
                "ข้อมูลจังหวัด",
                "สำรวจข้อมูล",
                "รายงาน",
                "นำเข้าข้อมูล",
                "ตรวจสอบข้อมูล",
                "ผู้ดูแลระบบ",
                "บัญชีผู้ใช้",
            ],
        ),
    ],
)
def test_menu_follows_the_role(store_path, user, expected):
    at = app(user).run()
    assert not at.exception
    assert menu(at) == expected


def test_sign_in_wrong_then_right_password(store_path):
    at = app(page="pages/account.py").run()
    at.text_input[0].input("pto21")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert at.error and "ไม่ถูกต้อง" in at.error[0].value
    assert "auth_user" not in at.session_state
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["auth_user"] == "pto21"
    with Store(store_path) as store:
        actions = store.audit_log()["action"].tolist()
    assert actions[:2] == ["sign_in", "sign_in_failed"]


def test_lock_out_after_five_failures(store_path):
    at = app(page="pages/account.py").run()
    for _ in range(5):
        at.text_input[0].input("pto21")
        at.text_input[1].input("wrong password!")
        at.button[0].click().run()
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "auth_user" not in at.session_state
    assert "ล็อก" in at.error[0].value or "ระงับ" in at.error[0].value


GOOD = (
    "ผลการเบิกจ่ายงบประมาณ จังหวัดระยอง\n"
    "รหัสรายการ,พื้นที่,งวด,ค่า\n"
    "FIN01,จ.ระยอง,ต.ค. 2569,12.5\n"
    "FIN01,Rayong,2026-08,64.0\n"
    "ที่มา: ระบบ GFMIS\n"
).encode("utf-8-sig")


def confirm_jumps(at) -> None:
    """Tick the confirmation of unusual jumps when the preview asks for it (issue 12)."""
    ticks = [c for c in at.checkbox if c.key == "confirm_jumps"]
    if ticks:
        ticks[0].check().run()


def test_upload_preview_commit_and_verify(store_path):
    with Store(store_path) as store:
        before = store.export_values("FIN01", "21").set_index("period")["value"]
    new = sum(p not in before.index for p in ("2026-10", "2026-08"))
    at = app("pto21", "pages/upload.py").run()
    assert not at.exception
    at.file_uploader[0].upload("fin.csv", GOOD, "text/csv").run()
    metrics = {m.label: m.value for m in at.metric}
    shown = (metrics["ค่าใหม่"], metrics["เปลี่ยนแปลง"], metrics["แถวที่มีปัญหา"])
    assert shown == (str(new), str(2 - new), "0")
    confirm_jumps(at)
    commit = next(b for b in at.button if b.label.startswith("3."))
    commit.click().run()
    assert "บันทึกแล้ว" in at.success[0].value
    with Store(store_path) as store:
        batch = store.batches("PTO").iloc[0]
        values = store.export_values("FIN01", "21").set_index("period")["value"]
    assert batch["kind"] == "upload" and batch["file_name"] == "fin.csv"
    assert values["2026-10"] == 12.5 and values["2026-08"] == 64.0

    at = app("pto21v", "pages/verify.py").run()
    at.selectbox(key="verify_batch").set_value(int(batch["batch_id"])).run()
    next(b for b in at.button if b.label.startswith("รับรองทั้งหมดที่แสดง")).click().run()
    assert at.success
    with Store(store_path) as store:
        status = store.export_values("FIN01", "21").set_index("period")["status"]
    assert status["2026-10"] == "verified"


def test_upload_of_a_bad_file_shows_row_column_reason_and_commits_nothing(store_path):
    bad = "item,area,period,value\nFIN01,Rayong,2026-08,abc\nFIN01,Rayongg,2026-08,5\n"
    at = app("pto21", "pages/upload.py").run()
    at.file_uploader[0].upload("bad.csv", bad.encode("cp874"), "text/csv").run()
    problems = next(d.value for d in at.dataframe if "เหตุผล" in d.value.columns)  # in Thai
    assert problems[["แถว", "คอลัมน์", "เหตุผล"]].values.tolist()[0] == [
        2,
        "value",
        "ค่า 'abc' ไม่ใช่ตัวเลข",
    ]
    assert problems.iloc[1]["เหตุผล"].startswith("ไม่พบพื้นที่ 'Rayongg'")
    commit = next(b for b in at.button if b.label.startswith("3."))
    assert commit.disabled
    with Store(store_path) as store:
        assert store.batches("PTO").empty


def test_admin_page_lists_users_without_hashes_and_warns_of_no_backup(store_path):
    at = app("admin1", "pages/admin.py").run()
    assert not at.exception
    users = at.dataframe[0].value
    assert set(users["ผู้ใช้"]) == {"admin1", "pto21", "pto21v", "gov21"}
    assert not any("hash" in c for c in users.columns)
    assert any("ยังไม่มีข้อมูลสำรอง" in w.value for w in at.warning)


def test_staff_cannot_open_the_admin_page(store_path):
    at = app("pto21", "pages/admin.py").run()
    assert "ไม่มีสิทธิ์" in at.warning[0].value
    assert not at.dataframe


@pytest.mark.parametrize(("user", "shows_unpublished"), [(None, False), ("gov21", True)])
def test_profile_kpis_built_on_unpublished_items_are_for_signed_in_readers(
    store_path, user, shows_unpublished
):
    at = app(user, "pages/profile.py")
    at.query_params["code"] = "21"
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "ตัวชี้วัด" in d.value.columns)
    codes = set(table["ตัวชี้วัด"])
    # KPI01 and KPI02 are computed from GOV02 and GOV01, which are not published
    assert ({"KPI01", "KPI02"} <= codes) is shows_unpublished
    assert "KPI03" in codes


def test_oidc_sign_in_maps_the_identity_to_an_account(store_path, monkeypatch):
    monkeypatch.setenv("EIS_AUTH", "oidc")
    with Store(store_path) as store:
        from lib.services import auth

        auth.add_user(
            store,
            "gov@province.go.th",
            "executive",
            PASSWORD,
            actor=auth.cli_operator(),
            origin="test",
        )
    at = app(page="pages/account.py")
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.text_input  # no password form: the identity provider signs in
    assert at.button[0].label == "เข้าสู่ระบบผ่านผู้ให้บริการยืนยันตัวตน"
    at = app(page="pages/account.py")
    at.user = {"is_logged_in": True, "email": "gov@province.go.th"}
    at.run()
    assert not at.exception
    assert escape_markdown("gov@province.go.th") in at.markdown[0].value  # shown as typed
    at = app()
    at.user = {"is_logged_in": True, "email": "gov@province.go.th"}
    at.run()
    assert "ห้องบัญชาการ" in menu(at)  # the executive's pages


def test_upload_reports_its_progress_stage_by_stage(store_path):
    from lib.services import upload

    seen = []
    with Store(store_path) as store:
        upload.preview_upload(store, GOOD, "fin.csv", progress=lambda f, s: seen.append((f, s)))
    assert seen == [(0.0, "read"), (0.6, "compare"), (0.8, "history"), (1.0, "done")]
    at = app("pto21", "pages/upload.py").run()
    at.file_uploader[0].upload("fin.csv", GOOD, "text/csv").run()
    bar = at.get("progress")[0]
    assert bar.proto.value == 100 and bar.proto.text == "ตรวจสอบแล้ว"


def test_commit_undo_and_verify_show_at_once_without_a_global_cache_clear(store_path, monkeypatch):
    """Cached figures are keyed by the data version: no write wipes every session's caches."""
    import streamlit as st

    clears = []
    monkeypatch.setattr(st.cache_data, "clear", lambda *a, **k: clears.append(a))
    at = app("pto21", "pages/upload.py").run()
    at.file_uploader[0].upload("fin.csv", GOOD, "text/csv").run()
    confirm_jumps(at)
    next(b for b in at.button if b.label.startswith("3.")).click().run()
    assert not at.exception and "บันทึกแล้ว" in at.success[0].value
    with Store(store_path) as store:
        batch_id = int(store.batches("PTO").iloc[0]["batch_id"])
    history = at.dataframe[-1].value  # the agency's batches, drawn after the commit
    assert history["ชุดที่"].tolist()[0] == batch_id

    at = app("pto21v", "pages/verify.py").run()
    assert f"ชุดที่ {batch_id} fin.csv" in at.selectbox[0].options  # waits for its verifier
    at.selectbox(key="verify_batch").set_value(batch_id).run()
    next(b for b in at.button if b.label == "รับรองทั้งชุด").click().run()
    assert at.success and not at.exception

    at = app("pto21v", "pages/upload.py").run()
    kinds = at.dataframe[-1].value["ประเภท"].tolist()
    assert kinds[:2] == ["ตรวจสอบ", "นำเข้า"]  # the history shows the verification at once
    next(b for b in at.button if b.label == "ยกเลิกชุดนี้ (คืนค่าเดิม)").click().run()
    assert not at.exception and "ยกเลิกชุดที่" in at.success[0].value
    kinds = at.dataframe[-1].value["ประเภท"].tolist()  # the same run shows the undo too
    assert kinds[:3] == ["ยกเลิกชุด", "ตรวจสอบ", "นำเข้า"]
    assert clears == []

"""Sign-in sessions (cookie token, hash-only, expiry, idle, revocation) and display links."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.services import auth
from lib.services.auth import displays, sessions
from lib.services.auth.sessions import HANDOFF_TTL, SESSION_MAX_AGE, secret_hash
from lib.store import Store

NOW = datetime(2026, 11, 22, 9, 0, 0)
IDLE = auth.SESSION_IDLE_TIMEOUT
PASSWORD = "correct horse battery"
ADMIN = auth.User("root-admin", "admin")
APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def store(demo_store_path, tmp_path, fast_hasher):
    """A private copy of the demo store with one executive account (somsri)."""
    import shutil

    path = tmp_path / "s.duckdb"
    shutil.copyfile(demo_store_path, path)
    with Store(path) as s:
        auth.add_user(s, "somsri", "executive", PASSWORD, actor=ADMIN, origin="test", now=NOW)
        yield s


def _signed_in(store, at=NOW) -> str:
    """A session token as the browser gets it: sign-in, hand-off, exchange."""
    user = auth.load_user(store, "somsri")
    code = sessions.begin(store, user, "test", now=at)
    token = sessions.exchange(store, code, now=at + timedelta(seconds=1))
    assert token is not None
    return token


# -- sessions ----------------------------------------------------------------------
def test_a_token_resumes_its_account_and_only_its_hash_is_stored(store):
    user = auth.load_user(store, "somsri")
    code = sessions.begin(store, user, "test", now=NOW)
    token = sessions.exchange(store, code, now=NOW)
    assert sessions.resume(store, token, now=NOW + timedelta(minutes=5)).user == user
    rows = store.table_frame("sessions")
    assert len(rows) == 1 and rows["token_hash"].iloc[0] == secret_hash(token)
    for table in store.table_names():  # neither the token nor the code is stored anywhere
        text = store.table_frame(table).to_csv()
        assert token not in text and code not in text


def test_the_hand_off_code_works_once_and_only_for_a_minute(store):
    user = auth.load_user(store, "somsri")
    code = sessions.begin(store, user, "test", now=NOW)
    assert sessions.exchange(store, code, now=NOW + timedelta(seconds=2)) is not None
    assert sessions.exchange(store, code, now=NOW + timedelta(seconds=3)) is None  # spent
    late = sessions.begin(store, user, "test", now=NOW)
    assert sessions.exchange(store, late, now=NOW + HANDOFF_TTL + timedelta(seconds=1)) is None
    assert sessions.exchange(store, "made-up", now=NOW) is None
    assert sessions.exchange(store, None, now=NOW) is None


def test_idle_timeout_slides_with_activity(store):
    token = _signed_in(store)
    step = IDLE - timedelta(minutes=1)
    at = NOW
    for _ in range(3):  # active every 29 minutes: still signed in after 87 minutes
        at += step
        assert sessions.resume(store, token, now=at).user is not None
    idle = sessions.resume(store, token, now=at + IDLE + timedelta(seconds=1))
    assert (idle.user, idle.reason) == (None, "idle")
    assert sessions.resume(store, token, now=at).user is None  # and it stays ended


def test_a_session_ends_at_its_maximum_age_however_active(store):
    token = _signed_in(store)
    at = NOW
    while at + timedelta(minutes=20) < NOW + SESSION_MAX_AGE:
        at += timedelta(minutes=20)
        assert sessions.resume(store, token, now=at).user is not None
    late = sessions.resume(store, token, now=NOW + SESSION_MAX_AGE + timedelta(seconds=1))
    assert (late.user, late.reason) == (None, "expired")


def test_sign_out_revokes_the_token_and_is_audited(store):
    token = _signed_in(store)
    other = _signed_in(store)  # another browser of the same account
    assert sessions.end(store, token, "test", now=NOW + timedelta(minutes=2))
    assert sessions.resume(store, token, now=NOW + timedelta(minutes=3)).reason == "revoked"
    assert sessions.resume(store, other, now=NOW + timedelta(minutes=3)).user is not None
    assert not sessions.end(store, token, "test")  # already ended: nothing more to audit
    assert store.audit_log_filtered(action="sign_out")["username"].tolist() == ["somsri"]


def test_a_password_change_ends_every_session_of_the_account(store):
    tokens = [_signed_in(store), _signed_in(store)]
    auth.change_password(store, "somsri", "another long password", actor=ADMIN, origin="test")
    for token in tokens:
        assert sessions.resume(store, token, now=NOW + timedelta(minutes=1)).reason == "revoked"
    reasons = store.sessions_frame("somsri")["revoked_reason"].tolist()
    assert reasons == ["password_change", "password_change"]


def test_disabling_an_account_ends_its_sessions(store):
    token = _signed_in(store)
    auth.disable_user(store, "somsri", actor=ADMIN, origin="test")
    assert sessions.resume(store, token, now=NOW + timedelta(minutes=1)).user is None
    assert store.sessions_frame("somsri")["revoked_reason"].tolist() == ["user_disable"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cockpit?scope=21&fy=2569", "/cockpit?scope=21&fy=2569"),
        ("/", "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_after_sign_in_the_browser_goes_only_to_a_path_of_this_site(target, expected):
    assert sessions.safe_next(target) == expected


# -- display links -----------------------------------------------------------------
def test_a_display_link_is_stored_hashed_and_shows_only_its_scopes(store):
    link_id, token = displays.create(
        store, ["21", "c17-e1", "21"], actor=ADMIN, origin="test", label="ห้องประชุม", now=NOW
    )
    assert len(token) >= 40
    viewer = displays.open_link(store, token, "test", now=NOW)
    assert viewer.role == "display" and viewer.scopes == ("21", "C17-E1")
    assert viewer.area_code == "21"  # the wall lands on its first scope
    assert displays.viewer_scopes(viewer) == ("21", "C17-E1")
    assert displays.viewer_scopes(auth.load_user(store, "somsri")) is None  # accounts: any
    assert displays.scope_refusal(viewer.scopes, "21") is None
    refusal = displays.scope_refusal(viewer.scopes, "TH")
    assert "TH" in refusal.th and "21, C17-E1" in refusal.en
    for table in store.table_names():
        assert token not in store.table_frame(table).to_csv()
    listed = displays.links_frame(store)
    assert listed[["id", "label", "scopes", "created_by"]].values.tolist() == [
        [link_id, "ห้องประชุม", "21,C17-E1", "root-admin"]
    ]
    assert not any("hash" in c or "token" in c for c in listed.columns)


def test_a_display_link_is_revocable_and_its_use_audited_once_a_day(store):
    link_id, token = displays.create(store, ["21"], actor=ADMIN, origin="test", now=NOW)
    for minutes in (0, 1, 10, 60):
        assert displays.open_link(store, token, "wall", now=NOW + timedelta(minutes=minutes))
    assert displays.open_link(store, token, "wall", now=NOW + timedelta(days=1))
    uses = store.audit_log_filtered(action="display_use")
    assert len(uses) == 2  # the first use of each day
    assert displays.links_frame(store)["last_used_at"].iloc[0] == NOW + timedelta(days=1)
    displays.revoke(store, link_id, actor=ADMIN, origin="test")
    assert displays.open_link(store, token, "wall", now=NOW + timedelta(days=1)) is None
    with pytest.raises(ValueError, match="no live display link"):
        displays.revoke(store, link_id, actor=ADMIN, origin="test")
    actions = store.audit_log_filtered(username="root-admin")["action"].tolist()
    assert {"display_add", "display_revoke"} <= set(actions)


def test_only_an_administrator_makes_display_links_of_known_scopes(store):
    with pytest.raises(auth.PermissionDenied):
        displays.create(store, ["21"], actor=auth.load_user(store, "somsri"), origin="test")
    for bad in (["99"], ["1001"], [], ["21"] * 1 + ["nowhere"]):  # 1001 is a district
        with pytest.raises(auth.UserInputError) as err:
            displays.create(store, bad, actor=ADMIN, origin="test")
        assert err.value.message_th and err.value.message_en
    assert displays.links_frame(store).empty


# -- in the app (AppTest has no cookies: the session lives in session state) --------------
def test_the_app_opens_the_cockpit_for_a_display_link_and_refuses_other_scopes(store, monkeypatch):
    monkeypatch.setenv("EIS_DB_PATH", store.path)
    _, token = displays.create(store, ["21"], actor=ADMIN, origin="test")
    store.close()
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/cockpit.py")
    at.query_params["display"] = token
    at.run()
    assert not at.exception
    assert not at.text_input  # no sign-in form
    assert not [e for e in at.error if "ลิงก์จอแสดงผล" in e.value]
    assert at.query_params["wall"] in ("1", ["1"])  # a display link is a wall
    assert not at.sidebar.get("page_link")  # no menu: no other page
    at.query_params["cycle"] = "21,TH"
    at.run()
    assert any("ไม่รวม TH" in e.value for e in at.error)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/cockpit.py")
    at.query_params["display"] = "not-a-token"
    at.run()
    assert any("ลิงก์จอแสดงผลนี้ใช้ไม่ได้" in e.value for e in at.error)

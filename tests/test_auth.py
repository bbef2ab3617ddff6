"""Passwords, sign-in with lock-out, roles scoped to agency and area, audit log, safe CSV."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher

from lib.core.exporting import neutralise_cell, safe_csv_bytes
from lib.services import auth
from lib.services.auth import AreaIndex, User
from lib.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 9, 0, 0)
PASSWORD = "correct horse battery"
ADMIN = User("root-admin", "admin")


@pytest.fixture(scope="module")
def index(demo_store) -> AreaIndex:
    return auth.load_area_index(demo_store, on=date(2026, 11, 22))


# -- passwords ---------------------------------------------------------------------
def test_default_hasher_is_argon2id_with_strong_parameters():
    assert auth.accounts._HASHER.type.name == "ID"
    assert auth.accounts._HASHER.memory_cost >= 65536 and auth.accounts._HASHER.time_cost >= 3


def test_hash_is_salted_and_verifies(fast_hasher):
    h1, h2 = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert h1.startswith("$argon2id$") and PASSWORD not in h1
    assert h1 != h2  # a salt per hash
    assert auth.verify_password(h1, PASSWORD)
    assert not auth.verify_password(h1, PASSWORD + "x")
    assert not auth.verify_password(None, PASSWORD)
    assert not auth.verify_password("not a hash", PASSWORD)


def test_needs_rehash_when_parameters_are_weaker(fast_hasher):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    assert auth.needs_rehash(weak)
    assert not auth.needs_rehash(auth.hash_password(PASSWORD))


@pytest.mark.parametrize("bad", ["", "short", "123456789", " " * 12, "x" * 2000])
def test_password_policy_refuses_with_thai_and_english(bad):
    with pytest.raises(auth.PasswordPolicyError) as err:
        auth.hash_password(bad)
    assert err.value.message_th and err.value.message_en
    assert re.search(r"[\u0E00-\u0E7F]", err.value.message_th)


def test_session_timeout():
    assert auth.SESSION_IDLE_TIMEOUT == timedelta(minutes=30)
    assert not auth.session_expired(NOW, NOW + timedelta(minutes=29))
    assert auth.session_expired(NOW, NOW + timedelta(minutes=31))


def test_oidc_switch(monkeypatch):
    monkeypatch.delenv("EIS_AUTH", raising=False)
    assert not auth.oidc_enabled()
    monkeypatch.setenv("EIS_AUTH", "OIDC")
    assert auth.oidc_enabled()
    monkeypatch.setenv("EIS_AUTH", "local")
    assert not auth.oidc_enabled()


# -- sign-in and lock-out ------------------------------------------------------------
@pytest.fixture
def users_store(migrated_store, fast_hasher):
    """One administrator, somsri: in a store file, then on the store server."""
    store = migrated_store
    auth.add_user(store, "somsri", "admin", PASSWORD, actor=ADMIN, origin="test", now=NOW)
    return store


def _actions(store: Store, username: str) -> list[str]:
    return store.audit_log_filtered(username=username)["action"].tolist()[::-1]


def test_password_is_stored_only_as_a_hash(users_store):
    record = users_store.user_record("somsri")
    assert record["password_hash"].startswith("$argon2id$")
    for table in users_store.table_names():
        text = users_store.table_frame(table).to_csv()
        assert PASSWORD not in text


def test_sign_in_succeeds_and_is_audited(users_store):
    result = auth.sign_in(users_store, "Somsri", PASSWORD, origin="10.0.0.5", now=NOW)
    assert result.ok and result.reason_code == "ok"
    assert result.user == User("somsri", "admin")
    entry = users_store.audit_log_filtered(action="sign_in").iloc[0]
    assert (entry.username, entry.origin, entry.occurred_at) == ("somsri", "10.0.0.5", NOW)


def test_unknown_user_and_wrong_password_look_the_same(users_store):
    unknown = auth.sign_in(users_store, "nobody", PASSWORD, origin="app", now=NOW)
    wrong = auth.sign_in(users_store, "somsri", "wrong password!", origin="app", now=NOW)
    assert not unknown.ok and not wrong.ok
    assert (unknown.reason_code, wrong.reason_code) == ("unknown_user", "bad_password")
    assert (unknown.message_th, unknown.message_en) == (wrong.message_th, wrong.message_en)
    failed = users_store.audit_log_filtered(action="sign_in_failed")
    assert len(failed) == 2 and set(failed.origin) == {"app"}


def test_lockout_after_five_failures_and_unlock_after_the_window(users_store):
    for i in range(4):
        r = auth.sign_in(users_store, "somsri", "bad", origin="app", now=NOW + timedelta(seconds=i))
        assert r.reason_code == "bad_password"
    assert users_store.user_record("somsri")["failed_attempts"] == 4
    fifth = auth.sign_in(users_store, "somsri", "bad", origin="app", now=NOW + timedelta(seconds=4))
    assert not fifth.ok and fifth.reason_code == "locked"
    record = users_store.user_record("somsri")
    assert record["locked_until"] == NOW + timedelta(seconds=4) + auth.LOCKOUT
    assert "locked" in _actions(users_store, "somsri")
    # the right password does not help while locked
    during = auth.sign_in(
        users_store, "somsri", PASSWORD, origin="app", now=NOW + timedelta(minutes=10)
    )
    assert not during.ok and during.reason_code == "locked"
    assert "ล็อก" in during.message_th
    after = auth.sign_in(
        users_store, "somsri", PASSWORD, origin="app", now=NOW + timedelta(minutes=16)
    )
    assert after.ok
    record = users_store.user_record("somsri")
    assert record["failed_attempts"] == 0 and record["locked_until"] is None


def test_a_locked_account_answers_as_an_unknown_name_does(users_store):
    for i in range(5):
        auth.sign_in(users_store, "somsri", "bad", origin="app", now=NOW + timedelta(seconds=i))
    later = NOW + timedelta(minutes=1)
    locked = auth.sign_in(users_store, "somsri", PASSWORD, origin="app", now=later)
    unknown = auth.sign_in(users_store, "nobody", PASSWORD, origin="app", now=later)
    wrong = auth.sign_in(users_store, "somsri", "bad", origin="app", now=later)
    assert (locked.reason_code, unknown.reason_code) == ("locked", "unknown_user")  # audit only
    answers = {(r.ok, r.message_th, r.message_en) for r in (locked, unknown, wrong)}
    assert len(answers) == 1  # what the person sees tells nothing about the account
    assert "ล็อก" in locked.message_th and "locked" in locked.message_en


def test_a_success_resets_the_failure_count(users_store):
    for i in range(4):
        auth.sign_in(users_store, "somsri", "bad", origin="app", now=NOW + timedelta(seconds=i))
    assert auth.sign_in(users_store, "somsri", PASSWORD, origin="app", now=NOW).ok
    for i in range(4):
        r = auth.sign_in(users_store, "somsri", "bad", origin="app", now=NOW + timedelta(seconds=i))
        assert r.reason_code == "bad_password"


def test_disabled_account_cannot_sign_in(users_store):
    auth.disable_user(users_store, "somsri", actor=ADMIN, origin="test")
    result = auth.sign_in(users_store, "somsri", PASSWORD, origin="app", now=NOW)
    assert not result.ok and result.reason_code == "disabled"
    assert auth.load_user(users_store, "somsri") is None


def test_sign_in_rehashes_a_weak_hash(users_store):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    users_store.update_user(
        "somsri", {"password_hash": weak}, audit={"username": "t", "action": "test"}
    )
    assert auth.sign_in(users_store, "somsri", PASSWORD, origin="app", now=NOW).ok
    new_hash = users_store.user_record("somsri")["password_hash"]
    assert new_hash != weak and not auth.needs_rehash(new_hash)


def test_password_change_self_and_admin(users_store):
    auth.add_user(users_store, "noi", "executive", PASSWORD, actor=ADMIN, origin="test")
    noi = auth.load_user(users_store, "noi")
    with pytest.raises(auth.PermissionDenied):
        auth.change_password(users_store, "noi", "new password 1", actor=noi, origin="app")
    with pytest.raises(auth.PermissionDenied):
        auth.change_password(
            users_store, "noi", "new password 1", actor=noi, origin="app", old_password="nope"
        )
    auth.change_password(
        users_store, "noi", "new password 1", actor=noi, origin="app", old_password=PASSWORD
    )
    assert auth.sign_in(users_store, "noi", "new password 1", origin="app").ok
    assert not auth.sign_in(users_store, "noi", PASSWORD, origin="app").ok
    # another non-admin may not change it; an admin may, and that clears a lock
    with pytest.raises(auth.PermissionDenied):
        auth.change_password(users_store, "somsri", "new password 2", actor=noi, origin="app")
    for _ in range(5):
        auth.sign_in(users_store, "noi", "bad", origin="app", now=NOW)
    auth.change_password(users_store, "noi", "new password 3", actor=ADMIN, origin="app", now=NOW)
    assert auth.sign_in(users_store, "noi", "new password 3", origin="app", now=NOW).ok
    with pytest.raises(auth.PasswordPolicyError):
        auth.change_password(users_store, "noi", "short", actor=ADMIN, origin="app")
    assert _actions(users_store, "root-admin").count("password_change") == 1


def test_add_user_validates(demo_store_path, tmp_path, fast_hasher):
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store_path, path)
    with Store(path) as store:
        kw = {"actor": ADMIN, "origin": "test"}
        with pytest.raises(auth.UserInputError, match="unknown role"):
            auth.add_user(store, "a1", "boss", PASSWORD, **kw)
        with pytest.raises(auth.UserInputError, match="unknown agency"):
            auth.add_user(store, "a1", "staff", PASSWORD, agency_code="NOPE", **kw)
        with pytest.raises(auth.UserInputError, match="needs --agency"):
            auth.add_user(store, "a1", "staff", PASSWORD, **kw)
        with pytest.raises(auth.UserInputError, match="unknown area"):
            auth.add_user(store, "a1", "staff", PASSWORD, agency_code="PSO", area_code="99", **kw)
        with pytest.raises(auth.UserInputError, match="bad username"):
            auth.add_user(store, "A B", "staff", PASSWORD, agency_code="PSO", **kw)
        with pytest.raises(auth.PermissionDenied):
            auth.add_user(
                store, "a1", "admin", PASSWORD, actor=User("x", "staff", "PSO"), origin="t"
            )
        user = auth.add_user(
            store, "a1", "staff", PASSWORD, agency_code="pso", area_code="c17-uc", **kw
        )
        assert (user.agency_code, user.area_code) == ("PSO", "C17-UC")
        assert (
            auth.add_user(store, "a2", "executive", PASSWORD, area_code="TH", **kw).area_code
            is None
        )
        with pytest.raises(ValueError, match="already exists"):
            auth.add_user(store, "a1", "staff", PASSWORD, agency_code="PSO", **kw)
        listed = auth.users_frame(store)
        assert "password_hash" not in listed.columns and listed.username.tolist() == ["a1", "a2"]


# -- areas ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "scope,area,inside",
    [
        (None, "9601", True),
        ("TH", "20", True),
        ("20", "20", True),
        ("20", "2001", True),
        ("20", "21", False),
        ("20", "2101", False),
        ("2001", "2001", True),
        ("2001", "2002", False),
        ("2001", "20", False),
        ("C17-UC", "14", True),
        ("C17-UC", "1401", True),
        ("C17-UC", "12", False),  # Nonthaburi: Central Vicinity in 2017
        ("C09-UC1", "12", True),  # ... but Upper Central 1 in the 2009 set
        ("R7-BKK", "10", True),
        ("R7-BKK", "1001", True),
        ("R7-BKK", "50", False),
        ("C17-UC", "C17-UC", True),
        ("20", "C17-E1", False),
        ("20", "nowhere", False),
    ],
)
def test_area_index_contains(index, scope, area, inside):
    assert index.contains(scope, area) is inside


def test_group_membership_is_the_one_in_force(demo_store):
    areas, members = demo_store.area_index_frames()
    before = AreaIndex.from_frames(areas, members, on=date(2010, 1, 1))
    after = AreaIndex.from_frames(areas, members, on=date(2026, 1, 1))
    assert not before.contains("C17-UNE1", "38")  # Bueng Kan became a province in 2011
    assert after.contains("C17-UNE1", "38") and after.contains("C17-UNE1", "3801")
    assert "38" in after.provinces_in("C17-UNE1")
    assert len(after.provinces_in(None)) == 77


# -- the role x action matrix ------------------------------------------------------------
SCOPED = {
    "public": None,
    "staff": User("staff-pso-20", "staff", "PSO", "20"),
    "verifier": User("verifier-pso-20", "verifier", "PSO", "20"),
    "executive": User("exec-20", "executive", None, "20"),
    "admin": User("admin", "admin"),
}
OWN = {"code": "X1", "owner_agency": "PSO", "is_published": False}
OTHER = {"code": "X2", "owner_agency": "PAO", "is_published": False}
PUBLISHED = {"code": "X3", "owner_agency": "PAO", "is_published": True}
OWN_BATCH = {"batch_id": 7, "agency_code": "PSO"}
OTHER_BATCH = {"batch_id": 8, "agency_code": "PAO"}

# case: (action, keyword arguments); expected per role in ROLES order
CASES = {
    "read published": (("read_published", {"item": PUBLISHED}), "11111"),
    "read unpublished": (("read_unpublished", {"item": OWN}), "01111"),
    "read unpublished item as published": (("read_published", {"item": OWN}), "01111"),
    "upload own agency": (("upload", {"item": OWN, "area_code": "2001"}), "01100"),
    "upload own agency, several areas": (
        ("upload", {"item": OWN, "area_code": ["20", "2001"]}),
        "01100",
    ),
    "upload other agency": (("upload", {"item": OTHER, "area_code": "20"}), "00000"),
    "upload outside area": (("upload", {"item": OWN, "area_code": "21"}), "00000"),
    "upload partly outside area": (("upload", {"item": OWN, "area_code": ["20", "2101"]}), "00000"),
    "verify own agency": (("verify", {"item": OWN, "area_code": "20"}), "00100"),
    "verify other agency": (("verify", {"item": OTHER, "area_code": "20"}), "00000"),
    "verify outside area": (("verify", {"item": OWN, "area_code": "10"}), "00000"),
    "undo own batch": (("undo", {"batch": OWN_BATCH, "area_code": "20"}), "01101"),
    "undo other agency's batch": (("undo", {"batch": OTHER_BATCH, "area_code": "20"}), "00001"),
    "undo outside area": (("undo", {"batch": OWN_BATCH, "area_code": "50"}), "00001"),
    "undo own agency's verification": (
        ("undo", {"batch": {**OWN_BATCH, "kind": "verify"}, "area_code": "20"}),
        "00101",
    ),
    "manage users": (("manage_users", {}), "00001"),
    "backup": (("backup", {}), "00001"),
    "read audit": (("read_audit", {}), "00001"),
}
MATRIX = [
    pytest.param(role, action, kwargs, expected[i] == "1", id=f"{role}: {case}")
    for case, ((action, kwargs), expected) in CASES.items()
    for i, role in enumerate(auth.ROLES)
]


@pytest.mark.parametrize("role,action,kwargs,allowed", MATRIX)
def test_role_action_matrix(index, role, action, kwargs, allowed):
    user = SCOPED[role]
    decision = auth.can(user, action, area_index=index, **kwargs)
    assert decision.allowed is allowed, decision.reason_en
    assert decision.reason_th and decision.reason_en
    if allowed:
        auth.require(user, action, area_index=index, **kwargs)
    else:
        with pytest.raises(auth.PermissionDenied) as err:
            auth.require(user, action, area_index=index, **kwargs)
        assert err.value.message_th == decision.reason_th


def test_the_two_person_option_keeps_a_verifier_off_their_own_upload(index, monkeypatch):
    verifier = SCOPED["verifier"]
    own = {"batch_id": 7, "username": verifier.username, "agency_code": "PSO"}
    colleague = {**own, "username": "staff-pso-20"}
    kwargs = {"item": OWN, "area_code": "20", "area_index": index}
    monkeypatch.delenv("EIS_TWO_PERSON_VERIFY", raising=False)
    assert auth.can(verifier, "verify", batch=own, **kwargs)  # off by default
    monkeypatch.setenv("EIS_TWO_PERSON_VERIFY", "1")
    decision = auth.can(verifier, "verify", batch=own, **kwargs)
    assert not decision and "two-person" in decision.reason_en and decision.reason_th
    assert auth.can(verifier, "verify", batch=colleague, **kwargs)
    with pytest.raises(ValueError, match="needs the batch"):
        auth.can(verifier, "verify", **kwargs)


def test_the_two_person_option_in_the_verify_service(demo_store_path, tmp_path, monkeypatch):
    import shutil

    from lib.services import upload

    path = tmp_path / "v.duckdb"
    shutil.copyfile(demo_store_path, path)
    monkeypatch.setattr(
        auth.accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setenv("EIS_TWO_PERSON_VERIFY", "1")
    data = b"item,area,period,value\nFIN01,21,2026-08,64.0\n"
    with Store(path) as store:
        auth.add_user(
            store,
            "v21",
            "verifier",
            PASSWORD,
            actor=ADMIN,
            origin="t",
            agency_code="PTO",
            area_code="21",
        )
        auth.add_user(
            store,
            "v21b",
            "verifier",
            PASSWORD,
            actor=ADMIN,
            origin="t",
            agency_code="PTO",
            area_code="21",
        )
        v21, v21b = auth.load_user(store, "v21"), auth.load_user(store, "v21b")
        preview = upload.preview_upload(store, data, "fin.csv")
        batch_id = upload.commit_as(store, v21, preview, origin="t")
        with pytest.raises(auth.PermissionDenied, match="two-person"):
            upload.verify_as(store, v21, batch_id, origin="t")
        assert upload.verify_as(store, v21b, batch_id, origin="t")[0] == 1


def test_cluster_scoped_staff_writes_in_every_member_province(index):
    staff = User("s", "staff", "PSO", "C17-UC")
    for province in index.provinces_in("C17-UC"):
        assert auth.can(staff, "upload", item=OWN, area_code=province, area_index=index)
    assert not auth.can(staff, "upload", item=OWN, area_code="10", area_index=index)


def test_country_wide_staff_needs_no_area_index():
    staff = User("s", "staff", "PSO", None)
    assert auth.can(staff, "upload", item=OWN, area_code="10")


def test_disabled_or_agencyless_users_cannot_write(index):
    disabled = User("s", "staff", "PSO", None, is_active=False)
    assert not auth.can(disabled, "upload", item=OWN, area_code="10")
    assert not auth.can(disabled, "read_unpublished")
    assert auth.can(disabled, "read_published")
    assert not auth.can(User("s", "staff", None, None), "upload", item=OWN, area_code="10")


def test_bad_calls_raise():
    with pytest.raises(ValueError, match="unknown action"):
        auth.can(ADMIN, "drop_tables")
    with pytest.raises(ValueError, match="needs the item"):
        auth.can(SCOPED["staff"], "upload")
    with pytest.raises(ValueError, match="area"):
        auth.can(SCOPED["staff"], "upload", item=OWN)


def test_audit_denied_writes_an_entry(empty_store):
    auth.audit_denied(empty_store, SCOPED["staff"], "upload", "item X2", "cli", reason="agency")
    auth.audit_denied(empty_store, None, "read_unpublished", "item X1", "10.1.1.1")
    log = empty_store.audit_log_filtered(action="denied")
    assert pd.isna(log.username.iloc[0]) and log.username.iloc[1] == "staff-pso-20"
    assert log.origin.tolist() == ["10.1.1.1", "cli"]
    assert '"action": "upload"' in log.detail.iloc[1]


# -- audit log ----------------------------------------------------------------------------
def test_audit_log_filter(empty_store):
    for i, (user, action) in enumerate([("a", "sign_in"), ("b", "sign_in"), ("a", "backup")]):
        empty_store.record_audit(user, action, origin="app", at=NOW + timedelta(days=i))
    f = empty_store.audit_log_filtered
    assert len(f()) == 3
    assert f(username="a").action.tolist() == ["backup", "sign_in"]
    assert f(action="sign_in").username.tolist() == ["b", "a"]
    assert f(action=["sign_in", "backup"], username="a").shape[0] == 2
    assert f(since=NOW + timedelta(days=1)).username.tolist() == ["a", "b"]
    assert f(until=NOW.date()).username.tolist() == ["a"]  # a date includes its whole day
    assert f(until=NOW + timedelta(hours=1)).shape[0] == 1
    assert f(limit=1).action.tolist() == ["backup"]


AUDIT_WRITE = re.compile(
    r"(UPDATE\s+\"?audit_log|DELETE\s+FROM\s+\"?audit_log|TRUNCATE\s+(TABLE\s+)?\"?audit_log"
    r"|DROP\s+TABLE\s+(IF\s+EXISTS\s+)?\"?audit_log|ALTER\s+TABLE\s+\"?audit_log)",
    re.IGNORECASE,
)


def test_no_store_method_edits_or_deletes_audit_rows():
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "lib" / "store").glob("*.py"))
    )
    assert "audit_log" in source
    assert AUDIT_WRITE.findall(source) == []
    assert not [
        name for name in dir(Store) if "audit" in name and re.search("del|edit|upd|clear", name)
    ]


def test_audit_log_cannot_be_replaced_as_a_table(empty_store):
    with pytest.raises(ValueError):
        empty_store.replace_tables({"audit_log": pd.DataFrame()})


# -- safe CSV ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,expected",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("ชลบุรี", "ชลบุรี"),
        ("a=b", "a=b"),
        ("-5", "-5"),  # text that is a plain number is data
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_safe_csv_bytes_neutralises_formulas_and_keeps_thai():
    frame = pd.DataFrame(
        {"name": ['=HYPERLINK("http://evil")', "เชียงใหม่", None], "value": [-1, 2, 3]}
    )
    data = safe_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.name.tolist()[:2] == ['\'=HYPERLINK("http://evil")', "เชียงใหม่"]
    assert back.value.tolist() == [-1, 2, 3]
    assert frame.name.iloc[0].startswith("=")  # the input frame is left alone


# -- messages: one error base, one argument order (th, en) ----------------------------------
@pytest.mark.parametrize(
    "error",
    [
        auth.PasswordPolicyError("รหัสผ่านสั้นไป", "too short"),
        auth.UserInputError("ไม่มีบทบาทนี้", "no such role"),
        auth.PermissionDenied("ไม่มีสิทธิ์", "not allowed", "upload"),
    ],
)
def test_errors_are_localized_thai_first(error):
    from lib.core.i18n import LocalizedError, message_of

    assert isinstance(error, LocalizedError)
    assert re.search(r"[\u0E00-\u0E7F]", error.message_th) and error.message_en.isascii()
    assert message_of(error, "th") == error.message_th and message_of(error, "en") == str(error)


def test_bad_user_fields_raise_input_errors_in_both_languages(demo_store):
    from lib.core.i18n import InputError

    with pytest.raises(InputError) as err:
        auth.validate_user_fields(demo_store, "nok", "boss", None, None)
    assert "unknown role" in err.value.message("en") and "ไม่มีบทบาท" in err.value.message("th")

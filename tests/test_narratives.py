"""The KPI form's narratives (lib.services.narratives, Store narrative queries).

On the form's store (tests/test_reports_kpiform.py): KPI01 and KPI21 belong to
the provincial office (POPS), KPI04 to the treasury (PTO). The owner's staff and
verifier write (each save a new version with who and when, unchanged fields
skipped, audited), another agency's staff, an executive and the public are
refused and the refusal audited; bad input is refused and changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest
from test_reports_kpiform import FY, load_form_store

from lib.core.i18n import InputError
from lib.services import auth, narratives

OWNER = auth.User("pops21", "staff", agency_code="POPS", area_code="21")
OWNER_VERIFIER = auth.User("pops21v", "verifier", agency_code="POPS", area_code="21")
OTHER_AGENCY = auth.User("pto21", "staff", agency_code="PTO", area_code="21")
OTHER_AREA = auth.User("pops20", "staff", agency_code="POPS", area_code="20")
EXECUTIVE = auth.User("gov21", "executive", area_code="21")
ADMIN = auth.User("admin1", "admin")
KPI01 = {"code": "KPI01", "owner_agency": "POPS"}


@pytest.fixture
def store(empty_store):
    load_form_store(empty_store)
    return empty_store


def saved(store, user, texts, kpi="KPI01", area="21", round_months=12):
    return narratives.save(store, user, FY, round_months, kpi, area, texts, origin="test")


def entries(store, action):
    log = store.audit_log_filtered(action=action)
    return [dict(r, detail=json.loads(r["detail"] or "null")) for r in log.to_dict("records")]


# ------------------------------------------------------------------ who may write


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (OWNER, True),
        (OWNER_VERIFIER, True),
        (ADMIN, True),
        (OTHER_AGENCY, False),
        (EXECUTIVE, False),
        (None, False),
        (auth.User("pops", "staff", agency_code="POPS", is_active=False), False),
    ],
)
def test_may_write(user, allowed):
    assert narratives.may_write(user, KPI01) is allowed


def test_may_write_within_the_accounts_area(store):
    index = auth.load_area_index(store)
    assert narratives.may_write(OWNER, KPI01, "21", index)
    assert not narratives.may_write(OWNER, KPI01, "TH", index)  # the country's form
    assert not narratives.may_write(OTHER_AREA, KPI01, "21", index)
    assert narratives.may_write(ADMIN, KPI01, "TH", index)


# ------------------------------------------------------------------ saving


def test_owner_saves_and_the_save_is_audited(store):
    n = saved(store, OWNER, {"work_done": "๑. ประชุมหารือ  \n  ๒. จัดทำแผน   \n\n", "obstacles": ""})
    assert n == 1  # an empty field never written is unchanged
    now = narratives.current(store, FY, 12, "KPI01", "21")
    assert list(now) == ["work_done"]
    assert now["work_done"]["text"] == "๑. ประชุมหารือ\n  ๒. จัดทำแผน"  # as typed, no trailing
    assert now["work_done"]["written_by"] == "pops21"
    assert isinstance(now["work_done"]["written_at"], datetime)
    (entry,) = entries(store, "narrative_saved")
    assert entry["username"] == "pops21"
    assert entry["target"] == "narrative KPI01 21 2570 r12"
    assert entry["detail"]["fields"] == ["work_done"]
    assert entry["origin"] == "test"
    assert len(entry["detail"]["ids"]) == 1


def test_unchanged_fields_are_skipped(store):
    saved(store, OWNER, {"work_done": "ก", "supporting": "ข"})
    assert saved(store, OWNER, {"work_done": "ก  ", "supporting": "ข"}) == 0
    assert saved(store, OWNER, {"work_done": "ก", "supporting": "ค"}) == 1
    assert len(narratives.history(store, FY, 12, "KPI01", "21")) == 3
    assert len(entries(store, "narrative_saved")) == 2  # nothing written, nothing audited


def test_history_keeps_both_versions_with_who_and_when(store):
    saved(store, OWNER, {"work_done": "ฉบับแรก"})
    saved(store, OWNER_VERIFIER, {"work_done": "ฉบับแก้ไข"})
    history = narratives.history(store, FY, 12, "KPI01", "21")
    assert history["text"].tolist() == ["ฉบับแรก", "ฉบับแก้ไข"]
    assert history["written_by"].tolist() == ["pops21", "pops21v"]
    assert history["written_at"].is_monotonic_increasing
    now = narratives.current(store, FY, 12, "KPI01", "21")["work_done"]
    assert (now["text"], now["written_by"]) == ("ฉบับแก้ไข", "pops21v")


def test_empty_text_clears_a_field_as_a_new_version(store):
    saved(store, OWNER, {"suggestions": "ควรกำหนดเป็นตัวชี้วัดของจังหวัด"})
    assert saved(store, OWNER, {"suggestions": "   "}) == 1
    assert narratives.current(store, FY, 12, "KPI01", "21")["suggestions"]["text"] == ""
    assert len(narratives.history(store, FY, 12, "KPI01", "21")) == 2


def test_each_round_and_area_has_its_own_narratives(store):
    saved(store, ADMIN, {"work_done": "รอบ 6"}, round_months=6)
    saved(store, ADMIN, {"work_done": "ประเทศ"}, area="TH")
    assert narratives.current(store, FY, 12, "KPI01", "21") == {}
    assert narratives.current(store, FY, 6, "KPI01", "21")["work_done"]["text"] == "รอบ 6"
    assert narratives.current(store, FY, 12, "KPI01", "TH")["work_done"]["text"] == "ประเทศ"


@pytest.mark.parametrize(
    ("user", "area"), [(OTHER_AGENCY, "21"), (EXECUTIVE, "21"), (None, "21"), (OWNER, "TH")]
)
def test_others_are_refused_and_the_refusal_audited(store, user, area):
    with pytest.raises(auth.PermissionDenied) as err:
        saved(store, user, {"work_done": "ไม่ควรบันทึก"}, area=area)
    assert err.value.message_th
    assert narratives.history(store, FY, 12, "KPI01", area).empty
    (entry,) = entries(store, "denied")
    assert entry["detail"]["action"] == "narrative_saved"
    assert entry["target"] == f"narrative KPI01 {area} 2570 r12"
    assert entry["username"] == (None if user is None else user.username)
    assert entries(store, "narrative_saved") == []


def test_another_agencys_staff_writes_its_own_kpi(store):
    assert saved(store, OTHER_AGENCY, {"work_done": "เบิกจ่ายตามแผน"}, kpi="KPI04") == 1


@pytest.mark.parametrize(
    ("kpi", "area", "round_months", "texts", "words"),
    [
        ("KPI99", "21", 12, {"work_done": "ก"}, "ไม่มีตัวชี้วัดรหัส 'KPI99'"),
        ("KPI01", "99", 12, {"work_done": "ก"}, "ไม่มีพื้นที่รหัส '99'"),
        ("KPI01", "2101", 12, {"work_done": "ก"}, "ประเทศ ภาค กลุ่มจังหวัด หรือจังหวัด"),
        ("KPI01", "21", 9, {"work_done": "ก"}, "ไม่รายงานรอบ 9 เดือน"),  # KPI01: 6 and 12
        ("KPI01", "21", 3, {"work_done": "ก"}, "รอบรายงานต้องเป็น 6, 9 หรือ 12 เดือน"),
        ("KPI01", "21", 12, {"summary": "ก"}, "ไม่มีช่อง 'summary'"),
        ("KPI01", "21", 12, {"work_done": "ก" * 5001}, "เกินที่รับได้ 5,000 ตัวอักษร"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(store, kpi, area, round_months, texts, words):
    with pytest.raises(InputError) as err:
        saved(store, ADMIN, texts, kpi=kpi, area=area, round_months=round_months)
    assert words in err.value.message_th
    assert err.value.message_en
    assert store.narrative_history(FY, 12, "KPI01", "21").empty
    assert entries(store, "narrative_saved") == []


def test_the_longest_text_allowed_is_saved(store):
    assert saved(store, OWNER, {"evidence": "ก" * narratives.TEXT_MAX}) == 1


def test_fields_are_the_forms_in_order():
    assert list(narratives.FIELDS) == [
        "work_done",
        "supporting",
        "obstacles",
        "suggestions",
        "evidence",
    ]
    assert narratives.FIELDS["work_done"].th == "คำชี้แจงการปฏิบัติงาน/มาตรการที่ได้ดำเนินการ"
    assert narratives.FIELDS["suggestions"].en == "Suggestions for next year"


# ------------------------------------------------------------------ the store's queries


def _version(text, at, field="work_done"):
    return {
        "fiscal_year": FY,
        "round_months": 12,
        "kpi_code": "KPI01",
        "area_code": "21",
        "field": field,
        "text": text,
        "written_by": "t",
        "written_at": at,
    }


def test_store_keeps_every_version_and_the_newest_is_in_force(store):
    ids = store.add_narratives([_version("ใหม่", datetime(2026, 11, 2))])
    ids += store.add_narratives([_version("เก่า", datetime(2026, 11, 1))])  # entered later
    assert ids == sorted(ids) and len(set(ids)) == 2  # narrative_seq
    now = store.narratives_current(FY, 12, "KPI01", "21")
    assert now["text"].tolist() == ["ใหม่"]  # the newest written_at, not the last entered
    tie = datetime(2026, 11, 2)
    store.add_narratives([_version("เท่ากัน ป้อนทีหลัง", tie)])
    assert store.narratives_current(FY, 12, "KPI01", "21")["text"].tolist() == [
        "เท่ากัน ป้อนทีหลัง"
    ]  # same moment: the higher id
    history = store.narrative_history(FY, 12, "KPI01", "21", field="work_done")
    assert history["text"].tolist() == ["เก่า", "ใหม่", "เท่ากัน ป้อนทีหลัง"]
    assert store.narrative_history(FY, 12, "KPI01", "21", field="obstacles").empty


def test_store_writes_the_audit_entry_with_the_versions(store):
    audit = {"username": "t", "action": "narrative_saved", "target": "x", "detail": {"a": 1}}
    ids = store.add_narratives([_version("ก", None), _version("ข", None, "evidence")], audit)
    (entry,) = entries(store, "narrative_saved")
    assert entry["detail"] == {"a": 1, "ids": ids}
    bad = {**_version("ง", None), "round_months": 7}  # the table's CHECK refuses it
    with pytest.raises(duckdb.ConstraintException):  # and the whole transaction with it
        store.add_narratives([_version("ค", None), bad], audit)
    assert len(store.narrative_history(FY, 12, "KPI01", "21")) == 2
    assert len(entries(store, "narrative_saved")) == 1

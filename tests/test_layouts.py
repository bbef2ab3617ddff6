"""Saved layouts (lib.services.layouts over lib.store): save, list, rename, delete, who may,
what is audited, which layouts an upload tries, and that a backup keeps them."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest

from lib.core.i18n import InputError
from lib.ingest.layout import Layout
from lib.services import auth, backup, layouts
from lib.store import Store

STAFF = auth.User("pto21", "staff", agency_code="PTO", area_code="21")
VERIFIER = auth.User("pto21v", "verifier", agency_code="PTO", area_code="21")
OTHER = auth.User("pco20", "staff", agency_code="PCO", area_code="20")
ADMIN = auth.User("admin1", "admin")
EXECUTIVE = auth.User("gov21", "executive", area_code="21")

POPULATION = Layout({"จังหวัด": "area", "ปี": "period", "จำนวนประชากร (คน)": "item:POP01"})
INCOME = Layout({"ชื่อจังหวัด": "area", "รายได้เฉลี่ย": "value"}, period_rule="title")


@pytest.fixture
def store(empty_store):
    return empty_store


def _audit(store: Store, action: str) -> list[dict]:
    log = store.audit_log_filtered(action=action)
    return [json.loads(d) if d else {} for d in log["detail"]]


def test_save_lists_and_replaces_keeping_who_created_it(store):
    saved = layouts.save(store, STAFF, "  ประชากร  รายปี ", POPULATION)
    assert saved.name == "ประชากร รายปี" and saved.columns == POPULATION.columns
    layouts.save(store, VERIFIER, "ประชากร รายปี", INCOME)  # same name: replaced
    row = store.layout_row("PTO", "ประชากร รายปี")
    assert (row["created_by"], row["updated_by"]) == ("pto21", "pto21v")
    assert Layout.from_json(row["layout"]) == INCOME
    listed = layouts.listed(store, STAFF)
    assert listed.columns.tolist() == layouts.LISTED_COLUMNS
    first = listed.iloc[0]
    assert (first["agency_code"], first["name"], first["period_rule"]) == (
        "PTO",
        "ประชากร รายปี",
        "title",
    )
    assert first["columns"] == "ชื่อจังหวัด=area; รายได้เฉลี่ย=value"
    before, after = _audit(store, "layout_saved")[0].values()  # newest first
    assert before == json.loads(POPULATION.to_json()) and after == json.loads(INCOME.to_json())
    assert _audit(store, "layout_saved")[1]["before"] is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_a_name_must_have_1_to_60_characters(store, name):
    with pytest.raises(InputError) as caught:
        layouts.save(store, STAFF, name, POPULATION)
    assert "1 ถึง 60 ตัวอักษร" in caught.value.message("th")
    assert store.layouts().empty
    layouts.save(store, STAFF, "x" * 60, POPULATION)  # 60 is allowed


def test_a_layout_without_a_column_role_is_not_saved(store):
    with pytest.raises(InputError, match="at least one column"):
        layouts.save(store, STAFF, "empty", Layout(sheets=("2567",)))


def test_rename_and_delete_are_audited_and_refuse_what_is_not_there(store):
    layouts.save(store, STAFF, "a", POPULATION)
    layouts.save(store, STAFF, "b", INCOME)
    with pytest.raises(InputError) as taken:
        layouts.rename(store, STAFF, "a", "b")
    assert "มีรูปแบบไฟล์ชื่อ 'b' อยู่แล้ว" in taken.value.message("th")
    assert layouts.rename(store, STAFF, "a", " c ") == "c"
    assert sorted(store.layouts("PTO")["name"]) == ["b", "c"]
    assert _audit(store, "layout_renamed") == [{"before": "a", "after": "c"}]
    layouts.delete(store, VERIFIER, "c")
    assert store.layouts("PTO")["name"].tolist() == ["b"]
    assert _audit(store, "layout_deleted")[0]["before"] == json.loads(POPULATION.to_json())
    with pytest.raises(InputError) as missing:
        layouts.delete(store, STAFF, "c")
    assert "ไม่มีรูปแบบไฟล์ชื่อ 'c'" in missing.value.message("th")
    assert "b" in missing.value.message("th")  # the layouts there are named


def test_another_agency_is_refused_and_audited_an_admin_manages_all(store):
    layouts.save(store, STAFF, "a", POPULATION)
    layouts.save(store, OTHER, "pco", INCOME)
    for act in (
        lambda: layouts.rename(store, OTHER, "a", "mine", agency_code="PTO"),
        lambda: layouts.delete(store, OTHER, "a", agency_code="PTO"),
        lambda: layouts.listed(store, OTHER, agency_code="PTO"),
        lambda: layouts.save(store, EXECUTIVE, "x", POPULATION),
    ):
        with pytest.raises(auth.PermissionDenied):
            act()
    denied = store.audit_log_filtered(action="denied")
    assert len(denied) == 4 and set(denied["username"]) == {"pco20", "gov21"}
    assert store.layouts("PTO")["name"].tolist() == ["a"]  # untouched
    # each agency sees its own; an administrator sees all and manages any
    assert layouts.listed(store, OTHER)["name"].tolist() == ["pco"]
    assert sorted(layouts.listed(store, ADMIN)["agency_code"]) == ["PCO", "PTO"]
    layouts.rename(store, ADMIN, "a", "renamed by admin", agency_code="PTO")
    layouts.delete(store, ADMIN, "pco", agency_code="PCO")
    assert sorted(store.layouts()["name"]) == ["renamed by admin"]


def test_an_upload_tries_its_agencys_layouts_newest_first(store):
    layouts.save(store, STAFF, "old", POPULATION)
    layouts.save(store, OTHER, "theirs", INCOME)
    layouts.save(store, STAFF, "new", INCOME)
    assert [x.name for x in layouts.for_upload(store, STAFF)] == ["new", "old"]
    assert [x.name for x in layouts.for_upload(store, OTHER)] == ["theirs"]
    assert layouts.for_upload(store, EXECUTIVE) == []
    assert layouts.named(store, VERIFIER, "old").columns == POPULATION.columns
    with pytest.raises(InputError) as none:
        layouts.named(store, STAFF, "theirs")  # another agency's is not found by name
    assert "new, old" in none.value.message("th")


def test_column_options_override_a_saved_layout():
    base = Layout({"จังหวัด": "area", "ปี": "period"}, sheets=("2567",), name="saved")
    layout = layouts.compose(base, [("ปี ", "ignore"), ("ค่า", "value")], (), False, "yymm")
    assert layout.columns == {"จังหวัด": "area", "ปี ": "ignore", "ค่า": "value"}
    assert (layout.sheets, layout.period_rule, layout.name) == (("2567",), "yymm", "saved")
    assert layouts.compose(None, (), (), False, "") is None  # nothing forced: try the saved


def test_a_backup_keeps_the_layouts(small_store_path, tmp_path):
    live = tmp_path / "live" / "eis.duckdb"
    live.parent.mkdir()
    shutil.copy(small_store_path, live)
    with Store(live) as store:
        layouts.save(store, STAFF, "ประชากร", POPULATION)
        done = backup.backup_store(store, tmp_path / "b", actor="t", now=datetime(2026, 11, 22))
    target = tmp_path / "restored" / "eis.duckdb"
    target.parent.mkdir()
    shutil.copy(backup.key_file_for(live), backup.key_file_for(target))
    backup.restore_backup(done.path, target, actor="t")
    with Store(target) as store:
        assert layouts.named(store, STAFF, "ประชากร").columns == POPULATION.columns

"""The verifier judges values, not batch numbers: submitted values listed with item, area, BE
period, old value, jump flag and sender; verified or rejected per value, item, area or batch."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.services import auth, upload
from lib.store import Store

# Accounts of PTO for the whole country (checks need no stored account).
STAFF = auth.User("pto", "staff", agency_code="PTO")
VERIFIER = auth.User("ptov", "verifier", agency_code="PTO")
RAYONG_VERIFIER = auth.User("pto21v", "verifier", agency_code="PTO", area_code="21")
OTHER_VERIFIER = auth.User("pcov", "verifier", agency_code="PCO")

# FIN01 (held for every province of the small store) and FIN02 (new cells), three provinces;
# Chon Buri's FIN01 jumps far below its history.
FILE = (
    b"item,area,period,value\n"
    b"FIN01,10,2026-07,70.5\nFIN01,20,2026-07,0.5\nFIN01,21,2026-07,71.5\n"
    b"FIN02,10,2026-07,500\nFIN02,20,2026-07,600\nFIN02,21,2026-07,700\n"
)


@pytest.fixture
def store(small_store_copy):
    with Store(small_store_copy) as store:
        preview = upload.preview_upload(store, FILE, "fin.csv")
        assert preview.problems == [] and preview.counts["flagged"] == 1
        store.batch_id = upload.commit_as(store, STAFF, preview, confirm_jumps=True, origin="test")
        yield store


def _statuses(store: Store) -> dict[tuple[str, str], str]:
    frame = store.export_values()
    frame = frame[frame["period"] == "2026-07"]
    cells = zip(frame.item_code, frame.area_code, frame.status, strict=True)
    return {(i, a): s for i, a, s in cells}


def test_submitted_values_say_what_a_verifier_needs(store):
    frame = upload.submitted_values(store, VERIFIER, store.batch_id)
    assert frame.columns.tolist() == upload.SUBMITTED_COLUMNS
    assert len(frame) == 6
    row = frame.set_index(["item_code", "area_code"]).loc[("FIN01", "20")]
    assert row["jump"] and row["value"] == 0.5 and row["submitted_by"] == "pto"
    assert row["period_label_th"] == "ก.ค. 2569" and row["area_name_th"] == "ชลบุรี"
    assert row["item_name_th"] and pd.notna(row["old_value"])  # FIN01 held a value before
    new = frame.set_index(["item_code", "area_code"]).loc[("FIN02", "10")]
    assert pd.isna(new["old_value"]) and not new["jump"]
    assert frame["jump"].sum() == 1
    # only what the user may verify: Rayong's verifier sees Rayong, another agency nothing
    assert set(upload.submitted_values(store, RAYONG_VERIFIER, store.batch_id).area_code) == {"21"}
    assert upload.submitted_values(store, OTHER_VERIFIER, store.batch_id).empty
    assert upload.submitted_values(store, STAFF, store.batch_id).empty  # staff may not verify
    assert len(upload.submitted_values(store, VERIFIER, item_code="FIN02")) == 3


def test_verify_by_item_then_area_leaves_the_rest_submitted(store):
    n, done = upload.verify_values_as(store, VERIFIER, store.batch_id, item_code="FIN01")
    assert n == 3 and done is not None
    statuses = _statuses(store)
    assert {a for (i, a), s in statuses.items() if s == "verified"} == {"10", "20", "21"}
    assert all(statuses[("FIN02", a)] == "submitted" for a in ("10", "20", "21"))

    n, _ = upload.verify_values_as(store, VERIFIER, store.batch_id, "rejected", area_code="10")
    assert n == 1  # FIN01/10 is verified already: not touched again
    statuses = _statuses(store)
    assert statuses[("FIN02", "10")] == "rejected" and statuses[("FIN01", "10")] == "verified"
    assert statuses[("FIN02", "20")] == statuses[("FIN02", "21")] == "submitted"

    assert upload.verify_values_as(store, VERIFIER, store.batch_id, item_code="FIN01") == (0, None)
    assert len(upload.submitted_values(store, VERIFIER, store.batch_id)) == 2


def test_verify_exactly_the_cells_chosen(store):
    cells = pd.DataFrame({"item_code": ["FIN02"], "area_code": ["21"], "period": ["2026-07"]})
    assert upload.verify_values_as(store, VERIFIER, None, cells=cells)[0] == 1
    statuses = _statuses(store)
    assert statuses[("FIN02", "21")] == "verified"
    assert sum(s == "submitted" for s in statuses.values()) == 5


def test_a_value_outside_the_verifiers_rights_refuses_the_whole_choice(store):
    before = _statuses(store)
    with pytest.raises(auth.PermissionDenied):
        upload.verify_values_as(store, RAYONG_VERIFIER, store.batch_id, item_code="FIN02")
    assert _statuses(store) == before
    assert store.audit_log()["action"].iloc[0] == "denied"
    # the part it may judge, it may
    n, _ = upload.verify_values_as(store, RAYONG_VERIFIER, store.batch_id, area_code="21")
    assert n == 2


def test_an_undone_batch_has_nothing_left_to_verify(store):
    upload.undo_as(store, STAFF, store.batch_id)
    assert upload.verify_values_as(store, VERIFIER, store.batch_id) == (0, None)
    assert upload.submitted_values(store, VERIFIER, store.batch_id).empty


def test_jumps_need_a_confirmation_and_are_listed_largest_first(small_store_copy):
    with Store(small_store_copy) as store:
        preview = upload.preview_upload(
            store, FILE.replace(b"10,2026-07,70.5", b"10,2026-07,20.0"), "f.csv"
        )
        before = store.fingerprint(["observations", "upload_batches"])
        refusal = upload.commit_refusal(preview)
        assert isinstance(refusal, upload.JumpsNotConfirmed)
        assert "2 values" in refusal.message("en") and "--confirm-jumps" in refusal.message("th")
        assert "กระโดด" in refusal.message("th")
        with pytest.raises(upload.UploadRejected):
            upload.commit_as(store, STAFF, preview)
        assert store.fingerprint(["observations", "upload_batches"]) == before
        assert upload.commit_refusal(preview, confirm_jumps=True) is None
        jumps = preview.jumps()
        assert jumps["area_code"].tolist() == ["20", "10"]  # 0.5 is further out than 20.0
        assert upload.commit_as(store, STAFF, preview, confirm_jumps=True) is not None


def test_a_file_with_problems_keeps_its_rule_before_the_jumps(small_store_copy):
    bad = FILE + b"FIN01,21,2026-06,abc\n"
    with Store(small_store_copy) as store:
        preview = upload.preview_upload(store, bad, "bad.csv")
    refusal = upload.commit_refusal(preview, confirm_jumps=True)
    assert isinstance(refusal, upload.UploadRejected)
    assert not isinstance(refusal, upload.JumpsNotConfirmed)
    assert isinstance(
        upload.commit_refusal(preview, clean_rows_only=True), upload.JumpsNotConfirmed
    )
    assert upload.commit_refusal(preview, clean_rows_only=True, confirm_jumps=True) is None


def test_a_batch_of_jumps_is_not_hidden_by_its_own_values(small_store_copy):
    """A series re-based by one file (every value x10) is flagged: a submitted value is
    judged against the values before it, not against itself and its batch."""
    history = b"item,area,period,value\n" + b"".join(
        f"FIN02,21,2026-0{m},100\n".encode() for m in (1, 2, 3)
    )
    rebased = b"item,area,period,value\n" + b"".join(
        f"FIN02,21,2026-0{m},1000\n".encode() for m in (4, 5, 6)
    )
    with Store(small_store_copy) as store:
        upload.commit_as(store, STAFF, upload.preview_upload(store, history, "h.csv"))
        preview = upload.preview_upload(store, rebased, "r.csv")
        assert preview.counts["flagged"] == 3
        batch = upload.commit_as(store, STAFF, preview, confirm_jumps=True)
        frame = upload.submitted_values(store, VERIFIER, batch)
    assert frame["jump"].tolist() == [True, True, True]

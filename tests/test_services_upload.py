"""The rules of lib.services.upload end to end on the small store: what a file with problems
may commit, whose "today" judges a period, and that every write changes the data version."""

from __future__ import annotations

import pytest

from lib.core.i18n import InputError
from lib.services import auth, upload
from lib.store import Store
from tests.conftest import store_fingerprint

WRITE_TABLES = ("observations", "observation_history", "upload_batches")
STAFF = auth.User("pto21", "staff", agency_code="PTO", area_code="21")
VERIFIER = auth.User("pto21v", "verifier", agency_code="PTO", area_code="21")

# One bad row (a value that is not a number) between two good rows.
MIXED = (
    b"item,area,period,value\n"
    b"FIN01,Rayong,2026-07,41.5\n"
    b"FIN01,Rayong,2026-08,abc\n"
    b"FIN01,Rayong,2026-09,77.0\n"
)


def _values(store: Store) -> dict[str, float]:
    return store.export_values("FIN01", "21").set_index("period")["value"].to_dict()


def test_a_file_with_problems_commits_nothing_unless_clean_rows_only(small_store_both):
    with Store(small_store_both) as store:
        before = _values(store)
        preview = upload.preview_upload(store, MIXED, "mixed.csv")
        assert (
            preview.counts["rejected"] == 1
            and len(preview.rows("new")) + len(preview.rows("changed")) == 2
        )
        refusal = upload.commit_refusal(preview)
        assert isinstance(refusal, InputError) and "nothing is committed" in refusal.message("en")
        assert "ไม่บันทึก" in refusal.message("th")
        state = store.fingerprint(WRITE_TABLES)
        with pytest.raises(upload.UploadRejected):
            upload.commit_as(store, STAFF, preview, origin="test")
        assert store.fingerprint(WRITE_TABLES) == state  # nothing changed

        assert upload.commit_refusal(preview, clean_rows_only=True) is None
        batch_id = upload.commit_as(store, STAFF, preview, clean_rows_only=True, origin="test")
        after = _values(store)
        batch = store.batch(batch_id)
    assert (after["2026-07"], after["2026-09"]) == (41.5, 77.0)  # the two good rows landed
    assert after.get("2026-08") == before.get("2026-08")  # the bad one did not
    assert batch["n_rejected"] == 1  # ... and is reported with the batch
    assert [(p.row, p.column) for p in preview.problems] == [(3, "value")]


def test_a_clean_file_is_never_refused(small_store_both):
    good = b"item,area,period,value\nFIN01,Rayong,2026-07,41.5\n"
    with Store(small_store_both) as store:
        preview = upload.preview_upload(store, good, "good.csv")
    assert upload.commit_refusal(preview) is None


def test_period_not_ended_is_judged_by_the_pinned_day(small_store_both, monkeypatch):
    """EIS_AS_OF, not the machine's date, says whether a period has ended."""
    monkeypatch.setenv("EIS_AS_OF", "2026-10-15")  # October 2026 has not ended on that day
    october = b"item,area,period,value\nFIN01,Rayong,2026-10,41.5\n"
    with Store(small_store_both) as store:
        early = upload.preview_upload(store, october, "oct.csv")
        monkeypatch.setenv("EIS_AS_OF", "2026-11-22")
        later = upload.preview_upload(store, october, "oct.csv")
    assert [p.code for p in early.problems] == ["period_in_future"]
    assert later.problems == []


def test_every_write_changes_the_data_version(small_store_both):
    """Cached figures are keyed by the data version: no write may leave it unchanged."""
    good = b"item,area,period,value\nFIN01,Rayong,2026-07,41.5\n"
    with Store(small_store_both) as store:
        versions = [store.data_version()]
        batch_id = upload.commit_as(store, STAFF, upload.preview_upload(store, good, "a.csv"))
        versions.append(store.data_version())
        other = b"item,area,period,value\nFIN01,Rayong,2026-06,62.0\n"
        second = upload.commit_as(store, STAFF, upload.preview_upload(store, other, "b.csv"))
        versions.append(store.data_version())
        upload.undo_as(store, STAFF, second)
        versions.append(store.data_version())
        upload.verify_as(store, VERIFIER, batch_id)
        versions.append(store.data_version())
    assert len(set(versions)) == len(versions)


def test_fingerprint_helper_sees_a_commit(small_store_both):
    """The 'nothing changed' comparison used by the CLI tests does see a change."""
    before = store_fingerprint(small_store_both, WRITE_TABLES)
    good = b"item,area,period,value\nFIN01,Rayong,2026-07,41.5\n"
    with Store(small_store_both) as store:
        upload.commit_as(store, STAFF, upload.preview_upload(store, good, "a.csv"))
    assert store_fingerprint(small_store_both, WRITE_TABLES) != before

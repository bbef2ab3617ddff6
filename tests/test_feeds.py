"""Integration feeds: URL documents (CSV, XLSX, JSON) from a loopback server and an inbox
folder go through the upload pipeline as the feed's account; every run is recorded; a bad
file is a rejected run that changes nothing; an unreachable URL backs off; KPI 4.4 step 1
holds for an area once a feed delivered it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lib.core.i18n import InputError
from lib.engine import coverage as cv
from lib.services import auth, feeds, upload
from tests.feeds_fixtures import (  # noqa: F401 - the *_fixture names are fixtures
    LAYOUT,
    LAYOUT_NAME,
    closed_port_url,
    csv_bytes,
    db_path_fixture,
    feed_base_fixture,
    feed_base_server_fixture,
    http_server_fixture,
    json_bytes,
    store_fixture,
    xlsx_bytes,
)

NOW = datetime(2026, 11, 22, 9, 0)
ROWS = [("ระยอง", "2026-10", 71.25), ("ระยอง", "2026-09", 66.5)]
WRITES = ("observations", "observation_history", "upload_batches", "feed_deliveries")
# Commits stamp the real clock: figures that must see them are read as of tomorrow.
LATER = date.today() + timedelta(days=1)


def add_feed(store, kind: str, source: str, every: int = 60, account: str = "pto21") -> int:
    admin = auth.load_user(store, "admin1")
    return feeds.add(
        store,
        admin,
        name=f"คลังจังหวัด {kind}",
        agency_code="PTO",
        kind=kind,
        source=source,
        layout_name=LAYOUT_NAME,
        username=account,
        every_minutes=every,
        origin="test",
        now=NOW,
    )


def written(store) -> dict[str, int]:
    """Rows of every table a run could write (the same counts: nothing was written)."""
    return {name: len(store.table_frame(name)) for name in WRITES}


def fin01(store, area: str = "21") -> dict[str, float]:
    obs = store.table_frame("observations")
    rows = obs[(obs["item_code"] == "FIN01") & (obs["area_code"] == area)]
    return dict(zip(rows["period"], rows["value"], strict=True))


@pytest.mark.parametrize(
    ("path", "document", "content_type"),
    [
        ("/fin.csv", csv_bytes, "text/csv"),
        ("/fin.xlsx", xlsx_bytes, "application/octet-stream"),
        ("/api/fin", json_bytes, "application/json"),
    ],
)
def test_a_url_feed_commits_its_document_once(store, http_server, path, document, content_type):
    base, documents = http_server
    documents[path] = (document(ROWS), content_type)
    feed_id = add_feed(store, "url", base + path)
    (run,) = feeds.run_due(store, NOW)
    assert (run["status"], run["n_rows"], run["n_rejected"]) == ("committed", 2, 0)
    assert run["n_new"] + run["n_changed"] == 2  # the demo may hold these months already
    assert fin01(store)["2026-10"] == 71.25
    batch = store.batch(run["batch_id"])
    assert batch["username"] == "pto21"  # written as the feed's account
    assert store.feed(feed_id)["next_due_at"] == NOW + timedelta(minutes=60)
    # the same document again: a recorded run with nothing new
    (again,) = feeds.run_due(store, NOW + timedelta(minutes=60))
    assert (again["status"], again["n_new"], again["n_changed"]) == ("unchanged", 0, 0)
    runs = feeds.runs(store, feed_id)
    assert runs["status"].tolist() == ["unchanged", "committed"]
    assert feeds.run_due(store, NOW + timedelta(minutes=61)) == []  # not due yet


def test_a_changed_value_is_counted_as_changed(store, http_server):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes(ROWS), "text/csv")
    add_feed(store, "url", base + "/fin.csv")
    feeds.run_due(store, NOW)
    documents["/fin.csv"] = (csv_bytes([ROWS[0], ("ระยอง", "2026-09", 67.0)]), "text/csv")
    (run,) = feeds.run_due(store, NOW + timedelta(hours=1))
    assert (run["status"], run["n_new"], run["n_changed"]) == ("committed", 0, 1)


def test_a_bad_file_is_a_rejected_run_that_changes_nothing(store, db_path, http_server):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes([ROWS[0], ("ระยอง", "2026-09", "ไม่ทราบ")]), "text/csv")
    feed_id = add_feed(store, "url", base + "/fin.csv")
    before = written(store)
    (run,) = feeds.run_due(store, NOW)
    assert run["status"] == "rejected" and run["n_rejected"] == 1
    first = run["errors"][0]
    assert (first["row"], first["column"]) == (3, "ร้อยละสะสม")
    assert first["th"].startswith("แถว 3 คอลัมน์ ร้อยละสะสม:")  # and the reason, in Thai
    assert first["en"].startswith("row 3, column ร้อยละสะสม:")
    assert written(store) == before
    recorded = feeds.runs(store, feed_id).iloc[0]
    assert recorded["status"] == "rejected" and recorded["errors"][0]["row"] == 3
    assert store.feed(feed_id)["failures"] == 1  # a rejected file backs off too


def test_an_unreachable_url_is_an_error_that_backs_off_doubling_to_the_cap(store):
    feed_id = add_feed(store, "url", closed_port_url(), every=60)
    now, waits = NOW, []
    for _ in range(6):
        (run,) = feeds.run_due(store, now)
        assert run["status"] == "error" and "cannot fetch" in run["errors"][0]["en"]
        due = store.feed(feed_id)["next_due_at"]
        waits.append(int((due - now).total_seconds() // 60))
        assert feeds.run_due(store, due - timedelta(seconds=1)) == []  # not before
        now = due
    assert waits == [120, 240, 480, 960, 1440, 1440]
    assert feeds.listed(store, now).iloc[0]["health"] == "failing"
    assert len(feeds.troubled(store, now)) == 1


def test_the_worker_records_the_failure_and_survives(store, monkeypatch):
    add_feed(store, "url", closed_port_url())
    worker = feeds.Worker(store, clock=lambda: NOW)
    (run,) = worker.tick()
    assert run["status"] == "error"

    def broken(*args, **kwargs):
        raise RuntimeError("the store went away")

    monkeypatch.setattr("lib.services.feeds.run.run_due", broken)
    assert worker.tick() == []  # logged, not raised


def test_one_feed_failing_unexpectedly_does_not_stop_the_others(store, http_server, monkeypatch):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes(ROWS), "text/csv")
    first = add_feed(store, "url", base + "/fin.csv")
    add_feed(store, "url", base + "/fin.csv")
    real = feeds.run.run_feed

    def flaky(store, feed, now=None):
        if int(feed["id"]) == first:
            raise RuntimeError("boom")
        return real(store, feed, now)

    monkeypatch.setattr("lib.services.feeds.run.run_feed", flaky)
    runs = feeds.run_due(store, NOW)
    assert [r["status"] for r in runs] == ["error", "committed"]


def test_an_inbox_reads_each_file_once_and_files_it_away(store, db_path, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    feed_id = add_feed(store, "inbox", str(inbox))
    assert feeds.run_due(store, NOW) == []  # nothing dropped yet: no run
    (inbox / "a.csv").write_bytes(csv_bytes(ROWS))
    (run,) = feeds.run_due(store, NOW + timedelta(hours=1))
    assert (run["status"], run["n_new"] + run["n_changed"]) == ("committed", 2)
    assert not (inbox / "a.csv").exists() and (inbox / "processed" / "a.csv").exists()
    (inbox / "b.csv").write_bytes(csv_bytes(ROWS))  # the same values again
    (inbox / "c.csv").write_bytes(csv_bytes([("ระยอง", "2026-08", "x")]))
    before = written(store)
    runs = feeds.run_due(store, NOW + timedelta(hours=2))
    assert [(r["file_name"], r["status"], r["n_new"]) for r in runs] == [
        ("b.csv", "unchanged", 0),
        ("c.csv", "rejected", 0),
    ]
    assert written(store) == before
    assert (inbox / "rejected" / "c.csv").exists() and (inbox / "processed" / "b.csv").exists()
    assert feeds.run_due(store, NOW + timedelta(hours=4)) == []  # each file read once
    assert len(feeds.runs(store, feed_id)) == 3


def test_an_account_that_may_not_write_the_values_is_a_refused_run(store, http_server):
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes([("ชลบุรี", "2026-10", 50.0)]), "text/csv")
    add_feed(store, "url", base + "/fin.csv")  # pto21 writes Rayong only
    before = written(store)
    (run,) = feeds.run_due(store, NOW)
    assert run["status"] == "refused" and "area 20" in run["errors"][0]["en"]
    assert written(store) == before


def test_kpi_44_step_1_holds_once_a_feed_delivered_and_not_before(store, http_server):
    def step1() -> dict[str, bool]:
        report = cv.coverage(store, "province", 2570, LATER).set_index("area_code")
        return {code: bool(report.loc[code, "step1_feed"]) for code in ("20", "21")}

    assert step1() == {"20": False, "21": False}
    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes(ROWS), "text/csv")  # 2026-10 is in FY 2570
    add_feed(store, "url", base + "/fin.csv")
    (run,) = feeds.run_due(store, NOW)
    assert step1() == {"20": False, "21": True}
    assert store.feed_delivered_areas(date(2026, 10, 1), date(2027, 9, 30), LATER) == ["21"]
    user = auth.load_user(store, "pto21")
    upload.undo_as(store, user, run["batch_id"], origin="test")
    assert step1() == {"20": False, "21": False}  # an undone delivery no longer counts


def test_a_hand_upload_does_not_make_step_1(store):
    user = auth.load_user(store, "pto21")
    preview = upload.preview_upload(store, csv_bytes(ROWS), "fin.csv", layout=LAYOUT)
    assert upload.commit_as(store, user, preview, origin="test") is not None
    report = cv.coverage(store, "province", 2570, LATER).set_index("area_code")
    assert not report.loc["21", "step1_feed"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "ftp"}, "kind must be"),
        ({"source": "file:///etc/passwd"}, "http:// or https://"),
        ({"layout_name": "ไม่มี"}, "no layout named"),
        ({"username": "pco20"}, "is not of agency PTO"),
        ({"every_minutes": 0}, "every must be"),
    ],
)
def test_a_bad_definition_is_refused_with_a_reason(store, change, reason):
    given = {
        "name": "x",
        "agency_code": "PTO",
        "kind": "url",
        "source": "http://127.0.0.1/x.csv",
        "layout_name": LAYOUT_NAME,
        "username": "pto21",
        "every_minutes": 60,
    }
    with pytest.raises(InputError, match=reason):
        feeds.add(store, auth.load_user(store, "admin1"), **(given | change))
    assert store.feeds().empty


def test_only_an_administrator_defines_or_removes_feeds(store):
    staff = auth.load_user(store, "pto21")
    with pytest.raises(auth.PermissionDenied):
        feeds.add(
            store,
            staff,
            name="x",
            agency_code="PTO",
            kind="url",
            source="http://127.0.0.1/x.csv",
            layout_name=LAYOUT_NAME,
            username="pto21",
        )
    feed_id = add_feed(store, "url", "http://127.0.0.1/x.csv")
    with pytest.raises(auth.PermissionDenied):
        feeds.remove(store, staff, feed_id)
    feeds.remove(store, auth.load_user(store, "admin1"), feed_id)
    assert store.feeds().empty and len(store.feeds(active_only=False)) == 1


def test_an_inbox_file_over_the_size_limit_is_rejected_unread(store, tmp_path, monkeypatch):
    monkeypatch.setenv("EIS_MAX_UPLOAD_MB", "1")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    add_feed(store, "inbox", str(inbox))
    (inbox / "big.csv").write_bytes(csv_bytes(ROWS) + b" " * (1024 * 1024))
    before = written(store)
    (run,) = feeds.run_due(store, NOW)
    assert run["status"] == "rejected" and "over 1,048,576 bytes" in run["errors"][0]["en"]
    assert written(store) == before and (inbox / "rejected" / "big.csv").exists()


def test_two_rounds_at_once_read_an_inbox_file_once(store, tmp_path):
    import threading

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    add_feed(store, "inbox", str(inbox))
    (inbox / "a.csv").write_bytes(csv_bytes(ROWS))
    results: list = []
    rounds = [
        threading.Thread(target=lambda: results.append(feeds.run_due(store, NOW))) for _ in range(2)
    ]
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join()
    assert sorted(len(r) for r in results) == [0, 1]  # the second round found it not due


def test_a_feed_another_app_server_took_is_not_run_again(db_path, http_server, monkeypatch):
    """Two app servers of a shared store both read the feed as due; the one that runs second
    finds it claimed (its due time moved) and leaves it: the document is read and committed
    once. (Within one process the rounds also take turns.)"""
    from lib.store import Store

    base, documents = http_server
    documents["/fin.csv"] = (csv_bytes(ROWS), "text/csv")
    with Store(db_path) as one, Store(db_path) as other:
        add_feed(one, "url", base + "/fin.csv")
        seen_by_other = other.feeds()  # the other server read it as due ...
        (run,) = feeds.run_due(one, NOW)  # ... while this one ran it
        assert run["status"] == "committed"
        monkeypatch.setattr(other, "feeds", lambda active_only=True: seen_by_other)
        assert feeds.run_due(other, NOW) == []
        assert len(one.feed_runs()) == 1

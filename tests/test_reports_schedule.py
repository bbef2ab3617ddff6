"""Scheduled delivery of reports (lib.reports.schedule) on a small store built in code, with
a fake clock (datetimes passed in, no sleep): due times (weekly, monthly, at round close of
FY 2570), one send per due time, retries with back-off and giving up after five failures,
each send and failure in the audit log, the administrator-only schedules, `send_now`, the
worker thread, and one scheduled send through a real SMTP server on loopback."""

from __future__ import annotations

import functools
import json
import threading
from datetime import date, datetime, timedelta

import pytest

from lib.core.i18n import InputError
from lib.reports import build, mail, schedule
from lib.reports.mail import MailError
from lib.services.auth import PermissionDenied, User
from lib.store import Store
from tests.test_reports_mail import Server

ADMIN = User("admin1", "admin")
EXECUTIVE = User("gov21", "executive", area_code="21")
STAFF = User("pto21", "staff", agency_code="PTO", area_code="21")
CREATED = datetime(2026, 11, 22, 12, 0)  # a Sunday, FY 2570
MONDAY = datetime(2026, 11, 23, 7, 0)  # its first weekly due time
TO = ["pto@rayong.go.th", "gov@moi.go.th"]
COVERAGE = build.ReportRequest("coverage", "21", 2570, 6, fmt="xlsx")  # quick to render


class Outbox:
    """A `send` that keeps what it is given, after failing its first `fail` calls."""

    def __init__(self, fail: int = 0, error: Exception | None = None):
        self.fail = fail
        self.error = error or MailError(
            "เซิร์ฟเวอร์อีเมล 127.0.0.1:25 ปฏิเสธการเชื่อมต่อ",
            "the SMTP server 127.0.0.1:25 refused the connection",
        )
        self.sent = []

    def __call__(self, report, to, subject, body):
        if self.fail:
            self.fail -= 1
            raise self.error
        self.sent.append((report, list(to), subject, body))


@pytest.fixture
def store(small_store_copy):
    """A private copy of the small store (Rayong, Chon Buri, Bangkok)."""
    with Store(small_store_copy) as opened:
        yield opened


def audits(store, action: str) -> list[dict]:
    """Audit entries of an action, oldest first, detail parsed."""
    frame = store.audit_log_filtered(action=action).iloc[::-1]
    return [
        {**row, "detail": json.loads(row["detail"]) if row["detail"] else None}
        for row in frame.to_dict("records")
    ]


def weekly(store, request=COVERAGE, frequency="weekly") -> int:
    """A schedule added by the administrator at CREATED."""
    return schedule.add(store, ADMIN, request, TO, frequency, origin="test", now=CREATED)


def run(store, now: datetime, send) -> list[dict]:
    """run_due with the real renderer and a given `send`."""
    return schedule.run_due(store, now, send=send)


# ---------------------------------------------------------------- due times


@pytest.mark.parametrize(
    ("frequency", "after", "due"),
    [
        ("weekly", CREATED, MONDAY),
        ("weekly", datetime(2026, 11, 23, 6, 59), MONDAY),
        ("weekly", MONDAY, datetime(2026, 11, 30, 7, 0)),
        ("monthly", CREATED, datetime(2026, 12, 1, 7, 0)),
        ("monthly", datetime(2026, 12, 1, 7, 0), datetime(2027, 1, 1, 7, 0)),
        ("monthly", datetime(2026, 12, 31, 23, 59), datetime(2027, 1, 1, 7, 0)),
    ],
)
def test_due_at_weekly_and_monthly(frequency, after, due):
    assert CREATED.weekday() == 6 and MONDAY.weekday() == 0
    assert schedule.due_at(frequency, after) == due


def test_round_close_due_times_of_fiscal_year_2570():
    due, seen = CREATED, []
    for _ in range(4):
        due = schedule.due_at("round_close", due)
        seen.append((due, schedule.report_round("round_close", due.date())))
    assert seen == [
        (datetime(2027, 4, 1, 7, 0), (2570, 6)),
        (datetime(2027, 7, 1, 7, 0), (2570, 9)),
        (datetime(2027, 10, 1, 7, 0), (2570, 12)),
        (datetime(2028, 4, 1, 7, 0), (2571, 6)),
    ]


@pytest.mark.parametrize(
    ("day", "rounds", "expected"),
    [
        (date(2026, 11, 23), (6, 9, 12), (2570, 6)),
        (date(2027, 3, 31), (6, 9, 12), (2570, 6)),
        (date(2027, 4, 1), (6, 9, 12), (2570, 9)),
        (date(2027, 4, 1), (6, 12), (2570, 12)),
        (date(2027, 10, 1), (6, 9, 12), (2571, 6)),
        (date(2026, 11, 23), (12,), (2570, 12)),
    ],
)
def test_weekly_and_monthly_report_the_round_in_progress(day, rounds, expected):
    assert schedule.report_round("weekly", day, rounds) == expected
    assert schedule.report_round("monthly", day, rounds) == expected


def test_an_unknown_frequency_is_bad_input():
    with pytest.raises(InputError) as caught:
        schedule.due_at("daily", CREATED)
    assert "ไม่มีความถี่ 'daily'" in caught.value.message("th")


# ---------------------------------------------------------------- schedules


def test_the_administrator_adds_lists_and_removes_a_schedule(store):
    schedule_id = weekly(store)
    [row] = schedule.listed(store).to_dict("records")
    assert (row["id"], row["kind"], row["area_code"], row["frequency"]) == (
        schedule_id,
        "coverage",
        "21",
        "weekly",
    )
    assert row["recipients"] == ",".join(TO)
    assert row["next_due_at"] == MONDAY
    [added] = audits(store, "report_scheduled")
    assert added["username"] == "admin1" and added["detail"]["recipients"] == TO
    schedule.remove(store, ADMIN, schedule_id, origin="test")
    assert schedule.listed(store).empty
    assert len(schedule.listed(store, include_inactive=True)) == 1
    assert len(audits(store, "report_unscheduled")) == 1
    with pytest.raises(InputError, match=f"no active schedule {schedule_id}"):
        schedule.remove(store, ADMIN, schedule_id)


@pytest.mark.parametrize("user", [None, EXECUTIVE, STAFF])
def test_only_an_administrator_schedules_and_a_refusal_is_audited(store, user):
    with pytest.raises(PermissionDenied) as caught:
        schedule.add(store, user, COVERAGE, TO, "weekly")
    assert "ตั้งกำหนดส่งรายงานทางอีเมล" in caught.value.message("th")
    schedule_id = weekly(store)
    with pytest.raises(PermissionDenied):
        schedule.remove(store, user, schedule_id)
    [refused_add, refused_remove] = audits(store, "denied")
    assert refused_add["detail"]["action"] == schedule.MANAGE_ACTION
    assert refused_add["username"] == (None if user is None else user.username)
    assert refused_remove["target"] == f"schedule {schedule_id}"
    assert len(schedule.listed(store)) == 1


@pytest.mark.parametrize(
    ("recipients", "frequency", "request_", "said"),
    [
        (["pto@rayong"], "weekly", COVERAGE, "ที่อยู่อีเมล 'pto@rayong' ใช้ไม่ได้"),
        (["pto@rayong.go.th, gov@moi.go.th"], "weekly", COVERAGE, "ใช้ไม่ได้"),
        (TO, "daily", COVERAGE, "ไม่มีความถี่ 'daily'"),
        (TO, "weekly", build.ReportRequest("coverage", "99", 2570, 6), "ไม่มีพื้นที่รหัส '99'"),
        (TO, "weekly", build.ReportRequest("kpi-form", "21", 2570, 6), "ต้องระบุตัวชี้วัด"),
    ],
)
def test_a_bad_schedule_is_bad_input_and_changes_nothing(
    store, recipients, frequency, request_, said
):
    with pytest.raises(InputError) as caught:
        schedule.add(store, ADMIN, request_, recipients, frequency)
    assert said in caught.value.message("th")
    assert schedule.listed(store, include_inactive=True).empty
    assert audits(store, "report_scheduled") == []


# ---------------------------------------------------------------- run_due


def test_a_weekly_schedule_sends_once_at_its_due_time(store):
    schedule_id = weekly(store)
    outbox = Outbox()
    assert run(store, MONDAY - timedelta(minutes=1), outbox) == []
    [outcome] = run(store, MONDAY, outbox)
    assert outcome["outcome"] == "sent" and outcome["due_at"] == MONDAY
    [(report, to, subject, body)] = outbox.sent
    assert report.file_name == "coverage-21-2570-6.xlsx"  # the round in progress
    assert report.data.startswith(b"PK") and report.media_type == build.MEDIA_TYPES["xlsx"]
    assert to == TO
    assert subject == "รายงานความครอบคลุมข้อมูล (ตัวชี้วัด มท. 4.4): ระยอง ปีงบประมาณ 2570 รอบ 6 เดือน"
    assert "ข้อมูล ณ วันที่ 23 พฤศจิกายน 2569" in body and f"(หมายเลข {schedule_id})" in body
    row = store.report_schedule(schedule_id)
    assert (row["last_due_at"], row["last_sent_at"], row["attempts"]) == (MONDAY, MONDAY, 0)
    [sent] = audits(store, "report_sent")
    assert sent["username"] == schedule.SYSTEM_USER and sent["occurred_at"] == MONDAY
    assert {k: sent["detail"][k] for k in ("schedule", "kind", "area", "recipients")} == {
        "schedule": schedule_id,
        "kind": "coverage",
        "area": "21",
        "recipients": TO,
    }
    assert (sent["detail"]["file_name"], sent["detail"]["bytes"]) == (
        report.file_name,
        len(report.data),
    )
    for later in (MONDAY + timedelta(minutes=1), datetime(2026, 11, 30, 6, 59)):
        assert run(store, later, outbox) == []
    assert len(outbox.sent) == 1
    [again] = run(store, datetime(2026, 11, 30, 7, 0), outbox)
    assert again["outcome"] == "sent" and len(outbox.sent) == 2


def test_due_times_missed_while_the_app_was_down_are_sent_once(store):
    weekly(store)
    outbox = Outbox()
    [outcome] = run(store, datetime(2026, 12, 15, 9, 0), outbox)  # three Mondays later
    assert outcome["due_at"] == datetime(2026, 12, 14, 7, 0)
    assert run(store, datetime(2026, 12, 20, 23, 0), outbox) == []
    assert len(outbox.sent) == 1


def test_a_failed_send_is_retried_after_the_back_off_then_succeeds(store):
    schedule_id = weekly(store)
    outbox = Outbox(fail=1)
    [failed] = run(store, MONDAY, outbox)
    assert failed["outcome"] == "failed" and failed["retry_at"] == MONDAY + timedelta(minutes=5)
    row = store.report_schedule(schedule_id)
    assert row["attempts"] == 1 and row["retry_at"] == MONDAY + timedelta(minutes=5)
    assert row["last_error"] == "เซิร์ฟเวอร์อีเมล 127.0.0.1:25 ปฏิเสธการเชื่อมต่อ"
    assert row["last_due_at"] is None
    [entry] = audits(store, "report_failed")
    assert entry["detail"]["attempt"] == 1 and entry["detail"]["schedule"] == schedule_id
    assert entry["detail"]["reason_th"] == row["last_error"]
    assert run(store, MONDAY + timedelta(minutes=4), outbox) == []
    [sent] = run(store, MONDAY + timedelta(minutes=5), outbox)
    assert sent["outcome"] == "sent" and sent["due_at"] == MONDAY
    row = store.report_schedule(schedule_id)
    assert (row["attempts"], row["retry_at"], row["last_error"]) == (0, None, None)
    assert row["last_due_at"] == MONDAY and len(outbox.sent) == 1


def test_five_failures_give_the_due_time_up_until_the_next_one(store):
    schedule_id = weekly(store)
    outbox = Outbox(fail=99)
    now, outcomes = MONDAY, []
    for wait in (*schedule.BACKOFF_MINUTES, None):
        [outcome] = run(store, now, outbox)
        outcomes.append(outcome["outcome"])
        if wait is not None:
            assert store.report_schedule(schedule_id)["retry_at"] == now + timedelta(minutes=wait)
            assert run(store, now + timedelta(minutes=wait - 1), outbox) == []
            now += timedelta(minutes=wait)
    assert outcomes == ["failed"] * 4 + ["given_up"]
    assert now == MONDAY + timedelta(minutes=5 + 15 + 45 + 135)
    row = store.report_schedule(schedule_id)
    assert (row["last_due_at"], row["attempts"], row["retry_at"]) == (MONDAY, 0, None)
    assert len(audits(store, "report_failed")) == 5
    [given_up] = audits(store, "report_given_up")
    assert given_up["detail"]["attempt"] == 5
    assert run(store, datetime(2026, 11, 30, 6, 59), outbox) == []
    [next_week] = run(store, datetime(2026, 11, 30, 7, 0), outbox)
    assert (next_week["outcome"], next_week["attempt"]) == ("failed", 1)


def test_any_failure_is_recorded_and_never_raised(store):
    weekly(store)

    def broken(store, request):
        raise RuntimeError("the renderer broke")

    [outcome] = schedule.run_due(store, MONDAY, send=Outbox(), render=broken)
    assert (outcome["outcome"], outcome["reason"]) == ("failed", "the renderer broke")
    [outcome] = run(store, MONDAY + timedelta(minutes=5), Outbox(error=KeyError("x"), fail=1))
    assert outcome["outcome"] == "failed" and outcome["attempt"] == 2


def test_some_recipients_refused_counts_as_sent_and_is_not_sent_twice(store):
    weekly(store)
    partly = MailError("บางส่วน", "partly", refused=(TO[1],), delivered=(TO[0],))
    [outcome] = run(store, MONDAY, Outbox(fail=1, error=partly))
    assert outcome["outcome"] == "sent" and outcome["refused"] == [TO[1]]
    assert audits(store, "report_sent")[0]["detail"]["refused"] == [TO[1]]
    assert run(store, MONDAY + timedelta(minutes=5), Outbox()) == []


def test_round_close_sends_the_round_just_closed_and_a_kpi_form_its_own_round(store):
    weekly(store, frequency="round_close")
    weekly(store, build.ReportRequest("kpi-form", "21", 2570, 12, kpi_code="KPI02", fmt="xlsx"))
    outbox = Outbox()
    [kpi_form] = run(store, MONDAY, outbox)
    assert kpi_form["file_name"] == "kpi-form_KPI02_21_2570_r12.xlsx"  # KPI02 reports at 12 only
    assert run(store, datetime(2027, 3, 31, 23, 59), outbox)[0]["kind"] == "kpi-form"
    closed = [o for o in run(store, datetime(2027, 4, 1, 7, 0), outbox) if o["kind"] == "coverage"]
    assert [o["file_name"] for o in closed] == ["coverage-21-2570-6.xlsx"]


def test_a_scheduled_pdf_arrives_through_a_real_smtp_server(store):
    weekly(store, build.ReportRequest("coverage", "21", 2570, 6, fmt="pdf"))
    server = Server()
    server.controller.start()
    try:
        send = functools.partial(mail.send_report, smtp=server.settings)
        [outcome] = run(store, MONDAY, send)
    finally:
        server.controller.stop()
    assert outcome["outcome"] == "sent"
    [(recipients, message)] = server.messages()
    assert recipients == TO
    assert message["Subject"].endswith("ระยอง ปีงบประมาณ 2570 รอบ 6 เดือน")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "coverage-21-2570-6.pdf"
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF") and len(data) == outcome["bytes"]


# ---------------------------------------------------------------- send_now and the worker


def test_send_now_by_a_signed_in_reader_is_audited(store):
    outbox = Outbox()
    report = schedule.send_now(store, EXECUTIVE, COVERAGE, ["gov@moi.go.th"], "test", outbox)
    [(sent, to, subject, body)] = outbox.sent
    assert sent == report and to == ["gov@moi.go.th"] and "ระยอง" in subject
    assert "ส่งโดย gov21" in body
    [entry] = audits(store, "report_sent")
    assert entry["username"] == "gov21" and entry["detail"]["file_name"] == report.file_name


def test_send_now_refuses_the_public_and_reports_a_failed_send(store):
    with pytest.raises(PermissionDenied):
        schedule.send_now(store, None, COVERAGE, TO, "test", Outbox())
    [denied] = audits(store, "denied")
    assert denied["detail"]["action"] == schedule.SEND_ACTION
    with pytest.raises(InputError, match="pto@"):
        schedule.send_now(store, STAFF, COVERAGE, ["pto@"], "test", Outbox())
    with pytest.raises(MailError) as caught:
        schedule.send_now(store, STAFF, COVERAGE, TO, "test", Outbox(fail=1))
    assert "ปฏิเสธการเชื่อมต่อ" in caught.value.message("th")
    [failed] = audits(store, "report_failed")
    assert failed["username"] == "pto21" and "refused" in failed["detail"]["reason"]
    assert audits(store, "report_sent") == []


def test_the_worker_sends_on_its_thread_and_stops(store):
    weekly(store)
    delivered = threading.Event()
    outbox = Outbox()

    def send(*args):
        outbox(*args)
        delivered.set()

    worker = schedule.Worker(store, interval_s=3600, clock=lambda: MONDAY, send=send)
    worker.start()
    try:
        assert delivered.wait(30)
    finally:
        worker.stop()
    assert not worker.running and len(outbox.sent) == 1


def test_the_worker_logs_an_error_and_never_raises(caplog):
    class BrokenStore:
        def report_schedules(self):
            raise RuntimeError("the store went away")

    worker = schedule.Worker(BrokenStore(), clock=lambda: MONDAY)
    assert worker.tick() == []
    assert "the worker's round failed" in caplog.text and "the store went away" in caplog.text

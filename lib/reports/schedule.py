"""Scheduled delivery of reports by email: schedules, due times, retries, the app's worker.

An administrator adds a schedule (a checked report request, recipients, a
frequency); `run_due` sends every schedule whose due time has come, records
each send and failure in the audit log ("report_sent", "report_failed",
"report_given_up") and retries a failure with back-off; `Worker` calls it
every minute on a daemon thread of the app, so no page ever waits for a
send. `send_now` sends one report at once (the Reports page, `python -m lib
report send`). Times are the server's local time, naive, as the store keeps them.

Due times (all at 07:00): weekly, each Monday; monthly, the 1st; round_close,
the day after a round ends (31 Mar, 30 Jun, 30 Sep: lib.core.thaicalendar.round_end).
The round a scheduled report covers: for round_close the latest round closed
by the send day (the cockpit's default round); otherwise the current fiscal
year's round in progress (the one whose end is the first not yet passed), the
figures as known on the send day. A kpi-form counts only the rounds its KPI
is reported at.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError, LocalizedError, Text, message_of, pick, pick_from
from lib.core.worker import Periodic
from lib.reports import build, mail
from lib.services import auth
from lib.store import StoreError
from lib.views.cockpit.query import round_title

log = logging.getLogger(__name__)

FREQUENCIES = ("weekly", "monthly", "round_close")
FREQUENCY_NAMES = {
    "weekly": Text("ทุกสัปดาห์ (วันจันทร์ 07:00 น.)", "weekly (Monday 07:00)"),
    "monthly": Text("ทุกเดือน (วันที่ 1 เวลา 07:00 น.)", "monthly (the 1st, 07:00)"),
    "round_close": Text(
        "เมื่อปิดรอบรายงาน (วันถัดจากวันสิ้นรอบ 07:00 น.)", "at round close (the next day, 07:00)"
    ),
}
SEND_AT = time(7, 0)
BACKOFF_MINUTES = (5, 15, 45, 135)  # wait after the 1st, 2nd, 3rd and 4th failed attempt
MAX_ATTEMPTS = 5  # the 5th failure gives the due time up; the next one is awaited
INTERVAL_S = 60.0  # the worker looks for due schedules this often
SYSTEM_USER = "system"  # the audit log's user of a scheduled send
ORIGIN = "schedule"
MANAGE_ACTION = "manage_reports"  # the action named by a refusal's audit entry
SEND_ACTION = "send_report"


# ---------------------------------------------------------------- due times


def due_at(frequency: str, after: datetime) -> datetime:
    """The first due time of `frequency` strictly after `after` (always 07:00).

    >>> sunday = datetime(2026, 11, 22, 12, 0)
    >>> due_at("weekly", sunday), due_at("monthly", sunday)
    (datetime.datetime(2026, 11, 23, 7, 0), datetime.datetime(2026, 12, 1, 7, 0))
    >>> due_at("round_close", sunday)
    datetime.datetime(2027, 4, 1, 7, 0)
    """
    frequency = check_frequency(frequency)
    after = _as_datetime(after)
    if frequency == "weekly":
        monday = after.date() + timedelta(days=-after.weekday() % 7)
        due = datetime.combine(monday, SEND_AT)
        return due if due > after else due + timedelta(days=7)
    if frequency == "monthly":
        due = datetime.combine(after.date().replace(day=1), SEND_AT)
        if due > after:
            return due
        return due.replace(year=after.year + after.month // 12, month=after.month % 12 + 1)
    fy = tc.fiscal_year_of(after.date())
    closes = (
        datetime.combine(tc.round_end(year, months) + timedelta(days=1), SEND_AT)
        for year in (fy - 1, fy, fy + 1)
        for months in tc.ROUNDS
    )
    return min(due for due in closes if due > after)


def pending_due(schedule: dict, now: datetime) -> datetime | None:
    """The latest due time of a schedule reached by `now` and not yet delivered, or None.

    Counted from its last delivered (or given-up) due time, else from its creation;
    due times missed while the app was down are covered by one send, not several.
    """
    frequency = schedule["frequency"]
    base = _as_datetime(schedule.get("last_due_at")) or _as_datetime(schedule["created_at"])
    due = due_at(frequency, base)
    if due > now:
        return None
    while (later := due_at(frequency, due)) <= now:
        due = later
    return due


def report_round(
    frequency: str, as_of: date, rounds: tuple[int, ...] = tc.ROUNDS
) -> tuple[int, int]:
    """(fiscal year, round) a send on day as_of reports: the latest closed round at
    round close, else the current fiscal year's round in progress.

    >>> report_round("round_close", date(2027, 4, 1)), report_round("weekly", date(2026, 11, 23))
    ((2570, 6), (2570, 6))
    >>> report_round("round_close", date(2026, 11, 23)), report_round("monthly", date(2027, 4, 1))
    ((2569, 12), (2570, 9))
    """
    fy = tc.fiscal_year_of(as_of)
    chosen = sorted(set(rounds)) or list(tc.ROUNDS)
    if check_frequency(frequency) == "round_close":
        closed = [(y, r) for y in (fy - 1, fy) for r in chosen if tc.round_end(y, r) <= as_of]
        return max(closed) if closed else (fy - 1, chosen[-1])
    open_rounds = [r for r in chosen if tc.round_end(fy, r) >= as_of]
    return fy, open_rounds[0] if open_rounds else chosen[-1]


def check_frequency(frequency: object) -> str:
    """The frequency, or InputError (Thai first) naming the ones there are."""
    if frequency not in FREQUENCIES:
        raise InputError(
            f"ไม่มีความถี่ '{frequency}' (มี {', '.join(FREQUENCIES)})",
            f"no frequency '{frequency}' (one of {', '.join(FREQUENCIES)})",
        )
    return str(frequency)


def _as_datetime(value) -> datetime | None:
    """A datetime from the store (Timestamp, NaT, None) or a caller."""
    if value is None or pd.isna(value):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


# ---------------------------------------------------------------- schedules


def add(
    store,
    user: auth.User | None,
    request: build.ReportRequest,
    recipients: list[str],
    frequency: str,
    origin: str = "app",
    now: datetime | None = None,
) -> int:
    """Schedule a report for email (administrators only); return the schedule's id.

    PermissionDenied (audited as denied) for anyone else; InputError for a bad
    frequency, address or request (build.check). The round is not kept: each
    send chooses it (report_round).
    """
    target = f"{request.kind} {request.area_code}"
    _require_admin(store, user, target, origin)
    frequency = check_frequency(frequency)
    addresses = mail.check_addresses(recipients)
    checked = build.check(store, request)
    now = now or datetime.now()
    row = {
        "kind": checked.kind,
        "area_code": checked.area_code,
        "kpi_code": checked.kpi_code,
        "agency_code": checked.agency_code,
        "report_format": checked.fmt,
        "lang": checked.lang,
        "thai_digits": bool(checked.thai_digits),
        "recipients": ",".join(addresses),
        "frequency": frequency,
        "created_by": user.username,
        "created_at": now,
    }
    detail = {k: v for k, v in row.items() if k not in ("created_by", "created_at")}
    audit = {
        "username": user.username,
        "action": "report_scheduled",
        "detail": {**detail, "recipients": addresses},
        "origin": origin,
        "at": now,
    }
    return store.add_report_schedule(row, [audit])


def listed(store, include_inactive: bool = False) -> pd.DataFrame:
    """The schedules with their next due time (next_due_at), oldest first."""
    frame = store.report_schedules(active_only=not include_inactive)
    frame["next_due_at"] = [
        due_at(row["frequency"], _as_datetime(row["last_due_at"]) or row["created_at"])
        for row in frame.to_dict("records")
    ]
    return frame


def remove(store, user: auth.User | None, schedule_id: int, origin: str = "app", now=None) -> None:
    """Stop a schedule (administrators only; kept for the record, audited).

    PermissionDenied (audited) for anyone else; InputError when no active schedule has the id.
    """
    _require_admin(store, user, f"schedule {schedule_id}", origin)
    audit = {
        "username": user.username,
        "action": "report_unscheduled",
        "target": f"schedule {schedule_id}",
        "origin": origin,
        "at": now or datetime.now(),
    }
    if not store.deactivate_report_schedule(int(schedule_id), [audit]):
        raise InputError(
            f"ไม่มีกำหนดส่งรายงานหมายเลข {schedule_id}", f"no active schedule {schedule_id}"
        )


def _require_admin(store, user: auth.User | None, target: str, origin: str) -> None:
    """PermissionDenied (audited as denied) unless the user may manage report schedules
    (an active administrator: lib.services.auth, action "manage_reports")."""
    auth.require_audited(store, user, MANAGE_ACTION, target, origin)


# ---------------------------------------------------------------- sending


def message_text(
    store, request: build.ReportRequest, footer: Text | None = None
) -> tuple[str, str]:
    """Subject and body of a report's email, in the request's language (as_of set)."""
    lang = request.lang
    areas = store.areas()
    match = areas.loc[areas["code"].astype(str) == str(request.area_code)]
    area = pick_from(match.iloc[0], "name", lang) if len(match) else str(request.area_code)
    kind = pick(build.KIND_NAMES[request.kind], lang)
    if request.kpi_code:
        kind = f"{kind} {request.kpi_code}"
    period = round_title(request.fiscal_year, request.round_months, lang)
    day = tc.thai_date(request.as_of, lang, full_month=True)
    subject = f"{kind}: {area} {period}"
    body = pick(
        Text(
            f"เรียน ผู้เกี่ยวข้อง\n\nขอส่ง{kind} ของ{area} {period} ข้อมูล ณ วันที่ {day} ตามไฟล์แนบ",
            f"Please find attached the {kind} of {area}, {period}, figures as of {day}.",
        ),
        lang,
    )
    if footer is not None:
        body += "\n\n" + pick(footer, lang)
    return subject, body + "\n"


def run_due(store, now: datetime, send=mail.send_report, render=build.render) -> list[dict]:
    """Send every active schedule due by `now` whose retry time (if any) has come.

    Returns one outcome per schedule tried: id, outcome ("sent", "failed",
    "given_up"), due_at, and the reason of a failure. A failure never raises
    out of here: it is audited ("report_failed"), retried after 5, 15, 45 and
    135 minutes, and after MAX_ATTEMPTS failures the due time is given up
    ("report_given_up") until the next one.
    """
    try:
        schedules = store.report_schedules().to_dict("records")
    except StoreError as exc:
        log.error("scheduled reports: cannot read the schedules: %s", exc)
        return []
    outcomes = []
    for schedule in schedules:
        due = pending_due(schedule, now)
        retry_at = _as_datetime(schedule.get("retry_at"))
        if due is None or (retry_at is not None and retry_at > now):
            continue
        try:
            outcomes.append(_run_one(store, schedule, due, now, send, render))
        except StoreError as exc:  # the outcome could not be recorded: tried again next minute
            log.error("scheduled report %s: cannot record the outcome: %s", schedule["id"], exc)
    return outcomes


def _scheduled_request(store, schedule: dict, as_of: date) -> build.ReportRequest:
    """The request a schedule makes on day as_of: its report, the round report_round picks."""
    rounds = tc.ROUNDS
    if schedule["kind"] == "kpi-form" and schedule.get("kpi_code"):
        kpis = store.kpis(tc.fiscal_year_of(as_of))
        match = kpis.loc[kpis["code"].astype(str) == str(schedule["kpi_code"])]
        if len(match):
            text = str(match.iloc[0].get("rounds") or "6,9,12")
            rounds = tuple(int(r) for r in text.split(",") if r.strip().isdigit()) or rounds
    fiscal_year, months = report_round(schedule["frequency"], as_of, rounds)
    return build.ReportRequest(
        kind=schedule["kind"],
        area_code=schedule["area_code"],
        fiscal_year=fiscal_year,
        round_months=months,
        kpi_code=schedule.get("kpi_code") or None,
        agency_code=schedule.get("agency_code") or None,
        fmt=schedule["report_format"],
        lang=schedule["lang"],
        thai_digits=bool(schedule["thai_digits"]),
        as_of=as_of,
    )


def _run_one(store, schedule: dict, due: datetime, now: datetime, send, render) -> dict:
    """Render and send one due schedule; record the send or the failure with its audit."""
    recipients = [a for a in str(schedule["recipients"]).split(",") if a]
    detail = {
        "schedule": int(schedule["id"]),
        "kind": schedule["kind"],
        "area": schedule["area_code"],
        "recipients": recipients,
        "due_at": due.isoformat(timespec="minutes"),
    }
    footer = Text(
        f"อีเมลนี้ส่งโดยอัตโนมัติตามกำหนดส่งรายงาน{FREQUENCY_NAMES[schedule['frequency']].th} "
        f"(หมายเลข {schedule['id']}) หากไม่ต้องการรับ โปรดแจ้งผู้ดูแลระบบ",
        f"Sent automatically by schedule {schedule['id']}, "
        f"{FREQUENCY_NAMES[schedule['frequency']].en}; ask the administrator to stop it.",
    )
    refused: tuple[str, ...] = ()
    try:
        request = _scheduled_request(store, schedule, now.date())
        report = render(store, request)
        subject, body = message_text(store, build.check(store, request), footer)
        send(report, recipients, subject, body)
    except mail.MailError as exc:
        if not exc.delivered:
            return _record_failure(store, schedule, due, now, exc, detail)
        refused = exc.refused  # some got it: a retry would send it to them twice
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, audited and retried
        return _record_failure(store, schedule, due, now, exc, detail)
    sent = {
        **detail,
        "fiscal_year": request.fiscal_year,
        "round": request.round_months,
        "file_name": report.file_name,
        "bytes": len(report.data),
        **({"refused": list(refused)} if refused else {}),
    }
    audit = _audit("report_sent", schedule, sent, now)
    store.schedule_sent(int(schedule["id"]), due, now, [audit])
    return {**sent, "id": int(schedule["id"]), "outcome": "sent", "due_at": due}


def _record_failure(
    store, schedule: dict, due: datetime, now: datetime, exc: Exception, detail: dict
) -> dict:
    """Count a failed attempt: retry after the back-off, or give the due time up."""
    if not isinstance(exc, LocalizedError):
        log.exception("scheduled report %s failed", schedule["id"], exc_info=exc)
    reason_th, reason_en = message_of(exc, "th"), message_of(exc, "en")
    attempts = int(schedule.get("attempts") or 0) + 1
    failed = {**detail, "attempt": attempts, "reason": reason_en, "reason_th": reason_th}
    audits = [_audit("report_failed", schedule, failed, now)]
    outcome = {"id": int(schedule["id"]), "due_at": due, "attempt": attempts, "reason": reason_en}
    log.warning("scheduled report %s, attempt %s: %s", schedule["id"], attempts, reason_en)
    if attempts >= MAX_ATTEMPTS:
        audits.append(_audit("report_given_up", schedule, failed, now))
        store.schedule_given_up(int(schedule["id"]), due, reason_th, audits)
        return {**outcome, "outcome": "given_up"}
    retry_at = now + timedelta(minutes=BACKOFF_MINUTES[attempts - 1])
    store.schedule_failed(int(schedule["id"]), attempts, retry_at, reason_th, audits)
    return {**outcome, "outcome": "failed", "retry_at": retry_at}


def _audit(action: str, schedule: dict, detail: dict, now: datetime) -> dict:
    """An audit entry of a scheduled send."""
    return {
        "username": SYSTEM_USER,
        "action": action,
        "target": f"schedule {schedule['id']}",
        "detail": detail,
        "origin": ORIGIN,
        "at": now,
    }


def send_now(
    store,
    user: auth.User | None,
    request: build.ReportRequest,
    to: list[str],
    origin: str = "app",
    send=mail.send_report,
    render=build.render,
) -> build.Report:
    """Render a report and email it now; return the report sent.

    Any signed-in role that reads reports (admin, executive, staff, verifier);
    the public is refused (PermissionDenied, audited). InputError for a bad
    address or request; MailError when the send fails (audited "report_failed").
    """
    target = f"{request.kind} {request.area_code}"
    try:
        auth.require(user, "read_unpublished")
    except auth.PermissionDenied as exc:
        auth.audit_denied(store, user, SEND_ACTION, target, origin, reason=exc.message_en)
        raise
    recipients = mail.check_addresses(to)
    request = build.check(store, request)
    report = render(store, request)
    who = user.display_name or user.username
    footer = Text(f"ส่งโดย {who} จากระบบสารสนเทศเพื่อผู้บริหาร", f"Sent by {who} from the EIS.")
    subject, body = message_text(store, request, footer)
    detail = {
        "kind": request.kind,
        "area": request.area_code,
        "kpi": request.kpi_code,
        "fiscal_year": request.fiscal_year,
        "round": request.round_months,
        "recipients": recipients,
        "file_name": report.file_name,
        "bytes": len(report.data),
    }
    try:
        send(report, recipients, subject, body)
    except mail.MailError as exc:
        failed = {**detail, "reason": exc.message_en, "reason_th": exc.message_th}
        store.record_audit(user.username, "report_failed", target, failed, origin)
        raise
    store.record_audit(user.username, "report_sent", target, detail, origin)
    return report


# ---------------------------------------------------------------- the app's worker


class Worker(Periodic):
    """A daemon thread of the app calling run_due(store, clock()) every `interval_s` seconds.

    start() begins (once), stop() ends it; nothing it meets is raised into the
    caller: errors are logged. Opens nothing: it uses the app's own store.
    """

    thread_name = "eis-report-worker"
    what = "scheduled reports"

    def __init__(
        self,
        store,
        interval_s: float = INTERVAL_S,
        clock=datetime.now,
        send=mail.send_report,
        render=build.render,
    ):
        super().__init__(store, interval_s, clock)
        self.send = send
        self.render = render

    def round(self) -> list[dict]:
        """One round of run_due."""
        return run_due(self.store, self.clock(), send=self.send, render=self.render)

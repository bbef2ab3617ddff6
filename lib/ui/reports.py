"""The Reports page (รายงาน): pick a report, make it, download it; narratives and schedules.

The controls give a lib.reports.build.ReportRequest (kind, scope, fiscal year,
round, KPI, agency, format, Thai digits, the page's day); "สร้างรายงาน" renders
it through lib.reports.build (the same path as `python -m lib report`) and
offers the file. For a KPI form, the KPI owner writes the narrative fields
(lib.services.narratives, which checks the right again); the others read them
with who wrote each and when. Administrators keep the scheduled deliveries and
send one now (lib.reports.schedule). Errors show as one message, Thai first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime

import pandas as pd
import streamlit as st

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError, pick
from lib.core.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME
from lib.reports.build import FORMATS, KIND_NAMES, KINDS, ROUNDS, ReportRequest
from lib.store import Store
from lib.ui.core import client_origin, data_version, done, lang, message, show_flash, t, table
from lib.ui.warroom import cockpit_areas
from lib.views.cockpit import query

LOG = logging.getLogger(__name__)
MADE = "reports_made"  # session key: (request, Report) of the last report made
NARRATIVES = "reports_narratives"  # where the narrative messages are shown
SCHEDULES = "reports_schedules"  # where the schedule messages are shown
# The scheduled deliveries as the administrator reads them: column -> header.
SCHEDULE_COLUMNS = {
    "id": ("รหัส", "Id"),
    "kind": ("รายงาน", "Report"),
    "area_code": ("พื้นที่", "Area"),
    "kpi_code": ("ตัวชี้วัด", "KPI"),
    "agency_code": ("หน่วยงาน", "Agency"),
    "report_format": ("รูปแบบ", "Format"),
    "recipients": ("ผู้รับ", "Recipients"),
    "frequency": ("ความถี่", "Schedule"),
    "created_by": ("ผู้ตั้ง", "Set by"),
    "last_sent_at": ("ส่งล่าสุด", "Last sent"),
    "next_due_at": ("ส่งครั้งต่อไป", "Next due"),
    "last_error": ("ข้อผิดพลาดล่าสุด", "Last error"),
}


def _kpi_label(row: Mapping) -> str:
    return f"{row['code']} {pick((row['name_th'], row['name_en']), lang())}"


def _scope_choice(s: Store, user) -> tuple[list[str], dict[str, str], int]:
    """(scope codes, their labels, index of the default: the user's area, else the
    deployment's scope)."""
    areas = cockpit_areas(s, data_version(s))
    options = query.scope_options(areas, DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME)
    labels = {r["code"]: query.option_label(r, lang()) for r in options.to_dict("records")}
    codes = list(labels)
    for wanted in (getattr(user, "area_code", None), s.scope()):
        if wanted in labels:
            return codes, labels, codes.index(wanted)
    return codes, labels, 0


def _kpi_choice(s: Store, user, fiscal_year: int) -> str | None:
    """The KPI of a form: the user's agency's first by default."""
    kpis = s.kpis(fiscal_year).to_dict("records")
    if not kpis:
        st.info(t("ยังไม่มีตัวชี้วัดในปีงบประมาณนี้", "No KPIs in this fiscal year yet"))
        return None
    by_code = {k["code"]: k for k in kpis}
    own = [k["code"] for k in kpis if k.get("owner_agency") == getattr(user, "agency_code", None)]
    codes = list(by_code)
    return st.selectbox(
        t("ตัวชี้วัด", "KPI"),
        codes,
        codes.index(own[0]) if own else 0,
        {c: _kpi_label(k) for c, k in by_code.items()}.get,
        key="report_kpi",
    )


def _agency_choice(s: Store) -> str | None:
    """The agency a follow-up list is limited to (None: every agency)."""
    agencies = s.table_frame("agencies").to_dict("records")
    names = {a["code"]: pick((a["name_th"], a.get("name_en") or ""), lang()) for a in agencies}
    shown = {None: t("ทุกหน่วยงาน", "Every agency"), **{c: f"{c} {n}" for c, n in names.items()}}
    return st.selectbox(
        t("หน่วยงาน", "Agency"),
        [None, *names],
        format_func=shown.get,
        key="report_agency",
    )


def reports_controls(s: Store, user, as_of: date) -> ReportRequest:
    """The report the controls describe (kind, scope, year, round, KPI, agency, format)."""
    kind = st.selectbox(
        t("รายงาน", "Report"),
        KINDS,
        format_func={k: pick(KIND_NAMES[k], lang()) for k in KINDS}.get,
        key="report_kind",
    )
    codes, labels, default = _scope_choice(s, user)
    left, middle, right = st.columns(3)
    area = left.selectbox(t("พื้นที่", "Area"), codes, default, labels.get, key="report_area")
    years = query.fiscal_year_choices(as_of)
    fy_default, round_default = query.default_round(as_of)
    fy = middle.selectbox(
        t("ปีงบประมาณ", "Fiscal year"),
        years,
        years.index(fy_default) if fy_default in years else 0,
        {y: tc.thai_fiscal_year_label(y, lang()) for y in years}.get,
        key="report_fiscal_year",
    )
    rnd = right.selectbox(
        t("รอบรายงาน", "Round"),
        ROUNDS,
        ROUNDS.index(round_default),
        {r: t(f"{r} เดือน", f"{r} months") for r in ROUNDS}.get,
        key="report_round",
    )
    kpi = _kpi_choice(s, user, fy) if kind == "kpi-form" else None
    agency = _agency_choice(s) if kind == "follow-up" else None
    left, right = st.columns(2)
    fmt = left.radio(
        t("รูปแบบไฟล์", "File format"),
        FORMATS,
        format_func=str.upper,
        horizontal=True,
        key="report_fmt",
    )
    digits = right.checkbox(t("ใช้เลขไทย", "Thai digits"), key="report_thai_digits")
    return ReportRequest(kind, area, int(fy), int(rnd), kpi, agency, fmt, lang(), digits, as_of)


def reports_make(s: Store, request: ReportRequest) -> None:
    """'สร้างรายงาน': render the request (spinner), then offer the file to download."""
    if st.button(t("สร้างรายงาน", "Make the report"), type="primary", key="report_make"):
        from lib.reports import build

        st.session_state.pop(MADE, None)
        try:
            with st.spinner(t("กำลังสร้างรายงาน", "Making the report")):
                st.session_state[MADE] = (request, build.render(s, request))
        except InputError as exc:
            st.error(message(exc))
        except Exception as exc:  # the renderer's fault: one message, the details in the log
            LOG.exception("report failed: %s", request)
            st.error(t(f"สร้างรายงานไม่สำเร็จ: {exc}", f"The report could not be made: {exc}"))
    made = st.session_state.get(MADE)
    if made is None or made[0] != request:
        return  # nothing made yet, or the controls changed since
    report = made[1]
    st.download_button(
        t(f"ดาวน์โหลด {report.file_name}", f"Download {report.file_name}"),
        report.data,
        file_name=report.file_name,
        mime=report.media_type,
        key="report_download",
    )
    st.caption(t(f"ขนาด {len(report.data):,} ไบต์", f"{len(report.data):,} bytes"))


def _fields() -> list[tuple[str, object]]:
    """(field, its Thai/English label) of the narrative fields, in the form's order."""
    from lib.services import narratives

    fields = narratives.FIELDS
    if isinstance(fields, Mapping):
        return list(fields.items())
    return [(f, f) if isinstance(f, str) else (f[0], f[1]) for f in fields]


def _when(value) -> str:
    """A time the Thai way: '22 พ.ย. 2569 09:05'."""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return ""
    moment: datetime = stamp.to_pydatetime()
    return f"{tc.thai_date(moment.date(), lang())} {moment:%H:%M}"


def _written(entry: Mapping | None) -> str:
    if not entry or not entry.get("written_by"):
        return t("ยังไม่มีผู้เขียน", "Not written yet")
    by, at = entry["written_by"], _when(entry.get("written_at"))
    return t(f"เขียนโดย {by} เมื่อ {at}", f"Written by {by} on {at}")


def reports_narratives(s: Store, user, request: ReportRequest) -> None:
    """The KPI form's narrative fields: text areas the KPI owner saves, read-only for others."""
    from lib.reports import build
    from lib.services import auth, narratives

    st.subheader(t("คำบรรยายในแบบรายงาน", "Narratives of the form"))
    show_flash(NARRATIVES)
    try:
        key = build.check(s, request)
    except InputError as exc:
        st.info(message(exc))
        return
    where = (key.fiscal_year, key.round_months, key.kpi_code, key.area_code)
    kpi = s.kpis(key.fiscal_year).set_index("code").loc[key.kpi_code].to_dict()
    kpi["code"] = key.kpi_code
    may = narratives.may_write(user, kpi, key.area_code, auth.load_area_index(s))
    if not may:
        st.caption(t("แก้ไขได้เฉพาะหน่วยงานเจ้าของตัวชี้วัด", "Only the KPI's owner agency may edit"))
    current = narratives.current(s, *where)
    stem = "narrative_" + "_".join(map(str, where))
    for field, label in _fields():
        entry = current.get(field) or {}
        st.text_area(
            pick(label, lang()), entry.get("text") or "", disabled=not may, key=f"{stem}_{field}"
        )
        st.caption(_written(entry))
    if not may or not st.button(t("บันทึกคำบรรยาย", "Save the narratives"), key="narrative_save"):
        return
    texts = {field: st.session_state.get(f"{stem}_{field}", "") for field, _ in _fields()}
    try:
        written = narratives.save(s, user, *where, texts, origin=client_origin())
    except (InputError, auth.PermissionDenied) as exc:
        st.error(message(exc))
        return
    done(NARRATIVES, "success", t(f"บันทึกแล้ว {written} ช่อง", f"Saved {written} fields"))


def _schedule_table(frame: pd.DataFrame, area_names: Mapping[str, str]) -> pd.DataFrame:
    """The scheduled deliveries with words for headers, kinds, areas and frequencies."""
    shown = frame[[c for c in SCHEDULE_COLUMNS if c in frame.columns]].copy()
    if "area_code" in shown:
        shown["area_code"] = [f"{area_names.get(c, c)} ({c})" for c in shown["area_code"]]
    if "kind" in shown:
        shown["kind"] = [pick(KIND_NAMES.get(k, (k, k)), lang()) for k in shown["kind"]]
    if "frequency" in shown:
        from lib.reports.schedule import FREQUENCY_NAMES

        names = FREQUENCY_NAMES
        shown["frequency"] = [pick(names.get(f, (f, f)), lang()) for f in shown["frequency"]]
    if "report_format" in shown:
        shown["report_format"] = shown["report_format"].astype(str).str.upper()
    for column in ("last_sent_at", "next_due_at"):
        if column in shown:
            shown[column] = [
                _when(v) if v is not None and not pd.isna(v) else None for v in shown[column]
            ]
    return shown.rename(columns={c: pick(h, lang()) for c, h in SCHEDULE_COLUMNS.items()})


def _recipients(text: str) -> list[str]:
    """Addresses typed one per line or separated by commas."""
    return [a.strip() for a in text.replace(",", "\n").splitlines() if a.strip()]


def _schedule_action(action, success: str) -> None:
    """Run an administrator's action; its message after the rerun, or its error now."""
    from lib.reports.mail import MailError
    from lib.services import auth

    try:
        action()
    except (InputError, auth.PermissionDenied, MailError) as exc:
        st.error(message(exc))
        return
    done(SCHEDULES, "success", success)


def reports_schedules(s: Store, user, request: ReportRequest) -> None:
    """Administrators: the scheduled deliveries (list, add, remove) and 'ส่งทันที'; nothing
    for an account that may not manage them (lib.services.auth "manage_reports")."""
    from lib.reports import schedule
    from lib.services import auth

    if not auth.can(user, schedule.MANAGE_ACTION).allowed:
        return
    st.subheader(t("การส่งรายงานทางอีเมลตามกำหนด", "Scheduled deliveries by email"))
    show_flash(SCHEDULES)
    listed = schedule.listed(s)
    if listed.empty:
        st.info(t("ยังไม่มีการส่งตามกำหนด", "No scheduled deliveries yet"))
    else:
        areas = cockpit_areas(s, data_version(s))
        names = dict(zip(areas["code"], areas[f"name_{lang()}"], strict=True))
        table(_schedule_table(listed, names), key="report_schedules")
    st.caption(t("รายงานที่จะส่งคือรายงานที่เลือกไว้ด้านบน", "The report sent is the one chosen above"))
    to = st.text_area(
        t("ผู้รับ (บรรทัดละหนึ่งที่อยู่ หรือคั่นด้วยจุลภาค)", "Recipients (one per line or comma)"),
        key="schedule_to",
    )
    every = st.selectbox(
        t("ความถี่", "Schedule"),
        list(schedule.FREQUENCIES),
        format_func={
            f: pick(schedule.FREQUENCY_NAMES[f], lang()) for f in schedule.FREQUENCIES
        }.get,
        key="schedule_every",
    )
    if st.button(t("เพิ่มการส่งตามกำหนด", "Add the scheduled delivery"), key="schedule_add"):
        _schedule_action(
            lambda: schedule.add(s, user, request, _recipients(to), every, client_origin()),
            t("เพิ่มการส่งตามกำหนดแล้ว", "Scheduled delivery added"),
        )
    if not listed.empty and "id" in listed:
        gone = st.selectbox(t("การส่งตามกำหนดที่จะยกเลิก", "Delivery to remove"), list(listed["id"]))
        if st.button(t("ยกเลิกการส่งตามกำหนด", "Remove the delivery"), key="schedule_remove"):
            _schedule_action(
                lambda: schedule.remove(s, user, int(gone), client_origin()),
                t(f"ยกเลิกการส่งตามกำหนด {gone} แล้ว", f"Delivery {gone} removed"),
            )
    address = st.text_input(t("ส่งรายงานนี้ทันทีถึง", "Send this report now to"), key="send_to")
    if st.button(t("ส่งทันที", "Send now"), key="send_now"):
        with st.spinner(t("กำลังส่ง", "Sending")):
            _schedule_action(
                lambda: schedule.send_now(s, user, request, _recipients(address), client_origin()),
                t(f"ส่งแล้วถึง {address}", f"Sent to {address}"),
            )

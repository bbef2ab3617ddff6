"""A report request checked against the store, built as a document and rendered.

`check` reads a request (kind, area, fiscal year, round, KPI, agency, format)
and refuses what cannot be made with one Thai reason (InputError: the CLI's
exit 2, the page's message); `document` dispatches a checked request to the
module that builds its kind; `render` returns the file (bytes, name, media type).
The Reports page, `python -m lib report` and the scheduled deliveries all
come through here, so a report is the same whoever asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from lib.core import settings
from lib.core.i18n import InputError
from lib.engine.requirements import fiscal_as_of
from lib.reports.document import Document

KINDS = ("kpi-form", "coverage", "follow-up", "cockpit")
FORMATS = ("pdf", "xlsx")
ROUNDS = (6, 9, 12)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The levels of area each kind is made for (a district has no KPI form or cockpit).
LEVELS = {
    "kpi-form": ("country", "region", "cluster", "province"),
    "coverage": ("country", "region", "cluster", "province"),
    "follow-up": ("country", "region", "cluster", "province"),
    "cockpit": ("country", "region", "cluster", "province"),
}
KIND_NAMES = {
    "kpi-form": ("แบบรายงานผลรายตัวชี้วัด", "KPI report form"),
    "coverage": ("รายงานความครอบคลุมข้อมูล (ตัวชี้วัด มท. 4.4)", "Data coverage (MOI KPI 4.4)"),
    "follow-up": ("รายการติดตามข้อมูลค้างส่ง", "Follow-up of overdue data"),
    "cockpit": ("ห้องบัญชาการ (หนึ่งหน้า)", "Cockpit (one page)"),
}


@dataclass(frozen=True)
class ReportRequest:
    """What to make: kind (KINDS), area code, fiscal year (BE), round (6, 9, 12), the KPI
    (kpi-form), an agency (follow-up: only that one), format, language, Thai digits, and
    the day the figures are known on (None: today)."""

    kind: str
    area_code: str
    fiscal_year: int
    round_months: int = 12
    kpi_code: str | None = None
    agency_code: str | None = None
    fmt: str = "pdf"
    lang: str = "th"
    thai_digits: bool = False
    as_of: date | None = None


@dataclass(frozen=True)
class Report:
    """A rendered report: its bytes, file name, media type and parts (PDF pages or XLSX
    sheets)."""

    data: bytes
    file_name: str
    media_type: str
    parts: int = 1


def check(store, request: ReportRequest) -> ReportRequest:
    """The request with its codes read as the store spells them and as_of set (as `scores`
    sets it: the earlier of today and the fiscal year's end); InputError (Thai first) for an
    unknown kind, format, area, round, KPI or agency, or a day before the fiscal year."""
    if request.kind not in KINDS:
        raise InputError(
            f"ไม่มีรายงานชนิด '{request.kind}' (มี {', '.join(KINDS)})",
            f"no report kind '{request.kind}' (one of {', '.join(KINDS)})",
        )
    if request.fmt not in FORMATS:
        raise InputError(
            f"รูปแบบไฟล์ต้องเป็น pdf หรือ xlsx ไม่ใช่ '{request.fmt}'",
            f"the format must be pdf or xlsx, not '{request.fmt}'",
        )
    if request.round_months not in ROUNDS:
        raise InputError(
            f"รอบรายงานต้องเป็น 6, 9 หรือ 12 เดือน ไม่ใช่ {request.round_months}",
            f"the round must be 6, 9 or 12 months, not {request.round_months}",
        )
    area = _area(store, request)
    kpi_code = _kpi(store, request)
    agency = _agency(store, request)
    as_of = fiscal_as_of(request.fiscal_year, request.as_of, settings.today())
    return replace(request, area_code=area, kpi_code=kpi_code, agency_code=agency, as_of=as_of)


def _area(store, request: ReportRequest) -> str:
    """The area's code as stored (TH, a region, a cluster, a province), at a level the kind
    is made for."""
    code = str(request.area_code or "").strip()
    areas = store.areas()
    match = areas.loc[areas["code"].astype(str).str.upper() == code.upper()]
    if match.empty:
        raise InputError(f"ไม่มีพื้นที่รหัส '{code}'", f"no area with code '{code}'")
    row = match.iloc[0]
    if row["level"] not in LEVELS[request.kind]:
        raise InputError(
            f"รายงานนี้ทำได้สำหรับประเทศ ภาค กลุ่มจังหวัด หรือจังหวัด ไม่ใช่{row['name_th']} ({code})",
            f"this report is made for the country, a region, a cluster or a province, "
            f"not {row['name_en']} ({code})",
        )
    return str(row["code"])


def _kpi(store, request: ReportRequest) -> str | None:
    """The KPI of a kpi-form, in force for the fiscal year and reported in the round."""
    if request.kind != "kpi-form":
        return request.kpi_code or None
    code = str(request.kpi_code or "").strip().upper()
    if not code:
        raise InputError("แบบรายงานรายตัวชี้วัดต้องระบุตัวชี้วัด (--kpi)", "a KPI form needs a KPI (--kpi)")
    kpis = store.kpis(request.fiscal_year)
    match = kpis.loc[kpis["code"].astype(str).str.upper() == code]
    if match.empty:
        raise InputError(
            f"ไม่มีตัวชี้วัดรหัส '{code}' ในปีงบประมาณ {request.fiscal_year}",
            f"no KPI with code '{code}' in fiscal year {request.fiscal_year}",
        )
    rounds = str(match.iloc[0].get("rounds") or "6,9,12")
    if str(request.round_months) not in {r.strip() for r in rounds.split(",")}:
        raise InputError(
            f"ตัวชี้วัด {code} ไม่รายงานรอบ {request.round_months} เดือน (รายงานรอบ {rounds})",
            f"KPI {code} is not reported at {request.round_months} months (rounds {rounds})",
        )
    return str(match.iloc[0]["code"])


def _agency(store, request: ReportRequest) -> str | None:
    """The agency a follow-up list is limited to (None: every agency)."""
    code = str(request.agency_code or "").strip().upper()
    if not code:
        return None
    if code not in set(store.agency_codes()):
        raise InputError(f"ไม่มีหน่วยงานรหัส '{code}'", f"no agency with code '{code}'")
    return code


def document(store, request: ReportRequest) -> Document:
    """The document of a checked request, built by its kind's module."""
    if request.kind == "kpi-form":
        from lib.reports import kpiform as builder
    elif request.kind == "coverage":
        from lib.reports import coverage as builder
    elif request.kind == "follow-up":
        from lib.reports import followup as builder
    else:
        from lib.reports import cockpit as builder
    return builder.document(store, request)


def render(store, request: ReportRequest) -> Report:
    """Check the request, build its document and render it as PDF or XLSX."""
    request = check(store, request)
    doc = document(store, request)
    if request.fmt == "pdf":
        from lib.reports.pdf import render_pdf

        data, parts = render_pdf(doc, thai_digits=request.thai_digits)
    else:
        from lib.reports.xlsx import to_xlsx

        data, parts = to_xlsx(doc, thai_digits=request.thai_digits), len(doc.sections)
    return Report(data, f"{doc.file_stem}.{request.fmt}", MEDIA_TYPES[request.fmt], parts)

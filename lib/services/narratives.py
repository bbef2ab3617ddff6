"""The narratives of the per-indicator form: what the KPI owner writes each round, kept per version.

The form of a KPI, an area and a round (lib.reports.kpiform) carries five texts
the KPI owner writes in the app: the work done, the supporting factors, the
obstacles, the suggestions for next year and the evidence. Every save is a new
version with who and when (nothing is overwritten); the newest version of each
field is in force. An administrator, or the staff or verifier of the KPI's
owner agency (within the account's area), may write; anyone else is refused
(auth.PermissionDenied) and the refusal audited. A save is audited as
"narrative_saved" in the same transaction as its versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError, Text
from lib.services import auth
from lib.store import Store

# The form's narrative fields, in the order the form prints them (seed 000).
FIELDS = {
    "work_done": Text("คำชี้แจงการปฏิบัติงาน/มาตรการที่ได้ดำเนินการ", "Work done / measures taken"),
    "supporting": Text("ปัจจัยสนับสนุนต่อการดำเนินงาน", "Supporting factors"),
    "obstacles": Text("อุปสรรคต่อการดำเนินงาน", "Obstacles"),
    "suggestions": Text("ข้อเสนอแนะสำหรับการดำเนินงานในปีต่อไป", "Suggestions for next year"),
    "evidence": Text("หลักฐานอ้างอิง", "Evidence"),
}
TEXT_MAX = 5000
ROUNDS = (6, 9, 12)
LEVELS = ("country", "region", "cluster", "province")  # the areas a KPI form is made for
WRITERS = ("staff", "verifier")  # of the KPI's owner agency; and any administrator


def clean_text(text: object) -> str:
    """Text as typed, without trailing spaces on its lines or blank lines at its end.

    >>> clean_text("๑. ประชุม  \\r\\n   ๒. ติดตาม \\n\\n")
    '๑. ประชุม\\n   ๒. ติดตาม'
    >>> clean_text(None)
    ''
    """
    raw = "" if text is None else str(text)
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def _refusal(user, kpi_row: Mapping, area_code=None, area_index=None) -> Text | None:
    """Why the user may not write the KPI's narratives (None: allowed)."""
    if user is None or not user.is_active:
        return Text("ต้องเข้าสู่ระบบก่อนจึงจะเขียนคำชี้แจงตัวชี้วัดได้", "sign in to write a KPI's narratives")
    if user.role == "admin":
        return None
    owner = kpi_row.get("owner_agency")
    if user.role not in WRITERS or not user.agency_code or user.agency_code != owner:
        return Text(
            f"คำชี้แจงตัวชี้วัด {kpi_row.get('code')} เขียนได้เฉพาะเจ้าหน้าที่หรือผู้ตรวจสอบ"
            f"ของหน่วยงานเจ้าของตัวชี้วัด ({owner}) หรือผู้ดูแลระบบ",
            f"the narratives of KPI {kpi_row.get('code')} are written by the staff or verifier "
            f"of its owner agency ({owner}) or an administrator",
        )
    if area_code is not None and user.area_code is not None:
        if area_index is None or not area_index.contains(user.area_code, area_code):
            return Text(
                f"พื้นที่ {area_code} อยู่นอกพื้นที่รับผิดชอบของบัญชีนี้ ({user.area_code})",
                f"area {area_code} is outside the account's area ({user.area_code})",
            )
    return None


def may_write(user, kpi_row: Mapping, area_code=None, area_index=None) -> bool:
    """True for an administrator, or the staff or verifier of the KPI's owner agency (and,
    when an area and an auth.AreaIndex are given, that area within the account's own)."""
    return _refusal(user, kpi_row, area_code, area_index) is None


def _fiscal_year(fiscal_year: object) -> int:
    try:
        return tc.normalise_year(fiscal_year)
    except ValueError as exc:
        raise InputError(
            f"ปีงบประมาณ '{fiscal_year}' ไม่ถูกต้อง", f"fiscal year '{fiscal_year}' is not valid"
        ) from exc


def _kpi_row(store: Store, fiscal_year: int, round_months: int, kpi_code: str) -> dict:
    """The KPI in force for the fiscal year, reported in the round (InputError otherwise)."""
    if round_months not in ROUNDS:
        raise InputError(
            f"รอบรายงานต้องเป็น 6, 9 หรือ 12 เดือน ไม่ใช่ {round_months}",
            f"the round must be 6, 9 or 12 months, not {round_months}",
        )
    code = str(kpi_code or "").strip().upper()
    kpis = store.kpis(fiscal_year)
    match = kpis.loc[kpis["code"].astype(str).str.upper() == code]
    if not code or match.empty:
        raise InputError(
            f"ไม่มีตัวชี้วัดรหัส '{kpi_code}' ในปีงบประมาณ {fiscal_year}",
            f"no KPI with code '{kpi_code}' in fiscal year {fiscal_year}",
        )
    row = match.iloc[0].to_dict()
    rounds = {r.strip() for r in str(row.get("rounds") or "6,9,12").split(",")}
    if str(round_months) not in rounds:
        raise InputError(
            f"ตัวชี้วัด {row['code']} ไม่รายงานรอบ {round_months} เดือน (รายงานรอบ {row['rounds']})",
            f"KPI {row['code']} is not reported at {round_months} months (rounds {row['rounds']})",
        )
    return row


def _area_code(store: Store, area_code: str) -> str:
    """The area's code as stored, at a level a KPI form is made for (InputError otherwise)."""
    code = str(area_code or "").strip()
    areas = store.areas()
    match = areas.loc[areas["code"].astype(str).str.upper() == code.upper()]
    if match.empty:
        raise InputError(f"ไม่มีพื้นที่รหัส '{code}'", f"no area with code '{code}'")
    if match.iloc[0]["level"] not in LEVELS:
        raise InputError(
            f"คำชี้แจงตัวชี้วัดเขียนได้สำหรับประเทศ ภาค กลุ่มจังหวัด หรือจังหวัด ไม่ใช่ {code}",
            f"narratives are written for the country, a region, a cluster or a province, "
            f"not {code}",
        )
    return str(match.iloc[0]["code"])


def _key(store: Store, fiscal_year, round_months, kpi_code, area_code) -> tuple:
    """(fiscal year, round, KPI row, area code) checked against the store."""
    fy = _fiscal_year(fiscal_year)
    try:
        months = int(round_months)
    except (TypeError, ValueError):
        months = -1
    kpi = _kpi_row(store, fy, months, kpi_code)
    return fy, months, kpi, _area_code(store, area_code)


def _texts(texts: Mapping[str, object]) -> dict[str, str]:
    """The texts by field, cleaned; InputError for an unknown field or a text too long."""
    unknown = [f for f in texts if f not in FIELDS]
    if unknown:
        raise InputError(
            f"ไม่มีช่อง '{unknown[0]}' ในแบบรายงาน (มี {', '.join(FIELDS)})",
            f"the form has no field '{unknown[0]}' (fields: {', '.join(FIELDS)})",
        )
    out = {field: clean_text(texts[field]) for field in FIELDS if field in texts}
    for field, text in out.items():
        if len(text) > TEXT_MAX:
            raise InputError(
                f"{FIELDS[field].th} ยาว {len(text):,} ตัวอักษร เกินที่รับได้ {TEXT_MAX:,} ตัวอักษร",
                f"{FIELDS[field].en} holds {len(text):,} characters, over the {TEXT_MAX:,} allowed",
            )
    return out


def current(
    store: Store, fiscal_year, round_months, kpi_code: str, area_code: str
) -> dict[str, dict]:
    """The version in force of each written field, in FIELDS order: field -> {text,
    written_by, written_at}; a field never written is absent."""
    frame = store.narratives_current(
        _fiscal_year(fiscal_year), int(round_months), str(kpi_code), str(area_code)
    )
    rows = {r["field"]: r for r in frame.to_dict("records")}
    return {
        field: {
            "text": rows[field]["text"],
            "written_by": rows[field]["written_by"],
            "written_at": pd.Timestamp(rows[field]["written_at"]).to_pydatetime(),
        }
        for field in FIELDS
        if field in rows
    }


def history(store: Store, fiscal_year, round_months, kpi_code: str, area_code: str):
    """Every version of a form's narratives, oldest first: id, fiscal_year, round_months,
    kpi_code, area_code, field, text, written_by, written_at."""
    return store.narrative_history(
        _fiscal_year(fiscal_year), int(round_months), str(kpi_code), str(area_code)
    )


def save(
    store: Store,
    user,
    fiscal_year,
    round_months,
    kpi_code: str,
    area_code: str,
    texts: Mapping[str, object],
    origin: str = "app",
) -> int:
    """Save the texts given (field -> text) as new versions; return how many were written.

    A text equal to the version in force is skipped (an empty text clears a written
    field: a new, empty version). InputError (Thai first) for an unknown fiscal year,
    round, KPI, area or field, or a text over TEXT_MAX characters; auth.PermissionDenied
    (audited) unless may_write. The versions and the "narrative_saved" entry land together.
    """
    fy, months, kpi, area = _key(store, fiscal_year, round_months, kpi_code, area_code)
    target = f"narrative {kpi['code']} {area} {fy} r{months}"
    refusal = _refusal(user, kpi, area, auth.load_area_index(store))
    if refusal is not None:
        auth.audit_denied(store, user, "narrative_saved", target, origin, reason=refusal.en)
        raise auth.PermissionDenied(refusal.th, refusal.en, action="narrative_saved")
    cleaned = _texts(texts)
    now_in_force = current(store, fy, months, kpi["code"], area)
    changed = {
        field: text
        for field, text in cleaned.items()
        if text != now_in_force.get(field, {}).get("text", "")
    }
    if not changed:
        return 0
    written_at = datetime.now()
    versions = [
        {
            "fiscal_year": fy,
            "round_months": months,
            "kpi_code": kpi["code"],
            "area_code": area,
            "field": field,
            "text": text,
            "written_by": user.username,
            "written_at": written_at,
        }
        for field, text in changed.items()
    ]
    audit = {
        "username": user.username,
        "action": "narrative_saved",
        "target": target,
        "detail": {"fields": list(changed), "chars": {f: len(t) for f, t in changed.items()}},
        "origin": origin,
    }
    store.add_narratives(versions, audit)
    return len(versions)

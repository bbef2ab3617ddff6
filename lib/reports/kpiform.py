"""The per-indicator form (แบบรายงานผลการปฏิบัติราชการตามคำรับรองฯ รายตัวชี้วัด) of a KPI.

Laid out as the forms provinces type by hand (seeds 000 and 003): the title
with the fiscal year, "(รายตัวชี้วัด)" and the area; the round boxes (the
rounds the KPI reports, the asked one checked); the indicator's name, its
supervisors and data collectors with their phones; the description; the
scoring criteria (the milestone steps and the level table, or the five
thresholds); the result table (indicator, weight %, result, score, weighted
score at four decimals) with the light and reliability under it; for a
milestone KPI the steps reached and the evidence; the narratives the KPI owner
wrote (lib.services.narratives) with who and when. The figures are the row of
lib.engine.kpi.scores called exactly as `python -m lib scores` calls it
(flagged cells included), so the form equals `scores` to the fourth decimal;
a coverage KPI's steps are the engine's coverage flags of the area for the
same window. Nothing is computed here that the engine does not.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import InputError, Text, pick, pick_from
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.engine.aggregations import COVERAGE
from lib.engine.methods import MILESTONE
from lib.engine.requirements import fiscal_as_of
from lib.reports.coverage import STEP_COLUMNS, STEP_TEXTS
from lib.reports.document import Cell, Checkboxes, Document, Fields, Paragraph, Section, Table
from lib.services import narratives, quality
from lib.views.cockpit.view import reasons_text
from lib.views.labels import HEALTH_LABELS, LEVEL_LABELS, LIGHT_LABELS

N_LEVELS = 5
L = {
    "title": Text(
        "รายงานผลการปฏิบัติราชการตามคำรับรองการปฏิบัติราชการประจำปีงบประมาณ พ.ศ. {fy}",
        "Performance agreement report, fiscal year {fy} (BE)",
    ),
    "per_kpi": Text("(รายตัวชี้วัด)", "(per indicator)"),
    "round": Text("รอบ {n} เดือน", "{n}-month round"),
    "name": Text("ชื่อตัวชี้วัด", "Indicator"),
    "supervisor": Text("ผู้กำกับดูแลตัวชี้วัด", "Supervisor"),
    "collectors": Text("ผู้จัดเก็บข้อมูล", "Data collectors"),
    "phone": Text("โทรศัพท์", "Phone"),
    "description": Text("คำอธิบาย :", "Description:"),
    "criteria": Text("เกณฑ์การให้คะแนน", "Scoring criteria"),
    "steps": Text("ขั้นตอนการดำเนินงาน", "Milestone steps"),
    "step": Text("ขั้นตอนที่", "Step"),
    "detail": Text("รายละเอียดการดำเนินการ", "What is done"),
    "level": Text("ระดับ {n}", "Level {n}"),
    "step_sum": Text("ขั้นตอนที่ {steps}", "Step {steps}"),
    "unit": Text("หน่วย: {unit}", "Unit: {unit}"),
    "lower": Text("ยิ่งน้อยยิ่งดี", "lower is better"),
    "calc": Text("การคำนวณคะแนนจากผลการดำเนินงาน", "Score from the result"),
    "indicator": Text("ตัวชี้วัด/ข้อมูลพื้นฐานประกอบตัวชี้วัด", "Indicator"),
    "weight": Text("น้ำหนัก (ร้อยละ)", "Weight (%)"),
    "result": Text("ผลการดำเนินงาน", "Result"),
    "score": Text("ค่าคะแนนที่ได้", "Score"),
    "weighted": Text("ค่าคะแนนถ่วงน้ำหนัก", "Weighted score"),
    "reached_steps": Text("ข้อมูลผลการดำเนินงาน", "Steps reached"),
    "reached": Text("ผลการดำเนินงาน", "Reached"),
    "yes": Text("ผ่าน", "yes"),
    "no": Text("ไม่ผ่าน", "no"),
    "no_step": Text("ยังไม่ผ่านขั้นตอนที่ 1", "no step reached"),
    "no_result": Text("ไม่มีข้อมูล", "no data"),
    "light": Text("สถานะ", "Light"),
    "reliable": Text("ข้อมูลเชื่อถือได้", "the data is reliable"),
    "unreliable": Text("ข้อมูลไม่น่าเชื่อถือ", "the data is not reliable"),
    "written": Text("บันทึกโดย {who} เมื่อ {when}", "written by {who} on {when}"),
    "footer": Text(
        "จัดทำจากระบบ EIS จังหวัด เมื่อ {made}; ข้อมูล ณ {as_of}",
        "Made by the provincial EIS on {made}; data as of {as_of}",
    ),
}
# The engine's own description of a KPI without one of its own (by method / aggregation).
DESCRIBE = {
    COVERAGE: Text(
        "พิจารณาจากระดับขั้นตอนความสำเร็จในการพัฒนาระบบฐานข้อมูลเพื่อสนับสนุนการวางแผน: "
        "ขั้นตอนที่ผ่านนับจากการเชื่อมโยงข้อมูล และร้อยละของข้อมูลที่ครบถ้วน ถูกต้อง "
        "และทันเหตุการณ์ในระบบ (ตัวชี้วัด มท. 4.4)",
        "The level of the milestone steps reached in building the planning database: the "
        "integration feed and the share of data that is complete, correct and timely "
        "(MOI KPI 4.4).",
    ),
    MILESTONE: Text(
        "พิจารณาจากระดับขั้นตอนความสำเร็จของการดำเนินงาน (ขั้นตอนที่ 1-5) ตามผลที่รายงาน",
        "The level of the milestone steps (1-5) reached, as reported.",
    ),
    "last": Text("ค่าล่าสุดในรอบการประเมิน", "the latest value in the round"),
    "sum": Text("ผลรวมของทุกงวดในรอบการประเมิน", "the sum of the round's periods"),
    "mean": Text("ค่าเฉลี่ยของงวดในรอบการประเมิน", "the mean of the round's periods"),
    "linear": Text(
        "พิจารณาจาก{how} เทียบกับเกณฑ์ 5 ระดับ ระหว่างระดับให้คะแนนตามสัดส่วน",
        "Scored on {how} against five thresholds, in proportion between them.",
    ),
}
_NUMBERED = re.compile(r"^\s*(?:[•\-]\s*)?(?:[0-9๐-๙]+\s*[.)]\s*)?")


def document(store, request) -> Document:
    """The form of request.kpi_code for request.area_code, fiscal year and round, as of
    request.as_of (a request checked by lib.reports.build.check)."""
    lang, fy, months = request.lang, int(request.fiscal_year), int(request.round_months)
    as_of = request.as_of
    area = _area(store, request.area_code)
    kpi = _kpi(store, fy, request.kpi_code)
    row = score_row(store, request, area)
    texts = narratives.current(store, fy, months, kpi["code"], area["code"])
    names = _writers(store, texts)
    blocks = [
        Checkboxes(_round_boxes(kpi, fy, months, lang)),
        _people(kpi, lang),
        Paragraph(_description(kpi, lang), pick(L["description"], lang)),
        *_criteria(kpi, lang),
        result_table(kpi, row, lang),
        Paragraph(_status_line(row, lang)),
    ]
    own = [f for f in narratives.FIELDS if f != "evidence"]
    if kpi["method"] == MILESTONE:
        blocks.append(_reached_table(store, request, area, kpi, row, lang))
        blocks += _narrative(texts, "evidence", names, lang)
    else:
        own.append("evidence")
    for field in own:
        blocks += _narrative(texts, field, names, lang)
    made = datetime.now()
    return Document(
        title=pick(L["title"], lang).format(fy=fy),
        subtitle=f"{pick(L['per_kpi'], lang)}\n{_area_label(area, lang)}",
        sections=(Section(str(kpi["code"])[:31], tuple(blocks)),),
        footer=pick(L["footer"], lang).format(made=_when(made, lang), as_of=_day(as_of, lang)),
        lang=lang,
        file_stem=_file_stem(kpi["code"], area["code"], fy, months),
        meta={
            "kind": "kpi-form",
            "area": area["code"],
            "fiscal_year": fy,
            "round": months,
            "kpi": kpi["code"],
            "as_of": as_of.isoformat(),
        },
    )


# -- the store's rows ----------------------------------------------------------------
def _area(store, code: str) -> dict:
    areas = store.areas()
    match = areas.loc[areas["code"].astype(str) == str(code)]
    if match.empty:
        raise InputError(f"ไม่มีพื้นที่รหัส '{code}'", f"no area with code '{code}'")
    return match.iloc[0].to_dict()


def _kpi(store, fiscal_year: int, code: str) -> dict:
    kpis = store.kpis(fiscal_year)
    match = kpis.loc[kpis["code"].astype(str) == str(code)]
    if match.empty:
        raise InputError(
            f"ไม่มีตัวชี้วัดรหัส '{code}' ในปีงบประมาณ {fiscal_year}",
            f"no KPI with code '{code}' in fiscal year {fiscal_year}",
        )
    return match.iloc[0].to_dict()


def _schemes(area: dict) -> tuple[str | None, str | None]:
    """(grouping, regions) for kp.scores: the scheme a cluster or region code belongs to."""
    scheme = area.get("scheme")
    scheme = scheme if isinstance(scheme, str) and scheme else None
    if area["level"] == "cluster":
        return scheme, None
    if area["level"] == "region":
        return None, scheme
    return None, None


def _check_as_of(fiscal_year: int, as_of: date) -> None:
    """InputError when as_of is before the fiscal year (lib.engine.requirements.fiscal_as_of)."""
    fiscal_as_of(fiscal_year, as_of, as_of)


def score_row(store, request, area: dict) -> dict:
    """The area's row of the KPI in lib.engine.kpi.scores, called as `python -m lib scores`
    calls it (the level of the area, its grouping, the flagged cells of the KPIs' items)."""
    fy, as_of = int(request.fiscal_year), request.as_of
    _check_as_of(fy, as_of)
    grouping, regions = _schemes(area)
    frame = kp.scores(
        store,
        area["level"],
        fy,
        as_of,
        round_months=int(request.round_months),
        grouping=grouping,
        regions=regions,
        flagged=quality.kpi_flagged_cells(store, fy, as_of),
    )
    hit = frame.loc[(frame["area_code"] == area["code"]) & (frame["kpi_code"] == request.kpi_code)]
    if hit.empty:
        raise InputError(
            f"ไม่มีผลของตัวชี้วัด {request.kpi_code} สำหรับพื้นที่ {area['code']}",
            f"no result of KPI {request.kpi_code} for area {area['code']}",
        )
    return hit.iloc[0].to_dict()


def coverage_steps(store, request, area: dict) -> dict:
    """The area's coverage flags step1_feed..step5_groups and milestone_level, for the
    window kp.scores uses (fiscal year to the round's end or as_of) and its grouping."""
    fy, as_of = int(request.fiscal_year), request.as_of
    end = kp.round_window(fy, int(request.round_months), as_of)[1]
    cov = cv.load_coverage_inputs(store, fy, as_of, window_end=end)
    cells = kp.all_item_cells(cov)
    counted = cells.loc[cells["item_code"].isin(cv.counting_items(cov.items)["code"])]
    grouping, regions = _schemes(area)
    members = cv.group_members_at(store, area["level"], as_of, grouping, regions)
    summary = cv.summarise(counted, cov, area["level"], members)
    return summary.loc[summary["area_code"] == area["code"]].iloc[0].to_dict()


def _writers(store, texts: dict) -> dict[str, str]:
    """username -> the name shown (display name, else the username) of the texts' writers."""
    users = store.users_frame()
    shown = {
        u: n
        for u, n in zip(users["username"], users["display_name"], strict=True)
        if isinstance(n, str) and n.strip()
    }
    return {t["written_by"]: shown.get(t["written_by"], t["written_by"]) for t in texts.values()}


# -- text helpers ----------------------------------------------------------------------
def _day(d: date, lang: str) -> str:
    return tc.thai_date(d, lang, full_month=True)


def _when(at: datetime, lang: str) -> str:
    """A moment the Thai way: '22 พ.ย. 2569 10:30 น.' (English: '22 Nov 2026 10:30')."""
    return f"{tc.thai_date(at.date(), lang)} {at:%H:%M}" + (" น." if lang == "th" else "")


def _area_label(area: dict, lang: str) -> str:
    name = pick_from(area, "name", lang)
    if area["level"] == "country":
        return name
    return f"{pick(LEVEL_LABELS[area['level']], lang)}{'' if lang == 'th' else ' '}{name}"


def _file_stem(kpi_code: str, area_code: str, fy: int, months: int) -> str:
    """ASCII file name: kpi-form_KPI01_21_2570_r12."""
    safe = [re.sub(r"[^A-Za-z0-9.-]+", "-", str(part)) for part in (kpi_code, area_code)]
    return f"kpi-form_{safe[0]}_{safe[1]}_{fy}_r{months}"


def _text(value: object) -> str:
    return "-" if value is None or value != value or not str(value).strip() else str(value)


def _number(value: float) -> str:
    """A threshold as typed: no trailing zeros (1.75, 60, 0.5), thousands separated."""
    for decimals in range(5):
        if round(float(value), decimals) == float(value):
            return tc.format_number_th(value, decimals)
    return tc.format_number_th(value, 4)


# -- the blocks --------------------------------------------------------------------------
def _round_boxes(kpi: dict, fy: int, months: int, lang: str) -> tuple[tuple[str, bool], ...]:
    """The KPI's rounds as check boxes, the asked one checked with its dates."""
    rounds = sorted({int(r) for r in str(kpi.get("rounds") or "6,9,12").split(",") if r.strip()})
    start = tc.fiscal_year_bounds(fy)[0]
    boxes = []
    for n in rounds:
        label = pick(L["round"], lang).format(n=n)
        if n == months:
            label += f" ({tc.thai_date(start, lang)} - {tc.thai_date(tc.round_end(fy, n), lang)})"
        boxes.append((label, n == months))
    return tuple(boxes)


def _people(kpi: dict, lang: str) -> Fields:
    """ชื่อตัวชี้วัด, the supervisors and the data collectors with their phones."""
    phone = pick(L["phone"], lang)
    return Fields(
        (
            (pick(L["name"], lang), f"{kpi['code']} {pick_from(kpi, 'name', lang)}"),
            (pick(L["supervisor"], lang), _text(kpi.get("supervisor"))),
            (phone, _text(kpi.get("supervisor_phone"))),
            (pick(L["collectors"], lang), _text(kpi.get("data_collectors"))),
            (phone, _text(kpi.get("collectors_phone"))),
        )
    )


def _description(kpi: dict, lang: str) -> str:
    """The KPI's own description, else the engine's description of how it is scored."""
    own = pick_from(kpi, "description", lang) if "description_th" in kpi else ""
    if own.strip():
        return own
    if kpi.get("aggregation") == COVERAGE:
        return pick(DESCRIBE[COVERAGE], lang)
    if kpi["method"] == MILESTONE:
        return pick(DESCRIBE[MILESTONE], lang)
    how = pick(DESCRIBE.get(kpi.get("aggregation"), DESCRIBE["last"]), lang)
    text = pick(DESCRIBE["linear"], lang).format(how=how)
    if not bool(kpi.get("higher_is_better", True)):
        text += f" ({pick(L['lower'], lang)})"
    return text


def step_texts(kpi: dict, lang: str) -> list[str]:
    """The milestone steps' text: the KPI's steps_th (one per line, numbering dropped),
    else the engine's five coverage steps for the coverage KPI, else none."""
    own = kpi.get("steps_th")
    lines = [_NUMBERED.sub("", line).strip() for line in str(own or "").splitlines()]
    lines = [line for line in lines if line]
    if lines and (lang == "th" or kpi.get("aggregation") != COVERAGE):
        return lines
    if kpi.get("aggregation") == COVERAGE:
        return [pick(t, lang) for t in STEP_TEXTS]
    return lines


def _criteria(kpi: dict, lang: str) -> list:
    """The scoring criteria: steps and the level table, or the five thresholds."""
    levels = tuple(pick(L["level"], lang).format(n=n) for n in range(1, N_LEVELS + 1))
    title = pick(L["criteria"], lang)
    if kpi["method"] == MILESTONE:
        out = []
        steps = step_texts(kpi, lang)
        if steps:
            rows = tuple((Cell(i + 1), text) for i, text in enumerate(steps))
            columns = (pick(L["step"], lang), pick(L["detail"], lang))
            out.append(Table(columns, rows, pick(L["steps"], lang), (1.5, 8)))
        sums = tuple(
            pick(L["step_sum"], lang).format(steps="+".join(str(i) for i in range(1, n + 1)))
            for n in range(1, N_LEVELS + 1)
        )
        return [*out, Table(levels, (sums,), title)]
    values = tuple(
        "-" if pd.isna(kpi.get(f"t{n}")) else _number(kpi[f"t{n}"]) for n in range(1, N_LEVELS + 1)
    )
    unit = pick_from(kpi, "unit", lang)
    caption = f"{title} ({pick(L['unit'], lang).format(unit=unit)})" if unit else title
    if not bool(kpi.get("higher_is_better", True)):
        caption += f" {pick(L['lower'], lang)}"
    return [Table(levels, (values,), caption)]


def _result_cell(kpi: dict, row: dict, lang: str) -> Cell:
    """The result as the form writes it: 'ขั้นตอนที่ 5' for a milestone KPI, else the number."""
    result = row.get("result")
    if result is None or pd.isna(result):
        return Cell(pick(L["no_result"], lang))
    if kpi["method"] == MILESTONE:
        level = int(result)
        if level <= 0:
            return Cell(pick(L["no_step"], lang))
        return Cell(pick(L["step_sum"], lang).format(steps=level))
    return Cell(float(result), decimals=2)


def result_table(kpi: dict, row: dict, lang: str) -> Table:
    """The form's table: indicator, weight %, result, score and weighted score (4 decimals)."""
    weight = float(row["weight_pct"])
    score, weighted = row.get("score"), row.get("weighted_score")
    light = row.get("light") if isinstance(row.get("light"), str) else None
    cells = (
        Cell(pick_from(kpi, "name", lang)),
        Cell(weight, decimals=0 if weight.is_integer() else 2),
        _result_cell(kpi, row, lang),
        Cell(None if pd.isna(score) else float(score), decimals=4, fill=light),
        Cell(None if pd.isna(weighted) else float(weighted), decimals=4, bold=True),
    )
    result = pick(L["result"], lang)
    unit = pick_from(kpi, "unit", lang)
    if kpi["method"] != MILESTONE and unit:
        result = f"{result} ({unit})"
    keys = ("indicator", "weight", None, "score", "weighted")
    columns = tuple(result if k is None else pick(L[k], lang) for k in keys)
    return Table(columns, (cells,), pick(L["calc"], lang), (4, 1.4, 1.8, 1.5, 1.7))


def _status_line(row: dict, lang: str) -> str:
    """The light and the reliability (with its reasons) and the data health under the table."""
    light = row.get("light")
    word = pick(LIGHT_LABELS[light], lang) if light in LIGHT_LABELS else "-"
    trust = pick(L["reliable" if bool(row.get("reliable")) else "unreliable"], lang)
    reasons = reasons_text(row.get("reasons"), lang)
    if reasons and not bool(row.get("reliable")):
        trust += f" ({reasons})"
    health = " ".join(
        f"{pick(HEALTH_LABELS[c], lang)} {tc.format_pct(row.get(c))}"
        for c in ("complete_pct", "correct_pct", "timely_pct")
    )
    return f"{pick(L['light'], lang)}: {word}; {trust}; {health}"


def _reached_table(store, request, area: dict, kpi: dict, row: dict, lang: str) -> Table:
    """The steps reached: the coverage flags of the area for the coverage KPI, else every
    step up to the level of the result."""
    steps = step_texts(kpi, lang) or [""] * N_LEVELS
    if kpi.get("aggregation") == COVERAGE:
        flags = coverage_steps(store, request, area)
        reached = [bool(flags[c]) for c in STEP_COLUMNS]
    else:
        result = row.get("result")
        level = 0 if result is None or pd.isna(result) else int(result)
        reached = [n <= level for n in range(1, N_LEVELS + 1)]
    rows = tuple(
        (
            Cell(i + 1),
            steps[i] if i < len(steps) else "",
            Cell(pick(L["yes" if ok else "no"], lang), bold=ok),
        )
        for i, ok in enumerate(reached)
    )
    columns = (pick(L["step"], lang), pick(L["detail"], lang), pick(L["reached"], lang))
    return Table(columns, rows, pick(L["reached_steps"], lang), (1.5, 8, 2))


def _narrative(texts: dict, field: str, names: dict, lang: str) -> list[Paragraph]:
    """A narrative field with its label, and who wrote it and when ('-' when unwritten)."""
    label = f"{pick(narratives.FIELDS[field], lang)} :"
    version = texts.get(field)
    if version is None or not version["text"].strip():
        return [Paragraph("-", label)]
    who = names.get(version["written_by"], version["written_by"])
    by = pick(L["written"], lang).format(who=who, when=_when(version["written_at"], lang))
    return [Paragraph(version["text"], label), Paragraph(f"({by})", small=True)]

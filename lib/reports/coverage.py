"""The KPI 4.4 coverage report (รายงานความครอบคลุมข้อมูล): per data group, aspect and item.

For a province, a cluster, a region or the country, a fiscal year and a round:
per item the required, present, correct and correct-and-timely cells, the item x
areas timely and the correct-and-timely %, one table per data group (rows by
aspect then item, an aspect subtotal row), the totals, the milestone steps
reached and the level, the weakest items with their owner and responsible person
and, for a group of provinces, a table per member province. Nothing is computed
here that the engine does not: the window ends at the round's end or as_of,
whichever is first, exactly as the cockpit's data health
(lib.views.cockpit.figures.load_round_figures: the same engine calls), so round
12 equals `python -m lib coverage` for the fiscal year. The helpers `scope_of`,
`round_members` and `footer` are shared by the follow-up and cockpit documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_from
from lib.core.settings import MILESTONE_BARS
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.reports.document import Cell, Document, Fields, Heading, Paragraph, Section, Table
from lib.views.cockpit import figures, query
from lib.views.labels import HEALTH_LABELS

WEAKEST_N = 10
STEP_COLUMNS = ("step1_feed", "step2_80", "step3_90", "step4_100", "step5_groups")
# The five milestone steps as the engine counts them (lib.engine.coverage, seed 000).
STEP_TEXTS = (
    Text("มีระบบเชื่อมโยงข้อมูลส่งข้อมูลของพื้นที่ในปีงบประมาณ", "An integration feed delivered data"),
    Text(
        f"ข้อมูลถูกต้องและทันเหตุการณ์ไม่น้อยกว่าร้อยละ {MILESTONE_BARS[0]:g}",
        f"Correct and timely at least {MILESTONE_BARS[0]:g} %",
    ),
    Text(
        f"ข้อมูลถูกต้องและทันเหตุการณ์ไม่น้อยกว่าร้อยละ {MILESTONE_BARS[1]:g}",
        f"Correct and timely at least {MILESTONE_BARS[1]:g} %",
    ),
    Text(
        f"ข้อมูลถูกต้องและทันเหตุการณ์ร้อยละ {MILESTONE_BARS[2]:g}",
        f"Correct and timely {MILESTONE_BARS[2]:g} %",
    ),
    Text(
        "มีข้อมูลครบทั้ง 4 กลุ่มข้อมูล แสดงบนห้องบัญชาการและแผนที่",
        "Every data group has data (on the cockpit and the map)",
    ),
)
YES_NO = (Text("ผ่าน", "yes"), Text("ไม่ผ่าน", "no"))
H = {
    "code": Text("รหัส", "Code"),
    "item": Text("รายการข้อมูล", "Data item"),
    "required": Text("ต้องมี (ช่อง)", "Required cells"),
    "present": Text("มีแล้ว", "Present"),
    "correct": Text("ถูกต้อง", "Correct"),
    "timely": Text("พื้นที่ทันเหตุการณ์", "Areas timely"),
    "areas": Text("พื้นที่ที่ต้องส่ง", "Areas required"),
    "ct": Text("ถูกต้องและทันฯ (ช่อง)", "Correct & timely cells"),
    "ct_pct": Text("ถูกต้องและทันฯ %", "Correct & timely %"),
    "owner": Text("หน่วยงานเจ้าของข้อมูล", "Owner agency"),
    "person": Text("ผู้รับผิดชอบ", "Responsible"),
    "contact": Text("ติดต่อ", "Contact"),
    "province": Text("จังหวัด", "Province"),
    "level": Text("ระดับที่ผ่าน", "Level reached"),
    "step": Text("ขั้นตอน", "Step"),
    "criterion": Text("เกณฑ์", "Criterion"),
    "reached": Text("ผลการประเมิน", "Reached"),
}
COUNTS = ("required_cells", "present_cells", "correct_cells", "item_areas_required",
          "item_areas_timely", "ct_cells")  # fmt: skip


@dataclass(frozen=True)
class CoverageFigures:
    """The engine's coverage of one scope and round: cells per item, the summary row, the
    member provinces' rows and the catalogue."""

    scope: query.Scope
    fiscal_year: int
    round_months: int
    as_of: date
    items: pd.DataFrame  # per item: catalogue columns + COUNT_COLUMNS + percentages
    summary: dict  # coverage.SUMMARY_COLUMNS of the scope
    provinces: pd.DataFrame  # coverage.SUMMARY_COLUMNS of each member province
    kpis: pd.DataFrame


def scope_of(store, area_code: str) -> query.Scope:
    """The cockpit's Scope of a checked area code (level, scheme, names)."""
    return query.parse_scope(area_code, query.scope_table(store.areas()))


def round_members(store, scope: query.Scope, fiscal_year: int, round_months: int, as_of: date):
    """(member province codes, the scope level's group members frame or None), under the
    grouping the cockpit uses for this round (figures.load_schemes, at the round's end)."""
    cluster, region = figures.load_schemes(store, scope, fiscal_year, round_months, as_of)
    on = min(tc.round_end(fiscal_year, round_months), as_of)
    schemes = store.grouping_schemes()
    scheme = {"cluster": cluster, "region": region}.get(scope.level)
    members = None
    if scheme is not None:
        members = store.group_members(scheme, figures.scheme_date(schemes, scheme, on))
    if scope.level == "province":
        codes = [scope.code]
    elif members is None:
        areas = store.areas()
        codes = sorted(areas.loc[areas["level"] == "province", "code"])
    else:
        codes = sorted(members.loc[members["group_code"] == scope.code, "province_code"])
    return codes, members


def footer(as_of: date, lang: str) -> str:
    """The line under every page: the data's day (Buddhist Era) and where it comes from."""
    return pick(
        Text(
            f"ข้อมูล ณ วันที่ {tc.thai_date(as_of, 'th', full_month=True)} "
            "จากระบบฐานข้อมูลเพื่อการบริหารจัดการจังหวัด",
            f"Data as of {tc.thai_date(as_of, 'en', full_month=True)}, provincial database",
        ),
        lang,
    )


def coverage_figures(store, area_code: str, fiscal_year: int, round_months: int, as_of: date):
    """CoverageFigures of an area and round: the cockpit's data-health calls (window to the
    round's end or as_of, counting items, the grouping at the round's end)."""
    scope = scope_of(store, area_code)
    end = kp.round_window(fiscal_year, round_months, as_of)[1]
    cov = cv.load_coverage_inputs(store, fiscal_year, as_of, window_end=end)
    cells = kp.all_item_cells(cov)
    counted = cells.loc[cells["item_code"].isin(cv.counting_items(cov.items)["code"])]
    codes, members = round_members(store, scope, fiscal_year, round_months, as_of)
    summary = cv.summarise(counted, cov, scope.level, members)
    row = summary.loc[summary["area_code"] == scope.code]
    if row.empty:
        raise ValueError(f"no coverage for {scope.level} {scope.code} in {fiscal_year}")
    provinces = cv.summarise(counted, cov, "province")
    provinces = provinces.loc[provinces["area_code"].isin(codes)].reset_index(drop=True)
    mine = counted.loc[counted["province_code"].isin(codes)]
    per_item = mine.groupby("item_code", as_index=False)[list(cv.COUNT_COLUMNS)].sum()
    per_item = cv.add_percentages(per_item)
    items = cov.items.merge(per_item, left_on="code", right_on="item_code", how="inner")
    return CoverageFigures(
        scope, int(fiscal_year), int(round_months), as_of, items.reset_index(drop=True),
        row.iloc[0].to_dict(), provinces, store.kpis(fiscal_year),
    )  # fmt: skip


def _pct(value) -> Cell:
    """A percentage cell (1 decimal), blank when there is nothing to count."""
    return Cell(None if pd.isna(value) else float(value), decimals=1)


def _count_cells(row, bold: bool = False) -> tuple[Cell, ...]:
    """The count and % cells of an item, aspect, group or total row."""
    pct = _pct(row["correct_and_timely_pct"]).value
    return (*(Cell(int(row[c]), bold=bold) for c in COUNTS), Cell(pct, 1, None, bold))


def _columns(lang: str) -> tuple[str, ...]:
    """The headers of a data group's table."""
    keys = ("code", "item", "required", "present", "correct", "areas", "timely", "ct", "ct_pct")
    return tuple(pick(H[k], lang) for k in keys)


def _pooled(frame: pd.DataFrame) -> pd.Series:
    """Sums of the counts of rows, with the percentages of the sums (never averaged)."""
    return cv.add_percentages(frame[list(cv.COUNT_COLUMNS)].sum().to_frame().T).iloc[0]


def group_table(items: pd.DataFrame, lang: str) -> Table:
    """One data group: rows by aspect then item, an aspect subtotal after each aspect."""
    rows = []
    for _, aspect in items.groupby("aspect_code", sort=False):
        for r in aspect.to_dict("records"):
            rows.append((r["code"], pick_from(r, "name", lang), *_count_cells(r)))
        total = _pooled(aspect)
        label = pick(Text("รวมด้าน", "Aspect total"), lang)
        name = pick_from(aspect.iloc[0].to_dict(), "aspect_name", lang)
        rows.append(
            (Cell("", bold=True), Cell(f"{label} {name}", bold=True), *_count_cells(total, True))
        )
    total = _pooled(items)
    label = pick(Text("รวมกลุ่มข้อมูล", "Data group total"), lang)
    rows.append((Cell("", bold=True), Cell(label, bold=True), *_count_cells(total, True)))
    caption = pick_from(items.iloc[0].to_dict(), "group_name", lang)
    return Table(_columns(lang), tuple(rows), caption, (1, 4, 1, 1, 1, 1, 1, 1.2, 1.2))


def steps_table(summary: dict, kpis: pd.DataFrame, lang: str) -> Table:
    """The five milestone steps with their text and whether each is reached."""
    texts = [pick(t, lang) for t in STEP_TEXTS]
    kpi = kpis.loc[kpis["aggregation"] == "coverage"]
    own = kpi["steps_th"].iloc[0] if not kpi.empty else None
    if lang == "th" and isinstance(own, str) and len(own.strip().splitlines()) == 5:
        texts = [line.strip() for line in own.strip().splitlines()]  # the KPI's own wording
    rows = tuple(
        (Cell(i + 1), t, Cell(pick(YES_NO[0 if summary[c] else 1], lang), bold=bool(summary[c])))
        for i, (t, c) in enumerate(zip(texts, STEP_COLUMNS, strict=True))
    )
    columns = tuple(pick(H[k], lang) for k in ("step", "criterion", "reached"))
    return Table(columns, rows, pick(Text("ขั้นตอนความสำเร็จ", "Milestone steps"), lang), (1, 8, 2))


def weakest_items(items: pd.DataFrame, n: int = WEAKEST_N) -> pd.DataFrame:
    """The n items with the lowest correct-and-timely % (ties: by code)."""
    order = items.sort_values(["correct_and_timely_pct", "code"], na_position="first")
    return order.head(n).reset_index(drop=True)


def weakest_table(items: pd.DataFrame, lang: str) -> Table:
    """The weakest items with the owner agency and the responsible person."""
    rows = tuple(
        (
            r["code"],
            pick_from(r, "name", lang),
            _pct(r["correct_and_timely_pct"]),
            pick_from(r, "owner_name", lang) if isinstance(r.get("owner_name_th"), str) else "-",
            r.get("responsible_person") or "-",
            r.get("responsible_contact") or "-",
        )
        for r in weakest_items(items).to_dict("records")
    )
    keys = ("code", "item", "ct_pct", "owner", "person", "contact")
    caption = pick(Text("รายการข้อมูลที่อ่อนที่สุด", "Weakest data items"), lang)
    return Table(tuple(pick(H[k], lang) for k in keys), rows, caption, (1, 4, 1.2, 3, 3, 2))


def provinces_table(provinces: pd.DataFrame, lang: str) -> Table:
    """One row per member province: counts, percentages and the level reached."""
    rows = tuple(
        (
            r["area_code"],
            pick_from(r, "area_name", lang),
            Cell(int(r["required_cells"])),
            _pct(r["complete_pct"]),
            _pct(r["correct_pct"]),
            _pct(r["timely_pct"]),
            _pct(r["correct_and_timely_pct"]),
            Cell(int(r["milestone_level"])),
        )
        for r in provinces.sort_values("area_code").to_dict("records")
    )
    columns = (
        pick(H["code"], lang),
        pick(H["province"], lang),
        pick(H["required"], lang),
        *(pick(HEALTH_LABELS[c], lang) + " %" for c in HEALTH_LABELS),
        pick(H["level"], lang),
    )
    caption = pick(Text("รายจังหวัด", "By province"), lang)
    return Table(columns, rows, caption, (1, 3, 1.2, 1, 1, 1, 1.2, 1))


def totals_fields(summary: dict, lang: str) -> Fields:
    """The scope's totals: cells, the four percentages and the level."""
    s = summary
    rows = [
        (pick(H["required"], lang), tc.format_number_th(s["required_cells"])),
        (pick(H["present"], lang), tc.format_number_th(s["present_cells"])),
        (pick(H["correct"], lang), tc.format_number_th(s["correct_cells"])),
        (pick(H["ct"], lang), tc.format_number_th(s["ct_cells"])),
        *((pick(HEALTH_LABELS[c], lang), tc.format_pct(s[c])) for c in HEALTH_LABELS),
        (pick(H["level"], lang), str(int(s["milestone_level"]))),
    ]
    return Fields(tuple(rows))


def document(store, request) -> Document:
    """The coverage report of a checked ReportRequest (lib.reports.build)."""
    lang, fy, rnd = request.lang, request.fiscal_year, request.round_months
    f = coverage_figures(store, request.area_code, fy, rnd, request.as_of)
    title = pick(Text("รายงานความครอบคลุมข้อมูล (ตัวชี้วัด มท. 4.4)", "Data coverage (MOI KPI 4.4)"), lang)
    subtitle = f"{f.scope.label(lang)} · {query.round_title(fy, rnd, lang)}"
    blocks = [
        Heading(title, 1),
        Paragraph(subtitle),
        Heading(pick(Text("สรุป", "Summary"), lang)),
        totals_fields(f.summary, lang),
        steps_table(f.summary, f.kpis, lang),
        weakest_table(f.items, lang),
    ]
    if f.scope.level != "province":
        blocks.append(provinces_table(f.provinces, lang))
    sections = [Section(pick(Text("สรุป", "Summary"), lang), tuple(blocks))]
    for _, group in f.items.groupby("group_code", sort=False):
        name = pick_from(group.iloc[0].to_dict(), "group_name", lang)
        sections.append(Section(name[:31], (Heading(name), group_table(group, lang))))
    return Document(
        title=title,
        sections=tuple(sections),
        subtitle=subtitle,
        footer=footer(request.as_of, lang),
        lang=lang,
        landscape=True,
        file_stem=f"coverage-{f.scope.code}-{fy}-{rnd}",
        meta={"kind": "coverage", "area": f.scope.code, "fiscal_year": fy, "round": rnd},
    )

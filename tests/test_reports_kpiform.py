"""The per-indicator form (lib.reports.kpiform) on a store built in code from the seeds.

KPI01 is MOI KPI 4.4 as in seed 000: weight 7, a milestone counted on coverage;
Rayong (21) has every required cell correct and timely, its feed delivered and
both data groups present, so it reaches step 5: 5 x 7 / 100 = 0.3500. KPI21 is
seed 003's Rayong KPI: weight 5, a milestone whose level (5) is reported as an
item's value: 0.2500. KPI04 is a linear KPI (thresholds 60..80 %, result 70 ->
3.0). Chon Buri (20) has no feed: step 1 fails there. The form's cells equal
`python -m lib scores` to the fourth decimal.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest

from lib.cli import main
from lib.core.i18n import InputError
from lib.engine import kpi as kp
from lib.geo import reference
from lib.reports import build, kpiform
from lib.reports.build import ReportRequest, check
from lib.reports.document import Cell, Checkboxes, Fields, Paragraph, Table
from lib.services import auth, narratives
from lib.store import Store
from tests.conftest import AS_OF  # 2026-11-22: FY 2570, round 12 seen in its second month

FY = 2570
KPI44_NAME = " ".join(  # seed 000
    ("ระดับความสำเร็จในการพัฒนาระบบฐานข้อมูลเพื่อสนับสนุนการวางแผนพัฒนาจังหวัด/กลุ่มจังหวัด", "แผนปฏิบัติราชการประจำปี")
)
KPI21_NAME = "ระดับความสำเร็จของการพัฒนาระบบฐานข้อมูลและสารสนเทศของจังหวัด"
STEPS_000 = (
    "๑. มีการบูรณาการเชื่อมโยงฐานข้อมูล (Real Time)\n"
    "๒. จังหวัดและกลุ่มจังหวัดมีข้อมูลถูกต้อง ทันเหตุการณ์ ไม่น้อยกว่าร้อยละ ๘๐\n"
    "๓. จังหวัดและกลุ่มจังหวัดมีข้อมูลถูกต้อง ทันเหตุการณ์ ไม่น้อยกว่าร้อยละ ๙๐\n"
    "๔. จังหวัดและกลุ่มจังหวัดมีข้อมูลถูกต้อง ทันเหตุการณ์ ไม่น้อยกว่าร้อยละ ๑๐๐\n"
    "๕. สามารถพัฒนาฐานข้อมูลให้เป็นข้อมูลสารสนเทศสำหรับผู้บริหาร (EIS) และข้อมูลสารสนเทศ"
    "เชิงภูมิศาสตร์ (GIS) จำนวน ๔ กลุ่มข้อมูล"
)
AREAS = pd.DataFrame(
    [
        ("TH", "country", "ประเทศไทย", "Thailand", None, None),
        ("R7-E", "region", "ภาคตะวันออก", "East", "TH", "region_nesdc7"),
        ("C17-E1", "cluster", "กลุ่มจังหวัดภาคตะวันออก 1", "Eastern cluster 1", "TH", "cluster_2017"),
        ("20", "province", "ชลบุรี", "Chon Buri", "TH", None),
        ("21", "province", "ระยอง", "Rayong", "TH", None),
        ("2101", "district", "เมืองระยอง", "Mueang Rayong", "21", None),
    ],
    columns=["code", "level", "name_th", "name_en", "parent_code", "scheme"],
)
SCHEMES = reference.SCHEMES.copy()
MEMBERS = pd.DataFrame(
    [
        (s, g, p, None, None)
        for s, g in (("cluster_2017", "C17-E1"), ("region_nesdc7", "R7-E"))
        for p in ("20", "21")
    ],
    columns=["scheme", "group_code", "province_code", "valid_from", "valid_to"],
)
# ECO1, SOC1: counted for coverage, fiscal-annual (FY 2567..2569 due in the window);
# FEED: the integration feed (step 1); LVL: seed 003's step level; RATE: a percentage.
ITEMS = pd.DataFrame(
    [
        ("ECO1", "ECO-A", "fiscal_annual", 30, True, "POPS"),
        ("SOC1", "SOC-A", "fiscal_annual", 30, True, "POPS"),
        ("FEED", "ECO-A", "monthly", 0, False, "POPS"),
        ("LVL", "SOC-A", "fiscal_annual", 30, False, "POPS"),
        ("RATE", "ECO-A", "fiscal_annual", 30, False, "PTO"),
    ],
    columns=[
        "code",
        "aspect_code",
        "frequency",
        "release_lag_days",
        "counts_for_coverage",
        "owner_agency",
    ],
).assign(
    name_th=lambda d: d.code,
    name_en=lambda d: d.code,
    unit_th="หน่วย",
    unit_en="unit",
    area_level="province",
    responsible_person="ผู้รับผิดชอบ",
    source="test",
    valid_min=0.0,
    valid_max=1000.0,
    higher_is_better=True,
    is_published=True,
    decimals=0,
    aggregation="last",
)
KPIS = pd.DataFrame(
    [
        {
            "code": "KPI01",
            "name_th": KPI44_NAME,
            "name_en": "Success level of the planning database (MOI KPI 4.4)",
            "owner_agency": "POPS",
            "supervisor": "๑. นายชัชวาลย์ ฉายะบุตร (สบจ.สป.มท.)",
            "supervisor_phone": "๐-๒๒๒๒-๗๘๒๑",
            "data_collectors": "๑. นางจันทร์ ธรรมรักษ์",
            "collectors_phone": "๐-๒๓๐๔-๙๖๐๓",
            "weight_pct": 7.0,
            "method": "milestone",
            "steps_th": STEPS_000,
            "rounds": "6,12",
            "aggregation": "coverage",
            "unit_th": "ระดับ",
        },
        {
            "code": "KPI21",
            "name_th": KPI21_NAME,
            "name_en": "Success level of the provincial database and information system",
            "owner_agency": "POPS",
            "supervisor": "นายสมบูรณ์ จันทวน หัวหน้าสำนักงานจังหวัดระยอง",
            "supervisor_phone": "0-3869-4000",
            "data_collectors": "นางสาวประไพพรรณ พงศ์มาศ",
            "collectors_phone": "0-3869-4000",
            "weight_pct": 5.0,
            "method": "milestone",
            "rounds": "6,9,12",
            "aggregation": "last",
            "description_th": "พิจารณาความสำเร็จของการพัฒนาระบบฐานข้อมูลและสารสนเทศ",
        },
        {
            "code": "KPI04",
            "name_th": "ร้อยละผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี",
            "name_en": "Budget disbursement rate",
            "owner_agency": "PTO",
            "weight_pct": 8.0,
            "method": "linear",
            **{f"t{n}": 55.0 + 5 * n for n in range(1, 6)},
            "rounds": "6,9,12",
            "aggregation": "last",
            "unit_th": "ร้อยละ",
            "unit_en": "percent",
        },
    ]
).assign(
    fiscal_year=FY,
    higher_is_better=True,
    floor_score=1.0,
    green_at=4.0,
    amber_at=3.0,
    missing_rule="zero",
    target=None,
)
KPI_ITEMS = pd.DataFrame(
    [(FY, "KPI01", "FEED"), (FY, "KPI21", "LVL"), (FY, "KPI04", "RATE")],
    columns=["fiscal_year", "kpi_code", "item_code"],
)
WINDOW = (("FY2567", "2024-09-30"), ("FY2568", "2025-09-30"), ("FY2569", "2026-09-30"))


def _cell(item, area, period, end, value, submitted=date(2026, 10, 31)):
    at = pd.Timestamp(datetime.combine(submitted, datetime.min.time()))
    return {
        "item_code": item,
        "area_code": area,
        "period": period,
        "period_end": pd.Timestamp(end),
        "value": float(value),
        "status": "verified",
        "submitted_by": "t",
        "submitted_at": at,
        "verified_by": "v",
        "verified_at": at,
        "note": None,
    }


def observations() -> pd.DataFrame:
    """Both provinces: every counted cell verified in time; only Rayong's feed delivered."""
    rows = [
        _cell(item, area, p, e, value)
        for area in ("20", "21")
        for item, value in (("ECO1", 10), ("SOC1", 20), ("LVL", 5), ("RATE", 70))
        for p, e in WINDOW
    ]
    rows.append(_cell("FEED", "21", "2026-10", "2026-10-31", 1, submitted=date(2026, 11, 1)))
    return pd.DataFrame(rows)


def load_form_store(store: Store) -> None:
    """Fill a migrated empty store with the form's case."""
    store.replace_tables(
        {
            "areas": AREAS,
            "grouping_schemes": SCHEMES,
            "grouping_members": MEMBERS,
            "agencies": pd.DataFrame(
                [
                    ("POPS", "สำนักงานจังหวัด", "Provincial Office", None, None),
                    ("PTO", "สำนักงานคลังจังหวัด", "Provincial Treasury", None, None),
                ],
                columns=["code", "name_th", "name_en", "ministry_th", "ministry_en"],
            ),
            "data_groups": pd.DataFrame(
                [("ECO", "เศรษฐกิจ", "Economy", 1), ("SOC", "สังคม", "Society", 2)],
                columns=["code", "name_th", "name_en", "sort_order"],
            ),
            "aspects": pd.DataFrame(
                [("ECO-A", "ECO", "ก", "a", 1), ("SOC-A", "SOC", "ข", "b", 1)],
                columns=["code", "group_code", "name_th", "name_en", "sort_order"],
            ),
            "items": ITEMS,
            "kpis": KPIS,
            "kpi_items": KPI_ITEMS,
        }
    )
    # FEED's cell arrived through an integration feed (KPI 4.4 step 1)
    store.load_observations(
        observations(), {"username": "test", "kind": "demo", "feed_items": ["FEED"]}
    )


@pytest.fixture
def form_path(tmp_path):
    path = tmp_path / "form.duckdb"
    with Store(path) as store:
        store.migrate()
        load_form_store(store)
    return path


@pytest.fixture
def form_store(form_path):
    with Store(form_path) as store:
        yield store


def request(store, area="21", kpi="KPI01", **kw) -> ReportRequest:
    base = ReportRequest("kpi-form", area, kw.pop("fiscal_year", FY), kpi_code=kpi, as_of=AS_OF)
    return check(store, replace(base, **kw))


def blocks(doc, kind=None):
    out = [b for s in doc.sections for b in s.blocks]
    return [b for b in out if kind is None or isinstance(b, kind)]


def table(doc, caption) -> Table:
    return next(t for t in blocks(doc, Table) if t.caption and t.caption.startswith(caption))


def value(cell):
    return cell.value if isinstance(cell, Cell) else cell


def cli_scores(capsys, path, level="province", round_months=12) -> pd.DataFrame:
    argv = ["scores", "--db", str(path), "--level", level, "--fiscal-year", str(FY)]
    argv += ["--round", str(round_months), "--as-of", AS_OF.isoformat(), "--format", "json"]
    assert main(argv) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out)).set_index(["area_code", "kpi_code"])


# ------------------------------------------------------------------ the seeds' numbers


@pytest.mark.parametrize(
    ("kpi", "weight", "shown"), [("KPI01", 7, "0.3500"), ("KPI21", 5, "0.2500")]
)
def test_result_cells_equal_the_scores_command(capsys, form_path, kpi, weight, shown):
    cli = cli_scores(capsys, form_path).loc[("21", kpi)]  # before the store opens
    with Store(form_path, read_only=True) as store:
        doc = kpiform.document(store, request(store, kpi=kpi))
    row = table(doc, "การคำนวณคะแนน").rows[0]
    assert value(row[1]) == weight
    assert value(row[2]) == "ขั้นตอนที่ 5"
    score, weighted = row[3], row[4]
    assert (score.decimals, weighted.decimals) == (4, 4)
    assert round(score.value, 4) == round(cli["score"], 4) == 5.0
    assert round(weighted.value, 4) == round(cli["weighted_score"], 4)
    assert f"{weighted.value:.4f}" == shown  # score x weight / 100, as the form prints it
    assert score.fill == cli["light"] == "green"


def test_linear_kpi_result_and_thresholds(capsys, form_path):
    cli = cli_scores(capsys, form_path, round_months=9).loc[("21", "KPI04")]
    with Store(form_path, read_only=True) as store:
        doc = kpiform.document(store, request(store, kpi="KPI04", round_months=9))
    row = table(doc, "การคำนวณคะแนน").rows[0]
    assert value(row[2]) == cli["result"] == 70.0
    assert round(row[3].value, 4) == round(cli["score"], 4) == 3.0
    assert round(row[4].value, 4) == round(cli["weighted_score"], 4) == 0.24
    criteria = table(doc, "เกณฑ์การให้คะแนน")
    assert criteria.columns == tuple(f"ระดับ {n}" for n in range(1, 6))
    assert criteria.rows == (("60", "65", "70", "75", "80"),)
    assert "ร้อยละ" in criteria.caption
    assert not any(t.caption == "ข้อมูลผลการดำเนินงาน" for t in blocks(doc, Table))


def test_cluster_and_country_forms_equal_scores(capsys, form_path):
    cluster = cli_scores(capsys, form_path, level="cluster").loc[("C17-E1", "KPI01")]
    country = cli_scores(capsys, form_path, level="country").loc[("TH", "KPI21")]
    with Store(form_path, read_only=True) as store:
        c = table(kpiform.document(store, request(store, "C17-E1")), "การคำนวณ").rows[0]
        t = table(kpiform.document(store, request(store, "TH", "KPI21")), "การคำนวณ").rows[0]
    assert round(c[4].value, 4) == round(cluster["weighted_score"], 4)
    assert cluster["result"] == 0  # Chon Buri has no feed: the cluster fails step 1
    assert value(c[2]) == "ยังไม่ผ่านขั้นตอนที่ 1"
    assert round(t[4].value, 4) == round(country["weighted_score"], 4) == 0.25


# ------------------------------------------------------------------ the form's layout


def test_heading_round_boxes_and_people(form_store):
    doc = kpiform.document(form_store, request(form_store))
    assert doc.title.endswith("ประจำปีงบประมาณ พ.ศ. 2570")
    assert doc.subtitle.splitlines() == ["(รายตัวชี้วัด)", "จังหวัดระยอง"]
    boxes = blocks(doc, Checkboxes)[0].options
    assert [checked for _, checked in boxes] == [False, True]  # KPI01 reports at 6 and 12
    assert boxes[0][0] == "รอบ 6 เดือน"
    assert boxes[1][0].startswith("รอบ 12 เดือน (1 ต.ค. 2569 - 30 ก.ย. 2570)")
    fields = blocks(doc, Fields)[0].rows
    assert fields[0] == ("ชื่อตัวชี้วัด", f"KPI01 {KPI44_NAME}")
    assert ("ผู้กำกับดูแลตัวชี้วัด", "๑. นายชัชวาลย์ ฉายะบุตร (สบจ.สป.มท.)") in fields
    assert [v for k, v in fields if k == "โทรศัพท์"] == ["๐-๒๒๒๒-๗๘๒๑", "๐-๒๓๐๔-๙๖๐๓"]
    nine = kpiform.document(form_store, request(form_store, kpi="KPI21", round_months=9))
    assert [c for _, c in blocks(nine, Checkboxes)[0].options] == [False, True, False]
    assert doc.file_stem == "kpi-form_KPI01_21_2570_r12"
    assert doc.footer.startswith("จัดทำจากระบบ EIS จังหวัด เมื่อ ")
    assert doc.footer.endswith("ข้อมูล ณ 22 พฤศจิกายน 2569")


def test_milestone_criteria_and_steps_reached_from_coverage(form_store):
    doc = kpiform.document(form_store, request(form_store))
    steps = table(doc, "ขั้นตอนการดำเนินงาน")
    assert steps.columns == ("ขั้นตอนที่", "รายละเอียดการดำเนินการ")
    assert [value(r[0]) for r in steps.rows] == [1, 2, 3, 4, 5]
    assert steps.rows[0][1] == "มีการบูรณาการเชื่อมโยงฐานข้อมูล (Real Time)"  # numbering dropped
    levels = table(doc, "เกณฑ์การให้คะแนน")
    assert levels.rows[0][0] == "ขั้นตอนที่ 1"
    assert levels.rows[0][4] == "ขั้นตอนที่ 1+2+3+4+5"
    reached = table(doc, "ข้อมูลผลการดำเนินงาน")
    assert [value(r[2]) for r in reached.rows] == ["ผ่าน"] * 5
    chon = kpiform.document(form_store, request(form_store, "20"))
    flags = kpiform.coverage_steps(
        form_store, request(form_store, "20"), {"code": "20", "level": "province"}
    )
    shown = [value(r[2]) == "ผ่าน" for r in table(chon, "ข้อมูลผลการดำเนินงาน").rows]
    assert shown == [bool(flags[c]) for c in kpiform.STEP_COLUMNS]
    assert shown == [False, True, True, True, True]  # no feed, yet 100 % correct and timely
    description = next(p for p in blocks(doc, Paragraph) if p.label == "คำอธิบาย :")
    assert "มท. 4.4" in description.text  # the engine's words: KPI01 has none of its own


def test_status_line_under_the_table(form_store):
    doc = kpiform.document(form_store, request(form_store))
    texts = [p.text for p in blocks(doc, Paragraph)]
    line = next(t for t in texts if t.startswith("สถานะ:"))
    assert line.startswith("สถานะ: เขียว; ข้อมูลเชื่อถือได้")
    assert "ครบถ้วน 100.0%" in line


def test_narratives_with_who_and_when_and_dashes(form_store):
    staff = auth.User("pops21", "staff", agency_code="POPS", area_code="21")
    narratives.save(
        form_store,
        staff,
        FY,
        12,
        "KPI01",
        "21",
        {"work_done": "๑. ประชุมหารือร่วมกัน\n๒. จัดทำแผน", "evidence": "๑. แผนการดำเนินงาน"},
    )
    doc = kpiform.document(form_store, request(form_store))
    paragraphs = blocks(doc, Paragraph)
    labels = [p.label for p in paragraphs]
    work = paragraphs[labels.index("คำชี้แจงการปฏิบัติงาน/มาตรการที่ได้ดำเนินการ :")]
    assert work.text == "๑. ประชุมหารือร่วมกัน\n๒. จัดทำแผน"
    by = paragraphs[labels.index("คำชี้แจงการปฏิบัติงาน/มาตรการที่ได้ดำเนินการ :") + 1]
    assert by.text.startswith("(บันทึกโดย pops21 เมื่อ ")
    assert " 256" in by.text and by.text.endswith(" น.)")  # a Buddhist Era date and time
    obstacles = paragraphs[labels.index("อุปสรรคต่อการดำเนินงาน :")]
    assert obstacles.text == "-"
    section = doc.sections[0].blocks
    evidence = next(i for i, b in enumerate(section) if getattr(b, "label", "") == "หลักฐานอ้างอิง :")
    reached = next(
        i for i, b in enumerate(section) if getattr(b, "caption", "") == "ข้อมูลผลการดำเนินงาน"
    )
    assert evidence == reached + 1  # the steps reached, then their evidence
    other_round = kpiform.document(form_store, request(form_store, round_months=6))
    assert "๑. ประชุมหารือร่วมกัน\n๒. จัดทำแผน" not in [
        p.text for p in blocks(other_round) if isinstance(p, Paragraph)
    ]


def test_english_labels(form_store):
    doc = kpiform.document(form_store, request(form_store, lang="en"))
    assert doc.subtitle.splitlines() == ["(per indicator)", "Province Rayong"]
    result = table(doc, "Score from the result")
    assert result.columns == ("Indicator", "Weight (%)", "Result", "Score", "Weighted score")
    assert value(result.rows[0][0]).startswith("Success level of the planning database")
    assert [p.label for p in blocks(doc, Paragraph)][-1] == "Suggestions for next year :"
    assert table(doc, "Milestone steps").rows[0][1].startswith("An integration feed")


def test_as_of_before_the_fiscal_year_is_refused(form_store):
    with pytest.raises(InputError) as err:  # build.check refuses it, as `scores` does
        request(form_store, fiscal_year=2571, as_of=date(2026, 11, 22))
    assert "ปีงบประมาณ 2571 เริ่มวันที่" in err.value.message_th


# ------------------------------------------------------------------ rendered


def test_pdf_and_xlsx_hold_the_form(capsys, form_path):
    pytest.importorskip("lib.reports.pdf")
    pytest.importorskip("lib.reports.xlsx")
    pypdf = pytest.importorskip("pypdf")
    openpyxl = pytest.importorskip("openpyxl")
    cli = cli_scores(capsys, form_path).loc[("21", "KPI01")]
    with Store(form_path, read_only=True) as store:
        pdf = build.render(store, request(store))
        xlsx = build.render(store, replace(request(store), fmt="xlsx"))
    assert pdf.file_name == "kpi-form_KPI01_21_2570_r12.pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = "".join(page.extract_text() for page in reader.pages)
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    flat = "".join(text.split())
    assert "".join(KPI44_NAME.split()) in flat  # the Thai name, across line breaks
    assert "0.3500" in text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    header = next(c for c in cells if c.value == "ค่าคะแนนถ่วงน้ำหนัก")
    weighted = sheet.cell(row=header.row + 1, column=header.column)
    assert weighted.value == pytest.approx(cli["weighted_score"], abs=5e-5)
    assert isinstance(weighted.value, float)
    assert weighted.number_format == "0.0000"


def test_scores_are_the_engine_call_with_flags(form_store, monkeypatch):
    """The form passes the flagged cells as `scores` does: a call without them is caught."""
    seen = {}
    real = kp.scores

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(kp, "scores", spy)
    kpiform.document(form_store, request(form_store))
    assert isinstance(seen.get("flagged"), pd.DataFrame)
    assert seen["round_months"] == 12

"""The coverage, follow-up and cockpit documents (lib.reports.coverage, followup, cockpit).

On the small store (7 items with values x Bangkok, Chon Buri, Rayong, the whole
catalogue required): the coverage totals equal `python -m lib coverage`, the
weakest items are the lowest, the follow-up lists an item made overdue and an
unverified value with its submission day (not a verified one) per agency, and the
cockpit's tiles equal the engine's scores to the fourth decimal.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest

from lib.cli import main
from lib.core import thaicalendar as tc
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.reports import cockpit, coverage, followup
from lib.reports.build import ReportRequest, check
from lib.reports.document import Cell, Fields, Paragraph, Table
from lib.services import quality
from lib.store import Store
from lib.views.cockpit import figures
from tests.conftest import AS_OF

FY = 2570


@pytest.fixture
def small(small_store_path):
    with Store(small_store_path, read_only=True) as store:
        yield store


def request(store, kind, area, **kw) -> ReportRequest:
    """A checked request for FY 2570, round 12, as of AS_OF (unless told otherwise)."""
    base = ReportRequest(kind, area, kw.pop("fiscal_year", FY), as_of=kw.pop("as_of", AS_OF))
    return check(store, replace(base, **kw))


def blocks(doc, kind=None):
    """Every block of a document (of one type)."""
    out = [b for s in doc.sections for b in s.blocks]
    return [b for b in out if kind is None or isinstance(b, kind)]


def value(cell):
    return cell.value if isinstance(cell, Cell) else cell


# ------------------------------------------------------------------ coverage


def cli_coverage(capsys, path, level: str) -> pd.DataFrame:
    argv = ["coverage", "--db", str(path), "--level", level, "--fiscal-year", str(FY)]
    assert main([*argv, "--as-of", AS_OF.isoformat(), "--format", "json"]) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("area_code")


@pytest.mark.parametrize(("area", "level"), [("21", "province"), ("C17-E1", "cluster"),
                                             ("TH", "country")])  # fmt: skip
def test_coverage_totals_equal_the_coverage_command(capsys, small_store_path, area, level):
    cli = cli_coverage(capsys, small_store_path, level).loc[area]  # before the store opens
    with Store(small_store_path, read_only=True) as small:
        f = coverage.coverage_figures(small, area, FY, 12, AS_OF)
        doc = coverage.document(small, request(small, "coverage", area))
    for column in ("required_cells", "present_cells", "correct_cells", "ct_cells"):
        assert f.summary[column] == cli[column]
        assert f.items[column].sum() == cli[column]  # the item rows add up to the total
    assert f.summary["milestone_level"] == cli["milestone_level"]
    totals = dict(blocks(doc, Fields)[0].rows)
    assert totals["ต้องมี (ช่อง)"] == tc.format_number_th(cli["required_cells"])
    assert totals["ถูกต้องและทันเหตุการณ์"] == tc.format_pct(cli["correct_and_timely_pct"])
    assert totals["ระดับที่ผ่าน"] == str(cli["milestone_level"])


def test_coverage_round_window_is_the_cockpits(small):
    """Round 6 of FY 2569 ends on 31 Mar 2026: fewer cells than round 12, as the cockpit."""
    f6 = coverage.coverage_figures(small, "21", 2569, 6, AS_OF)
    f12 = coverage.coverage_figures(small, "21", 2569, 12, AS_OF)
    cockpit_round = figures.load_round_figures(
        small, 2569, 6, AS_OF, "cluster_2017", "region_nesdc7"
    )
    c = cockpit_round.coverage
    health = c.loc[(c["level"] == "province") & (c["area_code"] == "21")].iloc[0]
    assert f6.summary["required_cells"] == health["required_cells"]
    assert f6.summary["ct_cells"] == health["ct_cells"]
    assert f6.summary["required_cells"] < f12.summary["required_cells"]


def test_coverage_group_tables_steps_and_weakest(small):
    doc = coverage.document(small, request(small, "coverage", "21"))
    assert doc.landscape and "ระยอง" in doc.subtitle
    f = coverage.coverage_figures(small, "21", FY, 12, AS_OF)
    tables = blocks(doc, Table)
    steps = next(t for t in tables if t.caption == "ขั้นตอนความสำเร็จ")
    assert [value(r[0]) for r in steps.rows] == [1, 2, 3, 4, 5]
    reached = [value(r[2]) == "ผ่าน" for r in steps.rows]
    assert reached == [bool(f.summary[c]) for c in coverage.STEP_COLUMNS]
    weakest = next(t for t in tables if t.caption == "รายการข้อมูลที่อ่อนที่สุด")
    shown = [value(r[2]) for r in weakest.rows]
    assert len(shown) == 10
    assert shown == sorted(shown)
    others = f.items.loc[~f.items["code"].isin([r[0] for r in weakest.rows])]
    assert max(shown) <= others["correct_and_timely_pct"].min()
    fin01 = f.items.set_index("code").loc["FIN01"]
    group = next(s for s in doc.sections if s.name == fin01["group_name_th"])
    table = group.blocks[1]
    row = next(r for r in table.rows if r[0] == "FIN01")
    assert [value(c) for c in row[2:8]] == [
        fin01[c] for c in ("required_cells", "present_cells", "correct_cells",
                           "item_areas_required", "item_areas_timely", "ct_cells")
    ]  # fmt: skip
    labels = [value(r[1]) for r in table.rows]
    assert any(label.startswith("รวมด้าน") for label in labels)
    assert labels[-1] == "รวมกลุ่มข้อมูล"
    assert not any(t.caption == "รายจังหวัด" for t in tables)  # a province has no member table


def test_coverage_of_a_cluster_has_a_table_per_member_province(small):
    doc = coverage.document(small, request(small, "coverage", "C17-E1", lang="en"))
    members = next(t for t in blocks(doc, Table) if t.caption == "By province")
    assert [r[0] for r in members.rows] == ["20", "21", "24"]
    assert doc.title == "Data coverage (MOI KPI 4.4)"


# ------------------------------------------------------------------ follow-up


def test_follow_up_lists_unverified_values_with_their_day_not_verified_ones(small):
    rows = followup.follow_up_rows(small, "21", FY, 12, AS_OF)
    waiting = rows.loc[rows["what"] == "unverified"]
    mac06 = waiting.loc[waiting["item_code"] == "MAC06"].iloc[0]
    assert (mac06["period"], mac06["since"]) == ("2026-09", date(2026, 10, 19))
    assert mac06["agency_code"] == "PCO"
    verified = ("MAC06", "2026-10")  # verified in the store: not listed
    keys = set(zip(rows["item_code"], rows["period"], strict=True))
    assert verified not in keys
    assert set(rows["agency_code"]) <= set(small.agency_codes())
    owners = small.catalog().set_index("code")["owner_agency"]
    assert (rows["agency_code"] == rows["item_code"].map(owners)).all()


def test_verifying_a_value_takes_it_off_the_list_from_that_day_on(small_store_copy):
    def waiting(rows):
        return rows.loc[rows["what"] == "unverified", ["item_code", "area_code", "period"]]

    with Store(small_store_copy) as store:
        before = followup.follow_up_rows(store, "21", FY, 12, AS_OF)
        cell = pd.DataFrame([{"item_code": "CRM01", "area_code": "21", "period": "2026-10"}])
        store.set_status(cell, "verified", "pto21v")  # verified now, after AS_OF
        then = followup.follow_up_rows(store, "21", FY, 12, AS_OF)
        today = followup.follow_up_rows(store, "21", FY, 12, datetime.now().date())
    assert (waiting(before)["item_code"] == "CRM01").sum() == 1
    pd.testing.assert_frame_equal(then, before)  # as known on AS_OF it was still waiting
    assert "CRM01" not in set(waiting(today)["item_code"])
    assert len(waiting(today)) == len(waiting(before)) - 1


def test_follow_up_lists_an_item_made_overdue_since_its_due_date(small):
    """FIN01 (monthly, 10 days' lag) is up to date on 22 Nov 2026; November is due on
    10 Dec 2026 and missing on 15 Dec 2026."""
    on_time = followup.follow_up_rows(small, "21", FY, 12, AS_OF)
    assert not ((on_time["item_code"] == "FIN01") & (on_time["what"] == "overdue")).any()
    late = followup.follow_up_rows(small, "21", FY, 12, date(2026, 12, 15))
    fin01 = late.loc[(late["item_code"] == "FIN01") & (late["what"] == "overdue")]
    assert len(fin01) == 1
    row = fin01.iloc[0]
    assert (row["area_code"], row["period"], row["since"]) == ("21", "2026-11", date(2026, 12, 10))
    assert row["agency_code"] == "PTO"
    assert row["responsible_person"] == "คลังจังหวัด"


def test_follow_up_document_one_section_per_agency_limited_by_agency(small):
    doc = followup.document(small, request(small, "follow-up", "21"))
    rows = followup.follow_up_rows(small, "21", FY, 12, AS_OF)
    agencies = sorted(rows["agency_code"].unique())
    assert [s.name for s in doc.sections] == ["สรุป", *agencies]
    summary = [b for b in doc.sections[0].blocks if isinstance(b, Table)]
    assert [r[0] for r in summary[0].rows] == agencies
    pto = next(s for s in doc.sections if s.name == "PTO")
    assert pto.blocks[0].text == "รายการข้อมูลที่ยังไม่ได้รับ / ยังไม่ได้รับรอง"
    assert dict(pto.blocks[1].rows)["เรียน"] == "สำนักงานคลังจังหวัด"
    table = pto.blocks[2]
    assert table.columns == ("ลำดับ", "รายการข้อมูล", "พื้นที่", "งวด", "สถานะ", "ตั้งแต่",
                             "ผู้รับผิดชอบ", "โทรศัพท์")  # fmt: skip
    assert [value(r[0]) for r in table.rows] == list(range(1, len(table.rows) + 1))
    only = followup.document(small, request(small, "follow-up", "21", agency_code="pto"))
    assert [s.name for s in only.sections] == ["สรุป", "PTO"]
    limited = followup.follow_up_rows(small, "21", FY, 12, AS_OF, agency_code="PTO")
    assert set(limited["agency_code"]) == {"PTO"}
    assert len(limited) == (rows["agency_code"] == "PTO").sum()


def test_follow_up_with_nothing_late_says_so_in_one_line(small, monkeypatch):
    empty = pd.DataFrame(columns=followup.ROW_COLUMNS)
    monkeypatch.setattr(followup, "follow_up_rows", lambda *a, **k: empty)
    doc = followup.document(small, request(small, "follow-up", "21"))
    assert len(doc.sections) == 1
    assert blocks(doc, Table) == []
    assert blocks(doc, Paragraph)[-1].text == "ไม่มีข้อมูลค้างส่งหรือรอการรับรอง"


# ------------------------------------------------------------------ cockpit


def test_cockpit_tiles_equal_the_engine_scores(small):
    doc = cockpit.document(small, request(small, "cockpit", "21"))
    assert doc.one_page and doc.landscape
    assert "ระยอง" in doc.title
    items = kp.kpi_item_links(small.kpis(FY))["item_code"]
    flagged = quality.flagged_cells(small, AS_OF, items)
    scores = kp.scores(small, "province", FY, AS_OF, 12, flagged=flagged)
    mine = scores.loc[scores["area_code"] == "21"].set_index("kpi_code")
    table = next(t for t in blocks(doc, Table) if t.columns[0] == "ตัวชี้วัด")
    *tiles, total = table.rows
    assert len(tiles) == len(mine)
    for row in tiles:
        code = row[0].split(" ")[0]
        engine = mine.loc[code]
        assert row[4].decimals == 4 and row[5].decimals == 4
        assert round(row[4].value, 4) == round(engine["score"], 4)
        assert round(row[5].value, 4) == round(engine["weighted_score"], 4)
        assert row[6].fill == engine["light"]
        assert (row[7] == "น่าเชื่อถือ") == bool(engine["reliable"])
    assert round(total[5].value, 4) == round(mine["composite"].iloc[0], 4)


def test_cockpit_health_and_exceptions_are_the_views(small):
    view = cockpit.view_of(small, "C17-E1", FY, 12, AS_OF)
    doc = cockpit.document(small, request(small, "cockpit", "C17-E1", lang="en"))
    assert doc.title == "Cockpit: Provincial cluster East 1"
    health = next(t for t in blocks(doc, Table) if t.caption == "Data health (MOI KPI 4.4)")
    first = health.rows[0]
    assert first[4].value == pytest.approx(view.health["correct_and_timely_pct"])
    assert first[5].value == view.health["milestone_level"]
    assert len(health.rows) == 1 + len(view.groups)
    heading = next(b for b in blocks(doc) if getattr(b, "text", "").startswith("Needs a decision"))
    assert heading.text == f"Needs a decision ({len(view.exceptions('en'))})"


def test_cockpit_renders_to_one_pdf_page(small):
    pdf = pytest.importorskip("lib.reports.pdf")
    pypdf = pytest.importorskip("pypdf")
    data = pdf.to_pdf(cockpit.document(small, request(small, "cockpit", "21")))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\u0e4d\u0e32", "\u0e33")
    assert "ระยอง" in text
    assert "ห้องบัญชาการ" in text


def test_coverage_inputs_are_the_engines(small):
    """The per-item cells are coverage.item_area_coverage's: a check of the window used."""
    end = kp.round_window(FY, 12, AS_OF)[1]
    inputs = cv.load_coverage_inputs(small, FY, AS_OF, window_end=end)
    cells = inputs.cells()
    f = coverage.coverage_figures(small, "21", FY, 12, AS_OF)
    assert (
        f.items["required_cells"].sum()
        == cells.loc[cells["province_code"] == "21", "required_cells"].sum()
    )

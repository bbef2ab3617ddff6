"""The follow-up list (หนังสือติดตาม, seed 003): per agency, the data overdue or not yet verified.

For the provinces of an area (and their districts for district items), a fiscal
year and a round: an item x area is **overdue** (ค้างส่ง) when its latest period
due by as_of is missing, the engine's timeliness rule (item_areas_timely == 0
in lib.engine.coverage's cells; the window ends at the round's end or as_of, as
the cockpit's); it has been overdue since that period's due date (period end +
release lag, tc.due_date, as the province profile's "owed" table). A value
**waits for verification** (รอการรับรอง) when it was submitted by as_of and is
still waiting for a verifier at the end of that day (Store.unverified_cells),
since the day it was submitted. Each
row names the item's owner agency, its responsible person and contact from the
catalogue. The document has a summary section (agencies with counts), then one
letter-ready section (a new page, an XLSX sheet) per agency.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_from
from lib.engine import coverage as cv
from lib.engine import kpi as kp
from lib.engine.requirements import owed_period
from lib.reports.coverage import footer, round_members, scope_of
from lib.reports.document import Cell, Document, Fields, Heading, Paragraph, Section, Table
from lib.views.cockpit import query

OVERDUE, UNVERIFIED = "overdue", "unverified"
WHAT_LABELS = {
    OVERDUE: Text("ค้างส่ง", "overdue"),
    UNVERIFIED: Text("รอการรับรอง", "awaiting verification"),
}
ROW_COLUMNS = [
    "agency_code",
    "agency_name_th",
    "agency_name_en",
    "item_code",
    "item_name_th",
    "item_name_en",
    "area_code",
    "area_name_th",
    "area_name_en",
    "what",
    "period",
    "frequency",
    "since",
    "responsible_person",
    "responsible_contact",
]
HEADERS = (
    Text("ลำดับ", "No."),
    Text("รายการข้อมูล", "Data item"),
    Text("พื้นที่", "Area"),
    Text("งวด", "Period"),
    Text("สถานะ", "Status"),
    Text("ตั้งแต่", "Since"),
    Text("ผู้รับผิดชอบ", "Responsible"),
    Text("โทรศัพท์", "Telephone"),
)
LETTER_HEADING = Text(
    "รายการข้อมูลที่ยังไม่ได้รับ / ยังไม่ได้รับรอง", "Data not yet received / not yet verified"
)


def _areas_of(areas: pd.DataFrame, provinces: list[str]) -> pd.DataFrame:
    """The provinces and their districts: code, name_th, name_en."""
    inside = areas["code"].isin(provinces) | (
        (areas["level"] == "district") & areas["parent_code"].isin(provinces)
    )
    return areas.loc[inside, ["code", "name_th", "name_en"]]


def overdue_rows(cov: cv.CoverageInputs, areas: pd.DataFrame) -> pd.DataFrame:
    """Item x area whose latest due period is missing: item_code, area_code, period, since."""
    cells = kp.all_item_cells(cov)
    late = cells.loc[(cells["item_areas_timely"] == 0) & cells["area_code"].isin(areas["code"])]
    start, end = cv.window_bounds(cov.fiscal_years, cov.as_of, cov.window_end)
    req = cv.item_requirements(cov.items, start, end, cov.as_of).set_index("code")
    meta = cov.items.set_index("code")
    owed = {  # per item: the latest due period (the one owed) and its due date
        item: owed_period(
            req.at[item, "latest_due_end"],
            meta.at[item, "frequency"],
            meta.at[item, "release_lag_days"],
        )
        for item in late["item_code"].unique()
    }
    out = late[["item_code", "area_code"]].reset_index(drop=True)
    out["period"] = [owed[i][0] for i in out["item_code"]]
    out["since"] = [owed[i][1] for i in out["item_code"]]
    return out.assign(what=OVERDUE)


def unverified_rows(store, areas: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Values waiting for a verifier at the end of as_of (a value verified later still
    counts on an earlier day): item_code, area_code, period, since."""
    cells = store.unverified_cells(as_of)
    cells = cells.loc[cells["area_code"].isin(areas["code"])]
    since = pd.to_datetime(cells["submitted_at"]).dt.date
    out = cells[["item_code", "area_code", "period"]].assign(since=since.to_numpy())
    return out.assign(what=UNVERIFIED)


def follow_up_rows(
    store,
    area_code: str,
    fiscal_year: int,
    round_months: int,
    as_of: date,
    agency_code: str | None = None,
) -> pd.DataFrame:
    """Per agency, the items overdue or awaiting verification in an area's provinces and
    districts, since when, with the responsible person (ROW_COLUMNS; agency, overdue first,
    oldest first)."""
    scope = scope_of(store, area_code)
    provinces, _ = round_members(store, scope, fiscal_year, round_months, as_of)
    end = kp.round_window(fiscal_year, round_months, as_of)[1]
    cov = cv.load_coverage_inputs(store, fiscal_year, as_of, window_end=end)
    areas = _areas_of(cov.areas, provinces)
    rows = pd.concat(
        [overdue_rows(cov, areas), unverified_rows(store, areas, as_of)], ignore_index=True
    )
    catalog = store.catalog().set_index("code")
    rows = rows.loc[rows["item_code"].isin(catalog.index)]
    item = catalog.reindex(rows["item_code"])
    names = areas.set_index("code").reindex(rows["area_code"])
    out = rows.assign(
        agency_code=item["owner_agency"].to_numpy(),
        agency_name_th=item["owner_name_th"].to_numpy(),
        agency_name_en=item["owner_name_en"].to_numpy(),
        item_name_th=item["name_th"].to_numpy(),
        item_name_en=item["name_en"].to_numpy(),
        frequency=item["frequency"].to_numpy(),
        responsible_person=item["responsible_person"].to_numpy(),
        responsible_contact=item["responsible_contact"].to_numpy(),
        area_name_th=names["name_th"].to_numpy(),
        area_name_en=names["name_en"].to_numpy(),
    )
    if agency_code:
        out = out.loc[out["agency_code"] == agency_code]
    out = out.assign(_w=out["what"].map({OVERDUE: 0, UNVERIFIED: 1}))
    keys = ["agency_code", "_w", "since", "item_code", "area_code", "period"]
    return out.sort_values(keys, ignore_index=True)[ROW_COLUMNS]


def _text(value, missing: str = "-") -> str:
    """The text, or `missing` when it is empty or not text."""
    return value if isinstance(value, str) and value.strip() else missing


def agency_table(rows: pd.DataFrame, lang: str) -> Table:
    """One agency's rows as the letter's table (ลำดับ ... โทรศัพท์)."""
    body = tuple(
        (
            Cell(i),
            f"{pick_from(r, 'item_name', lang)} ({r['item_code']})",
            _text(pick_from(r, "area_name", lang), r["area_code"]),
            tc.thai_period_label(r["period"], r["frequency"], lang),
            pick(WHAT_LABELS[r["what"]], lang),
            tc.thai_date(r["since"], lang),
            _text(r["responsible_person"]),
            _text(r["responsible_contact"]),
        )
        for i, r in enumerate(rows.to_dict("records"), start=1)
    )
    return Table(
        tuple(pick(h, lang) for h in HEADERS), body, None, (0.6, 4, 2, 1.5, 1.4, 1.5, 2.5, 1.8)
    )


def summary_table(rows: pd.DataFrame, lang: str) -> Table:
    """Agencies with their counts of overdue and unverified items."""
    body = []
    for code, part in rows.groupby("agency_code", sort=True):
        first = part.iloc[0].to_dict()
        counts = part["what"].value_counts()
        body.append(
            (
                code,
                _text(pick_from(first, "agency_name", lang), code),
                Cell(int(counts.get(OVERDUE, 0))),
                Cell(int(counts.get(UNVERIFIED, 0))),
                Cell(len(part), bold=True),
            )
        )
    columns = (
        pick(Text("รหัส", "Code"), lang),
        pick(Text("หน่วยงาน", "Agency"), lang),
        pick(WHAT_LABELS[OVERDUE], lang),
        pick(WHAT_LABELS[UNVERIFIED], lang),
        pick(Text("รวม", "Total"), lang),
    )
    return Table(columns, tuple(body), None, (1, 5, 1.2, 1.2, 1))


def _letter(code: str, part: pd.DataFrame, scope, as_of: date, lang: str) -> Section:
    """One agency's page: heading, the agency's full Thai name, the as-of date, the table."""
    name = _text(pick_from(part.iloc[0].to_dict(), "agency_name", lang), code)
    fields = Fields(
        (
            (pick(Text("เรียน", "To"), lang), name),
            (pick(Text("พื้นที่", "Area"), lang), scope.label(lang)),
            (pick(Text("ข้อมูล ณ วันที่", "As of"), lang), tc.thai_date(as_of, lang, full_month=True)),
        )
    )
    blocks = (Heading(pick(LETTER_HEADING, lang), 1), fields, agency_table(part, lang))
    return Section(code[:31], blocks)


def document(store, request) -> Document:
    """The follow-up document of a checked ReportRequest: a summary, then a page per agency."""
    lang, fy, rnd, as_of = request.lang, request.fiscal_year, request.round_months, request.as_of
    scope = scope_of(store, request.area_code)
    rows = follow_up_rows(store, scope.code, fy, rnd, as_of, request.agency_code)
    title = pick(
        Text("รายการติดตามข้อมูลค้างส่งและรอการรับรอง", "Follow-up of overdue and unverified data"), lang
    )
    subtitle = f"{scope.label(lang)} · {query.round_title(fy, rnd, lang)}"
    head = [Heading(title, 1), Paragraph(subtitle)]
    head.append(
        Paragraph(
            pick(Text("ข้อมูล ณ วันที่ ", "As of "), lang) + tc.thai_date(as_of, lang, full_month=True)
        )
    )
    if rows.empty:
        head.append(
            Paragraph(
                pick(
                    Text(
                        "ไม่มีข้อมูลค้างส่งหรือรอการรับรอง", "Nothing is overdue or awaiting verification"
                    ),
                    lang,
                )
            )
        )
    else:
        head.append(summary_table(rows, lang))
    sections = [Section(pick(Text("สรุป", "Summary"), lang), tuple(head))]
    sections += [
        _letter(code, part, scope, as_of, lang)
        for code, part in rows.groupby("agency_code", sort=True)
    ]
    agency = f"-{request.agency_code}" if request.agency_code else ""
    return Document(
        title=title,
        sections=tuple(sections),
        subtitle=subtitle,
        footer=footer(as_of, lang),
        lang=lang,
        landscape=True,
        file_stem=f"follow-up-{scope.code}{agency}-{fy}-{rnd}",
        meta={"kind": "follow-up", "area": scope.code, "fiscal_year": fy, "round": rnd,
              "agency": request.agency_code},
    )  # fmt: skip

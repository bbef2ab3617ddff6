"""lib.views.explore: the catalogue's search and filters, an item's page, a value's provenance,
the deep link to it and the map tooltip's link (pure, on frames and small stores built in code)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from lib.store import Store
from lib.views import explore

CATALOG = pd.DataFrame(
    {
        "code": ["POP01", "FIN01", "ORD03", "MAC06"],
        "name_th": [
            "จำนวนประชากรตามทะเบียนราษฎร",
            "ผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี",
            "จำนวนแรงงานต่างด้าวผิดกฎหมายที่จับกุม",
            "ดัชนีราคาผู้บริโภคจังหวัด",
        ],
        "name_en": [
            "Registered population",
            "Annual budget disbursement",
            "Undocumented foreign workers arrested",
            "Provincial consumer price index",
        ],
        "unit_th": ["คน", "ร้อยละ", "คน", "ดัชนี"],
        "unit_en": ["persons", "percent", "persons", "index"],
        "frequency": ["annual", "monthly", "quarterly", "monthly"],
        "group_code": ["SOC", "ECO", "SEC", "ECO"],
        "group_name_th": ["สังคม", "เศรษฐกิจ", "ความมั่นคง", "เศรษฐกิจ"],
        "group_name_en": ["Society", "Economy", "Security", "Economy"],
        "aspect_code": ["POP", "FIN", "ORD", "MAC"],
        "aspect_name_th": ["ประชากร", "การคลัง", "ความสงบเรียบร้อย", "เศรษฐกิจมหภาค"],
        "aspect_name_en": ["Population", "Public finance", "Public order", "Macroeconomy"],
        "owner_agency": ["PDOPA", "PTO", "PPOL", "PCO"],
        "owner_name_th": ["ที่ทำการปกครองจังหวัด", "คลังจังหวัด", "ตำรวจภูธรจังหวัด", "พาณิชย์จังหวัด"],
        "owner_name_en": [
            "Provincial Administration Office",
            "Provincial Treasury Office",
            "Provincial Police",
            "Provincial Commerce Office",
        ],
        "source": ["ทะเบียนราษฎร", "GFMIS", "สถิติคดี", "สนค."],
        "responsible_person": ["นาย ก", "นาง ข", "ร.ต.อ. ค", "นางสาว ง"],
        "is_published": [True, True, False, True],
    }
)


def codes(frame: pd.DataFrame) -> list[str]:
    return frame["code"].tolist()


# -- the catalogue ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("ประชากร", ["POP01"]),  # a Thai word in the name (and the aspect)
        ("งบประมาณ", ["FIN01"]),
        ("population", ["POP01"]),  # English, any case
        ("PRICE index", ["MAC06"]),  # every word must match
        ("price population", []),
        ("คลังจังหวัด", ["FIN01"]),  # the owner agency
        ("ptO", ["FIN01"]),  # the agency's code
        ("gfmis", ["FIN01"]),  # the source
        ("รายไตรมาส", ["ORD03"]),  # the frequency in Thai words
        ("monthly", ["FIN01", "MAC06"]),
        ("fin", ["FIN01"]),  # the code
        ("", ["POP01", "FIN01", "ORD03", "MAC06"]),
    ],
)
def test_search_reads_thai_and_english_words(words, expected):
    assert codes(explore.search_catalog(CATALOG, words)) == expected


def test_search_reads_thai_digits_and_extra_spaces():
    catalog = CATALOG.assign(name_th=CATALOG["name_th"].str.replace("ประจำปี", "ปี 2569"))
    assert codes(explore.search_catalog(catalog, "  ปี   ๒๕๖๙ ")) == ["FIN01"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"groups": ["ECO"]}, ["FIN01", "MAC06"]),
        ({"aspects": ["POP", "ORD"]}, ["POP01", "ORD03"]),
        ({"agencies": ["PPOL"]}, ["ORD03"]),
        ({"frequencies": ["monthly"]}, ["FIN01", "MAC06"]),
        ({"published": True}, ["POP01", "FIN01", "MAC06"]),
        ({"published": False}, ["ORD03"]),
        ({"groups": ["ECO"], "agencies": ["PCO"]}, ["MAC06"]),
        ({"groups": ["ECO"], "words": "ประชากร"}, []),
        ({"groups": [], "published": None}, ["POP01", "FIN01", "ORD03", "MAC06"]),
    ],
)
def test_filters_by_group_aspect_agency_frequency_and_published(filters, expected):
    assert codes(explore.search_catalog(CATALOG, **filters)) == expected


def test_the_list_reads_in_thai_and_in_english():
    th = explore.catalog_table(CATALOG, "th")
    assert list(th.columns) == [
        "รหัสรายการ",
        "รายการข้อมูล",
        "กลุ่มข้อมูล",
        "ประเด็น",
        "หน่วยงานเจ้าของข้อมูล",
        "ความถี่",
        "หน่วย",
        "เผยแพร่",
    ]
    assert th["ความถี่"].tolist() == ["รายปี (ปีปฏิทิน)", "รายเดือน", "รายไตรมาส", "รายเดือน"]
    assert th["เผยแพร่"].tolist() == ["ใช่", "ใช่", "ไม่", "ใช่"]
    en = explore.catalog_table(CATALOG, "en")
    assert (
        en["Data item"].iloc[0] == "Registered population" and en["Frequency"].iloc[1] == "monthly"
    )
    assert explore.choices(CATALOG, "owner_agency", "owner_name", "th")["PTO"] == "คลังจังหวัด"


# -- one item -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frequency", "lag", "as_of", "expected"),
    [
        ("monthly", 30, date(2026, 11, 22), ("2026-10", date(2026, 11, 30))),
        ("monthly", 30, date(2026, 11, 30), ("2026-11", date(2026, 12, 30))),  # Oct due that day
        ("quarterly", 45, date(2026, 11, 22), ("2026-Q4", date(2027, 2, 14))),
        ("annual", 90, date(2026, 11, 22), ("2026", date(2027, 3, 31))),
        ("biennial", 0, date(2026, 11, 22), ("2027", date(2027, 12, 31))),  # even BE years only
    ],
)
def test_next_due_is_the_first_period_not_yet_due(frequency, lag, as_of, expected):
    assert explore.next_due(frequency, lag, as_of) == expected


def test_the_definition_names_owner_person_frequency_and_due_dates(small_store_path):
    with Store(small_store_path, read_only=True) as store:
        item = store.catalog().set_index("code").loc["FIN01"].to_dict() | {"code": "FIN01"}
    shown = explore.item_definition(item, date(2026, 11, 22), "th")
    rows = dict(zip(shown.iloc[:, 0], shown.iloc[:, 1], strict=True))
    assert rows["ชื่อ (ไทย)"] == item["name_th"] and rows["ชื่อ (อังกฤษ)"] == item["name_en"]
    assert rows["ความถี่"] == "รายเดือน"
    assert rows["หน่วยงานเจ้าของข้อมูล"].endswith("(PTO)")
    assert rows["ผู้รับผิดชอบ"] == item["responsible_person"]
    assert rows["ระยะเวลาเผยแพร่หลังสิ้นงวด"] == f"{item['release_lag_days']} วัน"
    period, due = explore.next_due("monthly", item["release_lag_days"], date(2026, 11, 22))
    assert rows["งวดถัดไปและวันครบกำหนด"].endswith("2569") and "2569" in rows["งวดล่าสุดที่ถึงกำหนด"]
    assert not [v for v in rows.values() if v in ("None", "nan", "")]
    english = explore.item_definition(item, date(2026, 11, 22), "en")
    assert "Frequency" in set(english.iloc[:, 0]) and "monthly" in set(english.iloc[:, 1])


def test_item_coverage_pools_its_areas_and_is_none_without_required_cells():
    cells = pd.DataFrame(
        {
            "item_code": ["A", "A", "B"],
            "required_cells": [4, 4, 0],
            "present_cells": [4, 2, 0],
            "correct_cells": [4, 1, 0],
            "ct_cells": [4, 0, 0],
            "item_areas_required": [1, 1, 1],
            "item_areas_timely": [1, 0, 0],
        }
    )
    out = explore.item_coverage(cells, "A")
    assert (out["required_cells"], out["present_cells"], out["correct_cells"]) == (8, 6, 5)
    assert (out["complete_pct"], out["timely_pct"], out["correct_and_timely_pct"]) == (75, 50, 50)
    assert explore.item_coverage(cells, "B") is None and explore.item_coverage(cells, "C") is None


# -- values as known, and what the public sees -------------------------------------------------
NOW = pd.DataFrame(
    {
        "area_code": ["21", "21", "20"],
        "period": ["2026-07", "2026-08", "2026-08"],
        "value": [63.0, 70.0, 50.0],
        "status": ["verified", "submitted", "verified"],
    }
)


def test_cells_as_known_put_back_what_changed_since():
    changes = pd.DataFrame(
        {
            "area_code": ["21", "20", "10"],
            "period": ["2026-08", "2026-08", "2026-08"],
            "value_then": [64.0, None, 40.0],  # changed / new since / undone since
            "status_then": ["verified", None, "submitted"],
        }
    )
    then = explore.cells_as_known(NOW, changes)
    assert then.values.tolist() == [
        ["10", "2026-08", 40.0, "submitted"],
        ["21", "2026-07", 63.0, "verified"],
        ["21", "2026-08", 64.0, "verified"],
    ]
    assert explore.cells_as_known(NOW, None)["value"].tolist() == [50.0, 63.0, 70.0]


def test_the_public_sees_verified_values_only():
    assert explore.visible_cells(NOW, False)["status"].unique().tolist() == ["verified"]
    assert len(explore.visible_cells(NOW, True)) == 3


def test_tables_of_values_by_area_and_compared_areas():
    cells = explore.with_period_end(NOW, "monthly")
    names = {"20": "ชลบุรี", "21": "ระยอง"}
    shown = explore.area_table(cells, "2026-08", names, "th")
    assert shown.values.tolist() == [
        ["20", "ชลบุรี", 50.0, "รับรองแล้ว"],
        ["21", "ระยอง", 70.0, "รอตรวจสอบ"],
    ]
    wide = explore.comparison_table(cells, ["21", "20"], "monthly", names, "th")
    assert list(wide.columns) == ["งวด", "ระยอง (21)", "ชลบุรี (20)"]
    assert wide["งวด"].tolist() == ["ส.ค. 2569", "ก.ค. 2569"]
    assert wide["ระยอง (21)"].tolist() == [70.0, 63.0]
    trend = explore.history_frame(cells, "monthly", ["21"], names, "th")
    assert set(trend["series"]) == {"ค่าเฉลี่ยทุกพื้นที่", "ระยอง (21)"}
    mean = trend.loc[trend["series"] == "ค่าเฉลี่ยทุกพื้นที่"].set_index("label")["value"]
    assert mean.to_dict() == {"ก.ค. 2569": 63.0, "ส.ค. 2569": 60.0}


VERSIONS = pd.DataFrame(
    {
        "version": [1, 2, 3],
        "value": [60.0, 64.0, 70.0],
        "status": ["verified", "rejected", "submitted"],
        "batch_id": [1, 5, 6],
        "batch_kind": ["demo", "upload", "upload"],
        "file_name": [None, "a.csv", "b.csv"],
        "submitted_by": ["demo", "pto21", "pto21"],
        "submitted_at": pd.to_datetime(
            ["2026-01-05 08:00", "2026-10-01 09:00", "2026-11-01 10:00"]
        ),
        "verified_by": [None, "pto21v", None],
        "verified_at": pd.to_datetime([None, "2026-10-02 11:00", None]),
        "note": [None, None, "แก้ไข"],
        "in_force_from": pd.to_datetime(
            ["2026-01-05 08:00", "2026-10-01 09:00", "2026-11-01 10:00"]
        ),
        "in_force_until": pd.to_datetime(["2026-10-01 09:00", "2026-11-01 10:00", None]),
        "replaced_by_batch": [5, 6, None],
        "replaced_by_kind": ["upload", "upload", None],
        "undone": [False, False, False],
        "current": [False, False, True],
    }
)


def test_the_provenance_table_is_thai_newest_first():
    shown = explore.provenance_table(VERSIONS, "th")
    assert shown["ฉบับที่"].tolist() == [3, 2, 1]
    assert shown["สถานะ"].tolist() == ["รอตรวจสอบ", "ถูกปฏิเสธ", "รับรองแล้ว"]
    assert shown["ประเภทชุด"].tolist() == ["นำเข้า", "นำเข้า", "ข้อมูลสาธิต"]
    assert shown["ผู้ส่ง"].tolist() == ["pto21", "pto21", "demo"]
    assert shown["ผู้ตรวจสอบ"].iloc[1] == "pto21v"
    assert shown["เวลาที่ตรวจสอบ"].iloc[1] == "2 ต.ค. 2569 11:00:00"
    assert shown["ถูกแทนที่โดยชุดที่"].iloc[1] == 6 and shown["ค่าปัจจุบัน"].iloc[0] == "ใช่"
    assert "ชื่อไฟล์" in shown.columns and "ใช้ถึง" in shown.columns


def test_the_public_sees_verified_versions_without_names():
    shown = explore.provenance_table(VERSIONS, "th", sees_unverified=False)
    assert shown["ค่า"].tolist() == [60.0]
    assert "ผู้ส่ง" not in shown.columns and "ผู้ตรวจสอบ" not in shown.columns


# -- the deep link ------------------------------------------------------------------------------
def test_cell_link_names_the_cell_and_reads_back():
    link = explore.cell_link("FIN01", "21", "2569-08")
    assert link == "/explore?item=FIN01&area=21&period=2569-08"
    parts = urlsplit(explore.cell_link("FIN01", "21", "ส.ค. 2569&x=1"))
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/explore" and query["period"] == "ส.ค. 2569&x=1"
    assert explore.cell_from_query(query) == ("FIN01", "21", "ส.ค. 2569&x=1")
    assert explore.cell_from_query({}) == ("", "", "")


# -- values as known at a day, from a store ----------------------------------------------------
def _commit(store: Store, text: str, name: str, at: datetime) -> int:
    """Commit a long CSV as Rayong's staff would, dated `at` (the store keeps when it was)."""
    from lib.services import upload

    preview = upload.preview_upload(store, text.encode(), name)
    batch = {"kind": "upload", "username": "pto21", "agency_code": "PTO", "file_name": name}
    audit = {"username": "pto21", "action": "upload", "origin": "test"}
    cells = preview.compare[upload.CELL_COLUMNS]
    return store.commit_cells(cells, {**batch, "created_at": at}, audit)


def test_an_item_as_known_between_two_uploads_shows_the_first(small_store_path, tmp_path):
    path = tmp_path / "s.duckdb"
    shutil.copyfile(small_store_path, path)
    row = "item,area,period,value\nFIN01,21,2026-08,{}\n"
    with Store(path) as store:
        _commit(store, row.format(81), "first.csv", datetime(2026, 10, 1, 9))
        _commit(store, row.format(82), "second.csv", datetime(2026, 11, 1, 9))
        item = store.catalog().set_index("code").loc["FIN01"].to_dict() | {"code": "FIN01"}
        today = date(2026, 11, 22)

        def value(as_of):
            cells = explore.load_item_cells(store, item, as_of)
            return cells.set_index(["area_code", "period"]).loc[("21", "2026-08")]

        assert (value(date(2026, 10, 15))["value"], value(today)["value"]) == (81.0, 82.0)
        assert value(date(2026, 10, 15))["status"] == "submitted"
        before = explore.load_item_cells(store, item, date(2026, 9, 15))
        assert before.set_index(["area_code", "period"]).loc[("21", "2026-08"), "value"] < 81


# -- the map tooltip's link ---------------------------------------------------------------------
def _layer_state(kind="item", period="2026-08"):
    from lib.views.map.state import MapState

    return MapState(kind=kind, code="FIN01", period=period)


def test_the_map_tooltip_links_each_own_value_to_its_provenance():
    import folium
    import geopandas as gpd
    from shapely.geometry import box

    from lib.geo import mapview
    from lib.views.map import layer as map_layer
    from lib.views.map.legend import classify_figure

    shapes = gpd.GeoDataFrame(
        {"code": ["20", "21", "10"], "name_th": ["ชลบุรี", "ระยอง", "กทม"], "name_en": list("ABC")},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:4326",
    )
    view = pd.DataFrame({"code": ["20", "21", "10"], "level": ["province"] * 3})
    layers = {"province": shapes}
    layer = map_layer.view_layer(_layer_state(), view, layers)
    figures = pd.DataFrame(
        {
            "code": ["20", "21", "10"],
            "value": [50.0, 70.0, None],
            "flag": ["", "", ""],
            "members": [None, None, None],
            "members_with_data": [None, None, None],
        }
    )
    joined = map_layer.join_figures(layer, figures, "th", 1)
    links = map_layer.source_links(joined)
    assert links.tolist() == [
        "",  # no value: no link
        "/explore?item=FIN01&area=20&period=2026-08",
        "/explore?item=FIN01&area=21&period=2026-08",
    ]
    classes = classify_figure(joined["value"], "item", "equal_interval", 2, True, 1, False, "th")
    group = map_layer.choropleth_group(joined, classes, "th")
    shapes_js = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    tips = {f["id"]: f["properties"]["_link"] for f in shapes_js.data["features"]}
    assert tips["10"] == ""
    assert tips["21"].startswith('<a href="/explore?item=FIN01&amp;area=21&amp;period=2026-08"')
    assert tips["21"].endswith(">ที่มาของค่า</a>") and 'target="_blank"' in tips["21"]
    m = mapview.offline_map()
    group.add_to(m)
    page = m.get_root().render()  # the tooltip stays open under the pointer: its link is clickable
    assert '"interactive": true' in page and '"sticky": false' in page
    assert 'layer.off("mouseout", layer.closeTooltip)' in page
    pooled = joined.assign(members=[None, 3, 1])  # a value pooled from 3 members is no one cell
    assert map_layer.source_links(pooled).tolist()[1:] == ["", links.iloc[2]]
    kpi = map_layer.view_layer(_layer_state(kind="kpi", period="2569"), view, layers)
    assert "source_url" not in kpi.columns
    assert map_layer.source_links(map_layer.join_figures(kpi, figures, "th", 1)) is None

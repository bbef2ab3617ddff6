"""lib.views.cockpit: scope and URL parsing, rounds, exceptions, tiles, peers, charts (pure)."""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import date
from functools import partial

import numpy as np
import pandas as pd
import pytest

from lib.engine import coverage as cv
from lib.engine import kpi
from lib.engine.scoring import format_score
from lib.views import labels, ranking
from lib.views.cockpit import charts, figures, query, tiles, view, wall
from tests.conftest import AS_OF

AREAS = pd.DataFrame(
    {
        "code": ["TH", "R7-E", "R7-BKK", "C17-E1", "C09-E", "10", "20", "21", "2101"],
        "level": ["country", "region", "region", "cluster", "cluster"]
        + ["province"] * 3
        + ["district"],
        "scheme": [None, "region_nesdc7", "region_nesdc7", "cluster_2017", "cluster_2009"]
        + [None] * 4,
        "name_th": ["ประเทศไทย", "ภาคตะวันออก", "กรุงเทพฯและปริมณฑล", "ภาคตะวันออก 1", "ภาคตะวันออก"]
        + ["กรุงเทพมหานคร", "ชลบุรี", "ระยอง", "เมืองระยอง"],
        "name_en": ["Thailand", "East", "Bangkok & Vicinities", "East 1", "East"]
        + ["Bangkok", "Chon Buri", "Rayong", "Mueang Rayong"],
    }
)
MEMBERS = pd.DataFrame(
    {
        "province_code": ["10", "20", "21"],
        "cluster_code": [None, "C17-E1", "C17-E1"],
        "region_code": ["R7-BKK", "R7-E", "R7-E"],
    }
)


def test_doctests():
    for module in (query, view, ranking):
        assert doctest.testmod(module).failed == 0


# ---------------------------------------------------------------- scope and URL


@pytest.mark.parametrize(
    ("text", "code", "level", "scheme"),
    [
        ("TH", "TH", "country", None),
        ("th", "TH", "country", None),
        ("21", "21", "province", None),
        ("๒๑", "21", "province", None),
        (" 21 ", "21", "province", None),
        ("ระยอง", "21", "province", None),
        ("จังหวัดระยอง", "21", "province", None),
        ("จ.ระยอง", "21", "province", None),
        ("rayong", "21", "province", None),
        ("c17-e1", "C17-E1", "cluster", "cluster_2017"),
        ("C09-E", "C09-E", "cluster", "cluster_2009"),
        ("R7-E", "R7-E", "region", "region_nesdc7"),
    ],
)
def test_parse_scope(text, code, level, scheme):
    scope = query.parse_scope(text, AREAS)
    assert (scope.code, scope.level, scope.scheme) == (code, level, scheme)


@pytest.mark.parametrize("text", ["", None, "99", "2101", "C17-X", "เชียงใหม่"])
def test_parse_scope_refuses_what_is_not_a_scope(text):
    with pytest.raises(ValueError, match="scope"):
        query.parse_scope(text, AREAS)


def test_scope_labels():
    assert query.parse_scope("21", AREAS).label("th") == "จังหวัด ระยอง"
    assert query.parse_scope("C17-E1", AREAS).label("en") == "Provincial cluster East 1"
    assert query.parse_scope("TH", AREAS).label("en") == "Thailand"


def test_scope_options_keep_the_schemes_shown():
    codes = query.scope_options(AREAS, "cluster_2017", "region_nesdc7")["code"].tolist()
    assert codes == ["TH", "R7-BKK", "R7-E", "C17-E1", "10", "20", "21"]
    assert "C09-E" in query.scope_options(AREAS, "cluster_2009", "region_nesdc7")["code"].tolist()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("TH", 2569, 12, "th", False, None, query.DEFAULT_REFRESH_S, ())),
        (
            {"scope": "21", "fy": "2568", "round": "9", "lang": "en"},
            ("21", 2568, 9, "en", False, None, query.DEFAULT_REFRESH_S, ()),
        ),
        (
            {"scope": "21", "wall": "1", "refresh": "5", "cycle": "21,20,C17-E1", "kpi": "kpi04"},
            ("21", 2569, 12, "th", True, "KPI04", 5, ("21", "20", "C17-E1")),
        ),
        ({"refresh": "1", "wall": "true"}, ("TH", 2569, 12, "th", True, None, 5, ())),
        ({"refresh": "999999"}, ("TH", 2569, 12, "th", False, None, 3600, ())),
        ({"fy": "๒๕๖๗"}, ("TH", 2567, 12, "th", False, None, query.DEFAULT_REFRESH_S, ())),
        ({"scope": ["20", "21"]}, ("20", 2569, 12, "th", False, None, query.DEFAULT_REFRESH_S, ())),
    ],
)
def test_parse_query(params, expected):
    q = query.parse_query(params, AREAS, AS_OF)
    got = (q.scope.code, q.fiscal_year, q.round_months, q.lang, q.wall, q.kpi, q.refresh_s)
    assert (*got, tuple(s.code for s in q.cycle)) == expected
    assert q.problems == ()


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"scope": "XX"}, "unknown scope XX"),
        ({"fy": "abc"}, "fiscal year abc"),
        ({"fy": "2575"}, "fiscal year 2575"),
        ({"round": "7"}, "round 7"),
        ({"refresh": "soon"}, "refresh=soon"),
        ({"asof": "22/11/2569"}, "asof=22/11/2569"),
        ({"cycle": "21,nowhere"}, "unknown scope nowhere in cycle"),
    ],
)
def test_parse_query_names_what_it_ignored(params, problem):
    q = query.parse_query(params, AREAS, AS_OF)
    assert len(q.problems) == 1
    assert problem in q.problems[0][1]
    assert q.problems[0][0]  # and a Thai message
    assert (q.scope.code, q.fiscal_year, q.round_months) == ("TH", 2569, 12)


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "21", "fy": "2568", "round": "9"},
        {"scope": "C17-E1", "fy": "2569", "round": "6", "lang": "en", "kpi": "KPI04"},
        {"scope": "TH", "fy": "2569", "round": "12", "asof": "2026-10-15"},
        {
            "scope": "20",
            "fy": "2569",
            "round": "12",
            "wall": "1",
            "refresh": "30",
            "cycle": "20,21",
        },
    ],
)
def test_encode_query_round_trips(params):
    q = query.parse_query(params, AREAS, AS_OF)
    assert query.encode_query(q) == params
    assert query.parse_query(query.encode_query(q), AREAS, AS_OF) == q


def test_asof_in_the_url_moves_the_default_round():
    q = query.parse_query({"asof": "2026-05-01"}, AREAS, AS_OF)
    assert (q.as_of, q.fiscal_year, q.round_months, q.as_of_given) == (
        date(2026, 5, 1),
        2569,
        6,
        True,
    )


@pytest.mark.parametrize(
    ("params", "pages", "screens"),
    [
        ({"scope": "21"}, 1, [("21", 0), ("21", 0), ("21", 0)]),
        ({"scope": "21"}, 2, [("21", 0), ("21", 1), ("21", 0)]),
        ({"cycle": "21,20,C17-E1"}, 1, [("21", 0), ("20", 0), ("C17-E1", 0), ("21", 0)]),
        ({"cycle": "21,20"}, 2, [("21", 0), ("21", 1), ("20", 0), ("20", 1), ("21", 0)]),
        ({"scope": "20", "cycle": "21,20,C17-E1"}, 1, [("20", 0), ("C17-E1", 0), ("21", 0)]),
        ({"scope": "10", "cycle": "21,20"}, 1, [("21", 0), ("20", 0)]),
    ],
)
def test_wall_pages_through_tiles_then_scopes(params, pages, screens):
    q = query.parse_query(params, AREAS, AS_OF)
    screen, seen = wall.first_screen(q), []
    for _ in screens:
        seen.append((wall.screen_scope(q, screen).code, screen.page))
        screen = wall.next_screen(q, screen, pages)
    assert seen == screens


@pytest.mark.parametrize(
    ("n", "per_page", "sizes"),
    [(13, 15, [13]), (15, 15, [15]), (16, 15, [8, 8]), (31, 15, [11, 11, 9]), (0, 15, [0])],
)
def test_wall_tile_pages_are_balanced(n, per_page, sizes):
    frame = pd.DataFrame({"kpi_code": [f"K{i:02d}" for i in range(n)]})
    pages = wall.tile_pages(n, per_page)
    shown = [wall.page_rows(frame, p, per_page) for p in range(pages)]
    assert [len(x) for x in shown] == sizes
    assert sum((list(x["kpi_code"]) for x in shown), []) == list(frame["kpi_code"])


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"fy": "99999999999999999999"}, "fiscal year 99999999999999999999 cannot be shown"),
        ({"fy": "1"}, "give a year from 2543 to 2570"),
        ({"fy": "2542"}, "fiscal year 2542"),
        ({"fy": "-2569"}, "fiscal year -2569"),
        ({"fy": "2569.5"}, "fiscal year 2569.5"),
        ({"asof": "9999-12-31"}, "asof=9999-12-31 is after today (2026-11-22)"),
        ({"as_of": "2027-01-01"}, "asof=2027-01-01 is after today"),
        ({"asof": "1899-01-01"}, "asof=1899-01-01 is before 2000-01-01"),
        ({"asof": "2026-02-30"}, "asof=2026-02-30 is not a date"),
        ({"asof": "x" * 5000}, "asof=" + "x" * 30 + "…"),
        ({"round": "99999999999999999999"}, "round 99999999999999999999 is not 6, 9 or 12"),
        ({"scope": "<b>" * 100}, "unknown scope " + "<b>" * 10 + "…: showing Thailand"),
        ({"kpi": "K" * 200}, "no KPI " + "K" * 30 + "…"),
        ({"cycle": ",".join(["21"] * 40)}, "more than 30 scopes"),
        ({"cycle": "a,b,c,d,e"}, "unknown scope a, b, c … in cycle"),
        ({"refresh": "9" * 5000}, "refresh=" + "9" * 30 + "… is not seconds"),
    ],
)
def test_hostile_url_values_fall_back_with_one_line_each(params, problem):
    q = query.parse_query(params, AREAS, AS_OF)
    assert len(q.problems) == 1, q.problems
    assert problem in q.problems[0].en and q.problems[0].th
    assert "\n" not in q.problems[0].en and len(q.problems[0].en) < 200
    assert (q.scope.code, q.fiscal_year, q.round_months, q.as_of) == ("TH", 2569, 12, AS_OF)
    assert q.kpi is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"asof": "2569-05-01"}, (date(2026, 5, 1), 2569, 6)),  # a Buddhist year, as Thais write
        ({"as_of": "2026-05-01"}, (date(2026, 5, 1), 2569, 6)),
        ({"fy": "2026"}, (AS_OF, 2569, 12)),  # a CE fiscal year
        ({"fy": "2543", "round": "๑๒"}, (AS_OF, 2543, 12)),
    ],
)
def test_url_dates_and_years_in_either_era(params, expected):
    q = query.parse_query(params, AREAS, AS_OF)
    assert (q.as_of, q.fiscal_year, q.round_months) == expected
    assert q.problems == ()


# ---------------------------------------------------------------- rounds


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 11, 22), (2569, 12)),
        (date(2026, 9, 30), (2569, 12)),
        (date(2026, 9, 29), (2569, 9)),
        (date(2026, 4, 1), (2569, 6)),
        (date(2026, 3, 30), (2568, 12)),
        (date(2025, 10, 1), (2568, 12)),
    ],
)
def test_default_round_is_the_latest_closed_one(as_of, expected):
    assert query.default_round(as_of) == expected


@pytest.mark.parametrize(
    ("fy", "rnd", "prev", "history"),
    [
        (
            2569,
            12,
            (2569, 9),
            [(2566, 12), (2567, 12), (2568, 12), (2569, 6), (2569, 9), (2569, 12)],
        ),
        (2569, 9, (2569, 6), [(2566, 12), (2567, 12), (2568, 12), (2569, 6), (2569, 9)]),
        (2569, 6, (2568, 12), [(2566, 12), (2567, 12), (2568, 12), (2569, 6)]),
    ],
)
def test_previous_round_and_history(fy, rnd, prev, history):
    assert query.previous_round(fy, rnd) == prev
    assert query.history_rounds(fy, rnd) == history
    assert prev in history


@pytest.mark.parametrize("bad", [0, 3, 7, 13])
def test_rounds_refuse_other_lengths(bad):
    with pytest.raises(ValueError, match="round"):
        query.previous_round(2569, bad)
    with pytest.raises(ValueError, match="round"):
        query.history_rounds(2569, bad)


def test_round_labels_use_buddhist_years():
    assert query.round_label(2569, 6) == "2569/6 ด."
    assert query.round_title(2569, 12) == "ปีงบประมาณ 2569 รอบ 12 เดือน"
    assert query.round_title(2569, 12, "en") == "FY 2569, 12-month round"


# ---------------------------------------------------------------- members, ranks


@pytest.mark.parametrize(
    ("code", "members", "peers"),
    [
        ("21", ["21"], ["20", "21"]),
        ("10", ["10"], ["10"]),  # Bangkok: no cluster, compared within its region
        ("C17-E1", ["20", "21"], None),
        ("R7-E", ["20", "21"], None),
        ("TH", ["10", "20", "21"], None),
    ],
)
def test_members_and_peers(code, members, peers):
    scope = query.parse_scope(code, AREAS)
    assert view.member_provinces(scope, MEMBERS) == members
    if peers is not None:
        assert view.peer_provinces(scope, MEMBERS) == peers


@pytest.mark.parametrize(
    ("values", "code", "higher", "expected"),
    [
        ({"a": 3.0, "b": 4.0, "c": 3.0}, "b", True, (1, 3)),
        ({"a": 3.0, "b": 4.0, "c": 3.0}, "a", True, (2, 3)),
        ({"a": 3.0, "b": 4.0, "c": 3.0}, "a", False, (1, 3)),
        ({"a": 3.0, "b": np.nan}, "b", True, (None, 1)),
        ({"a": 3.0}, "z", True, (None, 1)),
    ],
)
def test_rank_of(values, code, higher, expected):
    assert ranking.rank_of(pd.Series(values), code, higher) == expected


# ---------------------------------------------------------------- tiles and exceptions


def _tile_rows(**columns):
    base = {
        "kpi_code": ["K1", "K2", "K3", "K4"],
        "kpi_name_th": ["หนึ่ง", "สอง", "สาม", "สี่"],
        "method": ["milestone", "linear", "linear", "linear"],
        "weight_pct": [7.0, 10.0, 8.0, 5.0],
        "result": [1.0, np.nan, 69.87, 95.0],
        "target": [5.0, 5.0, 80.0, 90.0],
        "unit_th": ["ระดับ", "ร้อยละ", "ร้อยละ", "ร้อยละ"],
        "score": [1.0, 0.0, 2.974, 4.5],
        "weighted_score": [0.07, 0.0, 0.2379, 0.225],
        "light": ["red", "red", "red", "green"],
        "reliable": [True, False, False, True],
        "reasons": ["", "no_data,low_coverage", "stale", ""],
    }
    base.update(columns)
    return pd.DataFrame(base)


KPIS = pd.DataFrame({"code": ["K1", "K2", "K3", "K4"], "name_en": ["one", "two", "three", "four"]})


def test_tiles_format_as_the_official_forms():
    prev = pd.DataFrame({"kpi_code": ["K1", "K3", "K4"], "score": [1.0, 3.5, 4.0]})
    t = view.tiles(_tile_rows(), prev, KPIS).set_index("kpi_code")
    assert t.loc["K1", "value_text"] == "1"  # a milestone level has no decimals
    assert t.loc["K2", "value_text"] == "-"  # no data
    assert t.loc["K3", ["value_text", "target_text", "score_text", "weighted_text"]].tolist() == [
        "69.87",
        "80.00",
        "2.9740",
        "0.2379",
    ]
    assert t["falling"].tolist() == [False, False, True, False]
    assert t.loc["K3", "delta"] == pytest.approx(-0.526)
    assert t.loc["K3", "name_en"] == "three"


def test_exceptions_are_sorted_by_severity():
    prev = pd.DataFrame({"kpi_code": ["K1", "K4"], "score": [1.0, 4.9]})
    t = view.tiles(_tile_rows(), prev, KPIS)
    overdue = pd.DataFrame(
        {
            "item_code": ["A", "B"],
            "name_th": ["ก", "ข"],
            "name_en": ["a", "b"],
            "owner_name_th": ["สำนักงานสถิติจังหวัด", "สำนักงานคลังจังหวัด"],
            "owner_name_en": ["Statistics", "Treasury"],
            "responsible_person": ["สถิติจังหวัด", None],
            "areas_overdue": [2, 5],
            "areas_required": [8, 8],
            "latest_due_end": pd.to_datetime(["2026-06-30", "2026-08-31"]),
            "oldest_present_end": pd.NaT,
            "days_overdue": [10, 40],
        }
    )
    ex = view.exceptions(t, overdue, "th")
    # red by weight (10, 8, 7), then falling (K4 is green but fell), then overdue longest first
    assert ex["code"].tolist() == ["K2", "K3", "K1", "K4", "B", "A"]
    assert ex["kind"].tolist() == ["red", "red", "red", "falling", "overdue", "overdue"]
    assert ex["severity"].tolist() == [3, 3, 3, 2, 1, 1]
    assert ex["unreliable"].tolist() == [True, True, False, False, False, False]
    assert "ไม่มีข้อมูล" in ex.loc[0, "text"] and "ข้อมูลไม่ครบถ้วน" in ex.loc[0, "text"]
    assert "ลดลงจาก 4.9000" in ex.loc[3, "text"]
    assert "สำนักงานคลังจังหวัด" in ex.loc[4, "text"] and "เกินกำหนด 40 วัน" in ex.loc[4, "text"]
    assert "สถิติจังหวัด" in ex.loc[5, "text"]
    en = view.exceptions(t, overdue, "en")
    assert en.loc[0, "name"] == "two" and "no data" in en.loc[0, "text"]
    assert "Treasury, responsible: -" in en.loc[4, "text"]
    assert tiles.exception_label(ex.iloc[0], "th").startswith(":red[●] **ตัวชี้วัดสีแดง** · K2")


def test_no_exceptions_when_all_is_well():
    rows = _tile_rows(light=["green"] * 4, reliable=[True] * 4)
    t = view.tiles(rows, pd.DataFrame({"kpi_code": [], "score": []}), KPIS)
    assert view.exceptions(t, pd.DataFrame(), "th").empty


def test_scope_overdue_names_agency_person_and_days():
    overdue = pd.DataFrame(
        {
            "item_code": ["A", "A", "B"],
            "province_code": ["20", "21", "21"],
            "areas_required": [1, 1, 8],
            "areas_overdue": [1, 1, 3],
            "oldest_present_end": pd.to_datetime(["2026-05-31", "2026-04-30", "2026-03-31"]),
            "latest_due_end": pd.to_datetime(["2026-08-31", "2026-08-31", "2026-06-30"]),
        }
    )
    items = pd.DataFrame(
        {
            "code": ["A", "B"],
            "name_th": ["ก", "ข"],
            "name_en": ["a", "b"],
            "owner_name_th": ["สสจ.", "สนง.เกษตร"],
            "owner_name_en": ["PHO", "PAO"],
            "responsible_person": ["นาย ก", "นาง ข"],
            "release_lag_days": [30, 60],
        }
    )
    out = view.scope_overdue(overdue, ["20", "21"], items, AS_OF).set_index("item_code")
    assert out.loc["A", ["areas_overdue", "areas_required"]].tolist() == [2, 2]
    assert out.loc["A", "days_overdue"] == (AS_OF - date(2026, 9, 30)).days
    assert out.loc["B", "days_overdue"] == (AS_OF - date(2026, 8, 29)).days
    assert out.loc["A", "oldest_present_end"] == pd.Timestamp("2026-04-30")
    assert out.loc["B", "responsible_person"] == "นาง ข"
    assert view.scope_overdue(overdue, ["10"], items, AS_OF).empty


@pytest.mark.parametrize(
    ("reasons", "lang", "text"),
    [
        ("", "th", ""),
        (None, "th", ""),
        ("no_data,stale", "en", "no data, data out of date"),
        ("low_coverage", "th", "ข้อมูลไม่ครบถ้วน"),
        ("mystery", "en", "mystery"),
    ],
)
def test_reasons_text(reasons, lang, text):
    assert view.reasons_text(reasons, lang) == text


def test_tile_html_escapes_and_colours():
    none = pd.DataFrame({"kpi_code": [], "score": []})
    row = view.tiles(_tile_rows(kpi_name_th=["<b>x</b>", "ข", "ค", "ง"]), none, KPIS)
    card = tiles.tile_html(row.iloc[0].to_dict(), "th")
    assert "&lt;b&gt;x&lt;/b&gt;" in card and "<b>x</b>" not in card
    assert charts.LIGHT_COLOURS["red"] in card and "1.0000" in card and "0.0700" in card
    warn = tiles.tile_html(row.iloc[1].to_dict(), "en")
    assert "unreliable" in warn and "no data" in warn


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "on", "expected"),
    [
        (date(2009, 1, 1), date(2017, 11, 16), date(2026, 9, 30), date(2017, 11, 16)),
        (date(2017, 11, 17), None, date(2016, 9, 30), date(2017, 11, 17)),
        (date(2017, 11, 17), None, date(2026, 9, 30), date(2026, 9, 30)),
        (None, None, date(2026, 9, 30), date(2026, 9, 30)),
    ],
)
def test_scheme_date_stays_inside_the_scheme(valid_from, valid_to, on, expected):
    schemes = pd.DataFrame({"scheme": ["s"], "valid_from": [valid_from], "valid_to": [valid_to]})
    assert figures.scheme_date(schemes, "s", on) == expected


# ---------------------------------------------------------------- charts


def _trend():
    return pd.DataFrame(
        {
            "kpi_code": ["K"] * 3,
            "fiscal_year": [2567, 2568, 2569],
            "round_months": [12, 12, 6],
            "result": [1200.5, 1300.0, np.nan],
            "score": [2.0, 3.5, 0.0],
            "light": ["red", "amber", "red"],
            "composite": [2.0, 3.0, 1.0],
        }
    )


@pytest.mark.parametrize("dark", [False, True])
def test_charts_use_the_thai_font_buddhist_years_and_no_urls(dark):
    kpi_row = {"t1": 1000, "t2": 1100, "t3": 1200, "t4": 1300, "t5": 1400, "unit_th": "ล้านบาท"}
    groups = pd.DataFrame(
        {
            "group_name_th": ["เศรษฐกิจ", "สังคม"],
            "group_name_en": ["Economy", "Society"],
            **{c: [80.0, 55.5] for c in labels.HEALTH_COLUMNS},
        }
    )
    bars = pd.DataFrame(
        {
            "area_name_th": ["ระยอง", "ชลบุรี"],
            "area_name_en": ["Rayong", "Chon Buri"],
            "composite": [1.8949, 3.29],
            "composite_light": ["red", "amber"],
            "is_scope": [True, False],
        }
    )
    figures = [
        None,
        charts.trend_figure(_trend(), kpi_row, "th", dark),
        charts.groups_figure(groups, "th", dark),
        charts.peers_figure(bars, "th", dark),
    ]
    for fig in figures[1:]:
        assert fig.layout.font.family.startswith("Sarabun")
        assert fig.layout.separators == ".,"
        assert "http" not in fig.to_json()
        # every axis makes room for its tick labels and title: without it plotly.js clips
        # "100" to "0" and a province's name to its last letter (Streamlit's theme is off)
        assert fig.layout.xaxis.automargin is True and fig.layout.yaxis.automargin is True
    assert list(figures[1].data[0].x) == ["2567/12 ด.", "2568/12 ด.", "2569/6 ด."]
    assert figures[1].layout.yaxis.title.text == "ล้านบาท"
    assert len(figures[1].layout.shapes) == 5  # T1..T5
    assert [a.text for a in figures[1].layout.annotations] == [f"ระดับ {i}" for i in range(1, 6)]
    # the groups read across: full group names on the y axis, % ticks with their unit
    assert list(figures[2].data[0].y) == ["เศรษฐกิจ", "สังคม"]
    assert list(figures[2].data[0].text) == ["80.0%", "55.5%"]
    assert figures[2].layout.xaxis.ticksuffix == "%"
    assert list(figures[3].data[0].y) == ["ระยอง", "ชลบุรี"]  # whole names, not characters
    assert list(figures[3].data[0].text) == ["1.8949", "3.2900"]
    english = charts.groups_figure(groups, "en", dark)
    assert list(english.data[0].y) == ["Economy", "Society"]
    assert english.layout.xaxis.title.text == "% of the data due"
    assert list(charts.peers_figure(bars, "en", dark).data[0].y) == ["Rayong", "Chon Buri"]


def test_sparkline_is_an_inline_svg_of_the_scores():
    svg = tiles.sparkline_svg(_trend(), "th")
    assert svg.startswith('<svg class="ck-spark"') and "http" not in svg
    assert svg.count("<circle") == len(_trend())
    assert "2569/6 ด.: " in svg and "FY2569/6m: " in tiles.sparkline_svg(_trend(), "en")
    assert tiles.sparkline_svg(_trend().iloc[0:0]) == ""


# ---------------------------------------------------------------- against the engine (demo store)


def plain_loader(store):
    """The round loader without caches (the app passes its cached one)."""
    return partial(figures.load_round_figures, store)


@pytest.fixture(scope="module")
def rayong_view(demo_store):
    scope = query.parse_scope("21", demo_store.areas())
    return view.cockpit_view(demo_store, scope, 2569, 12, AS_OF, plain_loader(demo_store))


def test_view_shows_the_engines_scores(demo_store, rayong_view):
    engine = kpi.scores(demo_store, "province", 2569, AS_OF, 12)
    rows = engine.loc[engine["area_code"] == "21"].set_index("kpi_code")
    shown = rayong_view.tiles.set_index("kpi_code")
    assert format_score(rayong_view.composite) == format_score(rows["composite"].iloc[0])
    assert shown["score_text"].to_dict() == rows["score"].map(format_score).to_dict()
    assert shown["light"].to_dict() == rows["light"].to_dict()
    assert shown["reliable"].to_dict() == rows["reliable"].to_dict()


def test_view_health_is_the_engines_coverage(demo_store, rayong_view):
    report = cv.coverage(demo_store, "province", 2569, AS_OF).set_index("area_code").loc["21"]
    for column in (*labels.HEALTH_COLUMNS, "milestone_level"):
        assert rayong_view.health[column] == pytest.approx(report[column])
    groups = cv.coverage(demo_store, "province", 2569, AS_OF, by_group=True)
    groups = groups.loc[groups["area_code"] == "21"].set_index("group_code")
    mine = rayong_view.groups.set_index("group_code")
    assert list(mine.index) == ["ECO", "SOC", "ENV", "SEC"]
    for column in labels.HEALTH_COLUMNS:
        assert mine[column].to_dict() == pytest.approx(groups[column].to_dict())


def test_view_peers_rank_and_previous_round(demo_store, rayong_view):
    provinces = kpi.scores(demo_store, "province", 2569, AS_OF, 12)
    comp = provinces.drop_duplicates("area_code").set_index("area_code")["composite"]
    peers = rayong_view.peers.set_index("level")
    assert list(peers.index) == ["province", "cluster", "region", "country"]
    assert peers.loc["province", "rank"] == ranking.rank_of(comp, "21")[0]
    assert peers.loc["province", "ranked"] == 77
    cluster = kpi.scores(demo_store, "cluster", 2569, AS_OF, 12)
    code = peers.loc["cluster", "area_code"]
    assert code == "C17-E1"
    expected = cluster.loc[cluster["area_code"] == code, "composite"].iloc[0]
    assert peers.loc["cluster", "composite"] == expected
    previous = kpi.scores(demo_store, "province", 2569, AS_OF, 9)
    previous = previous.loc[previous["area_code"] == "21"].set_index("kpi_code")["score"]
    shown = rayong_view.tiles.set_index("kpi_code")
    assert shown["previous_score"].to_dict() == previous.to_dict()
    assert set(rayong_view.peer_bars["area_code"]) == {"20", "21", "24"}
    assert rayong_view.peer_bars["is_scope"].sum() == 1


def test_view_weakest_districts_and_overdue(rayong_view):
    weakest = rayong_view.weakest
    assert len(weakest) == view.WEAKEST_N
    assert weakest["area_code"].str.startswith("21").all()
    assert weakest["correct_and_timely_pct"].is_monotonic_increasing
    overdue = rayong_view.overdue
    assert not overdue.empty and (overdue["areas_overdue"] > 0).all()
    assert overdue["owner_name_th"].notna().all()
    assert overdue["responsible_person"].notna().all()
    ex = rayong_view.exceptions("th")
    assert ex["severity"].is_monotonic_decreasing


def test_cluster_scope_uses_its_members(demo_store):
    scope = query.parse_scope("C17-E1", demo_store.areas())
    cluster = view.cockpit_view(demo_store, scope, 2569, 6, AS_OF, plain_loader(demo_store))
    engine = kpi.scores(demo_store, "cluster", 2569, AS_OF, 6)
    expected = engine.loc[engine["area_code"] == "C17-E1", "composite"].iloc[0]
    assert cluster.composite == expected
    assert set(cluster.members["area_code"]) == {"20", "21", "24"}
    assert cluster.weakest["area_code"].isin(["20", "21", "24"]).all()
    assert cluster.peers["level"].tolist() == ["cluster", "country"]


def test_wall_html_holds_one_screen_of_everything(rayong_view):
    q = query.parse_query({"scope": "21", "wall": "1", "cycle": "21,20"}, AREAS, AS_OF)
    html = wall.wall_html(rayong_view, q, wall.first_screen(q), "09:30:00", "th")
    assert html.count('<div class="ck-tile"') == len(rayong_view.tiles) <= wall.TILES_PER_PAGE
    assert html.count('<svg class="ck-spark"') == len(rayong_view.tiles)
    assert "ห้องบัญชาการ: จังหวัด ระยอง" in html and format_score(rayong_view.composite) in html
    assert "21 · 1/2 · ตัวชี้วัด หน้า 1/1 · ปรับปรุงเมื่อ 09:30:00" in html
    shown = rayong_view.exceptions("th")
    assert html.count("<li>") == min(len(shown), wall.WALL_EXCEPTIONS)
    assert f"และอีก {len(shown) - wall.WALL_EXCEPTIONS} เรื่อง" in html
    assert all(g in html for g in rayong_view.groups["group_name_th"])  # the health by group
    assert "http" not in html and "<script" not in html
    english = wall.wall_html(rayong_view, q, wall.WallScreen(1, 0), "09:30:00", "en")
    assert "Cockpit: Province Rayong" in english and "2/2" in english


def test_wall_html_escapes_names_and_url_values(rayong_view):
    q = query.parse_query({"scope": "<img src=x onerror=alert(1)>", "wall": "1"}, AREAS, AS_OF)
    tiles_ = rayong_view.tiles.assign(kpi_name_th="<script>alert(1)</script>")
    bad = replace(rayong_view, tiles=tiles_)  # a new view: nothing drawn from the old one
    html = wall.wall_html(bad, q, wall.first_screen(q), "09:30:00", "th")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "⚠ ไม่พบพื้นที่ &lt;img" in html


def test_a_kept_view_draws_each_thing_once_and_hands_out_copies(rayong_view):
    # one view serves every session: what is drawn from it is made once, frames are copies
    first = rayong_view.exceptions("th")
    assert len(first) > 0
    first.loc[first.index[0], "kind"] = "changed by one page"  # a page changes its own
    again = rayong_view.exceptions("th")
    assert again.equals(view.exceptions(rayong_view.tiles, rayong_view.overdue, "th"))
    assert not again.equals(first)
    calls = []
    made = [rayong_view.made(("test-once",), lambda: calls.append(1) or len(calls)) for _ in "abc"]
    assert made == [1, 1, 1]
    code = rayong_view.tiles["kpi_code"].iloc[0]
    expected = rayong_view.trends[rayong_view.trends["kpi_code"] == code]
    assert len(expected) > 0 and rayong_view.trend_of(code).equals(expected)
    assert rayong_view.trend_of("NO-SUCH-KPI").empty


@pytest.mark.parametrize("code", ["TH", "21"])
def test_earlier_rounds_scored_at_the_scopes_level_alone_give_the_same_view(
    demo_store, rayong_view, code
):
    def every_level(fy, rnd, as_of, cluster, region, full, level=None):
        return figures.load_round_figures(demo_store, fy, rnd, as_of, cluster, region, full)

    scope = query.parse_scope(code, demo_store.areas())
    fast = rayong_view if code == "21" else None
    fast = fast or view.cockpit_view(demo_store, scope, 2569, 12, AS_OF, plain_loader(demo_store))
    slow = view.cockpit_view(demo_store, scope, 2569, 12, AS_OF, every_level)
    assert len(slow.trends) > 0 and slow.tiles["previous_score"].notna().any()
    for name in ("tiles", "trends", "overdue", "groups", "weakest", "peers"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)

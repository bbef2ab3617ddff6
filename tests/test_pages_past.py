"""AppTest of the past on the cockpit, the profile and the map: ?as_of=, the date picker, the
banner, and the cockpit's then and now, on a small store where one value was uploaded twice."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.geo import districts as ds
from lib.store import Store
from tests.test_past import FIRST, SECOND, upload

APP = str(Path(__file__).resolve().parent.parent / "app.py")
BETWEEN = "2569-11-01"  # 1 Nov 2026: after the first upload (20 Oct), before the second (10 Nov)
BANNER_THEN = "ข้อมูล ณ วันที่ 1 พ.ย. 2569 (มุมมองย้อนหลัง)"
BANNER = "(มุมมองย้อนหลัง)"


@pytest.fixture
def batches(small_pto_store_path, tmp_path, monkeypatch):
    """The app's store: Rayong's FIN01 (KPI04) of 2026-09 uploaded as 62 (20 Oct), then 78."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        first = upload(store, 62.0, FIRST, "fin-oct.csv")
        second = upload(store, 78.0, SECOND, "fin-nov.csv")
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    # never read or write the real district layer
    monkeypatch.setattr(ds, "DISTRICTS_PATH", tmp_path / "layers" / "districts.geojson")
    return first, second


def open_page(page: str, user: str | None = "pto21", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def banners(at) -> list[str]:
    return [i.value for i in at.info if BANNER in i.value]


def kpi04_card(at) -> str:
    cards = [m.value for m in at.markdown if m.value.startswith('<div class="ck-tile"')]
    (card,) = [c for c in cards if '<div class="ck-code">KPI04 ' in c]
    return card


def table_with(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def profile_kpi04(at) -> float:
    table = table_with(at, "ตัวชี้วัด")
    return float(table.loc[table.iloc[:, 0] == "KPI04"].iloc[0, 2])


# ---------------------------------------------------------------- the cockpit


def test_the_cockpit_on_a_day_between_two_uploads_shows_the_first_value(batches):
    _, second = batches
    at = open_page("cockpit", scope="21", as_of=BETWEEN)
    assert banners(at) and banners(at)[0].startswith(BANNER_THEN)
    assert '<div class="ck-value">62.00 ' in kpi04_card(at)
    assert at.query_params["asof"] == "2026-11-01"  # the link keeps the day
    assert any("ข้อมูล ณ 1 พ.ย. 2569" in m.value for m in at.markdown)
    # then and now: the KPI's result then and today, and the value that changed, by which batch
    assert "ตอนนั้นกับวันนี้" in [s.value for s in at.subheader]
    side = table_with(at, "ณ 1 พ.ย. 2569")
    assert side.columns[-1] == "วันนี้ (22 พ.ย. 2569)"
    assert side.iloc[0].tolist() == ["ผล", "62.00", "78.00"]
    changes = table_with(at, "ค่า ณ วันนั้น").set_index("งวด")
    why = "ชุดข้อมูลที่เปลี่ยน (ไฟล์)"
    sep = changes.loc["ก.ย. 2569"]
    assert sep[["ค่า ณ วันนั้น", "ค่าวันนี้"]].tolist() == ["62", "78"]
    assert sep[why] == f"{second} นำเข้า (fin-nov.csv)"
    # the demo's October value came in on 10 November: not known then
    assert changes.loc["ต.ค. 2569", "ค่า ณ วันนั้น"] == "(ไม่มีค่า)"
    assert len(changes) == 2


def test_the_past_in_english(batches):
    at = open_page("cockpit", scope="21", as_of=BETWEEN, lang="en")
    assert any(
        i.value.startswith("Data as known on 1 Nov 2026 (a view of the past)") for i in at.info
    )
    side = table_with(at, "On 1 Nov 2026")
    assert side.iloc[0].tolist() == ["Result", "62.00", "78.00"]
    assert "Value then" in table_with(at, "Value now").columns
    assert [b.label for b in at.button if b.key == "past_to_today"] == ["Back to today's figures"]


def test_the_cockpit_today_shows_the_second_value_and_no_banner(batches):
    at = open_page("cockpit", scope="21")
    assert not banners(at)
    assert '<div class="ck-value">78.00 ' in kpi04_card(at)
    assert "ตอนนั้นกับวันนี้" not in [s.value for s in at.subheader]
    assert "asof" not in at.query_params and "as_of" not in at.query_params


def test_the_cockpits_date_picker_opens_that_days_cockpit_with_its_round(batches):
    at = open_page("cockpit", scope="21", fy="2570", round="6")
    at.date_input(key="view_as_of").set_value(date(2026, 11, 1)).run()
    assert not at.exception
    assert dict(at.query_params) == {
        "scope": "21",
        "fy": "2569",
        "round": "12",
        "asof": "2026-11-01",
    }
    assert banners(at) and '<div class="ck-value">62.00 ' in kpi04_card(at)


def test_a_bad_day_on_the_cockpit_is_named_and_today_is_shown(batches):
    at = open_page("cockpit", scope="21", as_of="2569-12-31")
    warnings = [w.value for w in at.warning]
    assert any("เลยวันนี้" in w for w in warnings) and not at.error
    assert not banners(at) and '<div class="ck-value">78.00 ' in kpi04_card(at)


# ---------------------------------------------------------------- the profile


def test_the_profile_as_known_between_the_uploads_and_today(batches):
    at = open_page("profile", code="21", as_of=BETWEEN)
    assert banners(at)[0].startswith(BANNER_THEN)
    assert profile_kpi04(at) == 62.0
    today = open_page("profile", code="21")
    assert not banners(today) and profile_kpi04(today) == 78.0


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2569-13-45", "อ่านไม่ได้"), ("2570-01-01", "เลยวันนี้"), ("1/1/1900", "เก่ากว่า พ.ศ. 2500")],
)
def test_a_bad_as_of_is_named_in_thai_and_the_profile_shows_today(batches, value, reason):
    at = open_page("profile", code="21", as_of=value)
    warnings = [w.value.replace("\\", "") for w in at.warning]  # markdown escapes
    assert any(reason in w and "แสดงข้อมูล ณ วันนี้แทน" in w for w in warnings), warnings
    assert any(w.startswith(f"as_of={value}: วันที่ {value}") for w in warnings)
    assert not banners(at) and profile_kpi04(at) == 78.0


def test_the_date_picker_puts_the_day_in_the_url_and_the_banner_goes_back(batches):
    at = open_page("profile", code="21")
    at.date_input(key="view_as_of").set_value(date(2026, 11, 1)).run()
    assert at.query_params["as_of"] == BETWEEN  # a link that can be shared
    assert banners(at) and profile_kpi04(at) == 62.0
    at.button(key="past_to_today").click().run()
    assert "as_of" not in at.query_params
    assert not banners(at) and profile_kpi04(at) == 78.0
    assert at.date_input(key="view_as_of").value == date(2026, 11, 22)


def test_the_public_has_no_picker_but_a_link_with_a_day_still_works(batches):
    at = open_page("profile", user=None, code="21", as_of=BETWEEN)
    assert banners(at)[0].startswith(BANNER_THEN)
    assert not [d for d in at.date_input if d.key == "view_as_of"]


# ---------------------------------------------------------------- the map


def test_the_map_of_a_past_day_says_so(batches):
    at = open_page("map", user=None, as_of=BETWEEN, fig="kpi:KPI04")
    assert banners(at)[0].startswith(BANNER_THEN)
    assert at.query_params["as_of"] == BETWEEN  # kept by the map's own URL updates
    assert not banners(open_page("map", user=None))

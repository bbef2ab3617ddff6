"""AppTest of the cockpit page: URL state, pickers, language, wall mode, engine's numbers."""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import thaicalendar as tc
from lib.core.markdown import escape_markdown
from lib.engine import coverage as cv
from lib.engine import kpi
from lib.engine.scoring import format_score
from lib.store import Store
from tests.conftest import AS_OF

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/cockpit.py"
COMPOSITE_TH, COMPOSITE_EN = "คะแนนรวมถ่วงน้ำหนัก", "Composite score"


@pytest.fixture
def app(app_store_path, monkeypatch):
    """The app as a signed-in administrator (the cockpit is for signed-in accounts)."""
    monkeypatch.setenv("EIS_DB_PATH", str(app_store_path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "admin1"
    return at


def test_the_public_gets_a_sign_in_form_not_the_cockpit(app_store_path, monkeypatch):
    monkeypatch.setenv("EIS_DB_PATH", str(app_store_path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/cockpit.py")
    at.query_params["scope"] = "21"
    at.run()
    assert "กรุณาเข้าสู่ระบบ" in at.info[0].value
    assert not at.metric


def open_cockpit(at, **params):
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def engine_row(demo_store, level, code, rnd=12, fy=2569):
    scores = kpi.scores(demo_store, level, fy, AS_OF, rnd)
    return scores.loc[scores["area_code"] == code]


def tile_cards(at) -> dict[str, str]:
    """KPI code -> the HTML of its tile."""
    cards = [m.value for m in at.markdown if m.value.startswith('<div class="ck-tile"')]
    return {c.split('<div class="ck-code">')[1].split(" ")[0]: c for c in cards}


def test_province_cockpit_shows_the_engines_numbers(app, demo_store):
    at = open_cockpit(app, scope="21")
    rows = engine_row(demo_store, "province", "21")
    shown = metrics(at)
    assert shown[COMPOSITE_TH] == format_score(rows["composite"].iloc[0])
    cards = tile_cards(at)
    assert sorted(cards) == sorted(rows["kpi_code"])
    for r in rows.itertuples():
        assert f'class="ck-score">{format_score(r.score)}</b>' in cards[r.kpi_code]
        assert f"<b>{format_score(r.weighted_score)}</b>" in cards[r.kpi_code]
    health = cv.coverage(demo_store, "province", 2569, AS_OF).set_index("area_code").loc["21"]
    assert shown["ครบถ้วน"] == tc.format_pct(health["complete_pct"])
    assert shown["ถูกต้อง"] == tc.format_pct(health["correct_pct"])
    assert shown["ทันเหตุการณ์"] == tc.format_pct(health["timely_pct"])
    assert shown["ถูกต้องและทันเหตุการณ์"] == tc.format_pct(health["correct_and_timely_pct"])
    assert shown["ขั้นตอนที่ผ่าน"] == str(health["milestone_level"])
    assert at.title[0].value == "ห้องบัญชาการ: จังหวัด ระยอง"
    # the URL holds the whole view, so a reload or a shared link opens the same one
    assert dict(at.query_params) == {"scope": "21", "fy": "2569", "round": "12"}


def test_exceptions_come_first_with_the_red_kpis(app, demo_store):
    at = open_cockpit(app, scope="21")
    headers = [h.value for h in at.subheader]
    assert headers[0].startswith("ต้องตัดสินใจ")
    red = engine_row(demo_store, "province", "21").query("light == 'red'")
    listed = "\n".join(m.value for m in at.markdown if m.value.startswith("- "))
    for r in red.itertuples():
        assert f"{r.kpi_code} " in listed
    # a red resting on poor data carries the mark; a red on sound data does not
    assert ("⚠ ข้อมูลไม่น่าเชื่อถือ" in listed) is bool((~red["reliable"]).any())
    assert "ข้อมูลค้างส่ง" in listed  # overdue datasets, with the agency


def test_scope_picker_round_and_language_drive_the_page(app, demo_store):
    at = open_cockpit(app)
    assert at.selectbox(key="cockpit_scope").value == "TH"
    country = engine_row(demo_store, "country", "TH")
    assert metrics(at)[COMPOSITE_TH] == format_score(country["composite"].iloc[0])

    at.selectbox(key="cockpit_scope").select("C17-E1").run()
    assert not at.exception
    cluster = engine_row(demo_store, "cluster", "C17-E1")
    assert metrics(at)[COMPOSITE_TH] == format_score(cluster["composite"].iloc[0])
    assert at.query_params["scope"] == "C17-E1"

    at.radio(key="cockpit_round").set_value(6).run()
    assert not at.exception
    cluster6 = engine_row(demo_store, "cluster", "C17-E1", rnd=6)
    assert metrics(at)[COMPOSITE_TH] == format_score(cluster6["composite"].iloc[0])
    assert at.query_params["round"] == "6"

    at.selectbox(key="cockpit_fy").select(2568).run()
    assert not at.exception
    older = engine_row(demo_store, "cluster", "C17-E1", rnd=6, fy=2568)
    assert metrics(at)[COMPOSITE_TH] == format_score(older["composite"].iloc[0])
    assert at.query_params["fy"] == "2568"

    at.toggle(key="lang_toggle").set_value(True).run()
    assert not at.exception
    assert at.query_params["lang"] == "en"
    assert at.title[0].value == "Cockpit: Provincial cluster East 1"
    assert metrics(at)[COMPOSITE_EN] == format_score(older["composite"].iloc[0])
    assert (at.query_params["scope"], at.query_params["round"]) == ("C17-E1", "6")


def test_a_deep_link_opens_the_same_view(app, demo_store):
    at = open_cockpit(app, scope="20", fy="2568", round="9", lang="en")
    assert at.selectbox(key="cockpit_scope").value == "20"
    assert at.selectbox(key="cockpit_fy").value == 2568
    assert at.radio(key="cockpit_round").value == 9
    rows = engine_row(demo_store, "province", "20", rnd=9, fy=2568)
    assert metrics(at)[COMPOSITE_EN] == format_score(rows["composite"].iloc[0])
    at.run()  # a reload keeps it
    assert at.selectbox(key="cockpit_scope").value == "20"
    assert dict(at.query_params) == {
        "scope": "20",
        "fy": "2568",
        "round": "9",
        "lang": "en",
    }


def dialog_titles(node) -> list[str]:
    """Titles of the dialogs (panels over the page) anywhere in an AppTest's tree."""
    titles = []
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if proto is not None and "dialog" in {f.name for f in proto.DESCRIPTOR.fields}:
            if proto.HasField("dialog"):
                titles.append(proto.dialog.title)
        titles += dialog_titles(child)
    return titles


def test_a_tile_opens_the_kpi_detail_where_the_user_is(app, demo_store):
    at = open_cockpit(app, scope="21")
    assert dialog_titles(at._tree) == []
    at.button(key="open_KPI04").click().run()
    assert not at.exception
    assert at.query_params["kpi"] == "KPI04"
    # the detail opens as a panel over the tiles, not at the top of the page
    [title] = dialog_titles(at._tree)
    assert title.startswith("KPI04 ")
    members = next(d.value for d in at.dataframe if "ข้อมูลน่าเชื่อถือ" in d.value.columns)
    peers = engine_row(demo_store, "province", "21")  # Rayong's cluster: 20, 21, 24
    assert len(members) == 3 and "ระยอง" in set(members["พื้นที่"])
    assert peers.query("kpi_code == 'KPI04'")["score"].map(format_score).iloc[0] in set(
        members["คะแนน"]
    )
    at.button(key="close_detail").click().run()
    assert "kpi" not in at.query_params
    assert dialog_titles(at._tree) == []


def red_items_listed(at, demo_store, code="21") -> bool:
    red = engine_row(demo_store, "province", code).query("light == 'red'")
    listed = "\n".join(m.value for m in at.markdown if m.value.startswith("- "))
    return all(f"{kpi_code} " in listed for kpi_code in red["kpi_code"])


@pytest.fixture
def officer_app(app_store_path, monkeypatch):
    """The app as the signed-in staff account of Rayong's provincial treasury (pto21)."""
    monkeypatch.setenv("EIS_DB_PATH", str(app_store_path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "pto21"
    return at


def test_province_red_items_two_clicks_from_the_start_page(officer_app, demo_store):
    at = officer_app.run()  # the start page (home) offers any area's cockpit in its sidebar
    assert not at.exception
    jump = at.sidebar.selectbox(key="cockpit_jump")
    assert jump.value is None and jump.options[0] == "จังหวัด กระบี่ (81)"  # provinces first
    # Click 1 opens the list, click 2 picks Rayong. (AppTest does not rerun a script that
    # finished on its default page, so the pick is replayed as the widget's state.)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "pto21"
    at.session_state["cockpit_jump"] = "21"
    at.run()
    assert not at.exception
    assert at.title[0].value == "ห้องบัญชาการ: จังหวัด ระยอง"
    assert at.query_params["scope"] == "21"
    assert at.subheader[0].value.startswith("ต้องตัดสินใจ")  # the exceptions come first
    assert red_items_listed(at, demo_store)


def test_officer_lands_on_their_province_in_one_click(officer_app, demo_store):
    officer_app.switch_page(PAGE)  # click 1: the menu's cockpit link (no scope in the URL)
    at = officer_app.run()
    assert not at.exception
    assert at.title[0].value == "ห้องบัญชาการ: จังหวัด ระยอง"
    assert at.query_params["scope"] == "21"
    assert at.subheader[0].value.startswith("ต้องตัดสินใจ")
    assert red_items_listed(at, demo_store)


def wall_html(at) -> str:
    """The wall's one HTML block."""
    [block] = [m.value for m in at.markdown if m.value.startswith('<div class="ck-wall"')]
    return block


def test_wall_mode_hides_the_menu_and_cycles(app):
    at = open_cockpit(app, wall="1", refresh="5", cycle="21,20")
    assert len(at.sidebar.selectbox) == 0 and len(at.toggle) == 0
    css = at.markdown[0].value
    assert '[data-testid="stSidebar"]' in css and "display:none" in css and "#0b0f17" in css
    assert "http" not in css
    wall = wall_html(at)
    assert "<h1>ห้องบัญชาการ: จังหวัด ระยอง</h1>" in wall
    assert "21 · 1/2 · ตัวชี้วัด หน้า 1/1" in wall
    assert not [b for b in at.button if b.key and b.key.startswith("open_")]
    at.run()  # the next refresh shows the next scope of the cycle
    assert "<h1>ห้องบัญชาการ: จังหวัด ชลบุรี</h1>" in wall_html(at)
    assert "20 · 2/2 · ตัวชี้วัด หน้า 1/1" in wall_html(at)


def test_bad_url_values_are_named_and_ignored(app):
    at = open_cockpit(app, scope="XX", round="7")
    warnings = [w.value for w in at.warning]
    assert escape_markdown("ไม่พบพื้นที่ XX: แสดงประเทศไทย") in warnings
    assert any("รอบ 7" in w for w in warnings)
    assert at.title[0].value == "ห้องบัญชาการ: ประเทศไทย"
    assert at.query_params["scope"] == "TH"


HOSTILE = {
    "fy": "99999999999999999999",
    "asof": "9999-12-31",
    "round": "7",
    "scope": "![x](http://e.x/a.png)",
    "kpi": "K" * 100,
    "refresh": "soon",
}


@pytest.mark.parametrize("wall", [False, True])
def test_hostile_url_values_give_reasons_and_a_usable_page(app, wall):
    """Issue 17: no traceback; one line per refused value; the defaults are shown."""
    at = open_cockpit(app, **HOSTILE, **({"wall": "1"} if wall else {}))
    assert not at.exception and not at.error
    if wall:  # the wall names them in its header
        text = wall_html(at)
        assert text.count('class="ck-problem"') == 6
        assert "ห้องบัญชาการ: ประเทศไทย" in text and "http://e.x" in text  # as text only
        assert "<img" not in text
        return
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 6 and all("\n" not in w for w in warnings)
    assert any("ปีงบประมาณ 99999999999999999999 ใช้ไม่ได้" in w for w in warnings)
    assert any(escape_markdown("asof=9999-12-31") in w for w in warnings)
    assert any(escape_markdown("![x](http://e.x/a.png)") in w for w in warnings)  # no image
    assert at.title[0].value == "ห้องบัญชาการ: ประเทศไทย"
    assert dict(at.query_params) == {"scope": "TH", "fy": "2569", "round": "12"}
    at.selectbox(key="cockpit_scope").select("21").run()  # and the page is still usable
    assert not at.exception and at.title[0].value == "ห้องบัญชาการ: จังหวัด ระยอง"


def test_as_of_is_read_under_either_name(app):
    at = open_cockpit(app, scope="21", as_of="2026-05-01")
    assert not at.warning
    assert dict(at.query_params) == {
        "scope": "21",
        "fy": "2569",
        "round": "6",
        "asof": "2026-05-01",
    }


# ---------------------------------------------------------------- the app gets earlier rounds


def commit_kpi08_jump(path) -> tuple[float, float]:
    """Rayong's unemployment (LAB01, KPI08) jumps to 3.0 % in 2026-Q3; (score r9, score r12).

    Round 9 of FY 2569 (October to June) scores KPI08 at 5. The fourth-quarter value,
    entered on 1 October 2026 (before the as-of day), lifts the round-12 mean to
    1.295 %: a lower score that is not red, so KPI08 is a *falling* KPI.
    """
    cells = pd.DataFrame(
        [
            {
                "item_code": "LAB01",
                "area_code": "21",
                "period": "2026-Q3",
                "period_end": date(2026, 9, 30),
                "value": 3.0,
                "note": None,
            }
        ]
    )
    batch = {
        "kind": "upload",
        "username": "admin1",
        "agency_code": "PLO",
        "file_name": "lab01.csv",
        "checksum": "falling-kpi08",
        "created_at": datetime(2026, 10, 1, 9, 0),
    }
    with Store(path) as store:
        assert store.commit_cells(cells, batch, {"username": "admin1", "action": "upload"})
        before, after = (
            engine_row(store, "province", "21", rnd=rnd).set_index("kpi_code").loc["KPI08"]
            for rnd in (9, 12)
        )
    assert before["score"] == 5.0 and after["score"] < 4.0 and after["light"] != "red"
    return before["score"], after["score"]


@pytest.fixture
def store_copy(app_store_path, tmp_path):
    """A private copy of the app store (a test may write to it)."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(app_store_path, path)
    return path


def test_an_upload_elsewhere_shows_as_a_falling_kpi_on_the_next_run(store_copy, monkeypatch):
    """The app's cockpit gets earlier rounds (change line, falling exception) and a commit
    by another user shows on the next run, although no cache is cleared."""
    monkeypatch.setenv("EIS_DB_PATH", str(store_copy))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "admin1"
    at = open_cockpit(at, scope="21", fy="2569", round="12")
    assert 'class="ck-score">5.0000</b>' in tile_cards(at)["KPI08"]
    before, after = commit_kpi08_jump(store_copy)  # another user's upload, no cache clear
    at.run()
    assert not at.exception
    card = tile_cards(at)["KPI08"]
    assert f'class="ck-score">{format_score(after)}</b>' in card
    assert f"เทียบรอบก่อน ▼ {format_score(before - after)}" in card
    listed = [m.value for m in at.markdown if m.value.startswith("- ")]
    falling = [line for line in "\n".join(listed).splitlines() if "KPI08" in line]
    assert len(falling) == 1 and "**ตัวชี้วัดลดลงจากรอบก่อน** · KPI08" in falling[0]
    assert f"ลดลงจาก {format_score(before)}" in falling[0]


def test_while_the_server_recomputes_after_an_upload_the_cockpit_shows_the_last_figures_so(
    store_copy, monkeypatch
):
    """With the server's keeper running, a visit during the recomputation after a commit gets
    the view before it at once, with a note and a button; the button shows the new one."""
    from lib.ui import core as ui_core
    from lib.views import fresh
    from lib.views.cockpit import kept

    monkeypatch.setenv("EIS_DB_PATH", str(store_copy))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "admin1"
    at = open_cockpit(at, scope="21", fy="2569", round="12")
    assert 'class="ck-score">5.0000</b>' in tile_cards(at)["KPI08"]
    keeper = fresh.keeper(ui_core.store())  # the app's store: one per process
    keeper.start(poll=3600)  # as the server does (its own refresh never comes in this test)
    release, assemble = threading.Event(), kept._assemble

    def slow_assemble(*args):
        release.wait(60)  # bounded: the page must not wait for this
        return assemble(*args)

    monkeypatch.setattr(kept, "_assemble", slow_assemble)
    try:
        before, after = commit_kpi08_jump(store_copy)
        at.run()
        assert not at.exception
        assert 'class="ck-score">5.0000</b>' in tile_cards(at)["KPI08"]
        assert "ตัวเลขที่เห็นเป็นของก่อนการบันทึกครั้งล่าสุด" in at.info[0].value
        release.set()
        keeper.served(60)
        at.button(key="fresh_figures_reload").click().run()
        assert not at.exception
        assert f'class="ck-score">{format_score(after)}</b>' in tile_cards(at)["KPI08"]
        assert not [i for i in at.info if "ก่อนการบันทึก" in i.value]
    finally:
        release.set()
        keeper.stop()

"""AppTest of the empty product (init --no-demo): every page says what to do next.

Reference geography, the four data groups with their aspects and the agencies,
but no items, no KPIs and no values: no page may fail or draw an empty chart.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.services.bootstrap import init_store
from lib.store import Store
from tests.conftest import add_app_users

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HOW = "python -m lib config import"


@pytest.fixture(scope="module")
def empty_product_path(tmp_path_factory):
    """A store as `init --no-demo` leaves it, with one account per role (never written)."""
    path = tmp_path_factory.mktemp("empty-product") / "base.duckdb"
    with Store(path) as store:
        init_store(store, with_demo=False, catalogue="starter")
        add_app_users(store)
    return path


@pytest.fixture
def store_path(empty_product_path, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(empty_product_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def app(user: str | None, page: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def notices(at) -> list[str]:
    return [n.value for n in at.info]


def test_the_empty_product_has_groups_and_aspects_but_no_items_kpis_or_values(store_path):
    with Store(store_path) as store:
        info = store.info()
    assert (info["data_groups"], info["items"], info["kpis"], info["observations"]) == (4, 0, 0, 0)
    assert info["aspects"] > 0 and info["agencies"] > 0


@pytest.mark.parametrize(
    ("page", "params", "says"),
    [
        ("home", {}, "ยังไม่มีรายการข้อมูล: ผู้ดูแลระบบ"),
        ("cockpit", {}, "ยังไม่มีตัวชี้วัด: ผู้ดูแลระบบ"),
        ("cockpit", {"scope": "21", "wall": "1"}, "ยังไม่มีตัวชี้วัด"),
        ("map", {}, "ยังไม่มีรายการข้อมูล: ผู้ดูแลระบบ"),
        ("profile", {"code": "21"}, "ยังไม่มีรายการข้อมูล: ผู้ดูแลระบบ"),
        ("upload", {}, "ยังไม่มีรายการข้อมูลให้นำเข้า: ขอให้ผู้ดูแลระบบ"),
        ("verify", {}, "ยังไม่มีรายการข้อมูล จึงยังไม่มีค่าให้ตรวจสอบ"),
        ("admin", {}, "เริ่มที่แท็บการตั้งค่า"),
    ],
)
def test_every_page_says_what_to_do_next(store_path, page, params, says):
    at = app("admin1", page, **params)
    assert not at.exception
    assert any(says in n for n in notices(at)), notices(at)
    assert not at.get("plotly_chart")  # no empty chart in place of the advice
    assert not at.get("deckgl_json_chart") and not at.get("iframe")


@pytest.mark.parametrize("page", ["home", "map", "profile"])
def test_the_public_pages_say_it_to_a_visitor_too(store_path, page):
    at = app(None, page)
    assert not at.exception
    assert any(HOW in n for n in notices(at))


def test_the_notice_follows_the_language_switch(store_path):
    at = app("gov21", "cockpit", lang="en")
    assert not at.exception
    assert any(n.startswith("No KPIs yet: an administrator") for n in notices(at))
    assert any(HOW in n for n in notices(at))


def test_the_admin_page_still_offers_accounts_and_the_configuration_workbook(store_path):
    at = app("admin1", "admin")
    assert not at.exception
    assert "admin1" in at.dataframe[0].value["ผู้ใช้"].tolist()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "ดาวน์โหลดแบบฟอร์มการตั้งค่า (.xlsx)" in labels
    assert at.get("file_uploader")


def test_opening_the_app_does_not_fill_the_empty_product_with_the_demo(store_path):
    app("admin1", "home")
    with Store(store_path) as store:
        info = store.info()
    assert (info["items"], info["kpis"], info["observations"]) == (0, 0, 0)

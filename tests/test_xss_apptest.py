"""Names are shown as text (a script or Markdown in a name), formula cells neutralised (AppTest)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store
from tests.conftest import PASSWORD
from tests.xss import KPI, PAYLOAD, PROVINCE, plant

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_names_with_markup_are_escaped_in_the_cockpit(app_store_path, tmp_path, monkeypatch):
    path = tmp_path / "xss.duckdb"
    shutil.copyfile(app_store_path, path)
    with Store(path) as store:
        plant(store)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["auth_user"] = "admin1"
    at.switch_page("pages/cockpit.py")
    at.query_params["scope"] = PROVINCE
    at.run()
    assert not at.exception
    html_blocks = [m.value for m in at.markdown if m.proto.allow_html]
    tile = next(b for b in html_blocks if KPI in b)
    assert html.escape(PAYLOAD) in tile  # the KPI name, escaped
    assert all(PAYLOAD not in b for b in html_blocks)  # never as live markup
    assert PAYLOAD in at.title[0].value  # the area name, as plain text in the title


# -- issue 17: names render as text, downloads neutralise formulas -------------------
IMAGE_NAME = "![x](http://127.0.0.1:9/track.png) [y](http://127.0.0.1:9/)"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/","y")'


def _unescaped(markdown: str) -> str:
    """Markdown source as CommonMark shows it: a backslash before punctuation is dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.fixture
def store_path(app_store_path, tmp_path, monkeypatch):
    path = tmp_path / "names.duckdb"
    shutil.copyfile(app_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def test_a_display_name_with_markdown_shows_literally(store_path):
    from lib.services import auth

    with Store(store_path) as store:
        auth.add_user(
            store,
            "marked",
            "staff",
            PASSWORD,
            actor=auth.cli_operator(),
            origin="test",
            agency_code="PTO",
            area_code="21",
            display_name=IMAGE_NAME,
        )
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = "marked"
    at.switch_page("pages/account.py").run()
    assert not at.exception
    shown = [m.value for m in [*at.markdown, *at.caption] if "track" in m.value]
    at.switch_page("app.py").run()  # the menu's caption names the account too
    shown += [c.value for c in at.sidebar.caption if "track" in c.value]
    assert len(shown) == 2, "the display name is not shown on the account page and the menu"
    for source in shown:
        assert "](" not in source and "![" not in source  # no image, no link: escaped
        assert IMAGE_NAME in _unescaped(source)  # ... and read exactly as typed


def test_the_verify_table_and_account_list_neutralise_formulas(store_path):
    from lib.services import auth, upload

    quoted = FORMULA.replace('"', '""')
    text = f'item,area,period,value,note\nFIN01,Rayong,2026-08,64,"{quoted}"\n'
    with Store(store_path) as store:
        preview = upload.preview_upload(store, text.encode(), "=cmd.csv")
        batch = upload.commit_as(store, auth.load_user(store, "pto21"), preview)
        auth.add_user(
            store,
            "formula",
            "staff",
            PASSWORD,
            actor=auth.cli_operator(),
            origin="test",
            agency_code="PTO",
            display_name="=cmd|' /C calc'!A0",
        )
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = "pto21v"
    at.switch_page("pages/verify.py").run()
    at.selectbox(key="verify_batch").set_value(batch).run()  # the batch's cells, with notes
    assert not at.exception
    # the table's own CSV download exports these cells: a spreadsheet reads them as text
    assert at.dataframe[-1].value["หมายเหตุ"].tolist() == ["'" + FORMULA]
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = "admin1"
    at.switch_page("pages/admin.py").run()
    users = at.dataframe[0].value.set_index("ผู้ใช้")
    assert users.loc["formula", "ชื่อที่แสดง"] == "'=cmd|' /C calc'!A0"

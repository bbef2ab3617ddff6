"""A script in an area or KPI name is shown as text in the page output (AppTest)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.store import Store
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

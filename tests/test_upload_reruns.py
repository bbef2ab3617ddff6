"""AppTest of the Upload page when the browser's reruns overlap: files put in the box in a row.

A browser replaces the file in a single-file box in two reruns: one without a
file (the page forgets the file's mapping) and one with the new file. When
the server is busy, the second request leaves the browser before it has
dropped the first file's role pickers, so it still carries their values; the
server no longer knows them and calls their callbacks (found by bench/load.py
as `KeyError: 'upload_mapping'` in lib.ui.mapping on the agency's file). The
tests send those late values on purpose: a stale picker changes nothing, and
the new file is read as if it came alone.
"""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates

from tests.test_pages_upload import page, pickers, store_path  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("store_path")  # the app on a private copy of the store

COMMIT = "3. บันทึกข้อมูล"
UNKNOWN_HEADER = "จังหวัด,งวด,ยอดเบิกจ่ายสะสม,ผู้กรอก\n"


def one_value(value: float) -> bytes:
    """A one-value long CSV of Rayong's FIN01 (every column recognised), as bench/load.py sends."""
    return f"item,area,period,value\nFIN01,21,2026-10,{value:.2f}\n".encode()


def unknown(value: float) -> bytes:
    """A file whose fourth column nobody recognises (its picker starts empty)."""
    return (UNKNOWN_HEADER + f"ระยอง,ส.ค. 2569,{value},สมชาย\n").encode("utf-8-sig")


def picker_states(at) -> list:
    """The widget states the browser holds for the role pickers now on the page."""
    return [s._widget_state for s in pickers(at).values()]


def replace_file(at, name: str, data: bytes, late: list) -> None:
    """The browser's two reruns for a new file; the second still carries `late` picker values."""
    at.file_uploader[0].clear().run()  # the old file leaves the box: its mapping is forgotten
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader[0].upload(name, data, "text/csv")
    states = WidgetStates()
    states.widgets.extend([*at._tree.get_widget_states().widgets, *late])
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]


def test_three_files_in_a_row_with_the_first_files_pickers_still_in_the_browser():
    at = page()
    at.file_uploader[0].upload("load-1.csv", one_value(74.48), "text/csv").run()
    for k in (2, 3):
        replace_file(at, f"load-{k}.csv", one_value(74.47 + 0.01 * k), picker_states(at))
        assert [p.value for p in pickers(at).values()] == ["item", "area", "period", "value"]
        assert not next(b for b in at.button if b.label == COMMIT).disabled


def test_a_stale_picker_does_not_change_the_roles_of_the_next_file():
    at = page()
    at.file_uploader[0].upload("first.csv", unknown(64.5), "text/csv").run()
    read = {label: p.value for label, p in pickers(at).items()}
    assert read["D. ผู้กรอก"] is None  # the question
    pickers(at)["D. ผู้กรอก"].set_value("ignore")  # chosen in the browser, not yet sent
    late = picker_states(at)
    replace_file(at, "second.csv", unknown(65.5), late)
    assert {label: p.value for label, p in pickers(at).items()} == read  # still the question

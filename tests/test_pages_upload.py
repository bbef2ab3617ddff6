"""AppTest of the Upload page: mapping an unknown file, saved layouts, jumps, sheets, templates.

A file whose headers the reader does not know is a question (a role picker per
column), not a failure; the roles chosen re-read the file; a saved layout reads
the next such file by itself; a jump is committed only once confirmed; every
table is Thai.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store
from tests.fixtures_ingest import xlsx_bytes

APP = str(Path(__file__).resolve().parent.parent / "app.py")
COMMIT = "3. บันทึกข้อมูล"
QUESTION = "คอลัมน์นี้คืออะไร?"
# Rayong's disbursement as an agency keeps it: a value column and a column nobody asked for.
UNKNOWN = (
    "จังหวัด,งวด,ยอดเบิกจ่ายสะสม,ผู้กรอก\nระยอง,ส.ค. 2569,64.5,สมชาย\nระยอง,ก.ค. 2569,63.25,สมชาย\n"
).encode("utf-8-sig")
RAW = {"True", "False", "submitted", "new", "changed", "error", "warning", "2026-08", "2026-11"}


@pytest.fixture
def store_path(small_pto_store_path, tmp_path, monkeypatch):
    """A private copy of the small store with Rayong's staff and verifier, used by the app."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    return path


def page(user: str = "pto21") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["auth_user"] = user
    at.switch_page("pages/upload.py")
    return at.run()


def send(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader[0].upload(name, data, mime).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pickers(at) -> dict[str, object]:
    """The mapping step's role pickers by their label ('A. header')."""
    found = {s.label: s for s in at.selectbox if s.key and "_role_" in s.key}
    return dict(sorted(found.items()))


def button(at, start: str):
    return next(b for b in at.button if b.label.startswith(start))


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def cells(at) -> set[str]:
    """Every header and cell text of every table on the page."""
    seen = set()
    for frame in (d.value for d in at.dataframe):
        seen |= {str(c) for c in frame.columns} | set(frame.astype(str).to_numpy().ravel())
    return seen


def test_unknown_headers_are_a_question_with_a_role_picker_per_column(store_path):
    at = send(page(), "rayong.csv", UNKNOWN)
    shown = pickers(at)
    assert list(shown) == ["A. จังหวัด", "B. งวด", "C. ยอดเบิกจ่ายสะสม", "D. ผู้กรอก"]
    assert shown["D. ผู้กรอก"].value is None  # unknown: the question, not an error
    assert shown["D. ผู้กรอก"].placeholder == QUESTION
    assert any(QUESTION in i.value and "ผู้กรอก" in i.value for i in at.info)
    options = shown["C. ยอดเบิกจ่ายสะสม"].options
    assert any(o.startswith("ค่าของรายการ FIN01 ") for o in options)  # the agency's items
    assert {"พื้นที่ (รหัสหรือชื่อ)", "ชื่อพื้นที่", "งวด", "ไม่ใช้"} <= set(options)
    first_rows = at.dataframe[0].value  # as a spreadsheet shows it: A, B, ..., header first
    assert first_rows["D"].tolist() == ["ผู้กรอก", "สมชาย", "สมชาย"]
    assert button(at, COMMIT).disabled


def test_recognised_columns_are_pre_filled_and_an_extra_one_asked_about(store_path):
    extra = "รหัสรายการ,พื้นที่,งวด,ค่า,ผู้กรอก\nFIN01,ระยอง,ส.ค. 2569,64.5,สมชาย\n"
    at = send(page(), "extra.csv", extra.encode("utf-8-sig"))
    shown = pickers(at)
    assert [shown[k].value for k in ("A. รหัสรายการ", "C. งวด", "D. ค่า")] == [
        "item",
        "period",
        "value",
    ]
    assert shown["E. ผู้กรอก"].value is None


def map_unknown(at) -> AppTest:
    """Give the unknown file's columns their roles, as a user would."""
    pickers(at)["A. จังหวัด"].set_value("area").run()
    pickers(at)["B. งวด"].set_value("period").run()
    pickers(at)["C. ยอดเบิกจ่ายสะสม"].set_value("item:FIN01").run()
    pickers(at)["D. ผู้กรอก"].set_value("ignore").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_choosing_roles_reads_the_values(store_path):
    at = map_unknown(send(page(), "rayong.csv", UNKNOWN))
    counts = metrics(at)
    assert int(counts["ค่าใหม่"]) + int(counts["เปลี่ยนแปลง"]) + int(counts["เท่าเดิม"]) == 2
    assert counts["แถวที่มีปัญหา"] == "0"
    assert {"ส.ค. 2569", "ก.ค. 2569"} <= cells(at)
    assert not RAW & cells(at)


def test_a_saved_layout_is_listed_and_reads_the_next_file_by_itself(store_path):
    at = map_unknown(send(page(), "rayong.csv", UNKNOWN))
    next(w for w in at.text_input if w.label == "ชื่อรูปแบบไฟล์").input("เบิกจ่ายรายเดือน")
    button(at, "บันทึกรูปแบบไฟล์นี้").click().run()
    assert not at.exception
    assert "บันทึกรูปแบบ เบิกจ่ายรายเดือน แล้ว" in [s.value for s in at.success]
    listed = next(d.value for d in at.dataframe if "คอลัมน์และบทบาท" in d.value.columns)
    assert listed["ชื่อ"].tolist() == ["เบิกจ่ายรายเดือน"]

    at = send(page(), "rayong-sep.csv", UNKNOWN)  # a new session, the same shape of file
    assert any(i.value == "อ่านตามรูปแบบที่บันทึกไว้: เบิกจ่ายรายเดือน" for i in at.info)
    assert metrics(at)["แถวที่มีปัญหา"] == "0"
    button(at, "อ่านโดยไม่ใช้รูปแบบนี้").click().run()
    assert not at.exception
    assert not any("อ่านตามรูปแบบที่บันทึกไว้" in i.value for i in at.info)
    assert pickers(at)["D. ผู้กรอก"].value is None  # read as it comes: a question again


def test_a_saved_layout_can_be_chosen_by_name_over_the_one_matched(store_path):
    from lib.ingest.layout import Layout
    from lib.services import auth, layouts

    roles = {"จังหวัด": "area", "งวด": "period", "ผู้กรอก": "ignore"}
    with Store(store_path) as store:
        staff = auth.load_user(store, "pto21")
        layouts.save(store, staff, "เบิกจ่าย", Layout({**roles, "ยอดเบิกจ่ายสะสม": "item:FIN01"}))
        layouts.save(store, staff, "ไม่ใช้ยอด", Layout({**roles, "ยอดเบิกจ่ายสะสม": "ignore"}))
    at = send(page(), "rayong.csv", UNKNOWN)  # both match; the newest is tried first
    assert any(i.value == "อ่านตามรูปแบบที่บันทึกไว้: ไม่ใช้ยอด" for i in at.info)
    forced = next(s for s in at.selectbox if s.key and s.key.endswith("_forced"))
    forced.set_value("เบิกจ่าย").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(i.value == "อ่านตามรูปแบบที่บันทึกไว้: เบิกจ่าย" for i in at.info)
    counts = metrics(at)
    assert int(counts["ค่าใหม่"]) + int(counts["เปลี่ยนแปลง"]) + int(counts["เท่าเดิม"]) == 2


def test_a_saved_layout_is_renamed_and_deleted_on_the_page(store_path):
    from lib.ingest.layout import Layout
    from lib.services import auth, layouts

    with Store(store_path) as store:
        staff = auth.load_user(store, "pto21")
        layouts.save(store, staff, "เดิม", Layout({"ยอดเบิกจ่ายสะสม": "item:FIN01"}))
    at = page()
    next(w for w in at.text_input if w.key == "layout_new_name").input("ใหม่")
    at.button(key="layout_rename").click().run()
    assert not at.exception and "เปลี่ยนชื่อ เดิม เป็น ใหม่ แล้ว" in [s.value for s in at.success]
    listed = next(d.value for d in at.dataframe if "คอลัมน์และบทบาท" in d.value.columns)
    assert listed["ชื่อ"].tolist() == ["ใหม่"]
    at.button(key="layout_delete").click().run()
    assert not at.exception and "ลบรูปแบบ ใหม่ แล้ว" in [s.value for s in at.success]
    with Store(store_path) as store:
        assert layouts.listed(store, staff).empty


JUMP = b"item,area,period,value\nFIN01,Rayong,2026-10,5\n"


def test_a_jump_needs_its_confirmation_before_the_commit(store_path):
    at = send(page(), "jump.csv", JUMP)
    assert metrics(at)["ค่ากระโดดผิดปกติ"] == "1"
    jumps = next(d.value for d in at.dataframe if "ค่าเดิม" in d.value.columns)
    assert list(jumps.columns) == ["รหัสรายการ", "รายการข้อมูล", "รหัสพื้นที่", "พื้นที่", "งวด", "ค่าเดิม", "ค่า"]
    assert jumps["งวด"].tolist() == ["ต.ค. 2569"] and jumps["พื้นที่"].tolist() == ["ระยอง"]
    assert at.dataframe[0].value is not None and not RAW & cells(at)
    assert button(at, COMMIT).disabled
    at.checkbox(key="confirm_jumps").check().run()
    assert not button(at, COMMIT).disabled
    button(at, COMMIT).click().run()
    assert not at.exception and at.success[0].value.startswith("บันทึกแล้ว ชุดที่")
    with Store(store_path) as store:
        value = store.export_values("FIN01", "21").set_index("period")["value"]["2026-10"]
    assert value == 5


def test_a_workbook_of_several_sheets_offers_a_sheet_picker_and_a_period_rule(store_path):
    header = ["รหัสรายการ", "พื้นที่", "งวด", "ค่า"]
    data = xlsx_bytes(
        [header, ["FIN01", "ระยอง", "ก.ค. 2569", 63]],
        sheet="กรกฎาคม",
        extra_sheets=[("สิงหาคม", [header, ["FIN01", "ระยอง", "ส.ค. 2569", 64]])],
    )
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at = send(page(), "two.xlsx", data, xlsx)
    sheets = next(m for m in at.multiselect if m.label == "ชีตที่อ่าน")
    assert sheets.options == ["สิงหาคม", "กรกฎาคม"]
    rule = next(s for s in at.selectbox if s.label == "งวดของข้อมูลอ่านจาก")
    assert "ชื่อชีต (เช่น 58, ม.ค. 2567)" in rule.options
    next(c for c in at.checkbox if c.label == "อ่านทุกชีต").check().run()
    assert not at.exception
    counts = metrics(at)
    assert int(counts["ค่าใหม่"]) + int(counts["เปลี่ยนแปลง"]) + int(counts["เท่าเดิม"]) == 2


def test_templates_for_several_items_and_a_period_range(store_path):
    at = page()
    assert not at.exception
    chooser = at.multiselect(key="template_items")
    assert any(o.startswith("FIN01 ") for o in chooser.options)  # the agency's items
    chooser.set_value(["FIN01"]).run()
    at.text_input(key="template_from").input("ต.ค. 2567").run()
    at.text_input(key="template_to").input("ก.ย. 2568").run()
    assert not at.exception and at.get("download_button")
    rows = next(c.value for c in at.caption if c.value.endswith("แถว"))
    assert rows == "12 แถว"  # one province, twelve months back-filled
    at.text_input(key="template_from").input("เดือนที่สิบสาม").run()
    assert not at.exception and at.error  # a period it cannot read: a message

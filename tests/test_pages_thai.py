"""Thai first on every page: headers and cells are words, periods Buddhist-era, empty cells blank.

A walk opens every page of lib.core.pages as a role that may use it, on the
demo data with batches (committed, verified, undone) and a previewed upload,
and reads every table the page draws.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import labels
from lib.core.pages import PAGES
from lib.ingest.result import PROBLEM_CODES
from lib.store import Store
from lib.views.tables import display_table, period_text, problems_table

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CODE_LIKE = re.compile(r"[a-z]+_[a-z]+")
THAI = re.compile(r"[\u0e00-\u0e7f]")
# Codes that must never reach a cell: problem, status, batch kind and severity codes.
RAW_CODES = (
    set(PROBLEM_CODES)
    | set(labels.STATUS_LABELS)
    | set(labels.BATCH_KIND_LABELS)
    | set(labels.SEVERITY_LABELS)
)
# Who walks each page (a role that may use it); query parameters that make it draw its tables.
WALKERS = {
    "home": (None, {}),
    "cockpit": ("gov21", {"scope": "21"}),
    "map": (None, {}),
    "profile": ("gov21", {"code": "21"}),
    "explore": ("pto21", {"item": "FIN01", "area": "21", "period": "2026-05"}),
    "reports": ("gov21", {}),
    "upload": ("pto21", {}),
    "verify": ("pto21v", {}),
    "admin": ("admin1", {}),
    "account": ("pto21", {}),
}
# A file with a note, a value that is not a number and an unknown area: every table of a preview.
MIXED = (
    "รหัสรายการ,พื้นที่,งวด,ค่า,หมายเหตุ\n"
    "FIN01,จ.ระยอง,ต.ค. 2569,12.5,ตัวเลขเบื้องต้น\n"
    "FIN01,Rayong,2026-08,64.0,\n"
    "FIN01,Rayong,2026-07,abc,\n"
    "FIN01,Rayongg,2026-06,5,\n"
).encode("utf-8-sig")


# -- the rule, on frames built in code --------------------------------------------------
def test_every_column_header_and_code_word_is_a_word_in_both_languages():
    for key, label in labels.COLUMN_LABELS.items():
        assert THAI.search(label.th), key
        assert label.en and not CODE_LIKE.search(label.en) and not THAI.search(label.en), key
    for column, words in labels.CELL_LABELS.items():
        for code, word in words.items():
            assert THAI.search(word.th) and not CODE_LIKE.search(word.en), (column, code)


def test_a_batch_table_reads_in_thai_and_in_english():
    batches = pd.DataFrame(
        {
            "batch_id": [9, 8],
            "kind": ["undo", "upload"],
            "file_name": [None, "fin.csv"],
            "created_at": pd.to_datetime(["2026-11-22 09:05:07", "2026-11-21 16:00:00"]),
            "n_changed": [3, 0],
            "status": ["committed", "undone"],
        }
    )
    cols = ["batch_id", "kind", "file_name", "created_at", "n_changed", "status"]
    th = display_table(batches, cols, "th")
    assert list(th.columns) == ["ชุดที่", "ประเภท", "ชื่อไฟล์", "สร้างเมื่อ", "เปลี่ยนแปลง", "สถานะ"]
    assert th["สถานะ"].tolist() == ["บันทึกแล้ว", "ยกเลิกแล้ว"]
    assert th["ประเภท"].tolist() == ["ยกเลิกชุด", "นำเข้า"]
    assert th["สร้างเมื่อ"].tolist() == ["22 พ.ย. 2569 09:05:07", "21 พ.ย. 2569 16:00:00"]
    assert pd.isna(th["ชื่อไฟล์"].iloc[0])  # missing stays missing: the page draws it blank
    en = display_table(batches, cols, "en")
    assert list(en.columns) == ["Batch", "Kind", "File", "Created", "Changed", "Status"]
    assert en["Status"].tolist() == ["committed", "undone"]


def test_cells_show_buddhist_era_periods_and_area_names():
    cells = pd.DataFrame(
        {
            "item_code": ["FIN01", "POP01", "XXX99"],
            "area_code": ["21", "21", "21"],
            "period": ["2026-08", "2025", "2026-Q3"],
            "status": ["submitted", "verified", "rejected"],
        }
    )
    shown = display_table(
        cells,
        ["item_code", "area_code", "period", "status"],
        "th",
        frequencies={"FIN01": "monthly", "POP01": "annual"},
        area_names={"21": "ระยอง"},
    )
    assert list(shown.columns) == ["รหัสรายการ", "รหัสพื้นที่", "พื้นที่", "งวด", "สถานะ"]
    # an item the catalogue does not know keeps its stored period
    assert shown["งวด"].tolist() == ["ส.ค. 2569", "2568", "2026-Q3"]
    assert shown["สถานะ"].tolist() == ["รอตรวจสอบ", "รับรองแล้ว", "ถูกปฏิเสธ"]
    assert period_text("2026-Q3", "quarterly", "th") == "ไตรมาส 3/2569"


def test_problems_show_their_reason_not_their_code():
    from lib.ingest.result import UploadResult, make_problem

    result = UploadResult(
        clean=pd.DataFrame(),
        problems=[make_problem("not_a_number", 3, "ค่า", "abc"), make_problem("empty_value", 4)],
        form="long",
        encoding="utf-8",
        delimiter=",",
    )
    shown = problems_table(result.problems_frame("th"), "th")
    assert list(shown.columns) == ["แถว", "คอลัมน์", "ค่า", "ระดับ", "เหตุผล"]
    assert shown["เหตุผล"].iloc[0] == "ค่า 'abc' ไม่ใช่ตัวเลข"
    assert shown["ระดับ"].tolist() == ["ข้อผิดพลาด", "คำเตือน"]
    assert not RAW_CODES & set(shown.astype(str).to_numpy().ravel())


# -- the walk -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def walk_store(app_store_path, tmp_path_factory):
    """The app-test store with batches of every state: committed, verified, undone, an undo."""
    from lib.services import auth, upload

    path = tmp_path_factory.mktemp("walk") / "walk.duckdb"
    shutil.copyfile(app_store_path, path)
    with Store(path) as store:
        staff, verifier = auth.load_user(store, "pto21"), auth.load_user(store, "pto21v")
        first = (
            "item,area,period,value,note\nFIN01,Rayong,2026-05,40.5,\nFIN01,Rayong,2026-04,39,x\n"
        )
        batch = upload.commit_as(
            store, staff, upload.preview_upload(store, first.encode(), "a.csv"), confirm_jumps=True
        )
        upload.verify_as(store, verifier, batch)
        second = "item,area,period,value\nFIN01,Rayong,2026-03,30\n"
        batch = upload.commit_as(
            store, staff, upload.preview_upload(store, second.encode(), "b.csv"), confirm_jumps=True
        )
        upload.undo_as(store, staff, batch)
        third = "item,area,period,value,note\nFIN01,Rayong,2026-02,20,\nFIN01,Rayong,2026-01,21,y\n"
        upload.commit_as(
            store, staff, upload.preview_upload(store, third.encode(), "c.csv"), confirm_jumps=True
        )
    return path


def _walk(path: Path, monkeypatch, key: str, lang: str = "th") -> AppTest:
    """The page as its walker sees it (the upload page with MIXED previewed)."""
    monkeypatch.setenv("EIS_DB_PATH", str(path))
    user, params = WALKERS[key]
    at = AppTest.from_file(APP, default_timeout=180)
    if user:
        at.session_state["auth_user"] = user
    at.switch_page(next(p.path for p in PAGES if p.key == key))
    for name, value in {**params, **({"lang": lang} if lang != "th" else {})}.items():
        at.query_params[name] = value
    at.run()
    if key == "upload":
        at.file_uploader[0].upload("mixed.csv", MIXED, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at) -> list[tuple[pd.DataFrame, bool]]:
    """(frame, empty cells are drawn blank) of every dataframe and static table on the page."""
    frames = [
        (d.value, d.proto.HasField("placeholder") and d.proto.placeholder == "")
        for d in at.dataframe
    ]
    return frames + [(t.value, False) for t in at.table]


def findings(at, codes: bool = True) -> list[str]:
    """Headers that look like codes, cells drawn as None and (in Thai) raw codes in cells."""
    found = []
    for n, (frame, blank) in enumerate(_tables(at)):
        found += [f"table {n}: header {c!r}" for c in frame.columns if CODE_LIKE.search(str(c))]
        text = frame.astype(str)
        if (text == "None").any().any() or (frame.isna().any().any() and not blank):
            found.append(f"table {n}: a cell shows None")
        raw = RAW_CODES & set(text.to_numpy().ravel()) if codes else set()
        found += [f"table {n}: code {c!r} in a cell" for c in sorted(raw)]
    return found


def test_every_page_has_a_walker():
    assert set(WALKERS) == {p.key for p in PAGES}


@pytest.mark.parametrize("key", list(WALKERS))
def test_every_page_in_thai_shows_words_not_codes(walk_store, monkeypatch, key):
    at = _walk(walk_store, monkeypatch, key)
    if key in ("upload", "verify", "admin", "home"):  # the walk reads real tables there
        assert at.dataframe, f"{key}: no table drawn"
    assert findings(at) == []


def test_the_upload_page_shows_buddhist_era_periods_and_reasons(walk_store, monkeypatch):
    at = _walk(walk_store, monkeypatch, "upload")
    frames = [d.value for d in at.dataframe]
    problems = next(f for f in frames if "เหตุผล" in f.columns)
    assert problems[["แถว", "คอลัมน์", "เหตุผล"]].values.tolist() == [
        [4, "ค่า", "ค่า 'abc' ไม่ใช่ตัวเลข"],
        [5, "พื้นที่", "ไม่พบพื้นที่ 'Rayongg' (หรือหมายถึง: ระยอง (21), ระนอง (85), นาโยง จ.ตรัง (9208))"],
    ]
    periods = {p for f in frames if "งวด" in f.columns for p in f["งวด"]}
    assert {"ต.ค. 2569", "ส.ค. 2569"} <= periods
    history = frames[-1]
    assert {"บันทึกแล้ว", "ยกเลิกแล้ว"} <= set(history["สถานะ"])
    assert {"นำเข้า", "ตรวจสอบ", "ยกเลิกชุด"} <= set(history["ประเภท"])
    uploader = at.file_uploader[0]
    assert uploader.label == "ไฟล์ CSV หรือ Excel (.xlsx .xls .ods)" and THAI.search(uploader.help)


@pytest.mark.parametrize("key", ["upload", "verify", "admin", "home"])
def test_the_same_tables_in_english(walk_store, monkeypatch, key):
    at = _walk(walk_store, monkeypatch, key, lang="en")
    headers = [c for frame, _ in _tables(at) for c in frame.columns]
    assert headers and not [h for h in headers if THAI.search(str(h))]
    assert findings(at, codes=False) == []  # English words may equal their codes ("verified")

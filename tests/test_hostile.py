"""The hostile corpus of issue 17, built in code: each file rejected or accepted as README says.

Every file goes through lib.ingest.read_upload; a few also through the command
line against a store, which a rejected file leaves unchanged. Memory is
measured in a subprocess (peak RSS), never the time a test takes.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lib.cli import main
from lib.core.limits import Limits
from lib.ingest import guards
from lib.services import upload
from lib.store import Store
from tests.conftest import store_fingerprint
from tests.fixtures_ingest import LONG_HEADER, codes, csv_bytes, read, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
HEADER = ",".join(LONG_HEADER) + "\n"
WRITE_TABLES = ("observations", "observation_history", "upload_batches")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def long_csv(*lines: str, encoding: str = "utf-8") -> bytes:
    """The standard long header, then the lines as written."""
    return (HEADER + "".join(line + "\n" for line in lines)).encode(encoding)


def commas_line(n: int) -> bytes:
    """A header and one data line followed by n commas (the file that killed the server)."""
    return long_csv("FIN01,21,2568-01,5," + "," * n)


def only_code(result, code: str):
    """The one problem of a file rejected as a whole, checked to have that code."""
    assert [p.code for p in result.problems] == [code], codes(result)
    assert result.clean.empty
    return result.problems[0]


def rewrite(xlsx: bytes, replace: dict[str, bytes]) -> bytes:
    """The workbook with some members replaced (or added)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, replace.pop(info.filename, src.read(info.filename)))
        for name, data in replace.items():
            z.writestr(name, data)
    return out.getvalue()


def sheet_xml(dtd: str, note: str) -> bytes:
    """A worksheet holding the long header and one row whose note cell is `note` (raw XML)."""
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in zip("ABCDE", LONG_HEADER, strict=True)
    )
    row = (
        '<c r="A2" t="inlineStr"><is><t>FIN01</t></is></c><c r="B2"><v>21</v></c>'
        '<c r="C2" t="inlineStr"><is><t>2568-01</t></is></c><c r="D2"><v>5</v></c>'
        f'<c r="E2" t="inlineStr"><is><t>{note}</t></is></c>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<worksheet xmlns="{MAIN_NS}"><sheetData>'
        f'<row r="1">{cells}</row><row r="2">{row}</row></sheetData></worksheet>'
    ).encode()


def base_xlsx() -> bytes:
    return xlsx_bytes([LONG_HEADER, ["FIN01", "21", "2568-01", 5, "ok"]])


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def xxe_dtd(path: Path) -> str:
    return f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{path.as_uri()}">]>'


# ------------------------------------------------------------------ size and shape


def test_a_line_of_commas_is_rejected_before_any_frame_is_built():
    problem = only_code(read(commas_line(1_000_000)), "over_limit")
    assert problem.row == 2 and "100,000" in problem.message("en")
    assert (
        "characters in a line" in problem.message("en")
        and "EIS_MAX_LINE_CHARS" in problem.message_th
    )


def test_lines_ending_in_cr_only_are_not_one_long_line():
    body = ["FIN01,21,2568-01,5," + "x" * 900] * 200  # 180 KB, no LF (old Mac files)
    assert guards.check_lines(long_csv(*body).replace(b"\n", b"\r"), Limits(), "utf-8") == (
        201,
        919,
    )


@pytest.mark.parametrize("where", ["sample", "after the sample"])
def test_a_row_wider_than_the_column_limit_is_rejected_with_its_row(where):
    filler = ["FIN01,21,2568-01,5,x"] * (5000 if where == "after the sample" else 0)
    data = long_csv(*filler, "FIN01,21,2568-02,5," + ",".join(["y"] * 600))
    problem = only_code(read(data), "over_limit")
    assert problem.row == len(filler) + 2
    assert "columns 604 over the limit of 500 (EIS_MAX_COLUMNS)" in problem.message("en")


def test_limits_of_file_size_rows_and_cells_are_settable(monkeypatch):
    body = [f"FIN01,21,2568-{m:02d},5," for m in range(1, 13)]
    assert read(long_csv(*body)).ok
    monkeypatch.setenv("EIS_MAX_CELLS", "40")
    assert "cells (rows x columns)" in only_code(read(long_csv(*body)), "over_limit").message("en")
    monkeypatch.setenv("EIS_MAX_CELLS", "1000")
    monkeypatch.setenv("EIS_MAX_ROWS", "10")
    assert only_code(read(long_csv(*body)), "too_many_rows")
    monkeypatch.setenv("EIS_MAX_UPLOAD_MB", "1")
    big = long_csv(*body, "FIN01,21,2568-01,5," + "x" * 30_000) * 40
    message = only_code(read(big), "over_limit").message("en")
    assert re.search(r"file size \(MB\) 1\.\d over the limit of 1 \(EIS_MAX_UPLOAD_MB\)", message)
    monkeypatch.setenv("EIS_MAX_ROWS", "ten")
    with pytest.raises(ValueError, match="EIS_MAX_ROWS must be a whole number"):
        read(long_csv(*body))


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_cell_just_over_the_cell_limit_is_rejected_at_its_row_and_column(form):
    def data(n):  # openpyxl cuts what it writes to 32,767 characters: XML written here
        if form == "xlsx":
            return rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml("", "ก" * n)})
        return csv_bytes([LONG_HEADER, ["FIN01", "21", "2568-01", "5", "ก" * n]])

    assert read(data(32_767), f"f.{form}").ok
    problem = only_code(read(data(32_768), f"f.{form}"), "over_limit")
    assert (problem.row, problem.column) == (2, "E")
    assert "characters in a cell 32,768 over the limit of 32,767" in problem.message("en")


def test_a_huge_text_in_a_workbook_is_rejected_before_openpyxl_reads_it(monkeypatch):
    def no_openpyxl(*args, **kwargs):
        raise AssertionError("openpyxl was reached")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    data = rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml("", "x" * 400_000)})
    problem = only_code(read(data, "f.xlsx"), "over_limit")
    assert "characters in a cell > 40,000 (xl/worksheets/sheet1.xml)" in problem.message("en")


def _many_members(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(n):
            z.writestr(f"m{i}", b"")
    return out.getvalue()


def test_an_archive_with_too_many_members_is_rejected_from_its_end_record(monkeypatch):
    def no_listing(*args, **kwargs):
        raise AssertionError("the members were listed")

    data = _many_members(1001)
    monkeypatch.setattr(guards.zipfile, "ZipFile", no_listing)
    problem = only_code(read(data, "bomb.xlsx"), "over_limit")
    assert "1,001 over the limit of 1,000 (EIS_MAX_ZIP_MEMBERS)" in problem.message("en")


def test_an_end_record_that_understates_the_members_does_not_hide_them():
    data = bytearray(_many_members(1001))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2  # "1 member"
    problem = only_code(read(bytes(data), "bomb.xlsx"), "over_limit")
    assert "1,001 over the limit of 1,000" in problem.message("en")


def test_an_archive_unpacking_past_the_limit_is_rejected_unread(monkeypatch):
    monkeypatch.setenv("EIS_MAX_UNZIPPED_MB", "1")
    bomb = rewrite(base_xlsx(), {"xl/worksheets/sheet2.xml": b" " * (3 << 20)})
    assert len(bomb) < 30_000
    problem = only_code(read(bomb, "bomb.xlsx"), "over_limit")
    assert "unpacked size of the XLSX (MB) 3.0 over the limit of 1" in problem.message("en")


def _cells_xlsx(rows: int) -> bytes:
    """A workbook of `rows` rows of two empty cells."""
    body = "".join(f'<row r="{r}"><c r="A{r}"/><c r="B{r}"/></row>' for r in range(1, rows + 1))
    xml = f'<worksheet xmlns="{MAIN_NS}"><sheetData>{body}</sheetData></worksheet>'.encode()
    return rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": xml})


@pytest.mark.parametrize("scan", ["before openpyxl", "while the rows stream"])
def test_a_workbook_with_too_many_cells_or_rows_is_rejected(scan, monkeypatch):
    def no_openpyxl(*args, **kwargs):
        raise AssertionError("openpyxl was reached")

    if scan == "before openpyxl":
        monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    else:  # the byte scan counts nothing: the rows are counted as openpyxl streams them
        monkeypatch.setattr(guards._XmlTally, "_check", lambda *args: None)
    data = _cells_xlsx(2000)
    monkeypatch.setenv("EIS_MAX_CELLS", "3000")
    message = only_code(read(data, "f.xlsx"), "over_limit").message("en")
    assert re.search(r"cells \(rows x columns\) [34],\d{3} over the limit of 3,000", message)
    monkeypatch.setenv("EIS_MAX_CELLS", "10000")
    monkeypatch.setenv("EIS_MAX_ROWS", "1000")
    assert only_code(read(data, "f.xlsx"), "too_many_rows")


def test_a_wide_workbook_row_is_rejected_while_the_rows_stream():
    wide = ["FIN01", "21", "2568-01", 5, "x", *(["y"] * 600)]
    problem = only_code(read(xlsx_bytes([LONG_HEADER, wide]), "f.xlsx"), "over_limit")
    assert problem.row == 2 and "columns 605 over the limit of 500" in problem.message("en")


_MEASURE = """
import resource, sys, zipfile, io
sys.path[:0] = [{root!r}]
from tests.fixtures_ingest import read
from tests.test_hostile import commas_line, base_xlsx, rewrite
line = commas_line(10 * 1024 * 1024)
bomb = io.BytesIO()
with zipfile.ZipFile(bomb, "w") as z:
    for i in range(5000):
        z.writestr(f"m{{i}}", b"")
files = [(line, "line.csv"), (bomb.getvalue(), "bomb.xlsx")]
read(files[0][0][:2000])  # warm up: catalogue, lookups
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = [[p.code for p in read(data, name).problems] for data, name in files]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(out, (after - before) // 1024)
"""


def test_memory_stays_bounded_for_a_10_mb_line_and_a_zip_of_many_members():
    script = _MEASURE.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    found, grown_mb = done.stdout.strip().rsplit(" ", 1)
    assert found == "[['over_limit'], ['over_limit']]"
    assert int(grown_mb) < 200  # the two files are 10 MB and 0.5 MB; nothing is unpacked


# ------------------------------------------------------------------ XML


def test_billion_laughs_is_a_damaged_file():
    data = rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml(BILLION_LAUGHS, "&lol9;")})
    problem = only_code(read(data, "lol.xlsx"), "damaged_file")
    assert "DTD" in problem.message("en") and "ไฟล์เสียหาย" in problem.message_th


def test_an_external_entity_is_a_damaged_file_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml(xxe_dtd(secret), "&xxe;")})
    result = read(data, "xxe.xlsx")
    only_code(result, "damaged_file")
    assert "TOPSECRET" not in repr(result.problems)


@pytest.mark.parametrize("reader", ["openpyxl", "calamine"])
@pytest.mark.parametrize("attack", ["laughs", "xxe"])
def test_the_xml_parsers_refuse_entities_even_past_the_byte_scan(
    attack, reader, tmp_path, monkeypatch
):
    """Either XLSX reader (openpyxl with defusedxml, calamine's quick-xml) refuses entities
    the byte scan would have caught: a damaged file, nothing expanded or read."""
    assert openpyxl.DEFUSEDXML
    if reader == "openpyxl":  # the guard cannot size the sheets: openpyxl streams them
        monkeypatch.setattr(guards._SheetExtent, "fits", lambda self, limits: False)
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    dtd, note = (
        (BILLION_LAUGHS, "&lol9;")
        if attack == "laughs"
        else (
            xxe_dtd(tmp_path / "secret.txt"),
            "&xxe;",
        )
    )
    monkeypatch.setattr(guards, "_DTD_MARKS", ())  # the byte scan off: openpyxl parses it
    data = rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml(dtd, note)})
    problem = only_code(read(data, "x.xlsx"), "damaged_file")
    refused = "EntitiesForbidden" if reader == "openpyxl" else "unrecognized entity"
    assert refused in problem.message("en")
    assert "TOPSECRET" not in problem.message("en")


def test_a_broken_ods_file_is_damaged_not_a_traceback():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert "ODS" in only_code(read(out.getvalue(), "f.ods"), "damaged_file").message("en")


def test_no_damaged_workbook_raises():
    good = base_xlsx()
    rng = random.Random(17)
    for _ in range(40):
        data = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)])
        for sample in (bytes(data), cut):
            result = read(sample, "f.xlsx")  # never an exception
            assert result.ok or result.problems
    broken_xml = rewrite(good, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
    assert "XmlError" in only_code(read(broken_xml, "f.xlsx"), "damaged_file").message("en")


def test_no_random_bytes_named_csv_raise():
    rng = random.Random(18)
    for n in (1, 7, 100, 5000):
        for _ in range(10):
            data = bytes(rng.randrange(256) for _ in range(n))
            result = read(data, "f.csv")
            assert result.ok or result.problems


# ------------------------------------------------------------------ CSV quoting


def test_an_unclosed_quote_never_swallows_the_next_rows_silently():
    result = read(
        long_csv(
            'FIN01,21,2568-01,5,"oops',
            "FIN01,21,2568-02,6,x",
            'FIN01,21,2568-03,7,"closed here"',
            "FIN01,21,2568-04,8,",
        )
    )
    assert codes(result) == [(2, "หมายเหตุ", "unclosed_quote")]
    assert "3 lines are in this cell" in result.problems[0].message("en")
    assert result.clean["period"].tolist() == ["2025-04"]  # the swallowing row is left out


def test_a_quote_left_open_to_the_end_rejects_the_file_at_its_row():
    problem = only_code(
        read(long_csv("FIN01,21,2568-01,5,x", 'FIN01,21,2568-02,6,"oops', "FIN01,21,2568-03,7,")),
        "unclosed_quote",
    )
    assert (problem.row, problem.column) == (3, "E")
    assert "to the end of the file" in problem.message("en")


def test_stray_quotes_are_problems_at_their_cell():
    result = read(
        long_csv(
            'FIN01,21,2568-01,5,ab"c',
            'FIN01,21,2568-02,"6"x,y',
            'FIN01,21,2568-03,7,"a ""quoted"", then, commas"',
            'FIN01,21,2568-04,8,5"',
        )
    )
    assert (2, "หมายเหตุ", "stray_quote") in codes(result)
    assert (3, "ค่า", "stray_quote") in codes(result)
    assert result.clean["note"].tolist() == ['a "quoted", then, commas', '5"']


def test_more_fields_than_the_header_is_a_problem_not_a_shifted_row():
    result = read(long_csv("FIN01,21,2568-01,1,234,note", "FIN01,21,2568-02,6,x"))
    assert codes(result) == [(2, "F", "extra_fields")]
    assert "'note'" in result.problems[0].message("en")
    assert result.clean["period"].tolist() == ["2025-02"]


# ------------------------------------------------------------------ areas, encodings, years


def test_a_district_beside_a_province_that_does_not_hold_it_is_a_problem():
    data = (
        "รหัสรายการ,อำเภอ,จังหวัด,งวด,ค่า\n"
        "POP03,2102,ชลบุรี,2568-01,5\n"  # 2102 Ban Chang is in Rayong
        "POP03,2102,ระยอง,2568-02,5\n"
        "POP03,บ้านฉาง,ระยอง,2568-03,5\n"
    ).encode()
    result = read(data)
    assert codes(result) == [(2, "อำเภอ", "area_conflict")]
    assert "Ban Chang, Rayong (2102), but the province column says 'ชลบุรี'" in (
        result.problems[0].message("en")
    )
    assert result.clean["area_code"].tolist() == ["2102", "2102"]


def test_a_province_code_beside_another_province_is_a_problem():
    data = "รหัสรายการ,พื้นที่,จังหวัด,งวด,ค่า\nFIN01,21,ชลบุรี,2568-01,5\nFIN01,21,Rayong,2568-02,5\n"
    result = read(data.encode())
    assert codes(result) == [(2, "พื้นที่", "area_conflict")]


def test_latin1_text_is_not_read_as_thai():
    data = "item,area,period,value,note\nFIN01,21,2568-01,5,café crème\n".encode("latin-1")
    problem = only_code(read(data), "bad_encoding")
    assert problem.row == 2 and "caf" in problem.value and "UTF-8" in problem.message("en")
    thai = long_csv("FIN01,จ.ระยอง,มี.ค. 68,5,ข้อความ “อ้างอิง” – €", encoding="cp874")
    assert read(thai).clean["note"].tolist() == ["ข้อความ “อ้างอิง” – €"]


def test_mixed_encodings_are_rejected():
    data = long_csv("FIN01,21,2568-01,5,ระยอง") + "FIN01,21,2568-02,6,ระยอง\n".encode("cp874")
    assert "byte 0x" in only_code(read(data), "bad_encoding").message("en")


def test_years_before_2500_need_confirmation():
    data = long_csv("FIN01,21,2468-03,5,", "FIN01,21,2568-03,6,")
    result = read(data)
    assert codes(result) == [(2, "งวด", "old_period")]
    assert "before 2500 BE (1957 CE) and needs confirmation" in result.problems[0].message("en")
    assert result.clean["period"].tolist() == ["2025-03"]
    confirmed = read(data, confirm_old_years=True)
    assert confirmed.ok and [p.code for p in confirmed.warnings] == ["old_period_confirmed"]
    assert confirmed.clean["period"].tolist() == ["1925-03", "2025-03"]


# ------------------------------------------------------------------ odd but harmless files


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "x.csv", "empty_file"),
        (HEADER.encode(), "x.csv", "no_data_rows"),
        (xlsx_bytes([LONG_HEADER]), "x.xlsx", "no_data_rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)), "image.csv", "bad_encoding"),
        (long_csv("FIN01,21,2568-01,5,a\x00b"), "x.csv", "unreadable_file"),
    ],
)
def test_empty_header_only_binary_and_nul_files_are_rejected(data, name, code):
    only_code(read(data, name), code)


def test_many_copies_of_one_row_list_ten_rows_per_message():
    # 20,000 copies once took 12 GB: each message listed all 20,000 rows
    result = read(long_csv(*["FIN01,21,2568-01,5,"] * 30))
    assert len(result.problems) == 30
    assert result.problems[0].message("en").endswith("rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 … (+20)")


def test_numbers_no_store_may_hold_are_problems():
    result = read(
        long_csv(
            "FIN01,21,2568-01,1e308,",
            "FIN01,21,2568-02,1e309,",
            "FIN01,21,2568-03,99999999999999999999,",
            "FIN01,21,2568-04,nan,",
            "FIN01,21,2568-05,inf,",
            "FIN01,21,2568-06,-Infinity,",
        )
    )
    assert [c for _, _, c in codes(result)] == ["out_of_range", "not_a_number", "out_of_range"] + [
        "not_a_number"
    ] * 3
    assert result.clean.empty


def test_far_future_periods_are_problems():
    result = read(long_csv("FIN01,21,9999-12,5,", "FIN01,21,2700-01,5,", "FIN01,21,99999-01,5,"))
    assert [c for _, _, c in codes(result)] == ["bad_period", "period_in_future", "bad_period"]


# ------------------------------------------------------------------ through the store


@pytest.fixture(scope="module")
def base_db(small_pto_store_path):
    """The small store with Rayong's PTO staff and verifier accounts."""
    return small_pto_store_path


@pytest.fixture
def db(base_db, tmp_path):
    path = tmp_path / "data.duckdb"
    shutil.copyfile(base_db, path)
    return str(path)


def _laughs_xlsx() -> bytes:
    return rewrite(base_xlsx(), {"xl/worksheets/sheet1.xml": sheet_xml(BILLION_LAUGHS, "&lol9;")})


@pytest.mark.parametrize(
    ("name", "build", "reason"),
    [
        ("commas.csv", lambda: commas_line(1_000_000), "characters in a line"),
        ("laughs.xlsx", _laughs_xlsx, "declares a DTD"),
        (
            "quote.csv",
            lambda: long_csv('FIN01,21,2569-08,5,"oops', "FIN01,21,2569-09,6,x"),
            "quote",
        ),
        (
            "latin1.csv",
            lambda: "item,area,period,value,note\nFIN01,21,2569-08,5,café\n".encode("latin-1"),
            "not Thai",
        ),
        ("old.csv", lambda: long_csv("FIN01,21,2468-03,5,"), "needs confirmation"),
    ],
)
def test_the_command_line_rejects_hostile_files_and_changes_nothing(
    db, tmp_path, capsys, name, build, reason
):
    path = tmp_path / name
    path.write_bytes(build())
    before = store_fingerprint(db, WRITE_TABLES)
    capsys.readouterr()
    assert main(["import", str(path), "--user", "pto21", "--db", db, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
    assert store_fingerprint(db, WRITE_TABLES) == before


def test_the_command_line_commits_old_years_only_with_confirm_old_years(db, tmp_path, capsys):
    path = tmp_path / "old.csv"
    path.write_bytes(long_csv("FIN01,21,2468-03,5,"))
    command = ["import", str(path), "--user", "pto21", "--db", db, "--confirm-jumps"]
    assert main(command) == 2
    assert main([*command, "--confirm-old-years"]) == 0
    with Store(db) as store:
        assert "1925-03" in store.export_values("FIN01", "21")["period"].tolist()


def test_old_years_commit_only_when_confirmed(db):
    data = long_csv("FIN01,21,2468-03,5,", "FIN01,21,2569-08,6,")
    with Store(db) as store:
        preview = upload.preview_upload(store, data, "old.csv")
        assert upload.commit_refusal(preview) is not None
        confirmed = upload.preview_upload(store, data, "old.csv", confirm_old_years=True)
        assert upload.commit_refusal(confirmed, confirm_jumps=True) is None
        assert upload.commit_upload(store, confirmed, "pto21", "PTO", confirm_jumps=True)
        assert "1925-03" in store.export_values("FIN01", "21")["period"].tolist()


def test_formula_notes_are_stored_as_typed_and_neutralised_on_export(db, capsys):
    from lib.core.exporting import safe_csv_bytes

    note = '=HYPERLINK("http://x","y")'
    data = csv_bytes(
        [LONG_HEADER, ["FIN01", "21", "2569-08", "5", note], ["FIN01", "21", "2569-07", "=1+2", ""]]
    )
    with Store(db) as store:
        preview = upload.preview_upload(store, data, "formula.csv")
        assert [(p.row, p.code) for p in preview.problems] == [(3, "not_a_number")]
        assert upload.commit_upload(
            store, preview, "pto21", "PTO", clean_rows_only=True, confirm_jumps=True
        )
        history = store.cell_history("FIN01", "21", "2026-08")
    assert history["note"].iloc[-1] == note
    assert "'=HYPERLINK" in safe_csv_bytes(history[["note"]]).decode("utf-8-sig")
    capsys.readouterr()
    assert main(["export", "--db", db, "--item", "FIN01", "--area", "21", "--format", "json"]) == 0
    assert {r["period"]: r["value"] for r in json.loads(capsys.readouterr().out)}["2026-08"] == 5

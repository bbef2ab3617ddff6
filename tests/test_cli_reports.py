"""`python -m lib report`: each kind written as PDF and XLSX (atomically), exit 2 with the Thai
reason for what cannot be made, `report send` through a real SMTP server on loopback, the
administrator's schedules and the KPI owner's narratives (exit 3 for anyone else)."""

from __future__ import annotations

import email
import io
import json
import shutil
import socket
from email import policy

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lib.cli import main
from lib.store import Store
from tests.conftest import add_app_users

RAYONG = ["--area", "21", "--fiscal-year", "2569", "--round", "12"]
KPI04_TH = "ร้อยละผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี"
KIND_ARGS = {
    "kpi-form": ["--kpi", "KPI04"],
    "coverage": [],
    "follow-up": [],
    "cockpit": [],
}


@pytest.fixture(scope="module")
def base_path(small_pto_store_path, tmp_path_factory):
    """The small store with Rayong's PTO staff and verifier, an administrator and an
    executive (written once for the module)."""
    path = tmp_path_factory.mktemp("reports") / "base.duckdb"
    shutil.copyfile(small_pto_store_path, path)
    with Store(path) as store:
        add_app_users(store, (("admin1", "admin", None, None), ("gov21", "executive", None, "21")))
    return path


@pytest.fixture
def db(base_path, tmp_path):
    """A private copy of the module's store, for one test to write."""
    path = tmp_path / "eis.duckdb"
    shutil.copyfile(base_path, path)
    return str(path)


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def pdf_text(data: bytes) -> str:
    """The PDF's text, SARA AM read back as typed (the renderer writes it as two glyphs)."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return text.replace("\u0e4d\u0e32", "\u0e33")


def leftovers(folder) -> list[str]:
    """Files in the folder other than the store (a temporary file left behind shows here)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("eis.duckdb"))


# -- each kind, as a file -------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KIND_ARGS))
def test_each_kind_writes_a_pdf_with_its_thai_text(db, tmp_path, capsys, kind):
    out = tmp_path / f"{kind}.pdf"
    code, printed, err = run(
        capsys, "report", kind, *RAYONG, *KIND_ARGS[kind], "--out", str(out), "--db", db
    )
    assert (code, err) == (0, "")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert printed.strip() == f"{out}: {pages} หน้า, {len(data):,} ไบต์"
    text = pdf_text(data)
    assert "ระยอง" in text
    if kind == "kpi-form":
        assert KPI04_TH in text.replace("\n", "")
    assert leftovers(tmp_path) == [out.name]


@pytest.mark.parametrize("kind", list(KIND_ARGS))
def test_each_kind_writes_an_xlsx_that_opens(db, tmp_path, capsys, kind):
    out = tmp_path / f"{kind}.xlsx"
    args = [*RAYONG, *KIND_ARGS[kind], "--format", "xlsx", "--lang", "en"]
    code, printed, err = run(capsys, "report", kind, *args, "--out", str(out), "--db", db)
    assert (code, err) == (0, "")
    book = load_workbook(out)
    size = out.stat().st_size
    assert printed.strip() == f"{out}: {len(book.sheetnames)} sheets, {size:,} bytes"
    cells = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("Rayong" in str(c) for c in cells)


def test_the_format_follows_the_file_name_when_not_given(db, tmp_path, capsys):
    out = tmp_path / "form.xlsx"
    code, _, _ = run(capsys, "report", "coverage", *RAYONG, "--out", str(out), "--db", db)
    assert code == 0
    assert load_workbook(out).sheetnames


def test_the_kpi_form_in_thai_digits(db, tmp_path, capsys):
    out = tmp_path / "form.pdf"
    args = ["--kpi", "KPI04", "--thai-digits", "--out", str(out)]
    assert run(capsys, "report", "kpi-form", *RAYONG, *args, "--db", db)[0] == 0
    assert "๒๕๖๙" in pdf_text(out.read_bytes())


# -- what cannot be made: exit 2, the reason, no file ----------------------------------------
@pytest.mark.parametrize(
    ("args", "reason_th", "reason_en"),
    [
        (
            ["kpi-form", *RAYONG, "--kpi", "KPI99"],
            "ไม่มีตัวชี้วัดรหัส 'KPI99' ในปีงบประมาณ 2569",
            "no KPI with code 'KPI99' in fiscal year 2569",
        ),
        (
            [
                "kpi-form",
                "--area",
                "99",
                "--fiscal-year",
                "2569",
                "--round",
                "12",
                "--kpi",
                "KPI04",
            ],
            "ไม่มีพื้นที่รหัส '99'",
            "no area with code '99'",
        ),
        (
            ["coverage", "--area", "21", "--fiscal-year", "2569", "--round", "7"],
            "รอบรายงานต้องเป็น 6, 9 หรือ 12 เดือน ไม่ใช่ 7",
            "the round must be 6, 9 or 12 months, not 7",
        ),
        (
            ["kpi-form", "--area", "21", "--fiscal-year", "2569", "--round", "6", "--kpi", "KPI03"],
            "ตัวชี้วัด KPI03 ไม่รายงานรอบ 6 เดือน",
            "KPI KPI03 is not reported at 6 months",
        ),
        (
            ["follow-up", *RAYONG, "--agency", "NOPE"],
            "ไม่มีหน่วยงานรหัส 'NOPE'",
            "no agency with code 'NOPE'",
        ),
        (
            ["cockpit", *RAYONG, "--format", "docx"],
            "รูปแบบไฟล์ต้องเป็น pdf หรือ xlsx ไม่ใช่ 'docx'",
            "the format must be pdf or xlsx, not 'docx'",
        ),
    ],
)
def test_what_cannot_be_made_exits_2_with_the_reason_and_writes_nothing(
    db, tmp_path, capsys, args, reason_th, reason_en
):
    out = tmp_path / "report.pdf"
    code, printed, err = run(capsys, "report", *args, "--out", str(out), "--db", db)
    assert (code, printed) == (2, "")
    assert reason_th in err and err.count("\n") == 1
    assert leftovers(tmp_path) == []
    code, _, err = run(capsys, "report", *args, "--out", str(out), "--db", db, "--lang", "en")
    assert code == 2 and reason_en in err
    assert leftovers(tmp_path) == []


def test_a_failed_rendering_exits_1_and_keeps_the_old_file(db, tmp_path, capsys, monkeypatch):
    from lib.reports import pdf

    out = tmp_path / "report.pdf"
    out.write_bytes(b"the old report")

    def broken(doc, thai_digits=False):
        raise RuntimeError("Pango is missing")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    code, printed, err = run(capsys, "report", "cockpit", *RAYONG, "--out", str(out), "--db", db)
    assert (code, printed) == (1, "")
    assert err == "error: สร้างรายงานไม่สำเร็จ: Pango is missing\n"
    assert out.read_bytes() == b"the old report"
    assert leftovers(tmp_path) == ["report.pdf"]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_part(
    db, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the old report")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lib.cli.reports.os.replace", full_disk)
    code, printed, err = run(capsys, "report", "cockpit", *RAYONG, "--out", str(out), "--db", db)
    assert (code, printed) == (1, "")
    assert err == f"error: เขียนไฟล์ไม่ได้ {out}: No space left on device\n"
    assert out.read_bytes() == b"the old report"
    assert leftovers(tmp_path) == ["report.pdf"]


def test_an_unwritable_file_exits_1(db, tmp_path, capsys):
    out = tmp_path / "no-such-folder" / "report.pdf"
    code, _, err = run(capsys, "report", "cockpit", *RAYONG, "--out", str(out), "--db", db)
    assert code == 1 and err.startswith("error: เขียนไฟล์ไม่ได้")


# -- report send: a real SMTP server on loopback -----------------------------------------------
class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and the settings that point at it."""
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("EIS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EIS_SMTP_PORT", str(port))
    monkeypatch.setenv("EIS_SMTP_FROM", "eis@rayong.go.th")
    yield inbox
    controller.stop()


def test_send_mails_the_report_as_an_attachment(db, capsys, smtp):
    to = ["--to", "governor@rayong.go.th", "--to", "pops@rayong.go.th"]
    args = ["kpi-form", *RAYONG, "--kpi", "KPI04", *to, "--user", "admin1", "--db", db]
    code, printed, err = run(capsys, "report", "send", *args)
    assert (code, err) == (0, "")
    assert printed.strip() == "ส่งแล้วถึง governor@rayong.go.th, pops@rayong.go.th"
    [(rcpt, message)] = smtp.messages
    assert sorted(rcpt) == ["governor@rayong.go.th", "pops@rayong.go.th"]
    assert message["From"] == "eis@rayong.go.th"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".pdf")
    data = attachment.get_content()
    assert data.startswith(b"%PDF") and KPI04_TH in pdf_text(data).replace("\n", "")


def test_send_to_a_bad_address_is_bad_input(db, capsys, smtp):
    args = ["cockpit", *RAYONG, "--to", "not an address", "--user", "admin1", "--db", db]
    code, _, err = run(capsys, "report", "send", *args)
    assert code == 2 and "not an address" in err
    assert smtp.messages == []


def test_send_when_the_mail_server_cannot_be_reached_exits_1(db, capsys, monkeypatch):
    monkeypatch.setenv("EIS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EIS_SMTP_PORT", str(free_port()))  # nothing listens there
    args = ["cockpit", *RAYONG, "--to", "governor@rayong.go.th", "--user", "admin1", "--db", db]
    code, printed, err = run(capsys, "report", "send", *args)
    assert (code, printed) == (1, "")
    assert err.startswith("error: ส่งอีเมลไม่สำเร็จ") and err.count("\n") == 1


# -- the administrator's schedules ------------------------------------------------------------
def schedule_args(user: str, db: str) -> list[str]:
    return [
        "report",
        "schedule",
        "add",
        "kpi-form",
        *RAYONG,
        "--kpi",
        "KPI04",
        "--format",
        "xlsx",
        "--to",
        "governor@rayong.go.th",
        "--every",
        "monthly",
        "--user",
        user,
        "--db",
        db,
    ]


def test_only_an_administrator_schedules_a_delivery(db, capsys):
    for user in ("pto21", "gov21"):
        code, printed, err = run(capsys, *schedule_args(user, db))
        assert (code, printed) == (3, "") and err.startswith("refused")
    code, printed, _ = run(capsys, *schedule_args("admin1", db))
    assert code == 0
    schedule_id = int(printed.split()[-1])
    code, printed, _ = run(capsys, "report", "schedule", "list", "--json", "--db", db)
    [row] = json.loads(printed)
    assert (row["id"], row["kind"], row["area_code"], row["kpi_code"]) == (
        schedule_id,
        "kpi-form",
        "21",
        "KPI04",
    )
    assert row["frequency"] == "monthly" and "governor@rayong.go.th" in str(row["recipients"])
    remove = ["report", "schedule", "remove", str(schedule_id), "--db", db]
    assert run(capsys, *remove, "--user", "gov21")[0] == 3
    assert run(capsys, *remove, "--user", "admin1")[0] == 0
    code, printed, _ = run(capsys, "report", "schedule", "list", "--json", "--db", db)
    assert [r["id"] for r in json.loads(printed) if r.get("is_active", True)] == []


def test_a_schedule_with_a_bad_frequency_is_bad_input(db, capsys):
    args = schedule_args("admin1", db)
    args[args.index("monthly")] = "daily"
    code, _, err = run(capsys, *args)
    assert code == 2 and "daily" in err


# -- the KPI owner's narratives ----------------------------------------------------------------
FORM = ["--kpi", "KPI04", "--area", "21", "--fiscal-year", "2569", "--round", "12"]


def test_the_kpi_owner_writes_a_narrative_and_it_is_shown_with_who(db, capsys, tmp_path):
    text = "เบิกจ่ายได้ตามแผน ร้อยละ 80 ของงบประมาณ"
    set_args = ["report", "narrative", "set", *FORM, "--field", "work_done", "--db", db]
    code, printed, err = run(capsys, *set_args, "--text", text, "--user", "pto21")
    assert (code, err) == (0, "") and printed.startswith("บันทึกแล้ว")
    code, printed, _ = run(capsys, "report", "narrative", "show", *FORM, "--json", "--db", db)
    shown = json.loads(printed)
    assert shown["fields"]["work_done"]["text"] == text
    assert shown["fields"]["work_done"]["written_by"] == "pto21"
    code, printed, _ = run(capsys, "report", "narrative", "show", *FORM, "--db", db)
    assert text in printed and "pto21" in printed
    note = tmp_path / "obstacles.txt"
    note.write_text("งบประมาณมาล่าช้า\n", encoding="utf-8")
    obstacles = ["report", "narrative", "set", *FORM, "--field", "obstacles", "--db", db]
    assert run(capsys, *obstacles, "--text-file", str(note), "--user", "pto21v")[0] == 0
    code, printed, _ = run(capsys, "report", "narrative", "show", *FORM, "--json", "--db", db)
    fields = json.loads(printed)["fields"]
    assert fields["obstacles"]["text"].strip() == "งบประมาณมาล่าช้า"
    assert fields["obstacles"]["written_by"] == "pto21v"


def test_only_the_owner_agency_writes_a_narrative(db, capsys):
    set_args = ["report", "narrative", "set", *FORM, "--field", "work_done", "--text", "x"]
    for user in ("gov21", "nobody"):
        code, printed, err = run(capsys, *set_args, "--user", user, "--db", db)
        assert (code, printed) == (3, "") and err
    other = ["--kpi", "KPI03", "--area", "21", "--fiscal-year", "2569", "--round", "12"]
    args = ["report", "narrative", "set", *other, "--field", "work_done", "--text", "x"]
    assert run(capsys, *args, "--user", "pto21", "--db", db)[0] == 3  # KPI03 is PSO's
    code, printed, _ = run(capsys, "report", "narrative", "show", *FORM, "--json", "--db", db)
    assert json.loads(printed)["fields"] == {}


def test_an_unknown_field_is_bad_input(db, capsys):
    args = ["report", "narrative", "set", *FORM, "--field", "poem", "--text", "x"]
    code, _, err = run(capsys, *args, "--user", "pto21", "--db", db)
    assert code == 2 and "poem" in err

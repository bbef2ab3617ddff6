"""The PDF and XLSX renderers (lib.reports.pdf, lib.reports.xlsx) on small documents built here.

The PDF is read back with pypdf (after writing SARA AM back: the renderer prints ำ
as NIKHAHIT + SARA AA so that it survives extraction), the XLSX with openpyxl.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from weasyprint import HTML

from lib.reports import pdf
from lib.reports.document import (
    Cell,
    Checkboxes,
    Document,
    Fields,
    Heading,
    Paragraph,
    Section,
    Table,
)
from lib.reports.html import FILL_COLOURS, to_html
from lib.reports.pdf import FontsOnlyFetcher, RefusedURL, to_pdf
from lib.reports.xlsx import THAI_DIGITS_FORMAT, to_xlsx

# Real Thai words, as the KPI 4.4 form's description uses them; joined without spaces
# as Thai is written, they make a paragraph whose only break points are between words.
WORDS = (
    "การ พัฒนา ระบบ ฐาน ข้อมูล เพื่อ สนับสนุน การ วางแผน และ จัดทำ แผน พัฒนา จังหวัด กลุ่ม "
    "จังหวัด แผน ปฏิบัติ ราชการ ประจำปี โดย จังหวัด ซึ่ง ดำเนิน การ ใน ปีงบประมาณ หมายถึง "
    "การ จัดเก็บ ข้อมูล พร้อม ทั้ง แสดง ผล ด้วย ระบบ สารสนเทศ แต่ละ กลุ่ม มี ข้อมูล ไม่ น้อย "
    "กว่า ห้า ด้าน ตาม โครงสร้าง ที่ กำหนด และ ใน แต่ละ ด้าน มี ข้อมูล ถูกต้อง ทันเหตุการณ์ "
    "รายการ ข้อมูล ที่ อยู่ ใน ต้อง ตรง กับ หน่วยงาน ที่ รับผิดชอบ ความ ทันสมัย รายละเอียด "
    "ปรากฏ ตาม เอกสาร ที่ แนบ"
).split() * 2
PARAGRAPH = "".join(WORDS)
THAI_LINE = re.compile(r"[\u0e00-\u0e7f]+")
KPI_NAME = "ระดับความสำเร็จในการพัฒนาระบบฐานข้อมูลเพื่อสนับสนุนการวางแผนพัฒนาจังหวัด"


def _text(data: bytes) -> list[str]:
    """The text of each page, with SARA AM written back."""
    reader = PdfReader(io.BytesIO(data))
    return [p.extract_text().replace("\u0e4d\u0e32", "\u0e33") for p in reader.pages]


def _paragraph_lines(data: bytes) -> list[str]:
    """The printed lines of Thai letters only (the paragraph; not the title or page number)."""
    return [
        line.replace("\u200b", "")
        for page in _text(data)
        for line in page.split("\n")
        if THAI_LINE.fullmatch(line.replace("\u200b", ""))
    ]


def _broken_words(lines: list[str]) -> list[str]:
    """The lines that end inside a word of WORDS."""
    ends, position = set(), 0
    for word in WORDS:
        position += len(word)
        ends.add(position)
    broken, position = [], 0
    for line in lines:
        position += len(line)
        if position not in ends:
            broken.append(line)
    return broken


def _doc(*sections: Section, **options) -> Document:
    return Document(title=options.pop("title", "แบบรายงาน"), sections=sections, **options)


def test_a_long_thai_paragraph_wraps_between_words():
    assert len(PARAGRAPH) >= 600
    data = to_pdf(_doc(Section("s", (Paragraph(PARAGRAPH),)), title="Words"))
    lines = _paragraph_lines(data)
    assert len(lines) >= 4
    assert "".join(lines) == PARAGRAPH  # every letter printed once, in order
    assert _broken_words(lines) == []


def test_the_word_check_sees_a_line_broken_inside_a_word():
    # A renderer that may break anywhere (a zero-width space between every letter, as
    # one without a Thai dictionary) splits words at line ends: the check must see it.
    anywhere = "\u200b".join(PARAGRAPH)
    page = to_html(_doc(Section("s", (Paragraph(anywhere),)), title="Words"), pdf.FONTS_DIR)
    data = HTML(string=page, url_fetcher=FontsOnlyFetcher()).write_pdf()
    lines = _paragraph_lines(data)
    assert "".join(lines) == PARAGRAPH
    assert _broken_words(lines) != []


def _score_doc(**options) -> Document:
    table = Table(
        ("ตัวชี้วัด", "น้ำหนัก (ร้อยละ)", "ผลการดำเนินงาน", "ค่าคะแนนที่ได้", "คะแนนถ่วงน้ำหนัก"),
        (("4.4", 7, "ขั้นตอนที่ 5", "5.0000", Cell(0.35, decimals=4)),),
    )
    section = Section("แบบรายงาน", (Heading(KPI_NAME), table))
    return _doc(
        section, title="รายงานผลการปฏิบัติราชการ รอบ 12 เดือน", footer="22 พ.ย. 2569", **options
    )


def test_the_pdf_shows_the_thai_title_and_scores_to_four_decimals():
    data = to_pdf(_score_doc())
    (page,) = _text(data)
    assert "รายงานผลการปฏิบัติราชการ รอบ 12 เดือน" in page
    assert KPI_NAME in page.replace("\n", "")  # wrapped between words
    assert "5.0000" in page and "0.3500" in page
    assert "น้ำหนัก (ร้อยละ)" in page.replace("\n", " ")  # ำ extracted as ำ
    assert "หน้า 1/1" in page and "22 พ.ย. 2569" in page
    assert PdfReader(io.BytesIO(data)).metadata.title == "รายงานผลการปฏิบัติราชการ รอบ 12 เดือน"


def test_thai_digits_print_every_digit_in_thai():
    (page,) = _text(to_pdf(_score_doc(), thai_digits=True))
    assert "๐.๓๕๐๐" in page and "๕.๐๐๐๐" in page
    assert "รอบ ๑๒ เดือน" in page and "หน้า ๑/๑" in page and "๒๕๖๙" in page
    assert not re.search("[0-9]", page)


def test_numbers_are_grouped_and_right_aligned_and_lights_keep_their_word():
    table = Table(
        ("จังหวัด", "จำนวน", "สัญญาณ"),
        (("ระยอง", 12345, Cell("เขียว", fill="green")), ("ชลบุรี", 999, Cell(None, fill="red"))),
    )
    doc = _doc(Section("s", (table, Paragraph("ผิด\x01พลาด\r\nบรรทัดใหม่"))))
    (page,) = _text(to_pdf(doc))
    assert "12,345" in page and "999" in page
    assert "ผิดพลาด\nบรรทัดใหม่" in page  # a control character is dropped, not printed
    assert "เขียว" in page and "แดง" in page  # colour is not the only signal
    page_html = to_html(doc, pdf.FONTS_DIR)
    assert '<td class="num">12,345</td>' in page_html
    assert '<td class="light-green">เขียว</td>' in page_html
    assert f"td.light-red {{ background: {FILL_COLOURS['red']};" in page_html


def test_check_boxes_fields_and_paragraph_labels():
    boxes = Checkboxes((("รอบ ๖ เดือน", False), ("รอบ ๑๒ เดือน", True)))
    fields = Fields((("ผู้กำกับดูแลตัวชี้วัด", "นางสาววรรณภา"), ("โทรศัพท์", "0-2222-7821")))
    doc = _doc(Section("s", (boxes, fields, Paragraph("บรรทัดแรก\nบรรทัดสอง", label="คำอธิบาย :"))))
    (page,) = _text(to_pdf(doc))
    assert "รอบ ๖ เดือน" in page and "รอบ ๑๒ เดือน" in page
    assert "ผู้กำกับดูแลตัวชี้วัด : นางสาววรรณภา" in page
    assert "คำอธิบาย : บรรทัดแรก\nบรรทัดสอง" in page
    page_html = to_html(doc, pdf.FONTS_DIR)
    # Sarabun has no ☐/☑: the boxes are drawn, the ticked one ticked.
    assert page_html.count('class="box"') == 1 and page_html.count('class="box checked"') == 1
    assert page_html.index('class="box"') < page_html.index('class="box checked"')


def test_each_section_after_the_first_starts_a_new_page():
    sections = [Section(f"ส่วน {i}", (Heading(f"ส่วนที่ {i}"), Paragraph("สั้น ๆ"))) for i in (1, 2, 3)]
    pages = _text(to_pdf(_doc(*sections)))
    assert len(pages) == 3
    assert [p.split("\n")[1 if i == 0 else 0] for i, p in enumerate(pages)] == [
        "ส่วนที่ 1",
        "ส่วนที่ 2",
        "ส่วนที่ 3",
    ]
    assert pages[2].rstrip().endswith("หน้า 3/3")


def test_a_long_table_repeats_its_header_on_every_page():
    rows = tuple((f"รายการที่ {i}", i * 1000) for i in range(1, 81))
    pages = _text(to_pdf(_doc(Section("s", (Table(("รายการข้อมูล", "จำนวนเซลล์"), rows),)))))
    assert len(pages) >= 3
    assert all("รายการข้อมูล จำนวนเซลล์" in p for p in pages)
    assert "รายการที่ 80 80,000" in pages[-1]


def _cockpit(one_page: bool) -> Document:
    rows = tuple(
        (f"ตัวชี้วัด {i}", Cell(i / 7, decimals=4), Cell("เหลือง", fill="amber"), "ข้อมูลครบ")
        for i in range(1, 13)
    )
    tables = tuple(
        Table(("ตัวชี้วัด", "คะแนน", "สัญญาณ", "หมายเหตุ"), rows, caption=f"กลุ่มที่ {g}") for g in (1, 2, 3)
    )
    return _doc(Section("ห้องบัญชาการ", tables), landscape=True, one_page=one_page)


def test_the_one_page_cockpit_fits_one_landscape_page():
    assert len(_text(to_pdf(_cockpit(one_page=False)))) > 1  # the same at 14pt does not
    data = to_pdf(_cockpit(one_page=True))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 across


def test_html_in_text_is_printed_and_nothing_is_fetched(monkeypatch):
    fetched = []
    real_fetch = FontsOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(FontsOnlyFetcher, "fetch", spy)
    hostile = (
        '<img src="http://example.com/x.png"><link rel=stylesheet href="https://x.test/a.css">'
    )
    (page,) = _text(to_pdf(_doc(Section("s", (Paragraph(hostile, label="<b>"),)))))
    flat = page.replace("\n", "")
    assert '<img src="http://example.com/x.png">' in flat and "<b>" in flat
    assert fetched and all(u.startswith("file://") and "/static/fonts/" in u for u in fetched)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/font.ttf",
        "data:font/ttf;base64,AAAA",
        "file:///etc/passwd",
        (pdf.FONTS_DIR / ".." / ".." / "app.py").as_uri(),
        "file://example.com" + (pdf.FONTS_DIR / "Sarabun-Regular.ttf").as_posix(),
    ],
)
def test_the_url_fetcher_refuses_everything_but_the_fonts(url):
    with pytest.raises(RefusedURL):
        FontsOnlyFetcher().fetch(url)


def test_the_url_fetcher_hands_out_the_fonts():
    response = FontsOnlyFetcher().fetch((pdf.FONTS_DIR / "Sarabun-Bold.ttf").as_uri())
    assert response.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font


# --- XLSX ---------------------------------------------------------------------------------


def _xlsx_doc() -> Document:
    first = Section(
        "แบบรายงาน ตัวชี้วัด 4.4",
        (
            Checkboxes((("รอบ ๖ เดือน", False), ("รอบ ๑๒ เดือน", True))),
            Fields((("ผู้กำกับดูแลตัวชี้วัด", "นางสาววรรณภา"),)),
            Paragraph("ข้อมูลครบถ้วน 95 รายการ", label="คำชี้แจง"),
            Table(
                ("ตัวชี้วัด", "น้ำหนัก", "คะแนนถ่วงน้ำหนัก", "จำนวน", "สัญญาณ", "หมายเหตุ"),
                (("4.4", 7, Cell(0.35, decimals=4), 12345, Cell("เขียว", fill="green"), "=1+1"),),
            ),
        ),
    )
    second = Section("ระยอง: ติดตาม/หนังสือ [1]", (Paragraph("@SUM(A1)"),))
    return _doc(
        first,
        second,
        title="รายงานผลการปฏิบัติราชการ",
        subtitle="ปีงบประมาณ พ.ศ. 2569",
        footer="จัดทำเมื่อ 22 พ.ย. 2569",
    )


def _cells(ws) -> dict[str, openpyxl.cell.Cell]:
    return {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}


def _cell_right_of(ws, text: str, steps: int):
    cell = _cells(ws)[text]
    return ws.cell(row=cell.row, column=cell.column + steps)


def test_the_xlsx_keeps_numbers_as_numbers_with_their_format():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(_xlsx_doc())))
    ws = wb.worksheets[0]
    score = _cell_right_of(ws, "4.4", 2)
    assert score.value == 0.35 and score.data_type == "n" and score.number_format == "0.0000"
    assert _cell_right_of(ws, "4.4", 1).value == 7
    count = _cell_right_of(ws, "4.4", 3)
    assert count.value == 12345 and count.number_format == "#,##0"
    light = _cell_right_of(ws, "4.4", 4)
    assert light.value == "เขียว" and light.fill.fgColor.rgb.endswith(
        FILL_COLOURS["green"][1:].upper()
    )
    header = _cells(ws)["คะแนนถ่วงน้ำหนัก"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.freeze_panes == f"A{header.row + 1}"
    assert score.font.name == "Sarabun"


def test_xlsx_text_never_becomes_a_formula():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(_xlsx_doc())))
    formula = _cell_right_of(wb.worksheets[0], "4.4", 5)
    assert formula.value == "=1+1" and formula.data_type == "s" and formula.quotePrefix
    at = _cells(wb.worksheets[1])["@SUM(A1)"]
    assert at.data_type == "s" and at.quotePrefix
    # What the rule guards against: openpyxl alone would store the text as a formula.
    assert openpyxl.Workbook().active.cell(row=1, column=1, value="=1+1").data_type == "f"


def test_xlsx_one_sheet_per_section_with_thai_intact():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(_xlsx_doc())))
    assert wb.sheetnames == ["แบบรายงาน ตัวชี้วัด 4.4", "ระยอง- ติดตาม-หนังสือ -1-"]
    assert wb.properties.title == "รายงานผลการปฏิบัติราชการ"
    first = _cells(wb.worksheets[0])
    for text in (
        "รายงานผลการปฏิบัติราชการ",
        "ปีงบประมาณ พ.ศ. 2569",
        "☐ รอบ ๖ เดือน    ☑ รอบ ๑๒ เดือน",
        "ผู้กำกับดูแลตัวชี้วัด :",
        "ข้อมูลครบถ้วน 95 รายการ",
        "น้ำหนัก",
    ):
        assert text in first
    assert first["คำชี้แจง"].font.b
    assert first["คำชี้แจง"].row == first["ข้อมูลครบถ้วน 95 รายการ"].row
    footer = first["จัดทำเมื่อ 22 พ.ย. 2569"]
    assert footer.row == max(c.row for c in first.values())  # the footer is the last row
    assert "จัดทำเมื่อ 22 พ.ย. 2569" in _cells(wb.worksheets[1])


def test_xlsx_thai_digits_format_numbers_and_convert_text():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(_xlsx_doc(), thai_digits=True)))
    ws = wb.worksheets[0]
    score = _cell_right_of(ws, "๔.๔", 2)
    assert score.value == 0.35 and score.data_type == "n"
    assert score.number_format == THAI_DIGITS_FORMAT + "0.0000" == "[$-D07041E]0.0000"
    assert "ปีงบประมาณ พ.ศ. ๒๕๖๙" in _cells(ws)
    assert wb.sheetnames[0] == "แบบรายงาน ตัวชี้วัด 4.4"  # sheet names are names, left alone

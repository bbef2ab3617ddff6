"""What reading an upload gives back: the clean rows and every problem, in Thai and English.

A :class:`Problem` names the row and column as the user sees them in Excel
(1-based row, header text or column letter), the value and the reason. Its
message comes from :data:`PROBLEM_CODES`; the codes of :data:`SEVERITY` are
warnings (``empty_value``: a row with a note but no value; ``old_period_confirmed``;
``rounded``: more decimals than the item keeps, stored rounded half up to them;
``total_set_aside`` and ``total_mismatch``: a total row left out and checked against
its members; ``total_column``: a total column left out; ``base_year_changed``;
``unread_column``: a header no role was given),
every other code is an error. A row with any error is left out of ``clean``; both
rows of a duplicate_cell are left out. A blank template row (no value, no note) is
not a problem: it is counted in ``UploadResult.blank_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.core.i18n import InputError, pick

CLEAN_COLUMNS = [
    "item_code",
    "area_code",
    "period",
    "period_end",
    "value",
    "note",
    "source_row",
    "source_column",
]

SEVERITY = {
    "empty_value": "warning",
    "old_period_confirmed": "warning",
    "rounded": "warning",
    "total_set_aside": "warning",
    "total_mismatch": "warning",
    "base_year_changed": "warning",
    "unread_column": "warning",
    "total_column": "warning",
}

# code -> (Thai, English) message; {value} is the cell, {th}/{en} the detail.
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    "unreadable_file": (
        "อ่านไฟล์ไม่ได้{th}",
        "The file cannot be read{en}",
    ),
    "empty_file": ("ไฟล์ว่าง ไม่มีข้อมูล", "The file is empty"),
    "bad_encoding": (
        "อ่านตัวอักษรในไฟล์ไม่ได้ (รองรับ UTF-8 และ TIS-620/cp874){th}",
        "The file's characters cannot be decoded (UTF-8 and TIS-620/cp874 are read){en}",
    ),
    "missing_header": (
        "ไม่พบแถวหัวตาราง{th}",
        "No header row found{en}",
    ),
    "no_data_rows": (
        "มีแถวหัวตารางแต่ไม่มีแถวข้อมูลใต้หัวตาราง",
        "The header row is there but no data rows follow it",
    ),
    "too_many_rows": (
        "ไฟล์มีข้อมูลเกิน {value} แถว กรุณาแบ่งไฟล์",
        "The file has more than {value} rows; split it",
    ),
    "missing_item": (
        "ไม่ได้ระบุรายการข้อมูล{th}",
        "No data item given{en}",
    ),
    "unknown_item": (
        "ไม่พบรายการข้อมูล '{value}' ในระบบ{th}",
        "Unknown data item '{value}'{en}",
    ),
    "item_mismatch": (
        "รายการข้อมูลในไฟล์ '{value}' ไม่ตรงกับที่เลือกไว้{th}",
        "The file's data item '{value}' differs from the one chosen{en}",
    ),
    "missing_area": (
        "ไม่ได้ระบุพื้นที่",
        "No area given",
    ),
    "unknown_area": (
        "ไม่พบพื้นที่ '{value}'{th}",
        "Unknown area '{value}'{en}",
    ),
    "ambiguous_area": (
        "ชื่อพื้นที่ '{value}' ซ้ำกันหลายแห่ง กรุณาระบุรหัสหรือจังหวัด: {th}",
        "Area name '{value}' matches several areas; give the code or the province: {en}",
    ),
    "area_level_mismatch": (
        "พื้นที่ '{value}' {th}",
        "Area '{value}' {en}",
    ),
    "total_column": (
        "คอลัมน์ผลรวม '{value}' ไม่นำเข้า (ไม่ใช่งวดหรือรายการข้อมูล)",
        "Total column '{value}' is set aside (neither a period nor an item)",
    ),
    "missing_period": (
        "ไม่ได้ระบุงวดข้อมูล{th}",
        "No period given{en}",
    ),
    "bad_period": (
        "อ่านงวดข้อมูล '{value}' ไม่ได้{th}",
        "Cannot read period '{value}'{en}",
    ),
    "period_not_of_frequency": (
        "งวด '{value}' ไม่ตรงกับความถี่ของรายการ{th}",
        "Period '{value}' does not match the item's frequency{en}",
    ),
    "period_mismatch": (
        "งวดในไฟล์ '{value}' ไม่ตรงกับงวดที่เลือกไว้{th}",
        "The file's period '{value}' differs from the one chosen{en}",
    ),
    "period_in_future": (
        "งวด '{value}' ยังไม่สิ้นสุด{th}",
        "Period '{value}' has not ended yet{en}",
    ),
    "empty_value": (
        "ไม่มีค่าข้อมูล (ข้ามแถวนี้ ไม่นับเป็นศูนย์)",
        "No value (row skipped, not read as zero)",
    ),
    "not_a_number": (
        "ค่า '{value}' ไม่ใช่ตัวเลข{th}",
        "Value '{value}' is not a number{en}",
    ),
    "out_of_range": (
        "ค่า '{value}' อยู่นอกช่วงที่ยอมรับ{th}",
        "Value '{value}' is outside the accepted range{en}",
    ),
    "rounded": (
        "ค่า '{value}' มีทศนิยมเกินที่รายการกำหนด บันทึกเป็น{th}",
        "Value '{value}' has more decimals than the item keeps; stored as{en}",
    ),
    "duplicate_cell": (
        "ข้อมูลซ้ำ: รายการ พื้นที่ และงวดเดียวกันอยู่ในแถว {th}",
        "Duplicate: the same item, area and period are in rows {en}",
    ),
    "duplicate_column": (
        "คอลัมน์ '{value}' ซ้ำกับคอลัมน์อื่น{th}",
        "Column '{value}' repeats another column{en}",
    ),
    "over_limit": (
        "ไฟล์เกินขีดจำกัด: {th} กรุณาแบ่งไฟล์หรือแก้ไขข้อมูล",
        "The file is over a limit: {en}; split the file or correct it",
    ),
    "damaged_file": (
        "ไฟล์เสียหายหรือไม่ใช่ไฟล์สมุดงาน (XLSX, XLS หรือ ODS) ที่ถูกต้อง{th}",
        "The file is damaged or not a valid workbook (XLSX, XLS or ODS){en}",
    ),
    "unclosed_quote": (
        'เครื่องหมายคำพูด (") ที่เปิดในช่องนี้ไม่ได้ปิด{th}',
        'A quote (") opened in this cell is not closed{en}',
    ),
    "stray_quote": (
        'มีเครื่องหมายคำพูด (") อยู่กลางช่อง \'{value}\' (ครอบทั้งช่องด้วย "..." และเขียน " ในข้อความเป็น "")',
        'A quote (") inside the cell \'{value}\' (quote the whole cell as "..." and write " '
        'inside it as "")',
    ),
    "extra_fields": (
        "แถวนี้มีข้อมูล '{value}' ในคอลัมน์ที่ไม่มีหัวตาราง (มีจุลภาคในค่าที่ไม่ได้ครอบด้วย \"...\" หรือไม่)",
        "This row has '{value}' in a column without a header (a comma in a value that is "
        'not quoted as "..."?)',
    ),
    "area_conflict": (
        "พื้นที่ '{value}' ขัดกับคอลัมน์จังหวัด{th}",
        "Area '{value}' contradicts the province column{en}",
    ),
    "old_period": (
        "งวด '{value}' เก่ากว่าปี {th} ต้องยืนยันก่อนบันทึก (หรือพิมพ์ปีผิด?)",
        "Period '{value}' is before {en} and needs confirmation (a mistyped year?)",
    ),
    "old_period_confirmed": (
        "งวด '{value}' เก่ากว่าปี {th} (ยืนยันแล้ว)",
        "Period '{value}' is before {en} (confirmed)",
    ),
    "total_set_aside": (
        "แถวผลรวม '{value}' ไม่นำเข้าเป็นข้อมูลรายพื้นที่{th}",
        "Total row '{value}' is set aside, not read as an area's value{en}",
    ),
    "total_mismatch": (
        "ผลรวม '{value}' ไม่เท่ากับผลรวมของพื้นที่ย่อยในไฟล์{th}",
        "Total '{value}' differs from the sum of its members in the file{en}",
    ),
    "base_year_changed": (
        "ไฟล์ระบุปีฐาน '{value}' ไม่ตรงกับปีฐานของรายการ{th}",
        "The file gives base year '{value}', not the item's{en}",
    ),
    "unread_column": (
        "ไม่ได้อ่านคอลัมน์ '{value}' (ไม่รู้จักหัวคอลัมน์ ระบุบทบาทได้ในขั้นจับคู่คอลัมน์ หรือ --column){th}",
        "Column '{value}' was not read (unknown header: give its role in the mapping step or"
        " with --column){en}",
    ),
    "bad_mapping": (
        "การจับคู่คอลัมน์ '{value}' ใช้ไม่ได้{th}",
        "The column mapping '{value}' cannot be used{en}",
    ),
    "unknown_sheet": (
        "ไม่พบชีต '{value}' ในไฟล์{th}",
        "The workbook has no sheet '{value}'{en}",
    ),
    "too_many_problems": (
        "พบปัญหาทั้งหมด {value} รายการ แสดงเฉพาะ {th} รายการแรก",
        "{value} problems found; only the first {en} are listed",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, located as the user sees it in Excel."""

    row: int | None  # 1-based row in the sheet; None for the whole file or a chosen argument
    column: str  # header text, else column letter; "" for the whole file
    value: str
    code: str
    message_th: str
    message_en: str
    severity: str = "error"  # "error" or "warning"

    def message(self, lang: str = "th") -> str:
        """The message in a language ('th' or 'en')."""
        return pick((self.message_th, self.message_en), lang)


@dataclass(frozen=True, eq=False)
class UploadResult:
    """What read_upload found: the clean rows, the problems and how the file was read."""

    clean: pd.DataFrame
    problems: list[Problem]
    form: str | None
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None
    header_row: int | None = None
    rows_read: int = 0
    problem_count: int = 0  # all problems, also those beyond the listed MAX_PROBLEMS
    lang: str = "th"
    item_code: str | None = None  # item of a wide_periods file (argument or label cell)
    period_text: str | None = None  # period of a wide_items file (argument or label cell)
    # How the header was read, for the mapping step: one dict per column of the header row
    # found (or the likeliest one when none was): position, label, role ("" = unknown),
    # recognised (True when the role came from the header's words, False from a mapping),
    # samples (the first data cells).
    columns: list[dict] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # every sheet of a workbook
    sheets_read: list[str] = field(default_factory=list)  # the sheets the cells came from
    layout_name: str | None = None  # the saved layout the file was read with
    signature: tuple[str, ...] = ()  # header keys of the header row (lib.ingest.layout)
    blank_rows: int = 0  # rows with an area and period but no value (blank template rows)
    set_aside: int = 0  # total and subtotal rows set aside
    errors: list[Problem] = field(default_factory=list, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "errors", [p for p in self.problems if p.severity == "error"])

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not self.errors

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are warnings only."""
        return [p for p in self.problems if p.severity != "error"]

    def problems_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Problems as a frame: row, column, value, code, severity, message (in lang)."""
        lang = lang or self.lang
        return pd.DataFrame(
            [
                (p.row, p.column, p.value, p.code, p.severity, p.message(lang))
                for p in self.problems
            ],
            columns=["row", "column", "value", "code", "severity", "message"],
        ).astype({"row": "Int64"})


def make_problem(
    code: str, row: int | None = None, column: str = "", value: str = "", th: str = "", en: str = ""
) -> Problem:
    """A Problem with its messages filled in from PROBLEM_CODES."""
    msg_th, msg_en = PROBLEM_CODES[code]
    return Problem(
        row=row,
        column=column,
        value=value,
        code=code,
        message_th=msg_th.format(value=value, th=th, en=en),
        message_en=msg_en.format(value=value, th=th, en=en),
        severity=SEVERITY.get(code, "error"),
    )


class FileProblem(InputError):
    """The file as a whole cannot be read; carries one Problem and how far reading got."""

    def __init__(
        self,
        problem: Problem,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ):
        super().__init__(problem.message_th, problem.message_en)
        self.problem = problem
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet

    def meta(self) -> dict:
        """encoding, delimiter and sheet, as UploadResult takes them."""
        return {"encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet}


def collect_problems(
    problems: list[Problem], found: list[pd.DataFrame], max_problems: int
) -> tuple[list[Problem], int]:
    """Problems sorted by row, deduplicated by (row, column, code), capped at max_problems.

    Only the (row, column, code) keys of all found problems are gathered (as integers);
    the messages are made for the listed ones only, so a file with a problem in every
    one of a million rows costs a few arrays, not a million Python objects.
    """
    frames = [f for f in found if len(f)]
    room = max(max_problems - len(problems), 0)
    out = list(problems)
    found_total = 0
    if frames:
        rows = np.concatenate([f["row"].to_numpy(dtype=np.int64) for f in frames])
        columns = pd.factorize(np.concatenate([f["column"].to_numpy(dtype=object) for f in frames]))
        kinds = pd.factorize(np.concatenate([f["code"].to_numpy(dtype=object) for f in frames]))
        key = (rows * (len(columns[1]) + 1) + columns[0]) * (len(kinds[1]) + 1) + kinds[0]
        first = np.sort(np.unique(key, return_index=True)[1])  # in the order found
        found_total = len(first)
        chosen = first[np.argsort(rows[first], kind="stable")][:room]
        out.extend(_problems_at(frames, chosen))
    total = len(problems) + found_total
    if total > len(out):
        out.append(
            make_problem("too_many_problems", value=f"{total:,}", th=str(room), en=str(room))
        )
    return out, total


def _problems_at(frames: list[pd.DataFrame], positions: np.ndarray) -> list[Problem]:
    """The Problems at positions of the frames taken one after the other."""
    starts = np.cumsum([0] + [len(f) for f in frames])
    out = []
    for pos in positions.tolist():
        k = int(np.searchsorted(starts, pos, side="right")) - 1
        r = frames[k].iloc[pos - int(starts[k])]
        out.append(
            make_problem(
                r["code"],
                row=int(r["row"]) or None,
                column=str(r["column"]),
                value=str(r["value"]),
                th=str(r["th"]),
                en=str(r["en"]),
            )
        )
    return out

"""What a deployment's configuration is: its sheets (kinds), their fields and allowed values.

One place says, for every kind of configuration row (data groups, aspects,
agencies, items, KPIs per fiscal year, the deployment's scope and outlier
threshold, the validation rules between items), which fields it has, their
Thai and English headers, their type, allowed values and default. The
workbook (`workbook`), the validation (`validate`), the change preview (`diff`)
and the store writes all read this table; nothing else lists fields.

Config frames: ``dict[sheet key -> DataFrame]`` with exactly the sheet's field
keys as columns, in order, one row per record, cells as Python values of the
field's type (str, int, float, bool; ``None`` when empty). An empty cell of a
field with a default (a rule's tolerance 0, active 1) takes it when the
workbook is imported (`diff.merge`); an empty outlier threshold means 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.core import thaicalendar as tc
from lib.engine.aggregations import ITEM_AGGREGATIONS, KPI_AGGREGATIONS
from lib.engine.kpi import MISSING_RULES
from lib.engine.methods import SCORING_METHODS
from lib.engine.quality import THRESHOLD

# Field types: how a cell is read and written.
TEXT = "text"  # free text, trimmed; empty -> None
CODE = "code"  # A-Z a-z 0-9 . _ - (no spaces), at most 40 characters
INT = "int"  # whole number
NUMBER = "number"  # decimal number (thresholds, weights, ranges)
BOOL = "bool"  # 1/0 (also TRUE/FALSE, ใช่/ไม่ใช่); empty -> None where optional
CHOICE = "choice"  # one of Field.choices
YEAR = "year"  # a Buddhist Era fiscal year, 2500..2700
CODES = "codes"  # comma-separated codes (e.g. a KPI's linked items)

# The allowed lists are those of the rules that use them (each kept once).
AREA_LEVELS = ("province", "district")  # the levels an item's values are kept at
FREQUENCIES = tc.FREQUENCIES
KPI_METHODS = tuple(SCORING_METHODS)
# The outlier threshold when a deployment sets none (lib.engine.quality.THRESHOLD).
OUTLIER_THRESHOLD = THRESHOLD
# How an item reads a crop year "2565/66" (lib.ingest.periods); an empty cell is "start".
CROP_YEAR_RULES = ("start", "end")


@dataclass(frozen=True)
class Field:
    key: str
    th: str  # Thai header (the workbook shows "th (key)")
    en: str  # English header / short meaning
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    help_th: str = ""  # what the README sheet says about the column
    help_en: str = ""
    default: object = None  # what an empty cell of an imported row becomes (None: stays empty)


@dataclass(frozen=True)
class Sheet:
    key: str  # also the store table it feeds
    th: str  # Thai sheet name (the workbook's tab)
    en: str
    fields: tuple[Field, ...]
    keys: tuple[str, ...]  # the fields that identify a row (unique together)
    help_th: str = ""
    help_en: str = ""

    @property
    def columns(self) -> list[str]:
        return [f.key for f in self.fields]

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class Problem:
    """One reason a workbook is rejected: where (sheet, Excel row, column), the value and why."""

    sheet: str  # sheet key
    row: int | None  # the row number as the spreadsheet shows it (header is row 1)
    column: str | None  # field key
    value: str | None
    reason_th: str
    reason_en: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def text(self, lang: str = "th") -> str:
        """'แผ่น items แถว 5 คอลัมน์ frequency ค่า "weekly": เหตุผล'."""
        if lang == "en":
            where = [f"sheet {self.sheet}"]
            where += [f"row {self.row}"] if self.row else []
            where += [f"column {self.column}"] if self.column else []
            where += [f"value {self.value!r}"] if self.value not in (None, "") else []
            return ", ".join(where) + f": {self.reason_en or self.reason_th}"
        where = [f"แผ่น {self.sheet}"]
        where += [f"แถว {self.row}"] if self.row else []
        where += [f"คอลัมน์ {self.column}"] if self.column else []
        where += [f'ค่า "{self.value}"'] if self.value not in (None, "") else []
        return " ".join(where) + f": {self.reason_th}"


def _f(key, th, en, kind=TEXT, required=False, choices=(), help_th="", help_en="", default=None):
    return Field(key, th, en, kind, required, tuple(choices), help_th, help_en, default)


_NAMES = (
    _f("name_th", "ชื่อภาษาไทย", "Thai name", required=True),
    _f("name_en", "ชื่อภาษาอังกฤษ", "English name", required=True),
)

DEPLOYMENT = Sheet(
    "deployment",
    "การติดตั้ง",
    "Deployment",
    (
        _f(
            "scope_code",
            "ขอบเขตของระบบ",
            "Deployment scope",
            CODE,
            True,
            help_th="TH = ทั้งประเทศ, รหัสกลุ่มจังหวัด (เช่น C17-E1) หรือรหัสจังหวัด 2 หลัก (เช่น 21)",
            help_en="TH = the country, a cluster code (e.g. C17-E1) "
            "or a 2-digit province code (21)",
        ),
        _f(
            "outlier_threshold",
            "เกณฑ์ค่าผิดปกติ (คะแนน z แบบปรับ)",
            "Outlier threshold (modified z-score)",
            NUMBER,
            help_th="ตัวเลขมากกว่า 0: ค่าที่ห่างจากค่ามัธยฐานของประวัติหรือของพื้นที่อื่นเกินเกณฑ์นี้"
            f" ถูกแจ้งเตือนให้ตรวจ; ว่าง = {OUTLIER_THRESHOLD} (ยิ่งน้อยยิ่งแจ้งเตือนมาก)",
            help_en="a number above 0: a value whose modified z-score against its own history "
            f"or the other areas exceeds it is flagged; empty: {OUTLIER_THRESHOLD} "
            "(lower flags more)",
        ),
    ),
    ("scope_code",),
    "หนึ่งแถว: ขอบเขตพื้นที่ที่ระบบนี้ต้องมีข้อมูลครบ และเกณฑ์ค่าผิดปกติ",
    "One row: the area whose data this deployment must hold, and the outlier threshold",
)

DATA_GROUPS = Sheet(
    "data_groups",
    "กลุ่มข้อมูล",
    "Data groups",
    (
        _f("code", "รหัส", "Code", CODE, True),
        *_NAMES,
        _f("sort_order", "ลำดับ", "Display order", INT, True),
    ),
    ("code",),
    "กลุ่มข้อมูล (เช่น เศรษฐกิจ สังคม ทรัพยากรธรรมชาติ ความมั่นคง)",
    "Data groups (economy, society, natural resources, security)",
)

ASPECTS = Sheet(
    "aspects",
    "ด้าน",
    "Aspects",
    (
        _f("code", "รหัส", "Code", CODE, True),
        _f("group_code", "รหัสกลุ่มข้อมูล", "Data group code", CODE, True),
        *_NAMES,
        _f("sort_order", "ลำดับ", "Display order", INT, True),
    ),
    ("code",),
    "ด้านของแต่ละกลุ่มข้อมูล",
    "The aspects (ด้าน) of each data group",
)

AGENCIES = Sheet(
    "agencies",
    "หน่วยงาน",
    "Agencies",
    (
        _f("code", "รหัส", "Code", CODE, True),
        *_NAMES,
        _f("ministry_th", "กระทรวง", "Ministry (Thai)"),
        _f("ministry_en", "กระทรวง (อังกฤษ)", "Ministry (English)"),
    ),
    ("code",),
    "หน่วยงานเจ้าของข้อมูล (ประเภทหน่วยงาน เช่น สำนักงานสถิติจังหวัด)",
    "Owner agencies (agency types, e.g. the provincial statistical office)",
)

ITEMS = Sheet(
    "items",
    "รายการข้อมูล",
    "Items",
    (
        _f("code", "รหัส", "Code", CODE, True),
        _f("aspect_code", "รหัสด้าน", "Aspect code", CODE, True),
        *_NAMES,
        _f("unit_th", "หน่วยนับ", "Unit (Thai)", required=True),
        _f("unit_en", "หน่วยนับ (อังกฤษ)", "Unit (English)", required=True),
        _f(
            "decimals",
            "ทศนิยม",
            "Decimals",
            INT,
            True,
            help_th="จำนวนตำแหน่งทศนิยมที่เก็บและแสดง (0-6)",
            help_en="decimal places stored and shown (0-6)",
        ),
        _f("area_level", "ระดับพื้นที่", "Area level", CHOICE, True, AREA_LEVELS),
        _f(
            "frequency",
            "ความถี่",
            "Frequency",
            CHOICE,
            True,
            FREQUENCIES,
            help_th="biennial = ทุก 2 ปี (ต้องส่งเฉพาะปี พ.ศ. คู่ เช่น 2564 2566)",
            help_en="biennial: every second year (due in even Buddhist years only, e.g. 2566)",
        ),
        _f("owner_agency", "หน่วยงานเจ้าของข้อมูล", "Owner agency code", CODE, True),
        _f("responsible_person", "ผู้รับผิดชอบ", "Responsible person (position)", required=True),
        _f("responsible_contact", "ติดต่อ", "Contact (phone, e-mail)"),
        _f("source", "แหล่งข้อมูล", "Source", required=True),
        _f(
            "release_lag_days",
            "ระยะเวลาเผยแพร่ (วัน)",
            "Release lag (days)",
            INT,
            True,
            help_th="จำนวนวันหลังสิ้นงวดที่ข้อมูลต้องเข้าระบบ",
            help_en="days after the period's end by which the value is due",
        ),
        _f("valid_min", "ค่าต่ำสุดที่ยอมรับ", "Valid minimum", NUMBER),
        _f("valid_max", "ค่าสูงสุดที่ยอมรับ", "Valid maximum", NUMBER),
        _f(
            "higher_is_better",
            "ยิ่งมากยิ่งดี",
            "Higher is better",
            BOOL,
            help_th="1 = ยิ่งมากยิ่งดี, 0 = ยิ่งน้อยยิ่งดี, ว่าง = ไม่มีทิศทาง",
            help_en="1 higher is better, 0 lower is better, empty neutral",
        ),
        _f(
            "aggregation",
            "วิธีรวมค่า",
            "Aggregation",
            CHOICE,
            True,
            ITEM_AGGREGATIONS,
            help_th="sum = รวมยอด (จำนวน), mean = ค่าเฉลี่ย (อัตรา)",
            help_en="sum for counts and amounts, mean for rates",
        ),
        _f("is_published", "เผยแพร่", "Published", BOOL, True),
        _f("counts_for_coverage", "นับความครบถ้วน", "Counts for coverage", BOOL, True),
        _f("linked_plan", "ยุทธศาสตร์/แผนที่เชื่อมโยง", "Linked strategy or plan"),
        _f(
            "crop_year",
            "ปีการผลิต (นับเป็นปีที่เริ่ม/สิ้นสุด)",
            "Crop year counts as the year it starts/ends",
            CHOICE,
            False,
            CROP_YEAR_RULES,
            help_th="ปีการผลิต 2565/66 นับเป็นปี 2565 (start) หรือ 2566 (end); ว่าง = start",
            help_en="crop year 2565/66 is the year 2565 (start) or 2566 (end); empty: start",
        ),
        _f(
            "base_year",
            "ปีฐาน (ดัชนี)",
            "Base year (index)",
            INT,
            help_th="ปี พ.ศ. ที่ดัชนีเท่ากับ 100 เช่น 2562; ไฟล์ที่ระบุปีฐานอื่นจะได้คำเตือน",
            help_en="Buddhist year the index equals 100 (e.g. 2562); a file naming another warns",
        ),
        _f(
            "from_fy",
            "ใช้ตั้งแต่ปีงบประมาณ",
            "In force from fiscal year",
            YEAR,
            help_th="ว่าง = ตั้งแต่แรก",
            help_en="empty: from the start",
        ),
        _f(
            "retired_from_fy",
            "เลิกใช้ตั้งแต่ปีงบประมาณ",
            "Retired from fiscal year",
            YEAR,
            help_th="ว่าง = ยังใช้อยู่; ประวัติข้อมูลยังอยู่ครบ แต่ไม่นับความครบถ้วนตั้งแต่ปีนั้น",
            help_en="empty: in force; history is kept, "
            "it stops counting for coverage from that year",
        ),
    ),
    ("code",),
    "รายการข้อมูล (ตัวแปร) ของแต่ละด้าน",
    "Data items of each aspect",
)

KPIS = Sheet(
    "kpis",
    "ตัวชี้วัด",
    "KPIs",
    (
        _f(
            "fiscal_year",
            "ปีงบประมาณ",
            "Fiscal year",
            YEAR,
            True,
            help_th="ชุดตัวชี้วัดของปีนั้น ใช้จนกว่าจะมีชุดของปีใหม่",
            help_en="the KPI set of that year, in force until a later year's set",
        ),
        _f("code", "รหัส", "Code", CODE, True),
        *_NAMES,
        _f("owner_agency", "หน่วยงานรับผิดชอบ", "Owner agency code", CODE, True),
        _f("supervisor", "ผู้กำกับดูแลตัวชี้วัด", "Supervisor"),
        _f("supervisor_phone", "โทรศัพท์ผู้กำกับ", "Supervisor's phone"),
        _f("data_collectors", "ผู้จัดเก็บข้อมูล", "Data collectors"),
        _f("collectors_phone", "โทรศัพท์ผู้จัดเก็บ", "Collectors' phone"),
        _f("weight_pct", "น้ำหนัก (ร้อยละ)", "Weight (%)", NUMBER, True),
        _f("method", "วิธีให้คะแนน", "Scoring method", CHOICE, True, KPI_METHODS),
        _f("t1", "เกณฑ์ระดับ 1", "Threshold 1", NUMBER),
        _f("t2", "เกณฑ์ระดับ 2", "Threshold 2", NUMBER),
        _f("t3", "เกณฑ์ระดับ 3", "Threshold 3", NUMBER),
        _f("t4", "เกณฑ์ระดับ 4", "Threshold 4", NUMBER),
        _f("t5", "เกณฑ์ระดับ 5", "Threshold 5", NUMBER),
        _f(
            "steps_th",
            "ขั้นตอนการดำเนินงาน (milestone)",
            "Milestone steps (Thai)",
            help_th="ขั้นที่ 1-5 คั่นด้วยการขึ้นบรรทัดใหม่",
            help_en="steps 1-5, one per line",
        ),
        _f("higher_is_better", "ยิ่งมากยิ่งดี", "Higher is better", BOOL, True),
        _f("floor_score", "คะแนนต่ำสุด", "Floor score", NUMBER, True),
        _f("target", "ค่าเป้าหมาย", "Target", NUMBER),
        _f("unit_th", "หน่วยนับ", "Unit (Thai)"),
        _f("unit_en", "หน่วยนับ (อังกฤษ)", "Unit (English)"),
        _f(
            "rounds",
            "รอบการประเมิน (เดือน)",
            "Rounds (months)",
            required=True,
            help_th="เช่น 6,9,12",
            help_en="e.g. 6,9,12",
        ),
        _f("green_at", "สีเขียวเมื่อคะแนน ≥", "Green at score", NUMBER, True),
        _f("amber_at", "สีเหลืองเมื่อคะแนน ≥", "Amber at score", NUMBER, True),
        _f("aggregation", "วิธีรวมค่า", "Aggregation", CHOICE, True, KPI_AGGREGATIONS),
        _f("item_codes", "รายการข้อมูลที่ใช้", "Linked item codes", CODES),
        _f(
            "missing_rule",
            "เมื่อไม่มีข้อมูล",
            "When data is missing",
            CHOICE,
            True,
            MISSING_RULES,
            help_th="zero = ได้ 0 คะแนน, exclude = ไม่นำมาคิด",
            help_en="zero scores 0, exclude leaves it out of the composite",
        ),
        _f("description_th", "คำอธิบาย", "Description (Thai)"),
        _f("description_en", "คำอธิบาย (อังกฤษ)", "Description (English)"),
    ),
    ("fiscal_year", "code"),
    "ตัวชี้วัดตามคำรับรองการปฏิบัติราชการ แยกตามปีงบประมาณ (น้ำหนักรวมปีละ 100)",
    "Performance-agreement KPIs per fiscal year (weights sum to 100 per year)",
)

RULES = Sheet(
    "rules",
    "กฎตรวจสอบ",
    "Validation rules",
    (
        _f("code", "รหัส", "Code", CODE, True),
        *_NAMES,
        _f(
            "expression",
            "นิพจน์",
            "Expression",
            required=True,
            help_th="รหัสรายการข้อมูล ตัวเลข + - และการเปรียบเทียบหนึ่งครั้ง (=, <=, >=, <, >) "
            "หรือเป็นช่วง เช่น POP06 + POP07 = POP01, POP03 <= POP01, 0 <= FOR02 <= 100",
            help_en="item codes, numbers, + - and one comparison (=, <=, >=, <, >) or a range: "
            "POP06 + POP07 = POP01, POP03 <= POP01, 0 <= FOR02 <= 100",
        ),
        _f(
            "tolerance",
            "ค่าคลาดเคลื่อนที่ยอมรับ",
            "Tolerance",
            NUMBER,
            help_th="ผลต่างที่ยอมให้ได้เมื่อใช้ = (ไม่ติดลบ); ว่าง = 0",
            help_en="the difference allowed by = (not negative); empty: 0",
            default=0,
        ),
        _f(
            "is_active",
            "ใช้งาน",
            "Active",
            BOOL,
            help_th="1 = ตรวจตามกฎนี้, 0 = พักไว้; ว่าง = 1",
            help_en="1 checks the rule, 0 keeps it aside; empty: 1",
            default=True,
        ),
    ),
    ("code",),
    "กฎตรวจสอบความสอดคล้องระหว่างรายการข้อมูล: ตรวจเมื่อนำเข้า (คำเตือน) และในรายการติดตาม",
    "Validation rules between items: checked at upload (a warning) and on the follow-up list",
)

# The sheets every workbook holds, in order; an optional sheet (rules) is written when the
# frames hold it (an export always does) and a workbook without it keeps what the store has.
SHEETS: tuple[Sheet, ...] = (DEPLOYMENT, DATA_GROUPS, ASPECTS, AGENCIES, ITEMS, KPIS)
OPTIONAL_SHEETS: tuple[Sheet, ...] = (RULES,)
ALL_SHEETS: tuple[Sheet, ...] = (*SHEETS, *OPTIONAL_SHEETS)
SHEET_BY_KEY = {s.key: s for s in ALL_SHEETS}

"""Upload templates (แบบฟอร์มนำเข้าข้อมูล): frames prefilled with areas and due periods.

Three forms, each read back by :func:`lib.ingest.read_upload` without help:

============ =================================================================
form         layout
============ =================================================================
long         รหัสรายการ, รหัสพื้นที่, ชื่อพื้นที่, งวด, ค่า, หมายเหตุ: one row per
             item x area x due period
wide_periods รหัสพื้นที่, ชื่อพื้นที่, then one column per due period, for one
             item (named in a ``รหัสรายการ: CODE`` row above the header)
wide_items   รหัสพื้นที่, ชื่อพื้นที่, then one column per item, for one period
             (named in a ``งวด: ...`` row above the header); only items of the
             period's frequency and of one area level fit in one sheet
============ =================================================================

Several items (``items``): a long form lists them all; a wide_periods form
gets an item column (one item per row; the items must share a frequency); a
wide_items form over a range gets a period column (one period per row).

Periods are written the Thai way (มี.ค. 2568, ไตรมาส 1/2568, 2568, ปีงบประมาณ
2568) in Thai templates and as period codes in English ones. Due periods:
those of the current fiscal year (of ``as_of``) whose due date (period end +
release lag) has passed; when none has yet, the latest due period. With
``due_only=False``: every period ending in the current fiscal year. A range
(``period_from`` .. ``period_to``, inclusive, each read by the item's own
frequency, else as the month, quarter or year it names) back-fills history:
every period of the item ending in it, due or not; at most 20 years, and the
range must have ended by ``as_of`` (a missing ``period_to`` is the day before
``as_of``, a missing ``period_from`` the start of ``period_to``'s fiscal year).

Rows come in the order agencies keep them (``order="name"``): areas by name
(Thai dictionary order: a leading vowel เ แ โ ใ ไ sorts by the consonant after
it, tone marks only break ties), districts under their province's name, the
code alongside; ``order="code"`` sorts by area code.

The frame carries its form, item, period, title and label rows in
``frame.attrs``; :func:`to_csv_bytes` (UTF-8 with BOM, opens right in Thai
Excel) and :func:`to_xlsx_bytes` (title row, label row, header, data, a
"ที่มา:" note row) write them. Text cells starting with = + - @ (or a tab or
carriage return) are neutralised with a leading single quote, except numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections import Counter
from datetime import date, timedelta

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.exporting import neutralise_cell as neutralise
from lib.core.i18n import InputError, Text, check_lang, pick, pick_column
from lib.ingest.files import TEMPLATE_SHEET
from lib.ingest.forms import FORMS
from lib.ingest.periods import FREQUENCY_TH, normalise_period

LONG_HEADERS = {
    "th": ("รหัสรายการ", "รหัสพื้นที่", "ชื่อพื้นที่", "งวด", "ค่า", "หมายเหตุ"),
    "en": ("item_code", "area_code", "area_name", "period", "value", "note"),
}
AREA_HEADERS = {"th": ("รหัสพื้นที่", "ชื่อพื้นที่"), "en": ("area_code", "area_name")}
ITEM_LABEL = {"th": "รหัสรายการ", "en": "item_code"}
PERIOD_LABEL = {"th": "งวด", "en": "period"}
TEMPLATE_HEADING = Text("แบบนำเข้าข้อมูล", "Upload template")
ORDERS = ("name", "code")
MAX_RANGE_YEARS = 20  # a template back-fills at most this many years of history
SOURCE_NOTE = {
    "th": "ที่มา: แบบฟอร์มนำเข้าข้อมูล ระบบฐานข้อมูลจังหวัด (กรอกเฉพาะคอลัมน์ค่า)",
    "en": "Source: upload template of the provincial database (fill in the values only)",
}


def due_periods(item: dict, as_of: date, due_only: bool = True) -> list[str]:
    """Periods of an item to fill in at as_of (see the module docstring).

    >>> due_periods({"frequency": "quarterly", "release_lag_days": 45}, date(2025, 8, 20))
    ['2024-Q4', '2025-Q1', '2025-Q2']
    """
    frequency = item["frequency"]
    fy_start, fy_end = tc.fiscal_year_bounds(tc.fiscal_year_of(as_of))
    if not due_only:
        return tc.periods_between(fy_start, fy_end, frequency)
    lag = int(item.get("release_lag_days") or 0)
    latest = tc.latest_due_period(as_of, frequency, lag)
    if latest is None:
        return []
    latest_end = tc.period_bounds(latest, frequency)[1]
    if latest_end < fy_start:
        return [latest]
    return tc.periods_between(fy_start, latest_end, frequency)


def _range_day(text: str, frequency: str, last: bool) -> date:
    """First (or last) day of a range end read by the frequency, else as any period it names."""
    for freq in (frequency, *tc.FREQUENCIES):
        try:
            code = normalise_period(text, freq)
        except ValueError:
            continue
        return tc.period_bounds(code, freq)[1 if last else 0]
    raise InputError(
        f"อ่านงวด '{text}' ไม่ได้ (เช่น ม.ค. 2565, ไตรมาส 1/2565, 2565, ปีงบประมาณ 2565)",
        f"cannot read the period '{text}' (e.g. 2022-01, 2022-Q1, 2565, FY2565)",
    )


def range_periods(
    frequency: str, period_from: str | None, period_to: str | None, as_of: date
) -> list[str]:
    """Every period of a frequency ending from period_from to period_to (inclusive), due or not.

    InputError (Thai and English) for an unreadable period, a range that is reversed, longer
    than MAX_RANGE_YEARS or not ended by as_of; [] when no period of the frequency ends in it.

    >>> range_periods("quarterly", "2565", "2565-06", date(2025, 1, 1))
    ['2022-Q1', '2022-Q2']
    >>> range_periods("annual", "2564", "2566", date(2025, 1, 1))
    ['2021', '2022', '2023']
    """
    last = as_of - timedelta(days=1)
    if period_to:
        last = _range_day(period_to, frequency, last=True)
        if last >= as_of:
            raise InputError(
                f"งวด '{period_to}' ยังไม่สิ้นสุด ณ วันที่ {tc.thai_date(as_of)}: "
                "แบบฟอร์มย้อนหลังต้องเป็นงวดที่สิ้นสุดแล้ว",
                f"the period '{period_to}' has not ended by {as_of.isoformat()}",
            )
    if period_from:
        first = _range_day(period_from, frequency, last=False)
    else:
        first = tc.fiscal_year_bounds(tc.fiscal_year_of(last))[0]
    if first > last:
        raise InputError(
            f"งวดเริ่ม '{period_from}' อยู่หลังงวดสิ้นสุด '{period_to or tc.thai_date(last)}'",
            f"the range starts ('{period_from}') after it ends ('{period_to or last}')",
        )
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_RANGE_YEARS * 12:
        raise InputError(
            f"ช่วงงวดยาวเกิน {MAX_RANGE_YEARS} ปี ({tc.thai_date(first)} - {tc.thai_date(last)})",
            f"the range is longer than {MAX_RANGE_YEARS} years ({first} - {last})",
        )
    return tc.periods_between(first, last, frequency)


def _no_period_in(span: tuple, frequency: str) -> InputError:
    shown = " - ".join(str(p or "") for p in span)
    return InputError(
        f"ไม่มีงวด{FREQUENCY_TH[frequency]}ที่สิ้นสุดในช่วง {shown}",
        f"no {frequency} period ends in the range {shown}",
    )


def _period_text(period: str, frequency: str, lang: str) -> str:
    return pick((tc.thai_period_label(period, frequency, "th"), period), lang)


_LEADING_VOWEL = re.compile(r"([\u0e40-\u0e44])([\u0e01-\u0e2e])")
_TONE_MARKS = re.compile(r"[\u0e47-\u0e4e]")


def name_key(name: object) -> str:
    """Sorting key of a name in Thai dictionary order (English: case ignored).

    >>> sorted(["เชียงใหม่", "ตาก", "กรุงเทพมหานคร", "ชัยนาท", "Nan"], key=name_key)
    ['Nan', 'กรุงเทพมหานคร', 'ชัยนาท', 'เชียงใหม่', 'ตาก']
    """
    text = _LEADING_VOWEL.sub(r"\2\1", str(name or "")).casefold()
    return f"{_TONE_MARKS.sub('', text)}\x00{text}"


def _areas_of_level(
    areas: pd.DataFrame, level: str, province: str | None, order: str = "code", lang: str = "th"
) -> pd.DataFrame:
    out = areas[areas["level"] == level]
    if province is not None:
        if level == "province":
            out = out[out["code"] == province]
        else:
            out = out[out["parent_code"] == province]
    if order == "code":
        return out.sort_values("code")
    name = pick_column("name", lang)
    keys = out.assign(_name=out[name].map(name_key), _parent="")
    if level == "district":  # districts stay under their province, provinces by name too
        parents = areas.drop_duplicates("code").set_index("code")[name]
        keys["_parent"] = out["parent_code"].map(parents).map(name_key)
    return keys.sort_values(["_parent", "_name", "code"]).drop(columns=["_name", "_parent"])


def _chosen_items(
    catalogue: pd.DataFrame, item_code: str | None, codes: list[str] | None, agency: str | None
) -> pd.DataFrame:
    wanted = list(dict.fromkeys([*([item_code] if item_code else []), *(codes or [])]))
    if wanted:
        known = set(catalogue["code"])
        unknown = [c for c in wanted if c not in known]
        if unknown:
            shown = ", ".join(unknown)
            raise InputError(f"ไม่พบรายการข้อมูล {shown}", f"unknown item {shown}")
        chosen = catalogue[catalogue["code"].isin(wanted)]
    elif agency is not None:
        chosen = catalogue[catalogue["owner_agency"] == agency]
        if chosen.empty:
            raise InputError(
                f"หน่วยงาน {agency} ไม่มีรายการข้อมูลที่รับผิดชอบ", f"agency {agency!r} owns no item"
            )
    else:
        raise InputError("เลือกรายการข้อมูลหรือหน่วยงาน", "give item_code or agency, or a list of items")
    return chosen.sort_values("code")


def template_frame(
    catalogue: pd.DataFrame,
    areas: pd.DataFrame,
    /,
    *,
    form: str,
    item_code: str | None = None,
    items: list[str] | None = None,
    agency: str | None = None,
    period: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    as_of: date,
    due_only: bool = True,
    province: str | None = None,
    lang: str = "th",
    order: str = "name",
) -> pd.DataFrame:
    """A template to fill in, for chosen items or every item an agency owns.

    form: 'long', 'wide_periods' (items of one frequency) or 'wide_items' (one period, or a
    range with a period column); item_code / items: the items (else the agency's); period:
    only that period (any spelling read_upload accepts); period_from / period_to: a range of
    history instead of the due periods; province: only that province (its districts for
    district items); lang: header and period language; order: rows by area 'name' or 'code'.
    InputError (Thai and English) for an unknown item, form or order, or a bad period or range.
    """
    if form not in FORMS:
        raise InputError(
            f"ไม่มีรูปแบบ {form} (มี {', '.join(FORMS)})",
            f"unknown form {form!r}; expected one of {FORMS}",
        )
    if order not in ORDERS:
        raise InputError(f"เรียงแถวได้ตาม name หรือ code ไม่ใช่ {order}", f"unknown order {order!r}")
    if period is not None and (period_from or period_to):
        raise InputError("เลือกงวดเดียวหรือช่วงงวดอย่างใดอย่างหนึ่ง", "give a period or a range, not both")
    check_lang(lang)
    records = _chosen_items(catalogue, item_code, items, agency).to_dict("records")
    span = (period_from, period_to) if (period_from or period_to) else None
    shape = (areas, province, lang, order)
    if form == "wide_items":  # the items that fit one sheet decide the period
        return _wide_items(records, shape, period, as_of, span)
    for item in records:
        item["_periods"] = _periods_for(item, period, span, as_of, due_only)
    if span is not None and not any(item["_periods"] for item in records):
        raise _no_period_in(span, records[0]["frequency"])
    return (_long if form == "long" else _wide_periods)(records, shape)


def _periods_for(item: dict, period, span, as_of: date, due_only: bool) -> list[str]:
    if period is not None:
        return [normalise_period(period, item["frequency"])]
    if span is not None:
        return range_periods(item["frequency"], span[0], span[1], as_of)
    return due_periods(item, as_of, due_only)


def _long(records, shape) -> pd.DataFrame:
    areas, province, lang, order = shape
    rows = []
    for item in records:
        area_rows = _areas_of_level(areas, item["area_level"], province, order, lang)
        names = area_rows[pick_column("name", lang)]
        texts = [_period_text(p, item["frequency"], lang) for p in item["_periods"]]
        for code, name in zip(area_rows["code"], names, strict=True):
            for text in texts:
                rows.append((item["code"], code, name, text, None, ""))
    frame = pd.DataFrame(rows, columns=list(LONG_HEADERS[lang])).astype(
        {LONG_HEADERS[lang][4]: float}
    )
    frame.attrs.update(
        form="long",
        item_codes=[r["code"] for r in records],
        title=_title(records, lang),
        label_rows=[],
        lang=lang,
    )
    return frame


def _area_frame(areas: pd.DataFrame, level: str, province: str | None, lang: str, order: str):
    area_rows = _areas_of_level(areas, level, province, order, lang)
    names = area_rows[pick_column("name", lang)]
    code_h, name_h = AREA_HEADERS[lang]
    return pd.DataFrame({code_h: area_rows["code"].to_numpy(), name_h: names.to_numpy()})


def _wide_periods(records, shape) -> pd.DataFrame:
    """Areas x periods: one item (named above the header) or an item column for several."""
    areas, province, lang, order = shape
    frequencies = {r["frequency"] for r in records}
    if len(frequencies) > 1:
        shown = ", ".join(f"{r['code']} {FREQUENCY_TH[r['frequency']]}" for r in records)
        raise InputError(
            f"แบบพื้นที่ x งวด ใช้กับรายการที่มีความถี่เดียวกัน ({shown}): เลือกแบบยาวแทน",
            "an areas x periods template needs items of one frequency: use the long form",
        )
    frequency = frequencies.pop()
    periods = sorted(
        {p for r in records for p in r["_periods"]}, key=lambda p: tc.period_bounds(p, frequency)
    )
    parts = []
    for item in records:
        part = _area_frame(areas, item["area_level"], province, lang, order)
        if len(records) > 1:
            part.insert(0, ITEM_LABEL[lang], item["code"])
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    for p in periods:
        frame[_period_text(p, frequency, lang)] = float("nan")
    single = len(records) == 1
    frame.attrs.update(
        form="wide_periods",
        item_codes=[r["code"] for r in records],
        periods=periods,
        title=_title(records, lang),
        label_rows=[[f"{ITEM_LABEL[lang]}: {records[0]['code']}"]] if single else [],
        lang=lang,
    )
    return frame


def _latest_due(records: list[dict], frequency: str, as_of: date) -> list[str]:
    """[the latest period due for any of the items], InputError when none is due yet."""
    lasts = [due[-1] for r in records if (due := due_periods(r, as_of))]
    latest = max(lasts, key=lambda p: tc.period_bounds(p, frequency)[1], default=None)
    if latest is None:
        raise InputError("ยังไม่มีงวดที่ถึงกำหนดส่งของรายการเหล่านี้", "no period is due yet for these items")
    return [latest]


def _reads(period: str, frequency: str) -> bool:
    try:
        normalise_period(period, frequency)
    except ValueError:
        return False  # not of this item's frequency: it cannot share the sheet
    return True


def _wide_items(records, shape, period, as_of, span: tuple | None) -> pd.DataFrame:
    """Areas x items of one frequency and area level: one period named above the header, or
    a period column (a block of areas per period) over a range."""
    areas, province, lang, order = shape
    if period is not None:
        fits = [r for r in records if _reads(period, r["frequency"])]
        if not fits:
            raise InputError(
                f"งวด '{period}' ไม่ตรงกับความถี่ของรายการใดเลย",
                f"period {period!r} fits none of the items' frequencies",
            )
        periods = [normalise_period(period, fits[0]["frequency"])]
    else:
        frequency = Counter(r["frequency"] for r in records).most_common(1)[0][0]
        fits = [r for r in records if r["frequency"] == frequency]
        periods = range_periods(frequency, *span, as_of) if span else None
        if span and not periods:
            raise _no_period_in(span, frequency)
        periods = periods or _latest_due(fits, frequency, as_of)
    fits = [r for r in fits if r["area_level"] == fits[0]["area_level"]]
    texts = [_period_text(p, fits[0]["frequency"], lang) for p in periods]
    frame = _area_frame(areas, fits[0]["area_level"], province, lang, order)
    if span:
        blocks = [frame.assign(_p=text) for text in texts]
        frame = pd.concat(blocks, ignore_index=True).rename(columns={"_p": PERIOD_LABEL[lang]})
        frame = frame[[PERIOD_LABEL[lang], *AREA_HEADERS[lang]]]
    for item in fits:
        frame[item["code"]] = float("nan")
    used = {r["code"] for r in fits}
    frame.attrs.update(
        form="wide_items",
        item_codes=sorted(used),
        excluded_items=sorted(r["code"] for r in records if r["code"] not in used),
        periods=periods,
        title=_title(fits, lang),
        label_rows=[] if span else [[f"{PERIOD_LABEL[lang]}: {texts[0]}"]],
        lang=lang,
    )
    return frame


def _title(records: list[dict], lang: str) -> str:
    if len(records) == 1:
        r = records[0]
        name = r.get(pick_column("name", lang))
        unit = r.get(pick_column("unit", lang))
        unit_text = f" ({unit})" if unit else ""
        return f"{pick(TEMPLATE_HEADING, lang)} {r['code']} {name or ''}{unit_text}"
    return pick(TEMPLATE_HEADING, lang)


# ---------------------------------------------------------------- writing


def _cell(value: object) -> object:
    """Python value of a frame cell for a file: None for missing, floats as floats."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def _csv_text(value: object) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(neutralise(value) if isinstance(value, str) else value)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The template (or any frame) as CSV: UTF-8 with BOM, CRLF, label rows above the header."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for label in frame.attrs.get("label_rows", []):
        writer.writerow([_csv_text(x) for x in label])
    writer.writerow([_csv_text(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_text(v) for v in row])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, title: str | None = None) -> bytes:
    """The template as XLSX: a title row, label rows, the header, the rows, a ที่มา: note."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = TEMPLATE_SHEET
    lang = frame.attrs.get("lang", "th")
    title = title if title is not None else frame.attrs.get("title")

    def put(row: int, column: int, value: object, text: bool = False):
        value = _cell(value)
        if isinstance(value, str):
            value = neutralise(value)
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula
        if text:
            cell.number_format = "@"  # codes and periods stay text when edited in Excel
        return cell

    r = 1
    if title:
        put(r, 1, title).font = Font(bold=True, size=14)
        r += 1
    for label in frame.attrs.get("label_rows", []):
        for j, x in enumerate(label, 1):
            put(r, j, x, text=True)
        r += 1
    columns = list(frame.columns)
    for j, c in enumerate(columns, 1):
        put(r, j, str(c), text=True).font = Font(bold=True)
    header_row = r
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in columns]
    for values in frame.itertuples(index=False, name=None):
        r += 1
        for j, v in enumerate(values, 1):
            put(r, j, v, text=not numeric[j - 1])
    r += 2
    put(r, 1, SOURCE_NOTE.get(lang, SOURCE_NOTE["th"]))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for j, c in enumerate(columns, 1):
        width = max([len(str(c))] + [len(str(v)) for v in frame[c].head(200) if v is not None])
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 10), 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

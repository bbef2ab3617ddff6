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

Periods are written the Thai way (มี.ค. 2568, ไตรมาส 1/2568, 2568, ปีงบประมาณ
2568) in Thai templates and as period codes in English ones. Due periods:
those of the current fiscal year (of ``as_of``) whose due date (period end +
release lag) has passed; when none has yet, the latest due period. With
``due_only=False``: every period ending in the current fiscal year.

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
from collections import Counter
from datetime import date

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.exporting import neutralise_cell as neutralise
from lib.core.i18n import Text, check_lang, pick, pick_column
from lib.ingest.files import TEMPLATE_SHEET
from lib.ingest.forms import FORMS
from lib.ingest.periods import normalise_period

LONG_HEADERS = {
    "th": ("รหัสรายการ", "รหัสพื้นที่", "ชื่อพื้นที่", "งวด", "ค่า", "หมายเหตุ"),
    "en": ("item_code", "area_code", "area_name", "period", "value", "note"),
}
AREA_HEADERS = {"th": ("รหัสพื้นที่", "ชื่อพื้นที่"), "en": ("area_code", "area_name")}
ITEM_LABEL = {"th": "รหัสรายการ", "en": "item_code"}
PERIOD_LABEL = {"th": "งวด", "en": "period"}
TEMPLATE_HEADING = Text("แบบนำเข้าข้อมูล", "Upload template")
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


def _period_text(period: str, frequency: str, lang: str) -> str:
    return pick((tc.thai_period_label(period, frequency, "th"), period), lang)


def _areas_of_level(areas: pd.DataFrame, level: str, province: str | None) -> pd.DataFrame:
    out = areas[areas["level"] == level]
    if province is not None:
        if level == "province":
            out = out[out["code"] == province]
        else:
            out = out[out["parent_code"] == province]
    return out.sort_values("code")


def _chosen_items(items: pd.DataFrame, item_code: str | None, agency: str | None) -> pd.DataFrame:
    if item_code is not None:
        chosen = items[items["code"] == item_code]
        if chosen.empty:
            raise ValueError(f"unknown item {item_code!r}")
    elif agency is not None:
        chosen = items[items["owner_agency"] == agency]
        if chosen.empty:
            raise ValueError(f"agency {agency!r} owns no item")
    else:
        raise ValueError("give item_code or agency")
    return chosen.sort_values("code")


def template_frame(
    items: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    form: str,
    item_code: str | None = None,
    agency: str | None = None,
    period: str | None = None,
    as_of: date,
    due_only: bool = True,
    province: str | None = None,
    lang: str = "th",
) -> pd.DataFrame:
    """A template to fill in, for one item or every item an agency owns.

    form: 'long', 'wide_periods' (one item) or 'wide_items' (one period);
    period: only that period (any spelling read_upload accepts); province: only that
    province (its districts for district items); lang: header and period language.
    """
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; expected one of {FORMS}")
    check_lang(lang)
    chosen = _chosen_items(items, item_code, agency)
    records = chosen.to_dict("records")
    if form == "long":
        return _long(records, areas, period, as_of, due_only, province, lang)
    if form == "wide_periods":
        if len(records) != 1:
            raise ValueError("a wide_periods template is for one item: give item_code")
        return _wide_periods(records[0], areas, period, as_of, due_only, province, lang)
    return _wide_items(records, areas, period, as_of, province, lang)


def _periods_for(item: dict, period: str | None, as_of: date, due_only: bool) -> list[str]:
    if period is not None:
        return [normalise_period(period, item["frequency"])]
    return due_periods(item, as_of, due_only)


def _long(records, areas, period, as_of, due_only, province, lang) -> pd.DataFrame:
    rows = []
    for item in records:
        periods = _periods_for(item, period, as_of, due_only)
        area_rows = _areas_of_level(areas, item["area_level"], province)
        names = area_rows[pick_column("name", lang)]
        texts = [_period_text(p, item["frequency"], lang) for p in periods]
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


def _area_frame(areas: pd.DataFrame, level: str, province: str | None, lang: str):
    area_rows = _areas_of_level(areas, level, province)
    names = area_rows[pick_column("name", lang)]
    code_h, name_h = AREA_HEADERS[lang]
    return pd.DataFrame({code_h: area_rows["code"].to_numpy(), name_h: names.to_numpy()})


def _wide_periods(item, areas, period, as_of, due_only, province, lang) -> pd.DataFrame:
    periods = _periods_for(item, period, as_of, due_only)
    frame = _area_frame(areas, item["area_level"], province, lang)
    for p in periods:
        frame[_period_text(p, item["frequency"], lang)] = float("nan")
    frame.attrs.update(
        form="wide_periods",
        item_codes=[item["code"]],
        periods=periods,
        title=_title([item], lang),
        label_rows=[[f"{ITEM_LABEL[lang]}: {item['code']}"]],
        lang=lang,
    )
    return frame


def _wide_items(records, areas, period, as_of, province, lang) -> pd.DataFrame:
    """One period across items: only items of the period's frequency and one area level."""
    if period is not None:
        fits = []
        for item in records:
            try:
                fits.append((item, normalise_period(period, item["frequency"])))
            except ValueError:
                continue  # not of this item's frequency: it cannot share the sheet
        if not fits:
            raise ValueError(f"period {period!r} fits none of the items' frequencies")
    else:
        frequency = Counter(r["frequency"] for r in records).most_common(1)[0][0]
        candidates = [r for r in records if r["frequency"] == frequency]
        lasts = [due[-1] for r in candidates if (due := due_periods(r, as_of))]
        latest = max(lasts, key=lambda p: tc.period_bounds(p, frequency)[1], default=None)
        if latest is None:
            raise ValueError("no period is due yet for these items")
        fits = [(r, latest) for r in candidates]
    level = fits[0][0]["area_level"]
    fits = [(r, p) for r, p in fits if r["area_level"] == level]
    code, frequency = fits[0][1], fits[0][0]["frequency"]
    frame = _area_frame(areas, level, province, lang)
    for item, _ in fits:
        frame[item["code"]] = float("nan")
    used = {r["code"] for r, _ in fits}
    frame.attrs.update(
        form="wide_items",
        item_codes=sorted(used),
        excluded_items=sorted(r["code"] for r in records if r["code"] not in used),
        periods=[code],
        title=_title([r for r, _ in fits], lang),
        label_rows=[[f"{PERIOD_LABEL[lang]}: {_period_text(code, frequency, lang)}"]],
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

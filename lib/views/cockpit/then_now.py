"""Then and now on the cockpit: a KPI as known on an earlier day beside today, and why.

The cockpit viewed as of a past day (a meeting's) shows a KPI's result, score
and light then and now, and the values under it that changed in between with
the batches and files that changed them (lib.services.provenance.changes_between).
Frames in, frames out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core import labels
from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick
from lib.views.cockpit.query import Scope
from lib.views.cockpit.tiles import light_label
from lib.views.cockpit.view import member_provinces
from lib.views.tables import display_table

MEASURES = {
    "value_text": Text("ผล", "Result"),
    "score_text": Text("คะแนน", "Score"),
    "light": Text("สัญญาณไฟ", "Light"),
}
# Headers of the columns the shared table words (lib.core.labels) do not name.
CHANGE_WORDS = {
    "value_then": Text("ค่า ณ วันนั้น", "Value then"),
    "value_now": Text("ค่าวันนี้", "Value now"),
    "why": Text("ชุดข้อมูลที่เปลี่ยน (ไฟล์)", "Changed by batch (file)"),
}
NO_VALUE = Text("(ไม่มีค่า)", "(no value)")  # not yet known then, or gone now


def kpi_items(kpis: pd.DataFrame, code: str) -> list[str]:
    """The data items a KPI is computed from (its comma-separated item_codes).

    >>> kpi_items(pd.DataFrame({"code": ["K1"], "item_codes": ["FIN01, POP01"]}), "K1")
    ['FIN01', 'POP01']
    >>> kpi_items(pd.DataFrame({"code": ["K1"], "item_codes": [None]}), "K2")
    []
    """
    row = kpis.loc[kpis["code"] == code]
    if row.empty or not isinstance(row["item_codes"].iloc[0], str):
        return []
    return [c.strip() for c in row["item_codes"].iloc[0].split(",") if c.strip()]


def scope_areas(scope: Scope, members: pd.DataFrame, areas: pd.DataFrame) -> list[str]:
    """The areas whose values feed a scope: its provinces and their districts.

    >>> m = pd.DataFrame({"province_code": ["20", "21"], "cluster_code": ["E1", "E1"],
    ...                   "region_code": ["E", "E"]})
    >>> a = pd.DataFrame({"code": ["2101", "2001"], "parent_code": ["21", "20"]})
    >>> scope_areas(Scope("21", "province"), m, a)
    ['21', '2101']
    """
    provinces = member_provinces(scope, members)
    districts = areas.loc[areas["parent_code"].isin(provinces), "code"]
    return sorted({*provinces, *districts})


def changed_kpis(then_tiles: pd.DataFrame, now_tiles: pd.DataFrame) -> list[str]:
    """KPI codes whose result, score or light differ between then and now (tiles), in order.

    >>> t = pd.DataFrame({"kpi_code": ["A", "B"], "value_text": ["1", "2"],
    ...                   "score_text": ["1", "2"], "light": ["red", "red"]})
    >>> changed_kpis(t, t.assign(value_text=["1", "3"])), changed_kpis(t, t.iloc[:1])
    (['B'], ['B'])
    """
    shown = ["kpi_code", *MEASURES]
    both = then_tiles[shown].merge(now_tiles[shown], on="kpi_code", how="outer", indicator=True)
    differs = both["_merge"] != "both"
    for column in MEASURES:
        differs |= both[f"{column}_x"].astype(str) != both[f"{column}_y"].astype(str)
    return sorted(both.loc[differs, "kpi_code"])


def _measure(tiles: pd.DataFrame, code: str, column: str, lang: str) -> str:
    """One measure of a KPI's tile as shown ('-' when the KPI has no tile that day)."""
    row = tiles.loc[tiles["kpi_code"] == code]
    if row.empty or pd.isna(row[column].iloc[0]):
        return "-"
    value = row[column].iloc[0]
    return light_label(value, lang) if column == "light" else str(value)


def kpi_then_now(
    then_tiles: pd.DataFrame,
    now_tiles: pd.DataFrame,
    code: str,
    then: date,
    now: date,
    lang: str = "th",
) -> pd.DataFrame:
    """A KPI's result, score and light as known on `then` beside `now` (cockpit tiles).

    >>> t = pd.DataFrame({"kpi_code": ["K"], "value_text": ["1.00"], "score_text": ["2.0000"],
    ...                   "light": ["red"]})
    >>> n = t.assign(value_text=["3.00"], score_text=["4.0000"], light=["green"])
    >>> kpi_then_now(t, n, "K", date(2026, 10, 15), date(2026, 11, 22)).values.tolist()[:2]
    [['ผล', '1.00', '3.00'], ['คะแนน', '2.0000', '4.0000']]
    """
    headers = [
        pick(Text("", ""), lang),
        pick(Text(f"ณ {tc.thai_date(then)}", f"On {tc.thai_date(then, 'en')}"), lang),
        pick(Text(f"วันนี้ ({tc.thai_date(now)})", f"Today ({tc.thai_date(now, 'en')})"), lang),
    ]
    rows = [
        [pick(label, lang), _measure(then_tiles, code, c, lang), _measure(now_tiles, code, c, lang)]
        for c, label in MEASURES.items()
    ]
    return pd.DataFrame(rows, columns=headers)


def _why(batches, files, kinds, lang: str) -> str:
    """'3 นำเข้า (fin.csv), 4 ยกเลิกชุด' from a cell's batch ids, file names and kinds."""
    batches = [] if batches is None else list(batches)
    n = len(batches)
    files = ([] if files is None else list(files)) + [None] * n
    kinds = ([] if kinds is None else list(kinds)) + [None] * n
    parts = []
    for b, f, k in zip(batches, files[:n], kinds[:n], strict=True):
        text = str(int(b)) + (f" {labels.cell_label('kind', k, lang)}" if k else "")
        parts.append(text + (f" ({f})" if isinstance(f, str) and f else ""))
    return ", ".join(parts)


def changes_table(
    changes: pd.DataFrame,
    frequencies: dict[str, str],
    area_names: dict[str, str],
    item_names: dict[str, str],
    lang: str = "th",
) -> pd.DataFrame:
    """The values that changed between then and now, as a user reads them.

    changes: item_code, area_code, period, value_then, value_now, batches, files
    and (optionally) kinds (lib.services.provenance.changes_between). A value not
    yet known then, or gone now, shows as NO_VALUE.

    >>> ch = pd.DataFrame({"item_code": ["FIN01"], "area_code": ["21"], "period": ["2026-09"],
    ...     "value_then": [5.0], "value_now": [7.5], "batches": [[3, 4]],
    ...     "files": [["a.csv", "b.csv"]]})
    >>> names = {"21": "ระยอง"}, {"FIN01": "เงินฝาก"}
    >>> changes_table(ch, {"FIN01": "monthly"}, *names).iloc[0].tolist()
    ['FIN01', 'เงินฝาก', '21', 'ระยอง', 'ก.ย. 2569', '5', '7.5', '3 (a.csv), 4 (b.csv)']
    >>> ch["kinds"] = [["upload", "undo"]]
    >>> changes_table(ch, {"FIN01": "monthly"}, *names).iloc[0, -1]
    '3 นำเข้า (a.csv), 4 ยกเลิกชุด (b.csv)'
    """
    keys = ["item_code", "area_code", "period"]
    shown = display_table(
        changes,
        keys,
        lang,
        frequencies=frequencies,
        area_names=area_names,
        item_names=item_names,
    )
    no_value = pick(NO_VALUE, lang)
    for column in ("value_then", "value_now"):
        shown[pick(CHANGE_WORDS[column], lang)] = [
            tc.format_number_th(v, 2).rstrip("0").rstrip(".") if pd.notna(v) else no_value
            for v in changes[column]
        ]
    kinds = changes["kinds"] if "kinds" in changes else [None] * len(changes)
    shown[pick(CHANGE_WORDS["why"], lang)] = [
        _why(b, f, k, lang)
        for b, f, k in zip(changes["batches"], changes["files"], kinds, strict=True)
    ]
    return shown.reset_index(drop=True)

"""The Explore page's widgets: the catalogue list and its filters, an item's page, a value's
provenance (lib.views.explore holds the rules; this module draws them)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import labels
from lib.core import thaicalendar as tc
from lib.core.exporting import safe_csv_bytes, safe_xlsx_bytes
from lib.core.i18n import LocalizedError, pick_column
from lib.core.markdown import escape_markdown
from lib.store import Store
from lib.ui.core import data_version, fmt_int, lang, message, name_col, t, table
from lib.ui.maps import STORE_KEY, coverage_cells
from lib.views import explore
from lib.views import profile as profile_views
from lib.views.map.figures import HEALTH_MEASURES
from lib.views.map.state import default_fiscal_year
from lib.views.tables import period_text

CELL_KEYS = ("item", "area", "period")


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=STORE_KEY)
def _areas(s: Store, version: str) -> pd.DataFrame:
    """Every area (code, level, names), cached per data version."""
    return s.areas()


@st.cache_data(max_entries=64, show_spinner="กำลังอ่านค่า / Reading values", hash_funcs=STORE_KEY)
def _item_cells(s: Store, version: str, item: dict, as_of) -> pd.DataFrame:
    """lib.views.explore.load_item_cells, cached per data version and day."""
    return explore.load_item_cells(s, item, as_of)


def sees_unverified(user) -> bool:
    """True when the viewer may see values not yet verified (lib.services.catalogue)."""
    from lib.services import catalogue

    return catalogue.sees_unverified(user)


def _open(params: dict[str, str]) -> None:
    """Rewrite the cell part of the URL (item, area, period) and rerun."""
    for key in CELL_KEYS:
        if key in st.query_params and key not in params:
            del st.query_params[key]
    st.query_params.update(params)
    st.rerun()


# -- the list ---------------------------------------------------------------------------------
def _filters(catalog: pd.DataFrame) -> dict:
    """The list's search box and filters (lib.views.explore.search_catalog's arguments)."""
    words = st.text_input(
        t("ค้นหา (ไทยหรืออังกฤษ: ชื่อ รหัส หน่วยงาน หน่วย)", "Search (Thai or English)"),
        key="explore_words",
    )
    c = st.columns(4)
    lg = lang()
    groups = explore.choices(catalog, "group_code", "group_name", lg)
    aspects = explore.choices(catalog, "aspect_code", "aspect_name", lg)
    agencies = explore.choices(catalog, "owner_agency", "owner_name", lg)
    freqs = {f: labels.cell_label("frequency", f, lg) for f in tc.FREQUENCIES}
    chosen = {
        "groups": c[0].multiselect(t("กลุ่มข้อมูล", "Data group"), list(groups), [], groups.get),
        "aspects": c[1].multiselect(t("ประเด็น", "Aspect"), list(aspects), [], aspects.get),
        "agencies": c[2].multiselect(
            t("หน่วยงาน", "Agency"), list(agencies), [], lambda a: f"{agencies[a]} ({a})"
        ),
        "frequencies": c[3].multiselect(t("ความถี่", "Frequency"), list(freqs), [], freqs.get),
    }
    if not catalog["is_published"].fillna(False).astype(bool).all():  # a signed-in reader
        ways = {
            "all": t("ทั้งหมด", "All"),
            "yes": t("เผยแพร่แล้ว", "Published"),
            "no": t("ยังไม่เผยแพร่", "Not published"),
        }
        way = st.radio(t("การเผยแพร่", "Published"), list(ways), 0, ways.get, horizontal=True)
        chosen["published"] = {"all": None, "yes": True, "no": False}[way]
    return {"words": words, **chosen}


def explore_list(catalog: pd.DataFrame) -> None:
    """The catalogue the viewer may read, searchable and filterable; choosing opens an item."""
    found = explore.search_catalog(catalog, **_filters(catalog))
    st.caption(t(f"พบ {fmt_int(len(found))} รายการ", f"{fmt_int(len(found))} items found"))
    if found.empty:
        st.info(t("ไม่พบรายการที่ตรงกับคำค้นหรือตัวกรอง", "No item matches the search or filters"))
        return
    labels = dict(zip(found["code"], found["code"] + " " + found[name_col()], strict=True))
    code = st.selectbox(
        t("เปิดหน้ารายการข้อมูล", "Open an item's page"),
        list(labels),
        None,
        labels.get,
        key="explore_open",
        placeholder=t("เลือกรายการ", "Choose an item"),
    )
    if code:
        st.session_state.pop("explore_open", None)
        _open({"item": code})
    table(explore.catalog_table(found, lang()), key="explore_list")


# -- an item's page ---------------------------------------------------------------------------
def _definition(item: dict, as_of) -> None:
    """Definition, owner and responsible person, frequency, lag and due dates."""
    st.subheader(t("นิยามและผู้รับผิดชอบ", "Definition and owner"))
    st.table(explore.item_definition(item, as_of, lang()).set_index(t("หัวข้อ", "Field")))


def _coverage(s: Store, version: str, item: dict, as_of) -> None:
    """The item's own coverage figures (the engine's item x area cells, pooled)."""
    fy = default_fiscal_year(as_of)
    _, cells, _ = coverage_cells(s, version, fy, as_of)
    figures = explore.item_coverage(cells, item["code"])
    st.subheader(
        t("ความครบถ้วนของรายการนี้", "This item's coverage")
        + f" · {tc.thai_fiscal_year_label(fy, lang())}"
    )
    if figures is None:
        st.caption(
            t(
                "รายการนี้ไม่นับในความครบถ้วน หรือยังไม่มีงวดที่ถึงกำหนด",
                "This item does not count for coverage, or nothing is due yet",
            )
        )
        return
    c = st.columns(6)
    c[0].metric(t("ช่องที่ต้องมี", "Required"), fmt_int(figures["required_cells"]))
    c[1].metric(t("ช่องที่มีค่า", "Present"), fmt_int(figures["present_cells"]))
    for col, measure in zip(c[2:], HEALTH_MEASURES, strict=False):
        col.metric(t(*HEALTH_MEASURES[measure]), tc.format_pct(figures[measure], 1))


def _downloads(frame: pd.DataFrame, name: str, key: str) -> None:
    """CSV and XLSX of a table as shown (formulas neutralised: lib.core.exporting)."""
    c = st.columns([1, 1, 6])
    c[0].download_button(
        "CSV", safe_csv_bytes(frame), f"{name}.csv", "text/csv", key=f"{key}_csv", on_click="ignore"
    )
    c[1].download_button(
        "XLSX",
        lambda: safe_xlsx_bytes(frame),
        f"{name}.xlsx",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


def _history(item: dict, cells: pd.DataFrame, names: dict, chosen: list[str]) -> None:
    """The history chart: the mean of all areas and a line per chosen area."""
    st.subheader(t("ค่าย้อนหลัง", "History"))
    drawn = explore.usable(cells, item)
    if drawn.empty:
        st.info(t("ยังไม่มีค่าที่แสดงได้", "No values to show yet"))
        return
    trend = explore.history_frame(drawn, item["frequency"], chosen, names, lang())
    fig = profile_views.trend_chart(trend, item[pick_column("unit", lang())])
    st.plotly_chart(fig, theme=None, key="explore_chart", config={"displaylogo": False})


def _by_area(item: dict, cells: pd.DataFrame, names: dict, period: str | None) -> None:
    """The values of every area in a period, with their status; downloads."""
    st.subheader(t("ค่ารายพื้นที่", "Values by area"))
    periods = sorted(cells["period"].unique(), reverse=True)
    if not periods:
        st.info(t("ยังไม่มีค่าของรายการนี้", "This item has no values yet"))
        return
    index = periods.index(period) if period in periods else 0
    freq = item["frequency"]
    chosen = st.selectbox(
        t("งวด", "Period"),
        periods,
        index,
        lambda p: period_text(p, freq, lang()),
        key="explore_period",
    )
    shown = explore.area_table(cells, chosen, names, lang())
    table(shown, key="explore_by_area")
    _downloads(shown, f"{item['code']}-{chosen}", "explore_area")


def _compare(item: dict, cells: pd.DataFrame, names: dict, chosen: list[str]) -> None:
    """The chosen areas side by side, a row per period; downloads."""
    if not chosen:
        return
    st.subheader(t("เปรียบเทียบพื้นที่", "Areas compared"))
    shown = explore.comparison_table(cells, chosen, item["frequency"], names, lang())
    table(shown, key="explore_compare")
    _downloads(shown, f"{item['code']}-{'-'.join(chosen)}", "explore_compare")


def explore_item(s: Store, user, item: dict, as_of) -> None:
    """An item's page: definition, coverage, history, values by area, compared areas,
    downloads, and the provenance of a value."""
    version = data_version(s)
    _, area, period = explore.cell_from_query(st.query_params.to_dict())
    if st.button(t("← กลับไปที่รายการข้อมูลทั้งหมด", "← Back to all items"), key="explore_back"):
        _open({})
    st.title(f"{item['code']} {item[name_col()]}")
    areas = _areas(s, version)
    areas = areas.loc[areas["level"] == item["area_level"]]
    names = dict(zip(areas["code"], areas[name_col()], strict=True))
    public = not sees_unverified(user)
    cells = explore.visible_cells(_item_cells(s, version, item, as_of), not public)
    if public:
        st.caption(t("แสดงเฉพาะค่าที่รับรองแล้ว", "Only verified values are shown"))
    _definition(item, as_of)
    _coverage(s, version, item, as_of)
    present = set(cells["area_code"])  # once, not once per area
    have = [c for c in names if c in present]
    chosen = st.multiselect(
        t("เปรียบเทียบพื้นที่", "Compare areas"),
        have,
        [area] if area in have else [],
        lambda c: f"{names[c]} ({c})",
        key="explore_areas",
    )
    _history(item, cells, names, chosen)
    code = _period_code(item, period)
    _by_area(item, cells, names, code)
    _compare(item, cells, names, chosen)
    explore_provenance(s, item, names, have, cells, area, code, public)


# -- the provenance of one value ----------------------------------------------------------------
def provenance_link(item_code: str, area_code: str) -> None:
    """A link to the Explore page's provenance of an item's values in one area (the profile),
    showing the same day as this page (?as_of=)."""
    from lib.ui.past import as_of_link_params

    url = explore.cell_link(item_code, area_code, **as_of_link_params())
    label = t("ที่มาของค่าแต่ละงวด (ทุกฉบับ ผู้ส่ง ผู้รับรอง)", "Where each value came from")
    st.markdown(f"[{label} →]({url})")


def _period_code(item: dict, period: str) -> str | None:
    """The period code of the URL's period for the item (None when absent or unreadable)."""
    from lib.services import provenance

    if not period:
        return None
    try:
        return provenance.period_code(period, item)
    except LocalizedError as exc:
        st.warning(
            escape_markdown(
                t("อ่านงวดในลิงก์ไม่ได้: ", "Cannot read the link's period: ") + message(exc)
            )
        )
        return None


def explore_provenance(s, item, names, have, cells, area, period, public) -> None:
    """Every version of one value: pick an area and a period (or follow a link's)."""
    from lib.services import provenance

    st.subheader(t("ที่มาของค่า", "Where a value came from"))
    freq = item["frequency"]
    c = st.columns(2)
    options = have or list(names)
    where = c[0].selectbox(
        t("พื้นที่", "Area"),
        options,
        options.index(area) if area in options else None,
        lambda a: f"{names.get(a, a)} ({a})",
        key="explore_cell_area",
        placeholder=t("เลือกพื้นที่", "Choose an area"),
    )
    periods = sorted(cells.loc[cells["area_code"] == where, "period"].unique(), reverse=True)
    if period and period not in periods:
        periods = [period, *periods]
    when = c[1].selectbox(
        t("งวด", "Period"),
        periods,
        periods.index(period) if period in periods else None,
        lambda p: period_text(p, freq, lang()),
        key="explore_cell_period",
        placeholder=t("เลือกงวด", "Choose a period"),
    )
    if not where or not when:
        st.caption(t("เลือกพื้นที่และงวดเพื่อดูทุกฉบับของค่า", "Choose an area and a period"))
        return
    if (where, when) != (area, period):
        _open({"item": item["code"], "area": where, "period": when})
    try:
        versions = provenance.versions(s, item["code"], where, when)
    except LocalizedError as exc:
        st.warning(escape_markdown(message(exc)))
        return
    shown = explore.provenance_table(versions, lang(), not public)
    label = period_text(when, freq, lang())
    st.caption(f"{item['code']} · {names.get(where, where)} ({where}) · {label}")
    if shown.empty:
        st.info(t("ยังไม่มีค่าในช่องนี้", "This cell has no value yet"))
        return
    table(shown, key="explore_provenance")
    _downloads(shown, f"{item['code']}-{where}-{when}-history", "explore_history")

"""lib.services.quality and its store queries on a small store built in code: outliers and
broken rules are flagged, a correct value is not, the follow-up marks, permissions, audit,
warnings at upload."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lib.core.i18n import InputError
from lib.services import auth, quality, upload

PROVINCES = ["10", "11", "12", "13", "14", "15"]
YEARS = list(range(2019, 2025))  # 2562..2567 BE
AREAS = pd.DataFrame(
    [("TH", "country", "ประเทศไทย", "Thailand", None)]
    + [(p, "province", f"จังหวัด{p}", f"Province {p}", "TH") for p in PROVINCES],
    columns=["code", "level", "name_th", "name_en", "parent_code"],
)
# X: a count (PTO); POPM + POPF = POPT (PTO); S a share in 0..100 (PSO)
ITEMS = pd.DataFrame(
    [("X", "PTO"), ("POPM", "PTO"), ("POPF", "PTO"), ("POPT", "PTO"), ("S", "PSO")],
    columns=["code", "owner_agency"],
).assign(
    aspect_code="SOC-X",
    frequency="annual",
    release_lag_days=0,
    higher_is_better=True,
    counts_for_coverage=True,
    name_th=lambda d: "รายการ " + d.code,
    name_en=lambda d: "item " + d.code,
    unit_th="คน",
    unit_en="persons",
    area_level="province",
    responsible_person="ผู้รับผิดชอบ",
    source="test",
    is_published=True,
    decimals=0,
)
RULES = pd.DataFrame(
    [
        ("SEX", "ชาย + หญิง = รวม", "male + female = total", "POPM + POPF = POPT", 0.0, True),
        ("SHARE", "สัดส่วน 0-100", "share within 0-100", "0 <= S <= 100", 0.0, True),
        ("OFF", "ปิดอยู่", "inactive", "POPM >= POPT", 0.0, False),
    ],
    columns=["code", "name_th", "name_en", "expression", "tolerance", "is_active"],
)
# What the store built below flags: one outlier cell, one broken sum, one share above 100.
EXPECTED = {
    ("X", "12", "2024", "outlier_history"),
    ("X", "12", "2024", "outlier_peers"),
    ("POPM", "13", "2023", "rule:SEX"),
    ("POPF", "13", "2023", "rule:SEX"),
    ("POPT", "13", "2023", "rule:SEX"),
    ("S", "14", "2024", "rule:SHARE"),
    ("S", "14", "2024", "outlier_history"),
    ("S", "14", "2024", "outlier_peers"),
}
VERIFIER = auth.User("ver", "verifier", agency_code="PTO")
ADMIN = auth.User("boss", "admin")


def _value(item: str, i: int, k: int) -> float:
    """Steady series (linear in area and year: no outlier) with three planted faults."""
    if (item, i, k) == ("X", 2, 5):
        return 1000.0  # province 12, 2024: far from its history and its peers
    if (item, i, k) == ("S", 4, 5):
        return 120.0  # province 14, 2024: a share above 100
    base = {"X": 100 + 3 * i + k, "POPM": 1000 + 10 * i + k, "POPF": 1000 + 10 * i + k}
    base["POPT"] = base["POPM"] + base["POPF"] + (3 if (i, k) == (3, 4) else 0)  # 13, 2023
    base["S"] = 40 + i + k
    return float(base[item])


def _cells() -> pd.DataFrame:
    rows = []
    for item in ITEMS["code"]:
        for i, area in enumerate(PROVINCES):
            for k, year in enumerate(YEARS):
                rows.append(
                    {
                        "item_code": item,
                        "area_code": area,
                        "period": str(year),
                        "period_end": pd.Timestamp(date(year, 12, 31)),
                        "value": _value(item, i, k),
                        "status": "verified",
                        "submitted_by": "loader",
                        "submitted_at": pd.Timestamp(datetime(year + 1, 3, 1)),
                        "verified_by": "checker",
                        "verified_at": pd.Timestamp(datetime(year + 1, 3, 2)),
                        "note": None,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def store(empty_store):
    """Six provinces, five annual items 2562-2567 BE, three validation rules."""
    empty_store.replace_tables(
        {
            "areas": AREAS,
            "agencies": pd.DataFrame(
                [("PTO", "คลังจังหวัด", "Treasury", None, None), ("PSO", "สถิติ", "NSO", None, None)],
                columns=["code", "name_th", "name_en", "ministry_th", "ministry_en"],
            ),
            "data_groups": pd.DataFrame(
                [("SOC", "สังคม", "Society", 1)],
                columns=["code", "name_th", "name_en", "sort_order"],
            ),
            "aspects": pd.DataFrame(
                [("SOC-X", "SOC", "x", "x", 1)],
                columns=["code", "group_code", "name_th", "name_en", "sort_order"],
            ),
            "items": ITEMS,
        }
    )
    empty_store.replace_rules(RULES)
    empty_store.load_observations(_cells(), {"username": "loader", "kind": "demo"})
    return empty_store


def _keys(frame: pd.DataFrame) -> set[tuple]:
    return set(
        frame[["item_code", "area_code", "period", "flag"]].itertuples(index=False, name=None)
    )


def _change(store, item: str, area: str, year: int, value: float) -> None:
    """Commit one new value of a cell through the upload path (history kept)."""
    cell = pd.DataFrame(
        [(item, area, str(year), pd.Timestamp(date(year, 12, 31)), value, None)],
        columns=upload.CELL_COLUMNS,
    )
    store.commit_cells(cell, {"username": "loader"}, {"username": "loader", "action": "upload"})


# ---------------------------------------------------------------- what is flagged


def test_the_planted_faults_and_nothing_else_are_flagged(store):
    out = quality.flags(store)
    assert _keys(out) == EXPECTED
    assert list(out.columns) == quality.FLAG_COLUMNS
    assert not out["checked"].any()


def test_an_injected_outlier_is_flagged_against_history_and_peers(store):
    out = quality.flags(store, item_code="X").set_index("flag")
    assert out["area_code"].tolist() == ["12", "12"] and set(out["period"]) == {"2024"}
    history = out.loc["outlier_history"]
    assert history["value"] == 1000.0 and history["median"] == 108.0  # 106..110 left
    assert history["score"] > 3.5 and float(history["score_or_detail"]) == round(
        history["score"], 2
    )
    assert "ห่างจากค่ามัธยฐานของงวดอื่นของพื้นที่นี้ (108)" in history["detail_th"]
    assert "this area's other periods (108)" in history["detail_en"]
    assert "พื้นที่อื่นในงวดเดียวกัน" in out.loc["outlier_peers", "detail_th"]


def test_a_normal_value_is_not_flagged(store):
    assert quality.flags(store, item_code="X", area_code="11").empty
    assert quality.flags(store, area_code="10").empty


def test_a_broken_sum_flags_each_of_its_values_and_a_correct_one_does_not(store):
    out = quality.flags(store, item_code="POPT")
    assert _keys(out) == {("POPT", "13", "2023", "rule:SEX")}
    row = out.iloc[0]
    assert row["score_or_detail"] == "POPM + POPF (2,068) = POPT (2,071)"
    assert row["detail_th"].startswith("ไม่เป็นไปตามกฎ SEX ชาย + หญิง = รวม:")
    assert "breaks rule SEX male + female = total" in row["detail_en"]
    assert _keys(quality.flags(store, item_code="POPM")) == {("POPM", "13", "2023", "rule:SEX")}


def test_the_range_rule_flags_a_share_above_100(store):
    rule_flags = quality.flags(store, item_code="S").query("flag == 'rule:SHARE'")
    assert _keys(rule_flags) == {("S", "14", "2024", "rule:SHARE")}
    assert rule_flags.iloc[0]["score_or_detail"] == "0 <= S (120) <= 100"


def test_a_district_is_compared_with_districts_not_with_provinces(store):
    district = pd.DataFrame(
        [("1001", "district", "เขต", "District 1001", "10")],
        columns=["code", "level", "name_th", "name_en", "parent_code"],
    )
    store.replace_tables({"areas": pd.concat([AREAS, district], ignore_index=True)})
    cells = _cells().query("item_code == 'X' and area_code == '10'").assign(area_code="1001")
    store.load_observations(cells.assign(value=cells["value"] / 20), {"username": "loader"})
    assert _keys(quality.flags(store)) == EXPECTED  # a district's small counts are no outliers


def test_an_inactive_rule_flags_nothing_and_a_tolerance_forgives(store):
    assert not quality.flags(store)["flag"].eq("rule:OFF").any()
    store.replace_rules(RULES.assign(tolerance=[5.0, 0.0, 0.0]))
    assert not quality.flags(store)["flag"].eq("rule:SEX").any()


def test_the_threshold_is_the_stores_and_defaults_to_3_5(store):
    assert quality.threshold(store) == 3.5
    store.record_meta({quality.THRESHOLD_KEY: "1000"})
    assert quality.threshold(store) == 1000.0
    assert {f for *_, f in _keys(quality.flags(store))} == {"rule:SEX", "rule:SHARE"}
    store.record_meta({quality.THRESHOLD_KEY: "abc"})
    with pytest.raises(InputError) as caught:
        quality.threshold(store)
    assert "เกณฑ์ค่าผิดปกติ" in caught.value.message_th


def test_unknown_item_or_area_is_bad_input(store):
    with pytest.raises(InputError, match="no item with code NOPE"):
        quality.flags(store, item_code="NOPE")
    with pytest.raises(InputError, match="no area with code 99"):
        quality.flags(store, area_code="99")


def test_flagged_cells_as_known_on_a_day(store):
    now = quality.flagged_cells(store)
    assert list(now.columns) == ["item_code", "area_code", "period", "period_end"]
    assert set(now.iloc[:, :3].itertuples(index=False, name=None)) == {k[:3] for k in EXPECTED}
    # the KPIs' items only: the rule's other items are read, their flags are not returned
    pop = quality.flagged_cells(store, item_codes=["POPM"])
    assert set(pop["item_code"]) == {"POPM"} and "POPM/2023" in set(
        pop["item_code"] + "/" + pop["period"]
    )
    # the 2567 BE values were sent in March 2025: at the end of 2024 only the 2023 sum was wrong
    then = quality.flagged_cells(store, as_of=date(2024, 12, 31))
    assert set(then["item_code"] + "/" + then["period"]) == {"POPM/2023", "POPF/2023", "POPT/2023"}


def test_a_rejected_value_is_not_checked(store):
    cell = pd.DataFrame({"item_code": ["X"], "area_code": ["12"], "period": ["2024"]})
    store.set_status(cell, "rejected", "checker")  # only submitted values: none here
    assert ("X", "12", "2024", "outlier_history") in _keys(quality.flags(store))
    _change(store, "X", "12", 2024, 1000.5)
    store.set_status(cell, "rejected", "checker")
    assert not quality.flags(store, item_code="X").shape[0]


# ---------------------------------------------------------------- the follow-up


def test_a_checked_flag_leaves_the_list_and_returns_when_the_value_changes(store):
    mark = quality.mark_checked(
        store, VERIFIER, "X", "12", "2567", "outlier_history", "  ยืนยันกับหน่วยงานแล้ว  ", "test"
    )
    assert mark["period"] == "2024" and mark["value"] == 1000.0
    assert mark["note"] == "ยืนยันกับหน่วยงานแล้ว"
    unchecked = _keys(quality.flags(store))
    assert unchecked == EXPECTED - {("X", "12", "2024", "outlier_history")}
    every = quality.flags(store, include_checked=True).set_index(["item_code", "flag"])
    checked = every.loc[("X", "outlier_history")]
    assert checked["checked"] and checked["checked_by"] == "ver"
    assert checked["note"] == "ยืนยันกับหน่วยงานแล้ว"
    assert not every.loc[("X", "outlier_peers"), "checked"]  # each flag is checked on its own
    # as known before the mark was made, the flag was open
    then = quality.flags(store, item_code="X", as_of=date(2025, 6, 1), include_checked=True)
    assert len(then) == 2 and not then["checked"].any()
    # the cell is still flagged for the KPI reliability (its peers flag is open)
    assert ("X", "12", "2024") in set(
        quality.flagged_cells(store).iloc[:, :3].itertuples(index=False, name=None)
    )

    _change(store, "X", "12", 2024, 1100.0)  # a new value is flagged afresh
    assert _keys(quality.flags(store)) == EXPECTED
    assert quality.flags(store, item_code="X")["value"].tolist() == [1100.0, 1100.0]
    # as known before the change: the old value, and its mark did not exist yet either
    old = quality.flags(store, item_code="X", as_of=date(2025, 6, 1))
    assert old["value"].tolist() == [1000.0, 1000.0]


def test_marking_again_replaces_the_mark(store):
    for note in ("first look", "second look"):
        quality.mark_checked(store, ADMIN, "S", "14", "2024", "rule:SHARE", note, "test")
    marks = store.checks("S")
    assert len(marks) == 1 and marks.iloc[0]["note"] == "second look"
    assert marks.iloc[0]["checked_by"] == "boss"


def test_a_mark_is_audited(store):
    quality.mark_checked(store, VERIFIER, "POPT", "13", "2023", "rule:SEX", "ตัวเลขรวมถูกแล้ว", "test")
    entry = store.audit_log_filtered(action="quality_checked").iloc[0]
    assert entry["username"] == "ver" and entry["origin"] == "test"
    assert entry["target"] == "POPT 13 2023 rule:SEX"
    assert "ตัวเลขรวมถูกแล้ว" in entry["detail"] and "2071" in entry["detail"]


@pytest.mark.parametrize(
    "user",
    [
        None,
        auth.User("st", "staff", agency_code="PTO"),
        auth.User("ex", "executive"),
        auth.User("pso", "verifier", agency_code="PSO"),  # not the owner agency
        auth.User("v11", "verifier", agency_code="PTO", area_code="11"),  # another area
        auth.User("gone", "verifier", agency_code="PTO", is_active=False),
    ],
)
def test_only_the_owner_agencys_verifier_or_an_admin_may_mark(store, user):
    before = len(store.audit_log())
    with pytest.raises(auth.PermissionDenied) as caught:
        quality.mark_checked(store, user, "X", "12", "2024", "outlier_history", "ok", "test")
    assert caught.value.message_th and caught.value.message_en
    assert store.checks().empty  # nothing marked
    log = store.audit_log()
    assert len(log) == before + 1
    entry = log.iloc[0]
    assert entry["action"] == "denied" and entry["target"] == "X 12 2024 outlier_history"
    assert '"quality_checked"' in entry["detail"]


def test_the_verifier_of_the_area_and_an_admin_may_mark(store):
    v12 = auth.User("v12", "verifier", agency_code="PTO", area_code="12")
    quality.mark_checked(store, v12, "X", "12", "2024", "outlier_history", "ok", "test")
    quality.mark_checked(store, ADMIN, "X", "12", "2024", "outlier_peers", "ok", "test")
    assert store.checks()["checked_by"].tolist() == ["v12", "boss"]


def test_with_the_two_person_rule_the_uploader_may_not_mark(store, monkeypatch):
    monkeypatch.setenv("EIS_TWO_PERSON_VERIFY", "1")
    loader = auth.User("loader", "verifier", agency_code="PTO")
    with pytest.raises(auth.PermissionDenied, match="two-person"):
        quality.mark_checked(store, loader, "X", "12", "2024", "outlier_history", "ok", "test")
    quality.mark_checked(store, VERIFIER, "X", "12", "2024", "outlier_history", "ok", "test")


@pytest.mark.parametrize(
    ("args", "th", "en"),
    [
        (("X", "12", "2024", "outlier_history", "   "), "ต้องเขียนบันทึก", "1 to 500 characters"),
        (("X", "12", "2024", "outlier_history", "n" * 501), "ต้องเขียนบันทึก", "it holds 501"),
        (("X", "12", "2024", "rule:SEX"), "ไม่มีการแจ้งเตือน 'rule:SEX'", "has no flag"),
        (("X", "11", "2024", "outlier_history"), "ไม่มีการแจ้งเตือน", "has no flag"),
        (("X", "12", "2030", "outlier_history"), "ไม่มีค่าของ X", "no value of X"),
        (("X", "12", "ปีหน้า", "outlier_history"), "อ่านงวด 'ปีหน้า'", "cannot read period"),
        (("NOPE", "12", "2024", "outlier_history"), "ไม่มีรายการข้อมูลรหัส NOPE", "no item"),
        (("X", "99", "2024", "outlier_history"), "ไม่มีพื้นที่รหัส 99", "no area"),
    ],
)
def test_bad_input_to_a_mark_says_why_and_marks_nothing(store, args, th, en):
    item, area, period, flag, *note = args
    with pytest.raises(InputError) as caught:
        quality.mark_checked(store, VERIFIER, item, area, period, flag, (note or ["ok"])[0], "t")
    assert th in caught.value.message_th and en in caught.value.message_en
    assert store.checks().empty


def test_a_note_of_500_characters_is_kept(store):
    quality.mark_checked(store, VERIFIER, "X", "12", "2024", "outlier_history", "n" * 500, "t")
    assert len(store.checks().iloc[0]["note"]) == 500


# ---------------------------------------------------------------- warnings at upload


def _incoming(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i, a, str(y), pd.Timestamp(date(y, 12, 31)), v, None) for i, a, y, v in rows],
        columns=upload.CELL_COLUMNS,
    )


def test_upload_warnings_flag_the_incoming_cells_that_would_be_flagged(store):
    compare = store.compare_with_current(
        _incoming(
            [
                ("X", "11", 2025, 5000.0),  # far from its history (no peers in 2025 yet)
                ("X", "10", 2025, 106.0),  # usual
                ("POPT", "10", 2024, 2013.0),  # POPM + POPF = 2010 stored: the sum breaks
                ("X", "12", 2024, 1000.0),  # unchanged: on the list already
            ]
        )
    )
    out = quality.upload_warnings(store, compare)
    assert list(out.columns) == quality.WARNING_COLUMNS
    assert _keys(out) == {
        ("X", "11", "2025", "outlier_history"),
        ("POPT", "10", "2024", "rule:SEX"),
    }
    rule = out.set_index("flag").loc["rule:SEX"]
    assert rule["value"] == 2013.0 and "POPT (2,013)" in rule["detail_en"]
    assert rule["detail_th"].startswith("ไม่เป็นไปตามกฎ SEX")


def test_an_incoming_value_replaces_the_stored_one_it_would_change(store):
    # the planted outlier corrected: no warning, and its neighbours judged without it
    compare = store.compare_with_current(_incoming([("X", "12", 2024, 111.0)]))
    assert quality.upload_warnings(store, compare).empty
    fixed = store.compare_with_current(_incoming([("POPT", "13", 2023, 2068.0)]))
    assert quality.upload_warnings(store, fixed).empty


def test_upload_warnings_of_a_real_preview(store):
    data = b"item,area,period,value\nX,13,2568,900\nX,14,2568,113\n"
    preview = upload.preview_upload(store, data, "x.csv", as_of=date(2026, 11, 22))
    assert not preview.problems, [p.message("en") for p in preview.problems]
    out = quality.upload_warnings(store, preview.compare)
    assert _keys(out) == {("X", "13", "2025", "outlier_history")}


def test_upload_warnings_judge_a_value_among_areas_of_its_own_level(store):
    # the country's total beside its provinces' values is no outlier among them
    rows = [("X", p, 2025, 106.0 + 3 * i) for i, p in enumerate(PROVINCES)]
    compare = store.compare_with_current(_incoming([*rows, ("X", "TH", 2025, 650.0)]))
    assert quality.upload_warnings(store, compare).empty


def test_no_incoming_cells_no_warnings(store):
    out = quality.upload_warnings(store, store.compare_with_current(_incoming([])))
    assert out.empty and list(out.columns) == quality.WARNING_COLUMNS


# ---------------------------------------------------------------- the store's rules


def test_rules_round_trip_and_replace(store):
    assert store.rules()["code"].tolist() == ["OFF", "SEX", "SHARE"]
    assert store.rules(active_only=True)["code"].tolist() == ["SEX", "SHARE"]
    store.replace_rules(
        pd.DataFrame({"code": ["R"], "name_th": ["ก"], "name_en": ["r"], "expression": ["X >= 0"]}),
        audit={"username": "admin", "action": "config", "origin": "test"},
    )
    rules = store.rules()
    assert rules.to_dict("records") == [
        {
            "code": "R",
            "name_th": "ก",
            "name_en": "r",
            "expression": "X >= 0",
            "tolerance": 0.0,
            "is_active": True,
        }
    ]
    assert store.audit_log().iloc[0]["action"] == "config"


def test_a_mark_and_a_new_mark_change_the_data_version(store):
    """Cached cockpit figures keep 'flagged_values' unless a mark moves the data version."""
    before = store.data_version()
    quality.mark_checked(store, ADMIN, "S", "14", "2024", "rule:SHARE", "ตรวจแล้ว", "test")
    first = store.data_version()
    assert first != before
    quality.mark_checked(store, ADMIN, "S", "14", "2024", "rule:SHARE", "ตรวจซ้ำ", "test")
    assert store.data_version() != first

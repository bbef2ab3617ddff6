"""An upload's item and area lookups are built once per catalogue and area list, and a
changed catalogue or area list is read with new ones (lib.ingest.lookups)."""

from __future__ import annotations

import pandas as pd

from lib.ingest import areas as areas_module
from lib.ingest import items as items_module
from lib.ingest.lookups import lookups_for
from lib.ingest.read import read_upload
from tests.fixtures_ingest import AS_OF, areas, csv_bytes, items, read

HEADER = ["รหัสรายการ", "พื้นที่", "งวด", "ค่า"]


def one_row(item: str, area: str) -> bytes:
    return csv_bytes([HEADER, [item, area, "2567", "12"]])


def test_the_same_catalogue_and_areas_are_looked_up_with_the_same_lookups():
    first = lookups_for(items(), areas())
    again = lookups_for(items().copy(), areas().copy())  # equal content, other frames
    assert again[0] is first[0] and again[1] is first[1]


def test_an_item_renamed_in_the_catalogue_is_found_by_its_new_name_at_once():
    assert read(one_row("ผลิตภัณฑ์มวลรวมจังหวัด (GPP)", "10")).clean["item_code"].tolist() == ["MAC01"]
    renamed = items().copy()
    renamed.loc[renamed["code"] == "MAC01", "name_th"] = "จีพีพีจังหวัด"
    result = _read_with(one_row("จีพีพีจังหวัด", "10"), renamed, areas())
    assert result.clean["item_code"].tolist() == ["MAC01"]
    old_name = _read_with(one_row("ผลิตภัณฑ์มวลรวมจังหวัด (GPP)", "10"), renamed, areas())
    assert old_name.clean.empty and [p.column for p in old_name.errors] == ["รหัสรายการ"]


def test_an_area_renamed_in_the_reference_is_found_by_its_new_name_at_once():
    renamed = areas().copy()
    renamed.loc[renamed["code"] == "11", "name_th"] = "ปากน้ำ"
    assert read(one_row("MAC01", "ปากน้ำ")).clean.empty
    result = _read_with(one_row("MAC01", "ปากน้ำ"), items(), renamed)
    assert result.clean["area_code"].tolist() == ["11"]


def test_a_lookup_forgets_what_it_resolved_once_it_holds_the_limit(monkeypatch):
    monkeypatch.setattr(items_module, "RESOLVED_KEPT", 2)
    monkeypatch.setattr(areas_module, "RESOLVED_KEPT", 2)
    item_index, area_index = lookups_for(items(), areas())
    for text in ("ไม่มีรายการ 1", "mac02", "ไม่มีรายการ 2", "ไม่มีรายการ 3"):  # not resolved before
        item_index.resolve(text)
        area_index.resolve(text)
        assert len(item_index._cache) <= 2 and len(area_index._cache) <= 2
    assert item_index.resolve("mac02")[0] == "MAC02"  # resolved again after being forgotten
    assert area_index.resolve("กรุงเทพมหานคร")[0] == ("10",)


def test_a_catalogue_with_cells_that_cannot_be_hashed_is_looked_up_without_keeping():
    odd = items().assign(tags=[["a"]] * len(items()))
    first, again = lookups_for(odd, areas()), lookups_for(odd, areas())
    assert first[0] is not again[0]
    assert first[0].resolve("MAC01")[0] == "MAC01"


def _read_with(data: bytes, catalogue: pd.DataFrame, area_frame: pd.DataFrame):
    return read_upload(data, "upload.csv", catalogue, area_frame, as_of=AS_OF)

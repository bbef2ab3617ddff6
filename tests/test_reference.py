"""Reference geography: DOPA codes, groupings with versions, real population and area."""

from __future__ import annotations

from datetime import date

import pytest

from lib.geo import reference

CLUSTER_SCHEMES = ("cluster_2009", "cluster_2017")


@pytest.fixture(scope="module")
def frames():
    return reference.reference_frames()


def test_counts_by_level(frames):
    levels = frames["areas"].level.value_counts().to_dict()
    assert levels == {"country": 1, "region": 13, "cluster": 36, "province": 77, "district": 928}


def test_codes_are_dopa_codes(frames):
    areas = frames["areas"]
    prov = areas[areas.level == "province"]
    dist = areas[areas.level == "district"]
    assert prov.code.str.fullmatch(r"\d{2}").all()
    assert dist.code.str.fullmatch(r"\d{4}").all()
    # every district sits in the province its code starts with
    assert (dist.code.str[:2] == dist.parent_code).all()
    assert set(dist.parent_code) == set(prov.code)
    assert prov.set_index("code").loc["21", "name_th"] == "ระยอง"
    assert prov.set_index("code").loc["21", "iso_code"] == "TH-21"


def test_district_counts_match_dopa_2021(frames):
    base = reference.province_baseline().set_index("province_code")["districts_2021"]
    dist = frames["areas"].query("level == 'district'")
    counts = dist.groupby("parent_code").size()
    assert counts.sum() == base.sum() == 928
    assert (counts == base.reindex(counts.index)).all()
    assert counts["10"] == 50  # Bangkok's 50 khet


def test_population_is_the_official_dopa_total(frames):
    areas = frames["areas"].set_index("code")
    assert areas.loc["TH", "population"] == 66_171_439
    assert areas.loc["10", "population"] == 5_527_994


@pytest.mark.parametrize("scheme", CLUSTER_SCHEMES)
def test_eighteen_clusters_and_bangkok_in_none(frames, scheme):
    members = frames["grouping_members"].query("scheme == @scheme")
    assert members.group_code.nunique() == 18
    assert "10" not in set(members.province_code)
    # every province except Bangkok in exactly one cluster
    assert members.province_code.is_unique
    assert len(members) == 76


@pytest.mark.parametrize(("scheme", "n"), [("region_royin6", 6), ("region_nesdc7", 7)])
def test_region_schemes_cover_all_provinces(frames, scheme, n):
    members = frames["grouping_members"].query("scheme == @scheme")
    assert members.group_code.nunique() == n
    assert len(members) == 77 and members.province_code.is_unique


def test_songkhla_moved_to_the_gulf_cluster_in_2017(frames):
    m = frames["grouping_members"].set_index(["scheme", "province_code"])["group_code"]
    assert m[("cluster_2009", "90")] == "C09-SB"
    assert m[("cluster_2017", "90")] == "C17-SG"


def test_cluster_versions_are_effective_dated(frames):
    schemes = frames["grouping_schemes"].set_index("scheme")
    assert schemes.loc["cluster_2009", "valid_to"] == date(2017, 11, 16)
    assert schemes.loc["cluster_2017", "valid_from"] == date(2017, 11, 17)
    bueng_kan = frames["grouping_members"].query(
        "scheme == 'cluster_2009' and province_code == '38'"
    )
    assert bueng_kan.valid_from.tolist() == [date(2011, 3, 23)]


def test_store_returns_members_in_force_on_a_date(demo_store):
    before = demo_store.group_members("cluster_2009", on=date(2010, 6, 1))
    after = demo_store.group_members("cluster_2009", on=date(2012, 6, 1))
    assert "38" not in set(before.province_code)
    assert "38" in set(after.province_code)
    assert len(after) == 76

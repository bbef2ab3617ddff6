"""What an account may read of the catalogue (lib.services.catalogue), decided by auth.can."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.services import auth, catalogue

CATALOG = pd.DataFrame(
    {
        "code": ["PUB1", "PUB2", "HID1"],
        "owner_agency": ["PSO", "PTO", "POPS"],
        "is_published": [True, True, False],
    }
)
KPIS = pd.DataFrame(
    {"code": ["K_PUB", "K_MIXED", "K_HID"], "item_codes": ["PUB1,PUB2", "PUB1,HID1", "HID1"]}
)
STAFF = auth.User("s", "staff", agency_code="PTO", area_code="21")


@pytest.mark.parametrize(
    ("user", "items", "kpis"),
    [
        (None, ["PUB1", "PUB2"], ["K_PUB"]),  # the public: published only
        (auth.User("p", "public"), ["PUB1", "PUB2"], ["K_PUB"]),
        (STAFF, ["PUB1", "PUB2", "HID1"], ["K_PUB", "K_MIXED", "K_HID"]),
        (auth.User("e", "executive", area_code="21"), ["PUB1", "PUB2", "HID1"], None),
        (auth.User("a", "admin"), ["PUB1", "PUB2", "HID1"], None),
        # a disabled account reads what the public reads
        (auth.User("s", "staff", "PTO", "21", is_active=False), ["PUB1", "PUB2"], ["K_PUB"]),
    ],
)
def test_readable_items_and_kpis(user, items, kpis):
    assert catalogue.readable_items(CATALOG, user)["code"].tolist() == items
    if kpis is not None:
        assert catalogue.readable_kpis(KPIS, CATALOG, user)["code"].tolist() == kpis


def test_readable_items_of_the_real_catalogue(small_store_path):
    from lib.store import Store

    with Store(small_store_path, read_only=True) as store:
        cat = store.catalog()
    public = catalogue.readable_items(cat, None)
    assert public["is_published"].all() and 0 < len(public) < len(cat)
    assert len(catalogue.readable_items(cat, STAFF)) == len(cat)

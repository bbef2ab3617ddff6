"""What an account may read of the catalogue: items and the KPIs built on them.

The rule lives in `auth.can(user, "read_published", item=...)`: everyone reads
published items; an unpublished item needs `read_unpublished` (signed-in
roles). A KPI is readable when every item it is built on is. The items an
account may load values into follow `auth.can(user, "upload", ...)` for its own
area. Pages ask these functions; they never filter on `is_published` themselves.
"""

from __future__ import annotations

import pandas as pd

from lib.engine import kpi
from lib.services import auth


def readable_items(catalog: pd.DataFrame, user: auth.User | None) -> pd.DataFrame:
    """The catalogue rows this account may read (the public: published items only)."""
    if auth.can(user, "read_unpublished"):
        return catalog
    allowed = [
        bool(auth.can(user, "read_published", item=row)) for row in catalog.to_dict("records")
    ]
    return catalog[pd.Series(allowed, index=catalog.index, dtype=bool)]


def readable_kpis(
    kpis: pd.DataFrame, catalog: pd.DataFrame, user: auth.User | None
) -> pd.DataFrame:
    """The KPIs this account may read: those every linked item of which it may read."""
    return kpi.kpis_on_items(kpis, readable_items(catalog, user)["code"])


def loadable_items(catalog: pd.DataFrame, user: auth.User | None, area_index=None) -> list[str]:
    """Codes of the items the account may load values into for its own area (auth "upload").

    area_index: auth.load_area_index(store), needed for an account with an area.
    """
    area = user.area_code if user is not None else None
    return [
        row["code"]
        for row in catalog.to_dict("records")
        if auth.can(user, "upload", item=row, area_code=area, area_index=area_index)
    ]

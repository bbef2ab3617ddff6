"""What an account may read of the catalogue: items and the KPIs built on them.

The rule lives in `auth.can(user, "read_published", item=...)`: everyone reads
published items; an unpublished item needs `read_unpublished` (signed-in
roles). A KPI is readable when every item it is built on is. Pages ask these
functions; they never filter on `is_published` themselves.
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

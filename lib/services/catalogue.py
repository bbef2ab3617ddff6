"""What an account may read of the catalogue: items and the KPIs built on them.

The rule lives in `auth.can(user, "read_published", item=...)`: everyone reads
published items; an unpublished item needs `read_unpublished` (signed-in
roles). A KPI is readable when every item it is built on is. The items an
account may load values into follow `auth.can(user, "upload", ...)` for its own
area. Pages ask these functions; they never filter on `is_published` themselves.

Values: the public (not signed in, and a display link's wall) sees verified
values only; an account that may read unpublished items (every signed-in role)
sees every committed value, flagged "unverified" while it awaits its verifier
(`sees_unverified`). So a figure the public reads (item values on the map and
its tooltips, the profile's trends, districts and KPI scores, the home page's
counts and density) rests on verified values of published items only. Data
health (complete, timely, correct) counts every committed value for everyone:
it describes the province's data work, not the values, and reveals none.
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


def sees_unverified(user: auth.User | None) -> bool:
    """True when the account sees values not yet verified; False for the public.

    >>> sees_unverified(None), sees_unverified(auth.User("gov21", "executive"))
    (False, True)
    """
    return bool(auth.can(user, "read_unpublished"))


def values_seen_by(store, user: auth.User | None):
    """The store as this account sees its values: the public reads its verified view."""
    return store if sees_unverified(user) else store.verified_view()


def readable_codes(catalog: pd.DataFrame, user: auth.User | None) -> list[str] | None:
    """Codes of the items this account may read; None when it reads every item."""
    readable = readable_items(catalog, user)
    return None if len(readable) == len(catalog) else [str(c) for c in readable["code"]]


def readable_kpis(
    kpis: pd.DataFrame, catalog: pd.DataFrame, user: auth.User | None
) -> pd.DataFrame:
    """The KPIs this account may read: those every linked item of which it may read."""
    return kpis_on_readable(kpis, readable_items(catalog, user))


def kpis_on_readable(kpis: pd.DataFrame, readable: pd.DataFrame) -> pd.DataFrame:
    """The KPIs every linked item of which is among `readable` (readable_items' rows)."""
    return kpi.kpis_on_items(kpis, readable["code"])


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

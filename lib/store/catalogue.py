"""Named queries of the catalogue (items, aspects, data groups, agencies, KPIs), replaced whole."""

from __future__ import annotations

import pandas as pd

from lib.store.reference import REFERENCE_TABLES

CATALOG_TABLES = ("agencies", "data_groups", "aspects", "items", "kpis", "kpi_items", "roles")


class CatalogueQueries:
    """The catalogue, read and replaced as whole tables (mixed into Store)."""

    def replace_tables(self, frames: dict[str, pd.DataFrame], audit: dict | None = None) -> None:
        """Replace the rows of whole tables (reference, catalog) in one transaction."""
        with self.transaction() as cur:
            for table, frame in frames.items():
                if table not in REFERENCE_TABLES + CATALOG_TABLES:
                    raise ValueError(f"not a reference or catalog table: {table}")
                cur.execute(f"DELETE FROM {table}")
                self._insert_frame(cur, table, frame)
            # names, thresholds or weights changed: figures cached under the old version go
            version = cur.execute(
                "SELECT coalesce(max(CAST(value AS INTEGER)), 0) + 1 FROM meta "
                "WHERE key = 'catalog_version'"
            ).fetchone()[0]
            self._set_meta(cur, "catalog_version", str(version))
            if audit:
                self._audit(cur, **audit)

    def catalog(self) -> pd.DataFrame:
        """Every item with its aspect, data group and owner agency names."""
        return self._df(
            "SELECT i.*, a.name_th AS aspect_name_th, a.name_en AS aspect_name_en, "
            "g.code AS group_code, g.name_th AS group_name_th, g.name_en AS group_name_en, "
            "ag.name_th AS owner_name_th, ag.name_en AS owner_name_en "
            "FROM items i JOIN aspects a ON a.code = i.aspect_code "
            "JOIN data_groups g ON g.code = a.group_code "
            "LEFT JOIN agencies ag ON ag.code = i.owner_agency "
            "ORDER BY g.sort_order, a.sort_order, i.code"
        )

    def kpis(self) -> pd.DataFrame:
        """KPIs with the item codes they are computed from (comma-separated)."""
        return self._df(
            "SELECT k.*, string_agg(ki.item_code, ',' ORDER BY ki.item_code) AS item_codes "
            "FROM kpis k LEFT JOIN kpi_items ki ON ki.kpi_code = k.code "
            "GROUP BY ALL ORDER BY k.code"
        )

    def data_groups(self) -> pd.DataFrame:
        """The data groups in display order."""
        return self._df("SELECT * FROM data_groups ORDER BY sort_order")

    def agency_codes(self) -> list[str]:
        """Codes of the agencies (the owner_agency of items)."""
        return self._df("SELECT code FROM agencies ORDER BY code")["code"].tolist()

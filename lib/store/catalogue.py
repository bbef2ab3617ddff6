"""Named queries of the catalogue (items, aspects, data groups, agencies, KPIs) and the scope.

The configuration is replaced whole, in one transaction, with an audit entry per changed
row (`apply_config`); KPIs belong to a fiscal year, and the set in force for a year is the
newest set of that year or before (the earliest set for years before every set).
"""

from __future__ import annotations

import pandas as pd

from lib.store.quality import write_rules
from lib.store.reference import REFERENCE_TABLES

CATALOG_TABLES = ("agencies", "data_groups", "aspects", "items", "kpis", "kpi_items", "roles")
CONFIG_TABLES = ("data_groups", "aspects", "agencies", "items", "kpis", "kpi_items")
DEFAULT_SCOPE = "TH"  # a deployment covers the country unless told otherwise

# The fiscal year whose KPI set is in force for the year given as the parameter.
_SET_YEAR = (
    "coalesce((SELECT max(fiscal_year) FROM kpis WHERE fiscal_year <= ?), "
    "(SELECT min(fiscal_year) FROM kpis))"
)
_KPIS = (
    "SELECT k.*, string_agg(ki.item_code, ',' ORDER BY ki.item_code) AS item_codes "
    "FROM kpis k LEFT JOIN kpi_items ki "
    "ON ki.kpi_code = k.code AND ki.fiscal_year = k.fiscal_year "
)


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
            _bump_catalog_version(cur, self._set_meta)
            if audit:
                self._audit(cur, **audit)

    def apply_config(
        self,
        frames: dict[str, pd.DataFrame],
        scope: str,
        audit: list[dict],
        meta: dict[str, str] | None = None,
    ) -> None:
        """Replace the configuration tables, the scope and `meta` keys in one transaction,
        with audit entries.

        frames: CONFIG_TABLES (kpis with fiscal_year; kpi_items: fiscal_year, kpi_code,
        item_code) and, when given, validation_rules. Nothing is written unless everything is.
        """
        with self.transaction() as cur:
            for table in CONFIG_TABLES:
                if table in frames:
                    cur.execute(f"DELETE FROM {table}")
                    self._insert_frame(cur, table, frames[table])
            if "validation_rules" in frames:
                write_rules(cur, frames["validation_rules"])
            self._set_meta(cur, "scope", scope)
            self._set_meta(cur, "catalogue_origin", "config")  # never filled with the demo again
            for key, value in (meta or {}).items():
                self._set_meta(cur, key, value)
            _bump_catalog_version(cur, self._set_meta)
            for entry in audit:
                self._audit(cur, **entry)

    def scope(self) -> str:
        """The deployment's scope: TH, a cluster code or a province code."""
        return self.get_meta("scope") or DEFAULT_SCOPE

    def set_scope(self, code: str, username: str = "system", origin: str = "cli") -> None:
        """Set the deployment's scope (the caller checked the code), audited."""
        with self.transaction() as cur:
            before = self.scope()
            self._set_meta(cur, "scope", code)
            _bump_catalog_version(cur, self._set_meta)
            self._audit(cur, username, "set_scope", code, {"before": before, "after": code}, origin)

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

    def kpis(self, fiscal_year: int | None = None) -> pd.DataFrame:
        """The KPI set in force for a fiscal year (the newest set when None), with item codes.

        The set of year Y is the newest set entered for Y or an earlier year; a year before
        every set uses the earliest set. item_codes: the linked items, comma-separated.
        """
        year = 9999 if fiscal_year is None else int(fiscal_year)
        return self._df(
            _KPIS + f"WHERE k.fiscal_year = {_SET_YEAR} GROUP BY ALL ORDER BY k.code", [year]
        )

    def kpi_sets(self) -> pd.DataFrame:
        """Every fiscal year's KPI set, with item codes (fiscal_year, code order)."""
        return self._df(_KPIS + "GROUP BY ALL ORDER BY k.fiscal_year, k.code")

    def kpi_set_years(self) -> list[int]:
        """The fiscal years that have a KPI set of their own."""
        frame = self._df("SELECT DISTINCT fiscal_year FROM kpis ORDER BY fiscal_year")
        return [int(y) for y in frame["fiscal_year"]]

    def config_tables(self) -> dict[str, pd.DataFrame]:
        """The configuration tables as stored (kpis with item_codes, every year)."""
        out = {t: self.table_frame(t) for t in ("data_groups", "aspects", "agencies", "items")}
        out["kpis"] = self.kpi_sets()
        return out

    def data_groups(self) -> pd.DataFrame:
        """The data groups in display order."""
        return self._df("SELECT * FROM data_groups ORDER BY sort_order")

    def agency_codes(self) -> list[str]:
        """Codes of the agencies (the owner_agency of items)."""
        return self._df("SELECT code FROM agencies ORDER BY code")["code"].tolist()


def _bump_catalog_version(cur, set_meta) -> None:
    """Names, thresholds or weights changed: figures cached under the old version go."""
    version = cur.execute(
        "SELECT coalesce(max(CAST(value AS INTEGER)), 0) + 1 FROM meta "
        "WHERE key = 'catalog_version'"
    ).fetchone()[0]
    set_meta(cur, "catalog_version", str(version))

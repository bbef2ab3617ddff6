"""The store's schema: numbered migrations, each applied once, in order.

A migration is never edited once landed; a change to the schema is a new
migration appended to MIGRATIONS. `lib.store.Store.migrate` records each applied
number in `schema_migrations`, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.store.feeds import FEED_DELIVERED_AT as _FEED_DELIVERED_AT
from lib.store.feeds import FEEDS_SCHEMA as _FEEDS


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


_CORE = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Areas: country, region, cluster, province, district. Regions and clusters
-- are areas too (so a user can be scoped to one), their members are kept in
-- grouping_members.
CREATE TABLE IF NOT EXISTS areas (
    code VARCHAR PRIMARY KEY,          -- DOPA code (10, 1001), TH, or a group code (C17-UC)
    level VARCHAR NOT NULL CHECK (level IN ('country','region','cluster','province','district')),
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,               -- province of a district; TH for a province
    scheme VARCHAR,                    -- grouping scheme of a region or cluster
    iso_code VARCHAR,                  -- ISO 3166-2 (TH-21) for provinces
    population BIGINT,                 -- DOPA registered population (latest reference year)
    population_year INTEGER,
    area_km2 DOUBLE
);

-- Grouping schemes: versioned, effective-dated (valid_to NULL = still in force).
CREATE TABLE IF NOT EXISTS grouping_schemes (
    scheme VARCHAR PRIMARY KEY,        -- region_royin6, region_nesdc7, cluster_2009, cluster_2017
    kind VARCHAR NOT NULL CHECK (kind IN ('region','cluster')),
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    valid_from DATE,
    valid_to DATE,
    source VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS grouping_members (
    scheme VARCHAR NOT NULL,
    group_code VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    valid_from DATE,                   -- a province created later joins later (Bueng Kan 2011)
    valid_to DATE,
    PRIMARY KEY (scheme, province_code)
);

CREATE TABLE IF NOT EXISTS agencies (
    code VARCHAR PRIMARY KEY,          -- agency type, e.g. PSO; an office = agency + province
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    ministry_th VARCHAR,
    ministry_en VARCHAR
);

-- Catalog (ระบบฐานข้อมูล): data group -> aspect (ด้าน) -> item (รายการข้อมูล).
CREATE TABLE IF NOT EXISTS data_groups (
    code VARCHAR PRIMARY KEY,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS aspects (
    code VARCHAR PRIMARY KEY,
    group_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS items (
    code VARCHAR PRIMARY KEY,
    aspect_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    unit_th VARCHAR NOT NULL,
    unit_en VARCHAR NOT NULL,
    area_level VARCHAR NOT NULL CHECK (area_level IN ('province','district')),
    frequency VARCHAR NOT NULL
        CHECK (frequency IN ('monthly','quarterly','annual','fiscal_annual')),
    owner_agency VARCHAR NOT NULL,
    responsible_person VARCHAR NOT NULL,   -- a position, not a personal name
    source VARCHAR NOT NULL,
    release_lag_days INTEGER NOT NULL CHECK (release_lag_days >= 0),
    valid_min DOUBLE,
    valid_max DOUBLE,
    higher_is_better BOOLEAN,              -- NULL: neither (a context figure)
    is_published BOOLEAN NOT NULL,
    counts_for_coverage BOOLEAN NOT NULL,
    decimals INTEGER NOT NULL DEFAULT 0
);

-- Observations: the current value of each (item, area, period) cell.
-- No primary key on purpose: an ART index over tens of millions of rows
-- costs more than it guards; the single writer in lib.db keeps cells unique.
CREATE TABLE IF NOT EXISTS observations (
    item_code VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('submitted','verified','rejected')),
    batch_id BIGINT,
    submitted_by VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    verified_by VARCHAR,
    verified_at TIMESTAMP,
    note VARCHAR,
    recorded_at TIMESTAMP NOT NULL     -- when this version of the cell entered the store
);

-- Every value an observation held before it was replaced or removed:
-- nothing is overwritten silently, any past state can be rebuilt.
CREATE TABLE IF NOT EXISTS observation_history (
    item_code VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE NOT NULL,
    status VARCHAR NOT NULL,
    batch_id BIGINT,
    submitted_by VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    verified_by VARCHAR,
    verified_at TIMESTAMP,
    note VARCHAR,
    recorded_at TIMESTAMP NOT NULL,    -- this version was in force from recorded_at ...
    replaced_at TIMESTAMP NOT NULL,    -- ... until replaced_at
    replaced_by_batch BIGINT,
    replaced_by VARCHAR NOT NULL
);

-- KPIs (ตัวชี้วัด).
CREATE TABLE IF NOT EXISTS kpis (
    code VARCHAR PRIMARY KEY,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    owner_agency VARCHAR NOT NULL,
    weight_pct DOUBLE NOT NULL CHECK (weight_pct >= 0),
    method VARCHAR NOT NULL CHECK (method IN ('milestone','linear')),
    t1 DOUBLE, t2 DOUBLE, t3 DOUBLE, t4 DOUBLE, t5 DOUBLE,
    higher_is_better BOOLEAN NOT NULL DEFAULT TRUE,
    floor_score DOUBLE NOT NULL DEFAULT 1.0,
    target DOUBLE,
    unit_th VARCHAR,
    unit_en VARCHAR,
    rounds VARCHAR NOT NULL DEFAULT '6,9,12',
    data_collectors VARCHAR,
    green_at DOUBLE NOT NULL DEFAULT 4.0,
    amber_at DOUBLE NOT NULL DEFAULT 3.0,
    aggregation VARCHAR NOT NULL DEFAULT 'last'
        CHECK (aggregation IN ('last','sum','mean','coverage')),
    description_th VARCHAR,
    description_en VARCHAR
);

CREATE TABLE IF NOT EXISTS kpi_items (
    kpi_code VARCHAR NOT NULL,
    item_code VARCHAR NOT NULL,
    PRIMARY KEY (kpi_code, item_code)
);

CREATE TABLE IF NOT EXISTS roles (
    code VARCHAR PRIMARY KEY,          -- public, staff, verifier, executive, admin
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    role VARCHAR NOT NULL,
    agency_code VARCHAR,
    area_code VARCHAR,                 -- NULL: the whole country
    password_hash VARCHAR,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP
);

CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;

CREATE TABLE IF NOT EXISTS upload_batches (
    batch_id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,             -- upload, demo, undo, verify
    username VARCHAR NOT NULL,
    agency_code VARCHAR,
    file_name VARCHAR,
    checksum VARCHAR,
    created_at TIMESTAMP NOT NULL,
    n_new BIGINT NOT NULL DEFAULT 0,
    n_changed BIGINT NOT NULL DEFAULT 0,
    n_unchanged BIGINT NOT NULL DEFAULT 0,
    n_rejected BIGINT NOT NULL DEFAULT 0,
    status VARCHAR NOT NULL DEFAULT 'committed',
    undone_by VARCHAR,
    undone_at TIMESTAMP,
    note VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS audit_seq START 1;

CREATE TABLE IF NOT EXISTS audit_log (
    id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    username VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR,                    -- JSON text
    origin VARCHAR                     -- cli, app, or a client address
);
"""

# Items carry how their values combine over areas and periods (lib.engine.aggregations).
_ITEM_AGGREGATION = """
ALTER TABLE items ADD COLUMN IF NOT EXISTS aggregation VARCHAR DEFAULT 'mean';
UPDATE items SET aggregation = 'mean' WHERE aggregation IS NULL;
"""

# Sign-in sessions (the cookie's token) and display links (wall screens): only
# SHA-256 hashes of their secrets are stored (lib.services.auth.sessions, .displays).
_SESSIONS_AND_DISPLAYS = """
CREATE TABLE IF NOT EXISTS sessions (
    id VARCHAR PRIMARY KEY,            -- random public id (audit), not the secret
    username VARCHAR NOT NULL,
    token_hash VARCHAR,                -- SHA-256 of the cookie's token; NULL until handed off
    handoff_hash VARCHAR,              -- SHA-256 of the one-time hand-off code; NULL once used
    handoff_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,     -- absolute end, whatever the activity
    last_seen_at TIMESTAMP NOT NULL,
    idle_until TIMESTAMP NOT NULL,     -- slides forward with activity
    revoked_at TIMESTAMP,
    revoked_reason VARCHAR,            -- sign_out, password_change, user_disable
    origin VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS display_link_seq START 1;

CREATE TABLE IF NOT EXISTS display_links (
    id BIGINT PRIMARY KEY,
    token_hash VARCHAR NOT NULL,       -- SHA-256 of the link's token
    label VARCHAR,
    scopes VARCHAR NOT NULL,           -- cockpit scope codes, comma-separated
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by VARCHAR,
    last_used_at TIMESTAMP
);
"""

# The deployment's configuration as data (issue 11): items get a contact, a linked plan and the
# fiscal years they are in force; KPIs belong to a fiscal year (a set is in force from its year
# until a later year's set), with the official form's people and the milestone steps' text.
# Sets that existed before are kept as the set of FY 2500 ("from the beginning").
_CONFIGURATION = """
ALTER TABLE items ADD COLUMN IF NOT EXISTS responsible_contact VARCHAR;
ALTER TABLE items ADD COLUMN IF NOT EXISTS linked_plan VARCHAR;
ALTER TABLE items ADD COLUMN IF NOT EXISTS from_fy INTEGER;
ALTER TABLE items ADD COLUMN IF NOT EXISTS retired_from_fy INTEGER;

CREATE TABLE kpis_by_year (
    fiscal_year INTEGER NOT NULL DEFAULT 2500, -- Buddhist Era; in force until a later set
    code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    owner_agency VARCHAR NOT NULL,
    supervisor VARCHAR,                -- ผู้กำกับดูแลตัวชี้วัด, as on the official form
    supervisor_phone VARCHAR,
    data_collectors VARCHAR,           -- ผู้จัดเก็บข้อมูล
    collectors_phone VARCHAR,
    weight_pct DOUBLE NOT NULL CHECK (weight_pct >= 0),
    method VARCHAR NOT NULL CHECK (method IN ('milestone','linear')),
    t1 DOUBLE, t2 DOUBLE, t3 DOUBLE, t4 DOUBLE, t5 DOUBLE,
    steps_th VARCHAR,                  -- the milestone steps' text, one per line
    higher_is_better BOOLEAN NOT NULL DEFAULT TRUE,
    floor_score DOUBLE NOT NULL DEFAULT 1.0,
    target DOUBLE,
    unit_th VARCHAR,
    unit_en VARCHAR,
    rounds VARCHAR NOT NULL DEFAULT '6,9,12',
    green_at DOUBLE NOT NULL DEFAULT 4.0,
    amber_at DOUBLE NOT NULL DEFAULT 3.0,
    aggregation VARCHAR NOT NULL DEFAULT 'last'
        CHECK (aggregation IN ('last','sum','mean','coverage')),
    missing_rule VARCHAR NOT NULL DEFAULT 'zero' CHECK (missing_rule IN ('zero','exclude')),
    description_th VARCHAR,
    description_en VARCHAR,
    PRIMARY KEY (fiscal_year, code)
);
INSERT INTO kpis_by_year BY NAME SELECT 2500 AS fiscal_year, * FROM kpis;
DROP TABLE kpis;
ALTER TABLE kpis_by_year RENAME TO kpis;

CREATE TABLE kpi_items_by_year (
    fiscal_year INTEGER NOT NULL DEFAULT 2500,
    kpi_code VARCHAR NOT NULL,
    item_code VARCHAR NOT NULL,
    PRIMARY KEY (fiscal_year, kpi_code, item_code)
);
INSERT INTO kpi_items_by_year BY NAME SELECT 2500 AS fiscal_year, * FROM kpi_items;
DROP TABLE kpi_items;
ALTER TABLE kpi_items_by_year RENAME TO kpi_items;
"""

# Real agency files (issue 12): an item's crop-year rule ("2565/66" is read as the year the
# season starts, 'start', or ends, 'end') and its index base year (Buddhist Era; a file whose
# title says another base year is a warning); saved layouts of an agency's files (the column
# roles, sheets and period rule as JSON, and the header they were saved from).
# Surveys every second year ('biennial') widen the frequency check, which DuckDB cannot
# alter in place: the items table is rebuilt with the same columns (no table references it).
_LAYOUTS = """
CREATE TABLE items_v5 (
    code VARCHAR PRIMARY KEY,
    aspect_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    unit_th VARCHAR NOT NULL,
    unit_en VARCHAR NOT NULL,
    area_level VARCHAR NOT NULL CHECK (area_level IN ('province','district')),
    frequency VARCHAR NOT NULL
        CHECK (frequency IN ('monthly','quarterly','annual','fiscal_annual','biennial')),
    owner_agency VARCHAR NOT NULL,
    responsible_person VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    release_lag_days INTEGER NOT NULL CHECK (release_lag_days >= 0),
    valid_min DOUBLE,
    valid_max DOUBLE,
    higher_is_better BOOLEAN,
    is_published BOOLEAN NOT NULL,
    counts_for_coverage BOOLEAN NOT NULL,
    decimals INTEGER NOT NULL DEFAULT 0,
    aggregation VARCHAR DEFAULT 'mean',
    responsible_contact VARCHAR,
    linked_plan VARCHAR,
    from_fy INTEGER,
    retired_from_fy INTEGER,
    crop_year VARCHAR,                -- 'start' (default) or 'end': "2565/66" is 2565 or 2566
    base_year INTEGER                 -- an index's base year, Buddhist Era
);
INSERT INTO items_v5 BY NAME SELECT * FROM items;
DROP TABLE items;
ALTER TABLE items_v5 RENAME TO items;

CREATE TABLE layouts (
    agency_code VARCHAR NOT NULL DEFAULT '',   -- '' = the administrators' own
    name VARCHAR NOT NULL,
    layout VARCHAR NOT NULL,                   -- lib.ingest.layout.Layout as JSON
    signature VARCHAR NOT NULL,                -- header keys the layout was saved from
    created_by VARCHAR,
    created_at TIMESTAMP,
    updated_by VARCHAR,
    updated_at TIMESTAMP,
    PRIMARY KEY (agency_code, name)
);
"""

# Data quality (issue 14): validation rules between items written in the catalogue
# (an expression over item codes such as "POP06 + POP07 = POP01" or "0 <= FOR02 <= 100",
# lib.engine.quality), and a verifier's follow-up of a flagged value: checked, with a
# note, for the value it had then (a new value is flagged afresh).
_QUALITY = """
CREATE TABLE validation_rules (
    code VARCHAR PRIMARY KEY,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    expression VARCHAR NOT NULL,
    tolerance DOUBLE NOT NULL DEFAULT 0 CHECK (tolerance >= 0),  -- allowed |left - right|
    is_active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE quality_checks (
    item_code VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    flag VARCHAR NOT NULL,            -- outlier_history, outlier_peers or rule:CODE
    value DOUBLE NOT NULL,            -- the value that was checked
    checked_by VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    note VARCHAR NOT NULL,
    PRIMARY KEY (item_code, area_code, period, flag)
);
"""

_REPORTS = """
CREATE SEQUENCE IF NOT EXISTS narrative_seq START 1;

-- What a KPI owner writes on the per-indicator form, per round: every version kept,
-- the newest per (fiscal_year, round_months, kpi_code, area_code, field) is in force.
CREATE TABLE IF NOT EXISTS kpi_narratives (
    id BIGINT PRIMARY KEY,
    fiscal_year INTEGER NOT NULL,
    round_months INTEGER NOT NULL CHECK (round_months IN (6, 9, 12)),
    kpi_code VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    field VARCHAR NOT NULL,           -- work_done, supporting, obstacles, suggestions, evidence
    text VARCHAR NOT NULL,
    written_by VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS report_schedule_seq START 1;

-- Reports an administrator has sent by email on a schedule, and where each stands.
CREATE TABLE IF NOT EXISTS report_schedules (
    id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,            -- kpi-form, coverage, follow-up, cockpit
    area_code VARCHAR NOT NULL,
    kpi_code VARCHAR,
    agency_code VARCHAR,
    report_format VARCHAR NOT NULL,   -- pdf, xlsx
    lang VARCHAR NOT NULL DEFAULT 'th',
    thai_digits BOOLEAN NOT NULL DEFAULT FALSE,
    recipients VARCHAR NOT NULL,      -- addresses, comma-separated
    frequency VARCHAR NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'round_close')),
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_due_at TIMESTAMP,            -- the due time last delivered (or given up)
    attempts INTEGER NOT NULL DEFAULT 0,  -- failed attempts at the pending due time
    retry_at TIMESTAMP,
    last_error VARCHAR,
    last_sent_at TIMESTAMP
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core tables", _CORE),
    Migration(2, "item aggregation", _ITEM_AGGREGATION),
    Migration(3, "sign-in sessions and display links", _SESSIONS_AND_DISPLAYS),
    Migration(4, "configuration as data: item validity, KPI sets per fiscal year", _CONFIGURATION),
    Migration(5, "agency files: crop-year rule, base year, saved layouts", _LAYOUTS),
    Migration(6, "data quality: validation rules, follow-up of flagged values", _QUALITY),
    Migration(7, "reports: KPI form narratives, scheduled deliveries", _REPORTS),
    Migration(8, "integration feeds: definitions, runs, deliveries", _FEEDS),
    Migration(9, "integration feeds: when each delivery arrived", _FEED_DELIVERED_AT),
)


def latest_version() -> int:
    """Number of the newest migration."""
    return MIGRATIONS[-1].number

"""Every setting of the app in one place: name, default, meaning.

Secrets and per-site values come from environment variables; Streamlit's own
settings live in `.streamlit/config.toml`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
GEO_DIR = ROOT / "geo"

# Path of the embedded DuckDB store; built from the files in data/ on first start.
DEFAULT_DB_PATH = DATA_DIR / "eis.duckdb"
DB_PATH_ENV = "EIS_DB_PATH"
SERVER_URL_PREFIXES = ("postgresql://", "postgres://")  # a store location naming a server
STORE_ENV = "EIS_STORE"  # postgresql://USER@HOST:PORT/DB: the shared store (default: the file)

# Seed of the demo generator: the same seed gives the same bytes.
DEMO_SEED = 2568
# The demo spans the current fiscal year and this many before it: enough that the
# 4-year coverage window of any of the last 4 fiscal years is fully populated.
DEMO_YEARS_BEFORE = 6

# Coverage window: the current fiscal year and this many before it (SPEC section 4).
WINDOW_YEARS_BEFORE = 3
# KPI 4.4 milestone bars on the correct-and-timely % (seed 000).
MILESTONE_BARS = (80.0, 90.0, 100.0)
# Default grouping versions.
DEFAULT_CLUSTER_SCHEME = "cluster_2017"
DEFAULT_REGION_SCHEME = "region_nesdc7"

# Optional tile server URL for sites that have one; no base map by default.
TILE_URL_ENV = "EIS_TILE_URL"


def db_path() -> Path:
    """Path of the store file: $EIS_DB_PATH or data/eis.duckdb."""
    return Path(os.environ.get(DB_PATH_ENV) or DEFAULT_DB_PATH)


def store_location() -> str | Path:
    """The store the app and the commands use: $EIS_STORE, the postgresql://USER@HOST:PORT/DB
    URL of a shared store (lib.store.server), when set; else the file db_path()."""
    shared = (os.environ.get(STORE_ENV) or "").strip()
    return shared if shared.startswith(SERVER_URL_PREFIXES) else db_path()


def tile_url() -> str | None:
    """Tile URL template for a local tile server, or None (no base map)."""
    return os.environ.get(TILE_URL_ENV) or None


# Backups: scheduled by the app's background worker into this folder.
BACKUP_DIR_ENV = "EIS_BACKUP_DIR"
BACKUP_INTERVAL_HOURS = 24.0
BACKUP_KEEP = 14
# The admin page warns when the last good backup is older than this.
BACKUP_STALE_HOURS = 48.0
# Secret that signs backup manifests (HMAC-SHA256); unset: the key file BACKUP_KEY_FILE
# beside the store, made (0600, random) by the first backup. Never kept in a backup.
BACKUP_KEY_ENV = "EIS_BACKUP_KEY"
BACKUP_KEY_FILE = ".backup-key"


# "0" stops the app's background backup worker (tests, read-only demonstrations).
BACKUP_WORKER_ENV = "EIS_BACKUP_WORKER"


def backup_worker_enabled() -> bool:
    """False when $EIS_BACKUP_WORKER is "0"."""
    return os.environ.get(BACKUP_WORKER_ENV, "1") != "0"


# "0" stops the worker of scheduled report deliveries (tests, read-only demonstrations).
REPORT_WORKER_ENV = "EIS_REPORT_WORKER"


def report_worker_enabled() -> bool:
    """False when $EIS_REPORT_WORKER is "0"."""
    return os.environ.get(REPORT_WORKER_ENV, "1") != "0"


# "0" stops the worker that runs the integration feeds that are due (tests, read-only
# demonstrations; `python -m lib feeds run --due` from cron does the same work).
FEED_WORKER_ENV = "EIS_FEED_WORKER"
FEED_TIMEOUT_S = 30.0  # seconds a feed's URL may take to answer
FEED_BACKOFF_CAP_MINUTES = 24 * 60  # a failing feed is tried at least once a day


def feed_worker_enabled() -> bool:
    """False when $EIS_FEED_WORKER is "0"."""
    return os.environ.get(FEED_WORKER_ENV, "1") != "0"


# "oidc": Streamlit's st.login with the site's identity provider; else local passwords.
AUTH_MODE_ENV = "EIS_AUTH"


def oidc_enabled() -> bool:
    """True when $EIS_AUTH is "oidc"."""
    return os.environ.get(AUTH_MODE_ENV, "").strip().lower() == "oidc"


# "1": a verifier may not verify a batch they uploaded themselves (two-person rule).
TWO_PERSON_VERIFY_ENV = "EIS_TWO_PERSON_VERIFY"


def two_person_verify() -> bool:
    """True when $EIS_TWO_PERSON_VERIFY is "1" (the verifier must differ from the uploader)."""
    return os.environ.get(TWO_PERSON_VERIFY_ENV, "0").strip() == "1"


def backup_dir() -> Path:
    """Folder of scheduled backups: $EIS_BACKUP_DIR, else backups/ beside the store."""
    return Path(os.environ.get(BACKUP_DIR_ENV) or db_path().parent / "backups")


# The day the pages describe and the demo is generated for; tests and
# demonstrations pin it, otherwise it is the machine's date.
AS_OF_ENV = "EIS_AS_OF"


def today() -> date:
    """$EIS_AS_OF (YYYY-MM-DD) if set, else the machine's date."""
    pinned = os.environ.get(AS_OF_ENV)
    return date.fromisoformat(pinned) if pinned else date.today()


def figures_as_of(demo_as_of: str | None) -> date:
    """The day the cockpit, map and profile describe: today, never before the demo's day.

    A store built yesterday shows today's uploads; a demo generated for a later
    day (a pinned date) is not cut short.
    """
    day = today()
    if demo_as_of:
        day = max(day, date.fromisoformat(demo_as_of))
    return day


# Email of reports (issue 13): the province's own SMTP server. Unset EIS_SMTP_HOST: no email.
# The user name and password come from the environment only: never stored, logged or shown.
SMTP_HOST_ENV = "EIS_SMTP_HOST"
SMTP_PORT_ENV = "EIS_SMTP_PORT"  # default 25 (465 with EIS_SMTP_SSL=1)
SMTP_FROM_ENV = "EIS_SMTP_FROM"  # the sender's address; default the user, else eis@HOST
SMTP_USER_ENV = "EIS_SMTP_USER"  # set: log in (AUTH) with it and EIS_SMTP_PASSWORD
SMTP_PASSWORD_ENV = "EIS_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "EIS_SMTP_STARTTLS"  # "1": STARTTLS after connecting (usually port 587)
SMTP_SSL_ENV = "EIS_SMTP_SSL"  # "1": implicit TLS from the first byte (usually port 465)
SMTP_PORT = 25
SMTP_SSL_PORT = 465


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server; the password is left out of repr (never logged)."""

    host: str
    port: int = SMTP_PORT
    sender: str = ""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    ssl: bool = False


def smtp() -> SmtpSettings | None:
    """The SMTP settings from $EIS_SMTP_*, or None when $EIS_SMTP_HOST is unset (no email).

    ValueError naming the variable for a port that is not a number from 1 to 65535.
    """
    host = os.environ.get(SMTP_HOST_ENV, "").strip()
    if not host:
        return None
    use_ssl = os.environ.get(SMTP_SSL_ENV, "0").strip() == "1"
    port_text = os.environ.get(SMTP_PORT_ENV, "").strip()
    port = int(port_text) if port_text.isdigit() else None
    if port_text and (port is None or not 1 <= port <= 65535):
        raise ValueError(f"${SMTP_PORT_ENV} must be a port number (1-65535), not {port_text!r}")
    user = os.environ.get(SMTP_USER_ENV, "").strip() or None
    default_sender = user if user and "@" in user else f"eis@{host}"
    return SmtpSettings(
        host=host,
        port=port or (SMTP_SSL_PORT if use_ssl else SMTP_PORT),
        sender=os.environ.get(SMTP_FROM_ENV, "").strip() or default_sender,
        user=user,
        password=os.environ.get(SMTP_PASSWORD_ENV) or None,
        starttls=os.environ.get(SMTP_STARTTLS_ENV, "0").strip() == "1",
        ssl=use_ssl,
    )

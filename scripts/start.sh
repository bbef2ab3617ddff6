#!/usr/bin/env bash
# Install the app into .venv and start it on the embedded DuckDB store.
# The store (data/eis.duckdb) is built (or migrated) from the files in data/ when the
# server starts, before the first visit; no network. Streamlit options pass through
# (e.g. --server.port 8502 --server.address 127.0.0.1); Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="$(command -v python3.11 || command -v python3)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec "$VENV/bin/python" scripts/serve.py "$@"

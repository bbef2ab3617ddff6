#!/usr/bin/env bash
# Install the app into .venv and start it on the embedded DuckDB store.
# The store (data/eis.duckdb) is built from the files in data/ on first start; no network.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="$(command -v python3.11 || command -v python3)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec "$VENV/bin/python" scripts/serve.py "$@"

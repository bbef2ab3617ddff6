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
# PDF reports (WeasyPrint) draw text with Pango; Debian ships it as libpango-1.0-0.
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
  else
    echo "PDF reports need: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2
  fi
fi
exec "$VENV/bin/python" scripts/serve.py "$@"

#!/usr/bin/env bash
# Install the test dependencies and run the whole suite: ruff, unit, AppTest and browser tests.
# Browser tests drive Debian's Chromium with Playwright; a Thai font makes screenshots legible.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="$(command -v python3.11 || command -v python3)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# PDF reports (WeasyPrint) draw text with Pango (libpango-1.0-0, libpangoft2-1.0-0).
# The shared-store tests start their own PostgreSQL server from Debian's postgresql.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi -e sarabun -e loma -e "noto sans thai" \
  || ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" \
  || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg \
      libpango-1.0-0 libpangoft2-1.0-0 postgresql >/dev/null
  else
    echo "tests need: sudo apt-get install chromium fonts-thai-tlwg libpango-1.0-0" \
      "libpangoft2-1.0-0 postgresql" >&2
  fi
fi
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/python" -m pytest "$@"

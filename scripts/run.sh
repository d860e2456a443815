#!/usr/bin/env bash
# Serve Seatwise and its task worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python
$PY manage.py db_worker --queue-name '*' --interval 0.5 --no-reload &
worker=$!
stop() { kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; }
trap stop EXIT INT TERM
echo
echo "  Seatwise is running at http://127.0.0.1:${PORT}/  (demo sign-ins: docs/demo.md; Ctrl-C stops)"
echo
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload --skip-checks

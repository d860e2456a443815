#!/usr/bin/env bash
# Serve Seatwise with its task worker and its scheduler of periodic jobs; Ctrl-C stops all
# three, and so does any of them stopping on its own (docs/operations.md, "Processes").
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python
pids=()
stop() {
	trap - EXIT INT TERM
	# Background processes of a script ignore the terminal's SIGINT: end them here.
	kill -TERM "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

$PY manage.py db_worker --queue-name '*' --interval 0.5 --no-reload &
pids+=($!)
$PY manage.py crontask --no-heartbeat &
pids+=($!)
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload --skip-checks &
pids+=($!)
echo
echo "  Seatwise is running at http://127.0.0.1:${PORT}/  (demo sign-ins: docs/demo.md; Ctrl-C stops)"
echo
# Wait until one of the three ends, then stop the others.
set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "Seatwise: a process ended (status ${status}); stopping the others." >&2
exit "$status"

#!/usr/bin/env bash
# Seatwise's processes, as `make run`, `make serve` and the systemd units (deploy/) start them:
#   serve.sh web         the web server: granian, SEATWISE_WEB_WORKERS processes (default 2),
#                        on HOST:PORT (default 127.0.0.1:8000)
#   serve.sh worker      a task worker: manage.py task_worker (database backend) or rqworker (rq)
#   serve.sh scheduler   the scheduler of periodic jobs (safe to run on every host)
#   serve.sh all         all three; a worker or scheduler that stops is started again, Ctrl-C
#                        (or the web server stopping) stops everything
# The environment configures everything (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

web() {
	exec .venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" \
		--workers "${SEATWISE_WEB_WORKERS:-2}" --blocking-threads 1 \
		--workers-kill-timeout "${SEATWISE_WEB_KILL_TIMEOUT:-10}" \
		--no-ws --log-level warning config.wsgi:application
}

backend() {
	$PY -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings"); import django; django.setup(); from django.conf import settings; print(settings.SEATWISE_TASK_BACKEND)'
}

worker() {
	# Redis: the mail queue is taken first, so that an e-mail never waits behind a burst of
	# orders, and the documents queue (archiving) last, so that no order waits behind the
	# rendering of documents (the database backend orders its one queue by task priority).
	# RQ waits on the queues with a blocking pop: a job wakes a worker at once.
	if [ "$(backend)" = "rq" ]; then
		exec $PY manage.py rqworker mail default documents --job-class django_tasks_rq.Job --with-scheduler \
			--worker-class seatwise.core.rq_workers.ServingWorker
	fi
	exec $PY manage.py task_worker --queue-name '*' --interval 0.2 --no-reload
}

scheduler() {
	exec $PY manage.py crontask --no-heartbeat
}

# Keep one process running: start it again when it stops (not when asked to stop).
keep() {
	local mode=$1
	while true; do
		"$0" "$mode" || true
		[ -f "$stopping" ] && return 0
		echo "Seatwise: the $mode stopped; starting it again in 2 seconds." >&2
		sleep 2
	done
}

all() {
	stopping=$(mktemp)
	rm -f "$stopping"
	export stopping
	pids=()
	stop() {
		trap - EXIT INT TERM
		touch "$stopping"
		# Background processes of a script ignore the terminal's SIGINT: end them here, the
		# processes the keepers run first (a keeper ended first would leave its process
		# running, out of reach), then the keepers and the web server.
		for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; done
		pkill -TERM -P "$$" 2>/dev/null || true
		# What has not stopped within 20 seconds is killed: a request cut short is the
		# client's to retry, a task cut short is run again (seatwise.core.housekeeping).
		for _ in $(seq 100); do
			[ -z "$(jobs -pr)" ] && break
			sleep 0.2
		done
		for pid in $(jobs -pr); do
			pkill -KILL -P "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
		done
		wait 2>/dev/null || true
		rm -f "$stopping"
	}
	trap stop EXIT
	trap 'stop; exit 130' INT
	trap 'stop; exit 143' TERM
	keep worker &
	pids+=($!)
	keep scheduler &
	pids+=($!)
	"$0" web &
	web_pid=$!
	pids+=("$web_pid")
	echo
	echo "  Seatwise is running at http://${HOST}:${PORT}/  (demo sign-ins: docs/demo.md; Ctrl-C stops)"
	echo
	set +e
	# Polled, not waited for: a Ctrl-C reaches the web server too, and a web server that has
	# already exited 0 on it can make bash take the SIGINT as handled and skip the trap.
	while kill -0 "$web_pid" 2>/dev/null; do
		sleep 1 &
		wait $!
	done
	wait "$web_pid"
	status=$?
	set -e
	echo "Seatwise: the web server ended (status ${status}); stopping the others." >&2
	exit "$status"
}

case "${1:-}" in
	web | worker | scheduler | all) "$1" ;;
	*)
		echo "usage: $0 web|worker|scheduler|all" >&2
		exit 2
		;;
esac

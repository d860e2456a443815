#!/usr/bin/env bash
# The whole suite: lint, types, import rules, migrations, translations, and pytest twice: on
# SQLite with the database task worker (the static checks beside it), then on a throwaway
# PostgreSQL cluster with a throwaway Redis and the RQ task worker, both started and stopped
# here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export SEATWISE_VAR_DIR="${SEATWISE_VAR_DIR:-$(mktemp -d /tmp/seatwise-test-var.XXXXXX)}"
# The tests' own settings (config/test_settings.py) for manage.py too.
export DJANGO_SETTINGS_MODULE=config.test_settings
# Bytecode is cached: the suite starts Python hundreds of times (task workers, schedulers,
# web servers), and without the cached .pyc files each start compiles Django, WeasyPrint and
# the rest again, seconds of CPU every time (uv installs no .pyc files).
unset PYTHONDONTWRITEBYTECODE
step() { printf '\n== %s\n' "$*"; }
free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Two test processes (pytest-xdist), each with its own databases.
WORKERS="${SEATWISE_TEST_WORKERS:-2}"

# The static checks: lint, types, import rules, migrations, translations.
static_checks() {
	step "ruff (lint and format)"
	ruff check seatwise config tests scripts bench
	ruff format --check seatwise config tests scripts bench

	step "mypy (strict)"
	mypy seatwise config

	step "import rules (interfaces import domains, never the reverse)"
	lint-imports

	step "migrations are complete"
	python manage.py makemigrations --check --dry-run

	step "translations are complete and current"
	python scripts/check_translations.py
}

# The two pytest runs one after the other, each with the cores to itself (run at the same time,
# four test processes, their task workers and two browsers on two cores took half as long
# again as one after the other; a third test process in one run, longer too). The static
# checks, one process, run beside the SQLite run, and the PostgreSQL cluster and Redis start
# then too. The PostgreSQL run is the whole suite; the SQLite run is the whole suite but the
# browser tests, which drive the same pages through the same views. Screenshots of the pages
# (test-artifacts/) cost Chromium more than most steps of a test: SEATWISE_TEST_SCREENSHOTS=1
# takes them. Tests are handed out as processes free up, the slow modules first
# (tests/conftest.py).
export SEATWISE_TEST_SCREENSHOTS="${SEATWISE_TEST_SCREENSHOTS:-0}"
PYTEST=(pytest -q -n "$WORKERS" --durations=20)
pgdir=$(mktemp -d /tmp/seatwise-pg.XXXXXX)
pgport=$(free_port)
redisdir=$(mktemp -d /tmp/seatwise-redis.XXXXXX)
redisport=$(free_port)
sqlitelog="$SEATWISE_VAR_DIR/pytest-sqlite.log"
sqlitepid=""
cleanup() {
	if [ -n "$sqlitepid" ] && kill -0 "$sqlitepid" 2>/dev/null; then
		pkill -TERM -P "$sqlitepid" 2>/dev/null || true # pytest, then its shell
		kill -TERM "$sqlitepid" 2>/dev/null || true
		wait "$sqlitepid" 2>/dev/null || true
	fi
	bash scripts/pg-throwaway.sh stop "$pgdir"
	redis-cli -p "$redisport" shutdown nosave >/dev/null 2>&1 || true
	rm -rf "$redisdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$SEATWISE_VAR_DIR/sqlite" "$SEATWISE_VAR_DIR/postgresql"
pytest_sqlite() {
	# Exit status 5 (nothing collected) is no failure when the caller named tests that are all
	# browser tests.
	local status=0
	SEATWISE_VAR_DIR="$SEATWISE_VAR_DIR/sqlite" "${PYTEST[@]}" -m "not browser" "$@" || status=$?
	if [ "$status" -eq 5 ] && [ "$#" -gt 0 ]; then status=0; fi
	return "$status"
}

# The SQLite run starts first; the static checks run beside it (a failing check ends the
# script, and the cleanup stops the run), and the PostgreSQL run's servers start.
pytest_sqlite "$@" >"$sqlitelog" 2>&1 &
sqlitepid=$!
bash scripts/pg-throwaway.sh start "$pgdir" "$pgport"
redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --dir "$redisdir" \
	--daemonize yes --logfile "$redisdir/redis.log" >/dev/null
static_checks

step "pytest on SQLite, database task backend (all but the browser tests)"
sqlite_status=0
wait "$sqlitepid" || sqlite_status=$?
sqlitepid=""
cat "$sqlitelog"

step "pytest on PostgreSQL, Redis + RQ task backend (the whole suite)"
pg_status=0
SEATWISE_VAR_DIR="$SEATWISE_VAR_DIR/postgresql" \
	DATABASE_URL="postgres://postgres@127.0.0.1:${pgport}/seatwise" \
	SEATWISE_TASK_BACKEND=rq SEATWISE_REDIS_URL="redis://127.0.0.1:${redisport}/0" \
	"${PYTEST[@]}" "$@" || pg_status=$?
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]

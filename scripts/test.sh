#!/usr/bin/env bash
# The whole suite: lint, types, import rules, migrations, translations, and pytest twice: on
# SQLite with the database task worker, and on a throwaway PostgreSQL cluster with a
# throwaway Redis and the RQ task worker, both started and stopped here. The PostgreSQL run
# starts first and the static checks run beside it.
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

# Both pytest runs at the same time (SEATWISE_TEST_SEQUENTIAL=1: one after the other): much
# of the suite waits on processes it started (task workers, schedulers, Chromium, SMTP
# timeouts), and the other run uses the cores meanwhile. Each run has its own var directory
# and artifacts folder; the screenshots of the pages are taken by the SQLite run only (the
# PostgreSQL run's browsers see the same pages). Tests are handed out as processes free up, the slow modules first
# (tests/conftest.py).
PYTEST=(pytest -q -n "$WORKERS" --durations=20)
pgdir=$(mktemp -d /tmp/seatwise-pg.XXXXXX)
pgport=$(free_port)
redisdir=$(mktemp -d /tmp/seatwise-redis.XXXXXX)
redisport=$(free_port)
pglog="$SEATWISE_VAR_DIR/pytest-postgresql.log"
pgpid=""
cleanup() {
	if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
		pkill -TERM -P "$pgpid" 2>/dev/null || true # pytest, then its shell
		kill -TERM "$pgpid" 2>/dev/null || true
		wait "$pgpid" 2>/dev/null || true
	fi
	bash scripts/pg-throwaway.sh stop "$pgdir"
	redis-cli -p "$redisport" shutdown nosave >/dev/null 2>&1 || true
	rm -rf "$redisdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash scripts/pg-throwaway.sh start "$pgdir" "$pgport"
redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --dir "$redisdir" \
	--daemonize yes --logfile "$redisdir/redis.log" >/dev/null
mkdir -p "$SEATWISE_VAR_DIR/sqlite" "$SEATWISE_VAR_DIR/postgresql"
pytest_postgresql() {
	SEATWISE_VAR_DIR="$SEATWISE_VAR_DIR/postgresql" \
		SEATWISE_TEST_ARTIFACTS="$PWD/test-artifacts/postgresql" SEATWISE_TEST_SCREENSHOTS=0 \
		DATABASE_URL="postgres://postgres@127.0.0.1:${pgport}/seatwise" \
		SEATWISE_TASK_BACKEND=rq SEATWISE_REDIS_URL="redis://127.0.0.1:${redisport}/0" \
		"${PYTEST[@]}" "$@"
}

if [ "${SEATWISE_TEST_SEQUENTIAL:-}" != 1 ]; then
	# The PostgreSQL run, the longer one, starts first; the static checks run beside it (a
	# failing check ends the script, and the cleanup stops the run).
	pytest_postgresql "$@" >"$pglog" 2>&1 &
	pgpid=$!
fi
static_checks

step "pytest on SQLite, database task backend"
sqlite_status=0
SEATWISE_VAR_DIR="$SEATWISE_VAR_DIR/sqlite" "${PYTEST[@]}" "$@" || sqlite_status=$?

step "pytest on PostgreSQL, Redis + RQ task backend"
pg_status=0
if [ -n "$pgpid" ]; then
	wait "$pgpid" || pg_status=$?
	pgpid=""
	cat "$pglog"
else
	pytest_postgresql "$@" || pg_status=$?
fi
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]

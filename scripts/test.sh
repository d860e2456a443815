#!/usr/bin/env bash
# The whole suite: lint, types, import rules, migrations, translations, then pytest twice:
# on SQLite with the database task worker, and on a throwaway PostgreSQL cluster with a
# throwaway Redis and the RQ task worker, both started and stopped here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export SEATWISE_VAR_DIR="${SEATWISE_VAR_DIR:-$(mktemp -d /tmp/seatwise-test-var.XXXXXX)}"
# The tests' own settings (config/test_settings.py) for manage.py too.
export DJANGO_SETTINGS_MODULE=config.test_settings
step() { printf '\n== %s\n' "$*"; }
free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Two test processes (pytest-xdist), each with its own databases.
WORKERS="${SEATWISE_TEST_WORKERS:-2}"

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

step "pytest on SQLite, database task backend"
pytest -q -n "$WORKERS" --durations=20 "$@"

step "pytest on PostgreSQL, Redis + RQ task backend"
pgdir=$(mktemp -d /tmp/seatwise-pg.XXXXXX)
pgport=$(free_port)
redisdir=$(mktemp -d /tmp/seatwise-redis.XXXXXX)
redisport=$(free_port)
cleanup() {
	bash scripts/pg-throwaway.sh stop "$pgdir"
	redis-cli -p "$redisport" shutdown nosave >/dev/null 2>&1 || true
	rm -rf "$redisdir"
}
trap cleanup EXIT
bash scripts/pg-throwaway.sh start "$pgdir" "$pgport"
redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --dir "$redisdir" \
	--daemonize yes --logfile "$redisdir/redis.log" >/dev/null
DATABASE_URL="postgres://postgres@127.0.0.1:${pgport}/seatwise" \
	SEATWISE_TASK_BACKEND=rq SEATWISE_REDIS_URL="redis://127.0.0.1:${redisport}/0" \
	pytest -q -n "$WORKERS" --durations=20 "$@"

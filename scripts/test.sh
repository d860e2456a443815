#!/usr/bin/env bash
# The whole suite: lint, types, import rules, migrations, translations, pytest on SQLite and
# on a throwaway PostgreSQL cluster that this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export SEATWISE_VAR_DIR="${SEATWISE_VAR_DIR:-$(mktemp -d /tmp/seatwise-test-var.XXXXXX)}"
step() { printf '\n== %s\n' "$*"; }

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

step "pytest on SQLite"
pytest -q "$@"

step "pytest on PostgreSQL"
pgdir=$(mktemp -d /tmp/seatwise-pg.XXXXXX)
pgport=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bash scripts/pg-throwaway.sh start "$pgdir" "$pgport"
trap 'bash scripts/pg-throwaway.sh stop "$pgdir"' EXIT
DATABASE_URL="postgres://postgres@127.0.0.1:${pgport}/seatwise" pytest -q "$@"

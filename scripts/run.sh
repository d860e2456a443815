#!/usr/bin/env bash
# `make run`: the whole product on one machine, as a demo: the production web server (granian),
# a task worker and the scheduler (scripts/serve.sh all), on the embedded SQLite database.
# SEATWISE_DEMO allows the test payment gateway, the demo seller and the local file outbox,
# which a production start refuses (seatwise.core.checks). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export SEATWISE_DEMO="${SEATWISE_DEMO:-true}"
exec bash scripts/serve.sh all

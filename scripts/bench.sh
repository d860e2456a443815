#!/usr/bin/env bash
# Benchmarks: each prints ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo's parts (test gateway, demo seller, file outbox) are what the benchmarks use.
export SEATWISE_DEMO=true
for bench in bench/pages.py; do
  echo "== $bench"
  .venv/bin/python "$bench"
done

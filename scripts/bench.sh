#!/usr/bin/env bash
# Benchmarks: each prints ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench/pages.py; do
  echo "== $bench"
  .venv/bin/python "$bench"
done

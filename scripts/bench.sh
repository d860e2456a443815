#!/usr/bin/env bash
# `make bench`: the benchmarks under bench/ (python -m bench); BENCH_QUICK=1 for the short
# version. Each figure is compared with a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench

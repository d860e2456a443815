# Seatwise — the two commands of the README:
#   make run    installs, migrates, loads the demo data, serves the product, its worker and scheduler
#   make test   installs everything the suite needs and runs all of it
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_LINK_MODE := copy

# Python 3.13: on PATH, or the pyenv build when the pyenv shim is not activated.
PYTHON313 := $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then \
	"$$p" -c 'import sys; print(sys.executable)'; break; fi; done)

.PHONY: help run serve test install install-dev system-deps check bench messages static demo clean

help:
	@echo "make run    — serve Seatwise with its worker and scheduler on http://127.0.0.1:$(PORT)/ (SQLite)"
	@echo "make test   — install and run the whole suite (lint, types, migrations, translations, SQLite, PostgreSQL)"
	@echo "make serve  — the production stack against the configured database and broker (docs/operations.md)"

$(UV):
	@test -n "$(PYTHON313)" || { echo "Python 3.13 is needed (python3.13 on PATH)"; exit 1; }
	"$(PYTHON313)" -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --no-dev --python "$(PYTHON313)" --quiet
	@$(MAKE) --no-print-directory messages static

install-dev: $(UV)
	$(UV) sync --frozen --python "$(PYTHON313)" --quiet
	@$(MAKE) --no-print-directory messages static

# Static files, compressed and with hashed names, for WhiteNoise (the settings need no
# configuration for this, so the system checks are skipped).
static:
	@$(PY) manage.py collectstatic --noinput --skip-checks -v0

# Compiled translations are build output (git-ignored); babel compiles them without gettext.
messages:
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel compile -d locale -D django 2>&1 | grep -v "^compiling" || true; fi

# Debian packages the test suite starts for real: Chromium, PostgreSQL, gettext (xgettext).
system-deps:
	@bash scripts/system-deps.sh

# The web server, the task worker and the scheduler of periodic jobs, as a demo on SQLite
# (scripts/run.sh).
run: install
	SEATWISE_DEMO=true $(PY) manage.py migrate --noinput
	SEATWISE_DEMO=true $(PY) manage.py load_demo --if-empty
	@PORT=$(PORT) bash scripts/run.sh

# The production stack against the configured database and broker (docs/operations.md):
# SEATWISE_WEB_WORKERS web processes, a task worker and the scheduler.
serve: install
	$(PY) manage.py migrate --noinput
	@PORT=$(PORT) bash scripts/serve.sh all

test: install-dev system-deps
	@bash scripts/test.sh

bench: install-dev system-deps
	@bash scripts/bench.sh

clean:
	rm -rf $(VENV) .tools var test-artifacts

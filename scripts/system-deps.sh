#!/usr/bin/env bash
# Install the Debian packages the test suite and the benchmarks need, only when one is missing.
set -euo pipefail
need=()
# The browser tests' Chromium (tests/browser/conftest.py).
[ -x /usr/bin/chromium-headless-shell ] || need+=(chromium-headless-shell)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v xgettext >/dev/null 2>&1 || need+=(gettext)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
# The PostgreSQL run's task broker.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Invoice PDFs: pdftoppm/pdftotext read them back in tests; WeasyPrint needs pango and a font.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
/sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# make bench's load generator (bench/server.py).
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

"""B4's peer: Tryton (``trytond`` and its ``sale_subscription`` module, pinned below, from the
package index) billing ``count`` monthly subscriptions on the same PostgreSQL server as
Seatwise's bill run; the figure ``B4.tryton.invoices_per_s``.

``tryton_bill_run(server, count)``, ``server`` a PostgreSQL server's URL without a database
(the durable throwaway cluster of ``scripts/pg-throwaway.sh``, superuser ``postgres``, trust on
127.0.0.1):

1. Tryton's own virtual environment, made once with ``python -m venv`` (the Python running
   this) and ``pip`` under ``$XDG_CACHE_HOME/seatwise-bench/tryton-venv`` (``~/.cache`` by
   default: outside the repository, which does not ignore a cache of its own), made again
   when ``PINS`` change. Tryton 8.2 talks to PostgreSQL through psycopg 3.
2. A database ``tryton_bench`` (dropped first if there), a configuration file in a temporary
   directory (the server's URI, a queue worker: tasks are queued, not run in the request) and
   ``trytond-admin -u sale_subscription --activate-dependencies`` (its dependencies: company,
   currency, party, product, account, account_invoice, sale, stock…).
3. ``bench/tryton/billrun.py`` run by that environment's Python: the setup (company in EUR,
   minimal chart of accounts, fiscal year, 19 % tax, a service at 12.00 EUR a unit, ``count``
   parties each with one running monthly subscription of quantity ``1 + n % 20``, one
   invoice due), not timed; then timed, each step in a transaction of its own, committed:
   Tryton's scheduler's two tasks (``sale.subscription.line.generate_consumption``,
   ``sale.subscription.generate_invoice``: draft invoices of one line and its tax, without a
   number), then ``account.invoice.post`` of all of them (numbered, an account move each), as
   Seatwise's bill run numbers the invoices it issues.

Returns that script's JSON: ``invoices_per_s`` through posting, without the attempts that
Tryton abandons to start the transaction again with the locks it found it needs
(``invoices_per_s_with_restarts`` with them: the wall-clock time), ``draft_invoices_per_s`` up
to the draft invoices, and the seconds of each step; with the versions and the seconds the
environment and the database's initialisation took (not timed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE = Path(__file__).resolve().parent.parent
SCRIPT = BASE / "bench" / "tryton" / "billrun.py"
DATABASE = "tryton_bench"
# trytond and sale_subscription 8.2 and everything they need, as resolved on Python 3.13.
PINS = """\
argon2-cffi==25.1.0
argon2-cffi-bindings==26.2.0
cffi==2.1.1
defusedxml==0.7.1
Genshi==0.7.12
lxml==6.2.1
MarkupSafe==3.0.4
polib==1.2.0
proteus==8.2.0
psycopg==3.3.9
psycopg-binary==3.3.9
psycopg-pool==3.3.3
puremagic==2.2.0
pwdlib==0.4.2
pycparser==3.12
python-dateutil==4.0.0
python-sql==1.8.1
python-stdnum==2.2
relatorio==1.0.0
simpleeval==1.0.8
trytond==8.2.1
trytond-account==8.2.1
trytond-account-invoice==8.2.0
trytond-account-invoice-stock==8.2.0
trytond-account-product==8.2.0
trytond-company==8.2.0
trytond-country==8.2.0
trytond-currency==8.2.0
trytond-party==8.2.0
trytond-product==8.2.0
trytond-sale==8.2.0
trytond-sale-subscription==8.2.0
trytond-stock==8.2.1
typing-extensions==4.16.0
tzdata==2026.6
Werkzeug==3.1.9
"""


def _venv_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "seatwise-bench" / "tryton-venv"


def _run(command: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def tryton_venv() -> Path:
    """The Python of Tryton's virtual environment, made (again) unless it has ``PINS``."""
    venv = _venv_dir()
    stamp = venv / "seatwise-pins.txt"
    python = venv / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == PINS:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(venv)], "python -m venv")
    requirements = venv / "requirements.txt"
    requirements.write_text(PINS)
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--requirement",
            str(requirements),
        ],
        "pip install (Tryton)",
    )
    stamp.write_text(PINS)  # last: an interrupted install is made again
    return python


def _config(server: str, directory: Path) -> Path:
    """Tryton's configuration: the server's URI (the database is named per call), its file
    store in ``directory``, a queue worker (queued tasks wait for it)."""
    parts = urlsplit(server)
    config = directory / "trytond.conf"
    filestore = directory / "filestore"
    filestore.mkdir()
    config.write_text(
        "[database]\n"
        f"uri = postgresql://{parts.netloc}/\n"
        f"path = {filestore}\n"
        "[queue]\n"
        "worker = True\n"
    )
    return config


def tryton_bill_run(server: str, count: int) -> dict[str, Any]:
    """Tryton's bill run of ``count`` due monthly subscriptions on ``server`` (a PostgreSQL
    server's URL without a database, like ``postgres://postgres@127.0.0.1:5544``)."""
    started = time.perf_counter()
    python = tryton_venv()
    venv_seconds = time.perf_counter() - started

    _run(
        [
            "psql",
            f"{server}/postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            f"DROP DATABASE IF EXISTS {DATABASE}",
            "-c",
            f"CREATE DATABASE {DATABASE}",
        ],
        f"CREATE DATABASE {DATABASE}",
    )
    with tempfile.TemporaryDirectory(prefix="seatwise-tryton-") as temporary:
        directory = Path(temporary)
        config = _config(server, directory)
        password = directory / "admin-password"
        password.write_text("bench-admin\n")
        started = time.perf_counter()
        _run(
            [
                str(python.parent / "trytond-admin"),
                "--config",
                str(config),
                "--database",
                DATABASE,
                "--update",
                "sale_subscription",
                "--activate-dependencies",
                "--email",
                "admin@example.com",
            ],
            "trytond-admin",
            cwd=directory,
            env={**os.environ, "TRYTONPASSFILE": str(password)},
            stdin=subprocess.DEVNULL,
        )
        admin_seconds = time.perf_counter() - started

        done = _run(
            [str(python), str(SCRIPT), DATABASE, str(count)],
            "bench/tryton/billrun.py",
            cwd=directory,
            env={**os.environ, "TRYTOND_CONFIG": str(config)},
            stdin=subprocess.DEVNULL,
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    python_version = _run(
        [str(python), "-c", "import platform; print(platform.python_version())"], "python"
    ).stdout.strip()
    return {
        **result,
        "python": python_version,
        "sale_subscription": next(
            pin.split("==")[1] for pin in PINS.split() if pin.startswith("trytond-sale-sub")
        ),
        "venv_seconds": venv_seconds,
        "admin_seconds": admin_seconds,
    }

"""Throughput of Seatwise's pages against a trivial view, in one process, in the same run.

Run with ``make bench``. Each page is requested through the WSGI application (no network, no
server), so the ratio shows what Seatwise's own code costs compared with Django answering a
trivial view. The goal (brief): a portal page at least half the throughput of the trivial view.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ.setdefault("SEATWISE_VAR_DIR", tempfile.mkdtemp(prefix="seatwise-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def rate(client: Client, path: str, **headers: str) -> float:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < SECONDS:
        client.get(path, **headers)
        count += 1
    return count / elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)
    from seatwise.accounts.models import Person
    from seatwise.api.models import OperatorToken

    _token, raw = OperatorToken.issue("bench")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    billing_admin = Client()
    billing_admin.force_login(Person.objects.get(email="anna.kessler@kessler-feinmechanik.test"))
    account_admin = Client()
    account_admin.force_login(Person.objects.get(email="jonas.weber@kessler-feinmechanik.test"))
    baseline = rate(client, "/healthz")
    rows = [
        ("trivial view /healthz (baseline)", baseline),
        ("home page / (de)", rate(client, "/", HTTP_ACCEPT_LANGUAGE="de")),
        ("Billing Center: Subscriptions", rate(billing_admin, "/billing/subscriptions/")),
        ("Admin Center: Manage Users", rate(account_admin, "/admin-center/users/")),
        ("Admin Center: Licenses", rate(account_admin, "/admin-center/licenses/")),
        ("My Account", rate(account_admin, "/my-account/")),
        ("API list accounts", rate(client, "/api/v1/accounts?limit=50", **auth)),
        ("API list products", rate(client, "/api/v1/products", **auth)),
    ]
    print(f"{'page':40} {'req/s':>10} {'ratio':>7}")
    for name, value in rows:
        print(f"{name:40} {value:10.0f} {value / baseline:7.2f}")


if __name__ == "__main__":
    main()

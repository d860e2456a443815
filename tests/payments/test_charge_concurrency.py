"""Many callers with one idempotency key at once: one gateway charge, one Charge."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.payments.tasks import reconcile_charges_task
from tests.factories import make_account, make_card
from tests.payments.charging import charge

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_with_one_key_charge_once():
    method = make_card(make_account())
    # A slow gateway keeps the first call in flight while the others arrive.
    set_test_gateway_mode("slow", times=1, delay_seconds=0.3)
    barrier = threading.Barrier(20)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            result = charge(method, key="double-click")
            with lock:
                results.append((result.pk, result.status))
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert errors == []
    assert len(results) == 20
    assert {pk for pk, _status in results} == {Charge.objects.get().pk}
    assert {status for _pk, status in results} <= {"pending", "succeeded"}
    assert TestGatewayCharge.objects.count() == 1
    assert Charge.objects.get().status == "succeeded"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        env["SEATWISE_SQLITE_PATH"] = str(name)
    else:
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{url}/{name}"
    return env


CHILD = """
import os, pathlib, time
from decimal import Decimal
from seatwise.audit.actors import Actor
from seatwise.payments.models import PaymentMethod
from seatwise.payments.services import charge_card
gate = pathlib.Path(os.environ["CHARGE_GATE"])
method = PaymentMethod.objects.select_related("account").get(pk=int(os.environ["CHARGE_METHOD"]))
(gate / f"ready-{os.getpid()}").touch()
while not (gate / "go").exists():
    time.sleep(0.002)
result = charge_card(account=method.account, payment_method=method, amount=Decimal("12.34"),
    currency="EUR", idempotency_key="renewal-2026", purpose="renewal", by=Actor.system("child"))
print(result.pk, result.status)
"""


@pytest.mark.django_db(transaction=True)
def test_processes_with_one_key_charge_once(tmp_path):
    method = make_card(make_account())
    set_test_gateway_mode("slow", times=1, delay_seconds=0.3)
    env = _child_env() | {"CHARGE_GATE": str(tmp_path), "CHARGE_METHOD": str(method.pk)}
    count = 8
    children = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", CHILD],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 90
    while len(list(tmp_path.glob("ready-*"))) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    (tmp_path / "go").touch()
    outputs = [child.communicate(timeout=90) for child in children]

    assert [child.returncode for child in children] == [0] * count, outputs
    charge_id = Charge.objects.get().pk
    lines = [out.strip().split() for out, _err in outputs]
    assert {int(pk) for pk, _status in lines} == {charge_id}
    assert {status for _pk, status in lines} <= {"pending", "succeeded"}
    assert TestGatewayCharge.objects.count() == 1
    assert Charge.objects.get().status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_reconcile_task_in_the_worker_settles_a_timeout_without_charging(run_worker):
    method = make_card(make_account())
    set_test_gateway_mode("timeout_after_charge", times=1)
    unknown = charge(method, key="k")
    assert unknown.status == "unknown"
    call_over(unknown)

    reconcile_charges_task.enqueue()
    reconcile_charges_task.enqueue()  # at-least-once delivery: a second run changes nothing
    run_worker()

    unknown.refresh_from_db()
    assert unknown.status == "succeeded"
    assert TestGatewayCharge.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_reconcile_task_marks_a_charge_the_gateway_never_saw_not_attempted(run_worker):
    method = make_card(make_account())
    set_test_gateway_mode("fail")
    failed = charge(method, key="k")
    Charge.objects.filter(pk=failed.pk).update(status="unknown")
    call_over(failed)
    # The gateway is asked (retrieve_charge is not affected by "fail") and knows nothing.

    reconcile_charges_task.enqueue()
    run_worker()

    failed.refresh_from_db()
    assert failed.status == "not_attempted"
    assert TestGatewayCharge.objects.count() == 0


def call_over(charge: Charge) -> None:
    """Date the charge's gateway call back beyond the grace: the reconciler (in the worker's
    own process, on the real clock) may ask about it now."""
    Charge.objects.filter(pk=charge.pk).update(
        attempted_at=timezone.now() - call_grace() - timedelta(seconds=1)
    )

"""The fault hook for real: a process buying seats is killed (SIGKILL) right after its charge
committed; the resume job then completes the purchase once, with the one charge the gateway
took."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.sales.models import Purchase
from seatwise.sales.runner import FAULT_ENV, purchases_resume
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.tasks import worker_env
from tests.tax.data import ensure_eu_vat_rates

ROOT = Path(__file__).resolve().parent.parent.parent
BUY = """
import sys
from datetime import date

import django

django.setup()
from seatwise.audit.actors import Actor
from seatwise.billing.orders import seats_purchase
from seatwise.subscriptions.models import Subscription

subscription = Subscription.objects.select_related("account").get(pk=int(sys.argv[1]))
seats_purchase(
    subscription=subscription,
    seats_to_add=3,
    by=Actor.system("test"),
    idempotency_key="k-1",
    on=date(2026, 3, 11),
)
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_after_the_charge_leaves_a_purchase_the_resume_job_completes():
    ensure_default_catalog()
    ensure_eu_vat_rates()
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account, "4242424242424242")
    subscription = make_subscription(account, seats=5, term_start=date(2026, 3, 1))

    done = subprocess.run(
        [sys.executable, "-c", BUY, str(subscription.pk)],
        cwd=ROOT,
        env={**worker_env(), FAULT_ENV: "seats:charged"},
        capture_output=True,
        timeout=120,
    )

    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.step) == ("open", "charged")
    assert TestGatewayCharge.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.seats == 5

    assert purchases_resume(by=SYSTEM, now=timezone.now() + call_grace()) == 1

    purchase.refresh_from_db()
    assert (purchase.status, purchase.step) == ("completed", "completed")
    subscription.refresh_from_db()
    assert subscription.seats == 8
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 1
    assert Invoice.objects.get().status == "paid"

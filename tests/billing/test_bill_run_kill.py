"""The bill run killed for real (SIGKILL, the pipeline's fault hook) right after its first
batch was invoiced: the next run issues the rest, no invoice twice, no number skipped, the
hash chain whole, and every renewal handed to the workers."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from seatwise.billing.renewals import renewals_bill
from seatwise.invoicing.chain import chain_verify
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import TestGatewayCharge
from seatwise.sales.models import Purchase
from seatwise.sales.runner import FAULT_ENV
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.tasks import queued_tasks, worker_env
from tests.tax.data import ensure_eu_vat_rates

ROOT = Path(__file__).resolve().parent.parent.parent
TERM_END = date(2026, 4, 1)
BILL_RUN = """
from datetime import date

import django

django.setup()
from seatwise.audit.actors import Actor
from seatwise.billing.renewals import renewals_bill

renewals_bill(on=date(2026, 4, 1), by=Actor.system("test"))
"""


@pytest.mark.django_db(transaction=True)
def test_a_bill_run_killed_after_a_batch_is_completed_by_the_next_without_gap_or_twin():
    ensure_default_catalog()
    ensure_eu_vat_rates()
    subscriptions = []
    for _n in range(5):
        account = make_account(country="DE", currency="EUR", language="en")
        make_card(account, "4242424242424242")
        subscriptions.append(make_subscription(account, seats=5, term_start=date(2026, 3, 1)))

    # When a bill run in batches of two is killed right after its first batch was invoiced
    killed = subprocess.run(
        [sys.executable, "-c", BILL_RUN],
        cwd=ROOT,
        env={**worker_env(), FAULT_ENV: "renewal:invoiced", "SEATWISE_BILL_RUN_BATCH": "2"},
        capture_output=True,
        timeout=120,
    )

    # then the first batch's two invoices are issued, nothing else, nothing charged
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert Invoice.objects.count() == 2
    assert Purchase.objects.filter(step="invoiced").count() == 2
    assert TestGatewayCharge.objects.count() == 0
    # (the batch's documents wait for their archiving, committed with them)
    issued = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))
    assert queued_tasks() == [
        ("seatwise.invoicing.tasks.documents_archive_task", {"invoice_ids": issued})
    ]

    # When the next run comes
    run = renewals_bill(on=TERM_END, by=SYSTEM)

    # then it issues the other three, one invoice per subscription, numbers without a gap,
    # the chain whole
    assert run.invoiced == 3
    invoices = list(Invoice.objects.order_by("sequence"))
    assert [invoice.sequence for invoice in invoices] == [1, 2, 3, 4, 5]
    assert sorted(invoice.account_id for invoice in invoices) == sorted(
        subscription.account_id for subscription in subscriptions
    )
    assert len({invoice.idempotency_key for invoice in invoices}) == 5
    report = chain_verify()
    assert (report.ok, report.documents, report.problems) == (True, 5, [])
    # ... and hands all five renewals to the workers, the killed batch's too
    purchases = sorted(Purchase.objects.values_list("pk", flat=True))
    assert run.to_run == purchases
    handed = [
        kwargs["purchase_ids"]
        for path, kwargs in queued_tasks()
        if path == "seatwise.sales.tasks.purchases_run_task"
    ]
    assert sorted(pk for ids in handed for pk in ids) == purchases


@pytest.mark.django_db(transaction=True)
def test_renewals_charged_in_threads_keep_each_outcome_and_charge_each_card_once():
    """A worker's threads (``purchases_run`` with concurrency): one charge whose answer is
    lost (the gateway charged, then timed out) stays open for the reconciler, one declined card
    enters the dunning, the others complete; no card is charged twice."""
    from seatwise.payments.gateways.test import set_test_gateway_mode
    from seatwise.sales.runner import purchases_run

    ensure_default_catalog()
    ensure_eu_vat_rates()
    for card in ["4242424242424242"] * 4 + ["4000000000000341"]:
        account = make_account(country="DE", currency="EUR", language="en")
        make_card(account, card)
        make_subscription(account, seats=5, term_start=date(2026, 3, 1))
    run = renewals_bill(on=TERM_END, by=SYSTEM, hand_over=False)
    set_test_gateway_mode("timeout_after_charge", times=1)

    ran = purchases_run(run.to_run, by=SYSTEM, concurrency=4)

    assert len(ran) == 5
    outcomes = sorted((p.status, p.step) for p in Purchase.objects.all())
    assert outcomes == [("completed", "completed")] * 3 + [("open", "invoiced")] * 2
    declined = Purchase.objects.get(failure_code="card_declined")
    assert declined.resume_at is not None  # the next try of the dunning
    # five calls reached the gateway, one charge per card that could pay
    assert TestGatewayCharge.objects.filter(status="succeeded").count() == 4
    assert TestGatewayCharge.objects.count() == 5

    # Run again (a second task, the resume job): nothing is charged twice
    purchases_run(run.to_run, by=SYSTEM, concurrency=4)
    assert TestGatewayCharge.objects.filter(status="succeeded").count() == 4

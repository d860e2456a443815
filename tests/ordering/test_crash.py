"""Kill -9 of the real worker at each step of the order's purchase (the sales pipeline), then a
restart: every order completes exactly once (one charge, the ordered seats, one invoice number
and no gap, one e-mail)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from seatwise.accounts.models import Person
from seatwise.invoicing.models import DocumentSeries, Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import ServiceOrder
from seatwise.ordering.services import service_order_place
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.sales.models import STEPS, Purchase
from seatwise.sales.runner import FAULT_ENV
from seatwise.sales.tasks import purchases_resume_task
from seatwise.subscriptions.models import LicenseAssignment
from tests.factories import SYSTEM, billing_contact
from tests.ordering.helpers import GROSS, checkout, corporate, quote_for
from tests.tasks import worker_command, worker_env

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def worker_with_fault(smtp_server):
    """The real task worker, until its queue is empty, on the test database with
    ``SEATWISE_PURCHASE_FAULT`` set; returns the worker's exit code (-9 when the fault hook
    killed it)."""

    def run(fault: str) -> int:
        done = subprocess.run(
            worker_command(),
            cwd=ROOT,
            env={**worker_env(), FAULT_ENV: fault},
            capture_output=True,
            timeout=120,
        )
        return done.returncode

    return run


def _assert_completed_exactly_once(c, order, smtp_server) -> None:
    order.refresh_from_db()
    assert order.status == "completed"
    purchase = Purchase.objects.get()
    assert (purchase.kind, purchase.status, purchase.step) == (
        "service_order",
        "completed",
        "completed",
    )
    # one charge, at the gateway too
    assert Charge.objects.count() == 1
    assert TestGatewayCharge.objects.count() == 1
    assert Charge.objects.get().amount == GROSS
    # the ordered seats, once
    for subscription in (c.meeting, c.training, c.remote):
        subscription.refresh_from_db()
    assert (c.meeting.seats, c.training.seats, c.remote.seats) == (8, 5, 2)
    # one invoice number, the first of the series, and the counter right after it: no gap
    invoice = Invoice.objects.get()
    assert (invoice.sequence, invoice.status, invoice.gross_total) == (1, "paid", GROSS)
    series = DocumentSeries.objects.get(series=invoice.series, year=invoice.year)
    assert series.next_number == 2
    # the admin contact holds one seat of each product of the quote
    admin = Person.objects.get(email="ada.admin@example.com")
    assert admin.is_account_admin
    assert sorted(
        LicenseAssignment.objects.filter(person=admin).values_list("subscription", flat=True)
    ) == sorted([c.meeting.pk, c.training.pk])
    # one confirmation e-mail, delivered to the billing contact with the receipt and invoice
    contact = billing_contact(c.account)
    assert OutgoingEmail.objects.filter(kind="service_order_confirmation").count() == 1
    confirmations = [
        (to, message)
        for to, message in smtp_server.messages
        if order.number in str(message["Subject"])
    ]
    assert len(confirmations) == 1
    to, message = confirmations[0]
    charge = Charge.objects.get()
    receipt = f"RCT-{charge.settled_at.year}-{charge.pk:06d}"
    assert to == [contact.email]
    attachments = [
        (part.get_filename(), part.get_content()[:4]) for part in message.iter_attachments()
    ]
    assert attachments == [(f"{receipt}.pdf", b"%PDF"), (f"{invoice.number}.pdf", b"%PDF")]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "5.334,73" in body
    assert invoice.number in body
    assert receipt in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", STEPS)
def test_killed_after_each_step_the_restarted_worker_completes_the_order_once(
    fault, worker_with_fault, run_worker, smtp_server
):
    # Given a placed order (its processing task is queued)
    c = corporate()
    order = service_order_place(order=checkout(quote_for(c), c), by=SYSTEM)

    # When the worker is killed (SIGKILL) right after the step commits
    assert worker_with_fault(f"service_order:{fault}") == -signal.SIGKILL
    assert Purchase.objects.get().step == fault

    # And the worker runs again, with the resume job the scheduler runs every minute, once
    # the grace the purchase leaves its caller has passed
    Purchase.objects.update(resume_at=timezone.now())
    purchases_resume_task.enqueue()
    run_worker()

    # Then the order completed exactly once
    _assert_completed_exactly_once(c, order, smtp_server)


@pytest.mark.django_db(transaction=True)
def test_without_a_fault_the_worker_completes_the_order_and_mails_the_receipt(
    run_worker, smtp_server
):
    c = corporate()
    order = service_order_place(order=checkout(quote_for(c), c), by=SYSTEM)

    run_worker()

    _assert_completed_exactly_once(c, order, smtp_server)
    assert ServiceOrder.objects.get().completed_at is not None

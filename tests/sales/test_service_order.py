"""The sales pipeline's crash tests (``test_pipeline.py``) for the corporate service order, whose
purchase is started by placing the order and run by its processing task: a crash right after
any step leaves a purchase that the resume job (or the task delivered again) completes exactly
once — one invoice, one charge at the gateway, the seats once, the confirmation once, each
step audited once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import ServiceOrder
from seatwise.ordering.pipeline import service_order_process
from seatwise.ordering.services import service_order_place
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.sales.models import STEPS, Purchase
from seatwise.sales.runner import purchases_resume
from tests.concurrency import all_at_once
from tests.factories import SYSTEM
from tests.ordering.helpers import GROSS, Corporate, checkout, corporate, quote_for
from tests.sales.crashing import crash_after

pytestmark = pytest.mark.django_db
CRASH_STEPS = [step for step in STEPS if step != "completed"]


@pytest.fixture(autouse=True)
def _reference_data():
    from tests.factories import ensure_default_catalog
    from tests.tax.data import ensure_eu_vat_rates

    ensure_default_catalog()
    ensure_eu_vat_rates()


def placed() -> tuple[Corporate, ServiceOrder]:
    c = corporate()
    return c, service_order_place(order=checkout(quote_for(c), c), by=SYSTEM)


def seats(c: Corporate) -> tuple[int, int]:
    c.meeting.refresh_from_db()
    c.training.refresh_from_db()
    return c.meeting.seats, c.training.seats


def assert_completed_once(c: Corporate, order: ServiceOrder) -> None:
    order.refresh_from_db()
    assert order.status == "completed"
    purchase = Purchase.objects.get()
    assert (purchase.kind, purchase.status, purchase.step) == (
        "service_order",
        "completed",
        "completed",
    )
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.paid_amount, invoice.gross_total) == ("paid", GROSS, GROSS)
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 1
    assert Charge.objects.get().amount == GROSS
    assert seats(c) == (8, 5)
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == [
        "invitation",
        "service_order_confirmation",
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="purchase.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["purchase.started", *(f"purchase.{step}" for step in STEPS)]
    assert AuditEntry.objects.filter(action="subscription.seats_add").count() == 2
    assert list(
        AuditEntry.objects.filter(action__startswith="service_order.", object_id=str(order.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "service_order.create",
        "service_order.place",
        "service_order.processing",
        "service_order.completed",
    ]


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_a_crash_after_each_step_is_completed_once_by_the_resume_job(monkeypatch, step):
    c, order = placed()
    with crash_after(monkeypatch, step):
        service_order_process(order_id=order.pk)
    assert Purchase.objects.get().step == step

    # Left alone while its worker may still be working on it; then completed, once
    assert purchases_resume(by=SYSTEM) == 0
    later = timezone.now() + call_grace()
    assert purchases_resume(by=SYSTEM, now=later) == 1
    assert purchases_resume(by=SYSTEM, now=later) == 0

    assert_completed_once(c, order)


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_a_crash_after_each_step_is_completed_once_by_the_task_delivered_again(monkeypatch, step):
    c, order = placed()
    with crash_after(monkeypatch, step):
        service_order_process(order_id=order.pk)
    assert seats(c) == ((8, 5) if Purchase.objects.get().done("applied") else (5, 3))

    service_order_process(order_id=order.pk)
    service_order_process(order_id=order.pk)

    assert_completed_once(c, order)


@pytest.mark.django_db(transaction=True)
def test_the_processing_task_delivered_eight_times_at_once_completes_the_order_once():
    c, order = placed()

    outcomes = all_at_once([lambda: str(service_order_process(order_id=order.pk).status)] * 8)

    assert set(outcomes) <= {"completed", "processing"}, outcomes
    assert "completed" in outcomes
    assert_completed_once(c, order)

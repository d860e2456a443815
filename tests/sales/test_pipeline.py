"""The sales pipeline, written once and run for every kind of purchase: a crash right after
any step leaves a purchase that the resume job (or the customer's retry) completes exactly
once — one invoice, one charge at the gateway, the effect once, the e-mails once, each step
audited once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from seatwise.audit.models import AuditEntry
from seatwise.billing.changes import plan_change
from seatwise.billing.orders import seats_purchase
from seatwise.billing.renewals import renewals_run
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.sales.models import STEPS, Purchase
from seatwise.sales.runner import purchases_resume
from seatwise.subscriptions.models import Subscription
from tests.concurrency import all_at_once
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
    plan,
)
from tests.sales.crashing import crash_after
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 11)
BUSINESS = "goto-meeting-business-monthly"


@dataclass(frozen=True)
class Kind:
    """How a customer starts a purchase of this kind, and what it changes when completed."""

    start: Callable[..., object]
    effect: Callable[[Subscription], object]
    before: object
    after: object


KINDS = {
    "seats": Kind(
        start=lambda s, key="k-1": seats_purchase(
            subscription=s, seats_to_add=3, by=SYSTEM, idempotency_key=key, on=ON
        ),
        effect=lambda s: s.seats,
        before=5,
        after=8,
    ),
    "plan_change": Kind(
        start=lambda s, key="k-1": plan_change(
            subscription=s, new_plan=plan(BUSINESS), by=SYSTEM, idempotency_key=key, on=ON
        ),
        effect=lambda s: s.plan.code,
        before="goto-meeting-standard-monthly",
        after=BUSINESS,
    ),
}
CRASH_STEPS = [step for step in STEPS if step != "completed"]
# The renewal is started by the daily job, not by a customer: its retry is the job's next run.
RENEWAL = Kind(
    start=lambda s, key="": renewals_run(on=date(2026, 4, 1), by=SYSTEM),
    effect=lambda s: s.term_end,
    before=date(2026, 4, 1),
    after=date(2026, 5, 1),
)


def status_of(result: object) -> str:
    return str(getattr(result, "status", result))


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def subscription_with_card() -> Subscription:
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account, "4242424242424242")
    return make_subscription(account, seats=5, term_start=date(2026, 3, 1))


def effect_of(kind: Kind, subscription: Subscription) -> object:
    return kind.effect(Subscription.objects.select_related("plan").get(pk=subscription.pk))


def assert_completed_once(kind: Kind, subscription: Subscription) -> None:
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.step) == ("completed", "completed")
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.paid_amount) == ("paid", invoice.gross_total)
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == 1
    assert effect_of(kind, subscription) == kind.after
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == ["invoice", "receipt"]
    actions = list(
        AuditEntry.objects.filter(action__startswith="purchase.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["purchase.started", *(f"purchase.{step}" for step in STEPS)]


@pytest.mark.parametrize("step", CRASH_STEPS)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_crash_after_each_step_is_completed_once_by_the_resume_job(monkeypatch, name, step):
    kind = KINDS[name]
    subscription = subscription_with_card()
    with crash_after(monkeypatch, step):
        kind.start(subscription)
    assert Purchase.objects.get().step == step

    # Left alone while its caller may still be working on it; then completed, once
    assert purchases_resume(by=SYSTEM) == 0
    later = timezone.now() + call_grace()
    assert purchases_resume(by=SYSTEM, now=later) == 1
    assert purchases_resume(by=SYSTEM, now=later) == 0

    assert_completed_once(kind, subscription)


@pytest.mark.parametrize("step", CRASH_STEPS)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_crash_after_each_step_is_completed_once_by_the_customers_retry(monkeypatch, name, step):
    kind = KINDS[name]
    subscription = subscription_with_card()
    with crash_after(monkeypatch, step):
        kind.start(subscription)
    assert effect_of(kind, subscription) == (
        kind.after if Purchase.objects.get().done("applied") else kind.before
    )

    kind.start(subscription)
    kind.start(subscription)

    assert_completed_once(kind, subscription)


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_a_renewal_crashed_after_each_step_is_completed_once_by_the_resume_job(monkeypatch, step):
    subscription = subscription_with_card()
    with crash_after(monkeypatch, step):
        RENEWAL.start(subscription)
    assert Purchase.objects.get().step == step

    # Left alone while the run may still be working on it; then completed, once
    assert purchases_resume(by=SYSTEM) == 0
    later = timezone.now() + call_grace()
    assert purchases_resume(by=SYSTEM, now=later) == 1
    assert purchases_resume(by=SYSTEM, now=later) == 0

    assert_completed_once(RENEWAL, subscription)


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_a_renewal_crashed_after_each_step_is_completed_once_by_the_next_run(monkeypatch, step):
    subscription = subscription_with_card()
    with crash_after(monkeypatch, step):
        RENEWAL.start(subscription)
    assert effect_of(RENEWAL, subscription) == (
        RENEWAL.after if Purchase.objects.get().done("applied") else RENEWAL.before
    )

    assert RENEWAL.start(subscription) == 1
    assert RENEWAL.start(subscription) == 0

    assert_completed_once(RENEWAL, subscription)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_one_confirmation_sent_eight_times_at_once_is_one_purchase(name):
    kind = KINDS[name]
    subscription = subscription_with_card()

    outcomes = all_at_once([lambda: status_of(kind.start(subscription))] * 8)

    # Every submitter is told it went through or is being processed; none failed
    assert set(outcomes) <= {"completed", "processing"}, outcomes
    assert "completed" in outcomes
    assert_completed_once(kind, subscription)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_eight_different_confirmations_at_once_buy_once(name):
    # Eight tabs, each with its own form, confirmed at the same instant
    kind = KINDS[name]
    subscription = subscription_with_card()

    outcomes = all_at_once(
        [lambda n=n: status_of(kind.start(subscription, f"tab-{n}")) for n in range(8)]
    )

    # Each form is its own purchase: one at a time goes through, the others are refused
    # while it is open, or (a plan already switched) find nothing to do
    completed = outcomes.count("completed")
    assert completed >= 1, outcomes
    assert set(outcomes) <= {"completed", "Refused", "unchanged"}, outcomes
    assert Purchase.objects.filter(status="completed").count() == completed
    assert not Purchase.objects.exclude(status="completed").exists()
    # Every purchase that went through was charged once and took effect once
    assert TestGatewayCharge.objects.count() == Charge.objects.count() == completed
    if name == "seats":
        assert effect_of(kind, subscription) == 5 + 3 * completed
    else:
        assert (effect_of(kind, subscription), completed) == (kind.after, 1)


@pytest.mark.django_db(transaction=True)
def test_four_renewal_runs_at_once_renew_once():
    subscription = subscription_with_card()

    outcomes = all_at_once([lambda: status_of(RENEWAL.start(subscription))] * 4)

    # No run failed; the term was invoiced, charged and renewed once
    assert set(outcomes) <= {"0", "1"}, outcomes
    assert "1" in outcomes
    assert_completed_once(RENEWAL, subscription)

"""Renewals: a kind of purchase of the sales pipeline, started and invoiced set-based; once per
term whatever the retries; dunning on +1, +3, +7 days, then suspension."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from seatwise.audit.models import AuditEntry
from seatwise.billing import renewals
from seatwise.billing.renewals import renewals_run
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.profiles import payment_profile_set
from seatwise.sales.models import Purchase
from seatwise.sales.runner import NewPurchase, purchases_resume, purchases_start_many
from seatwise.subscriptions.models import Subscription
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 3, 1)
TERM_END = date(2026, 4, 1)
DECLINING_CARD = "4000000000000341"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def subscription_of(card: str = "4242424242424242") -> Subscription:
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account, card)
    return make_subscription(account, seats=5, term_start=TERM_START)


def test_run_twice_renews_invoices_and_charges_once():
    subscription = subscription_of()
    other = subscription_of()

    assert renewals_run(on=TERM_END, by=SYSTEM) == 2
    assert renewals_run(on=TERM_END, by=SYSTEM) == 0

    for sub in (subscription, other):
        sub.refresh_from_db()
        assert (sub.term_start, sub.term_end) == (TERM_END, date(2026, 5, 1))
        invoices = Invoice.objects.filter(account=sub.account)
        # 5 × 14.00 = 70.00, VAT 19 % 13.30
        assert [(i.source, i.status, i.gross_total) for i in invoices] == [
            ("renewal", "paid", Decimal("83.30"))
        ]
    assert TestGatewayCharge.objects.count() == 2
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == [
        "invoice",
        "invoice",
        "receipt",
        "receipt",
    ]
    # One purchase per subscription and term, run through every step once
    purchases = Purchase.objects.order_by("pk")
    assert [(p.kind, p.key, p.params, p.status, p.step) for p in purchases] == [
        (
            "renewal",
            f"renewal:{sub.pk}:2026-04-01",
            {"subscription": sub.pk, "term_end": "2026-04-01"},
            "completed",
            "completed",
        )
        for sub in (subscription, other)
    ]
    assert [p.charge.idempotency_key for p in purchases] == [
        f"purchase:{p.pk}:charge:1" for p in purchases
    ]
    assert [p.invoice.idempotency_key for p in purchases] == [
        f"purchase:{p.pk}:invoice" for p in purchases
    ]
    assert AuditEntry.objects.filter(action="purchase.started").count() == 2


def test_a_late_run_issues_the_renewal_invoice_today_for_the_new_term():
    """Given a yearly term that ended on 2025-12-10 and a run that only comes on 2026-12-06
    (the job was down): the invoice is issued that day, numbered in 2026 and due 14 days
    later, never back-dated into 2025; its service period is still the new term."""
    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account)
    subscription = make_subscription(
        account, seats=5, plan_code="goto-meeting-standard-yearly", term_start=date(2024, 12, 10)
    )
    assert subscription.term_end == date(2025, 12, 10)
    run_at = datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))

    with time_machine.travel(run_at, tick=False):
        assert renewals_run(on=date(2026, 12, 6), by=SYSTEM) == 1

    [invoice] = Invoice.objects.filter(account=account)
    assert (invoice.source, invoice.status, invoice.year) == ("renewal", "paid", 2026)
    assert invoice.number.startswith("INV-2026-")
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 12, 6), date(2026, 12, 20))
    # 5 × 140.00 = 700.00 net, VAT 19 % 133.00
    assert (invoice.net_total, invoice.gross_total) == (Decimal("700.00"), Decimal("833.00"))
    line = invoice.lines.get()
    # The service period: the new term [2025-12-10, 2026-12-10), its last day inclusive.
    assert (line.period_start, line.period_end) == (date(2025, 12, 10), date(2026, 12, 9))
    subscription.refresh_from_db()
    assert (subscription.term_start, subscription.term_end) == (
        date(2025, 12, 10),
        date(2026, 12, 10),
    )


def test_the_renewal_invoice_is_dated_the_day_of_the_run_not_the_term_start():
    subscription = subscription_of()
    run_at = datetime(2026, 4, 3, 3, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))

    with time_machine.travel(run_at, tick=False):
        assert renewals_run(on=date(2026, 4, 3), by=SYSTEM) == 1

    [invoice] = Invoice.objects.filter(account=subscription.account)
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 4, 3), date(2026, 4, 17))
    line = invoice.lines.get()
    assert (line.period_start, line.period_end) == (TERM_END, date(2026, 4, 30))


@pytest.mark.parametrize("payment_type", ["bank_transfer", "check"])
def test_an_invoice_paid_otherwise_than_by_card_is_left_open_and_the_term_renews(payment_type):
    """A corporate account whose Payment Profile is bank transfer or check: its renewal invoice
    says so and is left open for the customer's payment; no card is charged, no dunning."""
    account = make_account(kind="corporate", country="DE", currency="EUR", language="en")
    make_card(account)
    payment_profile_set(account=account, payment_type=payment_type, by=SYSTEM)
    subscription = make_subscription(account, seats=5, term_start=TERM_START)

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1

    [invoice] = Invoice.objects.filter(account=account)
    assert (invoice.status, invoice.gross_total, invoice.payment_means["type"]) == (
        "open",
        Decimal("83.30"),
        payment_type,
    )
    assert Charge.objects.filter(account=account).count() == 0
    subscription.refresh_from_db()
    assert (subscription.term_start, subscription.term_end, subscription.dunning_attempts) == (
        TERM_END,
        date(2026, 5, 1),
        0,
    )
    assert list(
        OutgoingEmail.objects.filter(account_id=account.pk)
        .exclude(kind="payment_profile_changed")
        .values_list("kind", flat=True)
    ) == ["invoice"]
    assert Purchase.objects.get(account=account).status == "completed"


def test_not_due_before_term_end():
    subscription_of()
    assert renewals_run(on=TERM_END - timedelta(days=1), by=SYSTEM) == 0
    assert Invoice.objects.count() == 0


def test_declines_follow_the_schedule_and_the_last_one_suspends():
    subscription = subscription_of(card=DECLINING_CARD)

    def state():
        subscription.refresh_from_db()
        return subscription.status, subscription.dunning_attempts, subscription.next_retry_on

    renewals_run(on=TERM_END, by=SYSTEM)
    assert state() == ("active", 1, date(2026, 4, 2))
    renewals_run(on=TERM_END, by=SYSTEM)  # not yet time to try again
    assert state() == ("active", 1, date(2026, 4, 2))
    renewals_run(on=date(2026, 4, 2), by=SYSTEM)
    assert state() == ("active", 2, date(2026, 4, 4))
    renewals_run(on=date(2026, 4, 4), by=SYSTEM)
    assert state() == ("active", 3, date(2026, 4, 8))
    renewals_run(on=date(2026, 4, 8), by=SYSTEM)
    assert state() == ("suspended", 4, None)
    renewals_run(on=date(2026, 4, 30), by=SYSTEM)  # a suspended subscription is left alone
    assert state() == ("suspended", 4, None)

    # One open invoice for the term, four tries each with its own charge, four e-mails
    invoices = Invoice.objects.filter(account=subscription.account)
    assert [(i.status, i.paid_amount) for i in invoices] == [("open", Decimal("0.00"))]
    purchase = Purchase.objects.get()
    assert list(Charge.objects.order_by("pk").values_list("idempotency_key", "status")) == [
        (f"purchase:{purchase.pk}:charge:{n}", "declined") for n in (1, 2, 3, 4)
    ]
    # The purchase failed with the last try; its invoice stays open (Pay Now)
    assert (purchase.status, purchase.step, purchase.tries, purchase.invoice) == (
        "failed",
        "invoiced",
        4,
        invoices.get(),
    )
    assert list(OutgoingEmail.objects.order_by("pk").values_list("kind", "subject")) == [
        ("payment_failed", "Your Seatwise renewal payment failed"),
        ("payment_failed", "Your Seatwise renewal payment failed"),
        ("payment_failed", "Your Seatwise renewal payment failed"),
        ("payment_failed", "Your Seatwise subscription is suspended"),
    ]
    assert (subscription.term_start, subscription.term_end) == (TERM_START, TERM_END)


def test_pending_cancellation_is_cancelled_at_term_end_without_invoice():
    subscription = subscription_of()
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.PENDING_CANCELLATION, auto_renew=False
    )

    assert renewals_run(on=TERM_END, by=SYSTEM) == 0

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert Invoice.objects.count() == 0
    assert Charge.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_daily_bill_run_invoices_and_hands_the_charges_to_the_workers_once(run_worker):
    from seatwise.billing.tasks import renewals_run_task
    from tests.tasks import queued_tasks

    subscriptions = [subscription_of() for _n in range(3)]

    # When the daily job runs (twice, as a retried job would), then it issues the three
    # invoices once and charges nothing itself
    assert renewals_run_task.call(on=TERM_END.isoformat()) == 3
    assert renewals_run_task.call(on=TERM_END.isoformat()) == 0
    assert Invoice.objects.filter(source="renewal", status="open").count() == 3
    assert TestGatewayCharge.objects.count() == 0
    purchases = list(Purchase.objects.order_by("pk").values_list("pk", flat=True))
    assert [p.step for p in Purchase.objects.all()] == ["invoiced"] * 3
    # ... the purchases wait for the workers (each run handed over what was open)
    handed = [kwargs for path, kwargs in queued_tasks() if path.endswith("purchases_run_task")]
    assert handed == [{"purchase_ids": purchases}, {"purchase_ids": purchases}]

    # When the workers run, then each renewal is charged once and completed
    run_worker()
    assert TestGatewayCharge.objects.count() == 3
    assert set(Purchase.objects.values_list("status", flat=True)) == {"completed"}
    assert set(Invoice.objects.values_list("status", flat=True)) == {"paid"}
    for subscription in subscriptions:
        subscription.refresh_from_db()
        assert subscription.term_end == date(2026, 5, 1)


# --- changes scheduled for the renewal (billing.changes) -----------------------------------------


def test_a_scheduled_downgrade_is_invoiced_and_applied_at_renewal_then_cleared():
    from seatwise.billing.changes import plan_change
    from tests.factories import plan

    account = make_account(country="DE", currency="EUR", language="en")
    make_card(account)
    subscription = make_subscription(
        account, seats=5, plan_code="goto-meeting-business-monthly", term_start=TERM_START
    )
    plan_change(
        subscription=subscription,
        new_plan=plan("goto-meeting-standard-monthly"),
        by=SYSTEM,
        idempotency_key="downgrade",
        on=date(2026, 3, 20),
    )

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1
    assert renewals_run(on=TERM_END, by=SYSTEM) == 0

    subscription.refresh_from_db()
    assert (subscription.plan.code, subscription.pending_plan, subscription.seats) == (
        "goto-meeting-standard-monthly",
        None,
        5,
    )
    assert (subscription.term_start, subscription.term_end) == (TERM_END, date(2026, 5, 1))
    # 5 × 14.00 (the new plan) = 70.00, VAT 19 % 13.30
    [invoice] = Invoice.objects.filter(account=account)
    assert (invoice.source, invoice.status, invoice.gross_total) == (
        "renewal",
        "paid",
        Decimal("83.30"),
    )
    assert TestGatewayCharge.objects.count() == 1


def test_an_interval_change_renews_for_a_term_of_the_new_length():
    from seatwise.billing.changes import plan_change
    from tests.factories import plan

    subscription = subscription_of()
    plan_change(
        subscription=subscription,
        new_plan=plan("goto-meeting-standard-yearly"),
        by=SYSTEM,
        idempotency_key="yearly",
        on=date(2026, 3, 20),
    )

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1

    subscription.refresh_from_db()
    assert subscription.plan.code == "goto-meeting-standard-yearly"
    assert (subscription.term_start, subscription.term_end) == (TERM_END, date(2027, 4, 1))
    # 5 × 140.00 = 700.00, VAT 19 % 133.00
    [invoice] = Invoice.objects.filter(account=subscription.account)
    assert invoice.gross_total == Decimal("833.00")
    line = invoice.lines.get()
    assert (line.period_start, line.period_end) == (TERM_END, date(2027, 3, 31))


def test_fewer_seats_at_renewal_but_never_below_those_assigned_then():
    from seatwise.billing.changes import renewal_seats_set
    from seatwise.subscriptions.services import license_assign
    from tests.factories import make_person

    subscription = subscription_of()
    renewal_seats_set(subscription=subscription, seats=2, by=SYSTEM, on=date(2026, 3, 20))
    # Licenses assigned after the reduction was scheduled keep their seats
    for _ in range(3):
        license_assign(
            subscription=subscription, person=make_person(subscription.account), by=SYSTEM
        )

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1

    subscription.refresh_from_db()
    assert (subscription.seats, subscription.seats_assigned, subscription.renewal_seats) == (
        3,
        3,
        None,
    )
    # 3 × 14.00 = 42.00, VAT 19 % 7.98
    [invoice] = Invoice.objects.filter(account=subscription.account)
    assert (invoice.gross_total, invoice.lines.get().quantity) == (Decimal("49.98"), 3)


def test_a_scheduled_change_survives_a_declined_renewal_and_applies_once_paid():
    from seatwise.billing.changes import renewal_seats_set

    subscription = subscription_of(card=DECLINING_CARD)
    renewal_seats_set(subscription=subscription, seats=4, by=SYSTEM, on=date(2026, 3, 20))
    renewals_run(on=TERM_END, by=SYSTEM)
    subscription.refresh_from_db()
    assert (subscription.seats, subscription.renewal_seats, subscription.dunning_attempts) == (
        5,
        4,
        1,
    )

    # The billing admin puts a working card on file (the new default); the next try succeeds
    new_card = make_card(subscription.account)
    assert renewals_run(on=date(2026, 4, 2), by=SYSTEM) == 1
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.payment_method, purchase.charge.payment_method) == (
        "completed",
        new_card,
        new_card,
    )

    subscription.refresh_from_db()
    assert (subscription.seats, subscription.renewal_seats, subscription.term_end) == (
        4,
        None,
        date(2026, 5, 1),
    )
    [invoice] = Invoice.objects.filter(account=subscription.account)
    # 4 × 14.00 = 56.00, VAT 19 % 10.64
    assert (invoice.status, invoice.gross_total) == ("paid", Decimal("66.64"))


# --- the renewal as a purchase of the pipeline ---------------------------------------------------


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_the_next_try_is_made_by_the_resume_job_when_its_day_comes():
    # Given a renewal declined once: the next try is due on 2026-04-02
    subscription = subscription_of(card=DECLINING_CARD)
    renewals_run(on=TERM_END, by=SYSTEM)
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.tries, purchase.resume_at) == ("open", 2, local(2026, 4, 2))

    # When the every-minute resume job runs before that day, then nothing is tried
    assert purchases_resume(by=SYSTEM, now=local(2026, 4, 1, 23, 59)) == 0
    assert Charge.objects.count() == 1

    # When it runs at the start of that day, then the second try is made (and declined)
    assert purchases_resume(by=SYSTEM, now=local(2026, 4, 2)) == 0
    subscription.refresh_from_db()
    assert (subscription.dunning_attempts, subscription.next_retry_on) == (2, date(2026, 4, 4))
    assert list(Charge.objects.order_by("pk").values_list("idempotency_key", flat=True)) == [
        f"purchase:{purchase.pk}:charge:1",
        f"purchase:{purchase.pk}:charge:2",
    ]
    # and the daily run of that day tries nothing more
    renewals_run(on=date(2026, 4, 2), by=SYSTEM)
    assert Charge.objects.count() == 2


def test_a_subscription_cancelled_during_the_dunning_is_charged_no_more():
    # Given a renewal declined once, then the subscription set to end (pending cancellation)
    subscription = subscription_of(card=DECLINING_CARD)
    renewals_run(on=TERM_END, by=SYSTEM)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.PENDING_CANCELLATION
    )

    # When the run of the next try's day and the resume job come
    renewals_run(on=date(2026, 4, 2), by=SYSTEM)
    purchases_resume(by=SYSTEM, now=local(2026, 4, 2))

    # Then it is cancelled, nothing more is charged and the purchase failed without renewing
    subscription.refresh_from_db()
    assert (subscription.status, subscription.term_end) == ("cancelled", TERM_END)
    assert Charge.objects.count() == 1
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.failure_code) == ("failed", "subscription_not_renewing")
    assert Invoice.objects.get().status == "open"


def test_due_subscriptions_are_started_and_invoiced_in_batches_and_a_second_run_adds_nothing(
    monkeypatch, settings
):
    # Given 30 subscriptions due, and batches of 20 (500 in production: the same code path)
    subscriptions = [subscription_of() for _ in range(30)]
    settings.SEATWISE_BILL_RUN_BATCH = 20
    calls: list[tuple[str, int, int]] = []
    start_and_run = renewals.purchases_start_and_run

    def counted(step, *, new, **options):
        started, ran = start_and_run(step, new=new, **options)
        calls.append((step, len(new), len(ran)))
        return started, ran

    monkeypatch.setattr(renewals, "purchases_start_and_run", counted)

    # When the run renews them
    assert renewals_run(on=TERM_END, by=SYSTEM) == 30

    # Then each batch's purchases were started and invoiced by one step run, in one
    # transaction
    assert calls == [("invoiced", 20, 20), ("invoiced", 10, 10)]
    invoices = Invoice.objects.filter(source="renewal")
    assert invoices.count() == len({i.number for i in invoices}) == 30
    assert set(invoices.values_list("status", flat=True)) == {"paid"}
    assert Purchase.objects.filter(kind="renewal", status="completed").count() == 30
    assert AuditEntry.objects.filter(action="purchase.started").count() == 30
    assert TestGatewayCharge.objects.count() == 30

    # When it runs again, then nothing more is started, invoiced or charged
    assert renewals_run(on=TERM_END, by=SYSTEM) == 0
    assert calls == [("invoiced", 20, 20), ("invoiced", 10, 10)]
    assert (Purchase.objects.count(), Invoice.objects.count()) == (30, 30)
    assert TestGatewayCharge.objects.count() == 30
    assert AuditEntry.objects.filter(action="purchase.started").count() == 30
    assert {s.pk for s in subscriptions} == set(
        Subscription.objects.filter(term_end=date(2026, 5, 1)).values_list("pk", flat=True)
    )


def renewal_started_earlier(subscription: Subscription) -> Purchase:
    """The renewal purchase of the subscription's term, started (not invoiced) as a run killed
    after starting its batch leaves it."""
    [started] = purchases_start_many(
        kind="renewal",
        new=[
            NewPurchase(
                account_id=subscription.account_id,
                key=f"renewal:{subscription.pk}:2026-04-01",
                params={"subscription": subscription.pk, "term_end": "2026-04-01"},
                currency="EUR",
            )
        ],
        by=SYSTEM,
    )
    return started


def test_a_run_after_the_purchases_were_started_issues_each_invoice_once():
    """A run killed after it started a batch's purchases (before invoicing them): the next run
    finds the same purchases, audits no second start, and issues one invoice each."""
    subscription = subscription_of()
    started = renewal_started_earlier(subscription)

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1

    assert Purchase.objects.get().pk == started.pk
    assert Invoice.objects.count() == TestGatewayCharge.objects.count() == 1
    assert AuditEntry.objects.filter(action="purchase.started").count() == 1


def test_a_batch_of_purchases_started_before_and_new_ones_is_invoiced_once_in_purchase_order():
    """The batch's transaction starts the new purchases and invoices them with those started
    by an earlier run (locked and read): one invoice each, numbered in purchase order."""
    fresh, earlier = subscription_of(), subscription_of()
    started = renewal_started_earlier(earlier)

    run = renewals.renewals_bill(on=TERM_END, by=SYSTEM, hand_over=False)

    assert run.invoiced == 2
    purchases = list(Purchase.objects.order_by("pk"))
    # (handed over in the batch's order: its subscriptions')
    assert run.to_run == [purchases[1].pk, purchases[0].pk]
    assert [(p.params["subscription"], p.step) for p in purchases] == [
        (earlier.pk, "invoiced"),
        (fresh.pk, "invoiced"),
    ]
    assert purchases[0].pk == started.pk
    assert [(i.sequence, i.account_id) for i in Invoice.objects.order_by("sequence")] == [
        (1, earlier.account_id),
        (2, fresh.account_id),
    ]
    assert [p.invoice.sequence for p in purchases] == [1, 2]
    assert AuditEntry.objects.filter(action="purchase.started").count() == 2
    assert AuditEntry.objects.filter(action="purchase.invoiced").count() == 2


def test_a_renewal_that_cannot_be_invoiced_does_not_stop_its_batch(monkeypatch):
    # Given two due subscriptions, the first of which cannot be invoiced today (say, its plan
    # has no price)
    broken, fine = subscription_of(), subscription_of()
    issue = renewals._renewal_request

    def no_price(*, subscription, key, **options):
        if subscription.pk == broken.pk:
            raise ValueError("no price")
        return issue(subscription=subscription, key=key, **options)

    monkeypatch.setattr(renewals, "_renewal_request", no_price)

    # When the run renews them, then the other one is renewed; the first waits, uninvoiced
    assert renewals_run(on=TERM_END, by=SYSTEM) == 1
    assert [i.account_id for i in Invoice.objects.all()] == [fine.account_id]
    waiting = Purchase.objects.get(params__subscription=broken.pk)
    assert (waiting.status, waiting.step, waiting.invoice) == ("open", "", None)

    # When the price is there again, the next run renews it, once
    monkeypatch.setattr(renewals, "_renewal_request", issue)
    assert renewals_run(on=TERM_END, by=SYSTEM) == 1
    assert Invoice.objects.count() == TestGatewayCharge.objects.count() == 2
    broken.refresh_from_db()
    assert broken.term_end == date(2026, 5, 1)


def test_a_pay_now_in_flight_during_the_dunning_is_never_charged_twice_by_the_next_try():
    from seatwise.billing.invoice_payments import invoice_pay
    from seatwise.payments.gateways.test import set_test_gateway_mode
    from seatwise.payments.reconcile import charges_reconcile
    from seatwise.payments.selectors import default_payment_method
    from seatwise.payments.services import call_grace

    # Given a renewal declined once, then a good card added (the default now) ...
    subscription = subscription_of(card=DECLINING_CARD)
    renewals_run(on=TERM_END, by=SYSTEM)
    good = make_card(subscription.account)
    assert default_payment_method(account_id=subscription.account_id) == good
    invoice = Invoice.objects.get()
    # ... and the invoice paid with it by Pay Now on the evening before the next try, the
    # gateway charging but its answer lost (the outcome unknown)
    with time_machine.travel(local(2026, 4, 1, 23, 59), tick=False):
        set_test_gateway_mode("timeout_after_charge", times=1)
        paying = invoice_pay(
            invoice=invoice,
            amount=None,
            payment_method=good,
            by=SYSTEM,
            idempotency_key="pay-now-form-1",
        )
    assert paying.status == "processing"

    # When the next try's day comes while that payment is still unknown
    with time_machine.travel(local(2026, 4, 2), tick=False):
        purchases_resume(by=SYSTEM, now=local(2026, 4, 2))
        renewal = Purchase.objects.get(kind="renewal")
        # then the renewal charges nothing and waits
        assert (renewal.status, renewal.step) == ("open", "invoiced")
        assert Charge.objects.count() == 2  # the decline, and the Pay Now payment

    # When the gateway has answered (the reconciler asks after the grace) and the every-minute
    # jobs run while the renewal waits: the Pay Now payment is recorded, and the renewal,
    # looking again after the grace, finds nothing left to charge
    later = local(2026, 4, 2)
    for _minute in range(2):
        later += call_grace() + timedelta(seconds=1)
        with time_machine.travel(later, tick=False):
            charges_reconcile(by=SYSTEM)
            purchases_resume(by=SYSTEM, now=later)

    # Then the invoice is paid once, by Pay Now, and the subscription renewed once
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", invoice.gross_total)
    assert TestGatewayCharge.objects.filter(status="succeeded").count() == 1
    assert Charge.objects.count() == 2
    subscription.refresh_from_db()
    assert (subscription.term_end, subscription.dunning_attempts) == (date(2026, 5, 1), 0)
    assert Purchase.objects.get(kind="renewal").status == "completed"

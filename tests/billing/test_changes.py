"""Plan and seat changes of online subscriptions: an upgrade is invoiced from its preview and
charged once; a downgrade or an interval change waits for the renewal; fewer seats from the renewal,
never below those assigned; a decline voids the invoice by a credit note and changes nothing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatwise.audit.models import AuditEntry
from seatwise.billing.changes import plan_change, renewal_seats_set
from seatwise.billing.orders import seats_purchase
from seatwise.catalog.models import Price
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import document_for
from seatwise.invoicing.seller import account_tax_decision
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.pricing.lines import preview_plan_change
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import license_assign
from tests.factories import (
    SYSTEM,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
    make_subscription,
    plan,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 3, 1)  # a 31-day term: [2026-03-01, 2026-04-01)
TERM_END = date(2026, 4, 1)
ON = date(2026, 3, 11)  # 21 days left
DECLINING_CARD = "4000000000000341"
STANDARD = "goto-meeting-standard-monthly"  # 14.00 EUR a seat and month
BUSINESS = "goto-meeting-business-monthly"  # 19.00
STANDARD_YEARLY = "goto-meeting-standard-yearly"
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def german_subscription(
    *, card: str | None = "4242424242424242", plan_code: str = STANDARD, seats: int = 5
) -> Subscription:
    account = make_account(country="DE", currency="EUR", language="en")
    if card:
        make_card(account, card)
    return make_subscription(account, seats=seats, plan_code=plan_code, term_start=TERM_START)


def change(subscription: Subscription, code: str, *, key: str = "change-1", on: date = ON):
    return plan_change(
        subscription=subscription, new_plan=plan(code), by=SYSTEM, idempotency_key=key, on=on
    )


def state() -> dict[str, object]:
    return {
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "invoices": list(Invoice.objects.order_by("pk").values("pk", "status", "paid_amount")),
        "charges": list(Charge.objects.order_by("pk").values("pk", "status")),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


class TestUpgrade:
    def test_upgrade_invoices_the_preview_charges_it_switches_the_plan_and_queues_mails(self):
        # Given 5 seats of Standard (14.00) with 21 of 31 days left, and a pending downgrade
        subscription = german_subscription()
        tax = account_tax_decision(account=subscription.account, on=ON)
        preview = preview_plan_change(
            subscription=subscription, new_plan=plan(BUSINESS), on=ON, tax=tax
        )

        # When the billing admin upgrades to Business (19.00)
        result = change(subscription, BUSINESS)

        # Then the invoice is the preview to the cent: credit 14 × 5 × 21/31 = 47.42, charge
        # 19 × 5 × 21/31 = 64.35, net 16.93, VAT 19 % 3.22, gross 20.15
        assert result.status == "completed"
        assert result.effective_on == ON
        invoice = result.invoice
        assert invoice is not None
        assert [line.amount for line in preview.lines] == [Decimal("-47.42"), Decimal("64.35")]
        assert list(invoice.lines.order_by("position").values_list("quantity", "net_amount")) == [
            (Decimal("-5"), Decimal("-47.42")),
            (Decimal("5"), Decimal("64.35")),
        ]
        assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
            preview.totals.net,
            preview.totals.tax,
            preview.totals.gross,
        )
        assert preview.totals.gross == Decimal("20.15")
        assert (invoice.source, invoice.status, invoice.paid_amount) == (
            "plan_change",
            "paid",
            Decimal("20.15"),
        )
        assert result.charge is not None
        assert (result.charge.status, result.charge.amount, result.charge.purpose) == (
            "succeeded",
            Decimal("20.15"),
            "plan_change",
        )
        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.seats, subscription.pending_plan) == (
            BUSINESS,
            5,
            None,
        )
        entry = AuditEntry.objects.get(action="subscription.plan_change")
        # The term's price becomes the one the new plan was charged at.
        assert subscription.term_unit_amount == Decimal("19.00")
        assert entry.old == {
            "plan": plan(STANDARD).pk,
            "pending_plan": None,
            "term_unit_amount": "14.00",
        }
        assert entry.new == {
            "plan": plan(BUSINESS).pk,
            "pending_plan": None,
            "term_unit_amount": "19.00",
            "invoice": invoice.number,
            "charge": result.charge.pk,
        }
        assert sorted(OutgoingEmail.objects.values_list("kind", "dedupe_key")) == [
            ("invoice", f"invoice:{invoice.pk}"),
            ("receipt", f"receipt:{result.charge.pk}"),
        ]

    def test_an_upgrade_drops_a_scheduled_change(self):
        subscription = german_subscription(plan_code=STANDARD)
        change(subscription, STANDARD_YEARLY, key="schedule")
        subscription.refresh_from_db()
        assert subscription.pending_plan == plan(STANDARD_YEARLY)

        assert change(subscription, BUSINESS, key="upgrade").status == "completed"

        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.pending_plan) == (BUSINESS, None)

    def test_the_same_key_again_charges_once_and_completes_once(self):
        subscription = german_subscription()

        first = change(subscription, BUSINESS)
        second = change(subscription, BUSINESS)

        assert (first.status, second.status) == ("completed", "completed")
        assert first.invoice is not None
        assert second.invoice is not None
        assert first.invoice.pk == second.invoice.pk
        assert Invoice.objects.count() == 1
        assert Charge.objects.count() == TestGatewayCharge.objects.count() == 1
        assert AuditEntry.objects.filter(action="subscription.plan_change").count() == 1
        assert OutgoingEmail.objects.count() == 2

    def test_the_same_key_for_another_plan_is_refused(self):
        subscription = german_subscription(plan_code=STANDARD)
        change(subscription, BUSINESS)
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, "goto-meeting-business-yearly")

        assert refusal.value.code == "idempotency_key_reused"
        assert state() == before

    def test_a_decline_voids_the_invoice_by_a_credit_note_and_changes_nothing(self):
        subscription = german_subscription(card=DECLINING_CARD)

        result = change(subscription, BUSINESS)

        assert result.status == "declined"
        assert result.message == "The card was declined. Use another card or ask your bank."
        invoice = result.invoice
        assert invoice is not None
        assert (invoice.status, invoice.paid_amount) == ("credited", Decimal("0.00"))
        note = Invoice.objects.get(kind="credit_note")
        assert (note.corrects_id, note.net_total, note.tax_total, note.gross_total) == (
            invoice.pk,
            invoice.net_total,
            invoice.tax_total,
            invoice.gross_total,
        )
        assert note.reason == "Payment not completed: the purchase was cancelled"
        subscription.refresh_from_db()
        assert subscription.plan.code == STANDARD
        assert not AuditEntry.objects.filter(action="subscription.plan_change").exists()
        assert OutgoingEmail.objects.count() == 0

        # A retry with the same key charges nothing more and issues no second note
        again = change(subscription, BUSINESS)
        assert again.status == "declined"
        assert Invoice.objects.count() == 2
        assert TestGatewayCharge.objects.count() == 1

    def test_an_unreachable_gateway_voids_too_and_a_retry_does_not_charge(self):
        subscription = german_subscription()
        set_test_gateway_mode("fail", times=1)

        result = change(subscription, BUSINESS)

        assert result.status == "not_attempted"
        assert result.invoice is not None
        assert result.invoice.status == "credited"
        again = change(subscription, BUSINESS)  # the gateway is back: still nothing charged
        assert again.status == "not_attempted"
        assert TestGatewayCharge.objects.count() == 0
        subscription.refresh_from_db()
        assert subscription.plan.code == STANDARD

        # A new purchase (a new key, from a new review) goes through
        assert change(subscription, BUSINESS, key="change-2").status == "completed"

    def test_without_an_automatic_card_nothing_is_written(self):
        subscription = german_subscription(card=None)
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, BUSINESS)

        assert refusal.value.code == "no_automatic_payment_method"
        assert state() == before

    def test_a_price_other_than_the_reviewed_one_is_refused(self):
        subscription = german_subscription()
        before = state()

        with pytest.raises(Refused) as refusal:
            plan_change(
                subscription=subscription,
                new_plan=plan(BUSINESS),
                by=SYSTEM,
                idempotency_key="k",
                on=ON,
                expected_gross=Decimal("20.14"),
            )

        assert refusal.value.code == "price_changed"
        assert state() == before

    def test_a_second_purchase_waits_while_one_is_processing(self):
        subscription = german_subscription()
        set_test_gateway_mode("timeout_after_charge", times=1)
        assert change(subscription, BUSINESS).status == "processing"
        before = state()

        with pytest.raises(Refused) as refusal:
            seats_purchase(
                subscription=subscription, seats_to_add=1, by=SYSTEM, idempotency_key="s", on=ON
            )

        assert refusal.value.code == "purchase_in_progress"
        assert state() == before

    @pytest.mark.parametrize(
        ("code", "error"),
        [
            ("goto-webinar-business-monthly", "plan_of_other_product"),
        ],
    )
    def test_refusals_change_nothing(self, code, error):
        subscription = german_subscription()
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, code)

        assert refusal.value.code == error
        assert state() == before

    def test_a_corporate_subscription_is_changed_in_the_portal(self):
        account = make_account(kind="corporate", country="DE", currency="EUR", language="en")
        make_card(account)
        subscription = make_subscription(account, term_start=TERM_START)
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, BUSINESS)

        assert refusal.value.code == "corporate_account"
        assert state() == before


PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY_SETTINGS
@given(
    seats=st.integers(min_value=1, max_value=500),
    term_start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 1)),
    day=st.integers(min_value=0, max_value=27),
    old_price=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("900"), places=2),
    extra=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2),
    country=st.sampled_from(["DE", "FR", "IT", "AT"]),
)
def test_the_upgrade_invoice_is_its_preview_to_the_cent(
    seats, term_start, day, old_price, extra, country
):
    """For any seats, dates and prices, the upgrade's invoice and its charge are its preview."""
    Price.objects.filter(plan=plan(STANDARD), currency="EUR").update(unit_amount=old_price)
    Price.objects.filter(plan=plan(BUSINESS), currency="EUR").update(unit_amount=old_price + extra)
    account = make_account(country=country, currency="EUR", language="en")
    make_card(account)
    subscription = make_subscription(
        account, seats=seats, plan_code=STANDARD, term_start=term_start
    )
    on = term_start + timedelta(days=day)
    tax = account_tax_decision(account=account, on=on)
    preview = preview_plan_change(
        subscription=subscription, new_plan=plan(BUSINESS), on=on, tax=tax
    )

    result = plan_change(
        subscription=subscription,
        new_plan=plan(BUSINESS),
        by=SYSTEM,
        idempotency_key=f"property-{next(_keys)}",
        on=on,
        expected_gross=preview.totals.gross,
    )

    assert result.status == "completed"
    if preview.totals.gross == 0:
        assert result.invoice is None
        return
    assert result.invoice is not None
    assert result.charge is not None
    document = document_for(result.invoice)
    assert (document.net_total, document.tax_total, document.gross_total) == (
        preview.totals.net,
        preview.totals.tax,
        preview.totals.gross,
    )
    assert [line.net_amount for line in document.lines] == [line.amount for line in preview.lines]
    assert result.charge.amount == preview.totals.gross == result.invoice.paid_amount


class TestCreditAtThePricePaid:
    """The unused days of the current plan are credited at the price the term was sold at,
    not at the catalog price of the day of the upgrade; the review and the invoice agree."""

    @staticmethod
    def set_price(code: str, amount: str) -> None:
        Price.objects.filter(plan=plan(code), currency="EUR").update(unit_amount=Decimal(amount))

    def upgrade_reviewed(self, subscription: Subscription, on: date):
        tax = account_tax_decision(account=subscription.account, on=on)
        preview = preview_plan_change(
            subscription=subscription, new_plan=plan(BUSINESS), on=on, tax=tax
        )
        result = plan_change(
            subscription=subscription,
            new_plan=plan(BUSINESS),
            by=SYSTEM,
            idempotency_key="upgrade-1",
            on=on,
            expected_gross=preview.totals.gross,
        )
        return preview, result

    def test_a_catalog_price_rise_during_the_term_does_not_change_the_credit(self):
        # Given 5 seats of Standard bought at 10.00 a seat and month, 21 of 31 days left
        self.set_price(STANDARD, "10.00")
        subscription = german_subscription()
        assert subscription.term_unit_amount == Decimal("10.00")
        # and the catalog price of Standard raised to 15.00 since
        self.set_price(STANDARD, "15.00")

        # When the billing admin reviews and confirms the upgrade to Business (19.00)
        preview, result = self.upgrade_reviewed(subscription, ON)

        # Then the credit is at 10.00: 10 × 5 × 21/31 = 33.87 (not 15 × 5 × 21/31 = 50.81);
        # the charge 19 × 5 × 21/31 = 64.35; net 30.48, VAT 19 % 5.79, gross 36.27
        assert [(line.kind, line.unit_amount, line.amount) for line in preview.lines] == [
            ("plan_credit", Decimal("10.00"), Decimal("-33.87")),
            ("plan_charge", Decimal("19.00"), Decimal("64.35")),
        ]
        assert (preview.totals.net, preview.totals.tax, preview.totals.gross) == (
            Decimal("30.48"),
            Decimal("5.79"),
            Decimal("36.27"),
        )
        # and the invoice and the charge are the review, to the cent
        assert result.status == "completed"
        invoice = result.invoice
        assert invoice is not None
        assert result.charge is not None
        assert list(invoice.lines.order_by("position").values_list("quantity", "net_amount")) == [
            (Decimal("-5"), Decimal("-33.87")),
            (Decimal("5"), Decimal("64.35")),
        ]
        assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
            Decimal("30.48"),
            Decimal("5.79"),
            Decimal("36.27"),
        )
        assert result.charge.amount == invoice.paid_amount == Decimal("36.27")
        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.term_unit_amount) == (
            BUSINESS,
            Decimal("19.00"),
        )

    def test_a_renewed_term_is_credited_at_the_price_of_its_renewal_invoice(self):
        from seatwise.billing.renewals import renewals_run

        # Given a term renewed at 10.00 a seat: [2026-04-01, 2026-05-01), 30 days
        subscription = german_subscription()
        self.set_price(STANDARD, "10.00")
        assert renewals_run(on=TERM_END, by=SYSTEM) == 1
        subscription.refresh_from_db()
        assert (subscription.term_start, subscription.term_unit_amount) == (
            TERM_END,
            Decimal("10.00"),
        )
        # and the catalog price raised to 15.00 since
        self.set_price(STANDARD, "15.00")

        # When upgraded with 20 of 30 days left
        preview, result = self.upgrade_reviewed(subscription, date(2026, 4, 11))

        # Then credit 10 × 5 × 20/30 = 33.33, charge 19 × 5 × 20/30 = 63.33, net 30.00,
        # VAT 5.70, gross 35.70: the review, the invoice and the charge alike
        assert [line.amount for line in preview.lines] == [Decimal("-33.33"), Decimal("63.33")]
        assert preview.totals.gross == Decimal("35.70")
        invoice = result.invoice
        assert invoice is not None
        assert result.charge is not None
        assert list(invoice.lines.order_by("position").values_list("net_amount", flat=True)) == [
            Decimal("-33.33"),
            Decimal("63.33"),
        ]
        assert invoice.gross_total == result.charge.amount == Decimal("35.70")

    def test_a_catalog_price_cut_does_not_raise_the_upgrade_either(self):
        # Sold at 14.00; the catalog price of Standard cut to 5.00 since: the credit stays
        # 14 × 5 × 21/31 = 47.42, as in the upgrade without any price change.
        subscription = german_subscription()
        self.set_price(STANDARD, "5.00")

        preview, result = self.upgrade_reviewed(subscription, ON)

        assert [line.amount for line in preview.lines] == [Decimal("-47.42"), Decimal("64.35")]
        assert result.invoice is not None
        assert result.invoice.gross_total == preview.totals.gross == Decimal("20.15")


class TestScheduledPlanChange:
    @pytest.mark.parametrize(
        ("current", "new"),
        [
            (BUSINESS, STANDARD),  # a lower tier
            (STANDARD, STANDARD_YEARLY),  # another interval
            (STANDARD, "goto-meeting-business-yearly"),  # a higher tier, another interval
        ],
    )
    def test_a_downgrade_or_an_interval_change_waits_for_the_renewal(self, current, new):
        subscription = german_subscription(plan_code=current)

        result = change(subscription, new)

        assert (result.status, result.effective_on, result.invoice) == (
            "scheduled",
            TERM_END,
            None,
        )
        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.pending_plan) == (current, plan(new))
        assert Invoice.objects.count() == Charge.objects.count() == 0
        entry = AuditEntry.objects.get(action="subscription.plan_schedule")
        assert (entry.old, entry.new) == (
            {"pending_plan": None},
            {"pending_plan": plan(new).pk, "effective_on": "2026-04-01"},
        )

    def test_scheduling_twice_writes_once_and_choosing_the_current_plan_undoes_it(self):
        subscription = german_subscription(plan_code=BUSINESS)
        change(subscription, STANDARD, key="a")
        change(subscription, STANDARD, key="b")
        assert AuditEntry.objects.filter(action="subscription.plan_schedule").count() == 1

        result = change(subscription, BUSINESS, key="c")

        assert result.status == "cleared"
        subscription.refresh_from_db()
        assert (subscription.plan.code, subscription.pending_plan) == (BUSINESS, None)
        assert AuditEntry.objects.filter(action="subscription.plan_schedule_clear").count() == 1
        assert change(subscription, BUSINESS, key="d").status == "unchanged"

    def test_not_on_a_subscription_that_ends(self):
        subscription = german_subscription(plan_code=BUSINESS)
        Subscription.objects.filter(pk=subscription.pk).update(
            status="pending_cancellation", auto_renew=False
        )
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, STANDARD)

        assert refusal.value.code == "not_renewed"
        assert state() == before

    def test_not_once_the_term_has_ended(self):
        subscription = german_subscription(plan_code=BUSINESS)
        before = state()

        with pytest.raises(Refused) as refusal:
            change(subscription, STANDARD, on=TERM_END)

        assert refusal.value.code == "outside_term"
        assert state() == before


class TestFewerSeats:
    def test_fewer_seats_from_the_renewal_and_the_undo(self):
        subscription = german_subscription(seats=5)

        result = renewal_seats_set(subscription=subscription, seats=3, by=SYSTEM, on=ON)

        assert (result.status, result.effective_on) == ("scheduled", TERM_END)
        subscription.refresh_from_db()
        assert (subscription.seats, subscription.renewal_seats) == (5, 3)
        assert Invoice.objects.count() == Charge.objects.count() == 0
        entry = AuditEntry.objects.get(action="subscription.renewal_seats_set")
        assert (entry.old, entry.new) == (
            {"renewal_seats": None},
            {"renewal_seats": 3, "effective_on": "2026-04-01"},
        )
        # The same again writes nothing; the current number undoes it
        again = renewal_seats_set(subscription=subscription, seats=3, by=SYSTEM, on=ON)
        assert again.status == "unchanged"
        undo = renewal_seats_set(subscription=subscription, seats=5, by=SYSTEM, on=ON)
        assert undo.status == "cleared"
        subscription.refresh_from_db()
        assert subscription.renewal_seats is None
        assert (
            AuditEntry.objects.filter(action__startswith="subscription.renewal_seats").count() == 2
        )

    def test_never_below_the_seats_assigned(self):
        subscription = german_subscription(seats=5)
        for _ in range(3):
            license_assign(
                subscription=subscription, person=make_person(subscription.account), by=SYSTEM
            )
        before = state()

        with pytest.raises(Refused) as refusal:
            renewal_seats_set(subscription=subscription, seats=2, by=SYSTEM, on=ON)

        assert refusal.value.code == "seats_below_assigned"
        assert str(refusal.value.message) == (
            "3 seats are assigned to users: the subscription cannot have fewer. Remove licenses "
            "in the Admin Center first."
        )
        assert state() == before
        assert renewal_seats_set(subscription=subscription, seats=3, by=SYSTEM, on=ON).status == (
            "scheduled"
        )

    @pytest.mark.parametrize("seats", [0, -1, 10_001, True])
    def test_never_zero_nor_out_of_range(self, seats):
        subscription = german_subscription(seats=5)
        before = state()

        with pytest.raises(Invalid) as refusal:
            renewal_seats_set(subscription=subscription, seats=seats, by=SYSTEM, on=ON)

        assert (refusal.value.code, refusal.value.field) == ("invalid_seats", "seats")
        assert state() == before

    def test_more_seats_are_bought_not_scheduled(self):
        subscription = german_subscription(seats=5)
        before = state()

        with pytest.raises(Refused) as refusal:
            renewal_seats_set(subscription=subscription, seats=6, by=SYSTEM, on=ON)

        assert refusal.value.code == "seats_to_buy"
        assert state() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_with_one_key_charge_and_switch_once():
    # Given an upgrade confirmed five times at once (a double click, a reload, two tabs)
    from tests.test_concurrency import run_concurrently

    subscription = german_subscription()

    outcomes = run_concurrently([(lambda: change(subscription, BUSINESS)) for _ in range(5)])

    # Then none failed, and the card was charged once, the plan switched once
    assert outcomes == ["ok"] * 5
    assert Charge.objects.count() == TestGatewayCharge.objects.count() == 1
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.gross_total) == ("paid", Decimal("20.15"))
    subscription.refresh_from_db()
    assert subscription.plan.code == BUSINESS
    assert AuditEntry.objects.filter(action="subscription.plan_change").count() == 1
    assert OutgoingEmail.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_with_other_keys_never_price_from_a_stale_state():
    # Given an upgrade and a seat purchase confirmed at the same moment, from two tabs
    from tests.test_concurrency import run_concurrently

    subscription = german_subscription()

    outcomes = run_concurrently(
        [
            lambda: change(subscription, BUSINESS, key="tab-1"),
            lambda: seats_purchase(
                subscription=subscription, seats_to_add=3, by=SYSTEM, idempotency_key="tab-2", on=ON
            ),
        ]
    )

    # Then each was either refused while the other was in flight, or priced after it completed
    subscription.refresh_from_db()
    invoices = list(Invoice.objects.order_by("pk"))
    assert all(invoice.status == "paid" for invoice in invoices)
    assert Charge.objects.count() == len(invoices) == outcomes.count("ok")
    assert set(outcomes) <= {"ok", "purchase_in_progress"}
    if outcomes == ["ok", "ok"]:
        assert (subscription.plan.code, subscription.seats) == (BUSINESS, 8)
        # The second priced what the first had made: the upgrade of 5 seats (20.15), then
        # 3 Business seats (19 × 3 × 21/31 = 38.61 + 7.34 VAT); or 3 Standard seats (33.86),
        # then the upgrade of 8 seats (102.97 − 75.87 = 27.10 + 5.15 VAT)
        assert [(i.source, i.gross_total) for i in invoices] in (
            [("plan_change", Decimal("20.15")), ("seats", Decimal("45.95"))],
            [("seats", Decimal("33.86")), ("plan_change", Decimal("32.25"))],
        )

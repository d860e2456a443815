"""Add a New Subscription (Buy, Try) and Subscribe Now: the services, and the daily trial jobs.

Buy: the review is what is invoiced and charged, once per key; a decline creates nothing.
Try: one trial per product and account, within the product's seat limit, never billed;
reminders 7 days and 1 day before its end, once each, in the billing admin's language; it
expires at its end; Subscribe Now converts it, running or ended, with the term starting then.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.billing.new_subscriptions import (
    coterm_dates,
    new_subscription_purchase,
    new_subscription_review,
    new_subscription_trial,
    trial_conversion_review,
    trial_convert_purchase,
)
from seatwise.billing.renewals import renewals_run
from seatwise.catalog.models import Product
from seatwise.catalog.services import product_trial_set
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.sales.models import Purchase
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import license_assign
from seatwise.subscriptions.trials import trial_reminders_send, trials_expire
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
    make_subscription,
    plan,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 11)
WEBINAR_YEARLY = "goto-webinar-standard-yearly"  # 590.00 EUR a seat and year
WEBINAR_MONTHLY = "goto-webinar-standard-monthly"  # 59.00 EUR a seat and month
DECLINING_CARD = "4000000000000341"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()
    product_trial_set(
        product=Product.objects.get(code="goto-webinar"),
        trial_days=14,
        trial_seat_limit=5,
        by=SYSTEM,
    )


def german_account(*, card: str | None = "4242424242424242", language: str = "de"):
    """A German online account (19 % VAT) with GoTo Meeting Standard yearly from 2026-01-01."""
    account = make_account(kind="online", country="DE", currency="EUR", language=language)
    if card:
        make_card(account, card)
    make_subscription(
        account, seats=5, plan_code="goto-meeting-standard-yearly", term_start=date(2026, 1, 1)
    )
    return account


def buy(account, *, key: str = "new-1", seats: int = 3, coterm: date | None = None, **kw):
    return new_subscription_purchase(
        account=account,
        plan=plan(WEBINAR_YEARLY),
        seats=seats,
        coterm=coterm,
        by=SYSTEM,
        idempotency_key=key,
        on=ON,
        **kw,
    )


def webinar(account) -> Subscription | None:
    return Subscription.objects.filter(account=account, product__code="goto-webinar").first()


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Buy -----------------------------------------------------------------------------------------


def test_buy_invoices_the_review_charges_it_and_adds_the_subscription():
    account = german_account()
    review = new_subscription_review(account=account, plan=plan(WEBINAR_YEARLY), seats=3, on=ON)
    # 3 × 590.00 for a whole year from today, VAT 19 %.
    assert (review.term_start, review.term_end) == (ON, date(2027, 3, 11))
    assert (review.preview.totals.net, review.preview.totals.tax, review.preview.totals.gross) == (
        Decimal("1770.00"),
        Decimal("336.30"),
        Decimal("2106.30"),
    )

    result = buy(account, expected_gross=review.preview.totals.gross)

    assert result.status == "completed"
    invoice = result.invoice
    assert (invoice.gross_total, invoice.status, invoice.source, invoice.paid_amount) == (
        Decimal("2106.30"),
        Invoice.Status.PAID,
        Invoice.Source.PURCHASE,
        Decimal("2106.30"),
    )
    assert (result.charge.status, result.charge.amount) == ("succeeded", Decimal("2106.30"))
    subscription = webinar(account)
    assert subscription is not None
    assert subscription == result.subscription
    assert (
        subscription.status,
        subscription.plan.code,
        subscription.seats,
        subscription.term_start,
        subscription.term_end,
        subscription.term_unit_amount,
        subscription.auto_renew,
        subscription.trial_end,
    ) == ("active", WEBINAR_YEARLY, 3, ON, date(2027, 3, 11), Decimal("590.00"), True, None)
    assert sorted(
        OutgoingEmail.objects.filter(account_id=account.pk).values_list("kind", flat=True)
    ) == ["invoice", "receipt"]
    assert AuditEntry.objects.filter(action="subscription.add", account_id=account.pk).count() == 2
    assert Purchase.objects.get(account=account).kind == "new_subscription"


def test_buy_co_termed_charges_the_days_to_the_other_subscriptions_end():
    # Given GoTo Meeting's term ends on 2027-01-01
    account = german_account()
    assert coterm_dates(account_id=account.pk, plan=plan(WEBINAR_YEARLY), on=ON) == [
        date(2027, 1, 1)
    ]
    # (a monthly plan's first term ends before it: nothing to co-term with)
    assert coterm_dates(account_id=account.pk, plan=plan(WEBINAR_MONTHLY), on=ON) == []

    result = buy(account, seats=2, coterm=date(2027, 1, 1))

    # 2 × 590.00 × 296 / 365 days of the year that ends then, rounded once; VAT on the net.
    net = cents(Decimal("590.00") * 2 * 296 / 365)
    assert net == Decimal("956.93")
    assert (result.invoice.net_total, result.invoice.gross_total) == (
        net,
        net + cents(net * Decimal("0.19")),
    )
    subscription = webinar(account)
    assert subscription is not None
    assert (subscription.term_start, subscription.term_end, subscription.term_unit_amount) == (
        ON,
        date(2027, 1, 1),
        Decimal("590.00"),
    )


def test_buy_twice_with_the_same_key_one_subscription_one_invoice_one_charge():
    account = german_account()

    first = buy(account)
    second = buy(account)

    assert (second.status, second.invoice.pk, second.charge.pk) == (
        "completed",
        first.invoice.pk,
        first.charge.pk,
    )
    assert Subscription.objects.filter(account=account, product__code="goto-webinar").count() == 1
    assert Invoice.objects.filter(account=account).count() == 1
    assert Charge.objects.filter(account=account).count() == 1
    assert TestGatewayCharge.objects.count() == 1
    # A second key while the product is live: refused, nothing more.
    with pytest.raises(Refused) as refused:
        buy(account, key="new-2")
    assert refused.value.code == "product_already_subscribed"
    assert Invoice.objects.filter(account=account).count() == 1


def test_a_declined_card_leaves_no_subscription_and_no_open_invoice():
    account = german_account(card=DECLINING_CARD)

    result = buy(account)

    assert result.status == "declined"
    assert result.subscription is None
    assert webinar(account) is None
    assert result.invoice.status == Invoice.Status.CREDITED
    assert Invoice.objects.get(corrects=result.invoice).gross_total == result.invoice.gross_total
    assert OutgoingEmail.objects.filter(account_id=account.pk).count() == 0


def test_buy_refusals_change_nothing():
    account = german_account()
    corporate = make_account(kind="corporate")
    make_card(corporate)

    cases = [
        (lambda: buy(account, expected_gross=Decimal("1.00")), "price_changed"),
        (lambda: buy(account, coterm=date(2026, 12, 1)), "coterm_unavailable"),
        (lambda: buy(corporate), "corporate_account"),
        (
            lambda: new_subscription_purchase(
                account=account,
                plan=plan("goto-meeting-business-yearly"),
                seats=1,
                by=SYSTEM,
                idempotency_key="new-3",
                on=ON,
            ),
            "product_already_subscribed",
        ),
    ]
    for call, code in cases:
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.code == code
    with pytest.raises(Invalid):
        buy(account, seats=0)
    assert Invoice.objects.count() == 0
    assert Purchase.objects.count() == 0
    assert webinar(account) is None


# --- Try -----------------------------------------------------------------------------------------


def start_trial(account, *, seats: int = 3, plan_code: str = WEBINAR_MONTHLY, **kw):
    return new_subscription_trial(
        account=account, plan=plan(plan_code), seats=seats, by=SYSTEM, on=ON, **kw
    )


def test_a_trial_is_live_at_once_never_charged_and_welcomes_the_billing_admin():
    account = german_account(card=None)
    admin = billing_contact(account)

    trial = start_trial(account, assign_to=admin)

    assert (
        trial.status,
        trial.term_start,
        trial.term_end,
        trial.trial_end,
        trial.seats,
        trial.seats_assigned,
        trial.auto_renew,
        trial.term_unit_amount,
    ) == ("trial", ON, date(2026, 3, 25), date(2026, 3, 25), 3, 1, False, None)
    # Another user gets a seat as usual.
    license_assign(subscription=trial, person=make_person(account), by=SYSTEM)
    trial.refresh_from_db()
    assert trial.seats_assigned == 2
    assert Invoice.objects.count() == 0
    assert Charge.objects.count() == 0
    [welcome] = OutgoingEmail.objects.filter(account_id=account.pk)
    assert (welcome.kind, welcome.to_address, welcome.language) == (
        "trial_welcome",
        admin.email,
        "de",
    )
    assert welcome.subject == "Willkommen zu Ihrer kostenlosen Testversion von GoTo Webinar"
    assert "24. März 2026" in welcome.body_text
    assert AuditEntry.objects.filter(action="subscription.trial_start").count() == 1


def test_one_trial_per_product_and_account_ever():
    account = german_account()
    start_trial(account)

    with pytest.raises(Refused) as refused:
        start_trial(account, plan_code=WEBINAR_YEARLY)
    assert refused.value.code == "product_already_subscribed"

    trials_expire(on=date(2026, 3, 25), by=SYSTEM)
    with pytest.raises(Refused) as refused:
        start_trial(account)
    assert refused.value.code == "trial_used"
    # Nor of a product the account has.
    with pytest.raises(Refused) as refused:
        start_trial(account, plan_code="goto-meeting-standard-monthly")
    assert refused.value.code == "trial_not_offered"
    product_trial_set(
        product=Product.objects.get(code="goto-meeting"),
        trial_days=14,
        trial_seat_limit=5,
        by=SYSTEM,
    )
    with pytest.raises(Refused) as refused:
        start_trial(account, plan_code="goto-meeting-standard-monthly")
    assert refused.value.code == "product_already_subscribed"
    assert Subscription.objects.filter(account=account, trial_end__isnull=False).count() == 1


def test_a_trial_has_at_most_the_products_seat_limit_and_only_online_accounts_try():
    account = german_account()
    corporate = make_account(kind="corporate")

    with pytest.raises(Refused) as refused:
        start_trial(account, seats=6)
    assert (refused.value.code, str(refused.value.message)) == (
        "trial_seat_limit",
        "A trial of GoTo Webinar has at most 5 seats.",
    )
    with pytest.raises(Refused) as refused:
        start_trial(corporate)
    assert refused.value.code == "corporate_account"
    assert start_trial(account, seats=5).seats == 5


def test_the_bill_run_never_bills_a_trial():
    account = german_account(card=None)
    trial = start_trial(account)

    renewals_run(on=date(2026, 4, 30), by=SYSTEM)

    trial.refresh_from_db()
    assert trial.status == "trial"
    assert Invoice.objects.filter(account=account).count() == 0
    assert Purchase.objects.filter(account=account).count() == 0


def test_a_trial_without_billing_information_expires_at_its_end_and_is_never_charged():
    account = german_account(card=None)
    trial = start_trial(account, assign_to=billing_contact(account))

    assert trials_expire(on=date(2026, 3, 24), by=SYSTEM) == 0
    assert trials_expire(on=date(2026, 3, 25), by=SYSTEM) == 1
    assert trials_expire(on=date(2026, 3, 26), by=SYSTEM) == 0

    trial.refresh_from_db()
    assert (trial.status, trial.trial_end, trial.seats_assigned) == (
        "expired",
        date(2026, 3, 25),
        1,
    )
    assert Invoice.objects.count() == 0
    assert Charge.objects.count() == 0
    assert list(OutgoingEmail.objects.values_list("kind", flat=True)) == ["trial_welcome"]
    assert AuditEntry.objects.filter(action="subscription.trial_expire").count() == 1


def test_reminders_7_days_and_1_day_before_the_end_once_each_in_the_admins_language():
    account = german_account(card=None)
    trial = start_trial(account)  # ends 2026-03-25: usable until the 24th
    end = trial.trial_end
    assert end == date(2026, 3, 25)

    sent = {
        day: trial_reminders_send(on=end - timedelta(days=days_before), by=SYSTEM)
        for day, days_before in [
            ("8", 8),
            ("7", 7),
            ("7 again", 7),
            ("3", 3),
            ("1", 1),
            ("1 again", 1),
        ]
    }

    assert sent == {"8": 0, "7": 1, "7 again": 0, "3": 0, "1": 1, "1 again": 0}
    reminders = list(
        OutgoingEmail.objects.filter(kind="trial_ending")
        .order_by("pk")
        .values_list("to_address", "language", "subject")
    )
    contact = billing_contact(account).email
    assert reminders == [
        (contact, "de", "Ihre kostenlose Testversion von GoTo Webinar endet in 7 Tagen"),
        (contact, "de", "Ihre kostenlose Testversion von GoTo Webinar endet in 1 Tag"),
    ]
    assert AuditEntry.objects.filter(action="subscription.trial_reminder").count() == 2


def test_a_job_that_first_runs_on_the_last_day_sends_the_1_day_reminder_alone():
    account = german_account(card=None, language="it")
    start_trial(account)

    assert trial_reminders_send(on=date(2026, 3, 24), by=SYSTEM) == 1
    assert trial_reminders_send(on=date(2026, 3, 24), by=SYSTEM) == 0

    [reminder] = OutgoingEmail.objects.filter(kind="trial_ending")
    assert (reminder.language, reminder.subject) == (
        "it",
        "La tua prova gratuita di GoTo Webinar termina tra 1 giorno",
    )


# --- Subscribe Now -------------------------------------------------------------------------------


def test_an_ended_trial_is_converted_with_the_term_starting_on_conversion():
    account = german_account(card=None)
    trial = start_trial(account, assign_to=billing_contact(account))
    trials_expire(on=date(2026, 3, 25), by=SYSTEM)
    make_card(account)  # the billing information, given after the trial ended
    converted_on = date(2026, 4, 2)
    review = trial_conversion_review(
        subscription=trial, plan=plan(WEBINAR_MONTHLY), seats=4, on=converted_on
    )
    # 4 × 59.00 for the month from today, VAT 19 %.
    assert (review.term_start, review.term_end, review.preview.totals.gross) == (
        converted_on,
        date(2026, 5, 2),
        Decimal("280.84"),
    )

    result = trial_convert_purchase(
        subscription=trial,
        plan=plan(WEBINAR_MONTHLY),
        seats=4,
        by=SYSTEM,
        idempotency_key="convert-1",
        on=converted_on,
        expected_gross=Decimal("280.84"),
    )

    assert result.status == "completed"
    assert result.invoice.gross_total == Decimal("280.84")
    trial.refresh_from_db()
    assert (
        trial.status,
        trial.seats,
        trial.seats_assigned,
        trial.term_start,
        trial.term_end,
        trial.trial_end,
        trial.auto_renew,
        trial.term_unit_amount,
    ) == ("active", 4, 1, converted_on, date(2026, 5, 2), date(2026, 3, 25), True, Decimal("59.00"))
    assert Subscription.objects.filter(account=account, product__code="goto-webinar").count() == 1
    assert AuditEntry.objects.filter(action="subscription.trial_convert").count() == 1
    # Renewed as any subscription at its term end.
    assert renewals_run(on=date(2026, 5, 2), by=SYSTEM) == 1


def test_a_running_trial_is_converted_and_keeps_its_licenses():
    account = german_account()
    admin = billing_contact(account)
    trial = start_trial(account, seats=2, assign_to=admin)
    license_assign(subscription=trial, person=make_person(account), by=SYSTEM)

    with pytest.raises(Refused) as refused:
        trial_conversion_review(subscription=trial, plan=plan(WEBINAR_YEARLY), seats=1, on=ON)
    assert refused.value.code == "seats_below_assigned"

    result = trial_convert_purchase(
        subscription=trial,
        plan=plan(WEBINAR_YEARLY),
        seats=2,
        by=SYSTEM,
        idempotency_key="convert-2",
        on=date(2026, 3, 20),
    )

    assert result.status == "completed"
    trial.refresh_from_db()
    assert (trial.status, trial.seats, trial.seats_assigned, trial.term_start, trial.term_end) == (
        "active",
        2,
        2,
        date(2026, 3, 20),
        date(2027, 3, 20),
    )
    # A trial converted is no trial any more: Subscribe Now refuses it.
    with pytest.raises(Refused) as refused:
        trial_conversion_review(subscription=trial, plan=plan(WEBINAR_YEARLY), seats=2, on=ON)
    assert refused.value.code == "not_a_trial"


def test_a_declined_conversion_leaves_the_trial_as_it_was():
    account = german_account(card=DECLINING_CARD)
    trial = start_trial(account)

    result = trial_convert_purchase(
        subscription=trial,
        plan=plan(WEBINAR_MONTHLY),
        seats=3,
        by=SYSTEM,
        idempotency_key="convert-3",
        on=ON,
    )

    assert result.status == "declined"
    trial.refresh_from_db()
    assert (trial.status, trial.term_end) == ("trial", date(2026, 3, 25))
    assert result.invoice.status == Invoice.Status.CREDITED

"""Online cancellation (seatwise.billing.cancellation) is refused while the account has an invoice
unpaid past its due date (seatwise.billing.selectors.invoices_overdue), and allowed once it is
paid. An invoice issued on 1 March 2026 is due 14 days later, on 15 March: it is overdue from
16 March."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from seatwise.audit.models import AuditEntry
from seatwise.billing.cancellation import subscription_cancel, subscription_reactivate
from seatwise.billing.selectors import invoices_overdue
from seatwise.core.errors import Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.notifications.models import OutgoingEmail
from seatwise.subscriptions.models import Subscription
from tests.factories import SYSTEM, make_account, make_subscription
from tests.invoicing.helpers import GERMAN_VAT, five_seats

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 3, 1)
DUE = date(2026, 3, 15)


def issue(account, *, on: date = ISSUED, source: str = "renewal") -> Invoice:
    """5 seats × 14.00 = 70.00 net, 19 % VAT: 83.30 gross, due in 14 days."""
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=source,
        issue_date=on,
        by=SYSTEM,
    )


def state() -> dict[str, object]:
    return {
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def given_an_open_invoice(language: str = "en") -> tuple[Subscription, Invoice]:
    account = make_account(kind="online", language=language)
    subscription = make_subscription(account, term_start=ISSUED)
    return subscription, issue(account)


def test_on_its_due_date_an_invoice_is_not_overdue_yet_and_cancelling_works():
    subscription, invoice = given_an_open_invoice()
    assert invoice.due_date == DUE

    with time_machine.travel(date(2026, 3, 15), tick=False):
        assert invoices_overdue(account_id=subscription.account_id, on=DUE) == []
        cancelled = subscription_cancel(subscription=subscription, by=SYSTEM)

    assert cancelled.status == Subscription.Status.PENDING_CANCELLATION


def test_the_day_after_its_due_date_cancelling_is_refused_and_nothing_changes():
    subscription, invoice = given_an_open_invoice()
    before = state()

    with time_machine.travel(date(2026, 3, 16), tick=False), pytest.raises(Refused) as refused:
        subscription_cancel(subscription=subscription, by=SYSTEM)

    error = refused.value
    assert (error.code, error.field) == ("invoice_overdue", "subscription")
    assert error.params == {
        "invoices": [invoice.number],
        "amount": "83.30",
        "currency": "EUR",
    }
    assert str(error.message) == (
        f"Invoice {invoice.number} is unpaid past its due date: €83.30 is overdue. Pay it with "
        "Pay Now first; then you can cancel the subscription."
    )
    assert state() == before


def test_the_refusal_names_every_overdue_invoice_and_the_total_in_the_readers_language():
    subscription, first = given_an_open_invoice(language="de")
    second = issue(subscription.account, on=date(2026, 3, 2))
    with time_machine.travel(date(2026, 4, 20), tick=False):
        later = issue(subscription.account, on=date(2026, 4, 20))  # due 4 May: not overdue

        with translation.override("de"), pytest.raises(Refused) as refused:
            subscription_cancel(subscription=subscription, by=SYSTEM)

    assert later.due_date == date(2026, 5, 4)
    assert refused.value.params["invoices"] == [first.number, second.number]
    assert refused.value.params["amount"] == "166.60"
    assert str(refused.value.message) == (
        f"Die Rechnungen {first.number}, {second.number} sind über ihr Fälligkeitsdatum hinaus "
        "unbezahlt: 166,60\xa0€ sind überfällig. Bezahlen Sie sie zuerst mit „Jetzt bezahlen“; "
        "danach können Sie das Abonnement kündigen."
    )


def test_once_the_invoice_is_paid_cancelling_works():
    subscription, invoice = given_an_open_invoice()
    with time_machine.travel(date(2026, 3, 20), tick=False):
        with pytest.raises(Refused):
            subscription_cancel(subscription=subscription, by=SYSTEM)

        invoice_record_payment(invoice=invoice, amount=Decimal("83.30"), reference="p1", by=SYSTEM)
        cancelled = subscription_cancel(subscription=subscription, by=SYSTEM)

    assert cancelled.status == Subscription.Status.PENDING_CANCELLATION
    assert AuditEntry.objects.filter(action="subscription.cancel").count() == 1


def test_a_part_payment_leaves_the_rest_overdue():
    subscription, invoice = given_an_open_invoice()
    invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), reference="p1", by=SYSTEM)

    with time_machine.travel(date(2026, 3, 20), tick=False), pytest.raises(Refused) as refused:
        subscription_cancel(subscription=subscription, by=SYSTEM)

    assert refused.value.params["amount"] == "33.30"


def test_an_invoice_credited_in_full_owes_nothing_and_blocks_nothing():
    subscription, invoice = given_an_open_invoice()
    credit_note_issue(
        invoice=invoice,
        amount_net=Decimal("70.00"),
        reason="Goodwill",
        settlement="none",
        by=SYSTEM,
        issue_date=date(2026, 3, 2),
    )

    with time_machine.travel(date(2026, 3, 20), tick=False):
        cancelled = subscription_cancel(subscription=subscription, by=SYSTEM)

    assert cancelled.status == Subscription.Status.PENDING_CANCELLATION


def test_a_purchases_own_invoice_is_never_overdue_it_has_its_own_charge():
    """An open seat-purchase invoice waits for its own charge's outcome: Pay Now is not offered
    for it (billing.selectors.invoice_pay_now), so it does not block cancelling either."""
    account = make_account(kind="online", language="en")
    subscription = make_subscription(account, term_start=ISSUED)
    issue(account, source=Invoice.Source.SEATS)

    with time_machine.travel(date(2026, 3, 20), tick=False):
        cancelled = subscription_cancel(subscription=subscription, by=SYSTEM)

    assert cancelled.status == Subscription.Status.PENDING_CANCELLATION


def test_another_accounts_overdue_invoice_blocks_nothing():
    subscription = make_subscription(make_account(kind="online", language="en"), term_start=ISSUED)
    given_an_open_invoice()

    with time_machine.travel(date(2026, 3, 20), tick=False):
        cancelled = subscription_cancel(subscription=subscription, by=SYSTEM)

    assert cancelled.status == Subscription.Status.PENDING_CANCELLATION


def test_reactivating_is_not_refused_for_an_overdue_invoice():
    subscription, _invoice = given_an_open_invoice()
    with time_machine.travel(date(2026, 3, 10), tick=False):
        subscription_cancel(subscription=subscription, by=SYSTEM)

    with time_machine.travel(date(2026, 3, 20), tick=False):
        reactivated = subscription_reactivate(subscription=subscription, by=SYSTEM)

    assert reactivated.status == Subscription.Status.ACTIVE

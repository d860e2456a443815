"""A renewal uses the account's open credit (credit notes settled by set-off): the card is
charged only what is left, and nothing when the credit pays the whole invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from seatwise.billing.renewals import renewals_run
from seatwise.invoicing.models import AccountCredit, Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.pricing.lines import term_line
from tests.billing.test_renewals import TERM_END, TERM_START, subscription_of
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def open_credit(subscription, net: str) -> AccountCredit:
    """A paid invoice of the account credited by ``net`` and settled by set-off."""
    account = subscription.account
    line = term_line(
        unit_amount=Decimal("100.00"),
        seats=1,
        currency="EUR",
        term_start=TERM_START,
        term_end=TERM_END,
        plan_code=subscription.plan.code,
    )
    invoice = invoice_issue(
        account=account,
        lines=[line],
        tax=account_tax_decision(account=account, on=TERM_START),
        source="seats",
        by=SYSTEM,
        issue_date=TERM_START,
    )
    invoice_record_payment(
        invoice=invoice, amount=invoice.gross_total, reference="bank:1", by=SYSTEM
    )
    credit_note_issue(
        invoice=invoice,
        reason="Goodwill",
        settlement=Invoice.Settlement.SET_OFF,
        amount_net=Decimal(net),
        by=SYSTEM,
        issue_date=TERM_START,
    )
    return AccountCredit.objects.get(account=account)


def test_a_renewal_charges_the_gross_less_the_open_credit():
    subscription = subscription_of()
    credit = open_credit(subscription, "20.00")  # 23.80 gross
    assert credit.remaining == Decimal("23.80")

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1

    renewal = Invoice.objects.get(source="renewal")
    # 5 × 14.00 = 70.00 net, 83.30 gross; 23.80 of it paid by the credit
    assert (renewal.gross_total, renewal.prepaid_amount, renewal.paid_amount) == (
        Decimal("83.30"),
        Decimal("23.80"),
        Decimal("59.50"),
    )
    assert renewal.status == "paid"
    charge = Charge.objects.get(purpose="renewal")
    assert (charge.amount, TestGatewayCharge.objects.get().amount) == (
        Decimal("59.50"),
        Decimal("59.50"),
    )
    credit.refresh_from_db()
    assert credit.remaining == Decimal("0.00")
    subscription.refresh_from_db()
    assert subscription.term_start == TERM_END


def test_a_renewal_the_credit_pays_in_full_charges_nothing_and_renews_once():
    subscription = subscription_of()
    open_credit(subscription, "90.00")  # 107.10 gross, more than the renewal's 83.30

    assert renewals_run(on=TERM_END, by=SYSTEM) == 1
    assert renewals_run(on=TERM_END, by=SYSTEM) == 0

    renewal = Invoice.objects.get(source="renewal")
    assert (renewal.status, renewal.prepaid_amount, renewal.paid_amount) == (
        "paid",
        Decimal("83.30"),
        Decimal("0.00"),
    )
    assert Charge.objects.count() == TestGatewayCharge.objects.count() == 0
    assert AccountCredit.objects.get().remaining == Decimal("23.80")
    subscription.refresh_from_db()
    assert subscription.term_start == TERM_END
    assert list(
        OutgoingEmail.objects.filter(dedupe_key__startswith=f"invoice:{renewal.pk}").values_list(
            "kind", flat=True
        )
    ) == ["invoice"]
    assert not OutgoingEmail.objects.filter(kind="receipt").exists()

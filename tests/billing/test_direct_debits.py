"""SEPA direct debits: an open invoice whose payment means is a direct debit is debited under
its mandate on its due date, once, through the sales pipeline (``billing.direct_debits``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings

from seatwise.audit.models import AuditEntry
from seatwise.billing.direct_debits import UNREACHABLE_TRIES, DebitRun, direct_debits_collect
from seatwise.billing.invoice_payments import invoice_pay
from seatwise.billing.renewals import renewals_run
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.test import set_test_gateway_mode
from seatwise.payments.models import Charge, PaymentMethod, PaymentProfile, TestGatewayCharge
from seatwise.payments.profiles import DirectDebit, payment_profile_set
from seatwise.payments.reconcile import charges_reconcile
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchases_resume
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 3, 1)
TERM_END = date(2026, 4, 1)
# A renewal invoice is due 14 days after it is issued (the day of the bill run).
DUE = date(2026, 4, 15)
GROSS = Decimal("83.30")
IBAN = "DE89 3704 0044 0532 0130 00"
RETURNED_IBAN = "DE62 3704 0044 0532 0130 01"
DECLINING_CARD = "4000000000000341"


@pytest.fixture(autouse=True)
def _reference_data():
    ensure_default_catalog()
    ensure_eu_vat_rates()


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def renewal_invoice(
    payment_type: str = "direct_debit",
    *,
    iban: str = IBAN,
    language: str = "en",
    card: str = "4242424242424242",
) -> Invoice:
    """A corporate account whose Payment Profile is ``payment_type``, renewed on TERM_END."""
    with time_machine.travel(at(TERM_START), tick=False):
        account = make_account(kind="corporate", country="DE", currency="EUR", language=language)
        make_card(account, card)
        if payment_type == "direct_debit":
            debit = DirectDebit(iban=iban, holder_name="Alpha Konzern AG", mandate_accepted=True)
            payment_profile_set(account=account, payment_type=payment_type, debit=debit, by=SYSTEM)
        elif payment_type != "card":
            payment_profile_set(account=account, payment_type=payment_type, by=SYSTEM)
        make_subscription(account, seats=5, term_start=TERM_START)
    with time_machine.travel(at(TERM_END, 3), tick=False):
        renewals_run(on=TERM_END, by=SYSTEM)
    return Invoice.objects.get(account=account)


def collect(day: date, hour: int = 6) -> DebitRun:
    with time_machine.travel(at(day, hour), tick=False):
        return direct_debits_collect(on=day, by=SYSTEM)


def debits() -> list[Purchase]:
    return list(Purchase.objects.filter(kind="direct_debit").order_by("pk"))


def test_a_renewal_invoice_is_debited_on_its_due_date_not_before_and_once():
    # given the renewal invoice of an account that pays by SEPA direct debit
    invoice = renewal_invoice()
    profile = PaymentProfile.objects.get(account_id=invoice.account_id)
    assert (invoice.status, invoice.gross_total, invoice.due_date) == ("open", GROSS, DUE)
    assert invoice.payment_means["type"] == "direct_debit"
    assert invoice.payment_means["mandate_reference"] == profile.mandate_reference

    # and its e-mail says when and from which account it is debited
    [sent_invoice] = OutgoingEmail.objects.filter(kind="invoice")
    assert (
        "The amount will be debited from the account DE•• •••• •••• 3000 on April 15, 2026 "
        "(SEPA direct debit)." in sent_invoice.body_text
    )
    assert "paid with your card" not in sent_invoice.body_text

    # when the job runs the day before its due date, then nothing is debited
    assert collect(DUE - timedelta(days=1)) == DebitRun(started=0, collected=0)
    assert (debits(), Charge.objects.filter(invoice_id=invoice.pk).count()) == ([], 0)

    # when it runs on the due date, and again
    assert collect(DUE) == DebitRun(started=1, collected=1)
    assert collect(DUE) == DebitRun(started=0, collected=0)
    assert collect(DUE + timedelta(days=1)) == DebitRun(started=0, collected=0)

    # then the invoice is paid by one debit of the mandate's bank account
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", GROSS)
    [purchase] = debits()
    assert (purchase.status, purchase.key, purchase.invoice_id) == (
        "completed",
        f"direct_debit:{invoice.pk}",
        invoice.pk,
    )
    [charge] = Charge.objects.filter(invoice_id=invoice.pk)
    assert (charge.amount, charge.currency, charge.status, charge.purpose) == (
        GROSS,
        "EUR",
        "succeeded",
        "direct_debit",
    )
    assert charge.idempotency_key == f"purchase:{purchase.pk}:charge:1"
    [sent] = TestGatewayCharge.objects.filter(token=profile.debit_token)
    assert (sent.amount, sent.idempotency_key, sent.status) == (
        GROSS,
        charge.idempotency_key,
        "succeeded",
    )
    # through a payment method of the mandate that holds the gateway's token, not the IBAN
    mandate = PaymentMethod.objects.get(pk=charge.payment_method_id)
    assert (
        mandate.kind,
        mandate.token,
        mandate.last4,
        mandate.holder_name,
        mandate.is_automatic,
        mandate.is_default,
        mandate.masked,
    ) == (
        "sepa_debit",
        profile.debit_token,
        "3000",
        "Alpha Konzern AG",
        False,
        False,
        "SEPA Direct Debit •••• 3000",
    )
    assert "370400440532013000" not in str(list(PaymentMethod.objects.values()))
    assert (
        AuditEntry.objects.filter(
            account_id=invoice.account_id, action="payment_method.mandate_added"
        ).count()
        == 1
    )
    # and the receipt goes to the billing contact, as for every payment
    contact = billing_contact(invoice.account)
    assert list(
        OutgoingEmail.objects.filter(kind="receipt").values_list("to_address", "dedupe_key")
    ) == [(contact.email, f"receipt:{charge.pk}")]


def test_a_run_that_comes_late_catches_up_on_the_invoices_due_before():
    invoice = renewal_invoice()

    assert collect(DUE + timedelta(days=5)) == DebitRun(started=1, collected=1)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", GROSS)


def test_a_returned_debit_leaves_the_invoice_open_and_tells_the_billing_contact_once():
    # given an account whose bank returns the debit, its billing contact reading German
    invoice = renewal_invoice(iban=RETURNED_IBAN, language="de")

    # when the job runs on the due date, and on the days after
    assert collect(DUE) == DebitRun(started=1, collected=0)
    assert collect(DUE + timedelta(days=1)) == DebitRun(started=0, collected=0)

    # then the invoice stays open, with the one declined debit
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("open", Decimal("0.00"))
    [charge] = Charge.objects.filter(invoice_id=invoice.pk)
    assert (charge.status, charge.decline_code) == ("declined", "insufficient_funds")
    assert TestGatewayCharge.objects.filter(idempotency_key__startswith="purchase:").count() == 1
    [purchase] = debits()
    assert (purchase.status, purchase.failure_code) == ("failed", "insufficient_funds")
    # and the billing contact is told, in German, once
    contact = billing_contact(invoice.account)
    [email] = OutgoingEmail.objects.filter(kind="direct_debit_failed")
    assert (email.to_address, email.language, email.subject) == (
        contact.email,
        "de",
        f"Die Lastschrift der Rechnung {invoice.number} ist fehlgeschlagen",
    )
    assert email.body_text == (
        f"Guten Tag Bill,\n\n"
        f"Wir konnten 83,30\xa0€ für die Rechnung {invoice.number} nicht vom Konto "
        f"DE•• •••• •••• 3001 abbuchen (SEPA-Lastschriftmandat "
        f"{invoice.payment_means['mandate_reference']}).\n"
        f"Ihre Bank hat die Lastschrift mangels Deckung zurückgegeben.\n\n"
        f"Die Rechnung ist weiterhin offen, und wir buchen sie nicht erneut ab. Bitte bezahlen "
        f"Sie sie mit „Jetzt bezahlen“ in der Rechnungshistorie des Corporate Billing Portal:\n"
        f"{settings.SEATWISE_SITE_URL}/corporate/invoices/\n\n"
    )
    # and the trail records it
    entry = AuditEntry.objects.get(action="invoice.direct_debit_failed")
    assert entry.new == {
        "invoice": invoice.number,
        "amount": "83.30",
        "charge": charge.pk,
        "failure_code": "insufficient_funds",
        "mandate_reference": invoice.payment_means["mandate_reference"],
    }
    assert (
        AuditEntry.objects.filter(action="purchase.declined", object_id=str(purchase.pk)).count()
        == 1
    )


def test_a_debit_without_an_answer_is_settled_by_the_reconciler_and_never_sent_twice():
    # given a gateway that debits, then does not answer in time
    invoice = renewal_invoice()
    set_test_gateway_mode("timeout_after_charge", times=1)

    # when the job runs on the due date
    assert collect(DUE) == DebitRun(started=1, collected=0)

    # then the debit's outcome is unknown and the invoice open; another run does nothing
    [charge] = Charge.objects.filter(invoice_id=invoice.pk)
    assert charge.status == "unknown"
    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert collect(DUE, hour=7) == DebitRun(started=0, collected=0)

    # when the reconciler asks the gateway after the grace, and the resume job runs
    later = at(DUE) + timedelta(seconds=settings.SEATWISE_GATEWAY_GRACE_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        assert charges_reconcile(by=SYSTEM) == 1
        assert purchases_resume(by=SYSTEM) == 1

    # then the one debit is recorded on the invoice, and the gateway debited once
    charge.refresh_from_db()
    invoice.refresh_from_db()
    assert charge.status == "succeeded"
    assert (invoice.status, invoice.paid_amount) == ("paid", GROSS)
    assert TestGatewayCharge.objects.filter(idempotency_key=charge.idempotency_key).count() == 1
    assert Charge.objects.filter(invoice_id=invoice.pk).count() == 1
    assert [p.status for p in debits()] == ["completed"]


@pytest.mark.parametrize("payment_type", ["card", "bank_transfer"])
def test_an_invoice_paid_by_card_or_bank_transfer_is_never_debited(payment_type):
    # given an open invoice of a card (declined) or bank-transfer account, long due
    invoice = renewal_invoice(payment_type, card=DECLINING_CARD)
    assert invoice.status == "open"
    charges = Charge.objects.filter(invoice_id=invoice.pk).count()

    # when the job runs
    assert collect(DUE + timedelta(days=30)) == DebitRun(started=0, collected=0)

    # then nothing is debited
    assert debits() == []
    assert Charge.objects.filter(invoice_id=invoice.pk).count() == charges
    assert PaymentMethod.objects.filter(kind="sepa_debit").count() == 0


def test_an_invoice_paid_with_pay_now_before_its_due_date_is_not_debited():
    # given a direct-debit invoice the customer paid with Pay Now
    invoice = renewal_invoice()
    card = PaymentMethod.objects.get(account_id=invoice.account_id, kind="card")
    with time_machine.travel(at(DUE - timedelta(days=2)), tick=False):
        paid = invoice_pay(
            invoice=invoice,
            amount=None,
            payment_method=card,
            by=SYSTEM,
            idempotency_key="pay-now-before-due",
        )
    assert paid.status == "paid"

    # when the job runs on the due date
    assert collect(DUE) == DebitRun(started=0, collected=0)

    # then nothing more is charged
    assert debits() == []
    assert list(Charge.objects.filter(invoice_id=invoice.pk).values_list("purpose", flat=True)) == [
        "pay_now"
    ]


def test_the_rest_of_a_partly_paid_invoice_is_debited():
    invoice = renewal_invoice()
    card = PaymentMethod.objects.get(account_id=invoice.account_id, kind="card")
    with time_machine.travel(at(DUE - timedelta(days=2)), tick=False):
        invoice_pay(
            invoice=invoice,
            amount=Decimal("30.00"),
            payment_method=card,
            by=SYSTEM,
            idempotency_key="pay-now-in-part",
        )

    assert collect(DUE) == DebitRun(started=1, collected=1)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", GROSS)
    assert list(
        Charge.objects.filter(invoice_id=invoice.pk).order_by("pk").values_list("purpose", "amount")
    ) == [("pay_now", Decimal("30.00")), ("direct_debit", Decimal("53.30"))]


def test_a_mandate_withdrawn_since_the_invoice_is_not_debited_and_the_contact_is_told():
    # given a direct-debit invoice, then the Payment Profile changed to bank transfer
    invoice = renewal_invoice()
    with time_machine.travel(at(DUE - timedelta(days=3)), tick=False):
        payment_profile_set(account=invoice.account, payment_type="bank_transfer", by=SYSTEM)

    # when the job runs on the due date, and the day after
    assert collect(DUE) == DebitRun(started=1, collected=0)
    assert collect(DUE + timedelta(days=1)) == DebitRun(started=0, collected=0)

    # then nothing is debited, the invoice stays open and the billing contact is told once
    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert Charge.objects.filter(invoice_id=invoice.pk).count() == 0
    assert [(p.status, p.failure_code) for p in debits()] == [("failed", "mandate_withdrawn")]
    [email] = OutgoingEmail.objects.filter(kind="direct_debit_failed")
    assert email.subject == f"The direct debit of invoice {invoice.number} failed"
    assert (
        "The direct debit mandate this invoice names is no longer on your Payment Profile."
        in email.body_text
    )


def test_an_unreachable_gateway_is_tried_again_the_next_day_under_the_next_key():
    # given a gateway that cannot be reached on the due date
    invoice = renewal_invoice()
    set_test_gateway_mode("fail")

    # when the job runs
    assert collect(DUE) == DebitRun(started=1, collected=0)

    # then nothing was sent, the debit waits for tomorrow, and nobody is told anything
    [purchase] = debits()
    assert (purchase.status, purchase.tries, purchase.resume_at) == (
        "open",
        2,
        at(DUE) + timedelta(days=1),
    )
    assert list(Charge.objects.values_list("idempotency_key", "status")) == [
        (f"purchase:{purchase.pk}:charge:1", "not_attempted")
    ]
    assert not TestGatewayCharge.objects.exists()
    assert not OutgoingEmail.objects.filter(kind="direct_debit_failed").exists()
    # and the resume job leaves it alone until then
    with time_machine.travel(at(DUE, 18), tick=False):
        assert purchases_resume(by=SYSTEM) == 0
    assert Charge.objects.count() == 1

    # when the gateway is back the next day and the resume job runs
    set_test_gateway_mode("normal")
    with time_machine.travel(at(DUE) + timedelta(days=1, minutes=1), tick=False):
        assert purchases_resume(by=SYSTEM) == 1

    # then the invoice is debited once, under the second try's key
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", GROSS)
    assert list(Charge.objects.order_by("pk").values_list("idempotency_key", "status")) == [
        (f"purchase:{purchase.pk}:charge:1", "not_attempted"),
        (f"purchase:{purchase.pk}:charge:2", "succeeded"),
    ]
    assert list(TestGatewayCharge.objects.values_list("idempotency_key", flat=True)) == [
        f"purchase:{purchase.pk}:charge:2"
    ]
    assert [p.status for p in debits()] == ["completed"]


def test_a_gateway_unreachable_for_days_fails_the_debit_and_tells_the_billing_contact():
    # given a gateway that stays unreachable
    invoice = renewal_invoice()
    set_test_gateway_mode("fail")
    assert collect(DUE) == DebitRun(started=1, collected=0)

    # when the resume job tries again on each of the next days
    ended = []
    for day in range(1, 4):
        with time_machine.travel(at(DUE) + timedelta(days=day, minutes=1), tick=False):
            ended.append(purchases_resume(by=SYSTEM))

    # then it gave up after the third try (UNREACHABLE_TRIES), none of which reached the bank
    assert ended == [0, 1, 0]
    [purchase] = debits()
    assert (purchase.status, purchase.tries) == ("failed", UNREACHABLE_TRIES)
    assert list(Charge.objects.order_by("pk").values_list("idempotency_key", "status")) == [
        (f"purchase:{purchase.pk}:charge:{n}", "not_attempted") for n in (1, 2, 3)
    ]
    assert not TestGatewayCharge.objects.exists()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("open", Decimal("0.00"))
    # and the billing contact is told once that nothing was debited
    [email] = OutgoingEmail.objects.filter(kind="direct_debit_failed")
    assert email.to_address == billing_contact(invoice.account).email
    assert "The payment service could not be reached: nothing was debited." in email.body_text
    entry = AuditEntry.objects.get(action="invoice.direct_debit_failed")
    assert (entry.new["amount"], entry.new["charge"]) == (
        "83.30",
        Charge.objects.order_by("pk").last().pk,
    )

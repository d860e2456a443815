"""**Pay Now** of an open invoice: in full or in part, by the card on file or a new card used once;
one charge per form, a decline pays nothing, a new card is never kept for renewals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.billing.invoice_payments import invoice_pay
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import Charge, PaymentMethod, TestGatewayCharge
from seatwise.payments.selectors import default_payment_method
from seatwise.payments.services import charge_card
from tests.concurrency import all_at_once
from tests.corporate.helpers import corporate_account, invoice_contact_add, issue_invoice
from tests.factories import SYSTEM, billing_contact, ensure_default_catalog, make_card
from tests.tax.data import ensure_eu_vat_rates

DECLINING_CARD = "4000000000000341"
KEY = "pay-key-0001"


@pytest.fixture(autouse=True)
def _reference_data(request):
    if "django_db" in {mark.name for mark in request.node.iter_markers()}:
        ensure_default_catalog()
        ensure_eu_vat_rates()


def new_card(number: str = "5555555555554444") -> CardDetails:
    return CardDetails(
        number=number, exp_month=11, exp_year=date.today().year + 3, cvc="321", holder_name="Ina"
    )


def given(*, card: str | None = "4242424242424242", language: str = "en"):
    """An open invoice of 83.30 EUR (70.00 net + 19 % VAT) of a corporate account."""
    account = corporate_account(language=language)
    on_file = make_card(account, card) if card else None
    invoice, _ = issue_invoice(account)
    return account, invoice, on_file


def state(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.paid_amount,
        Charge.objects.filter(invoice_id=invoice.pk).count(),
        TestGatewayCharge.objects.count(),
        OutgoingEmail.objects.filter(kind="receipt").count(),
        AuditEntry.objects.filter(action="invoice.record_payment").count(),
    )


@pytest.mark.django_db
class TestPayInFull:
    def test_the_card_on_file_is_charged_the_amount_due_and_the_invoice_is_paid(self):
        _account, invoice, on_file = given()

        result = invoice_pay(
            invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        assert result.status == "paid"
        assert (result.charge.amount, result.charge.status) == (Decimal("83.30"), "succeeded")
        assert result.charge.payment_method_id == on_file.pk
        assert result.amount_due == Decimal("0.00")
        assert result.message == (
            f"Thank you: your payment of €83.30 was received. Invoice {invoice.number} is paid. "
            "The receipt is on its way by e-mail."
        )
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)

    def test_a_credit_note_is_taken_off_what_is_due(self):
        account = corporate_account()
        on_file = make_card(account)
        invoice, _ = issue_invoice(account, credit="10.00")  # 11.90 gross credited

        result = invoice_pay(
            invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        assert result.charge.amount == Decimal("71.40")
        assert state(invoice) == ("paid", Decimal("71.40"), 1, 1, 1, 1)


@pytest.mark.django_db
class TestPartialPayment:
    def test_keeps_the_invoice_open_with_the_rest_due_and_the_last_part_pays_it(self):
        _, invoice, on_file = given()

        first = invoice_pay(
            invoice=invoice,
            amount=Decimal("30.00"),
            payment_method=on_file,
            by=SYSTEM,
            idempotency_key="part-one-01",
        )

        assert (first.status, first.amount_due) == ("paid", Decimal("53.30"))
        assert first.message == (
            "Thank you: your payment of €30.00 was received. Still due on invoice "
            f"{invoice.number}: €53.30. The receipt is on its way by e-mail."
        )
        assert state(invoice) == ("open", Decimal("30.00"), 1, 1, 1, 1)

        second = invoice_pay(
            invoice=invoice,
            amount=Decimal("53.30"),
            payment_method=on_file,
            by=SYSTEM,
            idempotency_key="part-two-02",
        )

        assert (second.status, second.amount_due) == ("paid", Decimal("0.00"))
        assert state(invoice) == ("paid", Decimal("83.30"), 2, 2, 2, 2)

    @pytest.mark.parametrize(
        ("amount", "code"),
        [
            (Decimal("83.31"), "amount_above_due"),
            (Decimal("0.00"), "invalid_amount"),
            (Decimal("-5.00"), "invalid_amount"),
            (Decimal("10.005"), "invalid_amount"),
            (Decimal("NaN"), "invalid_amount"),
            (Decimal("Infinity"), "invalid_amount"),
        ],
    )
    def test_a_refused_amount_charges_nothing_and_changes_nothing(self, amount, code):
        _, invoice, on_file = given()
        before = state(invoice)
        methods = list(PaymentMethod.objects.values())

        with pytest.raises(Invalid) as refused:
            invoice_pay(
                invoice=invoice,
                amount=amount,
                payment_method=on_file,
                by=SYSTEM,
                idempotency_key=KEY,
            )

        assert (refused.value.code, refused.value.field) == (code, "amount")
        assert state(invoice) == before == ("open", Decimal("0.00"), 0, 0, 0, 0)
        assert list(PaymentMethod.objects.values()) == methods

    def test_above_the_amount_due_says_what_is_due(self):
        _, invoice, on_file = given()

        with pytest.raises(Invalid) as refused:
            invoice_pay(
                invoice=invoice,
                amount=Decimal("100.00"),
                payment_method=on_file,
                by=SYSTEM,
                idempotency_key=KEY,
            )

        assert str(refused.value.message) == "Enter at most the amount due, €83.30."


@pytest.mark.django_db
class TestOnePaymentPerForm:
    def test_the_same_key_twice_charges_once_and_records_once(self):
        _, invoice, on_file = given()

        first = invoice_pay(
            invoice=invoice,
            amount=Decimal("20.00"),
            payment_method=on_file,
            by=SYSTEM,
            idempotency_key=KEY,
        )
        second = invoice_pay(
            invoice=invoice,
            amount=Decimal("20.00"),
            payment_method=on_file,
            by=SYSTEM,
            idempotency_key=KEY,
        )

        assert second.charge.pk == first.charge.pk
        assert second.status == "paid"
        assert state(invoice) == ("open", Decimal("20.00"), 1, 1, 1, 1)

    def test_pay_in_full_submitted_twice_pays_once(self):
        _, invoice, on_file = given()

        for _attempt in range(2):
            result = invoice_pay(
                invoice=invoice,
                amount=None,
                payment_method=on_file,
                by=SYSTEM,
                idempotency_key=KEY,
            )

        assert result.status == "paid"
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)

    def test_a_new_card_submitted_twice_is_stored_once_and_charged_once(self):
        account, invoice, _ = given(card=None)

        for _attempt in range(2):
            result = invoice_pay(
                invoice=invoice, amount=None, card=new_card(), by=SYSTEM, idempotency_key=KEY
            )

        assert result.status == "paid"
        assert PaymentMethod.objects.filter(account=account).count() == 1
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)

    def test_a_key_is_per_invoice(self):
        account, invoice, on_file = given()
        other, _ = issue_invoice(account)
        invoice_pay(
            invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        # The same key on another invoice's form is another payment.
        result = invoice_pay(
            invoice=other, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        assert result.status == "paid"
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 2, 2, 2)
        assert state(other) == ("paid", Decimal("83.30"), 1, 2, 2, 2)

    @pytest.mark.parametrize("key", ["", "short", "x" * 65, "has space!", "ключ-ключ-ключ"])
    def test_a_malformed_key_is_refused(self, key):
        _, invoice, on_file = given()

        with pytest.raises(Invalid) as refused:
            invoice_pay(
                invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=key
            )

        assert refused.value.code == "invalid_idempotency_key"
        assert state(invoice) == ("open", Decimal("0.00"), 0, 0, 0, 0)


@pytest.mark.django_db
class TestDecline:
    def test_a_declined_card_on_file_pays_nothing_and_says_so(self):
        _, invoice, on_file = given(card=DECLINING_CARD)

        result = invoice_pay(
            invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        assert result.status == "declined"
        assert result.message == (
            "The card was declined. Use another card or ask your bank. "
            "Nothing was paid on the invoice."
        )
        assert result.amount_due == Decimal("83.30")
        assert state(invoice) == ("open", Decimal("0.00"), 1, 1, 0, 0)

    def test_a_declined_new_card_pays_nothing_and_is_retired(self):
        account, invoice, on_file = given()

        result = invoice_pay(
            invoice=invoice,
            amount=None,
            card=new_card(DECLINING_CARD),
            by=SYSTEM,
            idempotency_key=KEY,
        )

        assert result.status == "declined"
        assert state(invoice) == ("open", Decimal("0.00"), 1, 1, 0, 0)
        single = PaymentMethod.objects.exclude(pk=on_file.pk).get(account=account)
        assert single.removed_at is not None
        assert default_payment_method(account_id=account.pk) == on_file

    def test_a_card_the_gateway_refuses_is_not_stored_and_nothing_is_charged(self):
        account, invoice, on_file = given()

        with pytest.raises(Invalid) as refused:
            invoice_pay(
                invoice=invoice,
                amount=None,
                card=new_card("4242424242424241"),  # fails the Luhn check
                by=SYSTEM,
                idempotency_key=KEY,
            )

        assert refused.value.code == "invalid_number"
        assert list(PaymentMethod.objects.filter(account=account)) == [on_file]
        assert state(invoice) == ("open", Decimal("0.00"), 0, 0, 0, 0)


@pytest.mark.django_db
class TestNewCardUsedOnce:
    def test_is_charged_then_retired_and_never_becomes_the_card_for_renewals(self):
        account, invoice, on_file = given()

        result = invoice_pay(
            invoice=invoice, amount=None, card=new_card(), by=SYSTEM, idempotency_key=KEY
        )

        assert result.status == "paid"
        single = result.charge.payment_method
        single.refresh_from_db()
        assert (single.brand, single.last4, single.exp_month) == ("mastercard", "4444", 11)
        assert (single.is_automatic, single.is_default) == (False, False)
        assert single.removed_at is not None
        # Renewals and orders charge the default card: still the card on file.
        assert default_payment_method(account_id=account.pk) == on_file
        # Nothing can charge the used card again, not even for another payment.
        with pytest.raises(Refused) as refused:
            charge_card(
                account=account,
                payment_method=single,
                amount=Decimal("1.00"),
                currency="EUR",
                idempotency_key="later-charge",
                purpose="renewal",
                by=SYSTEM,
            )
        assert refused.value.code == "payment_method_removed"
        actions = list(
            AuditEntry.objects.filter(
                object_type="payments.paymentmethod", object_id=str(single.pk)
            )
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == ["payment_method.add", "payment_method.single_use_retire"]

    def test_without_any_card_on_file_the_account_still_has_none_afterwards(self):
        account, invoice, _ = given(card=None)

        invoice_pay(invoice=invoice, amount=None, card=new_card(), by=SYSTEM, idempotency_key=KEY)

        assert default_payment_method(account_id=account.pk) is None
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)


@pytest.mark.django_db
class TestRefusals:
    def test_a_paid_invoice_is_not_paid_again(self):
        _, invoice, on_file = given()
        invoice_pay(
            invoice=invoice, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
        )

        with pytest.raises(Refused) as refused:
            invoice_pay(
                invoice=invoice,
                amount=None,
                payment_method=on_file,
                by=SYSTEM,
                idempotency_key="another-key",
            )

        assert refused.value.code == "invoice_not_open"
        assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)

    def test_a_credit_note_is_not_paid(self):
        account = corporate_account()
        on_file = make_card(account)
        _, note = issue_invoice(account, credit="10.00")
        assert note is not None

        with pytest.raises(Refused) as refused:
            invoice_pay(
                invoice=note, amount=None, payment_method=on_file, by=SYSTEM, idempotency_key=KEY
            )

        assert refused.value.code == "not_an_invoice"
        assert Charge.objects.count() == 0

    def test_a_card_of_another_account_is_refused(self):
        _, invoice, _ = given()
        _, _, foreign = given()

        with pytest.raises(Refused) as refused:
            invoice_pay(
                invoice=invoice, amount=None, payment_method=foreign, by=SYSTEM, idempotency_key=KEY
            )

        assert refused.value.code == "payment_method_unavailable"
        assert state(invoice) == ("open", Decimal("0.00"), 0, 0, 0, 0)

    def test_card_and_payment_method_together_are_refused(self):
        _, invoice, on_file = given()

        with pytest.raises(Invalid):
            invoice_pay(
                invoice=invoice,
                amount=None,
                payment_method=on_file,
                card=new_card(),
                by=SYSTEM,
                idempotency_key=KEY,
            )
        assert state(invoice) == ("open", Decimal("0.00"), 0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_receipt_reaches_the_billing_contact_and_the_invoice_contacts_each_in_their_language(
    smtp_server, run_worker
):
    # Given an Italian billing contact, and an English and a German invoice contact
    account, invoice, on_file = given(language="it")
    contact = billing_contact(account)
    from seatwise.accounts.invoice_contacts import invoice_contact_add as add

    add(account=account, name="Eve English", email="eve@example.com", language="en", by=SYSTEM)
    add(account=account, name="Gerd German", email="gerd@example.com", language="de", by=SYSTEM)

    # When part of the invoice is paid
    result = invoice_pay(
        invoice=invoice,
        amount=Decimal("30.00"),
        payment_method=on_file,
        by=SYSTEM,
        idempotency_key=KEY,
    )
    run_worker()

    # Then each of them gets the receipt, PDF attached, in their own language; no one else
    number = f"RCT-{result.charge.settled_at.year}-{result.charge.pk:06d}"
    received = sorted(
        (
            recipients,
            message["Subject"],
            [part.get_filename() for part in message.iter_attachments()],
            [part.get_content()[:4] for part in message.iter_attachments()],
        )
        for recipients, message in smtp_server.messages
    )
    assert received == sorted(
        [
            (
                [contact.email],
                f"La tua ricevuta di pagamento Seatwise {number}",
                [f"{number}.pdf"],
                [b"%PDF"],
            ),
            (
                ["eve@example.com"],
                f"Your Seatwise payment receipt {number}",
                [f"{number}.pdf"],
                [b"%PDF"],
            ),
            (
                ["gerd@example.com"],
                f"Ihre Seatwise-Zahlungsquittung {number}",
                [f"{number}.pdf"],
                [b"%PDF"],
            ),
        ]
    )
    assert list(OutgoingEmail.objects.order_by("pk").values_list("to_address", "language")) == [
        (contact.email, "it"),
        ("eve@example.com", "en"),
        ("gerd@example.com", "de"),
    ]


@pytest.mark.django_db
def test_invoice_and_receipt_e_mails_of_orders_and_renewals_go_to_the_invoice_contacts_too():
    """``billing.receipts.payment_emails_queue``, used by orders and renewals."""
    from seatwise.billing.receipts import payment_emails_queue

    account, invoice, on_file = given(language="de")
    invoice_contact_add(account, name="Ivy", email="ivy@example.com")
    charge = charge_card(
        account=account,
        payment_method=on_file,
        amount=invoice.gross_total,
        currency="EUR",
        idempotency_key="order-charge",
        purpose="seats",
        by=SYSTEM,
        invoice_id=invoice.pk,
    )

    payment_emails_queue(invoice=invoice, charge=charge)
    payment_emails_queue(invoice=invoice, charge=charge)  # a retry sends nothing more

    contact = billing_contact(account)
    assert list(
        OutgoingEmail.objects.order_by("pk").values_list("kind", "to_address", "dedupe_key")
    ) == [
        ("invoice", contact.email, f"invoice:{invoice.pk}"),
        (
            "invoice",
            "ivy@example.com",
            f"invoice:{invoice.pk}:ic:{account.invoice_contacts.get().pk}",
        ),
        ("receipt", contact.email, f"receipt:{charge.pk}"),
        (
            "receipt",
            "ivy@example.com",
            f"receipt:{charge.pk}:ic:{account.invoice_contacts.get().pk}",
        ),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_new_card", [False, True], ids=["card-on-file", "new-card"])
def test_one_form_submitted_eight_times_at_once_charges_once(with_new_card):
    account, invoice, on_file = given(card=None if with_new_card else "4242424242424242")

    def submit() -> str:
        return invoice_pay(
            invoice=invoice,
            amount=None,
            payment_method=None if with_new_card else on_file,
            card=new_card() if with_new_card else None,
            by=SYSTEM,
            idempotency_key=KEY,
        ).status

    outcomes = all_at_once([submit] * 8)

    # Every submitter is told the payment went through or is being processed; none failed.
    assert set(outcomes) <= {"paid", "processing"}, outcomes
    assert "paid" in outcomes
    assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)
    assert PaymentMethod.objects.filter(account=account).count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_different_forms_paying_in_full_at_once_charge_once():
    # Eight Pay Now forms of one invoice (eight tabs), submitted at the same instant.
    _account, invoice, on_file = given()

    def submit(key: str):
        def pay() -> str:
            return invoice_pay(
                invoice=invoice,
                amount=None,
                payment_method=on_file,
                by=SYSTEM,
                idempotency_key=key,
            ).status

        return pay

    outcomes = all_at_once([submit(f"pay-now-form-{n}") for n in range(8)])

    # One is paid; the others are refused, as nothing is left to pay: one gateway charge.
    assert outcomes == ["Refused"] * 7 + ["paid"]
    assert state(invoice) == ("paid", Decimal("83.30"), 1, 1, 1, 1)

"""How an invoice is paid (``invoicing.payment_means``): decided at issue from the account's
Payment Profile, stored with the invoice and covered by its hash, stated on the PDF and in the
e-invoices (EN 16931 BG-16: BT-81 and BT-83 to BT-91), which pass the EN 16931 schematron."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Value
from django.db.models.functions import JSONObject

from seatwise.invoicing.chain import chain_verify
from seatwise.invoicing.einvoice import invoice_cii_xml, invoice_ubl_xml, validate_cii, validate_ubl
from seatwise.invoicing.models import CONTENT_VERSION, Invoice
from seatwise.invoicing.rendering import invoice_pdf
from seatwise.invoicing.selectors import document_for
from seatwise.invoicing.services import invoice_issue
from seatwise.payments.profiles import DirectDebit, payment_profile_set
from tests.factories import SYSTEM, make_account, make_card
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats
from tests.invoicing.test_documents import OUTSIDE_SCOPE, one_line, xpath
from tests.invoicing.test_rendering import needs_poppler, pdf_text
from tests.tax.data import ensure_exchange_rates

pytestmark = pytest.mark.django_db

CII_MEANS = "//ram:SpecifiedTradeSettlementPaymentMeans"
UBL_MEANS = "//cac:PaymentMeans"


def corporate(currency: str = "EUR", **kwargs):
    account = make_account(kind="corporate", language="en", currency=currency, **kwargs)
    make_card(account)
    return account


def with_profile(payment_type: str, *, currency: str = "EUR", **kwargs):
    account = corporate(currency, **kwargs)
    debit = DirectDebit(
        iban="DE89 3704 0044 0532 0130 00", holder_name="Alpha AG", mandate_accepted=True
    )
    payment_profile_set(
        account=account,
        payment_type=payment_type,
        debit=debit if payment_type == "direct_debit" else None,
        by=SYSTEM,
    )
    return account


def issue(account, *, tax=GERMAN_VAT) -> Invoice:
    if account.currency != "EUR":
        ensure_exchange_rates()
    return invoice_issue(
        account=account,
        lines=[five_seats(currency=account.currency, unit="15.00")],
        tax=tax,
        source="renewal",
        issue_date=ISSUED_ON,
        by=SYSTEM,
    )


def test_card_invoices_name_the_card_by_its_last_four_digits():
    invoice = issue(corporate())
    assert invoice.content_version == CONTENT_VERSION == 3
    assert invoice.payment_means == {
        "type": "card",
        "code": "48",
        "card_brand": "Visa",
        "card_last4": "4242",
        "card_holder": "Bill Contact",
    }
    cii = invoice_cii_xml(document_for(invoice))
    ubl = invoice_ubl_xml(document_for(invoice))
    assert xpath(cii, f"{CII_MEANS}/ram:TypeCode/text()") == ["48"]
    assert xpath(cii, f"{CII_MEANS}/ram:ApplicableTradeSettlementFinancialCard/ram:ID/text()") == [
        "4242"
    ]
    assert xpath(ubl, f"{UBL_MEANS}/cac:CardAccount/cbc:PrimaryAccountNumberID/text()") == ["4242"]
    assert xpath(ubl, f"{UBL_MEANS}/cac:CardAccount/cbc:NetworkID/text()") == ["Visa"]


@pytest.mark.parametrize(
    ("currency", "code"), [("EUR", "58"), ("USD", "30")], ids=["SEPA", "non-SEPA"]
)
def test_bank_transfer_invoices_name_the_sellers_bank_account(currency, code):
    invoice = issue(with_profile("bank_transfer", currency=currency))
    assert invoice.payment_means == {
        "type": "bank_transfer",
        "code": code,
        "iban": "DE89370400440532013000",
        "account_name": "Seatwise Software GmbH",
        "bic": "COBADEFFXXX",
        "bank_name": "Commerzbank",
    }
    cii = invoice_cii_xml(document_for(invoice))
    ubl = invoice_ubl_xml(document_for(invoice))
    assert xpath(cii, f"{CII_MEANS}/ram:TypeCode/text()") == [code]
    assert xpath(cii, f"{CII_MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == [
        "DE89370400440532013000"
    ]
    assert xpath(
        cii, f"{CII_MEANS}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID/text()"
    ) == ["COBADEFFXXX"]
    assert xpath(ubl, f"{UBL_MEANS}/cbc:PaymentMeansCode/text()") == [code]
    assert xpath(ubl, f"{UBL_MEANS}/cac:PayeeFinancialAccount/cbc:ID/text()") == [
        "DE89370400440532013000"
    ]
    assert xpath(ubl, f"{UBL_MEANS}/cbc:PaymentID/text()") == [invoice.number]


def test_check_invoices_name_the_remittance_address():
    invoice = issue(with_profile("check"))
    address = ["Seatwise Software GmbH", "Accounts Receivable", "Postfach 12 01 01", "10591 Berlin"]
    assert invoice.payment_means == {"type": "check", "code": "20", "remittance_address": address}
    cii = invoice_cii_xml(document_for(invoice))
    assert xpath(cii, f"{CII_MEANS}/ram:TypeCode/text()") == ["20"]
    assert "Please send checks to: " + ", ".join(address) in xpath(
        cii, "//ram:IncludedNote/ram:Content/text()"
    )


def test_direct_debit_invoices_name_the_mandate_and_the_debited_account_masked():
    account = with_profile("direct_debit")
    invoice = issue(account)
    mandate = account.payment_profile.mandate_reference
    assert invoice.payment_means == {
        "type": "direct_debit",
        "code": "59",
        "mandate_reference": mandate,
        "creditor_id": "DE98ZZZ09999999999",
        "debited_account": "DE•• •••• •••• 3000",
    }
    cii = invoice_cii_xml(document_for(invoice))
    ubl = invoice_ubl_xml(document_for(invoice))
    assert xpath(cii, f"{CII_MEANS}/ram:TypeCode/text()") == ["59"]
    assert xpath(cii, "//ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID/text()") == [
        mandate
    ]
    assert xpath(cii, "//ram:CreditorReferenceID/text()") == ["DE98ZZZ09999999999"]
    assert xpath(cii, f"{CII_MEANS}/ram:PayerPartyDebtorFinancialAccount/ram:IBANID/text()") == [
        "DE•• •••• •••• 3000"
    ]
    assert xpath(ubl, f"{UBL_MEANS}/cac:PaymentMandate/cbc:ID/text()") == [mandate]
    assert xpath(
        ubl, f"{UBL_MEANS}/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID/text()"
    ) == ["DE•• •••• •••• 3000"]
    for xml in (cii, ubl):
        assert b"0532013000" not in xml


DOCUMENTS = {
    "card": lambda: issue(corporate()),
    "bank transfer, EUR": lambda: issue(with_profile("bank_transfer")),
    "bank transfer, USD outside the scope": lambda: issue(
        with_profile("bank_transfer", currency="USD", country="US"), tax=OUTSIDE_SCOPE
    ),
    "check": lambda: issue(with_profile("check")),
    "SEPA direct debit": lambda: issue(with_profile("direct_debit")),
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_cii_and_ubl_with_each_payment_means_pass_the_en16931_schematron(name):
    document = document_for(DOCUMENTS[name]())

    assert validate_cii(invoice_cii_xml(document)) == []
    assert validate_ubl(invoice_ubl_xml(document)) == []


def test_the_means_are_decided_at_issue_and_never_change_afterwards():
    # given an invoice issued while the account paid by card
    account = corporate()
    invoice = issue(account)
    before = (invoice_cii_xml(document_for(invoice)), invoice.payment_means)
    # when the profile becomes bank transfer and the next invoice is issued
    payment_profile_set(account=account, payment_type="bank_transfer", by=SYSTEM)
    following = issue(account)
    # then the first still says card, the next says bank transfer
    invoice.refresh_from_db()
    assert (invoice_cii_xml(document_for(invoice)), invoice.payment_means) == before
    assert following.payment_means["type"] == "bank_transfer"
    assert chain_verify().problems == []


def test_the_hash_covers_the_payment_means():
    # given an issued invoice, whose stored payment means are changed behind the ORM's back
    invoice = issue(corporate())
    Invoice.objects.filter(pk=invoice.pk).update(
        payment_means=JSONObject(type=Value("bank_transfer"), code=Value("58"))
    )
    # then the chain's verification finds the change
    assert chain_verify().problems == [
        f"INV-{invoice.year}: {invoice.number} was changed after issue (hash mismatch)"
    ]


@needs_poppler
@pytest.mark.parametrize(
    ("payment_type", "sentence"),
    [
        ("card", "Payment method Credit/Debit Card"),
        (
            "bank_transfer",
            "Please transfer €89.25 by 15 March 2026 to the bank account below, quoting the "
            "invoice number {number}. IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX · "
            "Commerzbank · Account holder: Seatwise Software GmbH",
        ),
        (
            "check",
            "Please send a check for €89.25 by 15 March 2026 to the address below, quoting "
            "the invoice number {number}. Seatwise Software GmbH Accounts Receivable Postfach "
            "12 01 01 10591 Berlin",
        ),
        ("direct_debit", "€89.25 is debited on 15 March 2026 from the account DE•• •••• •••• 3000"),
    ],
)
def test_the_pdf_states_the_payment_means(payment_type, sentence, tmp_path):
    account = corporate() if payment_type == "card" else with_profile(payment_type)
    invoice = issue(account)
    assert invoice.gross_total == Decimal("89.25")

    text = one_line(pdf_text(invoice_pdf(document_for(invoice)), tmp_path))

    assert sentence.format(number=invoice.number) in text

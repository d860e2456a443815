"""What issued documents say and how they are kept: the settlement of credit notes, the account
credit applied at issue, the VAT in the accounting currency, exact unit prices, the seller's
register, German titles, and the archived files that every download and e-mail serves.

Real documents: issued through the services, rendered by WeasyPrint and factur-x, checked by
pdftotext and the EN 16931 schematron (saxonche)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import facturx
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from seatwise.accounts.models import Account
from seatwise.audit.models import AuditEntry
from seatwise.catalog.models import Price
from seatwise.invoicing.archive import (
    document_file,
    documents_archive_pending,
    invoice_pdf_attachment,
    invoice_ubl_attachment,
)
from seatwise.invoicing.chain import archive_chain_hash
from seatwise.invoicing.einvoice import (
    invoice_cii_xml,
    invoice_ubl_xml,
    validate_cii,
    validate_ubl,
)
from seatwise.invoicing.models import (
    AccountCredit,
    AccountCreditApplication,
    ArchivedDocument,
    Invoice,
)
from seatwise.invoicing.rendering import invoice_pdf
from seatwise.invoicing.selectors import (
    account_credit_open,
    document_for,
    invoice_amount_due,
    invoice_amount_payable,
)
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from seatwise.pricing.lines import proration
from seatwise.tax.decisions import TaxDecision
from tests.factories import SYSTEM, make_account
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, PLAN, TERM_END, TERM_START, five_seats
from tests.invoicing.test_rendering import needs_poppler, pdf_text
from tests.tasks import queued_tasks
from tests.tax.data import ensure_exchange_rates

pytestmark = pytest.mark.django_db

REGISTER = {
    "SEATWISE_SELLER_REGISTER_COURT": "Amtsgericht Berlin-Charlottenburg",
    "SEATWISE_SELLER_REGISTER_NUMBER": "HRB 123456 B",
    "SEATWISE_SELLER_MANAGING_DIRECTORS": "Anna Schmidt|Ben Weber",
}
REVERSE_CHARGE = TaxDecision(
    category="reverse_charge",
    rate=Decimal("0.00"),
    rate_country="AT",
    legal_note="Reverse charge",
    buyer_vat_id="ATU13585627",
)
OUTSIDE_SCOPE = TaxDecision(
    category="outside_scope", rate=Decimal("0.00"), rate_country="", legal_note="Outside scope"
)


@pytest.fixture
def seller_register(settings):
    """A seller with its register court, register number and managing directors."""
    for name, value in REGISTER.items():
        setattr(settings, name, value)


def english_account(**kwargs) -> Account:
    return make_account(
        **{"country": "DE", "language": "en", "currency": "EUR", "name": "Muster Ltd", **kwargs}
    )


def issue(account, *, lines=None, tax=GERMAN_VAT, on=ISSUED_ON) -> Invoice:
    return invoice_issue(
        account=account,
        lines=lines or [five_seats(currency=account.currency)],
        tax=tax,
        source="renewal",
        issue_date=on,
        by=SYSTEM,
    )


def credit(invoice, settlement, *, net=None, on=ISSUED_ON) -> Invoice:
    """A credit note of ``net`` (all of the invoice without it)."""
    return credit_note_issue(
        invoice=invoice,
        amount_net=net if net is not None else invoice.net_total,
        reason="Cancelled",
        settlement=settlement,
        issue_date=on,
        by=SYSTEM,
    )


def pay_in_full(invoice: Invoice) -> Invoice:
    return invoice_record_payment(
        invoice=invoice, amount=invoice_amount_due(invoice), reference="ch_1", by=SYSTEM
    )


def stored(invoice: Invoice, file_format: str) -> bytes:
    return bytes(document_file(invoice=invoice, file_format=file_format, by=SYSTEM).content)


def xpath(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    prefixes = {prefix: uri for prefix, uri in root.nsmap.items() if prefix}
    return [str(value) for value in root.xpath(path, namespaces=prefixes)]


def text_of(invoice: Invoice, tmp_path: Path) -> str:
    return pdf_text(invoice_pdf(document_for(invoice)), tmp_path)


def one_line(text: str) -> str:
    """The PDF's text with its line breaks as spaces (a sentence may wrap)."""
    return " ".join(text.split())


# --- Archived files ---------------------------------------------------------------------------


class TestArchive:
    def test_the_files_stay_the_same_bytes_after_payment_repricing_and_a_new_address(self, account):
        # given an issued invoice, downloaded once (PDF and UBL archived then)
        invoice = issue(account)
        pdf, ubl = stored(invoice, "pdf"), stored(invoice, "ubl")
        # when it is paid, the catalog price changes and the account moves
        pay_in_full(invoice)
        Price.objects.filter(plan__code=PLAN, currency="EUR").update(unit_amount=Decimal("99.00"))
        Account.objects.filter(pk=account.pk).update(
            name="Umbenannt AG", address_line1="Neuer Weg 1", city="Hamburg", language="en"
        )
        invoice.refresh_from_db()
        assert invoice.status == "paid"
        # then every download is the same bytes, and nothing was archived twice
        assert stored(invoice, "pdf") == pdf
        assert stored(invoice, "ubl") == ubl
        assert ArchivedDocument.objects.filter(invoice=invoice).count() == 2
        # and rendering again says the same: a document never shows later payments
        assert invoice_ubl_xml(document_for(invoice)) == ubl
        _, cii = facturx.get_xml_from_pdf(pdf, check_xsd=False)
        assert invoice_cii_xml(document_for(invoice)) == cii
        assert xpath(cii, "//ram:DuePayableAmount/text()") == ["83.30"]
        assert xpath(cii, "//ram:TotalPrepaidAmount/text()") == []
        assert b"Muster GmbH" in ubl
        assert b"Umbenannt" not in ubl

    def test_each_file_is_stored_once_with_its_digest_bound_to_the_document(self, account):
        invoice = issue(account)

        archived = document_file(invoice=invoice, file_format="ubl", by=SYSTEM)

        content = bytes(archived.content)
        assert archived.sha256 == hashlib.sha256(content).hexdigest()
        assert archived.chain_hash == archive_chain_hash(
            document_hash=invoice.hash, format="ubl", sha256=archived.sha256
        )
        entry = AuditEntry.objects.get(action="invoice.archive")
        assert entry.new == {
            "number": "INV-2026-000001",
            "format": "ubl",
            "sha256": archived.sha256,
            "bytes": len(content),
        }

    def test_the_pending_job_archives_what_has_no_files_and_then_nothing(self, account):
        first, second = issue(account), issue(account)
        stored(first, "pdf")

        assert documents_archive_pending(by=SYSTEM) == 2
        assert documents_archive_pending(by=SYSTEM) == 0
        assert sorted(ArchivedDocument.objects.values_list("invoice__number", "format")) == [
            (first.number, "pdf"),
            (first.number, "ubl"),
            (second.number, "pdf"),
            (second.number, "ubl"),
        ]

    def test_the_command_archives_the_pending_documents(self, account):
        issue(account)
        out = StringIO()

        call_command("documents_archive", stdout=out)

        assert out.getvalue() == "1 documents archived\n"
        assert ArchivedDocument.objects.count() == 2

    def test_issuing_enqueues_the_archiving_of_the_document(
        self, account, django_capture_on_commit_callbacks
    ):
        # With a broker the task is enqueued once the issuing transaction has committed.
        with django_capture_on_commit_callbacks(execute=True):
            invoice = issue(account)

        assert queued_tasks() == [
            ("seatwise.invoicing.tasks.documents_archive_task", {"invoice_ids": [invoice.pk]})
        ]

    def test_e_mail_attachments_are_the_archived_bytes(self, account):
        invoice = issue(account)

        pdf = invoice_pdf_attachment(invoice.pk)
        ubl = invoice_ubl_attachment(invoice.pk)

        assert (pdf.filename, pdf.mimetype) == ("INV-2026-000001.pdf", "application/pdf")
        assert (ubl.filename, ubl.mimetype) == ("INV-2026-000001.xml", "application/xml")
        assert pdf.content == stored(invoice, "pdf")
        assert ubl.content == stored(invoice, "ubl")
        assert invoice_pdf_attachment(invoice.pk).content == pdf.content


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_invoice_chain", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


RUN_ARCHIVE = "(run manage.py documents_archive)"


class TestVerifyArchives:
    def test_a_changed_file_is_named(self, account):
        invoice = issue(account)
        documents_archive_pending(by=SYSTEM)
        assert verify() == (0, "OK: 1 documents in 1 series\n", "")

        ArchivedDocument.objects.filter(invoice=invoice, format="pdf").update(
            content=b"%PDF-1.7 forged"
        )

        assert verify() == (
            1,
            "",
            "BROKEN: archive: INV-2026-000001.pdf was changed after archiving (SHA-256 mismatch)\n",
        )

    def test_a_file_rebound_to_another_digest_is_named(self, account):
        invoice = issue(account)
        documents_archive_pending(by=SYSTEM)
        forged = b"<Invoice/>"
        ArchivedDocument.objects.filter(invoice=invoice, format="ubl").update(
            content=forged, sha256=hashlib.sha256(forged).hexdigest()
        )

        assert verify() == (
            1,
            "",
            "BROKEN: archive: INV-2026-000001.ubl is not bound to its document (chain hash)\n",
        )

    def test_missing_files_count_only_a_day_after_issue(self, account):
        issue(account)
        assert verify() == (0, "OK: 1 documents in 1 series\n", "")

        with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=False):
            assert verify() == (
                1,
                "",
                f"BROKEN: archive: INV-2026-000001.pdf is missing {RUN_ARCHIVE}\n"
                f"BROKEN: archive: INV-2026-000001.ubl is missing {RUN_ARCHIVE}\n",
            )
            documents_archive_pending(by=SYSTEM)
            assert verify() == (0, "OK: 1 documents in 1 series\n", "")


# --- Credit notes: what their settlement says -------------------------------------------------


@needs_poppler
class TestSettlementWording:
    def test_a_void_of_an_unpaid_invoice_promises_nothing(self, tmp_path):
        invoice = issue(english_account())

        note = credit(invoice, "none")

        document = document_for(note)
        assert (document.settlement, document.settlement_amount, document.cancels_in_full) == (
            "none",
            Decimal("0.00"),
            True,
        )
        text = one_line(text_of(note, tmp_path))
        assert (
            "This credit note cancels invoice INV-2026-000001 in full. "
            "Nothing to pay or refund: invoice INV-2026-000001 was not paid." in text
        )
        assert "refunded" not in text
        assert "set off" not in text
        assert xpath(
            invoice_cii_xml(document), "//ram:SpecifiedTradePaymentTerms/ram:Description/text()"
        ) == [
            "This credit note cancels invoice INV-2026-000001 in full. "
            "Nothing to pay or refund: invoice INV-2026-000001 was not paid."
        ]
        assert b"Settled against the original payment" not in invoice_ubl_xml(document)

    def test_a_refund_says_how_much_goes_back_and_how(self, tmp_path):
        invoice = pay_in_full(issue(english_account()))

        note = credit(invoice, "refund", net=Decimal("10.00"))

        text = one_line(text_of(note, tmp_path))
        assert (
            "This credit note corrects invoice INV-2026-000001. "
            "The amount of €11.90 will be refunded to the original payment method." in text
        )
        assert "set off" not in text
        assert xpath(invoice_ubl_xml(document_for(note)), "//cac:PaymentTerms/cbc:Note/text()") == [
            "This credit note corrects invoice INV-2026-000001. "
            "The amount of €11.90 will be refunded to the original payment method."
        ]

    def test_a_set_off_says_it_goes_to_the_next_invoice(self, tmp_path):
        invoice = pay_in_full(issue(english_account()))

        note = credit(invoice, "set_off")

        text = one_line(text_of(note, tmp_path))
        assert (
            "This credit note cancels invoice INV-2026-000001 in full. "
            "€83.30 is set off against your next invoice." in text
        )
        assert "refund" not in text

    def test_a_partly_paid_invoice_refunds_the_part_paid_only(self, tmp_path):
        invoice = issue(english_account())
        invoice_record_payment(invoice=invoice, amount=Decimal("23.80"), reference="p", by=SYSTEM)

        note = credit(invoice, "refund")

        assert (note.settlement_amount, note.gross_total) == (Decimal("23.80"), Decimal("83.30"))
        text = one_line(text_of(note, tmp_path))
        assert (
            "The amount of €23.80 will be refunded to the original payment method. "
            "The other €59.50 reduces the amount still due on invoice INV-2026-000001." in text
        )

    def test_the_old_choice_of_refund_or_set_off_is_never_printed(self, tmp_path):
        invoice = pay_in_full(issue(english_account()))
        text = one_line(text_of(credit(invoice, "refund"), tmp_path))

        assert "or set off against your next invoice" not in text


# --- Account credit: set off on the next invoice ----------------------------------------------


@needs_poppler
class TestSetOff:
    def test_a_set_off_credit_is_applied_to_the_next_invoice(self, tmp_path):
        # given invoice 1 paid and cancelled by a credit note settled by set-off
        account = english_account()
        first = pay_in_full(issue(account))
        note = credit(first, "set_off")
        credit_row = AccountCredit.objects.get()
        assert (credit_row.amount, credit_row.remaining, credit_row.credit_note_id) == (
            Decimal("83.30"),
            Decimal("83.30"),
            note.pk,
        )
        assert account_credit_open(account_id=account.pk, currency="EUR") == Decimal("83.30")
        # when invoice 2 of 10 seats (166.60) is issued
        second = issue(account, lines=[five_seats(seats=10)])
        # then the credit is applied at issue and only the rest is due
        assert (second.gross_total, second.prepaid_amount, second.status) == (
            Decimal("166.60"),
            Decimal("83.30"),
            "open",
        )
        assert second.prepayments == [{"credit_note": note.number, "amount": "83.30"}]
        assert invoice_amount_payable(second) == Decimal("83.30")
        assert invoice_amount_due(second) == Decimal("83.30")
        credit_row.refresh_from_db()
        assert credit_row.remaining == Decimal("0.00")
        assert list(AccountCreditApplication.objects.values_list("invoice_id", "amount")) == [
            (second.pk, Decimal("83.30"))
        ]
        assert account_credit_open(account_id=account.pk, currency="EUR") == Decimal("0.00")
        # and the documents say so
        document = document_for(second)
        text = pdf_text(invoice_pdf(document), tmp_path)
        assert re.search(r"Credit applied \(CN-2026-000001\) -€83\.30", text)
        assert re.search(r"Amount due €83\.30", text)
        assert "€83.30 is charged to the card on file." in one_line(text)
        cii = invoice_cii_xml(document)
        assert xpath(cii, "//ram:GrandTotalAmount/text()") == ["166.60"]
        assert xpath(cii, "//ram:TotalPrepaidAmount/text()") == ["83.30"]
        assert xpath(cii, "//ram:DuePayableAmount/text()") == ["83.30"]
        ubl = invoice_ubl_xml(document)
        assert xpath(ubl, "//cbc:PrepaidAmount/text()") == ["83.30"]
        assert xpath(ubl, "//cbc:PayableAmount/text()") == ["83.30"]
        assert xpath(ubl, "/*/cbc:Note/text()") == [
            "Credit applied from credit notes: CN-2026-000001 (€83.30). Amount due: €83.30."
        ]
        assert validate_cii(cii) == []
        assert validate_ubl(ubl) == []

    def test_an_invoice_the_credit_covers_is_issued_paid(self, tmp_path):
        account = english_account()
        credit(pay_in_full(issue(account)), "set_off")

        covered = issue(account)

        assert (covered.prepaid_amount, covered.status) == (Decimal("83.30"), "paid")
        assert (invoice_amount_payable(covered), invoice_amount_due(covered)) == (
            Decimal("0.00"),
            Decimal("0.00"),
        )
        text = one_line(text_of(covered, tmp_path))
        assert "Nothing to pay: the credit applied covers this invoice in full." in text
        assert "Please transfer" not in text
        ubl = invoice_ubl_xml(document_for(covered))
        assert xpath(ubl, "//cbc:PayableAmount/text()") == ["0.00"]
        assert validate_ubl(ubl) == []

    def test_the_oldest_credit_goes_first_and_what_is_left_stays_open(self):
        # given two paid invoices, then credits of 11.90 and 83.30 set off, in this order
        account = english_account()
        first, second = pay_in_full(issue(account)), pay_in_full(issue(account))
        older = credit(first, "set_off", net=Decimal("10.00"))
        newer = credit(second, "set_off")
        # when the next invoice (83.30) is issued
        third = issue(account)
        # then the older credit goes first, the newer one gives the rest and keeps 11.90
        assert third.prepayments == [
            {"credit_note": older.number, "amount": "11.90"},
            {"credit_note": newer.number, "amount": "71.40"},
        ]
        assert (third.prepaid_amount, third.status) == (Decimal("83.30"), "paid")
        assert account_credit_open(account_id=account.pk, currency="EUR") == Decimal("11.90")


# --- EN 16931 schematron over real documents ---------------------------------------------------


def _set_off_next_invoice() -> Invoice:
    account = english_account()
    credit(pay_in_full(issue(account)), "set_off", net=Decimal("10.00"))
    return issue(account)


def _usd(tax: TaxDecision, **account) -> Invoice:
    ensure_exchange_rates()
    return issue(
        english_account(currency="USD", **account),
        lines=[five_seats(unit="15.00", currency="USD")],
        tax=tax,
    )


DOCUMENTS = {
    "invoice, standard rate": lambda: issue(english_account()),
    "credit note, refund": lambda: credit(pay_in_full(issue(english_account())), "refund"),
    "credit note, set-off": lambda: credit(
        pay_in_full(issue(english_account())), "set_off", net=Decimal("10.00")
    ),
    "credit note, none": lambda: credit(issue(english_account()), "none"),
    "invoice with credit applied": _set_off_next_invoice,
    "USD invoice to a German buyer": lambda: _usd(GERMAN_VAT),
    "USD credit note to a German buyer": lambda: credit(pay_in_full(_usd(GERMAN_VAT)), "refund"),
    "USD invoice, reverse charge": lambda: _usd(REVERSE_CHARGE, country="AT", vat_id="ATU13585627"),
    "USD invoice, outside the scope": lambda: _usd(OUTSIDE_SCOPE, country="US"),
}


@pytest.mark.usefixtures("seller_register")
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_cii_and_ubl_pass_the_en16931_schematron(name):
    document = document_for(DOCUMENTS[name]())

    assert validate_cii(invoice_cii_xml(document)) == []
    assert validate_ubl(invoice_ubl_xml(document)) == []


class TestVatInAccountingCurrency:
    def test_a_usd_invoice_to_a_german_buyer_states_its_vat_in_euro(self):
        invoice = _usd(GERMAN_VAT)

        # 75.00 USD net, 19 % = 14.25 USD; the ECB's rate of Friday 27 February 2026 (the
        # latest before Sunday 1 March): 1 EUR = 1.1805 USD, so 14.25 / 1.1805 = 12.07 EUR
        assert (
            invoice.vat_currency,
            invoice.vat_currency_tax_total,
            invoice.vat_exchange_rate,
            invoice.vat_exchange_rate_date,
        ) == ("EUR", Decimal("12.07"), Decimal("1.1805"), date(2026, 2, 27))
        document = document_for(invoice)
        cii = invoice_cii_xml(document)
        assert xpath(cii, "//ram:TaxCurrencyCode/text()") == ["EUR"]
        assert xpath(cii, "//ram:TaxTotalAmount[@currencyID='EUR']/text()") == ["12.07"]
        assert xpath(cii, "//ram:TaxTotalAmount[@currencyID='USD']/text()") == ["14.25"]
        ubl = invoice_ubl_xml(document)
        assert xpath(ubl, "//cbc:TaxCurrencyCode/text()") == ["EUR"]
        assert xpath(ubl, "/*/cac:TaxTotal/cbc:TaxAmount/@currencyID") == ["USD", "EUR"]
        assert xpath(ubl, "/*/cac:TaxTotal/cbc:TaxAmount[@currencyID='EUR']/text()") == ["12.07"]

    @needs_poppler
    def test_the_pdf_states_the_vat_in_euro_with_the_rate(self, tmp_path):
        text = one_line(text_of(_usd(GERMAN_VAT), tmp_path))

        assert "VAT in EUR at the ECB rate of 27 February 2026 (1 EUR = 1.1805 USD): €12.07" in text

    @pytest.mark.parametrize(
        ("tax", "account"),
        [
            (REVERSE_CHARGE, {"country": "AT", "vat_id": "ATU13585627"}),
            (OUTSIDE_SCOPE, {"country": "US"}),
        ],
    )
    def test_no_vat_charged_states_none(self, tax, account):
        invoice = _usd(tax, **account)

        assert (invoice.vat_currency, invoice.vat_currency_tax_total) == ("", None)
        assert xpath(invoice_cii_xml(document_for(invoice)), "//ram:TaxCurrencyCode") == []


# --- Quantity × unit price = line amount ------------------------------------------------------


def _prorated(seats: int, on: date) -> object:
    return proration(
        unit_amount=Decimal("850.00"),
        seats=seats,
        currency="EUR",
        term_start=TERM_START,
        term_end=TERM_END,
        on=on,
        plan_code=PLAN,
    )


@needs_poppler
def test_quantity_times_the_unit_price_shown_is_the_line_amount(tmp_path):
    # given prorated lines of 23 and 9,999 seats for 10 of 31 days, and a whole term
    account = english_account()
    lines = [
        _prorated(23, date(2026, 3, 22)),
        _prorated(9999, date(2026, 3, 22)),
        five_seats(),
    ]
    invoice = issue(account, lines=lines, on=date(2026, 3, 22))
    document = document_for(invoice)
    assert [line.net_amount for line in document.lines] == [
        Decimal("6306.45"),
        Decimal("2741661.29"),
        Decimal("70.00"),
    ]
    # then in the UBL and the CII, quantity × price (BT-129 × BT-146) is the line amount
    ubl = invoice_ubl_xml(document)
    ubl_lines = [
        (Decimal(q), Decimal(p), Decimal(a))
        for q, p, a in zip(
            xpath(ubl, "//cac:InvoiceLine/cbc:InvoicedQuantity/text()"),
            xpath(ubl, "//cac:InvoiceLine/cac:Price/cbc:PriceAmount/text()"),
            xpath(ubl, "//cac:InvoiceLine/cbc:LineExtensionAmount/text()"),
            strict=True,
        )
    ]
    cii = invoice_cii_xml(document)
    cii_lines = [
        (Decimal(q), Decimal(p), Decimal(a))
        for q, p, a in zip(
            xpath(cii, "//ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/text()"),
            xpath(cii, "//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()"),
            xpath(
                cii,
                "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount/text()",
            ),
            strict=True,
        )
    ]
    assert ubl_lines == cii_lines
    assert [price for _q, price, _a in ubl_lines] == [
        Decimal("274.1935"),
        Decimal("274.193548"),
        Decimal("14.00"),
    ]
    for quantity, price, amount in ubl_lines:
        assert abs(quantity * price - amount) <= Decimal("0.01")
    assert validate_ubl(ubl) == []
    # and on the PDF, with the catalog price per term of the prorated lines for information
    text = pdf_text(invoice_pdf(document), tmp_path)
    assert re.search(r"\b23 €274\.1935 €6,306\.45", text)
    assert re.search(r"\b9,999 €274\.193548 €2,741,661\.29", text)
    assert re.search(r"\b5 €14\.00 €70\.00", text)
    assert text.count("€850.00 per seat and term") == 2
    for quantity, price, amount in re.findall(
        r"\b([\d,]+) €([\d,]+\.\d+) €([\d,]+\.\d{2})\n", text
    ):
        product = Decimal(quantity.replace(",", "")) * Decimal(price.replace(",", ""))
        assert abs(product - Decimal(amount.replace(",", ""))) <= Decimal("0.01")


# --- The seller's register and the German titles -----------------------------------------------


@needs_poppler
@pytest.mark.usefixtures("seller_register")
class TestGermanDocuments:
    def test_a_partial_credit_note_is_a_rechnungskorrektur_with_the_register(
        self, account, tmp_path
    ):
        invoice = pay_in_full(issue(account))

        note = credit(invoice, "refund", net=Decimal("10.00"))

        text = text_of(note, tmp_path)
        assert "Rechnungskorrektur" in text
        assert "Nummer der Rechnungskorrektur" in text
        assert "Stornorechnung" not in text
        assert "Gutschrift" not in text
        flat = one_line(text)
        assert (
            "Diese Rechnungskorrektur korrigiert die Rechnung INV-2026-000001. Der Betrag von "
            "11,90 € wird auf die ursprüngliche Zahlungsweise erstattet." in flat
        )
        # in the footer of every page (where it may wrap)
        assert "Registergericht: Amtsgericht Berlin-Charlottenburg" in flat
        assert "Registernummer: HRB 123456 B" in flat
        assert "Geschäftsführer: Anna Schmidt, Ben Weber" in flat

    def test_a_full_cancellation_is_a_stornorechnung(self, account, tmp_path):
        note = credit(issue(account), "none")

        text = text_of(note, tmp_path)

        assert "Stornorechnung" in text
        assert "Nummer der Stornorechnung" in text
        assert "Gutschrift" not in text
        assert (
            "Diese Stornorechnung storniert die Rechnung INV-2026-000001 vollständig. Nichts zu "
            "zahlen oder zu erstatten: Die Rechnung INV-2026-000001 war nicht bezahlt."
            in one_line(text)
        )

    def test_the_invoice_carries_the_register_in_its_e_invoices(self, account):
        document = document_for(issue(account))

        cii = invoice_cii_xml(document)
        seller = "//ram:SellerTradeParty"
        assert xpath(cii, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID/text()") == [
            "HRB 123456 B"
        ]
        assert xpath(cii, f"{seller}/ram:Description/text()") == [
            "Registergericht: Amtsgericht Berlin-Charlottenburg · Registernummer: HRB 123456 B · "
            "Geschäftsführer: Anna Schmidt, Ben Weber"
        ]
        ubl = invoice_ubl_xml(document)
        entity = "//cac:AccountingSupplierParty//cac:PartyLegalEntity"
        assert xpath(ubl, f"{entity}/cbc:CompanyID/text()") == ["HRB 123456 B"]
        assert xpath(ubl, f"{entity}/cbc:CompanyLegalForm/text()") == xpath(
            cii, f"{seller}/ram:Description/text()"
        )

    @pytest.mark.parametrize(
        ("language", "title"), [("it", "Nota di credito"), ("es", "Factura rectificativa")]
    )
    def test_other_languages_keep_their_terms(self, language, title, tmp_path):
        note = credit(issue(make_account(language=language)), "none")

        assert title in text_of(note, tmp_path)


def test_a_seller_without_register_prints_none(account):
    document = document_for(issue(account))

    cii = invoice_cii_xml(document)
    assert xpath(cii, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization") == []
    assert xpath(cii, "//ram:SellerTradeParty/ram:Description") == []

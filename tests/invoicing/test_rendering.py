"""Rendering of issued documents: EN 16931 e-invoices (CII, UBL) and the PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from seatwise.invoicing.documents import (
    DocumentLine,
    InvoiceDocument,
    Party,
    Prepayment,
    ReceiptDocument,
)
from seatwise.invoicing.einvoice import (
    invoice_cii_xml,
    invoice_ubl_xml,
    validate_cii,
    validate_ubl,
)
from seatwise.invoicing.rendering import invoice_pdf, receipt_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "invoices"

SELLER = Party(
    name="Seatwise GmbH",
    address_lines=("Friedrichstraße 123",),
    postal_code="10117",
    city="Berlin",
    country="DE",
    vat_id="DE136695976",
    email="billing@seatwise.example",
)
DE_CONSUMER = Party(
    name="Erika Mustermann",
    address_lines=("Heidestraße 17",),
    postal_code="51147",
    city="Köln",
    country="DE",
    email="erika@example.de",
)
IT_BUSINESS = Party(
    name="Rossi Software S.r.l.",
    address_lines=("Via Roma 1",),
    postal_code="20121",
    city="Milano",
    country="IT",
    vat_id="IT00743110157",
    email="amministrazione@rossi.example",
)
CH_BUSINESS = Party(
    name="Alpen Informatik AG",
    address_lines=("Bahnhofstrasse 10",),
    postal_code="8001",
    city="Zürich",
    country="CH",
    vat_id="CHE-116.281.710 MWST",
)
ES_BUSINESS = Party(
    name="Soluciones Ibéricas S.L.",
    address_lines=("Calle de Alcalá 50", "Planta 3"),
    postal_code="28014",
    city="Madrid",
    country="ES",
    vat_id="ESB58378431",
)
IBAN = "DE02120300000000202051"
REVERSE_CHARGE = (
    "Reverse charge: VAT is due by the recipient (Article 196, Council Directive 2006/112/EC)."
)
OUTSIDE_SCOPE = "Not subject to EU VAT: service supplied outside the EU."


def seats_line(quantity: str, unit_price: str, net: str, *, start: date, end: date) -> DocumentLine:
    return DocumentLine(
        description="Seatwise Business, per seat and year",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        net_amount=Decimal(net),
        period_start=start,
        period_end=end,
    )


def de_b2c(**changes: object) -> InvoiceDocument:
    """Net 1,234.50 + 19 % VAT 234.56 = 1,469.06: amounts each language's PDF formats."""
    doc = InvoiceDocument(
        kind="invoice",
        number="INV-2026-000042",
        issue_date=date(2026, 3, 2),
        currency="EUR",
        language="de",
        seller=SELLER,
        buyer=DE_CONSUMER,
        lines=(
            seats_line("10", "123.45", "1234.50", start=date(2026, 3, 2), end=date(2027, 3, 1)),
        ),
        net_total=Decimal("1234.50"),
        tax_category="S",
        tax_rate=Decimal("19.00"),
        tax_total=Decimal("234.56"),
        gross_total=Decimal("1469.06"),
        due_date=date(2026, 3, 16),
        delivery_date=date(2026, 3, 2),
        seller_iban=IBAN,
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def it_reverse_charge() -> InvoiceDocument:
    return InvoiceDocument(
        kind="invoice",
        number="INV-2026-000043",
        issue_date=date(2026, 3, 2),
        currency="EUR",
        language="it",
        seller=SELLER,
        buyer=IT_BUSINESS,
        lines=(
            seats_line("25", "120.00", "3000.00", start=date(2026, 3, 2), end=date(2027, 3, 1)),
            seats_line("5", "99.60", "498.00", start=date(2026, 9, 1), end=date(2027, 3, 1)),
        ),
        net_total=Decimal("3498.00"),
        tax_category="AE",
        tax_rate=Decimal("0.00"),
        tax_total=Decimal("0.00"),
        gross_total=Decimal("3498.00"),
        tax_note=REVERSE_CHARGE,
        due_date=date(2026, 4, 1),
        seller_iban=IBAN,
    )


def ch_outside_scope() -> InvoiceDocument:
    return InvoiceDocument(
        kind="invoice",
        number="INV-2026-000044",
        issue_date=date(2026, 3, 3),
        currency="CHF",
        language="en",
        seller=SELLER,
        buyer=CH_BUSINESS,
        lines=(
            seats_line("12", "150.00", "1800.00", start=date(2026, 3, 3), end=date(2027, 3, 2)),
        ),
        net_total=Decimal("1800.00"),
        tax_category="O",
        tax_rate=Decimal("0.00"),
        tax_total=Decimal("0.00"),
        gross_total=Decimal("1800.00"),
        tax_note=OUTSIDE_SCOPE,
        due_date=date(2026, 4, 2),
        seller_iban=IBAN,
    )


def es_corporate() -> InvoiceDocument:
    """A corporate account's order: purchase order, User ID, partly paid."""
    return InvoiceDocument(
        kind="invoice",
        number="INV-2026-000045",
        issue_date=date(2026, 3, 4),
        currency="EUR",
        language="es",
        seller=SELLER,
        buyer=ES_BUSINESS,
        lines=(
            seats_line("40", "110.00", "4400.00", start=date(2026, 3, 4), end=date(2027, 3, 3)),
        ),
        net_total=Decimal("4400.00"),
        tax_category="AE",
        tax_rate=Decimal("0.00"),
        tax_total=Decimal("0.00"),
        gross_total=Decimal("4400.00"),
        tax_note=REVERSE_CHARGE,
        due_date=date(2026, 4, 3),
        prepaid_amount=Decimal("1000.00"),
        prepayments=(Prepayment(credit_note="CN-2026-000003", amount=Decimal("1000.00")),),
        seller_iban=IBAN,
        corporate_user_id="CBP-0042-7781",
        purchase_order="PO-ES-2026-118",
    )


def credit_note() -> InvoiceDocument:
    return InvoiceDocument(
        kind="credit_note",
        number="CN-2026-000007",
        issue_date=date(2026, 3, 20),
        currency="EUR",
        language="de",
        seller=SELLER,
        buyer=DE_CONSUMER,
        lines=(
            DocumentLine(
                description="Credit: 2 seats removed",
                quantity=Decimal("2"),
                unit_price=Decimal("148.20"),
                net_amount=Decimal("296.40"),
                period_start=date(2026, 3, 20),
                period_end=date(2027, 3, 1),
            ),
        ),
        net_total=Decimal("296.40"),
        tax_category="S",
        tax_rate=Decimal("19.00"),
        tax_total=Decimal("56.32"),
        gross_total=Decimal("352.72"),
        seller_iban=IBAN,
        preceding_number="INV-2026-000042",
        preceding_issue_date=date(2026, 3, 2),
        settlement="refund",
        settlement_amount=Decimal("352.72"),
    )


ALL_DOCUMENTS = {
    "de_b2c": de_b2c,
    "it_reverse_charge": it_reverse_charge,
    "ch_outside_scope": ch_outside_scope,
    "es_corporate": es_corporate,
    "credit_note": credit_note,
}


def receipt(**changes: object) -> ReceiptDocument:
    doc = ReceiptDocument(
        number="RCP-2026-000031",
        paid_at_date=date(2026, 3, 5),
        currency="EUR",
        language="es",
        seller=SELLER,
        buyer=ES_BUSINESS,
        amount=Decimal("1000.00"),
        method="Visa •••• 4242",
        invoice_number="INV-2026-000045",
        invoice_gross_total=Decimal("4400.00"),
        invoice_amount_due_after=Decimal("3400.00"),
        corporate_user_id="CBP-0042-7781",
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it, with every kind of space a space."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


PDFTOPPM_PAGE_1 = ("pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile")


def png_of_first_page(pdf: bytes, stem: Path) -> Path:
    """Page 1 as a PNG through poppler's pdftoppm: proof that a real reader opens the PDF."""
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.write_bytes(pdf)
    subprocess.run(
        [*PDFTOPPM_PAGE_1, str(pdf_path), str(stem)],
        check=True,
        capture_output=True,
    )
    png = stem.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return png


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils is missing: run scripts/system-deps.sh",
)


# --- EN 16931 CII (Factur-X / ZUGFeRD) ----------------------------------------------------


@pytest.mark.parametrize("name", list(ALL_DOCUMENTS))
def test_cii_passes_the_xsd_and_the_en16931_schematron(name: str) -> None:
    # given an issued document of each kind and tax category
    doc = ALL_DOCUMENTS[name]()
    # when its CII XML is generated
    xml = invoice_cii_xml(doc)
    # then it passes factur-x's XSD and the EN 16931 schematron run by saxonche
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert validate_cii(xml) == []


def cii_value(xml: bytes, xpath: str) -> list[str]:
    root = etree.fromstring(xml)
    return [str(value) for value in root.xpath(xpath, namespaces=root.nsmap)]


def test_cii_tax_categories_codes_and_exemption_reasons() -> None:
    breakdown = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    standard = invoice_cii_xml(de_b2c())
    assert cii_value(standard, f"{breakdown}/ram:CategoryCode/text()") == ["S"]
    assert cii_value(standard, f"{breakdown}/ram:RateApplicablePercent/text()") == ["19"]
    assert cii_value(standard, f"{breakdown}/ram:CalculatedAmount/text()") == ["234.56"]

    reverse = invoice_cii_xml(it_reverse_charge())
    assert cii_value(reverse, f"{breakdown}/ram:CategoryCode/text()") == ["AE"]
    assert cii_value(reverse, f"{breakdown}/ram:ExemptionReasonCode/text()") == ["VATEX-EU-AE"]
    assert cii_value(reverse, f"{breakdown}/ram:ExemptionReason/text()") == [REVERSE_CHARGE]
    assert cii_value(
        reverse, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()"
    ) == ["IT00743110157"]
    assert cii_value(
        reverse,
        "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()",
    ) == ["DE136695976"]

    outside = invoice_cii_xml(ch_outside_scope())
    assert cii_value(outside, f"{breakdown}/ram:CategoryCode/text()") == ["O"]
    assert cii_value(outside, f"{breakdown}/ram:ExemptionReasonCode/text()") == ["VATEX-EU-O"]
    # BR-O-2: no VAT identifier in an invoice outside the scope of VAT; BT-29 identifies
    assert cii_value(outside, "//ram:SpecifiedTaxRegistration/ram:ID/text()") == []
    assert cii_value(outside, "//ram:SellerTradeParty/ram:ID/text()") == ["DE136695976"]


def test_cii_carries_references_payment_and_periods() -> None:
    xml = invoice_cii_xml(es_corporate())
    assert cii_value(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["380"]
    assert cii_value(xml, "//ram:BuyerReference/text()") == ["CBP-0042-7781"]
    assert cii_value(xml, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [
        "PO-ES-2026-118"
    ]
    assert cii_value(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == [
        "58"
    ]
    assert cii_value(xml, "//ram:IBANID/text()") == [IBAN]
    assert cii_value(xml, "//ram:DueDateDateTime/udt:DateTimeString/text()") == ["20260403"]
    assert cii_value(xml, "//ram:TotalPrepaidAmount/text()") == ["1000.00"]
    assert cii_value(xml, "//ram:DuePayableAmount/text()") == ["3400.00"]
    assert cii_value(xml, "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString/text()") == [
        "20260304"
    ]
    line_period = "//ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod"
    assert cii_value(xml, f"{line_period}/ram:StartDateTime/udt:DateTimeString/text()") == [
        "20260304"
    ]
    assert cii_value(xml, f"{line_period}/ram:EndDateTime/udt:DateTimeString/text()") == [
        "20270303"
    ]


def test_cii_of_a_consumer_invoice_uses_the_buyer_name_as_buyer_reference() -> None:
    assert cii_value(invoice_cii_xml(de_b2c()), "//ram:BuyerReference/text()") == [
        "Erika Mustermann"
    ]


def test_credit_note_cii_is_type_381_and_references_the_invoice() -> None:
    xml = invoice_cii_xml(credit_note())
    assert cii_value(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    preceding = "//ram:InvoiceReferencedDocument"
    assert cii_value(xml, f"{preceding}/ram:IssuerAssignedID/text()") == ["INV-2026-000042"]
    assert cii_value(xml, f"{preceding}//qdt:DateTimeString/text()") == ["20260302"]


def test_a_tampered_grand_total_is_caught_by_the_schematron() -> None:
    # given a valid CII
    xml = invoice_cii_xml(de_b2c())
    assert b"<ram:GrandTotalAmount>1469.06</ram:GrandTotalAmount>" in xml
    # when its grand total is changed after generation
    tampered = xml.replace(
        b"<ram:GrandTotalAmount>1469.06</ram:GrandTotalAmount>",
        b"<ram:GrandTotalAmount>1496.06</ram:GrandTotalAmount>",
    )
    # then the schematron names the broken rules (the XSD alone cannot see it)
    assert facturx.xml_check_xsd(tampered, flavor="factur-x", level="en16931") is True
    failed = validate_cii(tampered)
    assert [rule.split(":")[0] for rule in failed] == ["BR-CO-15", "BR-CO-16"]


def test_a_cii_failing_the_xsd_is_reported() -> None:
    xml = invoice_cii_xml(de_b2c()).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    failed = validate_cii(xml)
    assert len(failed) == 1
    assert failed[0].startswith("XSD: ")
    # The schema is compiled once per thread (seatwise.invoicing.einvoice._schema); what
    # factur-x's own check says is what ours says, in this thread and in another.
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    with ThreadPoolExecutor(1) as other:
        assert other.submit(validate_cii, xml).result() == failed
    assert validate_cii(xml) == failed


# --- UBL 2.1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ALL_DOCUMENTS))
def test_ubl_passes_the_xsd_and_the_en16931_schematron(name: str) -> None:
    xml = invoice_ubl_xml(ALL_DOCUMENTS[name]())
    assert validate_ubl(xml) == []


def test_ubl_credit_note_is_a_creditnote_document() -> None:
    xml = invoice_ubl_xml(credit_note())
    assert b"<CreditNote " in xml
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml
    assert b"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>" in xml
    assert facturx.xml_check_xsd(xml, flavor="ubl-2.1-creditnote") is True


def test_a_tampered_ubl_payable_amount_is_caught() -> None:
    xml = invoice_ubl_xml(de_b2c())
    tampered = xml.replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1469.06',
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1496.06',
    )
    assert tampered != xml
    assert "BR-CO-15" in [rule.split(":")[0] for rule in validate_ubl(tampered)]


# --- PDFs ----------------------------------------------------------------------------------


def test_invoice_pdf_is_a_factur_x_pdf_a3_with_its_xml() -> None:
    doc = es_corporate()
    pdf = invoice_pdf(doc)
    assert pdf.startswith(b"%PDF-")
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == invoice_cii_xml(doc)

    reader = PdfReader(BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert b"EN 16931" in xmp  # Factur-X conformance level in the XMP extension schema


EXPECTED_AMOUNTS = {
    # net total and total of de_b2c() as babel formats them in each language
    "en": ("€1,234.50", "€1,469.06"),
    "de": ("1.234,50 €", "1.469,06 €"),
    "it": ("1.234,50 €", "1.469,06 €"),
    "es": ("1.234,50 €", "1.469,06 €"),
}
EXPECTED_DATES = {
    "en": "2 March 2026",
    "de": "2. März 2026",
    "it": "2 marzo 2026",
    "es": "2 de marzo de 2026",
}


@needs_poppler
@pytest.mark.parametrize("language", ["en", "de", "it", "es"])
def test_invoice_pdf_in_each_language(language: str, tmp_path: Path) -> None:
    # given one invoice with a User ID, a purchase order and the reverse-charge note
    doc = de_b2c(
        language=language,
        corporate_user_id="CBP-0042-7781",
        purchase_order="PO-4711",
        tax_note=REVERSE_CHARGE if language != "de" else "",
    )
    # when it is rendered
    pdf = invoice_pdf(doc)
    # then a real reader opens it, and it shows locale-formatted amounts and dates
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png_of_first_page(pdf, ARTIFACTS / f"invoice-{language}")
    text = pdf_text(pdf, tmp_path)
    net, total = EXPECTED_AMOUNTS[language]
    assert net in text
    assert total in text
    assert EXPECTED_DATES[language] in text
    assert "CBP-0042-7781" in text
    assert "PO-4711" in text
    assert "DE02 1203 0000 0000 2020 51" in text
    assert "INV-2026-000042" in text
    if language != "de":
        assert "Article 196, Council Directive 2006/112/EC" in text
    assert re.search(r"INV-2026-000042 · \w+ 1 / 1", text)  # the footer, in a margin box


@needs_poppler
def test_invoice_pdf_without_user_id_prints_no_user_id_label(tmp_path: Path) -> None:
    text = pdf_text(invoice_pdf(de_b2c(language="en")), tmp_path)
    assert "User ID" not in text
    assert "Purchase order" not in text


@needs_poppler
@pytest.mark.parametrize("name", ["it_reverse_charge", "ch_outside_scope", "credit_note"])
def test_other_documents_render_with_their_legal_note(name: str, tmp_path: Path) -> None:
    doc = ALL_DOCUMENTS[name]()
    pdf = invoice_pdf(doc)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png_of_first_page(pdf, ARTIFACTS / name)
    text = pdf_text(pdf, tmp_path)
    assert doc.number in text
    if doc.tax_note:
        assert " ".join(doc.tax_note.split()[:6]) in text
    if doc.kind == "credit_note":
        assert "INV-2026-000042" in text
        assert "352,72 €" in text


@needs_poppler
def test_receipt_pdf_shows_only_the_last_four_digits(tmp_path: Path) -> None:
    # given a receipt for a card payment
    doc = receipt()
    # when it is rendered
    pdf = receipt_pdf(doc)
    # then it is a PDF/A-3b without any embedded XML, showing the payment and no card number
    assert pdf.startswith(b"%PDF-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png_of_first_page(pdf, ARTIFACTS / "receipt-es")
    text = pdf_text(pdf, tmp_path)
    assert "RCP-2026-000031" in text
    assert "INV-2026-000045" in text
    assert "1.000,00 €" in text
    assert "3.400,00 €" in text
    assert "5 de marzo de 2026" in text
    assert "CBP-0042-7781" in text
    assert "•••• 4242" in text
    assert "4242 4242" not in text
    assert not re.search(r"\d{4}[ -]?\d{4}[ -]?\d{4}", text)
    assert facturx.get_xml_from_pdf(pdf, check_xsd=False) == (False, False)

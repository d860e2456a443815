"""``manage.py verify_invoice_chain`` finds any change or deletion of an issued document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from seatwise.invoicing.models import GENESIS_HASH, DocumentSeries, Invoice, InvoiceLine
from seatwise.invoicing.services import credit_note_issue, invoice_issue, invoice_record_payment
from tests.factories import SYSTEM
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats

pytestmark = pytest.mark.django_db


def issue(account, on=ISSUED_ON):
    return invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=on,
        by=SYSTEM,
    )


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_invoice_chain", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def three(account):
    """INV-2026-000001..3 and CN-2026-000001 (on the second invoice)."""
    invoices = [issue(account) for _ in range(3)]
    credit_note_issue(
        invoice=invoices[1], amount_net=Decimal("5.00"), reason="r", settlement="none", by=SYSTEM
    )
    return invoices


def test_each_document_links_to_its_predecessor_in_its_series(three):
    first, second, third = three
    note = Invoice.objects.get(kind="credit_note")

    assert first.previous_hash == GENESIS_HASH
    assert (second.previous_hash, third.previous_hash) == (first.hash, second.hash)
    assert note.previous_hash == GENESIS_HASH
    assert DocumentSeries.objects.get(series="INV", year=2026).last_hash == third.hash
    assert len({first.hash, second.hash, third.hash, note.hash}) == 4


def test_an_intact_chain_verifies(three, account):
    issue(account, on=date(2027, 1, 2))
    invoice_record_payment(invoice=three[0], amount=Decimal("83.30"), reference="p", by=SYSTEM)

    assert verify() == (0, "OK: 5 documents in 2 series\n", "")


def test_an_empty_database_verifies():
    assert verify() == (0, "OK: 0 documents in 0 series\n", "")


def test_a_tampered_total_is_detected(three):
    Invoice.objects.filter(number="INV-2026-000002").update(
        net_total=Decimal("7.00"), tax_total=Decimal("1.33"), gross_total=Decimal("8.33")
    )

    assert verify() == (
        1,
        "",
        "BROKEN: INV-2026: INV-2026-000002 was changed after issue (hash mismatch)\n",
    )


def test_a_tampered_line_is_detected(three):
    InvoiceLine.objects.filter(invoice=three[2]).update(description="Something else")

    code, _, err = verify()

    assert (code, err) == (
        1,
        "BROKEN: INV-2026: INV-2026-000003 was changed after issue (hash mismatch)\n",
    )


def test_a_deleted_document_is_detected(three):
    InvoiceLine.objects.filter(invoice=three[0]).delete()
    Invoice.objects.filter(pk=three[0].pk).delete()

    code, _, err = verify()

    assert (code, err) == (
        1,
        "BROKEN: INV-2026: INV-2026-000001 is missing (deleted document or gap in numbers)\n",
    )


def test_deleting_the_last_document_is_detected(three):
    InvoiceLine.objects.filter(invoice=three[2]).delete()
    Invoice.objects.filter(pk=three[2].pk).delete()

    code, _, err = verify()

    assert (code, err) == (
        1,
        "BROKEN: INV-2026: INV-2026-000003 is missing (the counter has issued 3)\n",
    )


def test_a_recomputed_but_relinked_forgery_is_detected(three):
    """Changing a document and recomputing its own hash still breaks its successor's link."""
    from seatwise.invoicing.chain import document_hash

    forged = Invoice.objects.get(number="INV-2026-000002")
    Invoice.objects.filter(pk=forged.pk).update(purchase_order="FORGED")
    forged.refresh_from_db()
    Invoice.objects.filter(pk=forged.pk).update(hash=document_hash(forged, forged.lines.all()))

    code, _, err = verify()

    assert (code, err) == (
        1,
        "BROKEN: INV-2026: INV-2026-000003 does not link to its predecessor\n",
    )

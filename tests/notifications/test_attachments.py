"""E-mails carry documents as descriptors; the worker attaches the archived files when it
delivers."""

from __future__ import annotations

import pytest

from seatwise.invoicing.models import ArchivedDocument
from seatwise.invoicing.services import invoice_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.notifications.services import email_queue
from tests.factories import SYSTEM, billing_contact, ensure_default_catalog, make_account
from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_archived_invoice_pdf_is_attached_by_the_worker(smtp_server, run_worker):
    # Given an issued invoice and an e-mail queued with it as an attachment descriptor
    ensure_default_catalog()
    account = make_account(language="en")
    invoice = invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="purchase",
        by=SYSTEM,
        issue_date=ISSUED_ON,
    )
    person = billing_contact(account)
    email = email_queue(
        kind="invoice",
        to_address=person.email,
        language="en",
        context={
            "person": person,
            "number": invoice.number,
            "total": "€83.30",
            "paid": False,
            "due_date": invoice.due_date,
        },
        attachments=[{"kind": "invoice_pdf", "id": invoice.pk}],
    )
    # Then the row holds the descriptor only, no PDF bytes
    assert OutgoingEmail.objects.get(pk=email.pk).attachments == [
        {"kind": "invoice_pdf", "id": invoice.pk}
    ]

    # When the worker delivers it
    run_worker()

    # Then it arrives at the SMTP server with the invoice PDF attached
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [person.email]
    assert message["Subject"] == f"Your Seatwise invoice {invoice.number}"
    files = list(message.iter_attachments())
    assert [(part.get_filename(), part.get_content_type()) for part in files] == [
        (f"{invoice.number}.pdf", "application/pdf")
    ]
    assert files[0].get_content().startswith(b"%PDF")
    # the archived file, the same bytes as every download of the invoice
    archived = ArchivedDocument.objects.get(invoice=invoice, format="pdf")
    assert files[0].get_content() == bytes(archived.content)


def test_unknown_attachment_kind_is_refused_and_nothing_queued():
    person = billing_contact(make_account())
    with pytest.raises(ValueError, match="unknown attachment kind"):
        email_queue(
            kind="password_reset",
            to_address=person.email,
            language="en",
            context={"person": person, "link": "x"},
            attachments=[{"kind": "passport_scan", "id": 1}],
        )
    assert OutgoingEmail.objects.count() == 0

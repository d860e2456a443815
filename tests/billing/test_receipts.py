"""Receipts: one PDF per payment, rendered once and archived; every e-mail that carries it (to
each recipient, on each retry) attaches the same bytes."""

from __future__ import annotations

import hashlib
import socket
from datetime import date

import pytest
from django.utils import timezone

from seatwise.accounts.invoice_contacts import invoice_contact_add
from seatwise.audit.models import AuditEntry
from seatwise.billing import receipts
from seatwise.billing.orders import seats_purchase
from seatwise.billing.receipts import receipt_attachment, receipt_file
from seatwise.invoicing.models import ArchivedReceipt, ImmutableDocument
from seatwise.notifications.delivery import email_deliver
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge
from tests.factories import (
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_subscription,
)
from tests.invoicing.test_documents import verify
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 11)


def paid_charge(*, invoice_contact: bool = False) -> Charge:
    """A seat purchase paid by card: its charge, whose receipt e-mails are queued."""
    ensure_default_catalog()
    ensure_eu_vat_rates()
    account = make_account(country="DE", currency="EUR", language="de")
    make_card(account, "4242424242424242")
    if invoice_contact:
        invoice_contact_add(
            account=account, name="Buchhaltung", email="buchhaltung@kunde.example", by=SYSTEM
        )
    subscription = make_subscription(account, seats=5, term_start=date(2026, 3, 1))
    purchase = seats_purchase(
        subscription=subscription, seats_to_add=2, by=SYSTEM, idempotency_key="r-1", on=ON
    )
    assert purchase.status == "completed"
    return purchase.charge


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts the receipt PDFs rendered."""
    made: list[int] = []
    real = receipts.receipt_pdf

    def counted(document):
        made.append(1)
        return real(document)

    monkeypatch.setattr(receipts, "receipt_pdf", counted)
    return made


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_recipient_and_every_retry_gets_the_receipt_rendered_once(
    settings, smtp_server, renders
):
    # Given a paid purchase of an account with an invoice contact: two receipt e-mails
    charge = paid_charge(invoice_contact=True)
    mails = list(OutgoingEmail.objects.filter(kind="receipt").order_by("pk"))
    assert [mail.to_address for mail in mails] == [
        billing_contact(charge.account).email,
        "buchhaltung@kunde.example",
    ]
    mailers = settings.MAILERS
    # When the first attempt finds the SMTP server down
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 5},
        }
    }
    assert email_deliver(email_id=mails[0].pk).verdict == "retry"
    # and both are delivered once it is back (the first one's retry is due)
    settings.MAILERS = mailers
    OutgoingEmail.objects.filter(pk=mails[0].pk).update(next_attempt_at=timezone.now())
    assert [email_deliver(email_id=mail.pk).verdict for mail in mails] == ["sent", "sent"]

    # Then the receipt was rendered once, at the first attempt, and archived
    archived = ArchivedReceipt.objects.get()
    number = f"RCT-{charge.settled_at.year}-{charge.pk:06d}"
    assert (archived.charge_id, archived.number) == (charge.pk, number)
    assert renders == [1]
    # and both recipients received those bytes
    attached = [
        [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
        for _, message in smtp_server.messages
    ]
    assert attached == [[(f"{number}.pdf", bytes(archived.content))]] * 2


def test_the_archive_is_audited_with_its_digest(renders):
    charge = paid_charge()

    first = receipt_file(charge=charge, by=SYSTEM)
    again = receipt_attachment(charge.pk)

    content = bytes(first.content)
    assert content.startswith(b"%PDF-")
    assert first.sha256 == hashlib.sha256(content).hexdigest()
    assert again.content == content
    assert renders == [1]
    entry = AuditEntry.objects.get(action="receipt.archive")
    assert (entry.account_id, entry.new) == (
        charge.account_id,
        {"number": first.number, "sha256": first.sha256, "bytes": len(content)},
    )


def test_a_copy_archived_meanwhile_by_another_worker_is_the_one_sent(monkeypatch):
    charge = paid_charge()
    real = receipts.receipt_pdf

    def twin_first(document):
        # Another worker archives its own rendering while this one renders.
        ArchivedReceipt.objects.create(
            charge=charge, number=document.number, content=b"%PDF-twin", sha256="0" * 64
        )
        return real(document)

    monkeypatch.setattr(receipts, "receipt_pdf", twin_first)

    sent = receipt_attachment(charge.pk)

    assert sent.content == b"%PDF-twin"
    assert ArchivedReceipt.objects.count() == 1
    assert not AuditEntry.objects.filter(action="receipt.archive").exists()


def test_an_archived_receipt_never_changes_and_is_never_deleted():
    archived = receipt_file(charge=paid_charge(), by=SYSTEM)

    archived.content = b"%PDF-forged"
    with pytest.raises(ImmutableDocument):
        archived.save()
    with pytest.raises(ImmutableDocument):
        archived.delete()


def test_the_chain_check_names_a_receipt_changed_after_archiving():
    archived = receipt_file(charge=paid_charge(), by=SYSTEM)
    assert verify()[0] == 0

    ArchivedReceipt.objects.filter(pk=archived.pk).update(content=b"%PDF-1.7 forged")

    code, _out, err = verify()
    assert code == 1
    assert err == (
        f"BROKEN: archive: {archived.number}.pdf was changed after archiving (SHA-256 mismatch)\n"
    )

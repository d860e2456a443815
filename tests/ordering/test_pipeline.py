"""Processing a placed service order, a purchase of the sales pipeline: invoice, charge, seats
and admin contact, payment (the receipt), e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from seatwise.accounts.invoice_contacts import invoice_contact_add
from seatwise.accounts.models import Person
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import ServiceOrder
from seatwise.ordering.pipeline import service_order_process
from seatwise.ordering.services import AdminContact, service_order_place
from seatwise.payments.models import Charge, TestGatewayCharge
from seatwise.payments.services import call_grace
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchases_resume
from seatwise.subscriptions.models import LicenseAssignment
from tests.factories import SYSTEM, billing_contact, make_person
from tests.ordering.helpers import (
    DECLINING_CARD,
    GROSS,
    NET,
    TAX,
    Corporate,
    checkout,
    corporate,
    quote_for,
    state,
)
from tests.payments.charging import reconcile_after_grace


def placed(c: Corporate, **checkout_overrides) -> ServiceOrder:
    quote = quote_for(c)
    return service_order_place(order=checkout(quote, c, **checkout_overrides), by=SYSTEM)


def resume_later() -> int:
    """The sales pipeline's resume job, once the grace of the purchase's caller has passed."""
    return purchases_resume(by=SYSTEM, now=timezone.now() + call_grace())


def seats(c: Corporate) -> tuple[int, int, int]:
    for subscription in (c.meeting, c.training, c.remote):
        subscription.refresh_from_db()
    return c.meeting.seats, c.training.seats, c.remote.seats


@pytest.mark.django_db
def test_an_order_is_charged_seated_invoiced_paid_and_confirmed_once():
    # Given a placed order for 3 + 2 seats, with a new admin contact
    c = corporate()
    order = placed(c)
    quote = order.quote

    # When it is processed, and processed again (at-least-once delivery)
    done = service_order_process(order_id=order.pk)
    after_first = state()
    service_order_process(order_id=order.pk)

    # Then it completed, exactly once
    assert state() == after_first
    assert done.status == "completed"
    assert done.completed_at is not None
    purchase = Purchase.objects.get()
    assert (purchase.kind, purchase.status, purchase.step) == (
        "service_order",
        "completed",
        "completed",
    )
    assert done.purchase == purchase
    # one charge of the quote's gross, at the gateway too, linked to the invoice
    charge = Charge.objects.get()
    assert (charge.status, charge.amount, charge.purpose) == ("succeeded", GROSS, "service_order")
    assert TestGatewayCharge.objects.get().amount == GROSS
    # the seats ordered, nothing on the product without seat expansion
    assert seats(c) == (8, 5, 2)
    # the invoice shows the quote's amounts to the cent, line by line, and is paid
    invoice = Invoice.objects.get()
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (NET, TAX, GROSS)
    assert (quote.net_total, quote.tax_total, quote.gross_total) == (NET, TAX, GROSS)
    assert list(invoice.lines.values_list("net_amount", flat=True)) == list(
        quote.lines.values_list("amount", flat=True)
    )
    assert (invoice.status, invoice.paid_amount, invoice.source) == ("paid", GROSS, "seats")
    assert (purchase.invoice_id, purchase.charge_id, charge.invoice_id) == (
        invoice.pk,
        charge.pk,
        invoice.pk,
    )
    assert (invoice.idempotency_key, charge.idempotency_key) == (
        f"purchase:{purchase.pk}:invoice",
        f"purchase:{purchase.pk}:charge:1",
    )
    assert charge.description == order.number
    # the admin contact is a new account admin holding one seat of each product of the quote
    admin = Person.objects.get(email="ada.admin@example.com")
    assert (admin.account_id, admin.is_account_admin, admin.language) == (c.account.pk, True, "en")
    assert done.admin_person_id == admin.pk
    assert sorted(
        LicenseAssignment.objects.filter(person=admin).values_list("subscription", flat=True)
    ) == sorted([c.meeting.pk, c.training.pk])
    # one confirmation to the billing contact, in German, receipt and invoice attached; the
    # new admin is invited to set a password
    contact = billing_contact(c.account)
    confirmation = OutgoingEmail.objects.get(kind="service_order_confirmation")
    assert (confirmation.to_address, confirmation.language) == (contact.email, "de")
    assert confirmation.attachments == [
        {"kind": "receipt_pdf", "id": charge.pk},
        {"kind": "invoice_pdf", "id": invoice.pk},
    ]
    assert "5.334,73" in confirmation.body_text
    assert order.number in confirmation.subject
    assert sorted(OutgoingEmail.objects.values_list("kind", "to_address")) == [
        ("invitation", "ada.admin@example.com"),
        ("service_order_confirmation", contact.email),
    ]


@pytest.mark.django_db
def test_the_invoice_contacts_get_the_invoice_and_the_receipt_in_their_language_once():
    # Given an account whose accounting is an invoice contact reading Italian
    c = corporate()
    invoice_contact_add(
        account=c.account,
        name="Contabilità",
        email="contabilita@example.com",
        language="it",
        by=SYSTEM,
    )
    order = placed(c)

    # When the order is processed, twice (at-least-once delivery)
    service_order_process(order_id=order.pk)
    service_order_process(order_id=order.pk)

    # Then the invoice contact gets the invoice and the receipt e-mails, once each, in Italian,
    # and the billing contact only the confirmation, which carries both documents
    invoice, charge = Invoice.objects.get(), Charge.objects.get()
    contact = billing_contact(c.account)
    assert sorted(
        OutgoingEmail.objects.values_list("kind", "to_address", "language", "attachments")
    ) == [
        ("invitation", "ada.admin@example.com", "en", []),
        (
            "invoice",
            "contabilita@example.com",
            "it",
            [{"kind": "invoice_pdf", "id": invoice.pk}],
        ),
        ("receipt", "contabilita@example.com", "it", [{"kind": "receipt_pdf", "id": charge.pk}]),
        (
            "service_order_confirmation",
            contact.email,
            "de",
            [{"kind": "receipt_pdf", "id": charge.pk}, {"kind": "invoice_pdf", "id": invoice.pk}],
        ),
    ]


@pytest.mark.django_db
def test_an_existing_member_as_admin_contact_is_updated_made_admin_and_seated():
    c = corporate()
    member = make_person(c.account)
    order = placed(c, admin=AdminContact("Maria", "Neu", member.email, "it"))

    service_order_process(order_id=order.pk)

    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.language) == ("Maria", "Neu", "it")
    assert member.is_account_admin is True
    assert LicenseAssignment.objects.filter(person=member).count() == 2
    assert not OutgoingEmail.objects.filter(kind="invitation").exists()


@pytest.mark.django_db
def test_an_admin_contact_already_holding_a_seat_keeps_one():
    c = corporate()
    contact = billing_contact(c.account)
    from seatwise.subscriptions.services import license_assign

    license_assign(subscription=c.meeting, person=contact, by=SYSTEM)
    order = placed(
        c, admin=AdminContact(contact.first_name, contact.last_name, contact.email, "de")
    )

    service_order_process(order_id=order.pk)

    assert LicenseAssignment.objects.filter(person=contact).count() == 2
    assert ServiceOrder.objects.get().status == "completed"


@pytest.mark.django_db
def test_a_declined_card_fails_the_order_with_the_cards_message_and_voids_its_invoice():
    c = corporate(card=DECLINING_CARD)
    order = placed(c)
    before = state()

    failed = service_order_process(order_id=order.pk)

    assert (failed.status, failed.failure_code) == ("failed", "card_declined")
    assert failed.failure_text == "The card was declined. Use another card or ask your bank."
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.step) == ("failed", "invoiced")
    # the invoice issued before the charge is voided by a credit note of its full amount
    invoice = Invoice.objects.get(kind="invoice")
    note = Invoice.objects.get(kind="credit_note")
    assert (invoice.status, invoice.gross_total, invoice.paid_amount) == ("credited", GROSS, 0)
    assert (note.corrects_id, note.gross_total, note.settlement) == (invoice.pk, GROSS, "none")
    assert purchase.void_note == note
    # nothing else: no seats, no licenses, no e-mail, the card's decline only
    after = state()
    assert after["seats"] == before["seats"]
    assert after["licenses"] == before["licenses"]
    assert after["emails"] == before["emails"] == 0
    assert Charge.objects.get().status == "declined"
    # a failed order stays failed
    assert service_order_process(order_id=order.pk).status == "failed"
    assert resume_later() == 0
    assert TestGatewayCharge.objects.count() == 1
    assert Invoice.objects.count() == 2


@pytest.mark.django_db
def test_an_unknown_charge_outcome_waits_for_the_reconciler_then_completes_once():
    from seatwise.payments.gateways.test import set_test_gateway_mode

    c = corporate()
    order = placed(c)
    set_test_gateway_mode("timeout_after_charge", times=1)

    waiting = service_order_process(order_id=order.pk)

    assert waiting.status == "processing"
    assert (Purchase.objects.get().status, Purchase.objects.get().step) == ("open", "invoiced")
    assert Charge.objects.get().status == "unknown"
    assert seats(c) == (5, 3, 2)
    assert Invoice.objects.get().status == "open"

    # The reconciler asks the gateway (never charges again); the resume job finishes the order.
    reconcile_after_grace()
    assert resume_later() == 1

    done = ServiceOrder.objects.get()
    assert done.status == "completed"
    assert TestGatewayCharge.objects.count() == 1
    assert seats(c) == (8, 5, 2)
    assert (Invoice.objects.get().gross_total, Invoice.objects.get().status) == (GROSS, "paid")


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried_by_the_resume_job_with_the_same_key():
    from seatwise.payments.gateways.test import set_test_gateway_mode

    c = corporate()
    order = placed(c)
    set_test_gateway_mode("fail", times=1)

    assert service_order_process(order_id=order.pk).status == "processing"
    assert Charge.objects.get().status == "not_attempted"
    assert TestGatewayCharge.objects.count() == 0

    assert resume_later() == 1
    assert Charge.objects.get().status == "succeeded"
    assert TestGatewayCharge.objects.count() == 1
    assert ServiceOrder.objects.get().status == "completed"
    assert seats(c) == (8, 5, 2)
    assert Invoice.objects.get().status == "paid"


@pytest.mark.django_db
def test_a_draft_is_not_processed():
    c = corporate()
    order = checkout(quote_for(c), c)
    assert service_order_process(order_id=order.pk).status == "draft"
    assert Charge.objects.count() == 0


@pytest.mark.django_db
def test_the_processing_task_runs_the_pipeline():
    from seatwise.ordering.tasks import service_order_process_task

    c = corporate()
    order = placed(c)
    assert service_order_process_task.call(order_id=order.pk) == "completed"
    assert Decimal(Invoice.objects.get().gross_total) == GROSS


@pytest.mark.django_db
def test_a_card_removed_after_placing_fails_the_order_without_charging():
    from django.utils import timezone

    from seatwise.payments.models import PaymentMethod

    c = corporate()
    order = placed(c)
    PaymentMethod.objects.filter(pk=c.card.pk).update(removed_at=timezone.now())

    failed = service_order_process(order_id=order.pk)

    assert (failed.status, failed.failure_code) == ("failed", "payment_method_removed")
    assert failed.failure_text.startswith("The card chosen for this order was removed.")
    assert Charge.objects.count() == 0
    assert seats(c) == (5, 3, 2)
    assert sorted(Invoice.objects.values_list("kind", "status")) == [
        ("credit_note", "issued"),
        ("invoice", "credited"),
    ]


@pytest.mark.django_db
def test_an_order_the_previous_version_placed_is_taken_over_by_the_pipeline():
    # Given an order placed by the previous version (a rolling upgrade): no purchase yet
    c = corporate()
    order = checkout(quote_for(c), c)
    ServiceOrder.objects.filter(pk=order.pk).update(status="received", placed_at=timezone.now())

    done = service_order_process(order_id=order.pk)

    assert done.status == "completed"
    assert done.purchase == Purchase.objects.get(status="completed", kind="service_order")
    assert seats(c) == (8, 5, 2)
    assert TestGatewayCharge.objects.count() == 1


@pytest.mark.django_db
def test_an_order_the_previous_version_began_is_not_taken_over():
    # Given an order the previous version's own pipeline left after its charge
    c = corporate()
    order = checkout(quote_for(c), c)
    ServiceOrder.objects.filter(pk=order.pk).update(
        status="processing", placed_at=timezone.now(), step="charged"
    )
    before = state()

    left = service_order_process(order_id=order.pk)

    assert (left.status, left.purchase) == ("processing", None)
    assert state() == before

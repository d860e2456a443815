"""Processing a placed service order: its plan in the sales pipeline (``sales.runner``), then a
confirmation e-mail with the receipt goes to the billing contact (the help article
add-seats-corporate).

Placing the order (``services.service_order_place``) starts its purchase, kind
``service_order`` with ``params = {"order": <id>}`` and the order's card, and enqueues the
processing task; the task and the pipeline's resume job run the purchase with
``sales.runner.purchase_run``. The runner owns the order of the steps, the locks (the purchase
first, then the order), the keys ``purchase:<id>:<step>`` and the fault hook
(``SEATWISE_PURCHASE_FAULT=service_order:<step>``); ``ServiceOrderPlan`` says what each step
does for an order, and keeps ``ServiceOrder.status`` what the portal shows:

1. ``invoiced`` — the order becomes ``processing``; the invoice is issued from the quote's own
   lines and VAT (``invoicing.services.invoice_issue``): its amounts are the quote's to the
   cent, no account credit is used (the card is charged the quote's gross), and one number is
   taken in the step's transaction, so a crash takes no number and leaves no gap.
2. ``charged`` — what the invoice has due, the quote's gross, on the order's card, at most
   once (``payments.services.charge_card``). A decline or a card removed since the order was
   placed **fails** the order with the card's decline code and message, and voids its invoice
   by a full credit note (``billing.orders.purchase_void``, the decline rule of every
   purchase); nothing else is done. A gateway that could not be reached, or an unknown
   outcome, leaves the order ``processing``: the resume job tries again under the same key
   (the gateway charges at most once per key) or reads the outcome the reconciler settled.
3. ``applied`` — each quote line's seats added to its subscription (audited), then the
   **Admin contact** created (invited to set a password) or updated, made an account admin,
   and given one seat of every product of the quote.
4. ``paid`` — the payment recorded on the invoice: the receipt (``billing.receipts``, numbered
   from the charge) exists from here on.
5. ``notified`` — the confirmation e-mail to the billing contact, in their language, with the
   receipt and the invoice PDFs attached (rendered by the worker when it delivers), queued
   once (dedupe key ``service-order:<id>:confirmation``); the account's invoice contacts get
   the invoice and the receipt e-mails every paid invoice sends them (``billing.receipts``);
   the order is ``completed`` with it.
6. ``completed`` — the purchase ends.

Public interface: ``ServiceOrderPlan``; ``service_order_process(*, order_id, by=ACTOR) ->
ServiceOrder``. Nothing here raises for a business reason: a refusal becomes a ``failed``
order.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account, Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import account_admin_grant, person_profile_update
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.orders import purchase_void
from seatwise.billing.receipts import (
    invoice_contact_recipients,
    payment_emails_queue,
    receipt_number,
)
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from seatwise.notifications.services import email_queue
from seatwise.ordering.lock_objects import service_order_lock
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.ordering.services import (
    quote_line_priced,
    quote_tax_decision,
    service_order_purchase_start,
)
from seatwise.payments.models import Charge, Refund
from seatwise.payments.selectors import charge_for_key
from seatwise.sales.models import Purchase
from seatwise.sales.plans import Outcome, PurchasePlan, purchase_invoice_charge
from seatwise.sales.runner import purchase_run, step_key
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign

logger = logging.getLogger(__name__)

ACTOR = Actor.system("ordering.pipeline")
_ORDER_FIELDS = ["status", "failure_code", "failure_message", "completed_at"]


def _lines(quote: Quote) -> list[QuoteLine]:
    return list(quote.lines.select_related("subscription__product").order_by("position"))


def _order_of(purchase: Purchase) -> ServiceOrder:
    """The purchase's order, locked (the runner holds the purchase's lock: purchase first)."""
    return service_order_lock(int(purchase.params["order"]))


def _order_status_set(order: ServiceOrder, status: str, *, by: Actor, **fields: object) -> None:
    """Move the locked order to ``status`` (with ``fields``), audited; an order already there
    is left as it is."""
    if order.status == status:
        return
    old = snapshot(order, ["status"])
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=_ORDER_FIELDS)
    audit_record(
        by=by,
        action=f"service_order.{status}",
        obj=order,
        account_id=order.account_id,
        old=old,
        new={
            **snapshot(order, ["status", "failure_code"]),
            "purchase": order.purchase_id,
        },
    )


class ServiceOrderPlan(PurchasePlan):
    """A corporate service order: the invoice of its quote, charged on the order's card, the
    seats and the admin contact, the confirmation with the receipt (see the module
    docstring)."""

    kind = Purchase.Kind.SERVICE_ORDER

    def invoice(self, purchase: Purchase, *, by: Actor) -> None:
        order = _order_of(purchase)
        _order_status_set(order, ServiceOrder.Status.PROCESSING, by=by)
        quote = Quote.objects.get(pk=order.quote_id)
        purchase.invoice = invoice_issue(
            account=purchase.account,
            lines=[quote_line_priced(line, quote.currency) for line in _lines(quote)],
            tax=quote_tax_decision(quote),
            source=Invoice.Source.SEATS,
            by=by,
            idempotency_key=step_key(purchase, "invoice"),
            issue_date=timezone.localdate(),
            # The card is charged the quote's gross: no account credit is used here, it is
            # left for the account's next invoice.
            apply_credit=False,
        )

    def charge(self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor) -> Charge:
        assert purchase.payment_method is not None
        order = ServiceOrder.objects.only("number").get(pk=int(purchase.params["order"]))
        return purchase_invoice_charge(
            purchase,
            purchase.payment_method,
            key=key,
            amount=amount,
            by=by,
            description=order.number,
        )

    def outcome(self, made: Charge | Refund) -> Outcome:
        # The customer placed the order and left: a gateway that could not be reached is
        # tried again (by the resume job) under the same key, never given up for that.
        if isinstance(made, Charge) and made.status == Charge.Status.NOT_ATTEMPTED:
            return "waiting"
        return super().outcome(made)

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        purchase.status = Purchase.Status.FAILED
        if purchase.invoice is not None:
            purchase.void_note = purchase_void(
                invoice=purchase.invoice, key=step_key(purchase, "void"), by=by
            )
        code = purchase.failure_code
        if isinstance(charge, Charge) and charge.status == Charge.Status.DECLINED:
            code = charge.decline_code or "card_declined"
        order = _order_of(purchase)
        _order_status_set(
            order,
            ServiceOrder.Status.FAILED,
            by=by,
            failure_code=code[:64],
            failure_message=purchase.failure_message[:500],
        )
        logger.info("service order %s failed: %s", order.number, code)

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        order = _order_of(purchase)
        quote = Quote.objects.get(pk=order.quote_id)
        lines = _lines(quote)
        for line in lines:
            held = subscription_lock(line.subscription_id)
            old = snapshot(held, ["seats"])
            held.seats += line.quantity
            held.save(update_fields=["seats"])
            audit_record(
                by=by,
                action="subscription.seats_add",
                obj=held,
                account_id=held.account_id,
                old=old,
                new={
                    **snapshot(held, ["seats"]),
                    "service_order": order.number,
                    "charge": purchase.charge_id,
                },
            )
        _admin_contact(order, lines, by=by)

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        order = _order_of(purchase)
        invoice = purchase.invoice
        assert invoice is not None
        assert purchase.charge_id is not None
        _confirmation_queue(
            order, account=purchase.account, invoice=invoice, charge_id=purchase.charge_id
        )
        # The billing contact has both documents in the confirmation; the invoice contacts
        # (the accounting's addresses) get them as for every other paid invoice.
        invoice_contacts = invoice_contact_recipients(invoice)
        if invoice_contacts:
            payment_emails_queue(
                invoice=invoice, charge=purchase.charge, recipients=invoice_contacts
            )
        _order_status_set(order, ServiceOrder.Status.COMPLETED, by=by, completed_at=timezone.now())


def _admin_person(
    order: ServiceOrder, account: Account, subscriptions: list[Subscription], *, by: Actor
) -> Person | None:
    """Create (invited, with the seats) or update the admin contact; make them account admin."""
    from seatwise.subscriptions.invitations import person_invite

    person = Person.objects.filter(email__iexact=order.admin_email).first()
    if person is None:
        invite = {
            "account": account,
            "email": order.admin_email,
            "first_name": order.admin_first_name,
            "last_name": order.admin_last_name,
            "language": order.admin_language,
            "notify": False,
            "by": by,
        }
        try:
            person = person_invite(product_subscriptions=subscriptions, **invite)  # type: ignore[arg-type]
        except ServiceError:
            # Not a free seat of every product any more: invite them without; the seats
            # still free are assigned one by one below.
            person = person_invite(product_subscriptions=[], **invite)  # type: ignore[arg-type]
    elif person.account_id != account.pk or not person.is_active:
        # The address went to another account after the checkout checked it: the order is
        # paid, so it completes; the billing admin names an admin in the Admin Center.
        logger.warning("service order %s: admin contact not in the account", order.number)
        return None
    else:
        person = person_profile_update(
            person=person,
            first_name=order.admin_first_name,
            last_name=order.admin_last_name,
            language=order.admin_language,
            by=by,
        )
    return account_admin_grant(person=person, by=by)


def _admin_contact(order: ServiceOrder, lines: list[QuoteLine], *, by: Actor) -> None:
    """The admin contact, made an account admin holding a seat of every product of the quote
    (the seats were added just before, in the same step)."""
    account = Account.objects.get(pk=order.account_id)
    subscriptions = list(
        Subscription.objects.filter(
            pk__in=[line.subscription_id for line in lines], status__in=LIVE_STATUSES
        ).select_related("product")
    )
    person = _admin_person(order, account, subscriptions, by=by)
    if person is not None:
        held = set(
            LicenseAssignment.objects.filter(
                person=person, subscription__in=subscriptions
            ).values_list("subscription_id", flat=True)
        )
        for subscription in subscriptions:
            if subscription.pk in held:
                continue
            try:
                license_assign(subscription=subscription, person=person, by=by)
            except ServiceError as refusal:
                # Someone took the new seats in between; the order stays paid and done.
                logger.warning(
                    "service order %s: no seat of %s for the admin contact (%s)",
                    order.number,
                    subscription.product.name,
                    refusal.code,
                )
    order.admin_person_id = person.pk if person else None
    order.save(update_fields=["admin_person_id"])


def _confirmation_queue(
    order: ServiceOrder, *, account: Account, invoice: Invoice, charge_id: int
) -> None:
    contact = billing_contact_of(account)
    if contact is None:
        return
    quote = Quote.objects.get(pk=order.quote_id)
    charge = Charge.objects.select_related("payment_method").get(pk=charge_id)
    language = contact.language

    def money(amount: object) -> str:
        return format_money(amount, quote.currency, language)  # type: ignore[arg-type]

    email_queue(
        kind="service_order_confirmation",
        to_address=contact.email,
        to_person_id=contact.pk,
        account_id=account.pk,
        language=language,
        context={
            "person": contact,
            "order_number": order.number,
            "quote_number": quote.number,
            "invoice_number": invoice.number,
            "receipt_number": receipt_number(charge),
            "lines": [
                {"product": line.product_name, "quantity": line.quantity} for line in _lines(quote)
            ],
            "net_total": money(invoice.net_total),
            "tax_total": money(invoice.tax_total),
            "gross_total": money(invoice.gross_total),
            "method": charge.payment_method.masked,
            "admin_name": f"{order.admin_first_name} {order.admin_last_name}",
            "admin_email": order.admin_email,
        },
        dedupe_key=f"service-order:{order.pk}:confirmation",
        attachments=[
            {"kind": "receipt_pdf", "id": charge.pk},
            {"kind": "invoice_pdf", "id": invoice.pk},
        ],
    )


def _legacy_adopt(order_id: int, *, by: Actor) -> bool:
    """An order the previous version placed, its task run by this one (a rolling upgrade):
    start its purchase, unless that version began processing it (a step done, or its charge
    made under its own key), which only that version can finish without charging twice."""
    account_id = ServiceOrder.objects.values_list("account_id", flat=True).get(pk=order_id)
    with transaction.atomic():
        account_lock(account_id)  # the checkout's lock order: account, then the order
        order = service_order_lock(order_id)
        if order.purchase_id is not None:
            return True
        if order.status not in (ServiceOrder.Status.RECEIVED, ServiceOrder.Status.PROCESSING):
            return False
        if order.step or charge_for_key(f"service-order:{order.pk}:charge") is not None:
            logger.error(
                "service order %s: begun by the previous version (step %r), not taken over",
                order.number,
                order.step,
            )
            return False
        quote = Quote.objects.get(pk=order.quote_id)
        service_order_purchase_start(order=order, currency=quote.currency, by=by)
    return True


def service_order_process(*, order_id: int, by: Actor = ACTOR) -> ServiceOrder:
    """Run the remaining steps of a placed order's purchase; the order as it stands after.

    Safe to call again at any time, concurrently too (the runner does each step once): a
    draft, or an order whose purchase has ended, is returned as it is. Call it outside
    ``transaction.atomic()``: the charge must be committed before the gateway is called.
    """
    order = ServiceOrder.objects.select_related("purchase").get(pk=order_id)
    if order.purchase is None and order.is_placed and _legacy_adopt(order_id, by=by):
        order = ServiceOrder.objects.select_related("purchase").get(pk=order_id)
    # The order is completed with its confirmation (``notified``); its purchase still ends.
    if order.purchase is not None and order.purchase.status == Purchase.Status.OPEN:
        try:
            purchase_run(order.purchase.pk, by=by)
        except ServiceError as refusal:
            # The card was refused before the gateway was called (removed since the order was
            # placed): the runner failed the purchase, and the plan the order.
            logger.info("service order %s: %s", order.number, refusal.code)
        order.refresh_from_db()
    return order

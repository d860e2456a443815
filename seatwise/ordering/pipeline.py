"""Processing a placed service order: in the background, then a confirmation e-mail with the
receipt goes to the billing contact (the help article add-seats-corporate).

``service_order_process(*, order_id) -> ServiceOrder`` runs these steps in order. Each is
idempotent and commits together with ``order.step`` naming it, under the order's row lock, so
a worker killed at any point and run again (or two workers at once) does each step once:

1. ``charged`` — the quote's gross on the order's card, through
   ``payments.services.charge_card`` with the key ``service-order:<id>:charge``: the gateway
   charges at most once per key, and a retry asks the gateway about an attempt whose outcome
   is unknown instead of charging again. A decline fails the order (status ``failed``, the
   card's decline code and message) and nothing else is done. An unknown outcome or an
   unreachable gateway leaves the order ``processing`` at this step: once the payments
   reconciler has settled the charge, ``service_orders_resume`` runs it again with the same key.
2. ``seats_added`` — each quote line's seats added to its subscription (audited).
3. ``admin_contact`` — the **Admin contact** created (invited to set a password) or updated,
   made an account admin, and given one seat of every product of the quote.
4. ``invoiced`` — the invoice issued from the quote's own lines and VAT
   (``invoicing.services.invoice_issue``, key ``service-order:<id>:invoice``): its amounts are
   the quote's to the cent, and one number is taken, in the same transaction as the step, so a
   crash takes no number and leaves no gap.
5. ``paid`` — the charge linked to the invoice and the payment recorded on it: the receipt
   (``billing.receipts``, numbered from the charge) exists from here on.
6. ``emailed`` — the confirmation e-mail to the billing contact, in their language, with the
   receipt and the invoice PDFs attached (rendered by the worker when it delivers), queued
   once (dedupe key ``service-order:<id>:confirmation``).
7. ``completed``.

Public interface: ``service_order_process(*, order_id) -> ServiceOrder``;
``service_orders_resume(*, older_than: timedelta, by=ACTOR) -> int`` (the orders finished);
``STEPS``; ``FAULT_ENV``; ``charge_key(order)`` / ``invoice_key(order)`` (idempotency keys).
Nothing here raises for a business reason: a refusal becomes a ``failed`` order.

**Fault hook** (tests and drills only): when the environment variable
``SEATWISE_ORDER_FAULT`` names a step, the process kills itself with SIGKILL right after that
step has committed, as a crash at the worst moment would. It does nothing when unset.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from seatwise.accounts.models import Account, Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import account_admin_grant, person_profile_update
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.receipts import receipt_number
from seatwise.core.errors import ServiceError
from seatwise.core.money import format_money
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue, invoice_record_payment
from seatwise.notifications.services import email_queue
from seatwise.ordering.lock_objects import service_order_lock
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.ordering.services import quote_line_priced, quote_tax_decision
from seatwise.payments.lock_objects import charge_lock
from seatwise.payments.models import Charge
from seatwise.payments.services import charge_card
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import LIVE_STATUSES, LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign

logger = logging.getLogger(__name__)

ACTOR = Actor.system("ordering.pipeline")
STEPS = ("charged", "seats_added", "admin_contact", "invoiced", "paid", "emailed", "completed")
FAULT_ENV = "SEATWISE_ORDER_FAULT"
CHARGE_PURPOSE = "service_order"


def charge_key(order: ServiceOrder) -> str:
    return f"service-order:{order.pk}:charge"


def invoice_key(order: ServiceOrder) -> str:
    return f"service-order:{order.pk}:invoice"


def _done(order: ServiceOrder, step: str) -> bool:
    return bool(order.step) and STEPS.index(order.step) >= STEPS.index(step)


def _fault_point(step: str) -> None:
    """The fault hook: see the module docstring."""
    if os.environ.get(FAULT_ENV) == step:
        logger.warning("%s=%s: killing the process after this step", FAULT_ENV, step)
        os.kill(os.getpid(), signal.SIGKILL)


def _recorded(value: int | None) -> int:
    """An id an earlier step recorded on the order (the step order guarantees it is set)."""
    if value is None:
        raise RuntimeError("a service order step ran before the step it depends on")
    return value


def _order_lock(order_id: int) -> ServiceOrder:
    return service_order_lock(order_id)


def _step_record(order: ServiceOrder, step: str, **fields: object) -> None:
    """Mark ``step`` done on the locked order (inside the step's transaction), audited."""
    for name, value in fields.items():
        setattr(order, name, value)
    order.step = step
    if step == "completed":
        order.status = ServiceOrder.Status.COMPLETED
        order.completed_at = timezone.now()
    order.save(update_fields=["step", "status", "completed_at", *fields])
    audit_record(
        by=ACTOR,
        action=f"service_order.{step}",
        obj=order,
        account_id=order.account_id,
        new={**snapshot(order, ["status", "step"]), **{k: str(v) for k, v in fields.items()}},
    )


def _fail(order_id: int, *, code: str, message: str) -> ServiceOrder:
    with transaction.atomic():
        order = _order_lock(order_id)
        if order.status in {ServiceOrder.Status.COMPLETED, ServiceOrder.Status.FAILED}:
            return order
        old = snapshot(order, ["status"])
        order.status = ServiceOrder.Status.FAILED
        order.failure_code = code[:64]
        order.failure_message = message[:500]
        order.save(update_fields=["status", "failure_code", "failure_message"])
        audit_record(
            by=ACTOR,
            action="service_order.fail",
            obj=order,
            account_id=order.account_id,
            old=old,
            new=snapshot(order, ["status", "step", "failure_code", "failure_message"]),
        )
    logger.info("service order %s failed: %s", order.number, code)
    return order


def _lines(quote: Quote) -> list[QuoteLine]:
    return list(quote.lines.select_related("subscription__product").order_by("position"))


# --- The steps ------------------------------------------------------------------------------


def _charge(order: ServiceOrder, quote: Quote) -> Charge | None:
    """Step 1. The charge when it succeeded (step recorded); None when the order failed or the
    outcome is not known yet."""
    try:
        charge = charge_card(
            account=order.account,
            payment_method=order.payment_method,
            amount=quote.gross_total,
            currency=quote.currency,
            idempotency_key=charge_key(order),
            purpose=CHARGE_PURPOSE,
            by=ACTOR,
            description=order.number,
        )
    except ServiceError as refusal:
        # The card was removed after the order was placed, or the like: nothing was charged.
        _fail(order.pk, code=refusal.code, message=str(refusal.message))
        return None
    if charge.status == Charge.Status.DECLINED:
        _fail(order.pk, code=charge.decline_code or "card_declined", message=charge.message)
        return None
    if charge.status != Charge.Status.SUCCEEDED:
        logger.info("service order %s: charge %s, waiting", order.number, charge.status)
        return None
    with transaction.atomic():
        locked = _order_lock(order.pk)
        if not _done(locked, "charged"):
            _step_record(locked, "charged", charge_id=charge.pk)
    _fault_point("charged")
    return charge


def _seats_add(order_id: int, quote: Quote) -> None:
    with transaction.atomic():
        order = _order_lock(order_id)
        if _done(order, "seats_added"):
            return
        for line in _lines(quote):
            held = subscription_lock(line.subscription_id)
            old = snapshot(held, ["seats"])
            held.seats += line.quantity
            held.save(update_fields=["seats"])
            audit_record(
                by=ACTOR,
                action="subscription.seats_add",
                obj=held,
                account_id=held.account_id,
                old=old,
                new={
                    **snapshot(held, ["seats"]),
                    "service_order": order.number,
                    "charge": order.charge_id,
                },
            )
        _step_record(order, "seats_added")
    _fault_point("seats_added")


def _admin_person(
    order: ServiceOrder, account: Account, subscriptions: list[Subscription]
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
            "by": ACTOR,
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
            by=ACTOR,
        )
    return account_admin_grant(person=person, by=ACTOR)


def _admin_contact(order_id: int, quote: Quote) -> None:
    with transaction.atomic():
        order = _order_lock(order_id)
        if _done(order, "admin_contact"):
            return
        account = Account.objects.get(pk=order.account_id)
        subscriptions = list(
            Subscription.objects.filter(
                pk__in=[line.subscription_id for line in _lines(quote)], status__in=LIVE_STATUSES
            ).select_related("product")
        )
        person = _admin_person(order, account, subscriptions)
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
                    license_assign(subscription=subscription, person=person, by=ACTOR)
                except ServiceError as refusal:
                    # Someone took the new seats in between; the order stays paid and done.
                    logger.warning(
                        "service order %s: no seat of %s for the admin contact (%s)",
                        order.number,
                        subscription.product.name,
                        refusal.code,
                    )
        _step_record(order, "admin_contact", admin_person_id=person.pk if person else None)
    _fault_point("admin_contact")


def _invoice(order_id: int, quote: Quote) -> None:
    with transaction.atomic():
        order = _order_lock(order_id)
        if _done(order, "invoiced"):
            return
        account = Account.objects.get(pk=order.account_id)
        invoice = invoice_issue(
            account=account,
            lines=[quote_line_priced(line, quote.currency) for line in _lines(quote)],
            tax=quote_tax_decision(quote),
            source=Invoice.Source.SEATS,
            by=ACTOR,
            idempotency_key=invoice_key(order),
            issue_date=timezone.localdate(),
            # The card was charged the quote's gross before: no account credit is used here.
            apply_credit=False,
        )
        _step_record(order, "invoiced", invoice_id=invoice.pk)
    _fault_point("invoiced")


def _pay(order_id: int) -> None:
    with transaction.atomic():
        order = _order_lock(order_id)
        if _done(order, "paid"):
            return
        charge = charge_lock(_recorded(order.charge_id))
        if charge.invoice_id is None:
            # Payments never import invoicing; the orchestration that pays an invoice links
            # the two (payments.models.Charge), so the receipt names the invoice.
            charge.invoice_id = order.invoice_id
            charge.save(update_fields=["invoice_id"])
            audit_record(
                by=ACTOR,
                action="payment.charge_link_invoice",
                obj=charge,
                account_id=charge.account_id,
                new={"invoice_id": order.invoice_id, "service_order": order.number},
            )
        invoice = invoice_lock(_recorded(order.invoice_id))
        if invoice.status == Invoice.Status.OPEN:
            invoice_record_payment(
                invoice=invoice, amount=charge.amount, reference=f"charge:{charge.pk}", by=ACTOR
            )
        _step_record(order, "paid")
    _fault_point("paid")


def _email(order_id: int, quote: Quote) -> None:
    with transaction.atomic():
        order = _order_lock(order_id)
        if _done(order, "emailed"):
            return
        account = Account.objects.get(pk=order.account_id)
        contact = billing_contact_of(account)
        invoice = Invoice.objects.get(pk=_recorded(order.invoice_id))
        charge = Charge.objects.select_related("payment_method").get(pk=_recorded(order.charge_id))
        if contact is not None:
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
                        {"product": line.product_name, "quantity": line.quantity}
                        for line in _lines(quote)
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
        _step_record(order, "emailed")
    _fault_point("emailed")


def _complete(order_id: int) -> ServiceOrder:
    with transaction.atomic():
        order = _order_lock(order_id)
        if not _done(order, "completed"):
            _step_record(order, "completed")
    _fault_point("completed")
    return order


# --- The pipeline ---------------------------------------------------------------------------


def service_order_process(*, order_id: int) -> ServiceOrder:
    """Run the steps of a placed order that are not done yet (see the module docstring).

    Safe to call again at any time, concurrently too: a draft, completed or failed order is
    returned as it is; otherwise the missing steps run, each once.
    """
    order = ServiceOrder.objects.select_related("account", "payment_method").get(pk=order_id)
    if order.status not in {ServiceOrder.Status.RECEIVED, ServiceOrder.Status.PROCESSING}:
        return order
    if order.status == ServiceOrder.Status.RECEIVED:
        with transaction.atomic():
            locked = _order_lock(order_id)
            if locked.status == ServiceOrder.Status.RECEIVED:
                locked.status = ServiceOrder.Status.PROCESSING
                locked.save(update_fields=["status"])
                audit_record(
                    by=ACTOR,
                    action="service_order.processing",
                    obj=locked,
                    account_id=locked.account_id,
                    old={"status": "received"},
                    new={"status": "processing"},
                )
        order.refresh_from_db(fields=["status", "step"])
    quote = Quote.objects.get(pk=order.quote_id)
    if not _done(order, "charged") and _charge(order, quote) is None:
        return ServiceOrder.objects.get(pk=order_id)
    _seats_add(order_id, quote)
    _admin_contact(order_id, quote)
    _invoice(order_id, quote)
    _pay(order_id)
    _email(order_id, quote)
    _complete(order_id)
    return ServiceOrder.objects.get(pk=order_id)


def service_orders_resume(*, older_than: timedelta, by: Actor = ACTOR) -> int:
    """Process again every placed order not finished ``older_than`` after it was placed: one
    whose worker was killed, or whose charge waited for the payments reconciler. Each step is
    idempotent, so an order another worker is still processing is safe. Returns how many
    orders completed or failed in this run."""
    cutoff = timezone.now() - older_than
    ids = list(
        ServiceOrder.objects.filter(
            status__in=[ServiceOrder.Status.RECEIVED, ServiceOrder.Status.PROCESSING],
            placed_at__lte=cutoff,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    finished = 0
    for order_id in ids:
        try:
            order = service_order_process(order_id=order_id)
        except Exception:
            logger.exception("service order %s could not be processed", order_id)
            continue
        finished += order.status in {ServiceOrder.Status.COMPLETED, ServiceOrder.Status.FAILED}
    logger.info("resumed %s service orders, %s finished (by %s)", len(ids), finished, by.label)
    return finished

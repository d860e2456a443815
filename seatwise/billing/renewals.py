"""Renewals and dunning: the scheduled job that renews due subscriptions.

``renewals_run(on=…)`` takes every live subscription whose term ended on or before ``on`` and
that renews automatically, in keyset batches, and for each:

- **pending cancellation** → ``cancelled`` at term end, nothing invoiced;
- otherwise the **renewal invoice** of the next term (``term_line`` at today's catalog price),
  idempotency key ``renewal:<subscription id>:<term end>``: one invoice per term, however often
  the job runs, is killed or restarted. It is issued on the day it is made (today), never on the
  term start: a run that comes late (a job down for days, a catch-up with an earlier ``on``)
  issues today's invoice, numbered in today's year and due 14 days from today, so that no
  invoice is back-dated into a period whose numbers and VAT returns are closed. Its VAT is the
  account's on that day (the renewal is paid in advance, when it is invoiced: the day the VAT
  falls due, as for the exchange rate of ``invoice_issue``). Its line is still the new term,
  ``[term end, next term end)``: the service period. It applies the changes scheduled for the
  renewal (``billing.changes``): the plan is ``pending_plan`` when set (a downgrade or an
  interval change; its term length decides the new term end), and the seats are
  ``max(renewal_seats, seats_assigned)`` when a reduction is set (nobody loses a license by it),
  else the current seats. ``billing.changes`` refuses to alter them once the term has ended, so
  the renewal applies exactly what its invoice charged;
- its **charge** on the default card, key ``renewal:<id>:<term end>:charge:<try>``: one charge
  per try. The try number is ``dunning_attempts + 1``, and ``dunning_attempts`` advances only
  after a try's outcome is recorded, so a crashed run repeats the same key and the gateway is
  not charged again (``payments.services.charge_card``);
- on **success**, in one transaction: the payment on the invoice, the term advanced (guarded:
  only if ``term_end`` is still the old one, so a second run renews nothing more), the renewal's
  plan and seats applied with the price per seat the invoice charged
  (``Subscription.term_unit_amount``) and the scheduled changes cleared, the dunning state
  cleared, the invoice and receipt e-mails queued;
- on **decline** (or no card): the invoice stays open, ``dunning_attempts`` + 1 and the next
  try on ``term_end`` + 1, + 3, + 7 days (``RETRY_DAYS``), a ``payment_failed`` e-mail to the
  billing contact; a failed last try suspends the subscription;
- on an **unknown** outcome: nothing; the reconciler settles the charge and the next run, with
  the same key, reads the settled outcome.

The renewal invoice uses the account's open credit (credit notes settled by set-off) at issue:
the card is charged what is due, the gross less that credit, and not at all when the credit
paid the invoice in full (then the term advances with the invoice e-mail and no receipt).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.receipts import payment_emails_queue
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import price_of
from seatwise.core.money import format_money, quantize
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import invoice_issue, invoice_record_payment
from seatwise.notifications.services import email_queue
from seatwise.payments.models import Charge
from seatwise.payments.selectors import charge_for_key, default_payment_method
from seatwise.payments.services import charge_card
from seatwise.pricing.lines import term_line
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import term_end_for

logger = logging.getLogger(__name__)

# Days after the term end of the tries that follow a failed first charge; after the last one
# fails, the subscription is suspended.
RETRY_DAYS = (1, 3, 7)
BATCH_SIZE = 100
DUNNING_FIELDS = ["status", "dunning_attempts", "next_retry_on"]
RENEWAL_FIELDS = [
    "plan",
    "seats",
    "pending_plan",
    "renewal_seats",
    "term_start",
    "term_end",
    "term_unit_amount",
    *DUNNING_FIELDS,
]
Outcome = Literal["renewed", "cancelled", "declined", "suspended", "waiting", "skipped"]


def _due(*, on: date) -> Q:
    return Q(term_end__lte=on) & (
        Q(status=Subscription.Status.PENDING_CANCELLATION)
        | Q(status=Subscription.Status.ACTIVE, auto_renew=True)
    )


def renewals_run(*, on: date, by: Actor) -> int:
    """Renew (or cancel, or dun) every subscription due on ``on``; the number renewed.

    Safe to run again, concurrently, or after a crash: see the module docstring.
    """
    renewed = 0
    after = 0
    while True:
        ids = list(
            Subscription.objects.filter(_due(on=on), pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return renewed
        after = ids[-1]
        for subscription_id in ids:
            try:
                outcome = subscription_renew(subscription_id=subscription_id, on=on, by=by)
            except Exception:
                # One subscription's failure (a missing price, a VAT rate) must not stop the
                # run; it is logged and tried again by the next run.
                logger.exception("renewal of subscription %s failed", subscription_id)
                continue
            renewed += outcome == "renewed"


def subscription_renew(*, subscription_id: int, on: date, by: Actor) -> Outcome:
    """Renew one subscription if it is due on ``on`` (see the module docstring)."""
    subscription = (
        Subscription.objects.select_related("account", "plan", "product", "pending_plan")
        .filter(_due(on=on), pk=subscription_id)
        .first()
    )
    if subscription is None:
        return "skipped"
    if subscription.status == Subscription.Status.PENDING_CANCELLATION:
        return _cancel_at_term_end(subscription=subscription, by=by)
    if subscription.next_retry_on is not None and subscription.next_retry_on > on:
        return "waiting"
    term_end = subscription.term_end
    invoice = _renewal_invoice(subscription=subscription, by=by)
    attempt = subscription.dunning_attempts + 1
    charge_key = f"renewal:{subscription.pk}:{term_end.isoformat()}:charge:{attempt}"
    if invoice.status == Invoice.Status.CREDITED:
        logger.warning("renewal invoice %s was credited: not charged", invoice.number)
        return "skipped"
    if invoice.status == Invoice.Status.PAID:
        # The account's credit (or a payment made meanwhile) paid the invoice: no charge.
        return _renewed(subscription=subscription, invoice=invoice, charge=None, by=by)
    charge = _renewal_charge(invoice=invoice, key=charge_key, by=by)
    if charge is not None and charge.status == Charge.Status.SUCCEEDED:
        return _renewed(subscription=subscription, invoice=invoice, charge=charge, by=by)
    if charge is None or charge.status == Charge.Status.DECLINED:
        return _declined(
            subscription=subscription, invoice=invoice, charge=charge, attempt=attempt, by=by
        )
    return "waiting"  # unknown or not attempted: the same key is tried again next run


def renewal_plan(subscription: Subscription) -> Plan:
    """The plan of the next term: the one scheduled for the renewal, else the current one."""
    return subscription.pending_plan or subscription.plan


def renewal_seats(subscription: Subscription) -> int:
    """The seats of the next term: a scheduled reduction, but never below the seats assigned
    at renewal time; else the current seats."""
    if subscription.renewal_seats is None:
        return subscription.seats
    return max(subscription.renewal_seats, subscription.seats_assigned, 1)


def _renewal_invoice(*, subscription: Subscription, by: Actor) -> Invoice:
    """The invoice of the next term: issued today, for the service period of the new term
    (see the module docstring); the one issued before under the term's key, if any."""
    key = f"renewal:{subscription.pk}:{subscription.term_end.isoformat()}"
    issued = Invoice.objects.filter(idempotency_key=key).first()
    if issued is not None:
        return issued
    account = subscription.account
    start = subscription.term_end
    today = timezone.localdate()
    plan = renewal_plan(subscription)
    unit_amount = price_of(plan=plan, currency=account.currency)
    if unit_amount is None:
        raise ValueError(f"plan {plan.code} has no price in {account.currency}")
    line = term_line(
        unit_amount=unit_amount,
        seats=renewal_seats(subscription),
        currency=account.currency,
        term_start=start,
        term_end=term_end_for(plan=plan, term_start=start),
        plan_code=plan.code,
    )
    return invoice_issue(
        account=account,
        lines=[line],
        tax=account_tax_decision(account=account, on=today),
        source=Invoice.Source.RENEWAL,
        by=by,
        idempotency_key=key,
        issue_date=today,
    )


def _renewal_charge(*, invoice: Invoice, key: str, by: Actor) -> Charge | None:
    """The try's charge; None when the account has no card to charge (counts as a decline)."""
    charge = charge_for_key(key)
    if charge is not None and charge.is_settled:
        return charge
    method = (
        charge.payment_method
        if charge is not None
        else default_payment_method(account_id=invoice.account_id)
    )
    if method is None or not method.is_automatic or method.removed_at is not None:
        return None
    return charge_card(
        account=invoice.account,
        payment_method=method,
        # What is due now: the gross less the account credit the invoice used at issue and
        # any payment made since (Pay Now during the retries).
        amount=charge.amount if charge is not None else invoice_amount_due(invoice),
        currency=invoice.currency,
        idempotency_key=key,
        purpose="renewal",
        by=by,
        invoice_id=invoice.pk,
        description=invoice.number,
    )


def _renewed(
    *, subscription: Subscription, invoice: Invoice, charge: Charge | None, by: Actor
) -> Outcome:
    """Record the payment (``charge``; None when the invoice was paid without one) and advance
    the term, once. Lock order: invoice, subscription."""
    old_end = subscription.term_end
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        held = subscription_lock(subscription.pk)
        unpaid = Invoice.Status.OPEN if charge is not None else Invoice.Status.PAID
        if held.term_end != old_end or locked.status != unpaid:
            return "skipped"  # renewed by another run meanwhile
        paid = (
            invoice_record_payment(
                invoice=locked, amount=charge.amount, reference=f"charge:{charge.pk}", by=by
            )
            if charge is not None
            else locked
        )
        old = snapshot(held, RENEWAL_FIELDS)
        # The plan, seats and price the invoice charged: its one whole-term line holds the
        # seats and, per seat, the price the new term is sold at; the plan is the scheduled
        # one (frozen since the term ended, see billing.changes).
        quantity, net_amount = locked.lines.values_list("quantity", "net_amount").get()
        invoiced_seats = int(quantity)
        plan = renewal_plan(held)
        held.plan = plan
        held.term_unit_amount = quantize(net_amount / quantity, locked.currency)
        # Licenses assigned since the invoice was issued keep their seats.
        held.seats = max(invoiced_seats, held.seats_assigned)
        held.pending_plan = None
        held.renewal_seats = None
        held.term_start = old_end
        held.term_end = term_end_for(plan=plan, term_start=old_end)
        held.dunning_attempts = 0
        held.next_retry_on = None
        held.save(update_fields=[name for name in RENEWAL_FIELDS if name != "status"])
        audit_record(
            by=by,
            action="subscription.renew",
            obj=held,
            account_id=held.account_id,
            old=old,
            new={
                **snapshot(held, RENEWAL_FIELDS),
                "invoice": paid.number,
                "charge": charge.pk if charge is not None else None,
            },
        )
        payment_emails_queue(invoice=paid, charge=charge)
    return "renewed"


def _declined(
    *,
    subscription: Subscription,
    invoice: Invoice,
    charge: Charge | None,
    attempt: int,
    by: Actor,
) -> Outcome:
    """Count the failed try, schedule the next or suspend, and tell the billing contact."""
    with transaction.atomic():
        held = subscription_lock(subscription.pk)
        if held.term_end != subscription.term_end or held.dunning_attempts != attempt - 1:
            return "skipped"  # this try was already counted by another run
        old = snapshot(held, DUNNING_FIELDS)
        held.dunning_attempts = attempt
        last = attempt > len(RETRY_DAYS)
        if last:
            held.status = Subscription.Status.SUSPENDED
            held.next_retry_on = None
        else:
            held.next_retry_on = held.term_end + timedelta(days=RETRY_DAYS[attempt - 1])
        held.save(update_fields=DUNNING_FIELDS)
        audit_record(
            by=by,
            action="subscription.suspend" if last else "subscription.renewal_declined",
            obj=held,
            account_id=held.account_id,
            old=old,
            new={
                **snapshot(held, DUNNING_FIELDS),
                "invoice": invoice.number,
                "charge": charge.pk if charge else None,
            },
        )
        _payment_failed_email(
            subscription=held, invoice=invoice, charge=charge, attempt=attempt, suspended=last
        )
    return "suspended" if last else "declined"


def _payment_failed_email(
    *,
    subscription: Subscription,
    invoice: Invoice,
    charge: Charge | None,
    attempt: int,
    suspended: bool,
) -> None:
    contact = billing_contact_of(subscription.account)
    if contact is None:  # pragma: no cover - every account has one (accounts invariant)
        return
    language = contact.language
    email_queue(
        kind="payment_failed",
        to_address=contact.email,
        to_person_id=contact.pk,
        account_id=subscription.account_id,
        language=language,
        context={
            "person": contact,
            "product": str(subscription.product),
            "amount": format_money(invoice.gross_total, invoice.currency, language),
            "method": charge.payment_method.masked if charge else _("your card on file"),
            "reason": charge.message if charge else _("There is no card on file to charge."),
            "suspended": suspended,
            "retry_on": subscription.next_retry_on,
        },
        dedupe_key=f"renewal:{subscription.pk}:{subscription.term_end.isoformat()}:failed:{attempt}",
    )


def _cancel_at_term_end(*, subscription: Subscription, by: Actor) -> Outcome:
    with transaction.atomic():
        held = subscription_lock(subscription.pk)
        if held.status != Subscription.Status.PENDING_CANCELLATION:
            return "skipped"
        old = snapshot(held, ["status"])
        held.status = Subscription.Status.CANCELLED
        held.save(update_fields=["status"])
        audit_record(
            by=by,
            action="subscription.cancel",
            obj=held,
            account_id=held.account_id,
            old=old,
            new=snapshot(held, ["status"]),
        )
    return "cancelled"

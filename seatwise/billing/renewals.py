"""Renewals and dunning: the daily job that renews due subscriptions, a kind of purchase of
the sales pipeline (``sales.runner``; ``RenewalPlan``).

The bill run, ``renewals_bill(on=…)`` (the daily job), takes every live subscription whose
term ended on or before ``on`` and that renews automatically, in keyset batches
(``settings.SEATWISE_BILL_RUN_BATCH``, 500), and:

- a subscription **pending cancellation** is ``cancelled`` at term end, nothing invoiced;
- for the others it **starts their purchases set-based**: one ``Purchase`` of kind
  ``renewal`` per subscription and term, key ``renewal:<subscription id>:<term end>``, params
  ``{"subscription": id, "term_end": iso date}``, stored in one INSERT for the batch: a
  second run, a restarted or a concurrent one finds the same purchases, so a term is renewed
  once however often the job runs;
- and runs their ``invoiced`` step in the **same transaction**
  (``sales.runner.purchases_start_and_run``: the purchases just stored are not read again;
  ``RenewalPlan.invoice_many`` issues the batch's invoices together, their numbers taken as
  one block under one counter lock); a crash leaves a batch either untouched or started and
  invoiced. If one of them cannot be issued, a missing price say, the batch is started alone
  (``sales.runner.purchases_start_many``) and issued one purchase at a time
  (``sales.runner.steps_run``), and that one is logged and tried again by the next run;
- then it **hands the purchases over to the workers**, ``RUN_BATCH`` per task
  (``sales.tasks.purchases_run_task``, enqueued once the batch has committed), which run
  their remaining steps, charge first, in parallel; except those waiting for their next try
  (``Subscription.next_retry_on`` after ``on``), which the resume job brings back that day.
  The run itself never calls the gateway, so its speed is the database's (``make bench``,
  B4), and the charges' is the gateway's times the workers;
- last, it hands over the renewal purchases a crash left open after their term advanced.

``renewals_run(on=…)`` is the same run with the purchases run in its own process, one after
the other (a catch-up from the command line; the tests).

The steps of a renewal, each once (``sales.runner``: keys ``purchase:<id>:<step>[:<try>]``):

- **invoiced**: the invoice of the next term (``term_line`` at today's catalog price). It is
  issued on the day it is made (today), never on the term start: a run that comes late (a job
  down for days, a catch-up with an earlier ``on``) issues today's invoice, numbered in
  today's year and due 14 days from today, so that no invoice is back-dated into a period
  whose numbers and VAT returns are closed. Its VAT is the account's on that day (the renewal
  is paid in advance, when it is invoiced: the day the VAT falls due, as for the exchange rate
  of ``invoice_issue``). Its line is still the new term, ``[term end, next term end)``: the
  service period. It applies the changes scheduled for the renewal (``billing.changes``): the
  plan is ``pending_plan`` when set (a downgrade or an interval change; its term length
  decides the new term end), and the seats are ``max(renewal_seats, seats_assigned)`` when a
  reduction is set (nobody loses a license by it), else the current seats.
  ``billing.changes`` refuses to alter them once the term has ended, so the renewal applies
  exactly what its invoice charged. The invoice uses the account's open credit (credit notes
  settled by set-off) at issue;
- **charged**: what the invoice still has due (the gross less that credit and any payment
  made since, Pay Now during the retries), on the account's default automatic card read at
  each try (a card replaced during the dunning is the one the next try charges), key
  ``purchase:<id>:charge:<try>``; nothing when nothing is due (the credit paid it in full);
  no card counts as a decline; nothing either when the invoice is paid otherwise (its
  payment means, the account's Payment Profile at issue: bank transfer, check, direct debit),
  and then the invoice stays open until its due date while the term renews (a direct debit is
  collected on that date, ``billing.direct_debits``);
- a **decline** is the dunning: the invoice stays open, ``Subscription.dunning_attempts`` is
  the tries failed so far and the next try is on ``term_end`` + 1, + 3, + 7 days
  (``RETRY_DAYS``, ``Subscription.next_retry_on``, shown by the portals; the purchase resumes
  at the start of that day, by ``sales.runner.purchases_resume`` or this job), with a
  ``payment_failed`` e-mail to the billing contact; a failed last try suspends the
  subscription and fails the purchase (the invoice stays open, for Pay Now);
- **applied**: the term advanced (guarded: only if ``term_end`` is still the purchase's, so
  nothing renews a term twice), the renewal's plan and seats applied with the price per seat
  the invoice charged (``Subscription.term_unit_amount``), the scheduled changes and the
  dunning state cleared; an invoice that customer service credited before anything was paid
  renews nothing, nor does a subscription cancelled or suspended during the dunning (nothing
  is charged then; the purchase fails, the subscription is left as it is);
- **paid**: the charge recorded on the invoice; **notified**: the invoice and receipt e-mails
  (no receipt when the credit paid it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.invoice_payments import invoice_amount_in_flight
from seatwise.billing.receipts import payment_emails_queue
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import price_of
from seatwise.core.money import format_money, quantize
from seatwise.core.tasking import enqueue_many_on_commit
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import InvoiceRequest, invoices_issue_many
from seatwise.notifications.services import email_queue
from seatwise.payments.models import Charge, Refund
from seatwise.payments.selectors import charge_for_key, default_payment_method
from seatwise.pricing.lines import term_line
from seatwise.sales.models import Purchase
from seatwise.sales.plans import PurchasePlan
from seatwise.sales.runner import (
    NewPurchase,
    purchases_run,
    purchases_start_and_run,
    purchases_start_many,
    step_key,
    steps_run,
)
from seatwise.sales.tasks import purchases_run_task
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.services import term_end_for

logger = logging.getLogger(__name__)

# Days after the term end of the tries that follow a failed first charge; after the last one
# fails, the subscription is suspended.
RETRY_DAYS = (1, 3, 7)
# Purchases per task when the bill run hands its renewals over to the workers.
RUN_BATCH = 20
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
# The renewal purchases a crash may leave open after the term advanced (finished by the run).
_AFTER_APPLIED = ("applied", "paid", "notified")


def _due(*, on: date) -> Q:
    return Q(term_end__lte=on) & (
        Q(status=Subscription.Status.PENDING_CANCELLATION)
        | Q(status=Subscription.Status.ACTIVE, auto_renew=True)
    )


def renewal_key(subscription: Subscription | _Due) -> str:
    """The key of the purchase that renews the subscription's current term."""
    return f"renewal:{subscription.pk}:{subscription.term_end.isoformat()}"


class _Due(NamedTuple):
    """What the bill run reads of a due subscription (a row, not a model: a batch reads
    thousands)."""

    pk: int
    status: str
    account_id: int
    term_end: date
    next_retry_on: date | None
    currency: str


def _due_batch(*, on: date, after: int, size: int) -> list[_Due]:
    fields = ("pk", "status", "account_id", "term_end", "next_retry_on", "account__currency")
    rows = (
        Subscription.objects.filter(_due(on=on), pk__gt=after)
        .order_by("pk")
        .values_list(*fields)[:size]
    )
    return [_Due(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class BillRun:
    """What a bill run did: the renewals it invoiced and the subscriptions it cancelled, and
    the renewal purchases whose remaining steps (charge, apply, e-mails) are due now."""

    invoiced: int
    cancelled: int
    to_run: list[int]


def renewals_bill(*, on: date, by: Actor, hand_over: bool = True) -> BillRun:
    """The bill run: cancel, start and invoice every subscription due on ``on``, set-based
    (see the module docstring); no gateway is called. With ``hand_over`` the purchases it
    leaves due are handed to workers (``sales.tasks.purchases_run_task``, ``RUN_BATCH`` per
    task, enqueued once their batch has committed), which charge them in parallel.

    Safe to run again, concurrently, or after a crash. Call it outside
    ``transaction.atomic()``: each batch commits on its own.
    """
    batch_size = settings.SEATWISE_BILL_RUN_BATCH
    invoiced = cancelled = 0
    to_run: list[int] = []
    after = 0
    while True:
        batch = _due_batch(on=on, after=after, size=batch_size)
        if not batch:
            break
        after = batch[-1].pk
        renewing: list[_Due] = []
        for subscription in batch:
            if subscription.status != Subscription.Status.PENDING_CANCELLATION:
                renewing.append(subscription)
                continue
            try:
                cancelled += _cancel_at_term_end(subscription.pk, by=by)
            except Exception:
                logger.exception("cancellation of subscription %s failed", subscription.pk)
        count, due = _renewals_batch(renewing, on=on, by=by)
        invoiced += count
        if hand_over:
            _hand_over(due)
        to_run.extend(due)
    # The renewal purchases a crash left open after their term advanced (their subscription
    # is no longer due, so the batches do not find them).
    handed = set(to_run)
    after = 0
    while True:
        ids = list(
            Purchase.objects.filter(
                kind=Purchase.Kind.RENEWAL,
                status=Purchase.Status.OPEN,
                step__in=_AFTER_APPLIED,
                pk__gt=after,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        after = ids[-1]
        ids = [purchase_id for purchase_id in ids if purchase_id not in handed]
        if hand_over:
            _hand_over(ids)
        to_run.extend(ids)
    return BillRun(invoiced=invoiced, cancelled=cancelled, to_run=to_run)


def renewals_run(*, on: date, by: Actor) -> int:
    """The bill run (``renewals_bill``) with its purchases run here, one after the other,
    instead of by workers; the number renewed (their purchases completed). For a one-off
    catch-up from the command line, and the tests."""
    run = renewals_bill(on=on, by=by, hand_over=False)
    ran = purchases_run(run.to_run, by=by)
    return sum(purchase.status == Purchase.Status.COMPLETED for purchase in ran)


def _hand_over(purchase_ids: list[int]) -> None:
    enqueue_many_on_commit(
        purchases_run_task,
        [
            {"purchase_ids": purchase_ids[first : first + RUN_BATCH]}
            for first in range(0, len(purchase_ids), RUN_BATCH)
        ],
    )


def _renewals_batch(subscriptions: list[_Due], *, on: date, by: Actor) -> tuple[int, list[int]]:
    """Start and invoice the renewals of one batch in one transaction
    (``sales.runner.purchases_start_and_run``: the purchases just stored are not read again);
    if that fails (a missing price, a VAT rate), the batch is started alone and invoiced one
    purchase at a time, so that one renewal's failure does not stop the others (it is logged
    and tried again by the next run). How many it invoiced, and the purchases whose remaining
    steps are due (not those waiting for their next try)."""
    new = [
        NewPurchase(
            account_id=subscription.account_id,
            key=renewal_key(subscription),
            params={"subscription": subscription.pk, "term_end": subscription.term_end.isoformat()},
            currency=subscription.currency,
        )
        for subscription in subscriptions
    ]
    try:
        # RenewalPlan.invoice_many reads the subscriptions and accounts it needs set-based.
        purchases, ran = purchases_start_and_run(
            "invoiced", kind=Purchase.Kind.RENEWAL, new=new, by=by, accounts=False
        )
        invoiced = len(ran)
    except Exception:
        logger.exception("renewal invoices of a batch: issued one at a time")
        purchases = purchases_start_many(kind=Purchase.Kind.RENEWAL, new=new, by=by)
        invoiced = _invoices_issue_one_by_one(
            [p.pk for p in purchases if p.next_step == "invoiced"], by=by
        )
    retry_on = {subscription.pk: subscription.next_retry_on for subscription in subscriptions}
    due: list[int] = []
    for purchase in purchases:
        waits_until = retry_on.get(int(purchase.params["subscription"]))
        if purchase.status == Purchase.Status.OPEN and not (waits_until and waits_until > on):
            due.append(purchase.pk)
    return invoiced, due


def _invoices_issue_one_by_one(purchase_ids: list[int], *, by: Actor) -> int:
    """The ``invoiced`` step of each purchase in a transaction of its own; how many it
    invoiced."""
    invoiced = 0
    for purchase_id in purchase_ids:
        try:
            invoiced += len(steps_run("invoiced", [purchase_id], by=by))
        except Exception:
            logger.exception("renewal purchase %s: not invoiced, tried again", purchase_id)
    return invoiced


def renewal_plan(subscription: Subscription) -> Plan:
    """The plan of the next term: the one scheduled for the renewal, else the current one."""
    return subscription.pending_plan or subscription.plan


def renewal_seats(subscription: Subscription) -> int:
    """The seats of the next term: a scheduled reduction, but never below the seats assigned
    at renewal time; else the current seats."""
    if subscription.renewal_seats is None:
        return subscription.seats
    return max(subscription.renewal_seats, subscription.seats_assigned, 1)


def _renewal_request(
    *, subscription: Subscription, key: str, today: date | None = None
) -> InvoiceRequest:
    """The invoice of the next term: issued today (``today``: the batch's day, read once),
    for the service period of the new term (see the module docstring)."""
    account = subscription.account
    start = subscription.term_end
    today = today or timezone.localdate()
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
    return InvoiceRequest(
        account=account,
        lines=[line],
        tax=account_tax_decision(account=account, on=today),
        source=Invoice.Source.RENEWAL,
        idempotency_key=key,
        issue_date=today,
    )


def _subscription_id(purchase: Purchase) -> int:
    return int(purchase.params["subscription"])


def _term_end(purchase: Purchase) -> date:
    return date.fromisoformat(purchase.params["term_end"])


def _renewable(subscription: Subscription) -> bool:
    return subscription.status == Subscription.Status.ACTIVE and subscription.auto_renew


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class RenewalPlan(PurchasePlan):
    """A subscription's next term: invoiced on the run day, charged on the default automatic
    card, retried on the dunning days, applied once paid (see the module docstring)."""

    kind = Purchase.Kind.RENEWAL

    def invoice(self, purchase: Purchase, *, by: Actor) -> None:
        self.invoice_many([purchase], by=by)

    def invoice_many(self, purchases: list[Purchase], *, by: Actor) -> None:
        """The batch's renewal invoices, in the step's one transaction: issued together
        (``invoicing.services.invoices_issue_many``: one block of numbers, set-based
        inserts)."""
        subscriptions = Subscription.objects.select_related("account").in_bulk(
            [_subscription_id(purchase) for purchase in purchases]
        )
        # A batch renews a few plans: read once, not joined to every row.
        plans = Plan.objects.in_bulk(
            {s.plan_id for s in subscriptions.values()}
            | {s.pending_plan_id for s in subscriptions.values() if s.pending_plan_id}
        )
        for subscription in subscriptions.values():
            subscription.plan = plans[subscription.plan_id]
            if subscription.pending_plan_id:
                subscription.pending_plan = plans[subscription.pending_plan_id]
        # A renewal invoice issued before renewals were purchases (key ``renewal:<id>:<term
        # end>``, the purchase's key): the purchase takes it over rather than issue another.
        earlier = {
            invoice.idempotency_key: invoice
            for invoice in Invoice.objects.filter(
                idempotency_key__in=[purchase.key for purchase in purchases]
            )
        }
        to_issue: list[Purchase] = []
        for purchase in purchases:
            subscription = subscriptions[_subscription_id(purchase)]
            if subscription.term_end != _term_end(purchase):
                raise ValueError(f"renewal purchase {purchase.pk}: the term is no longer due")
            # The dunning goes on where it stands (a subscription dunned before the pipeline).
            purchase.tries = max(purchase.tries, subscription.dunning_attempts + 1)
            purchase.invoice = earlier.get(purchase.key)
            if purchase.invoice is None:
                to_issue.append(purchase)
        today = timezone.localdate()
        issued = invoices_issue_many(
            [
                _renewal_request(
                    subscription=subscriptions[_subscription_id(purchase)],
                    key=step_key(purchase, "invoice"),
                    today=today,
                )
                for purchase in to_issue
            ],
            by=by,
        )
        for purchase, invoice in zip(to_issue, issued, strict=True):
            purchase.invoice = invoice

    def amount_due(self, purchase: Purchase) -> Decimal | None:
        """What the invoice still has due; nothing for a subscription that no longer renews
        (cancelled or suspended during the dunning); not now (None) while another payment of
        the invoice is in flight (a Pay Now during the dunning: this try waits for its outcome,
        and then charges what it left, or nothing). It also takes the card of this try: the
        account's default automatic card now (a card replaced during the dunning is the one
        charged next); none means no charge, a decline for the runner."""
        if not _renewable(Subscription.objects.get(pk=_subscription_id(purchase))):
            return Decimal("0.00")  # nothing charged; the apply step ends it
        assert purchase.invoice is not None  # the first step
        if purchase.invoice.payment_means.get("type", "card") != "card":
            # Paid by the customer (bank transfer, check) or debited under the mandate, as the
            # invoice says (its Payment Profile at issue): no card is charged, the invoice is
            # left open until its due date and the term renews.
            return Decimal("0.00")
        if invoice_amount_in_flight(purchase.invoice) > 0:
            return None
        method = default_payment_method(account_id=purchase.account_id)
        if method is not None and not method.is_automatic:
            method = None
        if purchase.payment_method_id != (method.pk if method is not None else None):
            purchase.payment_method = method
            Purchase.objects.filter(pk=purchase.pk).update(payment_method=method)
        return super().amount_due(purchase)

    def charge(self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor) -> Charge:
        earlier = charge_for_key(key)
        if earlier is not None:
            # An outcome still unknown: asked about with the card and amount it was sent with.
            purchase.payment_method = earlier.payment_method
            amount = earlier.amount
        made = super().charge(purchase, key=key, amount=amount, by=by)
        assert isinstance(made, Charge)
        return made

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        """The dunning: count the failed try, schedule the next (``resume_at``) or suspend
        the subscription and fail the purchase, and tell the billing contact."""
        charge = charge if isinstance(charge, Charge) else None  # a renewal only charges
        attempt = purchase.tries
        last = attempt > len(RETRY_DAYS)
        held = subscription_lock(_subscription_id(purchase))
        if held.term_end == _term_end(purchase):
            old = snapshot(held, DUNNING_FIELDS)
            held.dunning_attempts = attempt
            if last:
                held.status = Subscription.Status.SUSPENDED
                held.next_retry_on = None
            else:
                held.next_retry_on = held.term_end + timedelta(days=RETRY_DAYS[attempt - 1])
            held.save(update_fields=DUNNING_FIELDS)
            invoice = purchase.invoice
            assert invoice is not None
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
                subscription=held,
                invoice=invoice,
                charge=charge,
                key=step_key(purchase, "failed", attempt),
                suspended=last,
            )
        if last or held.next_retry_on is None:
            purchase.status = Purchase.Status.FAILED
        else:
            purchase.tries = attempt + 1
            purchase.resume_at = _day_start(held.next_retry_on)

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        """The term advanced, once, with the plan, seats and price its invoice charged."""
        invoice = purchase.invoice
        assert invoice is not None
        old_end = _term_end(purchase)
        held = subscription_lock(_subscription_id(purchase))
        if purchase.charge_id is None and (
            invoice.status == Invoice.Status.CREDITED or not _renewable(held)
        ):
            # Nothing was charged, and customer service credited the invoice or the
            # subscription ended during the dunning: nothing renews.
            logger.warning("renewal purchase %s: not renewed", purchase.pk)
            purchase.status = Purchase.Status.FAILED
            purchase.failure_code = (
                "invoice_credited"
                if invoice.status == Invoice.Status.CREDITED
                else "subscription_not_renewing"
            )
            purchase.resume_at = None
            return
        if held.term_end != old_end:
            logger.warning("renewal purchase %s: term renewed already", purchase.pk)
            return
        old = snapshot(held, RENEWAL_FIELDS)
        # The plan, seats and price the invoice charged: its one whole-term line holds the
        # seats and, per seat, the price the new term is sold at; the plan is the scheduled
        # one (frozen since the term ended, see billing.changes).
        quantity, net_amount = invoice.lines.values_list("quantity", "net_amount").get()
        plan = renewal_plan(held)
        held.plan = plan
        held.term_unit_amount = quantize(net_amount / quantity, invoice.currency)
        # Licenses assigned since the invoice was issued keep their seats.
        held.seats = max(int(quantity), held.seats_assigned)
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
                "invoice": invoice.number,
                "charge": purchase.charge_id,
            },
        )

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        assert purchase.invoice is not None
        payment_emails_queue(invoice=purchase.invoice, charge=purchase.charge)


def _payment_failed_email(
    *,
    subscription: Subscription,
    invoice: Invoice,
    charge: Charge | None,
    key: str,
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
        dedupe_key=key,
    )


def _cancel_at_term_end(subscription_id: int, *, by: Actor) -> bool:
    with transaction.atomic():
        held = subscription_lock(subscription_id)
        if held.status != Subscription.Status.PENDING_CANCELLATION:
            return False
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
    return True

"""Finishing purchases whose payment outcome was unknown: an unknown outcome is settled by a
reconciler that asks the gateway, never by charging again.

A seat purchase or a plan upgrade whose charge timed out is left ``processing``: its invoice
stays open and the subscription unchanged. The payments reconciler
(``payments.reconcile.charges_reconcile``) later asks the gateway and records the charge's
real outcome; ``purchases_settle`` (run every minute by ``purchases_settle_task``) then
finishes each such purchase exactly as a retry with the same key would:

- charge **succeeded** → the purchase is completed, once (``orders.purchase_complete``: the
  invoice paid, the seats added or the plan switched, the e-mails queued; a purchase
  completed already, by the customer's retry, is left alone);
- charge **declined** or **not attempted** → the decline rule: the invoice is voided by a full
  credit note, nothing else changes (``orders.purchase_void``);
- charge still **unknown** or **pending** → left for a later run;
- **no charge** at all ``STRAY_AFTER`` after the invoice was issued (the purchase crashed
  between its first two steps) → voided too: nothing was charged, and a retry with the same
  key finds the voided invoice and charges nothing (online accounts only: a corporate service
  order's invoice is its own pipeline's, see ``ordering.pipeline``).

What a charge paid for is its ``purpose``: ``seats:<subscription>:<seats>`` or
``plan_change:<subscription>:<plan>`` (written by ``billing.orders`` and ``billing.changes``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.billing.changes import PLAN_CHANGE_PURPOSE, plan_change_complete
from seatwise.billing.orders import (
    PURCHASE_SOURCES,
    SEATS_PURPOSE,
    keys_of_invoice,
    purchase_charge_status,
    purchase_void,
    seats_purchase_complete,
)
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge
from seatwise.payments.selectors import charge_for_key

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# An open purchase invoice with no charge this long after its issue: its purchase crashed.
STRAY_AFTER = timedelta(minutes=10)


def purchases_settle(*, by: Actor) -> int:
    """Complete or void every open purchase invoice whose charge is settled; the number of
    purchases finished. Idempotent, and safe next to the customer's own retries."""
    finished = 0
    after = 0
    while True:
        invoices = list(
            Invoice.objects.filter(
                kind=Invoice.Kind.INVOICE,
                source__in=PURCHASE_SOURCES,
                status=Invoice.Status.OPEN,
                pk__gt=after,
            )
            .select_related("account")
            .order_by("pk")[:BATCH_SIZE]
        )
        if not invoices:
            return finished
        after = invoices[-1].pk
        for invoice in invoices:
            try:
                finished += _settle(invoice=invoice, by=by)
            except Exception:
                # One purchase's failure must not stop the others; the next run tries again.
                logger.exception("settling purchase invoice %s failed", invoice.pk)


@dataclass(frozen=True, slots=True)
class _Intent:
    kind: str
    subscription_id: int
    value: int  # seats added, or the new plan's id


def _intent(charge: Charge) -> _Intent | None:
    """What a Billing Center purchase's charge pays for; None for any other charge (a
    Corporate Billing Portal service order's invoice also has a seats source, and is left to
    its own pipeline)."""
    kind, _sep, rest = charge.purpose.partition(":")
    subscription_id, _sep, value = rest.partition(":")
    if kind not in (SEATS_PURPOSE, PLAN_CHANGE_PURPOSE):
        return None
    if not (subscription_id.isdigit() and value.isdigit()):
        return None
    return _Intent(kind=kind, subscription_id=int(subscription_id), value=int(value))


def _settle(*, invoice: Invoice, by: Actor) -> bool:
    keys = keys_of_invoice(invoice)
    if keys is None:
        return False
    charge = charge_for_key(keys.charge)
    if charge is None:
        if (
            invoice.account.kind != Account.Kind.ONLINE
            or timezone.now() - invoice.created_at < STRAY_AFTER
        ):
            return False  # not a Billing Center purchase, or still on its way to the gateway
        return purchase_void(invoice=invoice, keys=keys, by=by) is not None
    intent = _intent(charge)
    if intent is None:
        return False
    status = purchase_charge_status(charge)
    if status == "processing":
        return False
    if status != "completed":
        return purchase_void(invoice=invoice, keys=keys, by=by) is not None
    if intent.kind == SEATS_PURPOSE:
        done = seats_purchase_complete(
            invoice=invoice,
            charge=charge,
            subscription_id=intent.subscription_id,
            seats=intent.value,
            by=by,
        )
    else:
        done = plan_change_complete(
            invoice=invoice,
            charge=charge,
            subscription_id=intent.subscription_id,
            plan_id=intent.value,
            by=by,
        )
    return done is not None

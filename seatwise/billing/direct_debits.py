"""**SEPA direct debits**: an invoice whose payment means is a SEPA direct debit (recorded when
it was issued, ``invoicing.payment_means``) is debited under the mandate it names on its due
date, as its PDF and e-invoice promise ("The amount of each invoice is debited from this
account on its due date").

The daily job, ``direct_debits_collect(on=…)`` (``billing.tasks.direct_debits_collect_task``),
takes every open invoice (not paid, not credited) whose payment means is ``direct_debit`` and
whose due date is ``on`` or earlier (a run missed is caught up by the next one), in keyset
batches, and for each one that has no direct debit yet:

- reads the mandate as something to charge (``payments.profiles.mandate_payment_method``: a
  ``PaymentMethod`` of kind ``sepa_debit`` holding the gateway's token of the bank account;
  the IBAN stays with the gateway). None when the account's Payment Profile no longer holds
  the mandate the invoice names: nothing is debited under a withdrawn mandate;
- starts one purchase of kind ``direct_debit`` for the invoice, key ``direct_debit:<invoice
  id>``, under the invoice's lock, so that twin runs start it once and a second run finds it:
  **an invoice is debited by one purchase, once**;
- runs it through the sales pipeline (``sales.runner``), outside any transaction.

The steps of a direct debit (``DirectDebitPlan``, Pay Now with the mandate as its means):

- **charged**: what the invoice still has due now, debited through the gateway's ``charge``
  with the bank account's token, key ``purchase:<id>:charge:<try>``, checked again under the
  invoice's lock in the transaction that inserts the charge (as Pay Now's, so a Pay Now of the
  same invoice at the same instant cannot take the same amount). While another payment of the
  invoice is in flight the step waits; nothing due any more (paid meanwhile) debits nothing;
- a **decline** (the bank refused or returned it) fails the purchase: it is not tried again
  automatically (the same account would most likely refuse it again, with return fees). The
  invoice stays open, and the billing contact is e-mailed in their language
  (``direct_debit_failed``): what happened, the amount, and that Pay Now in the Corporate
  Billing Portal's Invoice History pays it; an audit entry (``invoice.direct_debit_failed``)
  records it beside the pipeline's ``purchase.declined``. So does a mandate withdrawn since
  the invoice was issued. A gateway that could not be reached (nothing sent) is tried again
  the next day, under the next try's key, up to ``UNREACHABLE_TRIES`` times;
- an **unknown outcome** (the gateway did not answer in time) leaves the purchase open: the
  reconciler (``payments.reconcile``) asks the gateway, the resume job records its answer;
  nothing is debited twice (one key per try, and the gateway never charges a key twice);
- **paid**: the payment recorded on the invoice, as Pay Now records it; **notified**: the
  receipt e-mail (PDF attached) to the billing contact and the invoice contacts.

A debit the bank returns after the gateway reported it succeeded (SEPA allows it for weeks)
is not reported by the gateways Seatwise speaks to; customer service credits or corrects it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.selectors import billing_contact_of
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.billing.invoice_payments import (
    PayNowPlan,
    invoice_amount_in_flight,
    invoice_charge,
)
from seatwise.core.money import format_money
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.notifications.services import email_queue
from seatwise.payments.messages import debit_decline_message
from seatwise.payments.models import Charge, Refund
from seatwise.payments.profiles import mandate_payment_method
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchase_start, purchases_run

logger = logging.getLogger(__name__)

DIRECT_DEBIT = "direct_debit"
FAILED_EMAIL = "direct_debit_failed"
BATCH_SIZE = 100
# Tries of a debit whose gateway could not be reached (nothing was sent), one a day.
UNREACHABLE_TRIES = 3
# The runner's failure code when the purchase has no payment method: here, no mandate.
_NO_METHOD = "no_automatic_payment_method"
MANDATE_WITHDRAWN = "mandate_withdrawn"


def direct_debit_key(invoice: Invoice) -> str:
    """The key of the one purchase that debits ``invoice``."""
    return f"direct_debit:{invoice.pk}"


@dataclass(frozen=True, slots=True)
class DebitRun:
    """What a run did: the direct debits it started, and how many of them were collected."""

    started: int
    collected: int


def direct_debits_collect(*, on: date, by: Actor) -> DebitRun:
    """Debit every open direct-debit invoice due on ``on`` or before, once (see the module
    docstring). Safe to run again, concurrently, or after a crash. Call it outside
    ``transaction.atomic()``: each debit is committed before the gateway is called."""
    started = collected = 0
    after = 0
    while True:
        ids = list(
            _due(on=on)
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return DebitRun(started=started, collected=collected)
        after = ids[-1]
        purchase_ids = [
            purchase_id
            for invoice_id in ids
            if (purchase_id := _start(invoice_id, by=by)) is not None
        ]
        started += len(purchase_ids)
        ran = purchases_run(purchase_ids, by=by)
        collected += sum(
            purchase.status == Purchase.Status.COMPLETED and purchase.charge_id is not None
            for purchase in ran
        )


def _due(*, on: date) -> QuerySet[Invoice]:
    """The open direct-debit invoices due on ``on`` or before that no direct debit took up."""
    taken = Purchase.objects.filter(kind=Purchase.Kind.DIRECT_DEBIT, invoice_id=OuterRef("pk"))
    return Invoice.objects.filter(
        Q(due_date__lte=on) | Q(due_date__isnull=True, issue_date__lte=on),
        kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.OPEN,
        payment_means__type=DIRECT_DEBIT,
    ).exclude(Exists(taken))


def _start(invoice_id: int, *, by: Actor) -> int | None:
    """Start the invoice's direct debit; its purchase's id, None when another run started it
    (that run debits it)."""
    invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
    method = mandate_payment_method(
        account=invoice.account,
        mandate_reference=str(invoice.payment_means.get("mandate_reference", "")),
        by=by,
    )
    with transaction.atomic():
        locked = invoice_lock(invoice.pk)
        if locked.status != Invoice.Status.OPEN:
            return None
        purchase, new = purchase_start(
            kind=Purchase.Kind.DIRECT_DEBIT,
            account=invoice.account,
            key=direct_debit_key(locked),
            params={"invoice": locked.pk},
            currency=locked.currency,
            payment_method=method,
            invoice=locked,
            by=by,
        )
    return purchase.pk if new else None


class DirectDebitPlan(PayNowPlan):
    """A direct debit of an invoice under its mandate (see the module docstring): Pay Now's
    steps, with what is due as the amount, the mandate as the means, and a decline told to the
    billing contact."""

    kind = Purchase.Kind.DIRECT_DEBIT

    def amount_due(self, purchase: Purchase) -> Decimal | None:
        invoice = purchase.invoice
        assert invoice is not None  # a direct debit collects its invoice
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.OPEN:
            return Decimal("0.00")  # paid or credited meanwhile: nothing is debited
        if invoice_amount_in_flight(invoice) > 0:
            return None  # a Pay Now still in flight: look again once it is settled
        return invoice_amount_due(invoice)

    def charge(self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor) -> Charge:
        mandate = purchase.payment_method
        assert mandate is not None
        return invoice_charge(purchase, mandate, key=key, amount=amount, by=by)

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        charge = charge if isinstance(charge, Charge) else None  # a direct debit only charges
        if charge is None and purchase.payment_method_id is not None:
            # Refused before the gateway was called: another payment of the invoice came first
            # (its status or its in-flight amount changed). Looked at again tomorrow: by then
            # it is paid (nothing to debit) or still due (debited).
            purchase.resume_at = timezone.now() + timedelta(days=1)
            return
        if (
            charge is not None
            and charge.status == Charge.Status.NOT_ATTEMPTED
            and purchase.tries < UNREACHABLE_TRIES
        ):
            purchase.tries += 1
            purchase.resume_at = timezone.now() + timedelta(days=1)
            return
        if charge is None:
            purchase.failure_code = MANDATE_WITHDRAWN
        purchase.status = Purchase.Status.FAILED
        invoice = invoice_lock(purchase.invoice_id) if purchase.invoice_id else None
        assert invoice is not None
        due = invoice_amount_due(invoice)
        audit_record(
            by=by,
            action="invoice.direct_debit_failed",
            obj=invoice,
            account_id=invoice.account_id,
            new={
                "invoice": invoice.number,
                "amount": str(charge.amount if charge is not None else due),
                "charge": charge.pk if charge is not None else None,
                "failure_code": purchase.failure_code,
                "mandate_reference": invoice.payment_means.get("mandate_reference", ""),
            },
        )
        _failed_email(invoice=invoice, charge=charge, amount_due=due)

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        if purchase.charge is not None:  # None: paid otherwise meanwhile, nothing debited
            super().notify(purchase, by=by)


def _failed_email(*, invoice: Invoice, charge: Charge | None, amount_due: Decimal) -> None:
    """The billing contact is told, in their language, that the debit failed and how to pay."""
    contact = billing_contact_of(invoice.account)
    if contact is None:  # pragma: no cover - every account has one (accounts invariant)
        return
    language = contact.language or invoice.account.language
    reason: Promise
    if charge is None:
        reason = _(
            "The direct debit mandate this invoice names is no longer on your Payment Profile."
        )
    elif charge.status == Charge.Status.DECLINED:
        reason = debit_decline_message(decline_code=charge.decline_code)
    else:
        reason = _("The payment service could not be reached: nothing was debited.")
    email_queue(
        kind=FAILED_EMAIL,
        to_address=contact.email,
        to_person_id=contact.pk,
        account_id=invoice.account_id,
        language=language,
        context={
            "person": contact,
            "number": invoice.number,
            "amount": format_money(
                charge.amount if charge is not None else amount_due, invoice.currency, language
            ),
            "account": invoice.payment_means.get("debited_account", ""),
            "mandate_reference": invoice.payment_means.get("mandate_reference", ""),
            "reason": reason,
        },
        dedupe_key=f"{FAILED_EMAIL}:{invoice.pk}",
    )

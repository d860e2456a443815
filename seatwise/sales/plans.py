"""What a kind of purchase does in each step: its plan.

The runner (``sales.runner``) owns the order of the steps, the locks, the keys, the records
and the audit entries; a plan only supplies what is particular to its kind: its invoice, the
amount to charge, its effect, what a decline means, and whom to tell. The plans are named in
the setting ``SEATWISE_PURCHASE_PLANS`` (kind → dotted path of the class), so the apps that
sell (``billing``, ``ordering``) sit above this one, and a new kind of purchase is one class
and one line of settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import ClassVar, Literal

from django.conf import settings
from django.utils.module_loading import import_string

from seatwise.audit.actors import Actor
from seatwise.invoicing.lock_objects import invoice_lock
from seatwise.invoicing.selectors import invoice_amount_due
from seatwise.invoicing.services import invoice_record_payment
from seatwise.payments.models import Charge, PaymentMethod, Refund
from seatwise.payments.selectors import charge_for_key
from seatwise.payments.services import charge_card
from seatwise.sales.models import Purchase

ZERO = Decimal("0.00")
Outcome = Literal["succeeded", "declined", "waiting"]


class PurchasePlan:
    """The default plan of a card purchase: charge what the invoice has due on the purchase's
    card, record the payment. Every step method is called by the runner in the step's
    transaction, with the purchase locked, and may change the purchase's fields (the runner
    saves them with the step); ``charge`` is the exception: it runs outside any transaction.
    """

    kind: ClassVar[str]
    # The gateway call of the ``charged`` step, which names its key: ``charge`` or ``refund``.
    money_step: ClassVar[str] = "charge"
    # Give up (the decline rule) a purchase that never reached the gateway this long after it
    # started: its caller crashed before the charge, and was never told it went through.
    abandon_after: ClassVar[timedelta | None] = None

    def invoice(self, purchase: Purchase, *, by: Actor) -> None:
        """Step ``invoiced``: issue the purchase's invoice and set ``purchase.invoice``."""

    def invoice_many(self, purchases: list[Purchase], *, by: Actor) -> None:
        """Step ``invoiced`` for a batch, in one transaction (a plan may do it set-based)."""
        for purchase in purchases:
            self.invoice(purchase, by=by)

    def amount_due(self, purchase: Purchase) -> Decimal | None:
        """What the charge step charges: what the invoice still has due. None: not now,
        another payment of the invoice is still in flight (the step waits, and asks again
        after the gateway's grace)."""
        return invoice_amount_due(purchase.invoice) if purchase.invoice is not None else ZERO

    def money_found(self, purchase: Purchase, key: str) -> Charge | Refund | None:
        """The gateway call made before under ``key`` (a retry, a crash), if any."""
        return charge_for_key(key)

    def outcome(self, made: Charge | Refund) -> Outcome:
        """What the runner does with the call: record it, hand it to ``declined``, or wait.
        A charge never attempted (the gateway unreachable) is declined: it is not sent again
        under the same key."""
        assert isinstance(made, Charge)
        if made.status == Charge.Status.SUCCEEDED:
            return "succeeded"
        if made.status in (Charge.Status.DECLINED, Charge.Status.NOT_ATTEMPTED):
            return "declined"
        return "waiting"

    def charge(
        self, purchase: Purchase, *, key: str, amount: Decimal, by: Actor
    ) -> Charge | Refund:
        """Step ``charged``: the gateway call, at most once per ``key`` (outside transactions)."""
        assert purchase.payment_method is not None
        return purchase_invoice_charge(
            purchase, purchase.payment_method, key=key, amount=amount, by=by
        )

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        """The charge was declined or never made (``charge`` None: no card, or refused before
        the gateway): end the purchase as ``failed`` (the runner saves it), or schedule another
        try (``tries`` + 1 and ``resume_at``)."""
        purchase.status = Purchase.Status.FAILED

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        """Step ``applied``: what the purchase buys (seats added, a plan switched, a term)."""

    def pay(self, purchase: Purchase, *, by: Actor) -> None:
        """Step ``paid``: the charge recorded on the invoice."""
        charge, invoice = purchase.charge, purchase.invoice
        if charge is None or invoice is None:
            return
        purchase.invoice = invoice_record_payment(
            invoice=invoice_lock(invoice.pk),
            amount=charge.amount,
            reference=f"charge:{charge.pk}",
            by=by,
        )

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        """Step ``notified``: the e-mails, queued (their dedupe keys make them once)."""


@cache
def plan_for(kind: str) -> PurchasePlan:
    """The plan of ``kind``, from ``SEATWISE_PURCHASE_PLANS``."""
    plan: PurchasePlan = import_string(settings.SEATWISE_PURCHASE_PLANS[kind])()
    return plan


def purchase_invoice_charge(
    purchase: Purchase,
    method: PaymentMethod,
    *,
    key: str,
    amount: Decimal,
    by: Actor,
    description: str | None = None,
    one_time: bool = False,
    before_insert: Callable[[], None] | None = None,
) -> Charge:
    """The charge step's gateway call for ``purchase.invoice`` on ``method``, at most once per
    ``key`` (``payments.services.charge_card``): the invoice's currency, the purchase's kind as
    its purpose, and the invoice's number as its description unless ``description`` names
    another (a service order's number)."""
    invoice = purchase.invoice
    assert invoice is not None
    return charge_card(
        account=purchase.account,
        payment_method=method,
        amount=amount,
        currency=invoice.currency,
        idempotency_key=key,
        purpose=purchase.kind,
        by=by,
        invoice_id=invoice.pk,
        one_time=one_time,
        description=invoice.number if description is None else description,
        before_insert=before_insert,
    )

"""Buying seats mid-term in the Billing Center, and what every card purchase of the Billing
Center shares: its plan in the sales pipeline (``sales.runner``).

A purchase (seats here, a plan upgrade in ``billing.changes``) starts under the account's lock:
the checks, the price the customer reviewed (a different price now is refused), and no other
purchase of the account still open (two purchases never price from the same stale state).
The priced lines and VAT are stored with the purchase; then the pipeline issues the invoice of
exactly those lines, charges what it has due (the gross, less the account's open credit) on
the account's default automatic card, makes the change, records the payment and queues the
invoice and receipt e-mails, each step once, under the keys ``purchase:<id>:<step>``. Starting
again with the same ``idempotency_key`` (a double click, a retry after a crash) is the same
purchase, and completes it once.

**The decline rule** (a decline marks nothing as paid): a purchase whose charge is declined,
or was never attempted (the gateway unreachable, or the card gone), leaves no open invoice
behind: the invoice is voided at once by a credit note for its full amount (key
``purchase:<id>:void``; it settles nothing, or gives back by set-off the account credit the
invoice used), the subscription is unchanged, and the customer reads the card's message. A
purchase whose charge's outcome is unknown stays open ("processing") until the gateway says
otherwise; the pipeline's resume job then completes or voids it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.billing.receipts import payment_emails_queue
from seatwise.core.errors import Invalid, Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import credit_note_issue, invoice_issue
from seatwise.payments.models import Charge, PaymentMethod, Refund
from seatwise.payments.selectors import default_payment_method
from seatwise.pricing.lines import Preview, preview_seat_addition
from seatwise.pricing.snapshot import lines_restore, lines_snapshot
from seatwise.sales.models import Purchase
from seatwise.sales.plans import PurchasePlan
from seatwise.sales.runner import purchase_run, purchase_start, purchases_in_flight, step_key
from seatwise.subscriptions.lock_objects import subscription_lock
from seatwise.subscriptions.models import Subscription

PurchaseStatus = Literal["completed", "declined", "not_attempted", "processing"]
PURCHASABLE = (Subscription.Status.ACTIVE, Subscription.Status.PENDING_CANCELLATION)
PURCHASE_SOURCES = (Invoice.Source.SEATS, Invoice.Source.PLAN_CHANGE)
# The Billing Center's card purchases: seats, a plan upgrade, a new subscription
# (``billing.new_subscriptions``). A new subscription's invoice has the general source
# ``purchase``, which other invoices share: Pay Now may be offered for it while its charge is
# processing, and then finds nothing to pay (``invoice_payments.invoice_amount_in_flight``).
PURCHASE_KINDS = (
    Purchase.Kind.SEATS,
    Purchase.Kind.PLAN_CHANGE,
    Purchase.Kind.NEW_SUBSCRIPTION,
)
MAX_KEY_LENGTH = 90


@dataclass(frozen=True, slots=True)
class SeatPurchase:
    status: PurchaseStatus
    invoice: Invoice
    charge: Charge | None
    message: str


def purchase_key_check(idempotency_key: str) -> str:
    """The caller's idempotency key, checked."""
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise Invalid(
            "invalid_idempotency_key",
            _("The idempotency key has 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            field="idempotency_key",
        )
    return idempotency_key


def purchase_found(
    *, account_id: int, key: str, kind: str, params: dict[str, Any]
) -> Purchase | None:
    """The purchase started before under ``key`` (a retry), or None; the same key for another
    purchase is refused."""
    earlier = Purchase.objects.filter(account_id=account_id, key=key).first()
    if earlier is not None and (earlier.kind != kind or earlier.params != params):
        raise Refused(
            "idempotency_key_reused",
            _("This idempotency key was already used for another purchase."),
            field="idempotency_key",
        )
    return earlier


def purchase_status(purchase: Purchase) -> PurchaseStatus:
    """What the customer is told of a card purchase."""
    if purchase.status == Purchase.Status.COMPLETED:
        return "completed"
    if purchase.status == Purchase.Status.OPEN:
        return "processing"
    charge = purchase.charge
    if charge is not None and charge.status == Charge.Status.DECLINED:
        return "declined"
    return "not_attempted"


def purchase_message(purchase: Purchase) -> str:
    """The card's message for a purchase that was not paid ("" otherwise)."""
    if purchase.status == Purchase.Status.COMPLETED:
        return ""
    if purchase.charge is not None:
        return purchase.charge.message
    if purchase.status == Purchase.Status.FAILED and purchase.failure_message:
        return purchase.failure_message
    return gettext("Nothing was charged: there is no card for automatic payments.")


def automatic_card_of(account: Account) -> PaymentMethod:
    """The card a purchase is charged to: the account's default card for automatic payments."""
    method = default_payment_method(account_id=account.pk)
    if method is None or not method.is_automatic:
        raise Refused(
            "no_automatic_payment_method",
            _("Add a card for automatic payments to buy seats or change the plan."),
            field="payment_method",
        )
    return method


def purchase_in_flight_refuse(*, account_id: int) -> None:
    """Refuse while another purchase of the account awaits its payment's outcome.

    Call under the account's lock, in the transaction that starts the new purchase: then two
    purchases never both pass (each would be priced without the other's change)."""
    if purchases_in_flight(account_id=account_id, kinds=PURCHASE_KINDS):
        raise Refused(
            "purchase_in_progress",
            _(
                "Another purchase of this account is still being processed. Try again in a "
                "few minutes."
            ),
            field="subscription",
        )


def price_changed_refuse(*, preview: Preview, expected_gross: Decimal | None) -> None:
    """Refuse when the price differs from the one the customer reviewed (a day passed, the
    catalog or the VAT changed): they review the new price before anything is charged."""
    if expected_gross is not None and preview.totals.gross != expected_gross:
        raise Refused(
            "price_changed",
            _("The price has changed since you reviewed it. Review the new price and confirm."),
            field="expected_total",
        )


def purchase_found_or_started[T](
    *,
    account: Account,
    key: str,
    kind: str,
    params: dict[str, Any],
    start: Callable[[Account], T],
) -> Purchase | T:
    """The purchase started before under ``key`` (a retry, or a twin call with the same key
    that started it meanwhile), else what ``start`` makes under the account's lock, in the
    lock's transaction: the new purchase, or the result of a change that needs none."""
    found = purchase_found(account_id=account.pk, key=key, kind=kind, params=params)
    if found is not None:
        return found
    with transaction.atomic():
        locked = account_lock(account.pk)
        found = purchase_found(account_id=account.pk, key=key, kind=kind, params=params)
        if found is not None:
            return found
        return start(locked)


def card_purchase_start(
    *,
    kind: str,
    account: Account,
    key: str,
    params: dict[str, Any],
    preview: Preview,
    on: date,
    by: Actor,
) -> Purchase:
    """Store the purchase of ``preview``'s lines, to be charged on the automatic card. Call
    under the account's lock, after the checks."""
    purchase, _new = purchase_start(
        kind=kind,
        account=account,
        key=key,
        params=params,
        lines={
            **lines_snapshot(lines=preview.lines, tax=preview.totals.tax_decision),
            "issue_date": on.isoformat(),
        },
        currency=preview.totals.currency,
        payment_method=automatic_card_of(account),
        by=by,
    )
    return purchase


class CardPurchasePlan(PurchasePlan):
    """A Billing Center purchase: the invoice of the lines the customer confirmed, charged on
    the automatic card, voided by a credit note when the charge fails (the decline rule)."""

    source: ClassVar[str]

    def invoice(self, purchase: Purchase, *, by: Actor) -> None:
        lines, tax = lines_restore(purchase.lines)
        purchase.invoice = invoice_issue(
            account=purchase.account,
            lines=lines,
            tax=tax,
            source=self.source,
            by=by,
            idempotency_key=step_key(purchase, "invoice"),
            issue_date=date.fromisoformat(purchase.lines["issue_date"]),
        )

    def declined(self, purchase: Purchase, *, charge: Charge | Refund | None, by: Actor) -> None:
        purchase.status = Purchase.Status.FAILED
        if purchase.invoice is not None:
            purchase.void_note = purchase_void(
                invoice=purchase.invoice, key=step_key(purchase, "void"), by=by
            )

    def notify(self, purchase: Purchase, *, by: Actor) -> None:
        assert purchase.invoice is not None
        payment_emails_queue(invoice=purchase.invoice, charge=purchase.charge)

    @staticmethod
    def subscription_change(
        purchase: Purchase, *, fields: list[str], action: str, change: Any, by: Actor
    ) -> Subscription:
        """Change the purchase's subscription (``params["subscription"]``) with an audit
        entry naming the invoice and the charge."""
        held = subscription_lock(int(purchase.params["subscription"]))
        old = snapshot(held, fields)
        change(held)
        held.save(update_fields=fields)
        audit_record(
            by=by,
            action=action,
            obj=held,
            account_id=held.account_id,
            old=old,
            new={
                **snapshot(held, fields),
                "invoice": purchase.invoice.number if purchase.invoice else None,
                "charge": purchase.charge_id,
            },
        )
        return held


def purchase_void(*, invoice: Invoice, key: str, by: Actor) -> Invoice | None:
    """The decline rule: void an open purchase invoice by a credit note of its full amount.

    Idempotent (the note's key is ``key``); an invoice that is not open (paid, or voided
    already) is left alone. Returns the credit note, if there is one.
    """
    existing = Invoice.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    current = Invoice.objects.get(pk=invoice.pk)
    if current.status != Invoice.Status.OPEN or current.paid_amount != 0:
        return None
    with translation.override(current.language):
        reason = gettext("Payment not completed: the purchase was cancelled")
    return credit_note_issue(
        invoice=current,
        reason=reason,
        # Nothing was paid: nothing goes back, except the account credit the invoice used,
        # which a set-off gives back to the account.
        settlement=(
            Invoice.Settlement.SET_OFF if current.prepaid_amount > 0 else Invoice.Settlement.NONE
        ),
        by=by,
        amount_net=current.net_total,
        idempotency_key=key,
        issue_date=max(timezone.localdate(), current.issue_date),
    )


class SeatsPlan(CardPurchasePlan):
    """Seats added to a subscription for the rest of its term."""

    kind = Purchase.Kind.SEATS
    source = Invoice.Source.SEATS

    def apply(self, purchase: Purchase, *, by: Actor) -> None:
        seats = int(purchase.params["seats"])

        def add(held: Subscription) -> None:
            held.seats += seats

        self.subscription_change(
            purchase, fields=["seats"], action="subscription.seats_add", change=add, by=by
        )


def _seats_preview(
    *, subscription: Subscription, account: Account, seats_to_add: int, on: date
) -> Preview:
    """The checks of a seat purchase and its price; writes nothing."""
    current = (
        Subscription.objects.select_related("account", "plan", "product")
        .filter(pk=subscription.pk, account_id=account.pk)
        .first()
    )
    if current is None or current.status not in PURCHASABLE:
        raise Refused(
            "subscription_not_active",
            _("Seats can only be added to an active subscription."),
            field="subscription",
        )
    automatic_card_of(account)
    purchase_in_flight_refuse(account_id=account.pk)
    tax = account_tax_decision(account=account, on=on)
    return preview_seat_addition(subscription=current, seats_to_add=seats_to_add, on=on, tax=tax)


def seats_purchase_review(
    *, subscription: Subscription, seats_to_add: int, on: date | None = None
) -> Preview:
    """What ``seats_purchase`` would invoice and charge now, with the same refusals; writes
    nothing. The customer reviews this, then confirms with its gross as ``expected_gross``."""
    return _seats_preview(
        subscription=subscription,
        account=subscription.account,
        seats_to_add=seats_to_add,
        on=on or timezone.localdate(),
    )


def seats_purchase(
    *,
    subscription: Subscription,
    seats_to_add: int,
    by: Actor,
    idempotency_key: str,
    on: date | None = None,
    expected_gross: Decimal | None = None,
) -> SeatPurchase:
    """Buy ``seats_to_add`` seats for the rest of the current term (co-termed), paid by card.

    See the module docstring for the steps, the decline rule, and why a retry with the same
    ``idempotency_key`` completes the purchase exactly once. ``expected_gross``: the total the
    customer reviewed; a different price now is refused before anything is written. Call it
    outside ``transaction.atomic()``: the charge must be committed before the gateway is
    called.
    """
    key = purchase_key_check(idempotency_key)
    account = subscription.account
    params = {"subscription": subscription.pk, "seats": seats_to_add}
    kind = Purchase.Kind.SEATS
    day = on or timezone.localdate()

    def start(locked: Account) -> Purchase:
        preview = _seats_preview(
            subscription=subscription, account=locked, seats_to_add=seats_to_add, on=day
        )
        price_changed_refuse(preview=preview, expected_gross=expected_gross)
        return card_purchase_start(
            kind=kind, account=locked, key=key, params=params, preview=preview, on=day, by=by
        )

    purchase = purchase_found_or_started(
        account=account, key=key, kind=kind, params=params, start=start
    )
    purchase = purchase_run(purchase.pk, by=by)
    assert purchase.invoice is not None  # the first step, done before the charge
    status = purchase_status(purchase)
    if status == "completed":
        subscription.refresh_from_db(fields=["seats"])
        message = gettext("The seats were added.")
    else:
        message = purchase_message(purchase)
    return SeatPurchase(
        status=status, invoice=purchase.invoice, charge=purchase.charge, message=message
    )

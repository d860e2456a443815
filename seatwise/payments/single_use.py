"""A card given for one payment only: a new card entered for a one-time payment is not saved for
recurring charges.

The card goes to the gateway like any other (``services.payment_method_add``); Seatwise keeps
only its token, brand, last four digits and expiry, so that the charge and its receipt can name
it. It is added neither automatic nor default, so no renewal or order ever picks it, and
``services.charge_card`` charges it only with ``one_time=True``. Once its one charge is
settled it is retired (``removed_at``): nothing can charge it again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.lock_objects import payment_method_lock
from seatwise.payments.models import PaymentMethod
from seatwise.payments.services import payment_method_add


def single_use_card_add(
    *, account: Account, card: CardDetails, by: Actor, idempotency_key: str | None = None
) -> PaymentMethod:
    """Give a card to the gateway for one payment: not automatic, not the default. With the
    payment form's ``idempotency_key`` a double-submitted form gets back the same card."""
    return payment_method_add(
        account=account,
        card=card,
        by=by,
        is_automatic=False,
        make_default=False,
        idempotency_key=idempotency_key,
    )


def single_use_card_retire(*, payment_method: PaymentMethod, by: Actor) -> PaymentMethod:
    """Retire a single-use card after its payment; retiring it again writes nothing.

    Refuses (``ValueError``, a programming error) a card on file: only single-use cards are
    retired here.
    """
    if payment_method.is_automatic or payment_method.is_default:
        raise ValueError("only a single-use card is retired after its payment")
    with transaction.atomic():
        method = payment_method_lock(payment_method.pk)
        if method.removed_at is not None:
            return method
        method.removed_at = timezone.now()
        method.save(update_fields=["removed_at"])
        audit_record(
            by=by,
            action="payment_method.single_use_retire",
            obj=method,
            account_id=method.account_id,
            old={"removed_at": None},
            new={"removed_at": method.removed_at.isoformat()},
        )
    payment_method.removed_at = method.removed_at
    return method

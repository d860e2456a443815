"""Writes of the payments domain."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid
from seatwise.core.validation import clean_text
from seatwise.payments.gateways.base import CardDetails, CardRefused, StoredCard, get_gateway
from seatwise.payments.models import PaymentMethod

CARD_REFUSAL_MESSAGES = {
    "invalid_number": _("The card number is not valid."),
    "invalid_expiry": _("The expiry date is not valid."),
    "expired_card": _("This card has expired."),
    "incorrect_cvc": _("The security code (CVC) is not valid."),
    "card_declined": _("The card was declined. Use another card or ask your bank."),
    "unknown_token": _("The payment gateway does not know this card token."),
}
PAYMENT_METHOD_AUDIT_FIELDS = [
    "kind",
    "gateway",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "holder_name",
    "is_automatic",
    "is_default",
]


def payment_method_add(
    *,
    account: Account,
    by: Actor,
    card: CardDetails | None = None,
    token: str | None = None,
    is_automatic: bool = True,
    make_default: bool = True,
) -> PaymentMethod:
    """Put a card on file: the card goes to the gateway, only its token and mask are stored."""
    if (card is None) == (token is None):
        raise Invalid("card_or_token", _("Give either a card or a gateway token."), field="card")
    gateway = get_gateway()
    try:
        stored: StoredCard = (
            gateway.store_card(
                CardDetails(
                    number=card.number,
                    exp_month=card.exp_month,
                    exp_year=card.exp_year,
                    cvc=card.cvc,
                    holder_name=clean_text(
                        card.holder_name, field="card.holder_name", max_length=128
                    ),
                )
            )
            if card is not None
            else gateway.card_for_token(token or "")
        )
    except CardRefused as refusal:
        raise Invalid(
            refusal.code,
            CARD_REFUSAL_MESSAGES.get(refusal.code, _("The card was refused.")),
            field="token" if token is not None else "card",
        ) from None
    with transaction.atomic():
        account_lock(account.pk)
        if make_default:
            PaymentMethod.objects.filter(
                account=account, is_default=True, removed_at__isnull=True
            ).update(is_default=False)
        method = PaymentMethod.objects.create(
            account=account,
            gateway=gateway.alias,
            token=stored.token,
            brand=stored.brand,
            last4=stored.last4,
            exp_month=stored.exp_month,
            exp_year=stored.exp_year,
            holder_name=stored.holder_name,
            is_automatic=is_automatic,
            is_default=make_default,
        )
        audit_record(
            by=by,
            action="payment_method.add",
            obj=method,
            account_id=account.pk,
            new=snapshot(method, PAYMENT_METHOD_AUDIT_FIELDS),
        )
    return method

"""What a customer is told about a charge, per outcome and decline code (a decline gives a
clear message). Codes are stable; messages are translated at display time."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DECLINE_MESSAGES: dict[str, Promise] = {
    "card_declined": _("The card was declined. Use another card or ask your bank."),
    "insufficient_funds": _(
        "The card was declined for insufficient funds. Use another card or ask your bank."
    ),
    "expired_card": _("This card has expired."),
    "unknown_token": _("The payment gateway does not know this card token."),
    "idempotency_key_reused": _("This payment reference was already used for a different payment."),
}
STATUS_MESSAGES: dict[str, Promise] = {
    "pending": _("The payment is being processed."),
    "succeeded": _("The payment was successful."),
    "declined": _("The card was declined. Use another card or ask your bank."),
    "not_attempted": _(
        "The payment service could not be reached. Nothing was charged; please try again later."
    ),
    "unknown": _(
        "The payment service did not answer in time. We are checking whether the payment "
        "went through; you will not be charged twice."
    ),
}

# A SEPA direct debit refused or returned by the customer's bank (``billing.direct_debits``).
DEBIT_DECLINE_MESSAGES: dict[str, Promise] = {
    "insufficient_funds": _("Your bank returned the debit for insufficient funds."),
    "debit_not_authorized": _(
        "Your bank refused the debit: it holds no direct debit mandate that authorises it."
    ),
}
DEBIT_DECLINED: Promise = _("Your bank refused the debit.")


def debit_decline_message(*, decline_code: str) -> Promise:
    return DEBIT_DECLINE_MESSAGES.get(decline_code, DEBIT_DECLINED)


def charge_message(*, status: str, decline_code: str) -> Promise:
    if status == "declined" and decline_code in DECLINE_MESSAGES:
        return DECLINE_MESSAGES[decline_code]
    return STATUS_MESSAGES.get(status, STATUS_MESSAGES["unknown"])

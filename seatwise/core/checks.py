"""System checks of Seatwise's own: a production start (``DEBUG`` off) with the parts that only
a demo or a test may use is refused, unless the installation says it is one
(``SEATWISE_DEMO``): the test payment gateway (it charges nothing), the demo seller (invoices
in the name of an invented company), the local file outbox (e-mails that never leave the
machine) and the demo bank details (customers paying by bank transfer, check or direct debit
would pay someone else). ``manage.py check`` runs them, every management command (workers,
scheduler) runs them before it starts, and so does the web server's WSGI application
(``config.wsgi``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

TEST_GATEWAY = "seatwise.payments.gateways.test.TestGateway"
FILE_MAILERS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# The seller's values when nothing is configured (config/settings.py).
DEMO_SELLER_VAT_ID = "DE136695976"
DEMO_SELLER_NAME = "Seatwise Software GmbH"
# The seller's bank details when nothing is configured (config/settings.py): printed on the
# invoices of bank transfers, checks and direct debits (invoicing.payment_means).
DEMO_BANK_DETAILS = {
    "SEATWISE_SELLER_IBAN": "DE89370400440532013000",
    "SEATWISE_SELLER_BIC": "COBADEFFXXX",
    "SEATWISE_SELLER_REMITTANCE_ADDRESS": (
        "Seatwise Software GmbH|Accounts Receivable|Postfach 12 01 01|10591 Berlin"
    ),
    "SEATWISE_SELLER_SEPA_CREDITOR_ID": "DE98ZZZ09999999999",
}


def _bank_details() -> dict[str, str]:
    return {
        "SEATWISE_SELLER_IBAN": str(settings.SEATWISE_SELLER["iban"]),
        "SEATWISE_SELLER_BIC": settings.SEATWISE_SELLER_BIC,
        "SEATWISE_SELLER_REMITTANCE_ADDRESS": settings.SEATWISE_SELLER_REMITTANCE_ADDRESS,
        "SEATWISE_SELLER_SEPA_CREDITOR_ID": settings.SEATWISE_SELLER_SEPA_CREDITOR_ID,
    }


def _production() -> bool:
    return not settings.DEBUG and not getattr(settings, "SEATWISE_DEMO", False)


@register(Tags.security)
def production_integrations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _production():
        return []
    hint = "Configure the real one, or set SEATWISE_DEMO=true if this installation is a demo."
    errors: list[CheckMessage] = []
    if settings.SEATWISE_PAYMENT_GATEWAY == TEST_GATEWAY:
        errors.append(
            Error(
                "The test payment gateway is configured: no card would really be charged.",
                hint=f"Set SEATWISE_PAYMENT_GATEWAY. {hint}",
                id="seatwise.E001",
            )
        )
    seller = settings.SEATWISE_SELLER
    if seller["vat_id"] == DEMO_SELLER_VAT_ID or seller["name"] == DEMO_SELLER_NAME:
        errors.append(
            Error(
                "The demo seller is configured: invoices would be issued in its name.",
                hint=f"Set SEATWISE_SELLER_NAME, _ADDRESS, _VAT_ID and the others. {hint}",
                id="seatwise.E002",
            )
        )
    demo_bank = sorted(
        name for name, value in _bank_details().items() if value == DEMO_BANK_DETAILS[name]
    )
    if demo_bank:
        errors.append(
            Error(
                "The demo bank details are configured: invoices paid by bank transfer, check "
                "or direct debit would name them.",
                hint=f"Set {', '.join(demo_bank)}. {hint}",
                id="seatwise.E005",
            )
        )
    mailer = settings.MAILERS["default"]["BACKEND"]
    if mailer in FILE_MAILERS:
        errors.append(
            Error(
                "E-mails are written to local files: nobody would receive them.",
                hint=f"Set SEATWISE_SMTP_HOST and its companions. {hint}",
                id="seatwise.E003",
            )
        )
    return errors


@register()
def gateway_timing(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The grace before Seatwise asks the gateway about a call must outlast the call itself."""
    timeout = settings.SEATWISE_GATEWAY_TIMEOUT_SECONDS
    grace = settings.SEATWISE_GATEWAY_GRACE_SECONDS
    if grace > timeout:
        return []
    return [
        Error(
            f"SEATWISE_GATEWAY_GRACE_SECONDS ({grace}) must be longer than "
            f"SEATWISE_GATEWAY_TIMEOUT_SECONDS ({timeout}): a call still in flight would be "
            "taken for one that never reached the gateway.",
            id="seatwise.E004",
        )
    ]

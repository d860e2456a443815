"""System checks of Seatwise's own: a production start (``DEBUG`` off) with the parts that only
a demo or a test may use is refused, unless the installation says it is one
(``SEATWISE_DEMO``): the test payment gateway (it charges nothing), the demo seller (invoices
in the name of an invented company) and the local file outbox (e-mails that never leave the
machine). ``manage.py check`` runs them, every management command (workers, scheduler) runs
them before it starts, and so does the web server's WSGI application (``config.wsgi``).
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

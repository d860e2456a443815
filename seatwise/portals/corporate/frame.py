"""What every page of the Corporate Billing Portal shows around its content: the signed-in
User ID and its account, the tabs, and how to reach Corporate Account Services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from seatwise.accounts.models import CorporateCredential
from seatwise.portals.corporate.tabs import portal_tabs


@dataclass(frozen=True, slots=True)
class Contact:
    email: str
    phone: str


def corporate_account_services() -> Contact:
    """How to reach Corporate Account Services (article 003): settings
    ``SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL`` / ``…_PHONE``, else the seller's address."""
    return Contact(
        email=str(
            settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL or settings.SEATWISE_SELLER["email"]
        ),
        phone=settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_PHONE,
    )


def portal_frame(credential: CorporateCredential, tab: str) -> dict[str, Any]:
    """The frame of a portal page whose current tab is ``tab`` (``portal_tabs``)."""
    return {
        "credential": credential,
        "corporate_account": credential.account,
        "tabs": portal_tabs(tab),
        "corporate_account_services": corporate_account_services(),
    }

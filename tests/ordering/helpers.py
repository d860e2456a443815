"""Shared setup of the ordering tests: a German corporate account mid-term (article 003)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from seatwise.accounts.models import Account
from seatwise.accounts.services import Address
from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.ordering.services import AdminContact, checkout_save, quote_create
from seatwise.payments.models import Charge, PaymentMethod, TestGatewayCharge
from seatwise.sales.models import Purchase
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from tests.factories import SYSTEM, make_account, make_card, make_subscription

TERM_START = date(2026, 3, 1)  # monthly term [2026-03-01, 2026-04-01): 31 days
ON = date(2026, 3, 11)  # 21 days left; the yearly term has 355 of 365 left
# GoTo Meeting standard monthly 14.00 × 3 × 21/31 = 28.45; GoTo Training business yearly
# 2,290.00 × 2 × 355/365 = 4,454.52; net 4,482.97; VAT 19 % (German buyer) 851.76.
NET, TAX, GROSS = Decimal("4482.97"), Decimal("851.76"), Decimal("5334.73")
DECLINING_CARD = "4000000000000341"


@dataclass
class Corporate:
    account: Account
    meeting: Subscription  # 5 seats, seat expansion supported
    training: Subscription  # 3 seats, seat expansion supported
    remote: Subscription  # GoToAssist Remote Support v5: no seat expansion
    card: PaymentMethod | None


def corporate(
    *,
    card: str | None = "4242424242424242",
    eligible: bool = True,
    kind: str = "corporate",
    language: str = "de",
) -> Corporate:
    account = make_account(
        kind=kind, country="DE", language=language, self_service_eligible=eligible
    )
    meeting = make_subscription(account, seats=5, term_start=TERM_START)
    training = make_subscription(
        account, seats=3, plan_code="goto-training-business-yearly", term_start=TERM_START
    )
    remote = make_subscription(
        account,
        seats=2,
        plan_code="gotoassist-remote-support-v5-standard-monthly",
        term_start=TERM_START,
    )
    method = make_card(account, card) if card else None
    return Corporate(account, meeting, training, remote, method)


def quote_for(c: Corporate, *, replace_open: bool = False, meeting: int = 3, training: int = 2):
    return quote_create(
        account=c.account,
        seats={c.meeting.pk: meeting, c.training.pk: training},
        replace_open=replace_open,
        by=SYSTEM,
        on=ON,
    )


ADMIN = AdminContact(
    first_name="Ada", last_name="Admin", email="ada.admin@example.com", language="en"
)
ADDRESS = Address(line1="Unter den Linden 1", postal_code="10117", city="Berlin")


def checkout(quote: Quote, c: Corporate, **overrides):
    arguments = {
        "quote": quote,
        "admin": ADMIN,
        "payment_method_id": c.card.pk if c.card else None,
        "new_card": None,
        "address": ADDRESS,
        "country": "DE",
        "by": SYSTEM,
    } | overrides
    return checkout_save(**arguments)


def state() -> dict[str, object]:
    """What a refused call must leave unchanged: quotes, orders, seats, charges, invoices,
    e-mails and the audit trail."""
    return {
        "quotes": sorted(Quote.objects.values_list("pk", "number", "status", "replaced_by")),
        "quote_lines": QuoteLine.objects.count(),
        "orders": sorted(ServiceOrder.objects.values_list("pk", "status", "purchase")),
        "purchases": sorted(Purchase.objects.values_list("pk", "status", "step")),
        "seats": sorted(Subscription.objects.values_list("pk", "seats", "seats_assigned")),
        "licenses": LicenseAssignment.objects.count(),
        "charges": Charge.objects.count(),
        "gateway_charges": TestGatewayCharge.objects.count(),
        "invoices": sorted(Invoice.objects.values_list("number", "status")),
        "emails": OutgoingEmail.objects.count(),
        "audit": Counter(AuditEntry.objects.values_list("action", flat=True)),
        "cards": PaymentMethod.objects.count(),
    }

"""Payment methods (cards on file).

A card number and CVC pass through to the payment gateway and are never stored, logged or
returned; the gateway's token is stored but never returned either. Responses carry only what
a customer may see: brand, last four digits, expiry, holder and flags.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from seatwise.api.auth import actor_of, requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import REQUIRED_TEXT, text
from seatwise.api.v1.lookups import IdPath, account_or_404, payment_method_or_404
from seatwise.api.v1.paging import NextAfter, PageQuery, page
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.payments.selectors import payment_methods_page
from seatwise.payments.services import payment_method_add

router = Router(tags=["payment methods"])


class CardIn(Schema):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    number: str = Field(
        min_length=12,
        max_length=23,
        pattern=r"^[0-9][0-9 ]*[0-9]$",
        description="The card number; spaces are allowed between digits.",
    )
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")
    holder_name: Annotated[str, text(128, min_length=1, pattern=REQUIRED_TEXT)]


class PaymentMethodIn(Schema):
    """Either ``token`` (a card the gateway already holds, e.g. from its payment form) or
    ``card`` (sent on to the gateway, never stored)."""

    # Exactly one of token and card, as the OpenAPI document says with oneOf.
    model_config = ConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        json_schema_extra={
            "oneOf": [
                {"required": ["token"], "properties": {"token": {"type": "string"}}},
                {"required": ["card"], "properties": {"card": {"type": "object"}}},
            ]
        },
    )

    token: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A gateway token, e.g. tok_visa with the test gateway.",
    )
    card: CardIn | None = None


class PaymentMethodOut(Schema):
    id: int
    account_id: int
    # "card", or "sepa_debit": the SEPA mandate of a corporate account's Payment Profile, as
    # its direct debits charge it (never automatic nor default; last4: the IBAN's last four
    # characters, which may be letters).
    kind: str
    brand: str
    last4: str = Field(pattern=r"^[0-9A-Z]{4}$")
    exp_month: int
    exp_year: int
    holder_name: str
    is_automatic: bool
    is_default: bool
    is_removed: bool
    created_at: datetime

    @staticmethod
    def resolve_is_removed(method: PaymentMethod) -> bool:
        return method.removed_at is not None


class PaymentMethodPage(Schema):
    items: list[PaymentMethodOut]
    next_after: NextAfter


@router.post(
    "/accounts/{account_id}/payment-methods",
    auth=requires(Scope.PAYMENT_METHODS_WRITE),
    response={201: PaymentMethodOut, **errors(400, 404)},
)
def add_payment_method(
    request: HttpRequest, account_id: IdPath, payload: PaymentMethodIn
) -> Status[PaymentMethod]:
    """Put a card on file as the account's default, automatic payment method."""
    card = payload.card
    method = payment_method_add(
        account=account_or_404(request, account_id),
        token=payload.token,
        card=CardDetails(
            number=card.number,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            cvc=card.cvc,
            holder_name=card.holder_name,
        )
        if card is not None
        else None,
        by=actor_of(request),
    )
    return Status(201, method)


@router.get(
    "/accounts/{account_id}/payment-methods",
    auth=requires(Scope.PAYMENT_METHODS_READ),
    response={200: PaymentMethodPage, **errors(404)},
)
def list_payment_methods(
    request: HttpRequest, account_id: IdPath, query: Query[PageQuery]
) -> dict[str, Any]:
    """An account's payment methods, removed ones included, by id."""
    account = account_or_404(request, account_id)
    return page(
        *payment_methods_page(account_id=account.pk, after=query.after, limit=query.page_size())
    )


@router.get(
    "/payment-methods/{payment_method_id}",
    auth=requires(Scope.PAYMENT_METHODS_READ),
    response={200: PaymentMethodOut, **errors(404)},
)
def get_payment_method(request: HttpRequest, payment_method_id: IdPath) -> PaymentMethod:
    return payment_method_or_404(request, payment_method_id)

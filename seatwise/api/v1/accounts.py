"""Accounts: create, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from seatwise.accounts.models import Account
from seatwise.accounts.selectors import account_page
from seatwise.accounts.services import Address, NewPerson, account_create
from seatwise.api.auth import actor_of
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import NO_NUL, Country, Currency, Email, Language, text
from seatwise.api.v1.lookups import IdPath, account_or_404
from seatwise.api.v1.paging import NextAfter, PageQuery, page

router = Router(tags=["accounts"])


class BillingContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Email
    first_name: Annotated[str, text(32)]
    last_name: Annotated[str, text(32)]
    language: Language
    password: Annotated[str, text(256, pattern=NO_NUL)] | None = None


class AccountIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, text(200)]
    kind: Literal["online", "corporate"]
    country: Country
    language: Language
    currency: Currency
    vat_id: Annotated[str, text(32)] = ""
    address_line1: Annotated[str, text(200)] = ""
    address_line2: Annotated[str, text(200)] = ""
    postal_code: Annotated[str, text(20)] = ""
    city: Annotated[str, text(100)] = ""
    region: Annotated[str, text(100)] = ""
    self_service_eligible: bool = True
    billing_contact: BillingContactIn
    corporate_user_id: Annotated[str, text(128)] | None = None


class AccountOut(Schema):
    id: int
    name: str
    kind: Literal["online", "corporate"]
    country: str
    language: Language
    currency: str
    vat_id: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    region: str
    self_service_eligible: bool
    corporate_user_id: str | None
    created_at: datetime

    @staticmethod
    def resolve_corporate_user_id(account: Account) -> str | None:
        try:
            return account.corporate_credential.user_id
        except ObjectDoesNotExist:
            return None


class AccountPage(Schema):
    items: list[AccountOut]
    next_after: NextAfter


@router.post("/accounts", response={201: AccountOut, **errors(400, 409)})
def create_account(request: HttpRequest, payload: AccountIn) -> Status[Account]:
    """Create a customer account with its billing contact, who is also its first account admin.

    A corporate account gets a Corporate Billing Portal User ID: ``corporate_user_id``, by
    default the billing contact's e-mail address.
    """
    contact = payload.billing_contact
    account = account_create(
        name=payload.name,
        kind=payload.kind,
        country=payload.country,
        language=payload.language,
        currency=payload.currency,
        vat_id=payload.vat_id,
        address=Address(
            line1=payload.address_line1,
            line2=payload.address_line2,
            postal_code=payload.postal_code,
            city=payload.city,
            region=payload.region,
        ),
        self_service_eligible=payload.self_service_eligible,
        billing_contact=NewPerson(
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            language=contact.language,
            password=contact.password,
        ),
        corporate_user_id=payload.corporate_user_id,
        by=actor_of(request),
    )
    return Status(201, account)


@router.get("/accounts", response={200: AccountPage, **errors()})
def list_accounts(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """All accounts, by id."""
    return page(*account_page(after=query.after, limit=query.page_size()))


@router.get("/accounts/{account_id}", response={200: AccountOut, **errors(404)})
def get_account(request: HttpRequest, account_id: IdPath) -> Account:
    return account_or_404(account_id)

"""Accounts: create, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict
from pydantic.config import JsonDict

from seatwise.accounts.models import Account
from seatwise.accounts.selectors import account_page
from seatwise.accounts.services import Address, NewPerson, account_create
from seatwise.api.auth import AccountRestricted, actor_of, requires, token_of
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import (
    REQUIRED_TEXT,
    USER_ID,
    Country,
    Currency,
    Email,
    Language,
    Password,
    text,
)
from seatwise.api.v1.lookups import IdPath, account_or_404
from seatwise.api.v1.paging import NextAfter, PageQuery, page

router = Router(tags=["accounts"])


class BillingContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Email
    first_name: Annotated[str, text(32, pattern=REQUIRED_TEXT)]
    last_name: Annotated[str, text(32, pattern=REQUIRED_TEXT)]
    language: Language
    password: Password | None = None


# The rules across fields, stated in the OpenAPI document: only a corporate account has a
# User ID, and a corporate account's default User ID, its billing contact's e-mail address,
# must have a User ID's form.
_ACCOUNT_RULES: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "online"}}},
            "then": {"properties": {"corporate_user_id": {"type": "null"}}},
        },
        {
            "if": {
                "properties": {
                    "kind": {"const": "corporate"},
                    "corporate_user_id": {"type": "null"},
                }
            },
            "then": {
                "properties": {"billing_contact": {"properties": {"email": {"pattern": USER_ID}}}}
            },
        },
    ]
}


class AccountIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_ACCOUNT_RULES)

    name: Annotated[str, text(200, pattern=REQUIRED_TEXT)]
    kind: Literal["online", "corporate"]
    country: Country
    language: Language
    currency: Currency
    vat_id: Annotated[str, text(24)] = ""
    address_line1: Annotated[str, text(200)] = ""
    address_line2: Annotated[str, text(200)] = ""
    postal_code: Annotated[str, text(20)] = ""
    city: Annotated[str, text(100)] = ""
    region: Annotated[str, text(100)] = ""
    self_service_eligible: bool = True
    billing_contact: BillingContactIn
    corporate_user_id: Annotated[str, text(128, pattern=USER_ID)] | None = None


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
        # Only a corporate account has a User ID (``account_create``): no query for another.
        if account.kind != Account.Kind.CORPORATE:
            return None
        try:
            return account.corporate_credential.user_id
        except ObjectDoesNotExist:
            return None


class AccountPage(Schema):
    items: list[AccountOut]
    next_after: NextAfter


@router.post(
    "/accounts", auth=requires(Scope.ACCOUNTS_WRITE), response={201: AccountOut, **errors(400, 409)}
)
def create_account(request: HttpRequest, payload: AccountIn) -> Status[Account]:
    """Create a customer account with its billing contact, who is also its first account admin.

    A corporate account gets a Corporate Billing Portal User ID: ``corporate_user_id``, by
    default the billing contact's e-mail address. A token limited to some accounts cannot
    create one (403 ``account_restricted``): it could not reach the new account.
    """
    if token_of(request).is_account_restricted:
        raise AccountRestricted(
            "account_restricted",
            _("This API token is limited to some accounts: it cannot create accounts."),
        )
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


@router.get(
    "/accounts", auth=requires(Scope.ACCOUNTS_READ), response={200: AccountPage, **errors()}
)
def list_accounts(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """All accounts the token reaches, by id."""
    return page(
        *account_page(
            after=query.after, limit=query.page_size(), account_ids=token_of(request).account_ids
        )
    )


@router.get(
    "/accounts/{account_id}",
    auth=requires(Scope.ACCOUNTS_READ),
    response={200: AccountOut, **errors(404)},
)
def get_account(request: HttpRequest, account_id: IdPath) -> Account:
    return account_or_404(request, account_id, with_user_id=True)

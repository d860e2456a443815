"""People of an account: add, read, list, remove."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import people_page
from seatwise.accounts.services import person_add
from seatwise.api.auth import actor_of, requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import REQUIRED_TEXT, Email, Language, Password, text
from seatwise.api.v1.lookups import IdPath, account_or_404, person_or_404
from seatwise.api.v1.paging import NextAfter, PageQuery, page
from seatwise.subscriptions.people import person_remove

router = Router(tags=["people"])


class PersonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Email
    first_name: Annotated[str, text(32, pattern=REQUIRED_TEXT)]
    last_name: Annotated[str, text(32, pattern=REQUIRED_TEXT)]
    language: Language | None = None
    password: Password | None = None
    is_account_admin: bool = False


class PersonOut(Schema):
    id: int
    account_id: int | None
    email: str
    first_name: str
    last_name: str
    language: Language
    is_account_admin: bool
    is_billing_contact: bool
    is_active: bool


class PersonPage(Schema):
    items: list[PersonOut]
    next_after: NextAfter


@router.post(
    "/accounts/{account_id}/people",
    auth=requires(Scope.PEOPLE_WRITE),
    response={201: PersonOut, **errors(400, 404, 409)},
)
def add_person(request: HttpRequest, account_id: IdPath, payload: PersonIn) -> Status[Person]:
    """Add a person to an account. Without a password they cannot sign in until they set
    one. ``language`` defaults to the account's language."""
    person = person_add(
        account=account_or_404(request, account_id),
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        language=payload.language,
        password=payload.password,
        is_account_admin=payload.is_account_admin,
        by=actor_of(request),
    )
    return Status(201, person)


@router.get(
    "/accounts/{account_id}/people",
    auth=requires(Scope.PEOPLE_READ),
    response={200: PersonPage, **errors(404)},
)
def list_people(
    request: HttpRequest, account_id: IdPath, query: Query[PageQuery]
) -> dict[str, Any]:
    """The members of an account, by id."""
    account = account_or_404(request, account_id)
    return page(*people_page(account_id=account.pk, after=query.after, limit=query.page_size()))


@router.get(
    "/people/{person_id}",
    auth=requires(Scope.PEOPLE_READ),
    response={200: PersonOut, **errors(404)},
)
def get_person(request: HttpRequest, person_id: IdPath) -> Person:
    """A person; one who was removed from their account has ``account_id`` null."""
    return person_or_404(request, person_id)


@router.delete(
    "/people/{person_id}",
    auth=requires(Scope.PEOPLE_WRITE),
    response={204: None, **errors(404, 409)},
)
def remove_person(request: HttpRequest, person_id: IdPath) -> Status[None]:
    """Remove a person from their account: their seats are freed and they can no longer
    sign in. The billing contact and the last account admin cannot be removed."""
    person_remove(person=person_or_404(request, person_id), by=actor_of(request))
    return Status(204, None)

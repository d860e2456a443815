"""Subscriptions and their license assignments (who holds a seat)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from seatwise.api.auth import actor_of, requires
from seatwise.api.scopes import Scope
from seatwise.api.v1.errors import errors
from seatwise.api.v1.fields import Id, TermStart
from seatwise.api.v1.lookups import (
    IdPath,
    account_or_404,
    person_in_body,
    person_or_404,
    subscription_or_404,
)
from seatwise.api.v1.paging import NextAfter, PageQuery, page
from seatwise.billing.new_subscriptions import new_subscription_trial
from seatwise.catalog.models import Plan
from seatwise.catalog.selectors import plan_get
from seatwise.core.errors import Invalid
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.selectors import assignments_page, subscriptions_page
from seatwise.subscriptions.services import (
    MAX_SEATS,
    license_assign,
    license_unassign,
    subscription_add,
)

router = Router(tags=["subscriptions"])

PlanCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]


class SubscriptionIn(Schema):
    # Exactly one of plan_code and plan_id, as the OpenAPI document says with oneOf.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["plan_code"], "properties": {"plan_code": {"type": "string"}}},
                {"required": ["plan_id"], "properties": {"plan_id": {"type": "integer"}}},
            ]
        },
    )

    plan_code: PlanCode | None = Field(None, description="The plan, by code (or plan_id).")
    plan_id: Id | None = Field(None, description="The plan, by id (or plan_code).")
    seats: int = Field(ge=1, le=MAX_SEATS)
    term_start: TermStart | None = None
    auto_renew: bool = True

    @model_validator(mode="after")
    def _one_plan(self) -> Self:
        if (self.plan_code is None) == (self.plan_id is None):
            raise PydanticCustomError("plan_code_or_plan_id", "Give either plan_code or plan_id.")
        return self


class ProductRef(Schema):
    id: int
    code: str
    name: str


class PlanRef(Schema):
    id: int
    code: str
    tier: Literal["standard", "business", "enterprise"]
    interval: Literal["month", "year"]


class SubscriptionOut(Schema):
    id: int
    account_id: int
    product: ProductRef
    plan: PlanRef
    seats: int
    seats_assigned: int
    seats_free: int
    term_start: date
    term_end: date
    status: Literal["active", "pending_cancellation", "suspended", "cancelled", "expired", "trial"]
    auto_renew: bool
    # A free trial's end (its term is [term_start, trial_end)); kept once it is converted or
    # has expired; null for a subscription that was never a trial.
    trial_end: date | None
    created_at: datetime


class TrialIn(Schema):
    # Exactly one of plan_code and plan_id, as the OpenAPI document says with oneOf.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["plan_code"], "properties": {"plan_code": {"type": "string"}}},
                {"required": ["plan_id"], "properties": {"plan_id": {"type": "integer"}}},
            ]
        },
    )

    plan_code: PlanCode | None = Field(None, description="The plan, by code (or plan_id).")
    plan_id: Id | None = Field(None, description="The plan, by id (or plan_code).")
    seats: int = Field(
        ge=1, le=MAX_SEATS, description="At most the product's trial_seat_limit (else 409)."
    )

    @model_validator(mode="after")
    def _one_plan(self) -> Self:
        if (self.plan_code is None) == (self.plan_id is None):
            raise PydanticCustomError("plan_code_or_plan_id", "Give either plan_code or plan_id.")
        return self


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next_after: NextAfter


class AssignmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: Id


class AssignmentOut(Schema):
    id: int
    subscription_id: int
    person_id: int
    assigned_at: datetime


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    next_after: NextAfter


def _plan_in_body(payload: SubscriptionIn | TrialIn) -> Plan:
    plan = plan_get(plan_id=payload.plan_id, code=payload.plan_code)
    if plan is None:
        field = "plan_id" if payload.plan_id is not None else "plan_code"
        raise Invalid("unknown_plan", _("There is no plan with this code or id."), field=field)
    return plan


@router.post(
    "/accounts/{account_id}/subscriptions",
    auth=requires(Scope.SUBSCRIPTIONS_WRITE),
    response={201: SubscriptionOut, **errors(400, 404, 409)},
)
def add_subscription(
    request: HttpRequest, account_id: IdPath, payload: SubscriptionIn
) -> Status[Subscription]:
    """Subscribe an account to a plan with a number of seats. An account has at most one
    live subscription per product; the plan needs a price in the account's currency."""
    subscription = subscription_add(
        account=account_or_404(request, account_id),
        plan=_plan_in_body(payload),
        seats=payload.seats,
        term_start=payload.term_start,
        auto_renew=payload.auto_renew,
        by=actor_of(request),
    )
    # As written, with its plan and product: the account was checked above.
    return Status(201, subscription)


@router.post(
    "/accounts/{account_id}/trials",
    auth=requires(Scope.SUBSCRIPTIONS_WRITE),
    response={201: SubscriptionOut, **errors(400, 404, 409)},
)
def start_trial(request: HttpRequest, account_id: IdPath, payload: TrialIn) -> Status[Subscription]:
    """Start a free trial of a plan for an online account: status ``trial`` until
    ``trial_end`` (the product's trial length from today), nothing charged; at its end it
    expires unless converted in the Billing Center. Refused (409) for a corporate account, a
    product without a trial (``trial_not_offered``), more seats than the product's trial limit
    (``trial_seat_limit``), a product the account has or has tried (``trial_used``)."""
    subscription = new_subscription_trial(
        account=account_or_404(request, account_id),
        plan=_plan_in_body(payload),
        seats=payload.seats,
        by=actor_of(request),
    )
    return Status(201, subscription_or_404(request, subscription.pk, with_plan=True))


@router.get(
    "/accounts/{account_id}/subscriptions",
    auth=requires(Scope.SUBSCRIPTIONS_READ),
    response={200: SubscriptionPage, **errors(404)},
)
def list_subscriptions(
    request: HttpRequest, account_id: IdPath, query: Query[PageQuery]
) -> dict[str, Any]:
    """An account's subscriptions, ended ones and trials included, by id."""
    account = account_or_404(request, account_id)
    return page(
        *subscriptions_page(account_id=account.pk, after=query.after, limit=query.page_size())
    )


@router.get(
    "/subscriptions/{subscription_id}",
    auth=requires(Scope.SUBSCRIPTIONS_READ),
    response={200: SubscriptionOut, **errors(404)},
)
def get_subscription(request: HttpRequest, subscription_id: IdPath) -> Subscription:
    return subscription_or_404(request, subscription_id, with_plan=True)


@router.post(
    "/subscriptions/{subscription_id}/assignments",
    auth=requires(Scope.SUBSCRIPTIONS_WRITE),
    response={201: AssignmentOut, **errors(400, 404, 409)},
)
def assign_license(
    request: HttpRequest, subscription_id: IdPath, payload: AssignmentIn
) -> Status[LicenseAssignment]:
    """Give a member of the account a seat. Refused with ``no_free_seat`` when every seat
    bought is assigned."""
    assignment = license_assign(
        subscription=subscription_or_404(request, subscription_id),
        person=person_in_body(request, payload.person_id),
        by=actor_of(request),
    )
    return Status(201, assignment)


@router.get(
    "/subscriptions/{subscription_id}/assignments",
    auth=requires(Scope.SUBSCRIPTIONS_READ),
    response={200: AssignmentPage, **errors(404)},
)
def list_assignments(
    request: HttpRequest, subscription_id: IdPath, query: Query[PageQuery]
) -> dict[str, Any]:
    """Who holds a seat of the subscription, by assignment id."""
    subscription = subscription_or_404(request, subscription_id)
    return page(
        *assignments_page(
            subscription_id=subscription.pk, after=query.after, limit=query.page_size()
        )
    )


@router.delete(
    "/subscriptions/{subscription_id}/assignments/{person_id}",
    auth=requires(Scope.SUBSCRIPTIONS_WRITE),
    response={204: None, **errors(404, 409)},
)
def unassign_license(
    request: HttpRequest, subscription_id: IdPath, person_id: IdPath
) -> Status[None]:
    """Take a person's seat back; the seat becomes free."""
    license_unassign(
        subscription=subscription_or_404(request, subscription_id),
        person=person_or_404(request, person_id),
        by=actor_of(request),
    )
    return Status(204, None)

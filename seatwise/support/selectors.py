"""Reads of the support console's account pages: the overview and its people (the audit
trail's are ``seatwise.audit.selectors``).

Every read costs a fixed number of queries, each bounded by ``LIMIT`` on an index of the
account (``(account, id)``-style indexes of each table), whatever the number of rows of the
account or of the database: lists are the newest or first few rows with a flag or a keyset
id for more (docs/ARCHITECTURE.md, "Scale"), never a COUNT or an OFFSET.
``tests/support/test_scale.py`` checks the query counts and the plans at a million accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.selectors import people_page
from seatwise.invoicing.models import Invoice
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.payments.models import PaymentMethod
from seatwise.subscriptions.models import Subscription
from seatwise.support.models import Case

PEOPLE_SHOWN = 50
SUBSCRIPTIONS_SHOWN = 50
INVOICES_SHOWN = 20
PAYMENT_METHODS_SHOWN = 20
OPEN_QUOTES_SHOWN = 5
SERVICE_ORDERS_SHOWN = 10
CASES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class CardOnFile:
    """A payment method as the console shows it: the masked fields, never the token."""

    id: int
    brand_label: str
    last4: str
    expiry: str  # MM/YY
    holder_name: str
    is_default: bool
    is_automatic: bool
    removed_at: datetime | None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


@dataclass(frozen=True, slots=True)
class AccountOverview:
    """Everything the console's account page shows, each list bounded.

    ``people`` are the first ``PEOPLE_SHOWN`` by id (``people_next``: the id to continue
    after with ``account_people_page``, or None); the other lists are the newest first, with a
    flag when more exist.
    """

    account: Account
    corporate_credential: CorporateCredential | None
    billing_contact: Person | None
    people: tuple[Person, ...]
    people_next: int | None
    subscriptions: tuple[Subscription, ...]
    subscriptions_more: bool
    invoices: tuple[Invoice, ...]
    invoices_more: bool
    payment_methods: tuple[CardOnFile, ...]
    payment_methods_more: bool
    open_quotes: tuple[Quote, ...]
    service_orders: tuple[ServiceOrder, ...]
    service_orders_more: bool
    cases: tuple[Case, ...]
    cases_more: bool


def _first[T](rows: list[T], shown: int) -> tuple[tuple[T, ...], bool]:
    """The rows to show of ``shown + 1`` fetched, and whether more exist."""
    return tuple(rows[:shown]), len(rows) > shown


# Only what may be shown of a card: the token, the gateway and the form keys stay unread.
_CARD_FIELDS = (
    "id",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "holder_name",
    "is_default",
    "is_automatic",
    "removed_at",
)


def _card(row: dict[str, object]) -> CardOnFile:
    method = PaymentMethod(**row)  # unsaved, holds only the masked fields
    return CardOnFile(
        id=method.pk,
        brand_label=method.brand_label,
        last4=method.last4,
        expiry=method.expiry,
        holder_name=method.holder_name,
        is_default=method.is_default,
        is_automatic=method.is_automatic,
        removed_at=method.removed_at,
    )


def account_overview(*, account_id: int) -> AccountOverview | None:
    """The console's account page, in nine queries (one when the account does not exist)."""
    account = Account.objects.select_related("corporate_credential").filter(pk=account_id).first()
    if account is None:
        return None
    try:
        credential: CorporateCredential | None = account.corporate_credential
    except CorporateCredential.DoesNotExist:
        credential = None
    # At most one row (index one_billing_contact_per_account): no ORDER BY to pay for.
    contacts = Person.objects.filter(account_id=account_id, is_billing_contact=True).order_by()
    billing_contact = next(iter(contacts[:1]), None)
    people, people_next = people_page(account_id=account_id, after=None, limit=PEOPLE_SHOWN)
    subscriptions, subscriptions_more = _first(
        list(
            Subscription.objects.filter(account_id=account_id)
            .select_related("product", "plan", "pending_plan")
            .order_by("-pk")[: SUBSCRIPTIONS_SHOWN + 1]
        ),
        SUBSCRIPTIONS_SHOWN,
    )
    # Newest first by issue date, as invoice_account_idx (account, issue_date) orders them.
    invoices, invoices_more = _first(
        list(
            Invoice.objects.filter(account_id=account_id)
            .select_related("corrects")
            .order_by("-issue_date", "-pk")[: INVOICES_SHOWN + 1]
        ),
        INVOICES_SHOWN,
    )
    cards, cards_more = _first(
        [
            _card(row)
            for row in PaymentMethod.objects.filter(account_id=account_id)
            .order_by("-pk")
            .values(*_CARD_FIELDS)[: PAYMENT_METHODS_SHOWN + 1]
        ],
        PAYMENT_METHODS_SHOWN,
    )
    # At most one quote of an account is open (constraint quote_one_open_per_account).
    open_quotes = tuple(
        Quote.objects.filter(account_id=account_id, status=Quote.Status.OPEN).order_by("-pk")[
            :OPEN_QUOTES_SHOWN
        ]
    )
    orders, orders_more = _first(
        list(
            ServiceOrder.objects.filter(account_id=account_id).order_by("-pk")[
                : SERVICE_ORDERS_SHOWN + 1
            ]
        ),
        SERVICE_ORDERS_SHOWN,
    )
    cases, cases_more = _first(
        list(
            Case.objects.filter(account_id=account_id)
            .select_related("assignee")
            .order_by("-pk")[: CASES_SHOWN + 1]
        ),
        CASES_SHOWN,
    )
    return AccountOverview(
        account=account,
        corporate_credential=credential,
        billing_contact=billing_contact,
        people=tuple(people),
        people_next=people_next,
        subscriptions=subscriptions,
        subscriptions_more=subscriptions_more,
        invoices=invoices,
        invoices_more=invoices_more,
        payment_methods=cards,
        payment_methods_more=cards_more,
        open_quotes=open_quotes,
        service_orders=orders,
        service_orders_more=orders_more,
        cases=cases,
        cases_more=cases_more,
    )


def account_people_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[Person], int | None]:
    """The account's people by id after ``after``, and the id to continue after."""
    return people_page(account_id=account_id, after=after, limit=limit)

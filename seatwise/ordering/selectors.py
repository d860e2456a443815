"""Reads of quotes and service orders, always inside one account.

Public interface (every function keyword-only):

- ``add_seats_subscriptions(*, account_id) -> list[Subscription]``: the live subscriptions
  whose product supports seat expansion, in the catalog's product order (one query).
- ``open_quote(*, account_id) -> Quote | None``: the account's open quote, if any.
- ``quotes_page(*, account_id, after=None, limit=QUOTES_PER_PAGE) -> (list[Quote], int | None)``:
  a keyset page of the account's quotes, newest first, and the id to continue after.
- ``quote_in_account(*, account_id, quote_id) -> Quote``: the quote with its lines (and its
  service order, if any); ``NotFound`` "quote_not_found" for another account's id.
- ``order_in_account(*, account_id, order_id) -> ServiceOrder``: the order with its quote and
  payment method; ``NotFound`` "service_order_not_found" for another account's id.
- ``order_of_quote(*, quote_id) -> ServiceOrder | None``: the quote's service order, if any.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from seatwise.core.errors import NotFound
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.selectors import live_subscriptions

QUOTES_PER_PAGE = 25


def add_seats_subscriptions(*, account_id: int) -> list[Subscription]:
    """What **Add Seats** offers (article 003): live subscriptions of products with seat
    expansion supported, in product order, with product and plan."""
    return [
        s for s in live_subscriptions(account_id=account_id) if s.product.seat_expansion_supported
    ]


def open_quote(*, account_id: int) -> Quote | None:
    """The account's open quote (at most one, by the ``quote_one_open_per_account`` index).

    An open quote past its expiry is still returned until the expiry job has run: callers that
    must know whether it can be accepted compare ``expires_at`` with now.
    """
    return Quote.objects.filter(account_id=account_id, status=Quote.Status.OPEN).first()


def quotes_page(
    *, account_id: int, after: int | None = None, limit: int = QUOTES_PER_PAGE
) -> tuple[list[Quote], int | None]:
    """A keyset page of the account's quotes, newest first (by id, descending), and the id to
    continue after (None on the last page). Fetches ``limit + 1`` rows: no COUNT, no OFFSET;
    each quote carries its service order (``quote.order_or_none``), joined in the same query.
    """
    qs = Quote.objects.filter(account_id=account_id)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.select_related("service_order").order_by("-pk")[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def quote_in_account(*, account_id: int, quote_id: int) -> Quote:
    """One quote of the account with its lines (subscription and product joined)."""
    quote = (
        Quote.objects.filter(pk=quote_id, account_id=account_id)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("subscription__product").order_by(
                    "position"
                ),
            )
        )
        .first()
    )
    if quote is None:
        raise NotFound("quote_not_found", _("This quote does not exist."), field="quote")
    return quote


def order_in_account(*, account_id: int, order_id: int) -> ServiceOrder:
    """One service order of the account, with its quote and payment method."""
    order = (
        ServiceOrder.objects.filter(pk=order_id, account_id=account_id)
        .select_related("quote", "payment_method")
        .first()
    )
    if order is None:
        raise NotFound(
            "service_order_not_found", _("This service order does not exist."), field="order"
        )
    return order


def order_of_quote(*, quote_id: int) -> ServiceOrder | None:
    return ServiceOrder.objects.filter(quote_id=quote_id).select_related("payment_method").first()

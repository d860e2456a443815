from __future__ import annotations

from datetime import date

from django.db.models import Q

from seatwise.core.memo import memoized
from seatwise.tax.models import ExchangeRate, VatRate


def vat_rate_on(*, country: str, on: date) -> VatRate | None:
    """The rate of ``country`` valid on day ``on`` (``valid_to`` is the last day, inclusive).

    At most one row matches: periods of a country never overlap (see ``VatRate``). Remembered
    within a ``core.memo`` scope (a bill run's batch).
    """
    return memoized(
        ("vat_rate_on", country, on),
        lambda: (
            VatRate.objects.filter(country=country, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("-valid_from")
            .first()
        ),
    )


def exchange_rate_latest(*, currency: str, on: date) -> ExchangeRate | None:
    """The ECB reference rate of ``currency`` published on day ``on``, else the latest one
    before it (the ECB publishes on TARGET business days only); None when there is none."""
    return memoized(
        ("exchange_rate_latest", currency, on),
        lambda: (
            ExchangeRate.objects.filter(currency=currency, date__lte=on).order_by("-date").first()
        ),
    )

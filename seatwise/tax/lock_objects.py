"""Row locks of the tax app. On SQLite the IMMEDIATE transaction mode serialises writers; on
PostgreSQL these take the row locks. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.tax.models import VatRate


def country_rates_lock(country: str) -> list[VatRate]:
    return list(VatRate.objects.select_for_update().filter(country=country).order_by("valid_from"))

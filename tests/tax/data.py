"""The shipped EU VAT rates for tests: a transactional test's flush empties the table that the
data migration filled, so tests that need the rates load them again with the migration's own
code (as ``tests.factories.ensure_default_catalog`` does for the catalog)."""

from __future__ import annotations

import importlib

from seatwise.tax.models import VatRate

MIGRATION = "seatwise.tax.migrations.0002_eu_standard_rates"


def ensure_eu_vat_rates() -> None:
    if VatRate.objects.exists():
        return
    from django.apps import apps

    importlib.import_module(MIGRATION).load(apps, None)

from __future__ import annotations

import pytest

from tests.factories import ensure_default_catalog
from tests.tax.data import ensure_eu_vat_rates


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Catalog and VAT rates, which a transactional test's flush may have emptied."""
    if "django_db" in {mark.name for mark in request.node.iter_markers()}:
        ensure_default_catalog()
        ensure_eu_vat_rates()

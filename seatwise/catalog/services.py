"""Writes of the catalog."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.catalog.models import MAX_TRIAL_DAYS, Product
from seatwise.core.errors import Invalid

TRIAL_FIELDS = ["trial_days", "trial_seat_limit"]


def product_trial_set(
    *, product: Product, trial_days: int, trial_seat_limit: int, by: Actor
) -> Product:
    """Offer a free trial of ``product`` for ``trial_days`` days with at most
    ``trial_seat_limit`` seats (0 days: no trial). Trials already running keep their end."""
    if not 0 <= trial_days <= MAX_TRIAL_DAYS:
        raise Invalid(
            "invalid_trial_days",
            _("A trial lasts 0 to %(max)d days.") % {"max": MAX_TRIAL_DAYS},
            field="trial_days",
        )
    if trial_days and not 1 <= trial_seat_limit <= 10_000:
        raise Invalid(
            "invalid_trial_seat_limit",
            _("A trial has 1 to 10,000 seats."),
            field="trial_seat_limit",
        )
    seat_limit = trial_seat_limit if trial_days else 0
    if (product.trial_days, product.trial_seat_limit) == (trial_days, seat_limit):
        return product  # nothing changes, nothing is audited
    with transaction.atomic():
        old = snapshot(product, TRIAL_FIELDS)
        product.trial_days = trial_days
        product.trial_seat_limit = seat_limit
        product.save(update_fields=TRIAL_FIELDS)
        audit_record(
            by=by,
            action="product.trial_set",
            obj=product,
            account_id=None,
            old=old,
            new=snapshot(product, TRIAL_FIELDS),
        )
    return product

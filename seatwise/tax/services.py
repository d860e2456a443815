"""Writes of VAT rates: the one place that keeps a country's validity periods from overlapping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.countries import EU_MEMBER_STATES
from seatwise.core.errors import Invalid, Refused
from seatwise.tax.lock_objects import country_rates_lock
from seatwise.tax.models import VatRate

_FIELDS = ["country", "rate", "valid_from", "valid_to"]


def _overlaps(row: VatRate, valid_from: date, valid_to: date | None) -> bool:
    # Closed intervals [valid_from, valid_to]; None is "no last day".
    starts_before_other_ends = row.valid_to is None or valid_from <= row.valid_to
    ends_after_other_starts = valid_to is None or row.valid_from <= valid_to
    return starts_before_other_ends and ends_after_other_starts


def vat_rate_add(
    *,
    country: str,
    rate: Decimal,
    valid_from: date,
    valid_to: date | None = None,
    supersede: bool = False,
    by: Actor,
) -> VatRate:
    """Record a standard VAT rate of an EU member state for ``[valid_from, valid_to]``.

    Issue 4: rates are data with validity dates, for EU member states only. A period that
    overlaps another of the same country is refused, except with ``supersede=True`` for the
    usual change of rate: the country's open-ended rate that started earlier then ends the day
    before ``valid_from`` (a new row, the old one only gets its last day).
    """
    if country not in EU_MEMBER_STATES:
        raise Invalid(
            "vat_rate_not_eu",
            _("VAT rates are kept for EU member states only."),
            field="country",
        )
    if not (
        isinstance(rate, Decimal)
        and rate.is_finite()
        and Decimal(0) <= rate <= Decimal(100)
        and rate == rate.quantize(Decimal("0.01"))
    ):
        raise Invalid(
            "vat_rate_invalid",
            _("A VAT rate is a percentage from 0 to 100 with at most two decimals."),
            field="rate",
        )
    if valid_to is not None and valid_to < valid_from:
        raise Invalid(
            "vat_rate_period_invalid",
            _("The last day of validity cannot be before the first."),
            field="valid_to",
        )
    with transaction.atomic():
        rows = country_rates_lock(country)
        clashing = [row for row in rows if _overlaps(row, valid_from, valid_to)]
        if (
            supersede
            and len(clashing) == 1
            and clashing[0].valid_to is None
            and clashing[0].valid_from < valid_from
        ):
            previous = clashing[0]
            old = snapshot(previous, _FIELDS)
            previous.valid_to = valid_from - timedelta(days=1)
            previous.save(update_fields=["valid_to"])
            audit_record(
                by=by,
                action="vat_rate.close",
                obj=previous,
                account_id=None,
                old=old,
                new=snapshot(previous, _FIELDS),
            )
            clashing = []
        if clashing:
            raise Refused(
                "vat_rate_overlap",
                _("This period overlaps another VAT rate of the same country."),
                field="valid_from",
            )
        vat_rate = VatRate.objects.create(
            country=country, rate=rate, valid_from=valid_from, valid_to=valid_to
        )
        audit_record(
            by=by,
            action="vat_rate.add",
            obj=vat_rate,
            account_id=None,
            new=snapshot(vat_rate, _FIELDS),
        )
    return vat_rate

"""Writes of the tax data: VAT rates (the one place that keeps a country's validity periods from
overlapping) and the ECB's exchange rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.countries import EU_MEMBER_STATES
from seatwise.core.errors import Invalid, Refused
from seatwise.tax.exchange import PublishedRate
from seatwise.tax.lock_objects import country_rates_lock
from seatwise.tax.models import ExchangeRate, VatRate

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


@dataclass(frozen=True, slots=True)
class RatesImported:
    added: int
    already_on_record: int


def exchange_rates_import(*, rates: Iterable[PublishedRate], by: Actor) -> RatesImported:
    """Record the ECB reference rates read from a file (``tax.exchange.ecb_rates_read``).

    Idempotent: a rate already on record with the same value is skipped, so the same file,
    or the day's file after the history, can be imported again and again. A published rate
    never changes: a different value for a currency and day on record is refused and nothing
    of the import is written. One audit entry per currency sums up what was added (a rate per
    currency and day, thousands in a history file, would drown the audit trail).
    """
    incoming: dict[tuple[str, date], Decimal] = {}
    for published in rates:
        key = (published.currency, published.date)
        if key in incoming and incoming[key] != published.rate:
            raise Invalid(
                "exchange_rate_twice",
                _("The file gives two rates for %(currency)s on %(date)s.")
                % {"currency": published.currency, "date": published.date.isoformat()},
                field="file",
            )
        incoming[key] = published.rate
    with transaction.atomic():
        currencies = sorted({currency for currency, _day in incoming})
        days = [day for _currency, day in incoming]
        on_record: dict[tuple[str, date], Decimal] = {}
        if incoming:
            rows = ExchangeRate.objects.filter(
                currency__in=currencies, date__gte=min(days), date__lte=max(days)
            ).values_list("currency", "date", "rate")
            on_record = {(currency, day): rate for currency, day, rate in rows}
        new: list[ExchangeRate] = []
        for (currency, day), rate in sorted(incoming.items()):
            recorded = on_record.get((currency, day))
            if recorded is None:
                new.append(ExchangeRate(currency=currency, date=day, rate=rate))
            elif recorded != rate:
                raise Refused(
                    "exchange_rate_changed",
                    _(
                        "The rate of %(currency)s on %(date)s differs from the one on record "
                        "(%(recorded)s): a published rate does not change."
                    )
                    % {"currency": currency, "date": day.isoformat(), "recorded": recorded},
                    field="file",
                )
        # ignore_conflicts: a concurrent import of the same file inserted them first.
        ExchangeRate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        for currency in sorted({row.currency for row in new}):
            added = [row.date for row in new if row.currency == currency]
            newest = ExchangeRate.objects.get(currency=currency, date=max(added))
            audit_record(
                by=by,
                action="exchange_rates.import",
                obj=newest,
                account_id=None,
                new={
                    "currency": currency,
                    "added": len(added),
                    "first_date": min(added).isoformat(),
                    "last_date": max(added).isoformat(),
                },
            )
    return RatesImported(added=len(new), already_on_record=len(incoming) - len(new))

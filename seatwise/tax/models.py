"""VAT rates as data, with their validity dates.

A rate is valid on every day from ``valid_from`` to ``valid_to`` *inclusive* (the last day on
which it applies, as tax authorities publish them: "22 % until 30 June 2025"); an open-ended
rate has ``valid_to`` NULL. A change of rate is a new row, never an edit of the old one: the
old row gets its last day and the new one starts the day after.

Invariant: the validity periods of one country never overlap. A portable database constraint
cannot express it (PostgreSQL would need an exclusion constraint over a date range, SQLite has
none), so ``seatwise.tax.services.vat_rate_add`` enforces it under a lock and the tests check
the shipped data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VatRate(models.Model):
    """The standard VAT rate of one country, in percent, over a validity period."""

    country = models.CharField(_("country"), max_length=2)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (last day)"), null=True, blank=True)

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["country", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "valid_from"], name="vat_rate_country_valid_from_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lte=100),
                name="vat_rate_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="vat_rate_period_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="vat_rate_country_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.rate} % ({self.valid_from} – {self.valid_to or '…'})"


class ExchangeRate(models.Model):
    """A euro foreign exchange reference rate of the European Central Bank: on ``date``,
    1 EUR = ``rate`` units of ``currency``, as published (eurofxref files).

    Rates are data like VAT rates: imported from the ECB's own files by ``manage.py
    exchange_rates_import`` (``seatwise.tax.services.exchange_rates_import``), never typed in
    and never guessed. A published rate does not change: an import that disagrees with a rate
    on record is refused.
    """

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("units per euro"), max_digits=18, decimal_places=6)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"], name="exchange_rate_currency_date_unique"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$") & ~models.Q(currency="EUR"),
                name="exchange_rate_currency_iso_not_eur",
            ),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.rate} {self.currency} ({self.date})"

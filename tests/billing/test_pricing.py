"""The pure pricing functions: exact examples, then properties for any input (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatwise.core.dates import add_months
from seatwise.core.money import SUPPORTED_CURRENCIES, minor_unit, quantize
from seatwise.pricing.lines import (
    PlanPrice,
    ProratedLine,
    plan_change,
    proration,
    term_line,
    term_price,
    totals,
)
from seatwise.tax.decisions import OUTSIDE_SCOPE_NOTE, REVERSE_CHARGE_NOTE, TaxDecision

DE_B2C = TaxDecision(category="standard", rate=Decimal("19"), rate_country="DE", legal_note="")
REVERSE = TaxDecision(
    category="reverse_charge", rate=Decimal("0"), rate_country="", legal_note=REVERSE_CHARGE_NOTE
)
OUTSIDE = TaxDecision(
    category="outside_scope", rate=Decimal("0"), rate_country="", legal_note=OUTSIDE_SCOPE_NOTE
)
STANDARD_MONTHLY = PlanPrice(
    code="goto-meeting-standard-monthly",
    tier_rank=0,
    interval="month",
    unit_amount=Decimal("14.00"),
)
BUSINESS_MONTHLY = PlanPrice(
    code="goto-meeting-business-monthly",
    tier_rank=1,
    interval="month",
    unit_amount=Decimal("19.00"),
)
BUSINESS_YEARLY = PlanPrice(
    code="goto-meeting-business-yearly",
    tier_rank=1,
    interval="year",
    unit_amount=Decimal("190.00"),
)


class TestExamples:
    def test_ten_seats_added_mid_month_for_a_german_consumer(self):
        """Given 10 seats at 14.00 EUR a month, term 2027-01-01..2027-02-01 (31 days),
        when 10 seats are added on 2027-01-17 (15 days left), then 14 × 10 × 15 / 31 =
        67.741935… → 67.74, 19 % VAT 12.8706 → 12.87, gross 80.61."""
        line = proration(
            unit_amount=Decimal("14.00"),
            seats=10,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
            on=date(2027, 1, 17),
            plan_code="goto-meeting-standard-monthly",
        )

        assert line == ProratedLine(
            kind="seats_added",
            plan_code="goto-meeting-standard-monthly",
            quantity=10,
            unit_amount=Decimal("14.00"),
            currency="EUR",
            period_start=date(2027, 1, 17),
            period_end=date(2027, 2, 1),
            days=15,
            term_days=31,
            amount=Decimal("67.74"),
        )
        result = totals(lines=[line], tax=DE_B2C, currency="EUR")
        assert (result.net, result.tax, result.gross) == (
            Decimal("67.74"),
            Decimal("12.87"),
            Decimal("80.61"),
        )
        assert str(result.gross) == "80.61"

    def test_the_first_day_costs_the_full_term_and_the_last_day_one_day(self):
        kwargs = {
            "unit_amount": Decimal("14.00"),
            "seats": 3,
            "currency": "EUR",
            "term_start": date(2027, 1, 1),
            "term_end": date(2027, 2, 1),
        }

        assert proration(**kwargs, on=date(2027, 1, 1)).amount == Decimal("42.00")
        # 14 × 3 × 1 / 31 = 1.3548… → 1.35
        assert proration(**kwargs, on=date(2027, 1, 31)).amount == Decimal("1.35")

    def test_half_a_cent_rounds_up(self):
        """0.01 × 1 × 15 / 30 = 0.005 → 0.01 (half up, not half even)."""
        line = proration(
            unit_amount=Decimal("0.01"),
            seats=1,
            currency="EUR",
            term_start=date(2027, 4, 1),
            term_end=date(2027, 5, 1),
            on=date(2027, 4, 16),
        )

        assert (line.days, line.term_days, line.amount) == (15, 30, Decimal("0.01"))

    def test_tax_rounds_half_up_once_on_the_net_total(self):
        """Two lines of 0.25 at 25 %: per line 0.0625 → 0.06 each (0.12); on the net 0.50 →
        0.125 → 0.13. Seatwise takes the net total."""
        line = term_line(
            unit_amount=Decimal("0.25"),
            seats=1,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
        )
        rate_25 = TaxDecision(
            category="standard", rate=Decimal("25"), rate_country="DK", legal_note=""
        )

        result = totals(lines=[line, line], tax=rate_25, currency="EUR")

        assert (result.net, result.tax, result.gross) == (
            Decimal("0.50"),
            Decimal("0.13"),
            Decimal("0.63"),
        )

    def test_a_leap_year_annual_term(self):
        """2028-02-29..2029-02-28 is 365 days; 100 days left of 190.00 × 2 seats →
        380 × 100 / 365 = 104.109… → 104.11."""
        line = proration(
            unit_amount=Decimal("190.00"),
            seats=2,
            currency="EUR",
            term_start=date(2028, 2, 29),
            term_end=date(2029, 2, 28),
            on=date(2029, 2, 28) - timedelta(days=100),
        )

        assert (line.term_days, line.days, line.amount) == (365, 100, Decimal("104.11"))

    def test_term_price_and_line(self):
        line = term_line(
            unit_amount=Decimal("140.00"),
            seats=7,
            currency="EUR",
            term_start=date(2027, 3, 1),
            term_end=date(2028, 3, 1),
            plan_code="goto-meeting-standard-yearly",
        )

        assert term_price(unit_amount=Decimal("140.00"), seats=7, currency="EUR") == Decimal(
            "980.00"
        )
        assert (line.kind, line.days, line.term_days, line.amount) == (
            "term",
            366,
            366,
            Decimal("980.00"),
        )

    def test_an_upgrade_credits_the_old_plan_and_charges_the_new_for_the_rest_of_the_term(self):
        """10 seats, 15 of 31 days left: credit 14 × 10 × 15/31 = 67.74, charge
        19 × 10 × 15/31 = 91.935… → 91.94; net 24.20, 19 % → 4.598 → 4.60, gross 28.80."""
        change = plan_change(
            old=STANDARD_MONTHLY,
            new=BUSINESS_MONTHLY,
            seats=10,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
            on=date(2027, 1, 17),
        )

        assert change.effective == "now"
        assert [(x.kind, x.plan_code, x.days, x.amount) for x in change.lines] == [
            ("plan_credit", "goto-meeting-standard-monthly", 15, Decimal("-67.74")),
            ("plan_charge", "goto-meeting-business-monthly", 15, Decimal("91.94")),
        ]
        result = totals(lines=change.lines, tax=DE_B2C, currency="EUR")
        assert (result.net, result.tax, result.gross) == (
            Decimal("24.20"),
            Decimal("4.60"),
            Decimal("28.80"),
        )

    @pytest.mark.parametrize(
        ("old", "new"),
        [(BUSINESS_MONTHLY, STANDARD_MONTHLY), (STANDARD_MONTHLY, BUSINESS_YEARLY)],
        ids=["downgrade", "interval-change"],
    )
    def test_a_downgrade_or_interval_change_waits_for_renewal(self, old, new):
        change = plan_change(
            old=old,
            new=new,
            seats=10,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
            on=date(2027, 1, 17),
        )

        assert (change.effective, change.lines) == ("at_renewal", ())

    def test_a_zero_credit_is_not_negative_zero(self):
        free = PlanPrice(code="free", tier_rank=0, interval="month", unit_amount=Decimal("0.00"))

        change = plan_change(
            old=free,
            new=BUSINESS_MONTHLY,
            seats=1,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
            on=date(2027, 1, 17),
        )

        assert str(change.lines[0].amount) == "0.00"

    def test_reverse_charge_and_outside_scope_have_no_tax(self):
        line = term_line(
            unit_amount=Decimal("14.00"),
            seats=10,
            currency="EUR",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
        )

        for decision in (REVERSE, OUTSIDE):
            result = totals(lines=[line], tax=decision, currency="EUR")
            assert (result.net, result.tax, result.gross) == (
                Decimal("140.00"),
                Decimal("0.00"),
                Decimal("140.00"),
            )

    def test_no_lines_total_zero(self):
        result = totals(lines=[], tax=DE_B2C, currency="EUR")

        assert (str(result.net), str(result.tax), str(result.gross)) == ("0.00", "0.00", "0.00")

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"on": date(2026, 12, 31)},
            {"on": date(2027, 2, 1)},
            {"seats": 0},
            {"seats": True},
            {"unit_amount": Decimal("-0.01")},
            {"unit_amount": Decimal("NaN")},
        ],
    )
    def test_proration_rejects_values_outside_its_domain(self, kwargs):
        arguments = {
            "unit_amount": Decimal("14.00"),
            "seats": 1,
            "currency": "EUR",
            "term_start": date(2027, 1, 1),
            "term_end": date(2027, 2, 1),
            "on": date(2027, 1, 17),
        } | kwargs

        with pytest.raises(ValueError):  # noqa: PT011 — programming errors, not user input
            proration(**arguments)

    def test_totals_refuse_a_line_in_another_currency(self):
        line = term_line(
            unit_amount=Decimal("14.00"),
            seats=1,
            currency="USD",
            term_start=date(2027, 1, 1),
            term_end=date(2027, 2, 1),
        )

        with pytest.raises(ValueError, match="currency"):
            totals(lines=[line], tax=DE_B2C, currency="EUR")


# --- Properties -----------------------------------------------------------------------------

unit_amounts = st.decimals(
    min_value=Decimal("0.00"), max_value=Decimal("100000.00"), places=2, allow_nan=False
)
seat_counts = st.integers(min_value=1, max_value=10_000)
currencies = st.sampled_from(SUPPORTED_CURRENCIES)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False)


@st.composite
def terms(draw: st.DrawFn) -> tuple[date, date, date]:
    """A monthly or annual term starting 2000..2099 and a day ``on`` inside it."""
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    end = add_months(start, draw(st.sampled_from([1, 12])))
    on = start + timedelta(days=draw(st.integers(0, (end - start).days - 1)))
    return start, end, on


def half_up(value: Fraction, unit: Decimal) -> Decimal:
    """An independent oracle: round an exact fraction half up (away from zero) to ``unit``."""
    steps = value / Fraction(unit)
    magnitude = abs(steps)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole if steps >= 0 else -whole) * unit).quantize(unit, rounding=ROUND_HALF_UP)


@given(unit=unit_amounts, seats=seat_counts, currency=currencies, term=terms())
def test_prorated_amount_is_the_exact_fraction_rounded_half_up_once(unit, seats, currency, term):
    start, end, on = term

    line = proration(
        unit_amount=unit, seats=seats, currency=currency, term_start=start, term_end=end, on=on
    )

    exact = Fraction(unit) * seats * (end - on).days / (end - start).days
    assert line.amount == half_up(exact, minor_unit(currency))
    assert (line.days, line.term_days) == ((end - on).days, (end - start).days)


@given(unit=unit_amounts, seats=seat_counts, currency=currencies, term=terms())
def test_prorated_amount_lies_between_zero_and_the_full_term(unit, seats, currency, term):
    start, end, on = term
    full = term_price(unit_amount=unit, seats=seats, currency=currency)

    amount = proration(
        unit_amount=unit, seats=seats, currency=currency, term_start=start, term_end=end, on=on
    ).amount

    assert Decimal(0) <= amount <= full


@given(unit=unit_amounts, seats=seat_counts, currency=currencies, term=terms())
def test_seats_added_on_the_first_day_cost_the_full_term(unit, seats, currency, term):
    start, end, _ = term

    line = proration(
        unit_amount=unit,
        seats=seats,
        currency=currency,
        term_start=start,
        term_end=end,
        on=start,
    )

    assert line.amount == term_price(unit_amount=unit, seats=seats, currency=currency)


@given(unit=unit_amounts, seats=seat_counts, currency=currencies, term=terms())
def test_later_additions_never_cost_more(unit, seats, currency, term):
    start, end, on = term
    kwargs = {"unit_amount": unit, "seats": seats, "currency": currency}
    later = min(on + timedelta(days=1), end - timedelta(days=1))

    assert (
        proration(**kwargs, term_start=start, term_end=end, on=later).amount
        <= proration(**kwargs, term_start=start, term_end=end, on=on).amount
    )


@given(
    unit=unit_amounts,
    n=st.integers(min_value=1, max_value=200),
    currency=currencies,
    term=terms(),
)
def test_seats_one_by_one_differ_from_all_at_once_by_rounding_only(unit, n, currency, term):
    """Each of the n one-seat lines and the n-seat line is rounded once, by at most half a
    minor unit each: the two totals differ by at most (n + 1) / 2 minor units (≤ n units)."""
    start, end, on = term
    kwargs = {"unit_amount": unit, "currency": currency, "term_start": start, "term_end": end}

    one_by_one = sum(proration(**kwargs, seats=1, on=on).amount for _ in range(n))
    at_once = proration(**kwargs, seats=n, on=on).amount

    unit_step = minor_unit(currency)
    assert abs(one_by_one - at_once) <= unit_step * Decimal(n + 1) / 2
    assert abs(one_by_one - at_once) <= unit_step * n


@given(
    items=st.lists(st.tuples(unit_amounts, seat_counts, terms()), min_size=0, max_size=6),
    currency=currencies,
    rate=rates,
)
def test_totals_follow_the_rounding_rule(items, currency, rate):
    lines = [
        proration(
            unit_amount=unit,
            seats=seats,
            currency=currency,
            term_start=start,
            term_end=end,
            on=on,
        )
        for unit, seats, (start, end, on) in items
    ]
    decision = TaxDecision(category="standard", rate=rate, rate_country="DE", legal_note="")

    result = totals(lines=lines, tax=decision, currency=currency)

    assert result.net == sum((line.amount for line in lines), Decimal(0))
    assert result.tax == quantize(result.net * rate / 100, currency)
    assert result.tax == half_up(Fraction(result.net) * Fraction(rate) / 100, minor_unit(currency))
    assert result.gross == result.net + result.tax
    for reverse_or_outside in (REVERSE, OUTSIDE):
        zero_rated = totals(lines=lines, tax=reverse_or_outside, currency=currency)
        assert zero_rated.tax == 0
        assert zero_rated.gross == zero_rated.net == result.net


@given(
    old_unit=unit_amounts,
    new_unit=unit_amounts,
    seats=seat_counts,
    currency=currencies,
    term=terms(),
)
def test_an_upgrade_credit_never_exceeds_what_the_old_plan_cost_for_those_days(
    old_unit, new_unit, seats, currency, term
):
    start, end, on = term
    old = PlanPrice(code="old", tier_rank=0, interval="month", unit_amount=old_unit)
    new = PlanPrice(code="new", tier_rank=1, interval="month", unit_amount=new_unit)

    credit, charge = plan_change(
        old=old,
        new=new,
        seats=seats,
        currency=currency,
        term_start=start,
        term_end=end,
        on=on,
    ).lines

    paid_for_remaining_days = proration(
        unit_amount=old_unit,
        seats=seats,
        currency=currency,
        term_start=start,
        term_end=end,
        on=on,
    ).amount
    assert Decimal(0) <= -credit.amount == paid_for_remaining_days
    assert -credit.amount <= term_price(unit_amount=old_unit, seats=seats, currency=currency)
    charged_for_remaining_days = proration(
        unit_amount=new_unit,
        seats=seats,
        currency=currency,
        term_start=start,
        term_end=end,
        on=on,
    ).amount
    assert charge.amount == charged_for_remaining_days
    assert (credit.period_start, credit.period_end) == (charge.period_start, charge.period_end)

"""Property tests (hypothesis): issued totals follow the rounding rule, the preview is the
invoice, and credit notes never exceed what they correct. The oracle computes with
``fractions.Fraction``, independently of ``seatwise.core.money``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatwise.core.errors import Refused
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.selectors import credited_of
from seatwise.invoicing.seller import account_tax_decision
from seatwise.invoicing.services import credit_note_issue, document_for, invoice_issue
from seatwise.pricing.lines import preview_seat_addition, proration, term_line
from seatwise.tax.decisions import TaxDecision
from tests.factories import SYSTEM, make_account, make_subscription

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CENT = Fraction(1, 100)


def half_up_cents(value: Fraction) -> Decimal:
    """The rounding rule, by an independent route: half away from zero to whole cents."""
    cents = abs(value) / CENT
    whole = int(cents)
    if cents - whole >= Fraction(1, 2):
        whole += 1
    signed = whole if value >= 0 else -whole
    return Decimal(signed) / 100


unit_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
rates = st.sampled_from([Decimal("0.00"), Decimal("7.70"), Decimal("19.00"), Decimal("25.50")])


@st.composite
def priced_lines(draw):
    term_start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 1)))
    term_end = term_start + timedelta(days=draw(st.sampled_from([28, 30, 31, 365])))
    count = draw(st.integers(min_value=1, max_value=4))
    lines = []
    for _ in range(count):
        unit = draw(unit_amounts)
        seats = draw(st.integers(min_value=1, max_value=500))
        if draw(st.booleans()):
            lines.append(
                term_line(
                    unit_amount=unit,
                    seats=seats,
                    currency="EUR",
                    term_start=term_start,
                    term_end=term_end,
                    plan_code="goto-meeting-standard-monthly",
                )
            )
        else:
            on = term_start + timedelta(
                days=draw(st.integers(min_value=0, max_value=(term_end - term_start).days - 1))
            )
            lines.append(
                proration(
                    unit_amount=unit,
                    seats=seats,
                    currency="EUR",
                    term_start=term_start,
                    term_end=term_end,
                    on=on,
                    plan_code="goto-meeting-standard-monthly",
                )
            )
    return lines


def vat(rate: Decimal) -> TaxDecision:
    return TaxDecision(
        category="standard" if rate else "outside_scope",
        rate=rate,
        rate_country="DE" if rate else "",
        legal_note="",
    )


@PROPERTY_SETTINGS
@given(lines=priced_lines(), rate=rates)
def test_invoice_totals_are_the_sum_of_lines_plus_tax_under_the_rounding_rule(account, lines, rate):
    invoice = invoice_issue(
        account=account, lines=lines, tax=vat(rate), source="purchase", by=SYSTEM
    )

    invoice.refresh_from_db()
    stored = [line.net_amount for line in invoice.lines.order_by("position")]
    expected_lines = [
        half_up_cents(Fraction(line.unit_amount) * line.quantity * line.days / line.term_days)
        for line in lines
    ]
    assert stored == expected_lines
    expected_net = sum(expected_lines, Decimal("0.00"))
    expected_tax = half_up_cents(Fraction(expected_net) * Fraction(rate) / 100)
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        expected_net,
        expected_tax,
        expected_net + expected_tax,
    )
    document = document_for(invoice)
    assert sum((line.net_amount for line in document.lines), Decimal("0.00")) == document.net_total


@PROPERTY_SETTINGS
@given(
    seats=st.integers(min_value=1, max_value=200),
    term_start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 1)),
    day=st.integers(min_value=0, max_value=27),
    plan_code=st.sampled_from(["goto-meeting-standard-monthly", "goto-meeting-business-yearly"]),
    country=st.sampled_from(["DE", "FR", "IT", "US"]),
)
def test_the_preview_is_the_invoice_to_the_cent(seats, term_start, day, plan_code, country):
    account = make_account(country=country, currency="EUR")
    subscription = make_subscription(account, seats=5, plan_code=plan_code, term_start=term_start)
    on = term_start + timedelta(days=day)
    tax = account_tax_decision(account=account, on=on)
    preview = preview_seat_addition(subscription=subscription, seats_to_add=seats, on=on, tax=tax)

    invoice = invoice_issue(
        account=account,
        lines=preview.lines,
        tax=preview.totals.tax_decision,
        source="seats",
        issue_date=on,
        by=SYSTEM,
    )

    document = document_for(invoice)
    assert (document.net_total, document.tax_total, document.gross_total) == (
        preview.totals.net,
        preview.totals.tax,
        preview.totals.gross,
    )
    assert [line.net_amount for line in document.lines] == [line.amount for line in preview.lines]
    assert document.tax_rate == preview.totals.tax_decision.rate


@PROPERTY_SETTINGS
@given(
    lines=priced_lines(),
    rate=rates,
    credits=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2),
        min_size=1,
        max_size=6,
    ),
)
def test_credit_notes_never_exceed_what_they_correct(account, lines, rate, credits):
    invoice = invoice_issue(
        account=account, lines=lines, tax=vat(rate), source="purchase", by=SYSTEM
    )
    if invoice.net_total <= 0:
        return

    for amount in credits:
        before = credited_of(invoice)
        tax = half_up_cents(Fraction(amount) * Fraction(rate) / 100)
        fits = (
            before.net + amount <= invoice.net_total
            and before.tax + tax <= invoice.tax_total
            and before.gross + amount + tax <= invoice.gross_total
        )
        if fits:
            note = credit_note_issue(
                invoice=invoice, amount_net=amount, reason="p", settlement="none", by=SYSTEM
            )
            assert (note.net_total, note.tax_total) == (amount, tax)
        else:
            with pytest.raises(Refused) as refusal:
                credit_note_issue(
                    invoice=invoice, amount_net=amount, reason="p", settlement="none", by=SYSTEM
                )
            assert refusal.value.code == "credit_exceeds_invoice"
            assert credited_of(invoice) == before

    credited = credited_of(invoice)
    assert credited.net <= invoice.net_total
    assert credited.tax <= invoice.tax_total
    assert credited.gross <= invoice.gross_total
    assert Invoice.objects.filter(corrects=invoice).count() <= len(credits)

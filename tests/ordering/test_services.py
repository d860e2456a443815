"""Quotes, the checkout and placing service orders (the help articles add-seats-corporate and
quotes)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from seatwise.accounts.models import Person
from seatwise.accounts.services import Address
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.ordering.services import (
    AdminContact,
    add_seats_check,
    quote_accept,
    quote_create,
    quote_reject,
    quotes_expire,
    service_order_place,
)
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod
from seatwise.sales.models import Purchase
from tests.factories import SYSTEM, make_account, make_card, make_person
from tests.ordering.helpers import (
    GROSS,
    NET,
    ON,
    TAX,
    checkout,
    corporate,
    quote_for,
    state,
)
from tests.tasks import queued_tasks

pytestmark = pytest.mark.django_db


# --- add_seats_check ------------------------------------------------------------------------


def test_add_seats_check_passes_for_an_eligible_corporate_account_with_an_automatic_card():
    assert add_seats_check(account=corporate().account) is None


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"kind": "online"}, "not_corporate"),
        ({"eligible": False}, "not_self_service"),
        ({"card": None}, "no_automatic_payment_method"),
    ],
)
def test_add_seats_check_refusals(setup, code):
    c = corporate(**setup)
    with pytest.raises(Refused) as refused:
        add_seats_check(account=c.account)
    assert refused.value.code == code


def test_not_self_service_points_to_corporate_account_services():
    c = corporate(eligible=False)
    with pytest.raises(Refused) as refused:
        add_seats_check(account=c.account)
    assert "Corporate Account Services" in str(refused.value.message)


def test_a_card_for_one_payment_only_is_no_automatic_payment_method():
    c = corporate(card=None)
    make_card(c.account)
    PaymentMethod.objects.filter(account=c.account).update(is_automatic=False)
    with pytest.raises(Refused) as refused:
        add_seats_check(account=c.account)
    assert refused.value.code == "no_automatic_payment_method"


# --- quote_create ---------------------------------------------------------------------------


def test_quote_prices_each_line_pro_rata_and_the_vat_once_on_the_net_total():
    # Given 5 seats of GoTo Meeting (monthly) and 3 of GoTo Training (yearly), mid-term
    c = corporate()

    # When 3 and 2 seats are added (New Seat Qty is the number to add, not the new total)
    before = timezone.now()
    quote = quote_for(c)

    # Then
    assert quote.number == f"Q-{before.year}-{quote.pk:06d}"
    assert (quote.status, quote.currency, quote.priced_on) == ("open", "EUR", ON)
    assert (quote.net_total, quote.tax_total, quote.gross_total) == (NET, TAX, GROSS)
    assert (quote.tax_category, quote.tax_rate, quote.tax_rate_country) == (
        "S",
        Decimal("19.00"),
        "DE",
    )
    assert quote.expires_at == quote.sent_at + timedelta(days=7)
    assert before <= quote.sent_at <= timezone.now()
    lines = list(
        quote.lines.values_list(
            "position",
            "subscription",
            "product_name",
            "quantity",
            "unit_amount",
            "days",
            "term_days",
            "period_end",
            "amount",
        )
    )
    assert lines == [
        (
            1,
            c.meeting.pk,
            "GoTo Meeting",
            3,
            Decimal("14.00"),
            21,
            31,
            date(2026, 4, 1),
            Decimal("28.45"),
        ),
        (
            2,
            c.training.pk,
            "GoTo Training",
            2,
            Decimal("2290.00"),
            355,
            365,
            date(2027, 3, 1),
            Decimal("4454.52"),
        ),
    ]
    assert AuditEntry.objects.filter(action="quote.create", object_id=str(quote.pk)).count() == 1
    # Nothing but the quote: no seats, no charge.
    c.meeting.refresh_from_db()
    assert c.meeting.seats == 5


def test_a_zero_quantity_adds_no_line():
    c = corporate()
    quote = quote_for(c, meeting=0, training=1)
    assert list(quote.lines.values_list("subscription", "quantity")) == [(c.training.pk, 1)]


def test_a_reverse_charge_customer_is_quoted_without_vat_and_with_the_note():
    account = make_account(kind="corporate", country="ES", language="es", vat_id="ESB58378431")
    from tests.factories import make_subscription

    meeting = make_subscription(account, seats=5, term_start=date(2026, 3, 1))
    quote = quote_create(
        account=account, seats={meeting.pk: 3}, replace_open=False, by=SYSTEM, on=ON
    )
    assert (quote.net_total, quote.tax_total, quote.gross_total) == (
        Decimal("28.45"),
        Decimal("0.00"),
        Decimal("28.45"),
    )
    assert (quote.tax_category, quote.buyer_vat_id) == ("AE", "ESB58378431")
    assert quote.tax_note.startswith("Reverse charge")


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, None, 9_998])
def test_invalid_quantities_are_refused_with_the_field_and_change_nothing(bad):
    c = corporate()
    before = state()
    with pytest.raises(Invalid) as invalid:
        quote_create(
            account=c.account,
            seats={c.meeting.pk: 1, c.training.pk: bad},
            replace_open=False,
            by=SYSTEM,
            on=ON,
        )
    assert (invalid.value.code, invalid.value.field) == ("invalid_seats", f"seats-{c.training.pk}")
    assert "from 0 to 9997" in str(invalid.value.message)
    assert state() == before


def test_the_most_seats_that_can_be_added_is_up_to_the_maximum():
    c = corporate()
    quote = quote_create(
        account=c.account, seats={c.training.pk: 9_997}, replace_open=False, by=SYSTEM, on=ON
    )
    assert quote.lines.get().quantity == 9_997


def test_nothing_to_add_is_refused():
    c = corporate()
    before = state()
    with pytest.raises(Invalid) as invalid:
        quote_create(
            account=c.account,
            seats={c.meeting.pk: 0, c.training.pk: 0},
            replace_open=False,
            by=SYSTEM,
            on=ON,
        )
    assert (invalid.value.code, invalid.value.field) == ("nothing_to_add", "seats")
    assert state() == before


def test_a_product_without_seat_expansion_is_refused():
    c = corporate()
    before = state()
    with pytest.raises(Refused) as refused:
        quote_create(
            account=c.account, seats={c.remote.pk: 1}, replace_open=False, by=SYSTEM, on=ON
        )
    assert (refused.value.code, refused.value.field) == (
        "seat_expansion_not_supported",
        f"seats-{c.remote.pk}",
    )
    assert state() == before


def test_another_accounts_subscription_is_refused():
    c, other = corporate(), corporate()
    before = state()
    with pytest.raises(Refused) as refused:
        quote_create(
            account=c.account, seats={other.meeting.pk: 1}, replace_open=False, by=SYSTEM, on=ON
        )
    assert refused.value.code == "seat_expansion_not_supported"
    assert state() == before


@pytest.mark.parametrize(
    ("setup", "code"),
    [({"kind": "online"}, "not_corporate"), ({"eligible": False}, "not_self_service")],
)
def test_quotes_are_refused_to_accounts_that_cannot_add_seats(setup, code):
    c = corporate(**setup)
    before = state()
    with pytest.raises(Refused) as refused:
        quote_for(c)
    assert refused.value.code == code
    assert state() == before


def test_no_card_on_file_does_not_stop_the_quote_the_checkout_can_add_one():
    c = corporate(card=None)
    assert quote_for(c).status == "open"


def test_an_open_quote_must_be_accepted_or_rejected_first():
    c = corporate()
    first = quote_for(c)
    before = state()

    with pytest.raises(Refused) as refused:
        quote_for(c, meeting=1)

    assert (refused.value.code, refused.value.params["number"]) == ("open_quote", first.number)
    message = str(refused.value.message)
    assert first.number in message
    assert "expires at once" in message
    assert state() == before


def test_proceeding_expires_the_open_quote_at_once_replaced_by_the_new_one():
    c = corporate()
    first = quote_for(c)

    second = quote_for(c, replace_open=True, meeting=1)

    first.refresh_from_db()
    assert (first.status, first.replaced_by_id) == ("expired", second.pk)
    assert first.decided_at is not None
    assert second.status == "open"
    entry = AuditEntry.objects.get(action="quote.expire", object_id=str(first.pk))
    assert (entry.old, entry.new) == (
        {"status": "open"},
        {"status": "expired", "reason": "replaced", "replaced_by": second.number},
    )
    assert Quote.objects.filter(account=c.account, status="open").get() == second


def test_an_open_quote_past_its_seven_days_does_not_block_a_new_one():
    c = corporate()
    first = quote_for(c)
    Quote.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    second = quote_for(c)

    first.refresh_from_db()
    assert (first.status, first.replaced_by_id) == ("expired", None)
    assert second.status == "open"


# --- accept, reject, expire -----------------------------------------------------------------


def test_accept_is_idempotent_and_reject_of_an_accepted_quote_is_refused():
    quote = quote_for(corporate())
    accepted = quote_accept(quote=quote, by=SYSTEM)
    again = quote_accept(quote=quote, by=SYSTEM)
    assert (accepted.status, again.status) == ("accepted", "accepted")
    assert AuditEntry.objects.filter(action="quote.accept").count() == 1
    with pytest.raises(Refused) as refused:
        quote_reject(quote=quote, by=SYSTEM)
    assert refused.value.code == "quote_accepted"


def test_reject_is_idempotent_and_a_rejected_quote_cannot_be_accepted():
    quote = quote_for(corporate())
    assert quote_reject(quote=quote, by=SYSTEM).status == "rejected"
    assert quote_reject(quote=quote, by=SYSTEM).status == "rejected"
    assert AuditEntry.objects.filter(action="quote.reject").count() == 1
    with pytest.raises(Refused) as refused:
        quote_accept(quote=quote, by=SYSTEM)
    assert refused.value.code == "quote_rejected"


@pytest.mark.parametrize("action", [quote_accept, quote_reject])
def test_an_expired_quote_can_be_neither_accepted_nor_rejected(action):
    quote = quote_for(corporate())
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = state()
    with pytest.raises(Refused) as refused:
        action(quote=quote, by=SYSTEM)
    assert refused.value.code == "quote_expired"
    assert state() == before


def test_the_expiry_job_expires_open_quotes_after_seven_days_once():
    due, fresh, accepted = quote_for(corporate()), quote_for(corporate()), quote_for(corporate())
    quote_accept(quote=accepted, by=SYSTEM)
    now = due.sent_at + timedelta(days=7)
    Quote.objects.filter(pk=fresh.pk).update(expires_at=now + timedelta(seconds=1))
    Quote.objects.filter(pk=accepted.pk).update(expires_at=now - timedelta(days=1))

    assert quotes_expire(now=now, by=SYSTEM) == 1
    assert quotes_expire(now=now, by=SYSTEM) == 0

    statuses = dict(Quote.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", fresh.pk: "open", accepted.pk: "accepted"}
    entry = AuditEntry.objects.get(action="quote.expire")
    assert entry.new == {"status": "expired", "reason": "validity_ended", "replaced_by": None}


def test_the_expiry_task_runs_the_job():
    from seatwise.ordering.tasks import quotes_expire_task

    quote = quote_for(corporate())
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert quotes_expire_task.call() == 1
    assert quotes_expire_task.call() == 0


# --- checkout_save --------------------------------------------------------------------------


def test_checkout_accepts_the_quote_saves_the_address_and_drafts_the_order():
    c = corporate()
    quote = quote_for(c)

    order = checkout(quote, c)

    quote.refresh_from_db()
    assert quote.status == "accepted"
    assert order.number == quote.number.replace("Q-", "SO-")
    assert (order.status, order.purchase, order.quote_id, order.payment_method_id) == (
        "draft",
        None,
        quote.pk,
        c.card.pk,
    )
    assert (order.admin_first_name, order.admin_email, order.admin_language) == (
        "Ada",
        "ada.admin@example.com",
        "en",
    )
    c.account.refresh_from_db()
    assert (c.account.address_line1, c.account.postal_code, c.account.city) == (
        "Unter den Linden 1",
        "10117",
        "Berlin",
    )
    assert queued_tasks() == []  # nothing is processed before placing


def test_checkout_again_updates_the_draft_and_keeps_one_order():
    c = corporate()
    quote = quote_for(c)
    first = checkout(quote, c)

    second = checkout(quote, c, admin=AdminContact("Bea", "Boss", "bea@example.com", "de"))

    assert second.pk == first.pk
    assert ServiceOrder.objects.count() == 1
    assert (second.admin_first_name, second.admin_email) == ("Bea", "bea@example.com")
    assert AuditEntry.objects.filter(action="service_order.update").count() == 1


def test_checkout_with_a_new_card_keeps_it_as_the_automatic_default():
    c = corporate(card=None)
    quote = quote_for(c)
    card = CardDetails(
        number="5555555555554444",
        exp_month=12,
        exp_year=date.today().year + 2,
        cvc="123",
        holder_name="Bill Contact",
    )

    order = checkout(quote, c, payment_method_id=None, new_card=card)

    method = PaymentMethod.objects.get(account=c.account)
    assert (method.last4, method.is_automatic, method.is_default) == ("4444", True, True)
    assert order.payment_method_id == method.pk
    add_seats_check(account=c.account)  # the precondition now holds


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {"admin": AdminContact("", "Admin", "a@example.com", "en")},
            "required",
            "admin_first_name",
        ),
        (
            {"admin": AdminContact("Ada", "x" * 33, "a@example.com", "en")},
            "too_long",
            "admin_last_name",
        ),
        (
            {"admin": AdminContact("Ada", "Admin", "not-an-address", "en")},
            "invalid_email",
            "admin_email",
        ),
        (
            {"admin": AdminContact("Ada", "Admin", "a@example.com", "xx")},
            "invalid_language",
            "admin_language",
        ),
        ({"address": Address(line1="", postal_code="1", city="B")}, "required", "address_line1"),
        ({"address": Address(line1="A", postal_code="", city="B")}, "required", "postal_code"),
        ({"address": Address(line1="A", postal_code="1", city="")}, "required", "city"),
        ({"country": "ZZ"}, "invalid_country", "country"),
        ({"payment_method_id": None}, "payment_method_required", "payment_method"),
        ({"payment_method_id": 999_999}, "invalid_payment_method", "payment_method"),
        (
            {
                "payment_method_id": None,
                "new_card": CardDetails(
                    number="4242424242424241",
                    exp_month=12,
                    exp_year=2099,
                    cvc="123",
                    holder_name="X",
                ),
            },
            "invalid_number",
            "card_number",
        ),
        (
            {
                "payment_method_id": None,
                "new_card": CardDetails(
                    number="4000000000000127",
                    exp_month=12,
                    exp_year=2099,
                    cvc="123",
                    holder_name="X",
                ),
            },
            "incorrect_cvc",
            "card_cvc",
        ),
    ],
)
def test_checkout_input_errors_name_the_form_field_and_change_nothing(overrides, code, field):
    c = corporate()
    quote = quote_for(c)
    before = state()
    with pytest.raises(Invalid) as invalid:
        checkout(quote, c, **overrides)
    assert (invalid.value.code, invalid.value.field) == (code, field)
    assert state() == before


def test_another_accounts_card_is_refused():
    c, other = corporate(), corporate()
    quote = quote_for(c)
    with pytest.raises(Invalid) as invalid:
        checkout(quote, c, payment_method_id=other.card.pk)
    assert invalid.value.code == "invalid_payment_method"


def test_an_admin_contact_of_another_account_is_refused():
    c, other = corporate(), corporate()
    stranger = make_person(other.account)
    quote = quote_for(c)
    before = state()
    with pytest.raises(Refused) as refused:
        checkout(quote, c, admin=AdminContact("Pat", "P", stranger.email, "en"))
    assert (refused.value.code, refused.value.field) == ("email_unavailable", "admin_email")
    assert state() == before


def test_a_country_that_changes_the_vat_needs_a_new_quote():
    c = corporate()
    quote = quote_for(c)
    before = state()
    with pytest.raises(Refused) as refused:
        checkout(quote, c, country="FR")
    assert (refused.value.code, refused.value.field) == ("country_changes_vat", "country")
    assert state() == before


def test_checkout_of_an_expired_quote_is_refused():
    c = corporate()
    quote = quote_for(c)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = state()
    with pytest.raises(Refused) as refused:
        checkout(quote, c)
    assert refused.value.code == "quote_expired"
    assert state() == before


# --- service_order_place --------------------------------------------------------------------


def test_placing_receives_the_order_and_enqueues_its_processing_once(
    django_capture_on_commit_callbacks,
):
    c = corporate()
    order = checkout(quote_for(c), c)

    # (With a broker, the task is enqueued when the transaction commits.)
    with django_capture_on_commit_callbacks(execute=True):
        placed = service_order_place(order=order, by=SYSTEM)
        again = service_order_place(order=order, by=SYSTEM)

    assert (placed.pk, again.pk) == (order.pk, order.pk)
    assert (again.status, again.placed_at) == ("received", placed.placed_at)
    assert queued_tasks() == [
        ("seatwise.ordering.tasks.service_order_process_task", {"order_id": order.pk})
    ]
    assert AuditEntry.objects.filter(action="service_order.place").count() == 1
    # its one purchase in the sales pipeline, on the order's card, not run yet
    purchase = Purchase.objects.get()
    assert (placed.purchase, again.purchase) == (purchase, purchase)
    assert (
        purchase.kind,
        purchase.account_id,
        purchase.key,
        purchase.params,
        purchase.payment_method_id,
        purchase.currency,
        purchase.status,
        purchase.step,
    ) == (
        "service_order",
        c.account.pk,
        f"service-order:{order.pk}",
        {"order": order.pk},
        c.card.pk,
        "EUR",
        "open",
        "",
    )


def test_checkout_after_placing_is_refused():
    c = corporate()
    quote = quote_for(c)
    order = service_order_place(order=checkout(quote, c), by=SYSTEM)
    with pytest.raises(Refused) as refused:
        checkout(quote, c)
    assert (refused.value.code, refused.value.params["order_id"]) == (
        "service_order_placed",
        order.pk,
    )


def test_placing_after_the_quote_expired_is_refused_and_changes_nothing():
    c = corporate()
    quote = quote_for(c)
    order = checkout(quote, c)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = state()
    with pytest.raises(Refused) as refused:
        service_order_place(order=order, by=SYSTEM)
    assert refused.value.code == "quote_expired"
    assert state() == before
    assert queued_tasks() == []


def test_placing_with_a_removed_card_is_refused():
    c = corporate()
    order = checkout(quote_for(c), c)
    PaymentMethod.objects.filter(pk=c.card.pk).update(removed_at=timezone.now())
    with pytest.raises(Refused) as refused:
        service_order_place(order=order, by=SYSTEM)
    assert refused.value.code == "payment_method_unusable"


def test_placing_after_a_subscription_changed_term_is_refused():
    c = corporate()
    order = checkout(quote_for(c), c)
    c.meeting.__class__.objects.filter(pk=c.meeting.pk).update(term_end=date(2026, 5, 1))
    with pytest.raises(Refused) as refused:
        service_order_place(order=order, by=SYSTEM)
    assert refused.value.code == "quote_outdated"


def test_the_admin_contact_may_be_the_billing_contact_themself():
    c = corporate()
    contact = Person.objects.get(account=c.account, is_billing_contact=True)
    order = checkout(
        quote_for(c), c, admin=AdminContact(contact.first_name, "Renamed", contact.email, "de")
    )
    assert order.admin_email == contact.email

"""50 simultaneous submissions of one checkout and of one service order: one order, one charge, one
invoice, and every submitter gets that same order. Runs on SQLite (IMMEDIATE transactions) and
PostgreSQL (row locks), threads each with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connections

from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.ordering.services import service_order_place
from seatwise.payments.models import Charge, TestGatewayCharge
from tests.factories import SYSTEM
from tests.ordering.helpers import GROSS, ON, checkout, corporate, quote_for

CALLERS = 50


def at_once(function: Callable[[], ServiceOrder]) -> tuple[list[int], list[BaseException]]:
    """Run ``function`` in CALLERS threads released together; the order ids they got."""
    barrier = threading.Barrier(CALLERS)
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def runner() -> None:
        try:
            barrier.wait()
            order = function()
            with lock:
                got.append(order.pk)
        except BaseException as error:  # reported by the test
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return got, errors


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_checkouts_of_one_quote_make_one_order():
    c = corporate()
    quote = quote_for(c)

    got, errors = at_once(lambda: checkout(Quote.objects.get(pk=quote.pk), c))

    assert errors == []
    order = ServiceOrder.objects.get()
    assert got == [order.pk] * CALLERS
    assert Quote.objects.get().status == "accepted"
    assert AuditEntry.objects.filter(action="quote.accept").count() == 1
    assert AuditEntry.objects.filter(action="service_order.create").count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_placements_make_one_order_one_charge_one_invoice(run_worker):
    c = corporate()
    order = checkout(quote_for(c), c)

    got, errors = at_once(
        lambda: service_order_place(order=ServiceOrder.objects.get(pk=order.pk), by=SYSTEM)
    )

    assert errors == []
    assert got == [order.pk] * CALLERS
    assert ServiceOrder.objects.get().status == "received"
    assert AuditEntry.objects.filter(action="service_order.place").count() == 1

    run_worker()

    assert ServiceOrder.objects.get().status == "completed"
    assert Charge.objects.count() == 1
    assert TestGatewayCharge.objects.count() == 1
    assert Invoice.objects.get().gross_total == GROSS
    c.meeting.refresh_from_db()
    assert c.meeting.seats == 8


@pytest.mark.django_db(transaction=True)
def test_fifty_checkouts_and_placements_racing_each_other_make_one_order(run_worker):
    # Half the callers save the checkout again, half place the order: whichever wins, there
    # is one order, placed at most once, processed once.
    c = corporate()
    quote = quote_for(c)
    order = checkout(quote, c)
    calls = iter(range(CALLERS))
    lock = threading.Lock()

    def call() -> ServiceOrder:
        with lock:
            n = next(calls)
        if n % 2:
            return service_order_place(order=ServiceOrder.objects.get(pk=order.pk), by=SYSTEM)
        try:
            return checkout(Quote.objects.get(pk=quote.pk), c)
        except Exception as refusal:  # placed already: the refusal names the order
            if getattr(refusal, "code", "") != "service_order_placed":
                raise
            return ServiceOrder.objects.get(pk=refusal.params["order_id"])  # type: ignore[attr-defined]

    got, errors = at_once(call)

    assert errors == []
    assert got == [order.pk] * CALLERS
    run_worker()
    assert ServiceOrder.objects.get().status == "completed"
    assert TestGatewayCharge.objects.count() == 1
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submissions_of_one_add_seats_form_make_one_quote():
    """Save Cart and Review submitted 20 times at once (the confirmation that replaces an open
    quote included): one new quote, the old one expired once, every caller that quote."""
    from seatwise.ordering.services import quote_create

    c = corporate()
    old = quote_for(c)
    barrier = threading.Barrier(20)
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            quote = quote_create(
                account=c.account,
                seats={c.meeting.pk: 4},
                replace_open=True,
                by=SYSTEM,
                on=ON,
                request_key="add-seats-form-key-0001",
            )
            with lock:
                got.append(quote.pk)
        except BaseException as error:  # reported by the test
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    assert errors == []
    assert len(set(got)) == 1
    assert Quote.objects.filter(account=c.account).count() == 2
    old.refresh_from_db()
    assert (old.status, old.replaced_by_id) == ("expired", got[0])
    assert AuditEntry.objects.filter(action="quote.create").count() == 2

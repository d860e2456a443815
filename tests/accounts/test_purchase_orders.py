"""The purchase order of a corporate account (seatwise.accounts.purchase_orders): its optional
expiration date, the invoices that print it (issued before that date), and the reminder to the
billing contact 14 days before it expires, once per number and date.

The purchase order of these tests, PO-4711, expires on 2 April 2026: invoices issued until
1 April carry it, those issued on 2 April or later do not, and its reminder is due from
19 March (14 days left) to 1 April (1 day left)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings

from seatwise.accounts.models import Account
from seatwise.accounts.purchase_orders import (
    account_purchase_order_set,
    purchase_order_on,
    purchase_order_reminders_send,
    reminder_due,
)
from seatwise.accounts.services import person_language_set
from seatwise.audit.models import AuditEntry
from seatwise.billing.renewals import renewals_run
from seatwise.core.errors import Invalid
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from tests.corporate.helpers import corporate_account, issue_invoice
from tests.factories import SYSTEM, billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db

NUMBER = "PO-4711"
EXPIRES = date(2026, 4, 2)


def state() -> dict[str, object]:
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def with_purchase_order(account: Account, *, number: str = NUMBER, expires_on=EXPIRES) -> None:
    account_purchase_order_set(account=account, number=number, expires_on=expires_on, by=SYSTEM)


# --- setting it ----------------------------------------------------------------------------------


class TestSet:
    def test_the_number_and_its_expiration_date_are_saved_and_audited(self):
        account = corporate_account()
        with_purchase_order(account, number="PO-1", expires_on=None)

        with_purchase_order(account)

        account.refresh_from_db()
        assert (account.purchase_order_number, account.purchase_order_expires_on) == (
            NUMBER,
            EXPIRES,
        )
        entry = AuditEntry.objects.filter(action="account.purchase_order_set").latest("pk")
        assert (entry.old, entry.new) == (
            {"purchase_order_number": "PO-1", "purchase_order_expires_on": None},
            {"purchase_order_number": NUMBER, "purchase_order_expires_on": "2026-04-02"},
        )

    def test_saving_the_same_values_again_writes_nothing(self):
        account = corporate_account()
        with_purchase_order(account)
        before = state()

        with_purchase_order(account)

        assert state() == before

    def test_an_expiration_date_without_a_number_is_refused_and_changes_nothing(self):
        account = corporate_account()
        with_purchase_order(account)
        before = state()

        with pytest.raises(Invalid) as refused:
            with_purchase_order(account, number="  ")

        assert (refused.value.code, refused.value.field) == (
            "purchase_order_expiry_without_number",
            "purchase_order_expires_on",
        )
        assert str(refused.value.message) == "An expiration date needs a purchase-order number."
        assert state() == before

    def test_an_empty_number_without_a_date_removes_both(self):
        account = corporate_account()
        with_purchase_order(account)

        with_purchase_order(account, number="", expires_on=None)

        account.refresh_from_db()
        assert (account.purchase_order_number, account.purchase_order_expires_on) == ("", None)

    def test_the_database_refuses_a_date_without_a_number(self):
        from django.db import IntegrityError, transaction

        account = corporate_account()

        with pytest.raises(IntegrityError), transaction.atomic():
            Account.objects.filter(pk=account.pk).update(purchase_order_expires_on=EXPIRES)


# --- which invoices print it ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "printed"),
    [
        (date(2026, 3, 1), NUMBER),
        (date(2026, 4, 1), NUMBER),  # the day before it expires: the last one to carry it
        (date(2026, 4, 2), ""),  # the expiration date: no longer
        (date(2026, 5, 1), ""),
    ],
)
def test_an_invoice_carries_the_number_only_when_issued_before_the_expiration_date(
    issued_on, printed
):
    account = corporate_account()
    with_purchase_order(account)

    assert purchase_order_on(account, on=issued_on) == printed
    invoice, _ = issue_invoice(account, on=issued_on)
    assert invoice.purchase_order == printed


def test_without_an_expiration_date_every_invoice_carries_it():
    account = corporate_account()
    with_purchase_order(account, expires_on=None)

    invoice, _ = issue_invoice(account, on=date(2036, 1, 1))

    assert invoice.purchase_order == NUMBER


def test_the_renewal_of_the_expiration_day_carries_no_number_the_one_before_does():
    # Given two monthly subscriptions renewing on 1 and 2 April, and PO-4711 expiring on 2 April
    account = corporate_account()
    meeting = make_subscription(account, term_start=date(2026, 3, 1))
    webinar = make_subscription(
        account, plan_code="goto-webinar-standard-monthly", term_start=date(2026, 3, 2)
    )
    with_purchase_order(account)

    # When the bill run renews them on their days
    for day in (date(2026, 4, 1), date(2026, 4, 2)):
        with time_machine.travel(day, tick=False):
            renewals_run(on=day, by=SYSTEM)

    # Then the invoice of 1 April carries the number and the one of 2 April does not
    invoices = Invoice.objects.filter(account=account, source="renewal").order_by("issue_date")
    assert [(i.issue_date, i.purchase_order) for i in invoices] == [
        (date(2026, 4, 1), NUMBER),
        (date(2026, 4, 2), ""),
    ]
    assert [(i.lines.get().period_start) for i in invoices] == [
        meeting.term_end,
        webinar.term_end,
    ]


# --- the reminder --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "due"),
    [(15, False), (14, True), (7, True), (1, True), (0, False), (-1, False)],
)
def test_the_reminder_is_due_with_1_to_14_days_left(days_left, due):
    assert reminder_due(expires_on=EXPIRES, on=EXPIRES - timedelta(days=days_left)) is due


def reminders() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(kind="purchase_order_expiring").order_by("pk"))


class TestReminder:
    def test_14_days_before_the_billing_contact_is_reminded_once_in_their_language(self):
        account = corporate_account(language="de", name="Kessler Werke AG")
        contact = billing_contact(account)
        person_language_set(person=contact, language="it", by=SYSTEM)
        make_person(account, admin=True, language="es")  # an account admin: not a recipient
        with_purchase_order(account)

        assert purchase_order_reminders_send(on=date(2026, 3, 18), by=SYSTEM) == 0
        assert purchase_order_reminders_send(on=date(2026, 3, 19), by=SYSTEM) == 1
        assert purchase_order_reminders_send(on=date(2026, 3, 19), by=SYSTEM) == 0
        assert purchase_order_reminders_send(on=date(2026, 3, 25), by=SYSTEM) == 0
        assert purchase_order_reminders_send(on=date(2026, 4, 1), by=SYSTEM) == 0

        [email] = reminders()
        assert (email.to_address, email.to_person_id, email.account_id, email.language) == (
            contact.email,
            contact.pk,
            account.pk,
            "it",
        )
        assert email.subject == "Il tuo ordine d'acquisto PO-4711 scade a breve"
        assert "L'ordine d'acquisto PO-4711 di Kessler Werke AG scade il 02 Aprile 2026." in (
            email.body_text
        )
        assert "fino al 01 Aprile 2026" in email.body_text
        assert f"{settings.SEATWISE_SITE_URL}/corporate/account/" in email.body_text
        [entry] = AuditEntry.objects.filter(action="account.purchase_order_expiry_reminder")
        assert entry.new == {
            "purchase_order_number": NUMBER,
            "purchase_order_expires_on": "2026-04-02",
            "to": contact.email,
            "email": email.pk,
        }

    def test_a_day_the_job_missed_is_caught_up_and_a_late_purchase_order_is_reminded_at_once(self):
        account = corporate_account()
        with_purchase_order(account)

        assert purchase_order_reminders_send(on=date(2026, 3, 30), by=SYSTEM) == 1

        later = corporate_account()
        with_purchase_order(later, expires_on=date(2026, 4, 3))  # 4 days left
        assert purchase_order_reminders_send(on=date(2026, 3, 30), by=SYSTEM) == 1
        assert len(reminders()) == 2

    def test_on_the_expiration_day_and_after_nothing_is_sent(self):
        account = corporate_account()
        with_purchase_order(account)

        assert purchase_order_reminders_send(on=EXPIRES, by=SYSTEM) == 0
        assert purchase_order_reminders_send(on=date(2026, 4, 10), by=SYSTEM) == 0
        assert reminders() == []

    def test_a_new_number_or_a_new_date_is_reminded_again_the_same_one_never(self):
        account = corporate_account()
        with_purchase_order(account)
        assert purchase_order_reminders_send(on=date(2026, 3, 20), by=SYSTEM) == 1

        with_purchase_order(account, expires_on=date(2026, 4, 3))
        assert purchase_order_reminders_send(on=date(2026, 3, 21), by=SYSTEM) == 1
        with_purchase_order(account, number="PO-4712", expires_on=date(2026, 4, 3))
        assert purchase_order_reminders_send(on=date(2026, 3, 22), by=SYSTEM) == 1
        # Back to PO-4711 expiring on 2 April: reminded already.
        with_purchase_order(account)
        assert purchase_order_reminders_send(on=date(2026, 3, 23), by=SYSTEM) == 0

        assert [e.subject for e in reminders()] == [
            "Your purchase order PO-4711 expires soon",
            "Your purchase order PO-4711 expires soon",
            "Your purchase order PO-4712 expires soon",
        ]

    def test_no_expiration_date_no_number_or_an_online_account_gets_nothing(self):
        with_purchase_order(corporate_account(), expires_on=None)
        with_purchase_order(make_account(kind="online", language="en"))

        assert purchase_order_reminders_send(on=date(2026, 3, 25), by=SYSTEM) == 0
        assert reminders() == []


@pytest.mark.django_db(transaction=True)
def test_the_task_delivers_the_reminder_through_the_worker_once(smtp_server, run_worker):
    from seatwise.accounts.tasks import purchase_order_reminders_task

    account = corporate_account(language="de")
    with_purchase_order(account)
    on = date(2026, 3, 19).isoformat()

    purchase_order_reminders_task.enqueue(on=on)
    purchase_order_reminders_task.enqueue(on=on)  # delivered twice (at least once): one e-mail
    run_worker()
    run_worker()

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [billing_contact(account).email]
    assert message["Subject"] == "Ihre Bestellnummer PO-4711 läuft bald ab"
    body = message.get_body(("plain",)).get_content()
    assert "läuft am 2. April 2026 ab" in body
    assert AuditEntry.objects.filter(action="account.purchase_order_expiry_reminder").count() == 1

"""Card-expiry reminders (seatwise.payments.reminders): 30 and 7 days before the default automatic
card's last day, once per card and reminder, to the billing contact in their language, showing
brand, last four digits and expiry only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from seatwise.accounts.services import person_language_set
from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import CardExpiryReminder, PaymentMethod
from seatwise.payments.reminders import card_expiry_reminders_send, reminder_due
from seatwise.payments.services import payment_method_add
from tests.factories import SYSTEM, billing_contact, make_account, make_person

YEAR = date.today().year + 1
# A card with expiry 12/<YEAR> can be charged until 31 December <YEAR>.
LAST_DAY = date(YEAR, 12, 31)
VISA = "4242424242424242"


def add_card(account, number: str = VISA, *, month: int = 12, year: int = YEAR, **flags):
    return payment_method_add(
        account=account,
        card=CardDetails(
            number=number, exp_month=month, exp_year=year, cvc="042", holder_name="Bill Contact"
        ),
        by=SYSTEM,
        **flags,
    )


def send(on: date) -> int:
    return card_expiry_reminders_send(on=on, by=SYSTEM)


def reminder_emails() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(kind="card_expiring").order_by("pk"))


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (31, None),
        (30, "30_days"),
        (8, "30_days"),
        (7, "7_days"),
        (1, "7_days"),
        (0, "7_days"),
        (-1, None),
    ],
)
def test_the_reminder_due_by_days_left(days_left, expected):
    assert reminder_due(expires_on=LAST_DAY, on=LAST_DAY - timedelta(days=days_left)) == expected


@pytest.mark.django_db
class TestReminders:
    def test_30_days_before_the_billing_contact_alone_gets_one_in_their_language(self):
        account = make_account(kind="online", language="de")
        contact = billing_contact(account)
        person_language_set(person=contact, language="es", by=SYSTEM)
        make_person(account, admin=True, language="it")  # an account admin: not a recipient
        method = add_card(account)

        sent = send(LAST_DAY - timedelta(days=30))

        assert sent == 1
        [email] = reminder_emails()
        assert (email.to_address, email.to_person_id, email.account_id, email.language) == (
            contact.email,
            contact.pk,
            account.pk,
            "es",
        )
        assert email.dedupe_key == f"card_expiring:{method.pk}:30_days:{LAST_DAY.isoformat()}"
        # Spanish: the greeting and the date (the other sentences until they are translated).
        assert email.body_text.startswith("Hola, Bill:\n\n")
        assert f"12/{YEAR % 100:02d}" in email.body_text
        assert f"31 de diciembre de {YEAR}" in email.body_text
        assert f"31 de diciembre de {YEAR}" in email.body_html
        assert '<a href="http://127.0.0.1:8000/billing/payment-method/">' in email.body_html
        assert [
            (r.payment_method_id, r.reminder, r.expires_on, r.to_address, r.email_id)
            for r in CardExpiryReminder.objects.all()
        ] == [(method.pk, "30_days", LAST_DAY, contact.email, email.pk)]

    def test_the_email_shows_brand_last_four_expiry_and_the_billing_center_link(self):
        account = make_account(kind="online", language="en")
        add_card(account)

        send(LAST_DAY - timedelta(days=30))

        [email] = reminder_emails()
        assert email.subject == "Your Visa card ending in 4242 expires soon"
        assert email.body_text == (
            "Hello Bill,\n\n"
            f"Your Visa card ending in 4242, expiry date 12/{YEAR % 100:02d}, is the card we "
            "charge for your Seatwise subscriptions.\n"
            f"It can be charged until Dec. 31, {YEAR}. To avoid an interruption, add a new "
            "card before then.\n"
            "Update your payment method in the Billing Center:\n"
            "http://127.0.0.1:8000/billing/payment-method/\n\n"
        )

    def test_each_reminder_is_audited(self):
        account = make_account()
        method = add_card(account)

        send(LAST_DAY - timedelta(days=20))

        [entry] = AuditEntry.objects.filter(action="payment_method.expiry_reminder")
        email = reminder_emails()[0]
        assert (entry.actor_label, entry.account_id, entry.object_type, entry.object_id) == (
            "tests",
            account.pk,
            "payments.paymentmethod",
            str(method.pk),
        )
        assert entry.new == {
            "reminder": "30_days",
            "expires_on": LAST_DAY.isoformat(),
            "to": billing_contact(account).email,
            "email": email.pk,
        }

    def test_a_corporate_account_is_sent_to_the_corporate_billing_portal(self):
        account = make_account(kind="corporate", language="en")
        add_card(account)

        send(LAST_DAY - timedelta(days=7))

        [email] = reminder_emails()
        assert email.body_text.endswith(
            "Update your payment method in the Corporate Billing Portal:\n"
            "http://127.0.0.1:8000/corporate/\n\n"
        )
        assert "/billing/" not in email.body_text + email.body_html

    def test_each_reminder_is_sent_once_however_often_the_job_runs(self):
        account = make_account()
        method = add_card(account)
        days = [30, 30, 29, 8, 7, 7, 6, 0]

        sent = [send(LAST_DAY - timedelta(days=d)) for d in days]

        assert sent == [1, 0, 0, 0, 1, 0, 0, 0]
        assert [(r.payment_method_id, r.reminder) for r in CardExpiryReminder.objects.all()] == [
            (method.pk, "30_days"),
            (method.pk, "7_days"),
        ]
        assert len(reminder_emails()) == 2
        assert AuditEntry.objects.filter(action="payment_method.expiry_reminder").count() == 2

    def test_a_missed_window_sends_only_the_nearest_reminder(self):
        account = make_account()
        method = add_card(account)

        sent = send(LAST_DAY - timedelta(days=5))

        assert sent == 1
        assert [r.reminder for r in CardExpiryReminder.objects.filter(payment_method=method)] == [
            "7_days"
        ]

    def test_only_the_default_automatic_card_in_its_window_gets_a_reminder(self):
        on = LAST_DAY - timedelta(days=10)
        later = make_account()
        add_card(later, month=1, year=YEAR + 1)  # 41 days left: not yet
        expired = make_account()
        add_card(expired, month=11, year=YEAR)  # its last day was 30 November: expired
        removed = make_account()
        gone = add_card(removed)
        PaymentMethod.objects.filter(pk=gone.pk).update(removed_at=timezone.now())
        replaced = make_account()
        add_card(replaced)  # expiring, but no longer the default:
        add_card(replaced, "5555555555554444", year=YEAR + 2)
        not_default = make_account()
        add_card(not_default, year=YEAR + 2)
        add_card(not_default, "5555555555554444", make_default=False)
        one_time = make_account()
        add_card(one_time, is_automatic=False, make_default=True)
        due = make_account()
        due_card = add_card(due)

        sent = send(on)

        assert sent == 1
        assert [r.payment_method_id for r in CardExpiryReminder.objects.all()] == [due_card.pk]
        assert [e.to_address for e in reminder_emails()] == [billing_contact(due).email]

    def test_no_card_number_token_or_holder_in_the_email(self):
        account = make_account(language="en")
        method = add_card(account, "5555555555554444")

        send(LAST_DAY - timedelta(days=3))

        [email] = reminder_emails()
        text = " ".join([email.subject, email.body_text, email.body_html])
        assert "Mastercard card ending in 4444" in text
        assert f"12/{YEAR % 100:02d}" in text
        # (the CVC with its leading zero: no number of the e-mail can contain it by chance)
        for secret in ("5555555555554444", "555555555555", "5555 5555", method.token, "042"):
            assert secret not in text


@pytest.mark.django_db(transaction=True)
def test_the_task_delivers_the_reminder_through_the_worker_once(smtp_server, run_worker):
    from seatwise.payments.tasks import card_expiry_reminders_task

    account = make_account(kind="online", language="de")
    make_person(account, admin=True)
    add_card(account)
    on = (LAST_DAY - timedelta(days=7)).isoformat()

    card_expiry_reminders_task.enqueue(on=on)
    card_expiry_reminders_task.enqueue(on=on)  # delivered twice (at least once): one e-mail
    run_worker()
    run_worker()

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [billing_contact(account).email]
    assert message["Subject"] == "Ihre Visa-Karte mit den Endziffern 4242 läuft bald ab"
    body = message.get_body(("plain",)).get_content()
    assert f"31. Dezember {YEAR}" in body
    assert VISA not in message.as_string()

"""Left navigation › Add licenses: the three outcomes of articles 000, 002 and 004, and the
e-mail to the billing admin."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import close_old_connections, connections
from django.test import Client
from django.utils import timezone, translation

from seatwise.accounts.models import Person
from seatwise.audit.models import AuditEntry
from seatwise.core.ratelimit import rate_limit_peek
from seatwise.notifications.models import OutgoingEmail
from tests.admin_center.conftest import billing_contact_only, counts
from tests.factories import billing_contact, make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def test_the_billing_admin_of_an_online_account_lands_on_the_subscriptions_page(client, account):
    client.force_login(billing_contact(account))

    response = client.get("/admin-center/add-licenses/")

    assert response.status_code == 302
    assert response["Location"] == "/billing/subscriptions/"


def test_an_account_admin_who_is_not_billing_admin_is_told_whom_to_ask(signed_in, account):
    contact = billing_contact(account)
    Person.objects.filter(pk=contact.pk).update(first_name="Anna", last_name="Kessler")

    response = signed_in.get("/admin-center/add-licenses/")

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f"Contact your billing admin, Anna Kessler ({contact.email}), to make product or "
        "licensing changes to your account."
    ) in page
    assert 'href="/admin-center/add-licenses/email/">Email the billing admin</a>' in page


@pytest.mark.parametrize("as_billing_admin", [True, False])
def test_a_corporate_account_picks_a_product_to_sign_in_to_billing(client, as_billing_admin):
    account = make_account(kind="corporate", language="en")
    make_subscription(account, seats=5, plan_code="goto-meeting-standard-monthly")
    make_subscription(account, seats=5, plan_code="gotoassist-remote-support-v5-standard-yearly")
    person = billing_contact(account) if as_billing_admin else make_person(account, admin=True)
    client.force_login(person)

    response = client.get("/admin-center/add-licenses/")

    assert response.status_code == 200
    assert [(t.name, t.initials) for t in response.context["tiles"]] == [
        ("GoTo Meeting", "GM"),
        ("GoToAssist Remote Support v5", "GR5"),
    ]
    page = response.content.decode()
    assert "Select a product to sign in to billing and add licenses." in page
    assert page.count('class="product-logo" href="/corporate/signin/"') == 2
    assert 'href="/corporate/signin/">Corporate Billing Portal</a>' in page
    assert "The User ID is printed on every invoice" in page
    assert (
        "If you cannot sign in to the Corporate Billing Portal, you are not the billing admin."
        in (page)
    )
    assert "Email the billing admin" not in page


def test_email_the_billing_admin_goes_in_their_language_with_reply_to_the_requester(
    signed_in, admin
):
    account = admin.account
    contact = billing_contact(account)
    Person.objects.filter(pk=contact.pk).update(language="de")

    response = signed_in.post(
        "/admin-center/add-licenses/email/", {"note": "Please add 3 GoTo Meeting seats & more."}
    )

    assert response["Location"] == "/admin-center/add-licenses/email/sent/"
    email = OutgoingEmail.objects.get()
    assert (
        email.kind,
        email.to_address,
        email.to_person_id,
        email.sender_person_id,
        email.account_id,
        email.language,
        email.reply_to,
    ) == (
        "billing_admin_request",
        contact.email,
        contact.pk,
        admin.pk,
        account.pk,
        "de",
        admin.email,
    )
    assert admin.full_name in email.subject
    assert admin.full_name in email.body_text
    assert admin.email in email.body_text
    assert "Please add 3 GoTo Meeting seats & more." in email.body_text
    assert "Please add 3 GoTo Meeting seats &amp; more." in email.body_html
    entry = AuditEntry.objects.get(action="billing_admin.contact")
    assert (entry.actor_person_id, entry.account_id, entry.object_id) == (
        admin.pk,
        account.pk,
        str(email.pk),
    )
    assert entry.new == {"requester": admin.pk, "billing_admin": contact.pk, "note_length": 39}
    sent = signed_in.get(response["Location"]).content.decode()
    assert f"Your message was sent to {contact.full_name} ({contact.email})." in sent


def test_the_note_is_optional(signed_in, account):
    response = signed_in.post("/admin-center/add-licenses/email/", {"note": ""})

    assert response.status_code == 302
    assert OutgoingEmail.objects.get().kind == "billing_admin_request"


def test_a_note_longer_than_2000_characters_is_refused(signed_in):
    before = counts()

    response = signed_in.post("/admin-center/add-licenses/email/", {"note": "x" * 2001})

    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert counts() == before


def test_the_fourth_message_within_an_hour_is_refused_politely(signed_in, admin):
    for _ in range(3):
        assert (
            signed_in.post("/admin-center/add-licenses/email/", {"note": "hi"}).status_code == 302
        )
    before = counts()

    fourth = signed_in.post("/admin-center/add-licenses/email/", {"note": "hi"})

    assert fourth.status_code == 200
    assert fourth.context["form"].non_field_errors() == [
        "You can e-mail the billing admin at most 3 times an hour, and you have reached that "
        "limit. Please wait for their answer, or try again later."
    ]
    assert counts() == before
    # Another admin of the account has their own allowance.
    other = make_person(admin.account, admin=True)
    signed_in.force_login(other)
    assert signed_in.post("/admin-center/add-licenses/email/", {"note": "hi"}).status_code == 302


def test_an_hour_later_one_can_write_again(signed_in):
    with time_machine.travel(timezone.now() - timedelta(minutes=61), tick=False):
        for _ in range(3):
            signed_in.post("/admin-center/add-licenses/email/", {"note": "hi"})

    response = signed_in.post("/admin-center/add-licenses/email/", {"note": "hi"})

    assert response.status_code == 302
    assert OutgoingEmail.objects.count() == 4


def test_the_sent_page_without_a_message_goes_back_to_the_form(signed_in):
    response = signed_in.get("/admin-center/add-licenses/email/sent/")

    assert response["Location"] == "/admin-center/add-licenses/email/"


def test_the_billing_admin_has_nobody_to_email(client, account):
    client.force_login(billing_contact(account))
    before = counts()

    response = client.post("/admin-center/add-licenses/email/", {"note": "hi"})

    assert response["Location"] == "/admin-center/add-licenses/"
    assert counts() == before


def test_a_billing_contact_who_is_not_admin_cannot_use_the_admin_center_to_email(client, account):
    client.force_login(billing_contact_only(account))

    assert client.get("/admin-center/add-licenses/").status_code == 403


def test_an_online_account_admin_sees_no_product_tiles(signed_in, account):
    make_subscription(account, seats=5)

    page = signed_in.get("/admin-center/add-licenses/").content.decode()

    assert "product-logo" not in page
    assert "/corporate/signin/" not in page


# --- Email the billing admin: the limit and the form's key under simultaneous requests ----------

EMAIL_URL = "/admin-center/add-licenses/email/"
SENT_URL = "/admin-center/add-licenses/email/sent/"
FORM_KEY = re.compile(r'<input type="hidden" name="form_key" value="([A-Za-z0-9_-]+)">')
LIMIT_REACHED = (
    "You can e-mail the billing admin at most %(count)d times an hour, and you have reached "
    "that limit. Please wait for their answer, or try again later."
)


def form_key(client) -> str:
    [key] = FORM_KEY.findall(client.get(EMAIL_URL).content.decode())
    return key


def at_once(clients: list, data: list[dict]) -> list[tuple[int, str, str]]:
    """Each client posts its data in its own thread (own database connection), all released
    together: (status, Location, page) of each."""
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(client, form: dict) -> None:
        try:
            barrier.wait()
            response = client.post(EMAIL_URL, form)
            with lock:
                results.append(
                    (
                        response.status_code,
                        response.get("Location", ""),
                        html.unescape(response.content.decode()),
                    )
                )
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(c, d)) for c, d in zip(clients, data, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert errors == []
    return results


def signed_in_clients(person: Person, n: int) -> list:
    clients = [Client() for _ in range(n)]
    for client in clients:
        client.force_login(person)
    return clients


def requests_sent(person: Person) -> int:
    return OutgoingEmail.objects.filter(
        kind="billing_admin_request", sender_person_id=person.pk
    ).count()


def test_each_showing_of_the_form_has_a_new_key(signed_in):
    first, second = form_key(signed_in), form_key(signed_in)

    assert first != second
    assert len(first) == len(second) == 32


def test_the_same_form_sent_twice_sends_one_message_and_counts_once(signed_in, admin):
    key = form_key(signed_in)

    first = signed_in.post(EMAIL_URL, {"note": "hi", "form_key": key})
    second = signed_in.post(EMAIL_URL, {"note": "hi", "form_key": key})

    assert first["Location"] == second["Location"] == SENT_URL
    assert requests_sent(admin) == 1
    assert AuditEntry.objects.filter(action="billing_admin.contact").count() == 1
    limit_key = f"billing_admin_request:{admin.account_id}:{admin.pk}"
    assert rate_limit_peek(key=limit_key, window=HOUR) == 1
    # The resubmission did not use up the allowance: two more messages may go.
    for _ in range(2):
        response = signed_in.post(EMAIL_URL, {"note": "hi", "form_key": form_key(signed_in)})
        assert response["Location"] == SENT_URL
    assert requests_sent(admin) == 3


@pytest.mark.django_db(transaction=True)
def test_one_form_sent_twenty_times_at_once_sends_one_message():
    account = make_account(language="en", name="Acme Online")
    billing_contact(account)
    admin = make_person(account, admin=True, language="en")
    clients = signed_in_clients(admin, 20)
    key = form_key(clients[0])

    results = at_once(clients, [{"note": "3 seats please", "form_key": key}] * 20)

    assert [(status, location) for status, location, _page in results] == [(302, SENT_URL)] * 20
    assert requests_sent(admin) == 1
    assert AuditEntry.objects.filter(action="billing_admin.contact").count() == 1
    assert rate_limit_peek(key=f"billing_admin_request:{account.pk}:{admin.pk}", window=HOUR) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_forms_sent_at_once_send_exactly_the_allowed_number():
    """Twenty tabs, each with its own form, sent at the same moment by an admin who reads
    German: three messages go, the seventeen others are told, in German, that the limit is
    reached; no error page, nothing more written."""
    account = make_account(language="en", name="Acme Online")
    contact = billing_contact(account)
    admin = make_person(account, admin=True, language="de")
    clients = signed_in_clients(admin, 20)
    forms = [{"note": f"Tab {n}", "form_key": form_key(client)} for n, client in enumerate(clients)]

    results = at_once(clients, forms)

    statuses = sorted(status for status, _location, _page in results)
    assert statuses == [200] * 17 + [302] * 3
    with translation.override("de"):
        refusal = translation.gettext(LIMIT_REACHED) % {"count": 3}
    assert refusal != LIMIT_REACHED % {"count": 3}, "not in German"
    for status, location, page in results:
        if status == 302:
            assert location == SENT_URL
        else:
            assert refusal in page
    sent = OutgoingEmail.objects.filter(kind="billing_admin_request")
    assert sent.count() == 3
    assert {(e.sender_person_id, e.to_person_id) for e in sent} == {(admin.pk, contact.pk)}
    assert AuditEntry.objects.filter(action="billing_admin.contact").count() == 3
    assert rate_limit_peek(key=f"billing_admin_request:{account.pk}:{admin.pk}", window=HOUR) == 3
    # The limit is the requester's own: another admin of the account may still write.
    other = signed_in_clients(make_person(account, admin=True), 1)[0]
    assert other.post(EMAIL_URL, {"note": "hi", "form_key": form_key(other)})["Location"] == (
        SENT_URL
    )

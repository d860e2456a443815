"""Step-up re-authentication: every protected action, in the product areas (the support
console's too) and in the Corporate Billing Portal, as a table of (URL, method, form data).

For each row:

- without a fresh re-authentication the request goes to the area's "Confirm it's you" page,
  with the page to come back to as ``next``, and changes nothing (rows, audit trail, outbox);
- after the password is given there, the same request works (a write changes something);
- once the re-authentication is older than ``SEATWISE_STEP_UP_MINUTES`` (its time moved back
  in the session, no sleeping), the request is sent to the page again.

The table's last test checks that the decorator sits on every view the table names, so that a
protected view that loses it fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import (
    Account,
    CorporateCredential,
    CorporateTOTPDevice,
    InvoiceContact,
    Person,
    RecoveryCode,
)
from seatwise.accounts.services import Address
from seatwise.accounts.signin_throttle import SigninKind
from seatwise.accounts.two_factor import device_bin_key, two_factor_begin, two_factor_confirm
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.billing.changes import plan_change_review
from seatwise.billing.orders import seats_purchase_review
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.ordering.services import AdminContact, checkout_save, quote_create
from seatwise.payments.models import Charge, PaymentMethod
from seatwise.portals.device_cookies import COOKIE_NAMES
from seatwise.subscriptions.models import Subscription
from seatwise.support.cases import CaseRequest, case_open
from seatwise.support.models import Case, CaseEvent
from seatwise.support.verification import CardAnswers, Reason, case_verify
from tests.corporate.helpers import corporate_account, invoice_contact_add
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_person,
    make_subscription,
    plan,
)
from tests.step_up import code_of, sign_in_as, step_up_age
from tests.tax.data import ensure_eu_vat_rates

pytestmark = pytest.mark.django_db

TEN_MINUTES = 10 * 60
CARD = {
    "card_number": "4242 4242 4242 4242",
    "exp_month": "12",
    "exp_year": str(date.today().year + 2),
    "cvc": "123",
    "holder_name": "Card Holder",
}
# The Change Plan upgrade of the world's subscription (GoTo Webinar Standard, yearly).
BUSINESS = "goto-webinar-business-yearly"


@dataclass
class World:
    online: Account
    billing_admin: Person
    user: Person
    admin2: Person
    subscription: Subscription
    corporate: Account
    contact_id: int
    agent: Person  # vendor staff, in the support console
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    name: str
    area: str  # "person" or "corporate"
    method: str
    path: str
    # The form data, made from the world (a purchase's total is computed from it).
    data: Callable[[World], dict[str, str]] = lambda world: {}
    # The page the step-up page sends back to; default: ``path``.
    back: str | None = None
    # What the action answers once re-authenticated: a status, and a redirect's target.
    status: int = 200
    location: str | None = None
    writes: bool = True
    # Where the view is: (module, function), to check that it carries the decorator.
    view: tuple[str, str] | None = None
    # A purchase above the vendor's amount: the amount is set to 0 for the row.
    purchase: bool = False
    # Signed in as the support agent (vendor staff, two factors), not the billing admin.
    agent: bool = False
    # What the action did, once re-authenticated, where a refusal would write too (an audit
    # or timeline entry): true if it was done.
    done: Callable[[World], bool] | None = None


def _seats_data(world: World) -> dict[str, str]:
    preview = seats_purchase_review(subscription=world.subscription, seats_to_add=1)
    return {
        "kind": "add",
        "choice": "1",
        "form_key": "step-up-matrix-key-0001",
        "expected_total": str(preview.totals.gross),
    }


def _bill_to(world: World) -> dict[str, str]:
    contact = billing_contact(world.corporate)
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "address_line1": "Via Roma 2",
        "address_line2": "",
        "postal_code": "20121",
        "city": "Milano",
        "region": "",
        "country": "IT",
    }


def _plan_data(world: World) -> dict[str, str]:
    # The upgrade's review, made once: once the plan is changed the same confirmation is sent
    # again (ten minutes later), with the total that was reviewed.
    if "plan_total" not in world.ids:
        review = plan_change_review(subscription=world.subscription, new_plan=plan(BUSINESS))
        assert review.kind == "now", review
        assert review.preview is not None
        world.ids["plan_total"] = str(review.preview.totals.gross)
    return {
        "kind": "",
        "choice": str(world.ids["business_plan"]),
        "form_key": "step-up-matrix-key-0002",
        "expected_total": world.ids["plan_total"],
    }


def _checkout_new_card(world: World) -> dict[str, str]:
    return {
        "admin_first_name": "Greta",
        "admin_last_name": "Admin",
        "admin_email": "greta.admin@example.com",
        "admin_language": "en",
        "payment_method": "new",
        **CARD,
        "address_line1": "Chausseestraße 1",
        "address_line2": "",
        "postal_code": "10115",
        "city": "Berlin",
        "region": "",
        "country": "DE",
    }


ROWS: list[Row] = [
    # --- product areas: the person's password or code ---
    Row(
        "Update Payment Method (page)",
        "person",
        "GET",
        "/billing/payment-method/",
        writes=False,
        view=("seatwise.portals.billing_center.views.payment_method", "payment_method"),
    ),
    Row(
        "Update Payment Method",
        "person",
        "POST",
        "/billing/payment-method/",
        data=lambda world: CARD,
        status=302,
        location="/billing/payment-method/",
    ),
    Row(
        "remove user (confirmation page)",
        "person",
        "GET",
        "/admin-center/users/{user}/remove/",
        writes=False,
        view=("seatwise.portals.admin_center.views.users", "user_remove"),
    ),
    Row(
        "remove user",
        "person",
        "POST",
        "/admin-center/users/{user}/remove/",
        status=302,
        location="/admin-center/users/",
    ),
    Row(
        "make an admin (Admins page)",
        "person",
        "POST",
        "/admin-center/admins/",
        data=lambda world: {"email": world.user.email},
        status=302,
        location="/admin-center/admins/",
        view=("seatwise.portals.admin_center.views.users", "admins"),
    ),
    Row(
        "grant admin",
        "person",
        "POST",
        "/admin-center/users/{user}/admin/grant/",
        back="/admin-center/users/{user}/",
        status=302,
        location="/admin-center/users/{user}/",
        view=("seatwise.portals.admin_center.views.users", "admin_grant"),
    ),
    Row(
        "revoke admin",
        "person",
        "POST",
        "/admin-center/users/{admin2}/admin/revoke/",
        back="/admin-center/users/{admin2}/",
        status=302,
        location="/admin-center/users/{admin2}/",
        view=("seatwise.portals.admin_center.views.users", "admin_revoke"),
    ),
    Row(
        "add seats above the vendor's amount",
        "person",
        "POST",
        "/billing/subscriptions/{subscription}/seats/",
        data=_seats_data,
        back="/billing/subscriptions/{subscription}/seats/?seats={seats_plus_one}",
        status=302,
        location="/billing/subscriptions/",
        purchase=True,
    ),
    Row(
        "new recovery codes (page)",
        "person",
        "GET",
        "/my-account/two-factor/recovery-codes/",
        writes=False,
        view=("seatwise.portals.my_account.views.two_factor", "recovery_codes"),
    ),
    Row("new recovery codes", "person", "POST", "/my-account/two-factor/recovery-codes/"),
    Row(
        "Change Plan above the vendor's amount",
        "person",
        "POST",
        "/billing/subscriptions/{subscription}/plan/",
        data=_plan_data,
        back="/billing/subscriptions/{subscription}/plan/?plan={business_plan}",
        status=302,
        location="/billing/subscriptions/",
        purchase=True,
        done=lambda world: Subscription.objects.get(pk=world.subscription.pk).plan.code == BUSINESS,
    ),
    # --- support console: the agent's password or code ---
    Row(
        "change the billing contact (support case)",
        "person",
        "POST",
        "/support/cases/{case}/billing-contact/",
        back="/support/cases/{case}/",
        status=302,
        location="/support/cases/{case}/",
        view=("seatwise.portals.support.views.cases", "billing_contact_change"),
        agent=True,
        done=lambda world: Person.objects.get(email="lena@k.example").is_billing_contact,
    ),
    # --- Corporate Billing Portal: the User ID's password or code ---
    Row(
        "Bill To (Edit)",
        "corporate",
        "GET",
        "/corporate/account/bill-to/",
        writes=False,
        view=("seatwise.portals.corporate.views.account", "bill_to_edit"),
    ),
    Row(
        "Bill To (Save)",
        "corporate",
        "POST",
        "/corporate/account/bill-to/",
        data=_bill_to,
        status=302,
        location="/corporate/account/",
    ),
    Row(
        "Payment Profile (Edit)",
        "corporate",
        "GET",
        "/corporate/payment-profile/edit/",
        writes=False,
        view=("seatwise.portals.corporate.views.payment_profile", "payment_profile_edit"),
    ),
    Row(
        "Payment Profile (Save)",
        "corporate",
        "POST",
        "/corporate/payment-profile/edit/",
        data=lambda world: {"payment_type": "check"},
        status=302,
        location="/corporate/payment-profile/",
    ),
    Row(
        "add invoice contact",
        "corporate",
        "POST",
        "/corporate/account/invoice-contacts/",
        data=lambda world: {"name": "Nora Nuova", "email": "nora.nuova@example.test"},
        back="/corporate/account/",
        status=302,
        location="/corporate/account/",
        view=("seatwise.portals.corporate.views.account", "invoice_contact_add"),
    ),
    Row(
        "remove invoice contact",
        "corporate",
        "POST",
        "/corporate/account/invoice-contacts/{contact}/remove/",
        back="/corporate/account/",
        status=302,
        location="/corporate/account/",
        view=("seatwise.portals.corporate.views.account", "invoice_contact_remove"),
    ),
    Row(
        "new recovery codes of the User ID (page)",
        "corporate",
        "GET",
        "/corporate/account/two-factor/recovery-codes/",
        writes=False,
        view=("seatwise.portals.corporate.views.two_factor", "recovery_codes"),
    ),
    Row(
        "new recovery codes of the User ID",
        "corporate",
        "POST",
        "/corporate/account/two-factor/recovery-codes/",
    ),
    Row(
        "checkout with a new card",
        "corporate",
        "POST",
        "/corporate/quotes/{quote}/checkout/",
        data=_checkout_new_card,
        status=302,
        location="/corporate/service-orders/{order}/",
        done=lambda world: (
            ServiceOrder.objects.get(pk=world.ids["order"]).payment_method_id
            not in (None, world.ids["card"])
        ),
    ),
    Row(
        "Place Service Order above the vendor's amount",
        "corporate",
        "POST",
        "/corporate/service-orders/{order}/place/",
        back="/corporate/service-orders/{order}/",
        status=302,
        location="/corporate/service-orders/{order}/",
        purchase=True,
        done=lambda world: (
            ServiceOrder.objects.get(pk=world.ids["order"]).status != ServiceOrder.Status.DRAFT
        ),
    ),
]


@pytest.fixture
def world() -> World:
    online = make_account(language="en", name="Delta Online GmbH")
    admin = billing_contact(online)  # billing admin and account admin
    user = make_person(online, language="en")
    admin2 = make_person(online, admin=True, language="en")
    make_card(online)
    subscription = make_subscription(online, seats=5, plan_code="goto-webinar-standard-yearly")
    device = two_factor_begin(owner=admin, by=SYSTEM)
    two_factor_confirm(owner=admin, code=code_of(device.bin_key), by=SYSTEM)

    corporate = corporate_account(language="en", name="Echo Corporate SpA")
    credential = CorporateCredential.objects.get(account=corporate)
    pending = two_factor_begin(owner=credential, by=SYSTEM)
    two_factor_confirm(owner=credential, code=code_of(device_bin_key(pending)), by=SYSTEM)
    contact = invoice_contact_add(corporate, name="Ivo Invoice", email="ivo.invoice@example.test")
    # Add Seats of the portal: an accepted quote with its draft service order (the card on file).
    ensure_eu_vat_rates()
    meeting = make_subscription(corporate, seats=5, plan_code="goto-meeting-standard-yearly")
    card = make_card(corporate)
    quote = quote_create(account=corporate, seats={meeting.pk: 2}, replace_open=False, by=SYSTEM)
    order = checkout_save(
        quote=quote,
        admin=AdminContact(
            first_name="Ada", last_name="Admin", email="ada.admin@example.com", language="en"
        ),
        payment_method_id=card.pk,
        new_card=None,
        address=Address(line1="Unter den Linden 1", postal_code="10117", city="Berlin"),
        country="DE",
        by=SYSTEM,
    )

    # A support case of the online account's admin asking for a new billing contact, verified
    # by the agent against the card on file.
    agent = Person.objects.create_user(
        "agent@seatwise.test", PASSWORD, first_name="Helen", last_name="Porter", is_staff=True
    )
    case = case_open(
        person=admin2,
        request=CaseRequest(
            topic=Case.Topic.BILLING_CONTACT_CHANGE,
            new_contact=NewContact(first_name="Lena", last_name="Neumann", email="lena@k.example"),
        ),
        client="192.0.2.1",
        by=Actor.for_person(admin2),
    )
    verification = case_verify(
        case=case,
        answers=CardAnswers(
            last4="4242",
            exp_month=12,
            exp_year=date.today().year + 2,
            holder_name="Bill Contact",
        ),
        agent=agent,
        by=Actor.for_person(agent),
    )
    assert verification.reason is Reason.PASSED
    return World(
        online=online,
        billing_admin=admin,
        user=user,
        admin2=admin2,
        subscription=subscription,
        corporate=corporate,
        contact_id=contact.pk,
        agent=agent,
        ids={
            "user": user.pk,
            "admin2": admin2.pk,
            "subscription": subscription.pk,
            "seats_plus_one": subscription.seats + 1,
            "contact": contact.pk,
            "business_plan": plan(BUSINESS).pk,
            "quote": quote.pk,
            "order": order.pk,
            "card": card.pk,
            "case": case.pk,
        },
    )


def snapshot() -> dict[str, object]:
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "payment_methods": list(PaymentMethod.objects.order_by("pk").values()),
        "invoice_contacts": list(InvoiceContact.objects.order_by("pk").values()),
        "recovery_codes": list(RecoveryCode.objects.order_by("pk").values()),
        "devices": list(TOTPDevice.objects.order_by("pk").values("pk", "confirmed")),
        "corporate_devices": list(CorporateTOTPDevice.objects.order_by("pk").values("pk")),
        "quotes": list(Quote.objects.order_by("pk").values()),
        "service_orders": list(ServiceOrder.objects.order_by("pk").values()),
        "charges": Charge.objects.count(),
        "invoices": Invoice.objects.count(),
        "cases": list(Case.objects.order_by("pk").values()),
        "case_events": CaseEvent.objects.count(),
        "audit_entries": AuditEntry.objects.count(),
        "outgoing_emails": OutgoingEmail.objects.count(),
    }


def _send(client, row: Row, world: World):
    path = row.path.format(**world.ids)
    data = row.data(world)
    return client.get(path) if row.method == "GET" else client.post(path, data)


def _confirm_page(row: Row) -> str:
    return "/signin/confirm/" if row.area == "person" else "/corporate/confirm/"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.name}" for r in ROWS])
def test_step_up_matrix(client, settings, world: World, row: Row) -> None:
    if row.purchase:
        settings.SEATWISE_STEP_UP_PURCHASE_AMOUNT = "0"
    # Given a session signed in more than ten minutes ago (a sign-in counts as a step-up).
    if row.agent:
        sign_in_as(client, world.agent)
        step_up_age(client, TEN_MINUTES + 1)
    elif row.area == "person":
        client.force_login(world.billing_admin)
    else:
        portal_sign_in_with_code(client, world.corporate)
        step_up_age(client, TEN_MINUTES + 1, area="corporate")
    back = (row.back or row.path).format(**world.ids)
    asked = f"{_confirm_page(row)}?{urlencode({'next': back})}"
    before = snapshot()

    # Without a fresh re-authentication: to the page, nothing changed.
    refused = _send(client, row, world)

    assert (refused.status_code, refused["Location"]) == (302, asked)
    assert snapshot() == before

    # The page asks for the password, and sends back.
    page = client.get(asked)
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    given = client.post(_confirm_page(row), {"password": PASSWORD, "next": back})
    assert (given.status_code, given["Location"]) == (302, back)

    # Then the action works.
    done = _send(client, row, world)

    assert done.status_code == row.status, done.content.decode()[:1500]
    if row.location is not None:
        assert done["Location"] == row.location.format(**world.ids)
    if row.writes:
        assert snapshot() != before, "the action changed nothing"
    else:
        assert snapshot() == before
    if row.done is not None:
        assert row.done(world), "the action was not done"

    # Ten minutes later, it asks again.
    step_up_age(client, TEN_MINUTES + 1, area=row.area)
    middle = snapshot()

    again = _send(client, row, world)

    # (To the same page; a purchase's review now starts from the seats it added.)
    assert again.status_code == 302
    assert again["Location"].startswith(f"{_confirm_page(row)}?next=")
    assert snapshot() == middle


def portal_sign_in_with_code(client, account: Account) -> None:
    """The portal's sign-in of a User ID with two-factor sign-in: password, then code."""
    credential = CorporateCredential.objects.get(account=account)
    device = CorporateTOTPDevice.objects.get(credential=credential)
    response = client.post(
        "/corporate/signin/", {"user_id": credential.user_id, "password": PASSWORD}
    )
    assert response["Location"] == "/corporate/signin/verify/"
    # The enrolment used this time step's code: the next one is due.
    response = client.post(
        "/corporate/signin/verify/", {"code": code_of(device_bin_key(device), steps_ahead=1)}
    )
    assert response["Location"] == "/corporate/", response.content.decode()[:1000]


def test_every_protected_view_carries_the_step_up_decorator() -> None:
    import importlib

    for row in ROWS:
        if row.view is None:
            continue
        module, name = row.view
        view = getattr(importlib.import_module(module), name)
        # The area's sign-in decorator wraps the step-up one (functools.wraps keeps it).
        assert getattr(view, "step_up_area", None) is not None, f"{module}.{name}"


def test_purchases_up_to_the_vendors_amount_ask_for_nothing(client, settings, world) -> None:
    settings.SEATWISE_STEP_UP_PURCHASE_AMOUNT = "100000"
    client.force_login(world.billing_admin)
    path = f"/billing/subscriptions/{world.subscription.pk}/seats/"

    response = client.post(path, _seats_data(world))

    assert response["Location"] == "/billing/subscriptions/"
    world.subscription.refresh_from_db()
    assert world.subscription.seats == 6


class TestStepUpCannotBeBruteForced:
    def test_wrong_passwords_lock_the_person_as_the_sign_in_does(self, client, world) -> None:
        # A browser without the address's device cookie: its tries count as sign-in failures
        # of the address from untrusted clients (accounts.signin_throttle).
        client.force_login(world.user)
        for _attempt in range(5):
            wrong = client.post(
                "/signin/confirm/",
                {"password": "not-my-password", "next": "/my-account/"},
                HTTP_ACCEPT_LANGUAGE="en",
            )
            assert wrong.status_code == 200

        # Locked: the right password is refused too, and so is the sign-in page.
        right = client.post("/signin/confirm/", {"password": PASSWORD, "next": "/my-account/"})
        assert right.status_code == 429
        client.logout()
        signin = client.post("/signin/", {"email": world.user.email, "password": PASSWORD})
        assert signin.status_code == 429

    def test_a_wrong_password_is_refused_with_its_message(self, client, world) -> None:
        client.force_login(world.user)
        world.user.language = "de"
        world.user.save()

        wrong = client.post(
            "/signin/confirm/", {"password": "not-my-password", "next": "/my-account/"}
        )

        assert wrong.status_code == 200
        assert "Ihr aktuelles Kennwort ist nicht korrekt." in wrong.content.decode()

    def test_wrong_passwords_lock_the_user_id(self, client, world) -> None:
        portal_sign_in_with_code(client, world.corporate)
        # Without the User ID's device cookie: an untrusted client, as an attacker's would be.
        client.cookies.pop(COOKIE_NAMES[SigninKind.CORPORATE], None)
        for _attempt in range(5):
            wrong = client.post("/corporate/confirm/", {"password": "not-the-password"})
            assert wrong.status_code == 200

        right = client.post("/corporate/confirm/", {"password": PASSWORD})

        assert right.status_code == 429
        # The User ID is locked for every browser without its device cookie, at its sign-in too.
        stranger = Client()
        signin = stranger.post(
            "/corporate/signin/",
            {
                "user_id": CorporateCredential.objects.get(account=world.corporate).user_id,
                "password": PASSWORD,
            },
        )
        assert signin.status_code == 429

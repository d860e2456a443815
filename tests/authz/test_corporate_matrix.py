"""Who may do what in the Corporate Billing Portal: every page and action of the "corporate"
namespace (as its urls.py lists them), GET and POST, for each kind of visitor, with the exact
answer: the status, and the exact target of a redirect.

Visitors:

- ``anonymous``: nobody signed in;
- ``product_billing_admin``: the billing admin of corporate account A signed in with the
  product credentials (e-mail and password) but without a portal session: the product sign-in
  opens no page of the portal, which has its own sign-in;
- ``portal_a``: a portal session of corporate account A (its User ID and password);
- ``portal_b``: a portal session of corporate account B, using A's ids: every object of A is
  "not found" to it (404); pages without an id show B's own account.

Every answer that is not an allowed write changes nothing: the rows a portal action could touch
are compared field by field before and after, and the audit trail and the outbox have no new
entry. Every allowed write does change something. No page shown to one account's visitor
mentions the other account, its people, its invoices or its invoice contacts.

Sections: "Auto Renew, Invoice History and Pay Now, Account and Bill To (article 001)" and
"Add Seats, Quotes and service orders (article 003)" each add their rows to ``CASES``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from seatwise.accounts.models import (
    Account,
    CorporateCredential,
    CorporateTOTPDevice,
    InvoiceContact,
    Person,
    RecoveryCode,
)
from seatwise.accounts.services import Address, corporate_password_set
from seatwise.audit.models import AuditEntry
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.ordering.models import Quote, ServiceOrder
from seatwise.ordering.services import AdminContact, checkout_save, quote_create
from seatwise.payments.models import Charge, PaymentMethod, PaymentProfile
from seatwise.subscriptions.models import Subscription
from tests.authz.answers import (
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    Answer,
    Case,
    fill,
    ok,
    to,
)
from tests.corporate.helpers import invoice_contact_add, issue_invoice
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_subscription,
)
from tests.worlds import module_world

pytestmark = pytest.mark.django_db

VISITORS = ["anonymous", "product_billing_admin", "portal_a", "portal_b"]


# --- expected answers ----------------------------------------------------------------------------


SIGN_IN = "<portal-sign-in>"
TO_SIGN_IN = Answer(302, SIGN_IN)
# A document's file, archived by its first download.
ARCHIVED = ok(writes=True)


def everyone(answer: Answer) -> dict[str, Answer]:
    return dict.fromkeys(VISITORS, answer)


def portal(a: Answer, b: Answer | None = None) -> dict[str, Answer]:
    """A portal page: the sign-in for anyone without a portal session (a product sign-in is
    none), ``a`` for account A's session, ``b`` (default: ``a``) for B's on A's ids."""
    return {
        "anonymous": TO_SIGN_IN,
        "product_billing_admin": TO_SIGN_IN,
        "portal_a": a,
        "portal_b": a if b is None else b,
    }


HOME = "/corporate/"
INVOICES = "/corporate/invoices/"
ACCOUNT = "/corporate/account/"
PAYMENT_PROFILE = "/corporate/payment-profile/"

# Article 003's pages.
ADD_SEATS = "/corporate/add-seats/"
QUOTES = "/corporate/quotes/"
QUOTE_A = "/corporate/quotes/{quote_a}/"
ACCEPTED_A = "/corporate/quotes/{accepted_a}/"
ORDER_A = "/corporate/service-orders/{order_a}/"
NEW_QUOTE = re.compile(r"^/corporate/quotes/\d+/$")
CHECKOUT = {
    "admin_first_name": "Ada",
    "admin_last_name": "Order",
    "admin_email": "ada.order@alpha.example",
    "admin_language": "en",
    "payment_method": "{card_a}",
    "address_line1": "Alpha Allee 1",
    "address_line2": "",
    "postal_code": "10115",
    "city": "Berlin",
    "region": "",
    "country": "DE",
}

CASES: list[Case] = [
    # --- the portal's own pages (sign-in, Forgot Password?, Subscriptions tab) ---
    Case("portal home", "GET", HOME, portal(OK)),
    Case("portal home POST", "POST", HOME, everyone(NOT_ALLOWED)),
    # A portal session is sent on to the portal.
    Case(
        "sign-in",
        "GET",
        "/corporate/signin/",
        {**everyone(OK), "portal_a": to(HOME), "portal_b": to(HOME)},
    ),
    Case(
        "sign-in POST, wrong password",
        "POST",
        "/corporate/signin/",
        everyone(OK),
        {"user_id": "{user_id_a}", "password": "not-the-password"},
    ),
    Case("sign-out", "GET", "/corporate/signout/", everyone(NOT_ALLOWED)),
    Case("sign-out POST", "POST", "/corporate/signout/", everyone(to("/corporate/signin/"))),
    Case("password reset", "GET", "/corporate/password/", everyone(OK)),
    Case(
        "password reset POST, unknown User ID",
        "POST",
        "/corporate/password/",
        everyone(OK),
        {"user_id": "nobody-by-this-id"},
    ),
    Case("password set, bad link", "GET", "/corporate/password/set/{bad_token}/", everyone(OK)),
    Case(
        "password set POST, bad link",
        "POST",
        "/corporate/password/set/{bad_token}/",
        everyone(OK),
        {"password": "a-brand-new-password-2026", "password_again": "a-brand-new-password-2026"},
    ),
    # --- two-factor sign-in of the User ID, and the portal's step-up re-authentication ---
    # No code step is pending: back to the sign-in.
    Case(
        "sign-in code step",
        "GET",
        "/corporate/signin/verify/",
        everyone(to("/corporate/signin/")),
    ),
    Case(
        "sign-in code step POST",
        "POST",
        "/corporate/signin/verify/",
        everyone(to("/corporate/signin/")),
        {"code": "123456"},
    ),
    Case("confirm it's you", "GET", "/corporate/confirm/", portal(OK)),
    Case(
        "confirm it's you POST, wrong password",
        "POST",
        "/corporate/confirm/",
        portal(OK),
        {"password": "not-the-password"},
    ),
    Case(
        "confirm it's you POST, the password",
        "POST",
        "/corporate/confirm/",
        portal(to(ACCOUNT)),
        {"password": PASSWORD, "next": ACCOUNT},
    ),
    Case("two-factor sign-in", "GET", "/corporate/account/two-factor/", portal(OK)),
    Case(
        "two-factor sign-in POST, a code without a set-up",
        "POST",
        "/corporate/account/two-factor/",
        portal(OK),
        {"code": "123456"},
    ),
    Case("two-factor set-up", "GET", "/corporate/account/two-factor/start/", everyone(NOT_ALLOWED)),
    Case(
        "two-factor set-up POST",
        "POST",
        "/corporate/account/two-factor/start/",
        portal(to("/corporate/account/two-factor/", writes=True)),
    ),
    # Without two-factor sign-in there are no recovery codes to see or renew.
    Case(
        "recovery codes",
        "GET",
        "/corporate/account/two-factor/recovery-codes/",
        portal(to("/corporate/account/two-factor/")),
    ),
    Case(
        "recovery codes POST",
        "POST",
        "/corporate/account/two-factor/recovery-codes/",
        portal(to("/corporate/account/two-factor/")),
    ),
    # --- Auto Renew, Invoice History and Pay Now, Account and Bill To (article 001) ---
    Case(
        "Auto Renew",
        "GET",
        "/corporate/subscriptions/{sub_a}/auto-renew/",
        portal(OK, NOT_FOUND),
    ),
    Case(
        "Auto Renew POST, off with a Cancel Reason",
        "POST",
        "/corporate/subscriptions/{sub_a}/auto-renew/",
        portal(to(HOME, writes=True), NOT_FOUND),
        {"auto_renew": "off", "cancel_reason": "budget", "cancel_details": "Fewer projects."},
    ),
    Case(
        "Auto Renew POST, off without a Cancel Reason",
        "POST",
        "/corporate/subscriptions/{sub_a}/auto-renew/",
        portal(OK, NOT_FOUND),
        {"auto_renew": "off", "cancel_reason": "", "cancel_details": ""},
    ),
    Case(
        # On already: nothing to do, nothing written.
        "Auto Renew POST, on while on",
        "POST",
        "/corporate/subscriptions/{sub_a}/auto-renew/",
        portal(to(HOME), NOT_FOUND),
        {"auto_renew": "on"},
    ),
    Case("Invoice History", "GET", INVOICES, portal(OK)),
    Case("Invoice History POST", "POST", INVOICES, everyone(NOT_ALLOWED)),
    # The first download archives the file (an audit entry): a write, as intended.
    Case("invoice PDF", "GET", "/corporate/invoices/{inv_a}/pdf/", portal(ARCHIVED, NOT_FOUND)),
    Case("invoice PDF POST", "POST", "/corporate/invoices/{inv_a}/pdf/", everyone(NOT_ALLOWED)),
    Case("invoice UBL", "GET", "/corporate/invoices/{inv_a}/ubl/", portal(ARCHIVED, NOT_FOUND)),
    Case("invoice UBL POST", "POST", "/corporate/invoices/{inv_a}/ubl/", everyone(NOT_ALLOWED)),
    Case("Pay Now", "GET", "/corporate/invoices/{inv_a}/pay/", portal(OK, NOT_FOUND)),
    Case(
        "Pay Now POST, Pay in full with the card on file",
        "POST",
        "/corporate/invoices/{inv_a}/pay/",
        portal(to(INVOICES, writes=True), NOT_FOUND),
        {"payment_key": "{pay_key}", "how_much": "full", "amount": "", "card": "on_file"},
    ),
    Case(
        "Pay Now POST, Partial payment above the amount due",
        "POST",
        "/corporate/invoices/{inv_a}/pay/",
        portal(OK, NOT_FOUND),
        {"payment_key": "{pay_key}", "how_much": "partial", "amount": "1000", "card": "on_file"},
    ),
    Case(
        "Pay Now of a credit note",
        "GET",
        "/corporate/invoices/{cn_a}/pay/",
        portal(NOT_FOUND),
    ),
    Case("Account", "GET", ACCOUNT, portal(OK)),
    Case("Account POST", "POST", ACCOUNT, everyone(NOT_ALLOWED)),
    Case("Bill To, Edit", "GET", "/corporate/account/bill-to/", portal(OK)),
    Case(
        "Bill To POST, Save a new address",
        "POST",
        "/corporate/account/bill-to/",
        # B saves its own Bill To: the page has no id of A.
        portal(to(ACCOUNT, writes=True)),
        {
            "first_name": "Bill",
            "last_name": "Contact",
            "email": "{own_contact_email}",
            "address_line1": "Neue Straße 5",
            "address_line2": "",
            "postal_code": "80331",
            "city": "München",
            "region": "Bayern",
            "country": "DE",
        },
    ),
    Case(
        "Bill To POST, Save without a city",
        "POST",
        "/corporate/account/bill-to/",
        portal(OK),
        {
            "first_name": "Bill",
            "last_name": "Contact",
            "email": "{own_contact_email}",
            "address_line1": "Neue Straße 5",
            "address_line2": "",
            "postal_code": "80331",
            "city": "",
            "region": "",
            "country": "DE",
        },
    ),
    Case(
        "invoice contact add", "GET", "/corporate/account/invoice-contacts/", everyone(NOT_ALLOWED)
    ),
    Case(
        "invoice contact add POST",
        "POST",
        "/corporate/account/invoice-contacts/",
        portal(to(ACCOUNT, writes=True)),
        {"name": "Ivy Invoice", "email": "ivy.invoice@example.com"},
    ),
    Case(
        "invoice contact add POST, bad e-mail",
        "POST",
        "/corporate/account/invoice-contacts/",
        portal(OK),
        {"name": "Ivy Invoice", "email": "not-an-address"},
    ),
    Case(
        "invoice contact remove",
        "GET",
        "/corporate/account/invoice-contacts/{ic_a}/remove/",
        everyone(NOT_ALLOWED),
    ),
    Case(
        "invoice contact remove POST",
        "POST",
        "/corporate/account/invoice-contacts/{ic_a}/remove/",
        portal(to(ACCOUNT, writes=True), NOT_FOUND),
    ),
    Case(
        "purchase-order number", "GET", "/corporate/account/purchase-order/", everyone(NOT_ALLOWED)
    ),
    Case(
        "purchase-order number POST",
        "POST",
        "/corporate/account/purchase-order/",
        portal(to(ACCOUNT, writes=True)),
        {"purchase_order_number": "PO-2026-0042"},
    ),
    Case(
        "purchase-order number POST, too long",
        "POST",
        "/corporate/account/purchase-order/",
        portal(OK),
        {"purchase_order_number": "P" * 65},
    ),
    Case(
        "purchase order POST, with an expiration date",
        "POST",
        "/corporate/account/purchase-order/",
        portal(to(ACCOUNT, writes=True)),
        {"purchase_order_number": "PO-2026-0042", "purchase_order_expires_on": "2027-03-31"},
    ),
    Case(
        "purchase order POST, an expiration date without a number",
        "POST",
        "/corporate/account/purchase-order/",
        portal(OK),
        {"purchase_order_number": "", "purchase_order_expires_on": "2027-03-31"},
    ),
    Case(
        "purchase order POST, an expiration date that is no date",
        "POST",
        "/corporate/account/purchase-order/",
        portal(OK),
        {"purchase_order_number": "PO-2026-0042", "purchase_order_expires_on": "2027-02-30"},
    ),
    # --- Payment Profile: B's session shows and saves B's own profile (no ids in the URL) ---
    Case("Payment Profile", "GET", PAYMENT_PROFILE, portal(OK)),
    Case("Payment Profile POST", "POST", PAYMENT_PROFILE, everyone(NOT_ALLOWED)),
    Case("Payment Profile, Edit", "GET", PAYMENT_PROFILE + "edit/", portal(OK)),
    Case(
        "Payment Profile POST, Save bank transfer",
        "POST",
        PAYMENT_PROFILE + "edit/",
        portal(to(PAYMENT_PROFILE, writes=True)),
        {"payment_type": "bank_transfer"},
    ),
    Case(
        "Payment Profile POST, Save a direct debit with a wrong IBAN",
        "POST",
        PAYMENT_PROFILE + "edit/",
        portal(OK),
        {
            "payment_type": "direct_debit",
            "iban": "DE89 3704 0044 0532 0130 01",
            "account_holder": "Alpha Konzern AG",
            "mandate_accepted": "on",
        },
    ),
    Case("sessions", "GET", "/corporate/account/sessions/", portal(OK)),
    Case("sessions POST", "POST", "/corporate/account/sessions/", everyone(NOT_ALLOWED)),
    Case(
        "sign out everywhere",
        "GET",
        "/corporate/account/sessions/others/signout/",
        everyone(NOT_ALLOWED),
    ),
    Case(
        "sign out everywhere POST",
        "POST",
        "/corporate/account/sessions/others/signout/",
        portal(to("/corporate/account/sessions/", writes=True)),
    ),
    Case(
        "sign out a session",
        "GET",
        "/corporate/account/sessions/{no_session}/signout/",
        everyone(NOT_ALLOWED),
    ),
    Case(
        "sign out a session POST, not one of the User ID's",
        "POST",
        "/corporate/account/sessions/{no_session}/signout/",
        portal(NOT_FOUND),
    ),
    # --- Add Seats, Quotes and service orders (article 003) ---
    # A has an open quote ({quote_a}) and an accepted one ({accepted_a}) with its draft service
    # order ({order_a}); B has none, and its Add Seats form knows only B's own subscriptions.
    Case("Add Seats", "GET", ADD_SEATS, portal(OK)),
    Case(
        # The open quote would be lost: a confirmation step first, nothing written.
        "Add Seats POST, a cart while a quote is open",
        "POST",
        ADD_SEATS,
        portal(OK),
        {"seats-{sub_a}": "3"},
    ),
    Case(
        "Add Seats POST, a cart replacing the open quote",
        "POST",
        ADD_SEATS,
        # B's form has no field of A's subscription: nothing to add, nothing written.
        portal(to(NEW_QUOTE, writes=True), OK),
        {"seats-{sub_a}": "2", "replace_open": "on"},
    ),
    Case(
        "Add Seats POST, a negative New Seat Qty",
        "POST",
        ADD_SEATS,
        portal(OK),
        {"seats-{sub_a}": "-1", "replace_open": "on"},
    ),
    Case("Quotes", "GET", QUOTES, portal(OK)),
    Case("Quotes POST", "POST", QUOTES, everyone(NOT_ALLOWED)),
    Case("quote", "GET", QUOTE_A, portal(OK, NOT_FOUND)),
    Case("quote POST", "POST", QUOTE_A, everyone(NOT_ALLOWED)),
    Case("quote PDF", "GET", QUOTE_A + "pdf/", portal(OK, NOT_FOUND)),
    Case("quote PDF POST", "POST", QUOTE_A + "pdf/", everyone(NOT_ALLOWED)),
    Case("quote Accept", "GET", QUOTE_A + "accept/", everyone(NOT_ALLOWED)),
    Case(
        "quote Accept POST (Proceed to Payment)",
        "POST",
        QUOTE_A + "accept/",
        portal(to(QUOTE_A + "checkout/", writes=True), NOT_FOUND),
    ),
    Case("quote Reject", "GET", QUOTE_A + "reject/", everyone(NOT_ALLOWED)),
    Case(
        "quote Reject POST",
        "POST",
        QUOTE_A + "reject/",
        portal(to(QUOTES, writes=True), NOT_FOUND),
    ),
    # An open quote's checkout: back to its Proceed to Payment.
    Case("checkout of an open quote", "GET", QUOTE_A + "checkout/", portal(to(QUOTE_A), NOT_FOUND)),
    Case("checkout", "GET", ACCEPTED_A + "checkout/", portal(OK, NOT_FOUND)),
    Case(
        "checkout POST, Save and Proceed to Service Order",
        "POST",
        ACCEPTED_A + "checkout/",
        portal(to(ORDER_A, writes=True), NOT_FOUND),
        {**CHECKOUT, "admin_email": "otto.other@alpha.example"},
    ),
    Case(
        "checkout POST, without a city",
        "POST",
        ACCEPTED_A + "checkout/",
        portal(OK, NOT_FOUND),
        {**CHECKOUT, "city": ""},
    ),
    Case("service order", "GET", ORDER_A, portal(OK, NOT_FOUND)),
    Case("service order POST", "POST", ORDER_A, everyone(NOT_ALLOWED)),
    Case("Place Service Order", "GET", ORDER_A + "place/", everyone(NOT_ALLOWED)),
    Case(
        "Place Service Order POST",
        "POST",
        ORDER_A + "place/",
        portal(to(ORDER_A, writes=True), NOT_FOUND),
    ),
]

PARAMS = [
    pytest.param(case, visitor, id=f"{case.method} {case.name} · {visitor}")
    for case in CASES
    for visitor in VISITORS
]


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    accounts: dict[str, Account]
    ids: dict[str, object]
    # Text that only a visitor of that account may see: names, e-mail addresses, numbers.
    secrets: dict[str, list[str]]
    account_of: dict[str, str | None]


def _corporate(name: str) -> Account:
    account = make_account(kind="corporate", language="en", name=name)
    corporate_password_set(account=account, password=PASSWORD, by=SYSTEM)
    return account


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Made once for the module (``tests.worlds.module_world``)."""
    with module_world(django_db_blocker):
        yield _world()


def _world() -> World:
    a = _corporate("Alpha Konzern AG")
    b = _corporate("Bravo Holdings plc")
    sub_a = make_subscription(a, seats=5, plan_code="goto-webinar-standard-yearly")
    make_subscription(b, seats=3, plan_code="goto-training-standard-yearly")
    make_card(a)
    make_card(b, "5555555555554444")
    inv_a, cn_a = issue_invoice(a, credit="10.00")
    inv_b, _ = issue_invoice(b)
    ic_a = invoice_contact_add(a, name="Alma Accounts", email="alma.accounts@alpha.example")
    ic_b = invoice_contact_add(b, name="Boris Books", email="boris.books@bravo.example")
    contact_a, contact_b = billing_contact(a), billing_contact(b)
    world = World(
        accounts={"A": a, "B": b},
        ids={
            "sub_a": sub_a.pk,
            "inv_a": inv_a.pk,
            "cn_a": cn_a.pk,
            "ic_a": ic_a.pk,
            "user_id_a": CorporateCredential.objects.get(account=a).user_id,
            "user_id_b": CorporateCredential.objects.get(account=b).user_id,
            "contact_a": contact_a.email,
            "contact_b": contact_b.email,
            "bad_token": "bad-token",
            "pay_key": uuid.uuid4().hex,
            # A session id (the hash of a session key) no session has.
            "no_session": "0" * 64,
        },
        secrets={
            "A": [a.name, contact_a.email, inv_a.number, cn_a.number, ic_a.email],
            "B": [b.name, contact_b.email, inv_b.number, ic_b.email],
        },
        account_of={
            "anonymous": None,
            "product_billing_admin": "A",  # signed in to the product as a person of A
            "portal_a": "A",
            "portal_b": "B",
        },
    )
    _article_003(world, a)
    return world


def _article_003(world: World, a: Account) -> None:
    """Article 003's objects of A: an accepted quote with its draft service order, and an
    open quote (at most one is open at a time)."""
    sub_a = Subscription.objects.get(pk=world.ids["sub_a"])
    card_a = PaymentMethod.objects.get(account=a)
    accepted_a = quote_create(account=a, seats={sub_a.pk: 1}, replace_open=False, by=SYSTEM)
    order_a = checkout_save(
        quote=accepted_a,
        admin=AdminContact(
            first_name="Ada", last_name="Order", email="ada.order@alpha.example", language="en"
        ),
        payment_method_id=card_a.pk,
        new_card=None,
        address=Address(line1="Alpha Allee 1", postal_code="10115", city="Berlin"),
        country="DE",
        by=SYSTEM,
    )
    quote_a = quote_create(account=a, seats={sub_a.pk: 2}, replace_open=False, by=SYSTEM)
    world.ids.update(
        quote_a=quote_a.pk, accepted_a=accepted_a.pk, order_a=order_a.pk, card_a=card_a.pk
    )
    world.secrets["A"] += [quote_a.number, accepted_a.number, order_a.number, order_a.admin_email]


def snapshot() -> dict[str, object]:
    """Every row a refused request could have touched, field by field, and the journals."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "credentials": list(
            CorporateCredential.objects.order_by("pk").values(
                "pk", "account", "user_id", "password"
            )
        ),
        "invoice_contacts": list(InvoiceContact.objects.order_by("pk").values()),
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "invoices": list(Invoice.objects.order_by("pk").values("pk", "paid_amount", "status")),
        "payment_methods": list(PaymentMethod.objects.order_by("pk").values()),
        "payment_profiles": list(PaymentProfile.objects.order_by("pk").values()),
        "charges": list(Charge.objects.order_by("pk").values()),
        "quotes": list(Quote.objects.order_by("pk").values()),
        "service_orders": list(ServiceOrder.objects.order_by("pk").values()),
        "two_factor_devices": list(CorporateTOTPDevice.objects.order_by("pk").values()),
        "recovery_codes": list(RecoveryCode.objects.order_by("pk").values()),
        "audit_entries": AuditEntry.objects.count(),
        "outgoing_emails": OutgoingEmail.objects.count(),
    }


def portal_sign_in_url(path: str) -> str:
    return f"/corporate/signin/?{urlencode({'next': path})}"


def _visit_as(client, world: World, visitor: str) -> None:
    if visitor == "product_billing_admin":
        client.force_login(billing_contact(world.accounts["A"]))
    elif visitor in ("portal_a", "portal_b"):
        user_id = world.ids["user_id_a" if visitor == "portal_a" else "user_id_b"]
        response = client.post("/corporate/signin/", {"user_id": user_id, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "visitor"), PARAMS)
def test_corporate_matrix(client, world: World, case: Case, visitor: str) -> None:
    expected = case.answers[visitor]
    _visit_as(client, world, visitor)
    ids = {
        **world.ids,
        # The visitor's own billing contact's e-mail: saving the Bill To keeps the same person.
        "own_contact_email": world.ids["contact_b" if visitor == "portal_b" else "contact_a"],
    }
    path = fill(case.path, ids)
    data = {fill(key, ids): fill(value, ids) for key, value in case.data.items()}
    before = snapshot()

    response = client.get(path) if case.method == "GET" else client.post(path, data)

    assert response.status_code == expected.status, response.content.decode()[:2000]
    if expected.status == 302:
        location = response["Location"]
        if expected.location == SIGN_IN:
            assert location == portal_sign_in_url(path)
        elif isinstance(expected.location, re.Pattern):
            assert expected.location.match(location), location
        else:
            assert location == fill(expected.location, ids)
    after = snapshot()
    if expected.writes:
        assert after != before, "an allowed action changed nothing"
    else:
        assert after == before, "a refused request (or a page) changed something"

    if response.get("Content-Type", "").startswith("application/pdf"):
        return
    page = response.content.decode()
    own = world.account_of[visitor]
    typed = " ".join(str(v) for v in data.values())
    for account, secrets in world.secrets.items():
        if account == own:
            continue
        for secret in secrets:
            if secret not in typed:
                assert secret not in page, f"{secret!r} of account {account} shown to {visitor}"


def test_every_url_of_the_corporate_portal_is_in_the_matrix() -> None:
    """A page added to the portal's urls.py without a GET and a POST row here fails this."""
    from django.urls import URLResolver, get_resolver

    found: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "corporate":
            prefix = str(entry.pattern)
            for pattern in entry.url_patterns:
                route = re.sub(r"<[^>]+>", "<x>", str(pattern.pattern))
                found.add(f"/{prefix}{route}")
    assert found, "the corporate namespace has no URL"

    def shape(path: str) -> str:
        return re.sub(r"\{\w+\}", "<x>", path.split("?")[0])

    methods = {(shape(case.path), case.method) for case in CASES}
    missing = sorted(
        f"{method} {url}"
        for url in found
        for method in ("GET", "POST")
        if (url, method) not in methods
    )
    assert missing == []


def test_a_portal_session_of_one_account_never_opens_the_other(client, world: World) -> None:
    """Signed in to A's portal, then B's: the session holds B only; A's pages are B's now."""
    _visit_as(client, world, "portal_a")
    assert world.accounts["A"].name in client.get(ACCOUNT).content.decode()

    _visit_as(client, world, "portal_b")
    page = client.get(ACCOUNT).content.decode()

    assert world.accounts["B"].name in page
    assert world.accounts["A"].name not in page

"""The world in which the help articles' steps are checked: every page of
``seatwise.helpcenter.pages.PAGES``, opened as the person it is shown to, in one language.

- an online account: its billing admin (a card on file; GoTo Meeting with a seat reduction
  scheduled for the renewal, GoTo Webinar with a downgrade scheduled, GoTo Training pending
  cancellation; an open renewal invoice), an account admin who is not the billing admin, and a
  user;
- a corporate account, signed in to the Corporate Billing Portal with its User ID: GoTo
  Webinar renewing, GoTo Training with Auto Renew off, an automatic card, an open invoice, an
  accepted quote with its service order not yet placed, and an open quote; and an account admin
  who is not the billing admin;
- a corporate account not eligible for self-service.

Everyone speaks ``language``; visitors ask for it with Accept-Language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

from django.test import Client
from django.utils import timezone

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.services import Address, corporate_password_set
from seatwise.billing.cancellation import subscription_cancel
from seatwise.billing.changes import plan_change, renewal_seats_set
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from seatwise.ordering.services import AdminContact, checkout_save, quote_create
from seatwise.subscriptions.auto_renew import CancelReason, auto_renew_off
from tests.corporate.helpers import issue_invoice
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    ensure_default_catalog,
    make_account,
    make_card,
    make_person,
    make_subscription,
    plan,
)
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.step_up import sign_in_as
from tests.tax.data import ensure_eu_vat_rates


@dataclass(frozen=True, slots=True)
class World:
    language: str
    people: dict[str, Person]
    accounts: dict[str, Account]
    ids: dict[str, int]


def _corporate(language: str, name: str, *, eligible: bool = True) -> Account:
    account = make_account(
        kind="corporate", language=language, name=name, self_service_eligible=eligible
    )
    corporate_password_set(account=account, password=PASSWORD, by=SYSTEM)
    return account


def build_world(language: str) -> World:
    ensure_default_catalog()
    ensure_eu_vat_rates()
    term_start = timezone.localdate() - timedelta(days=3)

    online = make_account(kind="online", language=language, name="Online Werkstatt GmbH")
    make_card(online)
    meeting = make_subscription(
        online, seats=5, plan_code="goto-meeting-standard-monthly", term_start=term_start
    )
    renewal_seats_set(subscription=meeting, seats=3, by=SYSTEM)
    webinar = make_subscription(
        online, seats=2, plan_code="goto-webinar-business-monthly", term_start=term_start
    )
    plan_change(
        subscription=webinar,
        new_plan=plan("goto-webinar-standard-monthly"),
        by=SYSTEM,
        idempotency_key="helpcenter-world-downgrade",
    )
    training = make_subscription(
        online, seats=1, plan_code="goto-training-standard-monthly", term_start=term_start
    )
    subscription_cancel(subscription=training, by=SYSTEM)
    renewal = invoice_issue(
        account=online,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=Invoice.Source.RENEWAL,
        by=SYSTEM,
        issue_date=timezone.localdate(),
    )
    online_user = make_person(online, language=language)

    corporate = _corporate(language, "Corporate Logistik AG")
    corporate_webinar = make_subscription(
        corporate, seats=5, plan_code="goto-webinar-standard-yearly", term_start=term_start
    )
    corporate_training = make_subscription(
        corporate, seats=3, plan_code="goto-training-standard-yearly", term_start=term_start
    )
    auto_renew_off(subscription=corporate_training, reason=CancelReason(code="budget"), by=SYSTEM)
    card = make_card(corporate)
    corporate_invoice, _ = issue_invoice(corporate)
    accepted = quote_create(
        account=corporate, seats={corporate_webinar.pk: 1}, replace_open=False, by=SYSTEM
    )
    order = checkout_save(
        quote=accepted,
        admin=AdminContact(
            first_name="Ada", last_name="Order", email="ada.order@example.com", language=language
        ),
        payment_method_id=card.pk,
        new_card=None,
        address=Address(line1="Allee 1", postal_code="10115", city="Berlin"),
        country="DE",
        by=SYSTEM,
    )
    open_quote = quote_create(
        account=corporate, seats={corporate_webinar.pk: 2}, replace_open=False, by=SYSTEM
    )

    not_eligible = _corporate(language, "Needs Support Ltd", eligible=False)
    make_card(not_eligible)
    make_subscription(not_eligible, seats=2, plan_code="goto-meeting-standard-yearly")

    return World(
        language=language,
        people={
            "online_billing_admin": billing_contact(online),
            "online_account_admin": make_person(online, admin=True, language=language),
            "online_user": online_user,
            "corporate_account_admin": make_person(corporate, admin=True, language=language),
        },
        accounts={"online": online, "corporate": corporate, "not_eligible": not_eligible},
        ids={
            "meeting": meeting.pk,
            "business_monthly": plan("goto-meeting-business-monthly").pk,
            "training": training.pk,
            "renewal_invoice": renewal.pk,
            "corporate_webinar": corporate_webinar.pk,
            "corporate_training": corporate_training.pk,
            "corporate_invoice": corporate_invoice.pk,
            "accepted_quote": accepted.pk,
            "order": order.pk,
            "open_quote": open_quote.pk,
            "online_user": online_user.pk,
        },
    )


# --- who opens which page -------------------------------------------------------------------------

VISITOR = "visitor"


@dataclass(frozen=True, slots=True)
class Visit:
    """A page as ``who`` sees it: a person of ``World.people``, ``VISITOR``, or
    ``portal:<account>`` for a Corporate Billing Portal session of that account."""

    who: str
    path: Callable[[World], str]


def _path(text: str) -> Callable[[World], str]:
    return lambda world: text.format(**world.ids)


ONLINE_BILLING = "online_billing_admin"
ONLINE_ADMIN = "online_account_admin"
PORTAL = "portal:corporate"

VISITS: dict[str, Visit] = {
    "signin": Visit(VISITOR, _path("/signin/")),
    "password_reset": Visit(VISITOR, _path("/password/reset/")),
    "my_account": Visit("online_user", _path("/my-account/")),
    "my_account.corporate": Visit("corporate_account_admin", _path("/my-account/")),
    "billing.subscriptions": Visit(ONLINE_BILLING, _path("/billing/subscriptions/")),
    "billing.wrong_place.online": Visit(ONLINE_ADMIN, _path("/billing/wrong-place/")),
    "billing.wrong_place.corporate": Visit(
        "corporate_account_admin", _path("/billing/wrong-place/")
    ),
    "billing.subscription_plan": Visit(
        ONLINE_BILLING, _path("/billing/subscriptions/{meeting}/plan/")
    ),
    "billing.subscription_plan.review": Visit(
        ONLINE_BILLING, _path("/billing/subscriptions/{meeting}/plan/?plan={business_monthly}")
    ),
    "billing.subscription_seats": Visit(
        ONLINE_BILLING, _path("/billing/subscriptions/{meeting}/seats/")
    ),
    "billing.subscription_seats.review": Visit(
        ONLINE_BILLING, _path("/billing/subscriptions/{meeting}/seats/?seats=8")
    ),
    "billing.subscription_cancel": Visit(
        ONLINE_BILLING, _path("/billing/subscriptions/{meeting}/cancel/")
    ),
    "billing.subscription_new": Visit(ONLINE_BILLING, _path("/billing/subscriptions/new/")),
    "billing.invoices": Visit(ONLINE_BILLING, _path("/billing/invoices/")),
    "billing.invoice_pay": Visit(ONLINE_BILLING, _path("/billing/invoices/{renewal_invoice}/pay/")),
    "billing.payment_method": Visit(ONLINE_BILLING, _path("/billing/payment-method/")),
    "admin.home": Visit(ONLINE_ADMIN, _path("/admin-center/")),
    "admin.add_licenses.contact": Visit(ONLINE_ADMIN, _path("/admin-center/add-licenses/")),
    "admin.add_licenses.corporate": Visit(
        "corporate_account_admin", _path("/admin-center/add-licenses/")
    ),
    "admin.billing_admin_email": Visit(ONLINE_ADMIN, _path("/admin-center/add-licenses/email/")),
    "admin.users": Visit(ONLINE_ADMIN, _path("/admin-center/users/")),
    "admin.user_add": Visit(ONLINE_ADMIN, _path("/admin-center/users/add/")),
    "admin.user": Visit(ONLINE_ADMIN, _path("/admin-center/users/{online_user}/")),
    "admin.licenses": Visit(ONLINE_ADMIN, _path("/admin-center/licenses/")),
    "corporate.signin": Visit(VISITOR, _path("/corporate/signin/")),
    "corporate.password_reset": Visit(VISITOR, _path("/corporate/password/")),
    "corporate.subscriptions": Visit(PORTAL, _path("/corporate/")),
    "corporate.add_seats": Visit(PORTAL, _path("/corporate/add-seats/")),
    "corporate.add_seats.not_eligible": Visit(
        "portal:not_eligible", _path("/corporate/add-seats/")
    ),
    "corporate.quotes": Visit(PORTAL, _path("/corporate/quotes/")),
    "corporate.quote": Visit(PORTAL, _path("/corporate/quotes/{open_quote}/")),
    "corporate.checkout": Visit(PORTAL, _path("/corporate/quotes/{accepted_quote}/checkout/")),
    "corporate.service_order": Visit(PORTAL, _path("/corporate/service-orders/{order}/")),
    "corporate.auto_renew": Visit(
        PORTAL, _path("/corporate/subscriptions/{corporate_webinar}/auto-renew/")
    ),
    "corporate.auto_renew.off": Visit(
        PORTAL, _path("/corporate/subscriptions/{corporate_training}/auto-renew/")
    ),
    "corporate.invoices": Visit(PORTAL, _path("/corporate/invoices/")),
    "corporate.pay": Visit(PORTAL, _path("/corporate/invoices/{corporate_invoice}/pay/")),
    "corporate.account": Visit(PORTAL, _path("/corporate/account/")),
    "corporate.bill_to_edit": Visit(PORTAL, _path("/corporate/account/bill-to/")),
    "corporate.payment_profile": Visit(PORTAL, _path("/corporate/payment-profile/")),
    "corporate.payment_profile_edit": Visit(PORTAL, _path("/corporate/payment-profile/edit/")),
}


def open_page(world: World, key: str) -> str:
    """The HTML of page ``key`` as its person sees it in the world's language (status 200)."""
    visit = VISITS[key]
    client = Client(HTTP_ACCEPT_LANGUAGE=world.language)
    if visit.who.startswith("portal:"):
        account = world.accounts[visit.who.removeprefix("portal:")]
        user_id = CorporateCredential.objects.get(account=account).user_id
        signed_in = client.post("/corporate/signin/", {"user_id": user_id, "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    elif visit.who != VISITOR:
        # As the sign-in page leaves a session (a fresh step-up re-authentication included).
        sign_in_as(client, world.people[visit.who])
    path = visit.path(world)
    response = client.get(path)
    assert response.status_code == 200, (key, path, response.status_code, response.get("Location"))
    return response.content.decode()


# --- what a reader sees on a page -----------------------------------------------------------------

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
NOT_SHOWN = frozenset({"head", "script", "style", "template", "title", "noscript"})


class _VisibleText(HTMLParser):
    """The text a sighted reader sees: no head, scripts or styles, nothing hidden (``hidden``,
    ``visually-hidden``); each tag separates words, as blocks and cells do on screen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")
        if tag in VOID:
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        hidden = tag in NOT_SHOWN or "hidden" in values or "visually-hidden" in classes
        self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def shows(text: str, label: str) -> bool:
    """Whether ``label`` is in ``text`` as words of their own (not inside a longer word)."""
    wanted = " ".join(label.split())
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", text) is not None

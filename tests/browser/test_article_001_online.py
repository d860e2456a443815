"""Article 001, the online part, followed literally from the help center in Chromium, in German,
Italian and Spanish (and English):

    "Wenn Ihr Konto Abrechnung verwendet …, müssen Sie sich an den Kundendienst wenden, um diese
    Änderung anzufordern, indem Sie zum Ende dieses Artikels scrollen und eine Kontaktoption
    auswählen. … Sie müssen in der Lage sein, die aktuellen Kreditkarteninformationen zu
    überprüfen … Sie müssen der Kreditkarteninhaber ODER ein gelisteter Kontoadministrator sein."

1. A customer (the card holder, not signed in) opens the help center, reads the article in
   their language, scrolls to its end and chooses the contact option; sends the request with
   the new contact's name and e-mail address; confirms it from the e-mailed link and sees the
   case number.
2. The support agent signs in with two factors, opens the case from the queue, links the
   account, types what the requester says about the card, is told "matches", and makes the
   change.
3. The new contact sets a password from their e-mail and reaches the Billing Center's
   Subscriptions page; the old contact now meets the "wrong place" page.

Then each refusal, through the console: wrong last four, wrong expiry, wrong holder, a requester
neither holder nor account admin, no card on file, an expired card, a locked verification: each
is refused with its reason and changes nothing.

The article's title is the help center's own (seatwise/helpcenter/content); the wrong-place
message and the Subscriptions label are the articles' (tests/articles/articles.py); the rest is
Seatwise's catalog (``ui``). Screenshots go to test-artifacts/article-001-online/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Person
from seatwise.audit.actors import Actor
from seatwise.helpcenter.articles import library
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, TestGatewayCard
from seatwise.payments.services import payment_method_add
from seatwise.support.cases import CaseRequest, Visitor, case_confirm, case_request
from seatwise.support.models import Case, CaseEvent
from seatwise.support.services import case_account_link
from seatwise.support.tokens import case_confirmation_token_make
from seatwise.support.verification import CardAnswers, case_verify
from tests.articles.articles import LABELS, ui
from tests.browser.conftest import reader_page, screenshot
from tests.factories import PASSWORD, SYSTEM, billing_contact, make_account, make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LANGUAGES = ["de", "it", "es", "en"]
HOLDER = "Anna Kessler"
NEXT_YEAR = date.today().year + 2
NEW = ("Lena", "Neumann", "lena.neumann@kessler.example")
NEW_PASSWORD = "a-new-billing-contact-2026"
ACCOUNT_NAMES = {
    "de": "Kessler Feinmechanik GmbH",
    "it": "Ferraro Meccanica S.r.l.",
    "es": "Talleres Navarro S.L.",
    "en": "Kessler Precision Ltd",
}


class World:
    def __init__(self, language: str, *, card: str = "valid") -> None:
        self.language = language
        self.account = make_account(language=language, name=ACCOUNT_NAMES[language])
        self.contact = billing_contact(self.account)
        self.admin = make_person(self.account, admin=True, language=language)
        if card == "valid":
            payment_method_add(
                account=self.account,
                card=CardDetails(
                    number="4242424242424242",
                    exp_month=12,
                    exp_year=NEXT_YEAR,
                    cvc="123",
                    holder_name=HOLDER,
                ),
                by=SYSTEM,
            )
        elif card == "expired":
            vault = TestGatewayCard.objects.create(
                token="tok_expired_browser",
                brand="visa",
                last4="4242",
                exp_month=1,
                exp_year=date.today().year - 1,
                holder_name=HOLDER,
            )
            payment_method_add(account=self.account, token=vault.token, by=SYSTEM)
        self.agent = Person.objects.create_user(
            "helen.porter@seatwise.test",
            PASSWORD,
            first_name="Helen",
            last_name="Porter",
            language=language,
            is_staff=True,
        )
        self.device = TOTPDevice.objects.create(user=self.agent, name="Seatwise", confirmed=True)


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return request.param


@pytest.fixture
def world(settings, language: str, world_once) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_once(language, lambda: World(language))


@pytest.fixture
def shot(artifacts: Path, language: str):
    folder = artifacts / "article-001-online"
    folder.mkdir(exist_ok=True)

    def take(page: Page, step: str) -> None:
        screenshot(page, folder / f"{language}-{step}.png")

    return take


@pytest.fixture
def pages(browser: Browser, language: str) -> Iterator[dict[str, Page]]:
    """A browser of its own for each person: the customer, the agent, the new and the old
    contact, each speaking the test's language."""
    with (
        reader_page(browser, language) as customer,
        reader_page(browser, language) as agent,
        reader_page(browser, language) as new,
        reader_page(browser, language) as old,
    ):
        yield {"customer": customer, "agent": agent, "new": new, "old": old}


def link_in(email: OutgoingEmail, path_prefix: str) -> str:
    found = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+/)", email.body_text)
    assert found is not None, email.body_text
    return found.group(1)


def totp_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key).token():06d}"


def agent_sign_in(page: Page, live_server, world: World) -> None:
    language = world.language
    page.goto(live_server.url + "/support/")
    page.get_by_label(ui(language, "E-mail address"), exact=True).fill(world.agent.email)
    page.get_by_label(ui(language, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    # The second factor: the code of the agent's authenticator app.
    page.get_by_label(ui(language, "Code from your authenticator app"), exact=True).fill(
        totp_code(world.device)
    )
    page.get_by_role("button", name=ui(language, "Verify"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ui(language, "Support console"))


def verify(page: Page, language: str, *, last4: str, month: int, year: int, holder: str) -> None:
    page.get_by_label(ui(language, "Last four digits of the card"), exact=True).fill(last4)
    page.get_by_label(ui(language, "Expiry month"), exact=True).fill(str(month))
    page.get_by_label(ui(language, "Expiry year"), exact=True).fill(str(year))
    page.get_by_label(ui(language, "Card holder's name"), exact=True).fill(holder)
    page.get_by_role("button", name=ui(language, "Verify"), exact=True).click()


def test_a_card_holder_has_the_billing_contact_changed_by_customer_service(
    live_server, world: World, pages: dict[str, Page], language: str, shot
) -> None:
    found = library().get(slug="change-billing-contact", language=language)
    assert found is not None
    title = found.title
    customer = pages["customer"]

    # 1. The help center, in the reader's language: the article, and its contact option
    customer.goto(live_server.url + "/help/")
    expect(customer.locator("html")).to_have_attribute("lang", language)
    customer.get_by_role("link", name=title, exact=True).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(title)
    shot(customer, "1-article")
    options = customer.get_by_role("region", name=ui(language, "Contact customer service"))
    options.get_by_role(
        "link", name=ui(language, "Request a change of billing contact"), exact=True
    ).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        ui(language, "Change the billing contact")
    )
    customer.get_by_label(ui(language, "Your name"), exact=True).fill(HOLDER)
    customer.get_by_label(ui(language, "Your e-mail address"), exact=True).fill(
        "anna.private@mailbox.test"
    )
    customer.get_by_label(ui(language, "Company (account name)"), exact=True).fill(
        world.account.name
    )
    new_contact = customer.get_by_role("group", name=ui(language, "New billing contact"))
    new_contact.get_by_label(ui(language, "First name"), exact=True).fill(NEW[0])
    new_contact.get_by_label(ui(language, "Last name"), exact=True).fill(NEW[1])
    new_contact.get_by_label(ui(language, "E-mail address"), exact=True).fill(NEW[2])
    shot(customer, "2-request")
    customer.get_by_role("button", name=ui(language, "Send request"), exact=True).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(ui(language, "Check your e-mail"))
    confirmation = OutgoingEmail.objects.get(kind="support_case_confirm")
    assert confirmation.language == language
    customer.goto(live_server.url + link_in(confirmation, "/help/contact/confirm/"))
    customer.get_by_role("button", name=ui(language, "Confirm my request"), exact=True).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        ui(language, "Your request is open")
    )
    case = Case.objects.get()
    expect(customer.locator(".case-number strong")).to_have_text(case.number or "")
    shot(customer, "3-case-number")

    # 2. The agent: the queue, the account, the verification, the change
    agent = pages["agent"]
    agent_sign_in(agent, live_server, world)
    unassigned = agent.get_by_role("region", name=ui(language, "Unassigned cases"))
    unassigned.get_by_role("link", name=case.number, exact=True).click()
    agent.get_by_role(
        "button", name=ui(language, "Link %(name)s", name=world.account.name), exact=True
    ).click()
    expect(agent.get_by_role("status")).to_contain_text(
        ui(language, "The case is linked to %(account)s.", account=world.account.name)
    )
    verify(agent, language, last4="4242", month=12, year=NEXT_YEAR, holder=HOLDER)
    expect(agent.get_by_role("status")).to_have_text(
        ui(
            language,
            "Matches. The card on file is verified and the requester may ask for the change.",
        )
    )
    shot(agent, "4-verified")
    agent.get_by_role(
        "button",
        name=ui(language, "Make %(name)s the billing contact", name=f"{NEW[0]} {NEW[1]}"),
        exact=True,
    ).click()
    expect(agent.get_by_role("status")).to_have_text(
        ui(
            language,
            "%(name)s (%(email)s) is now the billing contact. The case is closed.",
            name=f"{NEW[0]} {NEW[1]}",
            email=NEW[2],
        )
    )
    shot(agent, "5-changed")

    # 3. The new contact sets a password and reaches the Billing Center's Subscriptions page
    new = pages["new"]
    to_new = OutgoingEmail.objects.get(kind="support_billing_contact_changed_new")
    assert (to_new.to_address, to_new.language) == (NEW[2], language)
    new.goto(live_server.url + link_in(to_new, "/password/set/"))
    with translation.override(language):
        labels = SetPasswordForm.base_fields
        first, second = str(labels["new_password1"].label), str(labels["new_password2"].label)
    new.get_by_label(first, exact=True).fill(NEW_PASSWORD)
    new.get_by_label(second, exact=True).fill(NEW_PASSWORD)
    new.get_by_role("button", name=ui(language, "Set password"), exact=True).click()
    new.goto(live_server.url + "/billing/")
    new.get_by_label(ui(language, "E-mail address"), exact=True).fill(NEW[2])
    new.get_by_label(ui(language, "Password"), exact=True).fill(NEW_PASSWORD)
    new.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    expect(new.get_by_role("heading", level=1)).to_have_text(LABELS[language]["subscriptions"])
    shot(new, "6-new-contact-subscriptions")

    # ... and the old one meets the "wrong place" page
    old = pages["old"]
    to_old = OutgoingEmail.objects.get(kind="support_billing_contact_changed_old")
    assert (to_old.to_address, to_old.language) == (world.contact.email, language)
    assert case.number in to_old.body_text
    old.goto(live_server.url + "/billing/")
    old.get_by_label(ui(language, "E-mail address"), exact=True).fill(world.contact.email)
    old.get_by_label(ui(language, "Password"), exact=True).fill(PASSWORD)
    old.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    expect(old.get_by_role("heading", level=1)).to_have_text(LABELS[language]["wrong_place"])
    shot(old, "7-old-contact-wrong-place")


# --- refusals -----------------------------------------------------------------------------------

REFUSALS = {
    # name: (language, card on file, requester name, answers (last4, month, year offset, holder),
    #        failed attempts made before, the console's message)
    "wrong last four": ("de", "valid", HOLDER, ("4243", 12, 2, HOLDER), 0, "card_mismatch"),
    "wrong expiry": ("it", "valid", HOLDER, ("4242", 11, 2, HOLDER), 0, "card_mismatch"),
    "wrong holder": ("es", "valid", HOLDER, ("4242", 12, 2, "Ana Kesler"), 0, "card_mismatch"),
    "neither holder nor account admin": (
        "de",
        "valid",
        "Tobias Richter",
        ("4242", 12, 2, HOLDER),
        0,
        "not_holder_or_admin",
    ),
    "no card on file": ("it", "none", HOLDER, ("4242", 12, 2, HOLDER), 0, "no_card"),
    "expired card": ("es", "expired", HOLDER, ("4242", 1, -1, HOLDER), 0, "card_expired"),
    "locked verification": ("de", "valid", HOLDER, ("4242", 12, 2, HOLDER), 3, "locked"),
}


def unchanged_state() -> dict[str, object]:
    """What a refusal leaves as it was: roles and memberships, cards, e-mails."""
    return {
        "people": list(
            Person.objects.order_by("pk").values(
                "pk", "account_id", "is_account_admin", "is_billing_contact", "is_active"
            )
        ),
        "cards": list(PaymentMethod.objects.order_by("pk").values()),
        "emails": OutgoingEmail.objects.count(),
    }


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_each_refusal_is_told_with_its_reason_and_changes_nothing(
    live_server, browser: Browser, settings, refusal: str, artifacts: Path
) -> None:
    from seatwise.support.verification import MESSAGES, Reason

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    language, card, requester, (last4, month, years, holder), failures, reason = REFUSALS[refusal]
    world = World(language, card=card)
    case = case_request(
        visitor=Visitor(name=requester, email="requester@mailbox.test", language=language),
        request=CaseRequest(
            topic=Case.Topic.BILLING_CONTACT_CHANGE,
            company_name=world.account.name,
            new_contact=NewContact(first_name=NEW[0], last_name=NEW[1], email=NEW[2]),
        ),
        client="192.0.2.7",
        by=SYSTEM,
    )
    case = case_confirm(case_id=case.pk, token=case_confirmation_token_make(case), by=SYSTEM)
    case = case_account_link(case=case, account=world.account, by=Actor.for_person(world.agent))
    for _ in range(failures):
        case_verify(
            case=case,
            answers=CardAnswers(last4="0000", exp_month=1, exp_year=2040, holder_name="X"),
            agent=world.agent,
            by=Actor.for_person(world.agent),
        )
    before = unchanged_state()
    events = CaseEvent.objects.count()

    with reader_page(browser, language) as page:
        agent_sign_in(page, live_server, world)
        page.goto(f"{live_server.url}/support/cases/{case.pk}/")
        if reason == "locked":
            # The form is gone while the lock lasts; the page says until when.
            case.refresh_from_db()
            assert case.verification_locked_until is not None
            with translation.override(language):
                until = date_format(
                    timezone.localtime(case.verification_locked_until), "DATETIME_FORMAT"
                )
            expect(page.get_by_role("alert")).to_have_text(
                ui(
                    language,
                    "Verification is locked until %(until)s (UTC) after repeated failures.",
                    until=until,
                )
            )
            expect(
                page.get_by_label(ui(language, "Last four digits of the card"), exact=True)
            ).to_have_count(0)
        else:
            year = date.today().year + years
            verify(page, language, last4=last4, month=month, year=year, holder=holder)
            message = MESSAGES[Reason(reason)]
            with translation.override(language):
                expected = str(message)
            expect(page.get_by_role("alert")).to_have_text(expected)
        # The change is refused whatever the agent tries
        expect(
            page.get_by_role(
                "button",
                name=ui(language, "Make %(name)s the billing contact", name=f"{NEW[0]} {NEW[1]}"),
            )
        ).to_have_count(0)
        folder = artifacts / "article-001-online"
        folder.mkdir(exist_ok=True)
        screenshot(page, folder / f"refusal-{refusal.replace(' ', '-')}.png")

    assert unchanged_state() == before
    if reason != "locked":
        # Only the attempt itself is recorded
        assert CaseEvent.objects.count() == events + 1
        assert CaseEvent.objects.order_by("-pk").values_list("kind", "reason")[0] == (
            "verification_failed",
            reason,
        )
    case.refresh_from_db()
    assert case.status == "open"
    assert Person.objects.get(account=world.account, is_billing_contact=True) == world.contact

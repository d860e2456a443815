"""Add a New Subscription (Buy, Try) and Subscribe Now in the Billing Center, in Chromium, by
the visible labels, in English, German, Italian and Spanish.

The world: a German online account (19 % VAT) whose billing admin speaks the test's language,
with a GoTo Meeting Standard annual subscription of 10 seats that started today. GoTo Webinar
(Standard: 59.00 a seat and month, 590.00 a year) is the product added:

- **Buy**: 3 seats of Standard annual, paid with the card on file; the invoice issued is,
  to the cent, the total the review showed (3 × 590.00 + 19 % VAT = 2,106.30).
- **Try**, then **Subscribe Now**: a free trial of Standard monthly with 2 seats (14 days, at
  most 5 seats), no card on file; Subscribe Now with a new card charges what its review
  showed (2 × 59.00 + 19 % VAT = 140.42) and the term starts today.
- **A trial that ends**: started 20 days ago, never given billing information; the daily job
  expires it (the clock moved with time_machine): nothing charged, status expired, no e-mail
  asking for money, and the Subscriptions page offers Subscribe Now, not Cancel.

The new pages' labels are read from the compiled catalogs (``tr``), so each language's page
is checked against its own translation; the labels shared with the other Billing Center pages
come from tests/browser/test_billing_center.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from seatwise.accounts.models import Account, Person
from seatwise.catalog.models import Product
from seatwise.catalog.services import product_trial_set
from seatwise.core.dates import add_months
from seatwise.invoicing.models import Invoice
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import Charge
from seatwise.subscriptions.models import Subscription
from seatwise.subscriptions.trials import trial_start, trials_expire
from tests.browser.conftest import reader_page, screenshot
from tests.browser.test_billing_center import (
    day,
    euros,
    expect_row,
    go_to,
    sign_in_to_billing_center,
    status_message,
    subscriptions_table,
    t,
    table_row,
)
from tests.factories import (
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_subscription,
    plan,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "de", "it", "es"]
WEBINAR = "GoTo Webinar"
VAT = Decimal("0.19")


def tr(language: str, english: str, **params: object) -> str:
    """``english`` as the page shows it in ``language`` (the compiled catalog)."""
    with translation.override(language):
        text = gettext(english)
    return text % params if params else text


def today() -> date:
    return timezone.localdate()


class World:
    def __init__(self, language: str, *, card: bool) -> None:
        self.language = language
        self.account: Account = make_account(
            kind="online", country="DE", language=language, name="Falk Optik GmbH"
        )
        self.admin: Person = billing_contact(self.account)
        make_subscription(self.account, seats=10, plan_code="goto-meeting-standard-yearly")
        if card:
            make_card(self.account)
        product_trial_set(
            product=Product.objects.get(code="goto-webinar"),
            trial_days=14,
            trial_seat_limit=5,
            by=SYSTEM,
        )


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return str(request.param)


@pytest.fixture
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser: Browser, language: str) -> Iterator[Page]:
    with reader_page(browser, language) as page:
        yield page


@pytest.fixture
def shot(artifacts: Path, request, language: str):
    folder = artifacts / "billing-center"
    folder.mkdir(exist_ok=True)
    name = request.node.originalname.removeprefix("test_").replace("_", "-")

    def take(page: Page, step: str) -> None:
        screenshot(page, folder / f"{name}-{language}-{step}.png")

    return take


def open_subscriptions(page: Page, live_server, world: World) -> None:
    sign_in_to_billing_center(page, live_server, world.language, world.admin.email)
    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")


def add_new_subscription(page: Page, language: str, *, product_label: str, mode: str) -> None:
    page.get_by_role("link", name=tr(language, "Add a New Subscription"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(language, "Add a New Subscription")
    )
    page.get_by_label(product_label, exact=True).check()
    page.get_by_label(tr(language, mode), exact=True).check()
    page.get_by_role("button", name=tr(language, "Next"), exact=True).click()


def choose_plan(page: Page, language: str, *, interval: str, price: Decimal, seats: int) -> None:
    label = tr(
        language,
        "%(tier)s · %(interval)s: %(price)s per seat and term",
        tier=t(language, "Standard"),
        interval=tr(language, interval),
        price=euros(language, price),
    )
    page.get_by_label(label, exact=True).check()
    page.get_by_label(tr(language, "Number of seats"), exact=True).fill(str(seats))
    page.get_by_role("button", name=tr(language, "Review"), exact=True).click()


def expect_totals(page: Page, language: str, description: str, seats: int, net: Decimal) -> Decimal:
    """The review's one line, net, VAT and total; returns the total."""
    tax = (net * VAT).quantize(Decimal("0.01"))
    gross = net + tax
    table = page.get_by_role("table", name=tr(language, "Price"), exact=True)
    expect(table.locator("tbody").get_by_role("row").get_by_role("cell")).to_have_text(
        [description, str(seats), euros(language, net)]
    )
    expect(table.locator("tfoot").get_by_role("cell")).to_have_text(
        [euros(language, net), euros(language, tax), euros(language, gross)]
    )
    return gross


def plan_name(language: str, interval: str) -> str:
    return f"{WEBINAR} {t(language, 'Standard')} ({tr(language, interval)})"


def test_buy_a_new_product_the_invoice_equals_the_review(
    live_server, page, language, shot, fast_passwords
):
    world = World(language, card=True)
    open_subscriptions(page, live_server, world)
    # Trials offered: the product's label says so.
    product_label = tr(
        language,
        "%(product)s (free trial: %(days)d days, up to %(seats)d seats)",
        product=WEBINAR,
        days=14,
        seats=5,
    )
    add_new_subscription(page, language, product_label=product_label, mode="Buy")
    choose_plan(page, language, interval="Annual", price=Decimal("590.00"), seats=3)

    expect(
        page.get_by_role("heading", level=2, name=tr(language, "Review your order"), exact=True)
    ).to_be_visible()
    description = tr(language, "%(plan)s, subscription term", plan=plan_name(language, "Annual"))
    gross = expect_totals(page, language, description, 3, Decimal("1770.00"))
    assert gross == Decimal("2106.30")
    on_file = page.get_by_label(
        tr(language, "The card on file, %(card)s", card="Visa •••• 4242"), exact=True
    )
    expect(on_file).to_be_checked()
    assert Invoice.objects.filter(account=world.account).count() == 0
    shot(page, "review")

    page.get_by_role("button", name=tr(language, "Place Order"), exact=True).click()

    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")
    invoice = Invoice.objects.get(account=world.account)
    last_day = day(language, add_months(today(), 12) - timedelta(days=1))
    expect(status_message(page)).to_have_text(
        tr(
            language,
            "Your %(product)s subscription is active: %(seats)d seats until %(day)s. Invoice "
            "%(number)s was paid by card.",
            product=WEBINAR,
            seats=3,
            day=last_day,
            number=invoice.number,
        )
    )
    row = table_row(subscriptions_table(page, language), WEBINAR)
    expect_row(subscriptions_table(page, language), row, language, {"Seats bought": "3"})
    shot(page, "bought")
    # The amount shown before the purchase is, to the cent, the amount invoiced and charged.
    assert (invoice.gross_total, invoice.status, invoice.source) == (
        gross,
        Invoice.Status.PAID,
        Invoice.Source.PURCHASE,
    )
    assert Charge.objects.get(invoice_id=invoice.pk).amount == gross
    go_to(page, language, "Invoice history")
    table = page.get_by_role("table", name=t(language, "Invoices and credit notes"), exact=True)
    expect_row(
        table,
        table_row(table, invoice.number),
        language,
        {"Description": tr(language, "Purchase"), "Total": euros(language, gross)},
    )


def test_start_a_trial_then_subscribe_now_with_a_new_card(
    live_server, page, language, shot, fast_passwords
):
    world = World(language, card=False)
    open_subscriptions(page, live_server, world)
    product_label = tr(
        language,
        "%(product)s (free trial: %(days)d days, up to %(seats)d seats)",
        product=WEBINAR,
        days=14,
        seats=5,
    )
    add_new_subscription(page, language, product_label=product_label, mode="Try")
    choose_plan(page, language, interval="Monthly", price=Decimal("59.00"), seats=2)

    last_day = day(language, today() + timedelta(days=13))
    expect(
        page.get_by_text(
            tr(
                language,
                "Free trial of %(plan)s with %(seats)s seats, from today until %(day)s.",
                plan=plan_name(language, "Monthly"),
                seats=2,
                day=last_day,
            ),
            exact=True,
        )
    ).to_be_visible()
    shot(page, "trial-review")
    page.get_by_role("button", name=tr(language, "Start Trial"), exact=True).click()

    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")
    expect(status_message(page)).to_have_text(
        tr(
            language,
            "Your free trial of %(product)s has started: %(seats)d seats until %(day)s, one of "
            "them yours. Nothing is charged. A welcome e-mail is on its way.",
            product=WEBINAR,
            seats=2,
            day=last_day,
        )
    )
    table = subscriptions_table(page, language)
    row = table_row(table, f"{WEBINAR} {tr(language, 'Free trial')}")
    expect_row(
        table,
        row,
        language,
        {
            "Seats bought": "2",
            "Assigned": "1",
            "Term and renewal": f"{day(language, today())} – {last_day} "
            + tr(language, "trial ends on %(day)s", day=last_day),
        },
    )
    # No Options (Change, Cancel) on a trial: Subscribe Now instead.
    expect(row.get_by_role("link", name=t(language, "Cancel Subscription"))).to_have_count(0)
    subscribe = row.get_by_role("link", name=tr(language, "Subscribe Now"), exact=True)
    expect(subscribe).to_be_visible()
    trial = Subscription.objects.get(account=world.account, product__code="goto-webinar")
    assert (trial.status, Invoice.objects.filter(account=world.account).count()) == ("trial", 0)
    welcome = OutgoingEmail.objects.get(account_id=world.account.pk, kind="trial_welcome")
    assert welcome.subject == tr(
        language, "Welcome to your free trial of %(product)s", product=WEBINAR
    )
    shot(page, "trial")

    subscribe.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(language, "Subscribe Now"))
    page.get_by_role("button", name=tr(language, "Review"), exact=True).click()

    description = tr(language, "%(plan)s, subscription term", plan=plan_name(language, "Monthly"))
    gross = expect_totals(page, language, description, 2, Decimal("118.00"))
    assert gross == Decimal("140.42")
    expect(
        page.get_by_label(
            tr(language, "A new card (it becomes the card on file for renewals)"), exact=True
        )
    ).to_be_checked()
    page.get_by_label(t(language, "Card number"), exact=True).fill("4242 4242 4242 4242")
    page.get_by_label(t(language, "Expiry month"), exact=True).select_option(label="08")
    page.get_by_label(t(language, "Expiry year"), exact=True).select_option(
        label=str(today().year + 3)
    )
    page.get_by_label(t(language, "Security code (CVC)"), exact=True).fill("123")
    page.get_by_label(t(language, "Name on the card"), exact=True).fill("Bill Contact")
    shot(page, "subscribe-review")
    page.get_by_role("button", name=tr(language, "Subscribe Now"), exact=True).click()

    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")
    invoice = Invoice.objects.get(account=world.account)
    trial.refresh_from_db()
    assert (trial.status, trial.term_start, trial.seats, trial.trial_end) == (
        "active",
        today(),
        2,
        today() + timedelta(days=14),
    )
    expect(status_message(page)).to_have_text(
        tr(
            language,
            "Your %(product)s subscription is active: %(seats)d seats until %(day)s. Invoice "
            "%(number)s was paid by card.",
            product=WEBINAR,
            seats=2,
            day=day(language, trial.term_end - timedelta(days=1)),
            number=invoice.number,
        )
    )
    row = table_row(subscriptions_table(page, language), WEBINAR)
    expect(
        row.get_by_role("link", name=t(language, "Cancel Subscription"), exact=True)
    ).to_be_visible()
    shot(page, "subscribed")
    assert (invoice.gross_total, invoice.status) == (gross, Invoice.Status.PAID)
    assert Charge.objects.get(invoice_id=invoice.pk).amount == gross


def test_a_trial_without_billing_information_expires_and_is_never_charged(
    live_server, page, language, shot, fast_passwords
):
    world = World(language, card=False)
    started = today() - timedelta(days=20)
    trial = trial_start(
        account=world.account,
        plan=plan("goto-webinar-standard-monthly"),
        seats=2,
        by=SYSTEM,
        on=started,
    )
    assert trial.trial_end == started + timedelta(days=14)

    # The daily job, at 02:30 of the day the trial ended.
    at = timezone.make_aware(datetime.combine(trial.trial_end, time(2, 30)))
    with time_machine.travel(at, tick=False):
        assert trials_expire(on=timezone.localdate(), by=SYSTEM) == 1

    trial.refresh_from_db()
    assert trial.status == Subscription.Status.EXPIRED
    assert Invoice.objects.filter(account=world.account).count() == 0
    assert Charge.objects.filter(account=world.account).count() == 0
    # No e-mail asks for money: the welcome only.
    assert list(
        OutgoingEmail.objects.filter(account_id=world.account.pk).values_list("kind", flat=True)
    ) == ["trial_welcome"]

    open_subscriptions(page, live_server, world)
    table = subscriptions_table(page, language)
    row = table_row(table, f"{WEBINAR} {tr(language, 'Trial ended')}")
    last_day = day(language, trial.trial_end - timedelta(days=1))
    expect_row(
        table,
        row,
        language,
        {
            "Term and renewal": f"{day(language, started)} – {last_day} "
            + tr(language, "trial ended on %(day)s", day=last_day)
        },
    )
    expect(row.get_by_role("link", name=t(language, "Cancel Subscription"))).to_have_count(0)
    expect(row.get_by_role("link", name=tr(language, "Subscribe Now"), exact=True)).to_be_visible()
    shot(page, "trial-ended")

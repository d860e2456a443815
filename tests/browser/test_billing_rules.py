"""Three billing rules, done in Chromium by the visible labels in English, German, Italian and
Spanish:

- **no online cancellation while an invoice is overdue**: the billing admin of an online account
  whose invoice (83.30, issued 30 days ago, due 14 days later) is unpaid opens **Cancel
  Subscription** and is shown the overdue invoice with its amount and **Pay Now** instead of the
  confirmation; after **Pay Now** → **Pay in full**, cancelling works;
- **a purchase order past its expiration date is not printed on the next invoice**: the billing
  contact of a corporate account enters PO-4711 with an expiration date on the Account tab; the
  invoice issued today carries it, the renewal invoiced on the expiration date does not (both
  downloaded as PDF from the Invoice History);
- the Corporate Billing Portal's Subscriptions tab points to **Corporate Account Services** for
  cancellation and billing-frequency changes.

The wording of the new pages is written out per language below (``NEW_LABELS``); labels of
other pages come from the catalog (``tests.articles.articles.ui``). Screenshots go to
test-artifacts/billing-rules/.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import corporate_password_set
from seatwise.billing.renewals import renewals_run
from seatwise.core.dates import add_months
from seatwise.invoicing.models import Invoice
from seatwise.invoicing.services import invoice_issue
from seatwise.subscriptions.models import Subscription
from tests.articles.articles import ui
from tests.browser.conftest import reader_page, screenshot
from tests.corporate.helpers import issue_invoice
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_card,
    make_subscription,
)
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.tax.data import ensure_eu_vat_rates

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LANGUAGES = ["en", "de", "it", "es"]
PRODUCT = "GoTo Meeting"
NUMBER = "PO-4711"

# English source text → German, Italian, Spanish: the wording of the pages this change added.
NEW_LABELS: dict[str, dict[str, str]] = {
    "First pay what is overdue": {
        "de": "Bezahlen Sie zuerst, was überfällig ist",
        "it": "Prima paga l'importo scaduto",
        "es": "Pague primero lo vencido",
    },
    "Your %(product)s subscription cannot be cancelled while an invoice is unpaid past its due "
    "date. Overdue: %(amount)s.": {
        "de": "Ihr Abonnement für %(product)s kann nicht gekündigt werden, solange eine Rechnung "
        "über ihr Fälligkeitsdatum hinaus unbezahlt ist. Überfällig: %(amount)s.",
        "it": "La tua sottoscrizione %(product)s non può essere annullata finché una fattura "
        "resta non pagata oltre la data di scadenza. Importo scaduto: %(amount)s.",
        "es": "Su suscripción de %(product)s no se puede cancelar mientras haya una factura sin "
        "pagar después de su fecha de vencimiento. Importe vencido: %(amount)s.",
    },
    "Overdue invoices": {
        "de": "Überfällige Rechnungen",
        "it": "Fatture scadute",
        "es": "Facturas vencidas",
    },
    "Expiration date": {"de": "Ablaufdatum", "it": "Data di scadenza", "es": "Fecha de caducidad"},
    "Save purchase order": {
        "de": "Bestellnummer speichern",
        "it": "Salva ordine d'acquisto",
        "es": "Guardar orden de compra",
    },
    "The purchase order is saved.": {
        "de": "Die Bestellnummer wurde gespeichert.",
        "it": "L'ordine d'acquisto è stato salvato.",
        "es": "La orden de compra se ha guardado.",
    },
    "Purchase order %(number)s is printed on the invoices issued before %(day)s.": {
        "de": "Die Bestellnummer %(number)s wird auf die Rechnungen gedruckt, die vor dem "
        "%(day)s ausgestellt werden.",
        "it": "L'ordine d'acquisto %(number)s viene stampato sulle fatture emesse prima del "
        "%(day)s.",
        "es": "La orden de compra %(number)s se imprime en las facturas emitidas antes del "
        "%(day)s.",
    },
    "To cancel a subscription or change its billing frequency, contact Corporate Account "
    "Services.": {
        "de": "Für die Kündigung eines Abonnements oder die Änderung seiner "
        "Abrechnungshäufigkeit wenden Sie sich bitte an Corporate Account Services.",
        "it": "Per annullare una sottoscrizione o cambiarne la frequenza di fatturazione, "
        "contatta i Servizi per account Corporate.",
        "es": "Para cancelar una suscripción o cambiar su frecuencia de facturación, póngase en "
        "contacto con Servicios de cuentas corporativas.",
    },
    # As the vendor's own pages and the specification name them.
    "Corporate Account Services": {
        "de": "Corporate Account Services",
        "it": "Servizi per account Corporate",
        "es": "Servicios de cuentas corporativas",
    },
}

# Django's SHORT_DATE_FORMAT of each language, as strftime patterns.
DATE_FORMATS = {"en": "%m/%d/%Y", "de": "%d.%m.%Y", "it": "%d/%m/%Y", "es": "%d/%m/%Y"}


def t(language: str, english: str, **params: object) -> str:
    text = english if language == "en" else NEW_LABELS[english][language]
    return text % params if params else text


def day(language: str, value: date) -> str:
    return value.strftime(DATE_FORMATS[language])


def euros(language: str, amount: Decimal) -> str:
    digits = f"{amount:,.2f}"
    if language == "en":
        return f"€{digits}"
    return f"{digits.translate(str.maketrans(',.', '.,'))}\xa0€"


def today() -> date:
    return timezone.localdate()


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, language: str) -> Iterator[Page]:
    with reader_page(browser, language) as page:
        yield page


@pytest.fixture
def shot(artifacts: Path, request, language: str):
    folder = artifacts / "billing-rules"
    folder.mkdir(exist_ok=True)
    test_name = request.node.originalname.removeprefix("test_").replace("_", "-")

    def take(page: Page, step: str) -> None:
        screenshot(page, folder / f"{test_name}-{language}-{step}.png")

    return take


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Argon2 costs seconds per sign-in here; these tests are about billing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def status_message(page: Page) -> Locator:
    return page.locator(".messages .message")


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()
    return re.sub(r"\s+", " ", out)


# --- no online cancellation while an invoice is overdue ------------------------------------------


def test_cancellation_is_refused_while_an_invoice_is_overdue_and_allowed_once_it_is_paid(
    live_server, page, language, shot
):
    ensure_eu_vat_rates()
    account = make_account(kind="online", country="DE", language=language, name="Falk Optik")
    admin = billing_contact(account)
    subscription = make_subscription(
        account, seats=10, plan_code="goto-meeting-standard-yearly", term_start=today()
    )
    make_card(account)
    # 5 × 14.00 + 19 % VAT = 83.30, issued 30 days ago: due 16 days ago.
    invoice = invoice_issue(
        account=account,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source=Invoice.Source.RENEWAL,
        issue_date=today() - timedelta(days=30),
        by=SYSTEM,
    )
    overdue = euros(language, Decimal("83.30"))
    assert invoice.due_date == today() - timedelta(days=16)

    page.goto(live_server.url + "/billing/")
    page.get_by_label(ui(language, "E-mail address"), exact=True).fill(admin.email)
    page.get_by_label(ui(language, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")

    def cancel_subscription() -> None:
        row = page.get_by_role("row").filter(has_text=PRODUCT)
        row.get_by_role("link", name=ui(language, "Cancel Subscription"), exact=True).click()
        expect(page).to_have_url(
            live_server.url + f"/billing/subscriptions/{subscription.pk}/cancel/"
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(
            ui(language, "Cancel Subscription")
        )

    # Given the overdue invoice, Cancel Subscription shows it with Pay Now and no confirmation.
    cancel_subscription()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        t(language, "First pay what is overdue")
    )
    expect(page.get_by_role("alert")).to_have_text(
        t(
            language,
            "Your %(product)s subscription cannot be cancelled while an invoice is unpaid past "
            "its due date. Overdue: %(amount)s.",
            product=PRODUCT,
            amount=overdue,
        )
    )
    table = page.get_by_role("table", name=t(language, "Overdue invoices"), exact=True)
    row = table.get_by_role("row").filter(has_text=invoice.number)
    expect(row.get_by_role("cell")).to_have_text(
        [invoice.number, day(language, invoice.due_date), overdue, ui(language, "Pay Now")]
    )
    expect(page.get_by_role("button", name=ui(language, "Yes, Cancel"))).to_have_count(0)
    shot(page, "refused")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE

    # When it is paid with Pay Now
    row.get_by_role("link", name=ui(language, "Pay Now"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui(language, "Pay Now"))
    page.get_by_role("button", name=ui(language, "Pay in full"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/billing/invoices/")
    expect(status_message(page)).to_have_text(
        ui(
            language,
            "Thank you: your payment of %(amount)s was received. Invoice %(number)s is paid. "
            "The receipt is on its way by e-mail.",
            amount=overdue,
            number=invoice.number,
        )
    )
    shot(page, "paid")

    # Then cancelling works
    page.goto(live_server.url + "/billing/subscriptions/")
    cancel_subscription()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ui(language, "Cancel your %(product)s subscription?", product=PRODUCT)
    )
    page.get_by_role("button", name=ui(language, "Yes, Cancel"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/billing/subscriptions/")
    shot(page, "cancelled")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING_CANCELLATION


# --- the purchase order's expiration date; Corporate Account Services ---------------------------


def test_a_purchase_order_past_its_expiration_date_is_not_printed_on_the_next_invoice(
    live_server, page, language, shot, tmp_path, settings
):
    settings.SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL = "cas@seatwise.test"
    ensure_eu_vat_rates()
    expires = today() + timedelta(days=10)
    account = make_account(kind="corporate", country="DE", language=language, name="Kessler AG")
    corporate_password_set(account=account, password=PASSWORD, by=SYSTEM)
    user_id = CorporateCredential.objects.get(account=account).user_id
    make_card(account)
    # Annual, renewing on the purchase order's expiration date.
    make_subscription(
        account,
        seats=2,
        plan_code="goto-meeting-standard-yearly",
        term_start=add_months(expires, -12),
    )

    page.goto(live_server.url + "/corporate/")
    page.get_by_label(ui(language, "User ID"), exact=True).fill(user_id)
    page.get_by_label(ui(language, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=ui(language, "Sign in"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/corporate/")

    # The Subscriptions tab: cancellation and billing frequency go through Corporate Account
    # Services, with its contact options.
    services = page.get_by_role(
        "region", name=t(language, "Corporate Account Services"), exact=True
    )
    expect(
        services.get_by_text(
            t(
                language,
                "To cancel a subscription or change its billing frequency, contact Corporate "
                "Account Services.",
            ),
            exact=True,
        )
    ).to_be_visible()
    expect(services.get_by_role("link", name="cas@seatwise.test", exact=True)).to_have_attribute(
        "href", "mailto:cas@seatwise.test"
    )
    shot(page, "subscriptions")

    # Given the purchase order PO-4711, entered on the Account tab with its expiration date
    tabs = page.get_by_role("navigation", name=ui(language, "Corporate Billing Portal"), exact=True)
    tabs.get_by_role("link", name=ui(language, "Account"), exact=True).click()
    # (German names the section and the field alike: "Bestellnummer".)
    page.get_by_role("textbox", name=ui(language, "Purchase-order number"), exact=True).fill(NUMBER)
    page.get_by_label(t(language, "Expiration date"), exact=True).fill(expires.isoformat())
    page.get_by_role("button", name=t(language, "Save purchase order"), exact=True).click()
    expect(status_message(page)).to_have_text(t(language, "The purchase order is saved."))
    expect(
        page.get_by_text(
            t(
                language,
                "Purchase order %(number)s is printed on the invoices issued before %(day)s.",
                number=NUMBER,
                day=day(language, expires),
            ),
            exact=True,
        )
    ).to_be_visible()
    shot(page, "purchase-order")
    account.refresh_from_db()
    assert (account.purchase_order_number, account.purchase_order_expires_on) == (NUMBER, expires)

    # When an invoice is issued today, and the renewal is invoiced on the expiration date
    before, _ = issue_invoice(account, on=today())
    with time_machine.travel(expires, tick=False):
        renewals_run(on=expires, by=SYSTEM)
    renewal = Invoice.objects.get(account=account, source=Invoice.Source.RENEWAL)
    assert (before.purchase_order, renewal.issue_date, renewal.purchase_order) == (
        NUMBER,
        expires,
        "",
    )

    # Then the Invoice History's PDFs: today's carries the purchase order, the renewal's not
    tabs.get_by_role("link", name=ui(language, "Invoice History"), exact=True).click()
    texts = {}
    for invoice in (before, renewal):
        label = ui(language, "Download %(number)s", number=invoice.number)
        with page.expect_download() as download_info:
            page.get_by_role("link", name=label, exact=True).click()
        saved = tmp_path / f"{invoice.number}.pdf"
        download_info.value.save_as(saved)
        texts[invoice.number] = pdf_text(saved)
    shot(page, "invoices")
    assert f"{ui(language, 'Purchase order')} {NUMBER}" in texts[before.number]
    assert NUMBER not in texts[renewal.number]
    assert f"{ui(language, 'User ID')} {user_id}" in texts[renewal.number]

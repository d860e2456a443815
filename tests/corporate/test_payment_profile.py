"""The Corporate Billing Portal's **Payment Profile** tab: the recurring payment method, and
**Edit** › **Payment Type** › **Save**; Add Seats reads it (article 003)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from seatwise.audit.models import AuditEntry
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.models import PaymentMethod, PaymentProfile
from tests.corporate.helpers import corporate_account, portal_sign_in
from tests.factories import make_card, make_subscription

pytestmark = pytest.mark.django_db

TAB = "/corporate/payment-profile/"
EDIT = "/corporate/payment-profile/edit/"
CARD = {
    "card_number": "",
    "exp_month": "12",
    "exp_year": str(date.today().year + 2),
    "cvc": "",
    "holder_name": "",
}


@pytest.fixture
def portal(client):
    account = corporate_account(language="en")
    make_card(account)
    portal_sign_in(client, account)
    return account


def errors(html: str) -> list[str]:
    return re.findall(r'class="form-field__error"[^>]*>([^<]*)<', html)


def everything(account) -> dict[str, object]:
    return {
        "profiles": list(PaymentProfile.objects.filter(account=account).values()),
        "cards": list(PaymentMethod.objects.filter(account=account).values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def save(client, payment_type: str, *, language: str = "en", **fields: str):
    data = {"payment_type": payment_type, **CARD, **fields}
    return client.post(EDIT, data, HTTP_ACCEPT_LANGUAGE=language)


def test_the_tab_shows_the_card_masked_with_edit(client, portal):
    page = client.get(TAB, HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert page.status_code == 200
    assert '<a href="/corporate/payment-profile/" aria-current="page">Payment Profile</a>' in html
    assert f'href="{EDIT}">Edit</a>' in html
    assert "<dt>Payment Type</dt><dd>Credit/Debit Card</dd>" in html
    assert "<dt>Card</dt><dd>Visa •••• 4242</dd>" in html


def test_edit_save_bank_transfer_then_card_again(client, portal):
    # when the billing contact chooses Bank transfer and saves
    response = save(client, "bank_transfer")
    # then the tab shows the seller's bank details
    assert (response.status_code, response["Location"]) == (302, TAB)
    html = client.get(TAB).content.decode()
    assert "Your Payment Profile is saved: Bank transfer." in html
    assert "<dt>Payment Type</dt><dd>Bank transfer</dd>" in html
    assert "IBAN DE89 3704 0044 0532 0130 00<br>BIC COBADEFFXXX<br>Commerzbank" in html
    # and back to the card on file, without typing it again
    save(client, "card")
    html = client.get(TAB).content.decode()
    assert "<dt>Payment Type</dt><dd>Credit/Debit Card</dd>" in html
    assert "<dt>Card</dt><dd>Visa •••• 4242</dd>" in html
    assert (
        list(OutgoingEmail.objects.filter(kind="payment_profile_changed").values_list("to_address"))
        == [(portal.people.get(is_billing_contact=True).email,)] * 2
    )


def test_a_sepa_direct_debit_shows_its_mandate_and_the_iban_masked(client, portal):
    save(
        client,
        "direct_debit",
        iban="DE89 3704 0044 0532 0130 00",
        account_holder="Alpha AG",
        mandate_accepted="on",
    )

    html = client.get(TAB).content.decode()
    profile = PaymentProfile.objects.get(account=portal)
    assert f"<dt>Mandate reference</dt><dd>{profile.mandate_reference}</dd>" in html
    assert "<dt>IBAN</dt><dd>DE•• •••• •••• 3000</dd>" in html
    assert "0532 0130" not in html


def test_a_wrong_iban_is_told_in_german_next_to_the_field_and_nothing_changes(client, portal):
    before = everything(portal)

    page = save(
        client,
        "direct_debit",
        language="de",
        iban="DE89 3704 0044 0532 0130 01",
        account_holder="Alpha AG",
        mandate_accepted="on",
    )

    assert page.status_code == 200
    assert errors(page.content.decode()) == [
        "Diese IBAN ist ungültig: Die Prüfziffern stimmen nicht. Bitte prüfen Sie sie auf "
        "Tippfehler."
    ]
    assert everything(portal) == before


def test_a_discover_card_is_refused_in_italian_for_an_account_billed_in_euro(client, portal):
    before = everything(portal)

    page = save(
        client,
        "card",
        language="it",
        card_number="6011 1111 1111 1117",
        cvc="123",
        holder_name="Anna Rossi",
    )

    assert errors(page.content.decode()) == [
        "Le carte Discover sono accettate solo per gli account fatturati in dollari USA. Il tuo "
        "account è fatturato in EUR: utilizza una carta Visa, Mastercard o American Express."
    ]
    assert everything(portal) == before


def test_add_seats_points_to_the_payment_profile_when_it_is_no_card(client, portal):
    make_subscription(portal, plan_code="goto-webinar-standard-yearly")
    save(client, "check")

    html = client.get("/corporate/add-seats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-refusal="payment_profile_not_card"' in html
    assert (
        "Adding seats needs an automatic payment method: a credit or debit card. Your Payment "
        "Profile is Check. Choose Credit/Debit Card on the Payment Profile tab (Edit), then Add "
        "Seats again."
    ) in html
    assert f'<a class="button" href="{TAB}">Payment Profile</a>' in html

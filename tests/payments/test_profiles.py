"""The Payment Profile of a corporate account (``payments.profiles``): card, bank transfer, check
or SEPA direct debit; audited, the billing contact e-mailed, nothing but masked values kept; and
Discover cards for accounts billed in US dollars only (``services.card_brand_check``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, PaymentProfile, TestGatewayBankAccount
from seatwise.payments.profiles import (
    DirectDebit,
    iban_clean,
    payment_profile_of,
    payment_profile_set,
)
from seatwise.payments.services import payment_method_add
from tests.factories import SYSTEM, billing_contact, make_account, make_card

pytestmark = pytest.mark.django_db

IBAN = "DE89 3704 0044 0532 0130 00"
IBAN_COMPACT = "DE89370400440532013000"
DISCOVER = "6011111111111117"


def corporate(**kwargs):
    return make_account(kind="corporate", language="en", **kwargs)


def debit(iban: str = IBAN, *, accepted: bool = True) -> DirectDebit:
    return DirectDebit(iban=iban, holder_name="Alpha Konzern AG", mandate_accepted=accepted)


def card(number: str) -> CardDetails:
    return CardDetails(
        number=number, exp_month=12, exp_year=date.today().year + 2, cvc="123", holder_name="A B"
    )


def state(account) -> dict[str, object]:
    """Everything a refused change could have written."""
    return {
        "profiles": list(PaymentProfile.objects.filter(account=account).values()),
        "cards": list(PaymentMethod.objects.filter(account=account).values()),
        "audit": AuditEntry.objects.filter(account_id=account.pk).count(),
        "emails": OutgoingEmail.objects.filter(account_id=account.pk).count(),
        "vault": TestGatewayBankAccount.objects.count(),
    }


def test_an_account_without_a_profile_pays_by_its_card():
    # given a corporate account with a card and no profile row
    account = corporate()
    make_card(account)
    # when its profile is read
    profile = payment_profile_of(account)
    # then it is the card, which makes it automatic
    assert (profile.payment_type, profile.card.masked, profile.is_automatic) == (
        "card",
        "Visa •••• 4242",
        True,
    )


def test_card_to_bank_transfer_and_back_is_audited_and_e_mailed():
    # given a corporate account paying by card
    account = corporate()
    make_card(account)
    contact = billing_contact(account)
    since = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # when its profile becomes bank transfer, then card again
    to_transfer = payment_profile_set(account=account, payment_type="bank_transfer", by=SYSTEM)
    back = payment_profile_set(account=account, payment_type="card", by=SYSTEM)
    # then both are changes, the card on file is kept, and each is audited with masked values
    assert (to_transfer.changed, to_transfer.profile.label) == (True, "Bank transfer")
    assert (back.changed, back.profile.payment_type, back.profile.card.last4) == (
        True,
        "card",
        "4242",
    )
    entries = list(
        AuditEntry.objects.filter(pk__gt=since, action="payment_profile.set")
        .order_by("pk")
        .values_list("old", "new")
    )
    assert entries == [
        (
            {"payment_type": "card", "card": "Visa •••• 4242"},
            {"payment_type": "bank_transfer"},
        ),
        (
            {"payment_type": "bank_transfer"},
            {"payment_type": "card", "card": "Visa •••• 4242"},
        ),
    ]
    # and the billing contact is told each time
    emails = list(
        OutgoingEmail.objects.filter(kind="payment_profile_changed")
        .order_by("pk")
        .values_list("to_address", "subject")
    )
    subject = f"The Payment Profile of {account.name} was changed"
    assert emails == [(contact.email, subject), (contact.email, subject)]
    first = OutgoingEmail.objects.filter(kind="payment_profile_changed").order_by("pk").first()
    assert "Bank transfer" in first.body_text


def test_saving_the_same_profile_again_changes_nothing():
    # given an account paying by check
    account = corporate()
    make_card(account)
    payment_profile_set(account=account, payment_type="check", by=SYSTEM)
    before = state(account)
    # when check is saved again, and card while it already is (no profile row needed)
    again = payment_profile_set(account=account, payment_type="check", by=SYSTEM)
    other = corporate()
    make_card(other)
    other_before = state(other)
    card_again = payment_profile_set(account=other, payment_type="card", by=SYSTEM)
    # then nothing is written, audited or e-mailed
    assert (again.changed, card_again.changed) == (False, False)
    assert state(account) == before
    assert state(other) == other_before


def test_the_same_form_sent_twice_saves_once():
    account = corporate()
    make_card(account)
    key = "k" * 24
    payment_profile_set(account=account, payment_type="check", by=SYSTEM, request_key=key)
    after_first = state(account)
    # when the same form (its key) arrives again, even after another change elsewhere
    repeat = payment_profile_set(account=account, payment_type="check", by=SYSTEM, request_key=key)
    # then it is the first save, nothing more
    assert repeat.changed is False
    assert state(account) == after_first


def test_a_direct_debit_keeps_the_mandate_and_the_iban_masked_only():
    # given a corporate account billed in euro
    account = corporate()
    # when it chooses SEPA direct debit with a valid IBAN and the mandate
    saved = payment_profile_set(
        account=account, payment_type="direct_debit", debit=debit(), by=SYSTEM
    )
    # then the mandate is stored with the IBAN's country and last four characters
    row = PaymentProfile.objects.get(account=account)
    assert (row.payment_type, row.iban_country, row.iban_last4, row.account_holder) == (
        "direct_debit",
        "DE",
        "3000",
        "Alpha Konzern AG",
    )
    assert row.mandate_reference.startswith(f"SW-{account.pk}-")
    assert row.mandate_signed_on == date.today()
    assert saved.profile.iban_masked == "DE•• •••• •••• 3000"
    # and the full IBAN is nowhere: not in the profile, the trail, the e-mail, the gateway's
    # vault row
    entry = AuditEntry.objects.get(account_id=account.pk, action="payment_profile.set")
    assert entry.new == {
        "payment_type": "direct_debit",
        "mandate_reference": row.mandate_reference,
        "iban": "DE•• •••• •••• 3000",
        "account_holder": "Alpha Konzern AG",
    }
    email = OutgoingEmail.objects.get(account_id=account.pk, kind="payment_profile_changed")
    vault = TestGatewayBankAccount.objects.get(token=row.debit_token)
    for text in (
        str(list(PaymentProfile.objects.filter(account=account).values())),
        str(entry.old) + str(entry.new),
        email.body_text + email.body_html,
        str(vars(vault)),
    ):
        assert IBAN_COMPACT not in text
        assert "0532 0130" not in text
    assert row.mandate_reference in email.body_text
    assert vault.mandate_reference == row.mandate_reference


@pytest.mark.parametrize(
    ("iban", "code", "message"),
    [
        (
            "DE89 3704 0044 0532 0130 01",
            "iban_checksum",
            "Diese IBAN ist ungültig: Die Prüfziffern stimmen nicht. Bitte prüfen Sie sie auf "
            "Tippfehler.",
        ),
        (
            "DE89 3704",
            "iban_invalid",
            "Geben Sie eine gültige IBAN ein, zum Beispiel DE89 3704 0044 0532 0130 00.",
        ),
    ],
)
def test_an_invalid_iban_is_refused_in_the_readers_language_and_nothing_changes(
    iban, code, message
):
    account = corporate()
    make_card(account)
    before = state(account)
    with translation.override("de"):
        with pytest.raises(Invalid) as refused:
            payment_profile_set(
                account=account, payment_type="direct_debit", debit=debit(iban), by=SYSTEM
            )
        assert str(refused.value.message) == message
    assert (refused.value.code, refused.value.field) == (code, "iban")
    assert state(account) == before


def test_iban_clean_checks_mod_97():
    assert iban_clean(" de89 3704 0044 0532 0130 00 ") == IBAN_COMPACT
    with pytest.raises(Invalid) as refused:
        iban_clean("GB82 WEST 1234 5698 7654 33")
    assert refused.value.code == "iban_checksum"


@pytest.mark.parametrize(
    ("given", "kwargs", "error", "code"),
    [
        # SEPA debits are in euro
        ({"currency": "USD"}, {"payment_type": "direct_debit"}, Refused, "direct_debit_currency"),
        # the mandate must be given
        ({}, {"payment_type": "direct_debit", "accepted": False}, Invalid, "mandate_not_accepted"),
        # a card type needs a card
        ({"no_card": True}, {"payment_type": "card"}, Invalid, "card_required"),
        # an unknown type
        ({}, {"payment_type": "paypal"}, Invalid, "invalid_payment_type"),
        # an online account has no Payment Profile
        ({"kind": "online"}, {"payment_type": "check"}, Refused, "not_corporate"),
    ],
)
def test_refusals_change_nothing(given, kwargs, error, code):
    given = dict(given)
    no_card = given.pop("no_card", False)
    account = make_account(**{"kind": "corporate", "language": "en", **given})
    if not no_card:
        make_card(account)
    before = state(account)
    accepted = kwargs.pop("accepted", True)
    with pytest.raises(error) as refused:
        payment_profile_set(account=account, debit=debit(accepted=accepted), by=SYSTEM, **kwargs)
    assert refused.value.code == code
    assert state(account) == before


def test_a_new_card_on_the_profile_becomes_the_default_automatic_card():
    account = corporate()
    make_card(account)
    payment_profile_set(account=account, payment_type="bank_transfer", by=SYSTEM)
    # when the profile goes back to card with a new Mastercard
    saved = payment_profile_set(
        account=account, payment_type="card", card=card("5555555555554444"), by=SYSTEM
    )
    # then that card is the one charged from now on
    assert saved.profile.card.masked == "Mastercard •••• 4444"
    assert PaymentMethod.objects.get(account=account, is_default=True).last4 == "4444"


class TestDiscoverOnlyInUsd:
    def test_refused_for_a_corporate_account_billed_in_euro(self):
        account = corporate(currency="EUR")
        with translation.override("es"):
            with pytest.raises(Invalid) as refused:
                payment_method_add(account=account, card=card(DISCOVER), by=SYSTEM)
            assert str(refused.value.message) == (
                "Las tarjetas Discover solo se aceptan en cuentas facturadas en dólares "
                "estadounidenses. Su cuenta se factura en EUR: utilice una tarjeta Visa, "
                "Mastercard o American Express."
            )
        assert (refused.value.code, refused.value.field) == ("discover_usd_only", "card")
        assert not PaymentMethod.objects.filter(account=account).exists()

    def test_refused_on_the_payment_profile_too(self):
        account = corporate(currency="GBP")
        make_card(account)
        before = state(account)
        with pytest.raises(Invalid) as refused:
            payment_profile_set(
                account=account, payment_type="card", card=card(DISCOVER), by=SYSTEM
            )
        assert refused.value.code == "discover_usd_only"
        assert state(account) == before

    def test_accepted_for_a_corporate_account_billed_in_us_dollars(self):
        account = corporate(currency="USD", country="US")
        method = payment_method_add(account=account, card=card(DISCOVER), by=SYSTEM)
        assert method.masked == "Discover •••• 1117"

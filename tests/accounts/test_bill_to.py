"""**Bill To** of a corporate account (the help article change-billing-contact): Save of the Billing
Address section updates the same person, or hands the billing-contact role to another, with e-mails
to both; the invoice contacts and the purchase-order number of the Account tab."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import is_password_usable

from seatwise.accounts.bill_to import BillTo, bill_to_set
from seatwise.accounts.invoice_contacts import invoice_contact_add, invoice_contact_remove
from seatwise.accounts.models import Account, CorporateCredential, InvoiceContact, Person
from seatwise.accounts.purchase_orders import account_purchase_order_set
from seatwise.accounts.services import Address
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.notifications.models import OutgoingEmail
from tests.corporate.helpers import corporate_account, issue_invoice
from tests.factories import SYSTEM, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db

ADDRESS = Address(line1="Marienplatz 1", line2="3. OG", postal_code="80331", city="München")

# The answer to an address someone outside the account has, whoever that is.
NEUTRAL = (
    "This e-mail address cannot be added to your account. Use another address, or contact "
    "customer service if it must be this one."
)


def bill_to(
    account: Account,
    *,
    first: str = "Bill",
    last: str | None = None,
    email: str | None = None,
    address: Address = ADDRESS,
    country: str = "DE",
) -> BillTo:
    contact = billing_contact(account)
    return BillTo(
        first_name=first,
        last_name=contact.last_name if last is None else last,
        email=contact.email if email is None else email,
        address=address,
        country=country,
    )


def world() -> dict[str, object]:
    """Every row Save could touch, field by field, and the journals."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values()),
        "credentials": list(CorporateCredential.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "emails": OutgoingEmail.objects.count(),
    }


def new_audit(since: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(pk__gt=since).order_by("pk").values_list("action", flat=True)
    )


def last_audit() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


class TestTheSamePerson:
    def test_a_new_name_and_address_update_that_person_and_the_account(self):
        account = corporate_account(language="de")
        contact = billing_contact(account)
        credential = CorporateCredential.objects.get(account=account)
        since = last_audit()

        saved = bill_to_set(
            account=account,
            bill_to=bill_to(account, first="Wilhelmine", last="Abrechnung", country="AT"),
            by=SYSTEM,
        )

        assert (saved.handed_over, saved.contact.pk) == (False, contact.pk)
        contact.refresh_from_db()
        assert (contact.first_name, contact.last_name, contact.is_billing_contact) == (
            "Wilhelmine",
            "Abrechnung",
            True,
        )
        account.refresh_from_db()
        assert (
            account.address_line1,
            account.address_line2,
            account.postal_code,
            account.city,
            account.region,
            account.country,
        ) == ("Marienplatz 1", "3. OG", "80331", "München", "", "AT")
        # The portal's password stays: the same person holds it.
        assert CorporateCredential.objects.get(pk=credential.pk).password == credential.password
        assert new_audit(since) == ["person.profile_update", "account.address_set"]
        assert OutgoingEmail.objects.count() == 0

    def test_the_e_mail_in_other_letter_case_is_the_same_person(self):
        account = corporate_account()
        contact = billing_contact(account)

        saved = bill_to_set(
            account=account, bill_to=bill_to(account, email=contact.email.upper()), by=SYSTEM
        )

        assert (saved.handed_over, saved.contact.pk) == (False, contact.pk)

    def test_saving_the_same_bill_to_again_changes_nothing(self):
        account = corporate_account()
        bill_to_set(account=account, bill_to=bill_to(account, first="Berta"), by=SYSTEM)
        before = world()

        bill_to_set(account=account, bill_to=bill_to(account, first="Berta"), by=SYSTEM)

        assert world() == before


class TestHandOver:
    def test_to_a_member_makes_them_billing_contact_and_admin_and_e_mails_both(self):
        # Given a German billing contact and an Italian member who is not an admin
        account = corporate_account(language="de")
        old = billing_contact(account)
        member = make_person(account, language="it")
        credential = CorporateCredential.objects.get(account=account)
        since = last_audit()

        # When the Bill To is saved with the member's name and e-mail address
        saved = bill_to_set(
            account=account,
            bill_to=bill_to(
                account, first=member.first_name, last=member.last_name, email=member.email
            ),
            by=SYSTEM,
        )

        # Then the member holds the role, and is an account admin as billing contacts are
        assert (saved.handed_over, saved.contact.pk, saved.previous.pk) == (True, member.pk, old.pk)
        member.refresh_from_db()
        old.refresh_from_db()
        assert (member.is_billing_contact, member.is_account_admin) == (True, True)
        assert (old.is_billing_contact, old.is_account_admin, old.account_id) == (
            False,
            True,
            account.pk,
        )
        # And the User ID stays with the account; its password went with the role
        credential_now = CorporateCredential.objects.get(account=account)
        assert credential_now.user_id == credential.user_id
        assert not is_password_usable(credential_now.password)
        # And both are told, each in their own language
        emails = list(
            OutgoingEmail.objects.order_by("pk").values_list(
                "kind", "to_address", "to_person_id", "language"
            )
        )
        assert emails == [
            ("billing_contact_handover_old", old.email, old.pk, "de"),
            ("billing_contact_handover_new", member.email, member.pk, "it"),
        ]
        to_new = OutgoingEmail.objects.get(kind="billing_contact_handover_new")
        assert credential.user_id in to_new.body_text
        assert "/corporate/password/set/" in to_new.body_text
        to_old = OutgoingEmail.objects.get(kind="billing_contact_handover_old")
        assert member.email in to_old.body_text
        assert new_audit(since) == [
            "person.account_admin_grant",
            "account.billing_contact_set",
            "corporate_credential.password_clear",
            "account.billing_contact_handover",
            "account.address_set",
        ]

    def test_the_link_sent_to_the_new_contact_sets_the_portal_password(self, client):
        from seatwise.accounts.corporate_signin import (
            corporate_authenticate,
            corporate_password_reset_complete,
        )

        account = corporate_account()
        member = make_person(account)
        bill_to_set(
            account=account,
            bill_to=bill_to(
                account, first=member.first_name, last=member.last_name, email=member.email
            ),
            by=SYSTEM,
        )
        body = OutgoingEmail.objects.get(kind="billing_contact_handover_new").body_text
        token = body.split("/corporate/password/set/")[1].split("/")[0]

        corporate_password_reset_complete(token=token, password="the new holder's secret 1")

        user_id = CorporateCredential.objects.get(account=account).user_id
        assert corporate_authenticate(user_id=user_id, password="the new holder's secret 1")

    def test_to_a_new_address_adds_a_member_who_takes_the_role(self):
        account = corporate_account(language="es")
        old = billing_contact(account)

        saved = bill_to_set(
            account=account,
            bill_to=bill_to(account, first="Nadia", last="Nueva", email="Nadia.Nueva@Example.com"),
            by=SYSTEM,
        )

        new = Person.objects.get(email="nadia.nueva@example.com")
        assert saved.contact.pk == new.pk
        assert (new.account_id, new.first_name, new.last_name, new.language) == (
            account.pk,
            "Nadia",
            "Nueva",
            "es",
        )
        assert (new.is_billing_contact, new.is_account_admin, new.has_usable_password()) == (
            True,
            True,
            False,
        )
        assert list(OutgoingEmail.objects.order_by("pk").values_list("to_address", "language")) == [
            (old.email, old.language),
            ("nadia.nueva@example.com", "es"),
        ]

    def test_a_member_given_another_name_is_renamed(self):
        account = corporate_account()
        member = make_person(account, admin=True)

        bill_to_set(
            account=account,
            bill_to=bill_to(account, first="Patricia", last="Neu", email=member.email),
            by=SYSTEM,
        )

        member.refresh_from_db()
        assert (member.first_name, member.last_name, member.is_billing_contact) == (
            "Patricia",
            "Neu",
            True,
        )

    def test_saving_again_after_a_hand_over_changes_nothing(self):
        account = corporate_account()
        member = make_person(account)
        spec = bill_to(account, first=member.first_name, last=member.last_name, email=member.email)
        bill_to_set(account=account, bill_to=spec, by=SYSTEM)
        before = world()

        bill_to_set(account=account, bill_to=spec, by=SYSTEM)

        assert world() == before


class TestRefusals:
    def test_the_address_of_a_person_of_another_account_is_refused(self):
        account = corporate_account()
        stranger = billing_contact(make_account())
        before = world()

        with pytest.raises(Refused) as refused:
            bill_to_set(account=account, bill_to=bill_to(account, email=stranger.email), by=SYSTEM)

        assert (refused.value.code, refused.value.field) == ("email_unavailable", "email")
        assert str(refused.value.message) == NEUTRAL
        assert world() == before

    def test_the_address_of_vendor_staff_is_refused(self):
        account = corporate_account()
        Person.objects.create_user(
            "agent@seatwise.test", "x", first_name="A", last_name="G", is_staff=True
        )
        before = world()

        with pytest.raises(Refused) as refused:
            bill_to_set(
                account=account, bill_to=bill_to(account, email="agent@seatwise.test"), by=SYSTEM
            )

        # The same answer as for another customer's person: it does not say whose it is.
        assert (refused.value.code, str(refused.value.message)) == ("email_unavailable", NEUTRAL)
        assert world() == before

    def test_a_former_member_is_refused(self):
        from seatwise.subscriptions.people import person_remove

        account = corporate_account()
        former = make_person(account)
        person_remove(person=former, by=SYSTEM)
        before = world()

        with pytest.raises(Refused) as refused:
            bill_to_set(account=account, bill_to=bill_to(account, email=former.email), by=SYSTEM)

        assert (refused.value.code, str(refused.value.message)) == ("email_unavailable", NEUTRAL)
        assert world() == before

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"first": ""}, "first_name"),
            ({"last": "x" * 33}, "last_name"),
            ({"email": "not-an-address"}, "email"),
            ({"address": Address(line1="", postal_code="1", city="Berlin")}, "address_line1"),
            ({"address": Address(line1="Weg 1", postal_code="", city="Berlin")}, "postal_code"),
            ({"address": Address(line1="Weg 1", postal_code="10115", city="")}, "city"),
            ({"address": Address(line1="Weg\x001", postal_code="1", city="B")}, "address_line1"),
            ({"country": "XX"}, "country"),
        ],
    )
    def test_refused_input_changes_nothing(self, change, field):
        account = corporate_account()
        before = world()

        with pytest.raises(Invalid) as refused:
            bill_to_set(account=account, bill_to=bill_to(account, **change), by=SYSTEM)

        assert refused.value.field == field
        assert world() == before

    def test_a_country_the_vat_id_does_not_fit_is_refused(self):
        account = make_account(kind="corporate", country="DE", vat_id="DE136695976")
        before = world()

        with pytest.raises(Invalid) as refused:
            bill_to_set(account=account, bill_to=bill_to(account, country="FR"), by=SYSTEM)

        assert (refused.value.code, refused.value.field) == ("vat_id_country", "country")
        assert world() == before

    def test_an_online_account_changes_its_billing_contact_through_customer_service(self):
        account = make_account(kind="online")
        member = make_person(account)
        before = world()

        with pytest.raises(Refused) as refused:
            bill_to_set(account=account, bill_to=bill_to(account, email=member.email), by=SYSTEM)

        assert refused.value.code == "not_corporate"
        assert world() == before


class TestInvoiceContacts:
    def test_up_to_five_and_a_sixth_is_refused(self):
        account = corporate_account()
        for n in range(5):
            invoice_contact_add(
                account=account, name=f"C {n}", email=f"c{n}@example.com", by=SYSTEM
            )
        before = list(InvoiceContact.objects.values())

        with pytest.raises(Refused) as refused:
            invoice_contact_add(account=account, name="Six", email="six@example.com", by=SYSTEM)

        assert refused.value.code == "too_many_invoice_contacts"
        assert str(refused.value.message) == (
            "An account has at most 5 invoice contacts. Remove one first."
        )
        assert list(InvoiceContact.objects.values()) == before

    def test_adding_the_same_address_twice_adds_it_once(self):
        account = corporate_account(language="it")
        first = invoice_contact_add(account=account, name="Ivo", email="Ivo@Example.com", by=SYSTEM)
        since = last_audit()

        again = invoice_contact_add(account=account, name="Ivo", email="ivo@example.com", by=SYSTEM)

        assert again.pk == first.pk
        assert (first.email, first.language) == ("ivo@example.com", "it")
        assert new_audit(since) == []

    def test_the_billing_contact_is_not_an_invoice_contact(self):
        account = corporate_account()

        with pytest.raises(Refused):
            invoice_contact_add(
                account=account, name="Me", email=billing_contact(account).email, by=SYSTEM
            )

        assert InvoiceContact.objects.count() == 0

    def test_the_same_address_may_be_an_invoice_contact_of_two_accounts(self):
        a, b = corporate_account(), corporate_account()

        invoice_contact_add(account=a, name="Shared", email="shared@example.com", by=SYSTEM)
        invoice_contact_add(account=b, name="Shared", email="shared@example.com", by=SYSTEM)

        assert InvoiceContact.objects.count() == 2

    def test_remove_is_audited_and_removing_again_writes_nothing(self):
        account = corporate_account()
        contact = invoice_contact_add(account=account, name="R", email="r@example.com", by=SYSTEM)
        since = last_audit()

        invoice_contact_remove(contact=contact, by=SYSTEM)
        invoice_contact_remove(contact=contact, by=SYSTEM)

        assert InvoiceContact.objects.count() == 0
        assert new_audit(since) == ["invoice_contact.remove"]

    def test_an_invoice_contact_gets_no_rights(self):
        account = corporate_account()
        invoice_contact_add(account=account, name="No Rights", email="nr@example.com", by=SYSTEM)

        assert not Person.objects.filter(email="nr@example.com").exists()


class TestPurchaseOrderNumber:
    def test_is_printed_on_invoices_issued_from_then_on(self):
        account = corporate_account()
        before_po, _ = issue_invoice(account)

        account_purchase_order_set(account=account, number=" PO-2026-0042 ", by=SYSTEM)
        after_po, _ = issue_invoice(account)

        assert before_po.purchase_order == ""
        assert after_po.purchase_order == "PO-2026-0042"
        assert after_po.gross_total == Decimal("83.30")

    def test_setting_the_same_number_again_writes_nothing_and_empty_removes_it(self):
        account = corporate_account()
        account_purchase_order_set(account=account, number="PO-1", by=SYSTEM)
        since = last_audit()

        account_purchase_order_set(account=account, number="PO-1", by=SYSTEM)
        assert new_audit(since) == []

        account_purchase_order_set(account=account, number="", by=SYSTEM)
        account.refresh_from_db()
        assert account.purchase_order_number == ""
        assert new_audit(since) == ["account.purchase_order_set"]

    def test_too_long_is_refused(self):
        account = corporate_account()

        with pytest.raises(Invalid):
            account_purchase_order_set(account=account, number="P" * 65, by=SYSTEM)

        account.refresh_from_db()
        assert account.purchase_order_number == ""

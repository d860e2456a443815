from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.services import (
    NewPerson,
    account_admin_grant,
    account_admin_revoke,
    account_create,
    billing_contact_set,
    person_add,
)
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.subscriptions.people import person_remove
from tests.factories import (
    SYSTEM,
    billing_contact,
    make_account,
    make_person,
    make_subscription,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Account.objects.count(), Person.objects.count(), AuditEntry.objects.count()


class TestAccountCreate:
    def test_creates_account_with_exactly_one_billing_contact_who_is_admin(self):
        account = make_account(kind="online", country="DE", vat_id="de 136 695 976")

        contact = Person.objects.get(account=account, is_billing_contact=True)
        assert account.vat_id == "DE136695976"
        assert contact.is_account_admin is True
        assert Person.objects.filter(account=account, is_billing_contact=True).count() == 1
        assert not CorporateCredential.objects.filter(account=account).exists()

    def test_corporate_account_gets_user_id_defaulting_to_contact_email(self):
        account = make_account(kind="corporate")

        assert account.corporate_credential.user_id == billing_contact(account).email
        assert not account.corporate_credential.password.startswith("argon2")  # unusable

    @pytest.mark.parametrize(
        ("changes", "code", "field"),
        [
            ({"country": "XX"}, "invalid_country", "country"),
            ({"currency": "JPY"}, "unsupported_currency", "currency"),
            ({"language": "fr"}, "invalid_language", "language"),
            ({"vat_id": "DE123456789"}, "invalid_vat_id", "vat_id"),
            ({"kind": "reseller"}, "invalid_kind", "kind"),
            ({"name": "   "}, "required", "name"),
            ({"name": "x" * 201}, "too_long", "name"),
        ],
    )
    def test_refuses_bad_input_and_changes_nothing(self, changes, code, field):
        before = counts()
        arguments = {
            "name": "Nord GmbH",
            "kind": "online",
            "country": "DE",
            "language": "de",
            "currency": "EUR",
            "billing_contact": NewPerson(email="a@nord.test", first_name="A", last_name="B"),
            "by": SYSTEM,
        } | changes

        with pytest.raises(Invalid) as refusal:
            account_create(**arguments)

        assert (refusal.value.code, refusal.value.field) == (code, field)
        assert counts() == before

    def test_refuses_a_billing_contact_email_already_taken(self):
        existing = make_account()
        before = counts()

        with pytest.raises(Refused) as refusal:
            account_create(
                name="Other",
                kind="online",
                country="DE",
                language="de",
                currency="EUR",
                billing_contact=NewPerson(
                    email=billing_contact(existing).email.upper(), first_name="A", last_name="B"
                ),
                by=SYSTEM,
            )

        assert refusal.value.code == "email_taken"
        assert counts() == before

    def test_refuses_names_longer_than_32_characters(self):
        account = make_account()
        before = counts()

        with pytest.raises(Invalid) as refusal:
            person_add(
                account=account, email="x@y.test", first_name="A" * 33, last_name="B", by=SYSTEM
            )

        assert (refusal.value.code, refusal.value.field) == ("too_long", "first_name")
        assert counts() == before


class TestBillingContact:
    def test_second_billing_contact_is_impossible_in_the_database(self):
        account = make_account()
        other = make_person(account)

        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.filter(pk=other.pk).update(is_billing_contact=True)

        assert Person.objects.filter(account=account, is_billing_contact=True).count() == 1

    def test_billing_contact_must_be_a_customer_member_in_the_database(self):
        account = make_account()
        contact = billing_contact(account)

        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.filter(pk=contact.pk).update(account=None)

    def test_setting_a_new_contact_takes_the_role_from_the_previous_one(self):
        account = make_account()
        previous = billing_contact(account)
        new = make_person(account)

        billing_contact_set(account=account, person=new, by=SYSTEM)

        assert list(
            Person.objects.filter(account=account, is_billing_contact=True).values_list(
                "pk", flat=True
            )
        ) == [new.pk]
        previous.refresh_from_db()
        assert previous.is_billing_contact is False
        entry = AuditEntry.objects.filter(action="account.billing_contact_set").get()
        assert (entry.old, entry.new, entry.account_id) == (
            {"billing_contact": previous.pk},
            {"billing_contact": new.pk},
            account.pk,
        )

    def test_refuses_a_person_of_another_account_and_changes_nothing(self):
        account = make_account()
        stranger = make_person(make_account())
        before = AuditEntry.objects.count()

        with pytest.raises(Refused) as refusal:
            billing_contact_set(account=account, person=stranger, by=SYSTEM)

        assert refusal.value.code == "not_a_member"
        assert billing_contact(account).email.startswith("billing")
        assert AuditEntry.objects.count() == before

    def test_new_contact_of_corporate_account_must_set_a_new_portal_password(self):
        account = make_account(kind="corporate")
        from seatwise.accounts.services import corporate_password_set

        corporate_password_set(account=account, password="a-long-portal-secret", by=SYSTEM)
        new = make_person(account)

        billing_contact_set(account=account, person=new, by=SYSTEM)

        credential = CorporateCredential.objects.get(account=account)
        assert credential.password_changed_at is None
        assert not credential.password.startswith("argon2")


class TestAdmins:
    def test_grant_and_revoke(self):
        account = make_account()
        person = make_person(account)

        account_admin_grant(person=person, by=SYSTEM)
        assert Person.objects.get(pk=person.pk).is_account_admin is True
        account_admin_revoke(person=person, by=SYSTEM)
        assert Person.objects.get(pk=person.pk).is_account_admin is False
        assert list(
            AuditEntry.objects.filter(object_id=str(person.pk))
            .order_by("pk")
            .values_list("action", flat=True)
        ) == ["person.add", "person.account_admin_grant", "person.account_admin_revoke"]

    def test_last_admin_cannot_be_revoked(self):
        account = make_account()
        contact = billing_contact(account)

        with pytest.raises(Refused) as refusal:
            account_admin_revoke(person=contact, by=SYSTEM)

        assert refusal.value.code == "last_account_admin"
        assert Person.objects.get(pk=contact.pk).is_account_admin is True


class TestPersonRemove:
    def test_removing_a_person_frees_their_seats(self):
        account = make_account()
        person = make_person(account)
        subscription = make_subscription(account, seats=2)
        from seatwise.subscriptions.services import license_assign

        license_assign(subscription=subscription, person=person, by=SYSTEM)

        person_remove(person=person, by=SYSTEM)

        person.refresh_from_db()
        subscription.refresh_from_db()
        assert (person.account_id, person.is_active, person.has_usable_password()) == (
            None,
            False,
            False,
        )
        assert subscription.seats_assigned == 0
        assert not subscription.assignments.exists()

    def test_billing_contact_cannot_be_removed(self):
        account = make_account()
        contact = billing_contact(account)
        before = counts()

        with pytest.raises(Refused) as refusal:
            person_remove(person=contact, by=SYSTEM)

        assert refusal.value.code == "is_billing_contact"
        assert counts() == before
        assert Person.objects.get(pk=contact.pk).account_id == account.pk


class TestLanguage:
    def test_language_set_is_audited(self):
        account = make_account(language="de")
        person = make_person(account)
        from seatwise.accounts.services import person_language_set

        person_language_set(person=person, language="it", by=SYSTEM)

        assert Person.objects.get(pk=person.pk).language == "it"
        entry = AuditEntry.objects.get(action="person.language_set")
        assert (entry.old, entry.new) == ({"language": "de"}, {"language": "it"})

    def test_unknown_language_is_refused(self):
        person = make_person(make_account(language="de"))
        from seatwise.accounts.services import person_language_set

        with pytest.raises(Invalid) as refusal:
            person_language_set(person=person, language="fr", by=SYSTEM)

        assert refusal.value.code == "invalid_language"
        assert Person.objects.get(pk=person.pk).language == "de"

"""Sign-in to the Corporate Billing Portal, the service: User ID and password, the two error
messages the help article sign-in-billing quotes, lockout, and the reset link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from seatwise.accounts.corporate_signin import (
    corporate_authenticate,
    corporate_password_reset_complete,
    corporate_password_reset_link,
    corporate_password_reset_request,
    corporate_password_token_check,
)
from seatwise.accounts.models import CorporateCredential
from seatwise.accounts.services import billing_contact_set, corporate_password_set
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import ServiceError
from seatwise.notifications.models import OutgoingEmail
from tests.factories import SYSTEM, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db
PORTAL_PASSWORD = "portal secret 2026"
NEW_PASSWORD = "another portal secret 7"


def corporate(*, password: str | None = PORTAL_PASSWORD, language: str = "en"):
    account = make_account(kind="corporate", language=language)
    if password is not None:
        corporate_password_set(account=account, password=password, by=SYSTEM)
    return account, CorporateCredential.objects.get(account=account)


def refusal(user_id: str, password: str) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        corporate_authenticate(user_id=user_id, password=password)
    return caught.value


def window_start():
    """A moment at which a window of the sign-in limits starts (they count in fixed windows
    of the cooloff, 15 minutes): the top of the current hour."""
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


class TestAuthenticate:
    def test_the_right_user_id_and_password_sign_in(self):
        account, credential = corporate()

        signed_in = corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)

        assert (signed_in.pk, signed_in.account.pk) == (credential.pk, account.pk)

    def test_the_user_id_is_not_case_sensitive_and_may_have_spaces_around(self):
        _, credential = corporate()

        signed_in = corporate_authenticate(
            user_id=f"  {credential.user_id.upper()} ", password=PORTAL_PASSWORD
        )

        assert signed_in.pk == credential.pk

    def test_an_unknown_user_id_is_invalid_user_id(self):
        corporate()

        error = refusal("nobody@example.com", PORTAL_PASSWORD)

        assert (error.code, str(error.message)) == ("invalid_user_id", "Invalid User ID")

    def test_a_wrong_password_is_invalid_user_id_password(self):
        _, credential = corporate()

        error = refusal(credential.user_id, "not the password")

        assert (error.code, str(error.message)) == ("invalid_password", "Invalid User ID/password")

    def test_a_password_never_set_fails_like_a_wrong_one(self):
        _, credential = corporate(password=None)
        assert not credential.password.startswith("argon2")

        error = refusal(credential.user_id, "")

        assert (error.code, str(error.message)) == ("invalid_password", "Invalid User ID/password")

    def test_the_product_password_does_not_open_the_portal(self):
        from tests.factories import PASSWORD

        _, credential = corporate()

        assert refusal(credential.user_id, PASSWORD).code == "invalid_password"

    def test_a_success_forgets_earlier_failures(self):
        _, credential = corporate()
        with time_machine.travel(window_start(), tick=False):
            for _ in range(4):
                refusal(credential.user_id, "wrong")

            corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)

            # Four more failures in the same window still leave the User ID open.
            codes = [refusal(credential.user_id, "wrong").code for _ in range(4)]
            signed_in = corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)
        assert codes == ["invalid_password"] * 4
        assert signed_in.pk == credential.pk


class TestLockout:
    def test_five_failures_lock_the_user_id_even_against_the_right_password(self):
        account, credential = corporate()
        before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        now = window_start()

        with time_machine.travel(now, tick=False):
            codes = [refusal(credential.user_id, "wrong").code for _ in range(5)]
            sixth = refusal(credential.user_id, PORTAL_PASSWORD)

        assert codes == ["invalid_password"] * 5
        assert sixth.code == "locked"
        assert str(sixth.message) == (
            "There were too many failed sign-ins with this User ID. For your security, "
            "sign-in to the Corporate Billing Portal is locked for 15 minutes. "
            "To sign in sooner, set a new password with Forgot Password?"
        )
        [entry] = AuditEntry.objects.filter(pk__gt=before)
        assert (entry.action, entry.actor_kind, entry.actor_label, entry.account_id) == (
            "corporate_credential.lockout",
            "system",
            "corporate-signin",
            account.pk,
        )
        assert (entry.object_type, entry.object_id) == (
            "accounts.corporatecredential",
            str(credential.pk),
        )
        assert entry.new == {
            "failed_signins": 5,
            "locked_until": (now + timedelta(minutes=15)).isoformat(),
        }

    def test_the_lock_ends_after_fifteen_minutes(self):
        _, credential = corporate()
        now = window_start()
        with time_machine.travel(now, tick=False):
            for _ in range(5):
                refusal(credential.user_id, "wrong")

        with time_machine.travel(now + timedelta(minutes=14, seconds=59), tick=False):
            assert refusal(credential.user_id, PORTAL_PASSWORD).code == "locked"
        with time_machine.travel(now + timedelta(minutes=15, seconds=1), tick=False):
            signed_in = corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)

        assert signed_in.pk == credential.pk

    def test_failures_older_than_fifteen_minutes_do_not_count(self):
        _, credential = corporate()
        now = timezone.now()
        with time_machine.travel(now, tick=False):
            for _ in range(4):
                refusal(credential.user_id, "wrong")

        with time_machine.travel(now + timedelta(minutes=16), tick=False):
            fifth = refusal(credential.user_id, "wrong")
            signed_in = corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)

        assert fifth.code == "invalid_password"
        assert signed_in.pk == credential.pk
        assert not AuditEntry.objects.filter(action="corporate_credential.lockout").exists()

    def test_unknown_user_ids_lock_nothing(self):
        _, credential = corporate()

        for _ in range(6):
            refusal("nobody", "wrong")

        assert corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)
        assert not AuditEntry.objects.filter(action="corporate_credential.lockout").exists()


class TestPasswordReset:
    def test_the_link_goes_to_the_billing_contact_in_their_language(self):
        from seatwise.accounts.services import person_language_set

        account, credential = corporate(language="it")
        contact = billing_contact(account)
        person_language_set(person=contact, language="es", by=SYSTEM)

        sent = corporate_password_reset_request(user_id=credential.user_id, by=SYSTEM)

        assert sent is True
        [email] = OutgoingEmail.objects.filter(kind="corporate_password_reset")
        assert (email.to_address, email.to_person_id, email.account_id, email.language) == (
            contact.email,
            contact.pk,
            account.pk,
            "es",
        )
        assert "http://127.0.0.1:8000/corporate/password/set/" in email.body_text
        assert credential.user_id in email.body_text
        entry = AuditEntry.objects.get(action="corporate_credential.password_reset_request")
        assert (entry.account_id, entry.new) == (account.pk, {"to_person": contact.pk})

    def test_an_unknown_user_id_sends_nothing(self):
        corporate()

        assert corporate_password_reset_request(user_id="nobody", by=SYSTEM) is False
        assert not OutgoingEmail.objects.exists()

    def test_at_most_three_links_an_hour(self):
        _, credential = corporate()

        sent = [
            corporate_password_reset_request(user_id=credential.user_id, by=SYSTEM)
            for _ in range(4)
        ]

        assert sent == [True, True, True, False]
        assert OutgoingEmail.objects.filter(kind="corporate_password_reset").count() == 3

    def test_the_link_sets_the_password_once_and_ends_a_lockout(self):
        account, credential = corporate()
        with time_machine.travel(window_start(), tick=False):
            for _ in range(5):
                refusal(credential.user_id, "wrong")
            assert refusal(credential.user_id, PORTAL_PASSWORD).code == "locked"
            token = token_of(corporate_password_reset_link(credential))

            corporate_password_reset_complete(token=token, password=NEW_PASSWORD)

            assert corporate_authenticate(user_id=credential.user_id, password=NEW_PASSWORD)
        assert corporate_password_token_check(token) is None
        with pytest.raises(ServiceError) as again:
            corporate_password_reset_complete(token=token, password="yet another secret 9")
        assert again.value.code == "invalid_link"
        actions = list(
            AuditEntry.objects.filter(account_id=account.pk)
            .order_by("pk")
            .values_list("action", "actor_label")
        )[-3:]
        contact = billing_contact(account)
        assert actions == [
            ("corporate_credential.lockout", "corporate-signin"),
            ("corporate_credential.password_set", contact.email),
            ("corporate_credential.unlock", contact.email),
        ]

    def test_the_link_expires_after_three_days(self):
        _, credential = corporate()
        now = timezone.now()
        with time_machine.travel(now, tick=False):
            token = token_of(corporate_password_reset_link(credential))

        with time_machine.travel(now + timedelta(days=3) - timedelta(seconds=1), tick=False):
            assert corporate_password_token_check(token) == credential
        with time_machine.travel(now + timedelta(days=3, seconds=1), tick=False):
            assert corporate_password_token_check(token) is None

    def test_a_forged_or_other_accounts_token_is_refused(self):
        _, mine = corporate()
        _, other = corporate()
        token = token_of(corporate_password_reset_link(mine))

        assert corporate_password_token_check(f"{other.pk}{token[len(str(mine.pk)) :]}") is None
        assert corporate_password_token_check("garbage") is None
        assert corporate_password_token_check("") is None

    def test_a_new_billing_contact_voids_the_previous_contacts_link(self):
        account, credential = corporate()
        token = token_of(corporate_password_reset_link(credential))
        successor = make_person(account, admin=True)

        billing_contact_set(account=account, person=successor, by=SYSTEM)

        assert corporate_password_token_check(token) is None

    def test_a_weak_password_is_refused_and_changes_nothing(self):
        _, credential = corporate()
        token = token_of(corporate_password_reset_link(credential))

        with pytest.raises(ServiceError) as caught:
            corporate_password_reset_complete(token=token, password="1234567890")

        assert (caught.value.code, caught.value.field) == ("weak_password", "password")
        assert corporate_authenticate(user_id=credential.user_id, password=PORTAL_PASSWORD)
        assert corporate_password_token_check(token) == credential

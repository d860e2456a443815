"""Customer service changes an online account's billing contact only after verifying who asks
(help article "Change the billing contact"): the card on file must match the requester's
answers, and the requester must be its card holder or an account admin. Every refusal changes
nothing but its own trace (a timeline entry and an audit entry)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from seatwise.accounts.handover import NewContact
from seatwise.accounts.models import Account, Person
from seatwise.audit.actors import Actor
from seatwise.audit.models import AuditEntry
from seatwise.core.errors import Invalid, Refused
from seatwise.notifications.models import OutgoingEmail
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, TestGatewayCard
from seatwise.payments.services import payment_method_add
from seatwise.support.billing_contact import case_billing_contact_change
from seatwise.support.cases import CaseRequest, Visitor, case_confirm, case_open, case_request
from seatwise.support.models import Case, CaseEvent
from seatwise.support.services import case_account_link
from seatwise.support.tokens import case_confirmation_token_make
from seatwise.support.verification import CardAnswers, Reason, case_verify
from tests.factories import PASSWORD, SYSTEM, billing_contact, make_account, make_person

pytestmark = pytest.mark.django_db

HOLDER = "Anna Kessler"
NEXT_YEAR = date.today().year + 2
RIGHT = CardAnswers(last4="4242", exp_month=12, exp_year=NEXT_YEAR, holder_name="anna  KESSLER")
NEW_CONTACT = NewContact(first_name="Lena", last_name="Neumann", email="lena@kessler.example")


class World:
    def __init__(self, *, card: bool = True) -> None:
        self.account = make_account(language="de", name="Kessler Feinmechanik GmbH")
        self.contact = billing_contact(self.account)
        self.admin = make_person(self.account, admin=True, language="de")
        self.user = make_person(self.account, language="en")
        self.card = (
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
            if card
            else None
        )
        self.agent = Person.objects.create_user(
            "agent@seatwise.test", PASSWORD, first_name="Helen", last_name="Porter", is_staff=True
        )
        self.by = Actor.for_person(self.agent)

    def visitor_case(self, name: str, email: str, new: NewContact = NEW_CONTACT) -> Case:
        case = case_request(
            visitor=Visitor(name=name, email=email, language="de"),
            request=CaseRequest(
                topic=Case.Topic.BILLING_CONTACT_CHANGE,
                company_name="Kessler Feinmechanik",
                new_contact=new,
            ),
            client="192.0.2.1",
            by=Actor.system("help-center"),
        )
        case = case_confirm(case_id=case.pk, token=case_confirmation_token_make(case), by=SYSTEM)
        return case_account_link(case=case, account=self.account, by=self.by)

    def member_case(self, person: Person, new: NewContact = NEW_CONTACT) -> Case:
        return case_open(
            person=person,
            request=CaseRequest(topic=Case.Topic.BILLING_CONTACT_CHANGE, new_contact=new),
            client="192.0.2.1",
            by=Actor.for_person(person),
        )

    def verify(self, case: Case, answers: CardAnswers = RIGHT) -> Reason:
        return case_verify(case=case, answers=answers, agent=self.agent, by=self.by).reason

    def change(self, case: Case) -> Person:
        return case_billing_contact_change(case=case, agent=self.agent, by=self.by).holder


@pytest.fixture
def world(settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


def state() -> dict[str, object]:
    """What a refusal must leave as it was: people and their roles, cards, e-mails."""
    return {
        "people": list(
            Person.objects.order_by("pk").values(
                "pk", "account_id", "is_account_admin", "is_billing_contact", "is_active"
            )
        ),
        "cards": list(PaymentMethod.objects.order_by("pk").values()),
        "emails": OutgoingEmail.objects.count(),
    }


def trace(case: Case) -> list[tuple[str, str]]:
    return list(
        CaseEvent.objects.filter(case=case)
        .exclude(kind__in=["opened", "account_linked"])
        .order_by("pk")
        .values_list("kind", "reason")
    )


class TestAllowed:
    def test_the_card_holder_verified_makes_a_new_person_the_billing_contact(self, world):
        # Given a visitor who says they are the card holder, confirmed by e-mail
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        old = world.contact
        # When the agent verifies the card with the requester's answers
        assert world.verify(case) is Reason.PASSED
        # And makes the change
        holder = world.change(case)
        # Then the new contact is a new member, billing contact and account admin
        assert (holder.email, holder.first_name, holder.last_name) == (
            "lena@kessler.example",
            "Lena",
            "Neumann",
        )
        holder.refresh_from_db()
        assert holder.account_id == world.account.pk
        assert holder.is_billing_contact
        assert holder.is_account_admin
        assert not holder.has_usable_password()
        old.refresh_from_db()
        assert not old.is_billing_contact
        assert old.account_id == world.account.pk
        assert old.is_active
        assert Person.objects.filter(account=world.account, is_billing_contact=True).count() == 1
        # And the case is closed as "billing contact changed"
        case.refresh_from_db()
        assert (case.status, case.resolution) == ("closed", "billing_contact_changed")
        # And old and new contact are told in their languages; the requester gets the closing
        emails = list(
            OutgoingEmail.objects.filter(account_id=world.account.pk)
            .order_by("pk")
            .values_list("kind", "to_address", "language")
        )
        assert emails[-3:] == [
            ("support_billing_contact_changed_old", old.email, "de"),
            ("support_billing_contact_changed_new", "lena@kessler.example", "de"),
            ("support_case_closed", "anna.private@example.net", "de"),
        ]
        to_old = OutgoingEmail.objects.get(kind="support_billing_contact_changed_old")
        assert case.number in to_old.subject
        assert "support@seatwise.test" in to_old.body_text
        assert case.number in to_old.body_text
        to_new = OutgoingEmail.objects.get(kind="support_billing_contact_changed_new")
        assert "/password/set/" in to_new.body_text
        assert to_new.headers == {"References": f"<case-{case.number}@seatwise.test>"}
        # And the audit trail tells the story
        actions = list(
            AuditEntry.objects.filter(account_id=world.account.pk, actor_label=world.agent.email)
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == [
            "support.case_account_link",
            "support.verification_pass",
            "person.add",
            "account.billing_contact_set",
            "account.billing_contact_handover",
            "support.billing_contact_change",
            "support.case_close",
        ]

    def test_an_account_admin_who_is_not_the_holder_may_ask_for_an_existing_member(self, world):
        # Given the account admin (not the card holder), signed in, asking for a user
        new = NewContact(
            first_name=world.user.first_name, last_name=world.user.last_name, email=world.user.email
        )
        case = world.member_case(world.admin, new)
        # When verified (the admin states the card's details) and changed
        assert world.verify(case) is Reason.PASSED
        holder = world.change(case)
        # Then the user is billing contact and became an account admin; no new person
        assert holder.pk == world.user.pk
        world.user.refresh_from_db()
        assert world.user.is_billing_contact
        assert world.user.is_account_admin
        assert Person.objects.filter(account=world.account).count() == 3
        # The requester is neither old nor new contact: they get the closing e-mail
        assert OutgoingEmail.objects.filter(
            kind="support_case_closed", to_address=world.admin.email
        ).exists()
        # An existing member gets no password link
        to_new = OutgoingEmail.objects.get(kind="support_billing_contact_changed_new")
        assert "/password/set/" not in to_new.body_text

    def test_a_visitor_with_an_account_admins_address_counts_as_that_admin(self, world):
        case = world.visitor_case("Someone Else", world.admin.email)
        assert world.verify(case) is Reason.PASSED


class TestRefused:
    @pytest.mark.parametrize(
        "answers",
        [
            CardAnswers(last4="4243", exp_month=12, exp_year=NEXT_YEAR, holder_name=HOLDER),
            CardAnswers(last4="4242", exp_month=11, exp_year=NEXT_YEAR, holder_name=HOLDER),
            CardAnswers(last4="4242", exp_month=12, exp_year=NEXT_YEAR + 1, holder_name=HOLDER),
            CardAnswers(last4="4242", exp_month=12, exp_year=NEXT_YEAR, holder_name="Anna Kesler"),
        ],
        ids=["wrong last four", "wrong expiry month", "wrong expiry year", "wrong holder"],
    )
    def test_wrong_card_details_do_not_match_and_change_nothing(self, world, answers):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        before = state()
        assert world.verify(case, answers) is Reason.CARD_MISMATCH
        with pytest.raises(Refused) as refused:
            world.change(case)
        assert refused.value.code == "not_verified"
        assert state() == before
        assert trace(case) == [
            ("verification_failed", "card_mismatch"),
            ("change_refused", "not_verified"),
        ]
        assert list(
            AuditEntry.objects.filter(object_type="support.case", object_id=str(case.pk))
            .order_by("pk")
            .values_list("action", "new")
        )[-2:] == [
            (
                "support.verification_fail",
                {"reason": "card_mismatch", "payment_method": None, "locked_until": None},
            ),
            ("support.billing_contact_change_refused", {"reason": "not_verified"}),
        ]

    def test_a_requester_neither_holder_nor_account_admin_is_refused(self, world):
        # A stranger who knows every detail of the card
        case = world.visitor_case("Max Fremd", "max@fremd.example")
        before = state()
        assert world.verify(case) is Reason.NOT_HOLDER_OR_ADMIN
        with pytest.raises(Refused):
            world.change(case)
        assert state() == before

    def test_a_user_who_is_not_an_admin_is_not_authorised_by_their_address(self, world):
        case = world.member_case(world.user)
        assert world.verify(case) is Reason.NOT_HOLDER_OR_ADMIN

    def test_no_card_on_file(self, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        world = World(card=False)
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        before = state()
        assert world.verify(case) is Reason.NO_CARD
        with pytest.raises(Refused):
            world.change(case)
        assert state() == before

    def test_an_expired_card(self, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        world = World(card=False)
        # A card stored years ago, expired last year
        vault = TestGatewayCard.objects.create(
            token="tok_expired_demo",
            brand="visa",
            last4="4242",
            exp_month=1,
            exp_year=date.today().year - 1,
            holder_name=HOLDER,
        )
        payment_method_add(account=world.account, token=vault.token, by=SYSTEM)
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        before = state()
        answers = CardAnswers(
            last4="4242", exp_month=1, exp_year=date.today().year - 1, holder_name=HOLDER
        )
        assert world.verify(case, answers) is Reason.CARD_EXPIRED
        with pytest.raises(Refused):
            world.change(case)
        assert state() == before

    def test_three_failures_lock_the_verification_for_24_hours(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        wrong = CardAnswers(last4="0000", exp_month=12, exp_year=NEXT_YEAR, holder_name=HOLDER)
        assert [world.verify(case, wrong) for _ in range(3)] == [Reason.CARD_MISMATCH] * 3
        case.refresh_from_db()
        assert case.verification_locked_until is not None
        # Locked: even the right answers are not compared, and nothing is changed
        before = state()
        result = case_verify(case=case, answers=RIGHT, agent=world.agent, by=world.by)
        assert result.reason is Reason.LOCKED
        assert result.locked_until == case.verification_locked_until
        with pytest.raises(Refused):
            world.change(case)
        assert state() == before
        # After 24 hours the right answers pass
        with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1), tick=False):
            assert world.verify(case) is Reason.PASSED

    def test_a_verification_older_than_30_minutes_is_not_enough(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        assert world.verify(case) is Reason.PASSED
        before = state()
        with (
            time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False),
            pytest.raises(Refused) as refused,
        ):
            world.change(case)
        assert refused.value.code == "not_verified"
        assert state() == before

    def test_a_card_replaced_after_the_verification_needs_a_new_one(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        assert world.verify(case) is Reason.PASSED
        payment_method_add(
            account=world.account,
            card=CardDetails(
                number="5555555555554444",
                exp_month=6,
                exp_year=NEXT_YEAR,
                cvc="123",
                holder_name=HOLDER,
            ),
            by=SYSTEM,
        )
        before = state()
        with pytest.raises(Refused) as refused:
            world.change(case)
        assert refused.value.code == "card_changed"
        assert state() == before

    def test_a_failed_attempt_withdraws_an_earlier_pass(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        assert world.verify(case) is Reason.PASSED
        wrong = CardAnswers(last4="0000", exp_month=12, exp_year=NEXT_YEAR, holder_name=HOLDER)
        assert world.verify(case, wrong) is Reason.CARD_MISMATCH
        with pytest.raises(Refused) as refused:
            world.change(case)
        assert refused.value.code == "not_verified"

    def test_a_new_contact_of_another_account_is_refused(self, world):
        other = make_account(language="en")
        stranger = billing_contact(other)
        new = NewContact(first_name="X", last_name="Y", email=stranger.email)
        case = world.visitor_case(HOLDER, "anna.private@example.net", new)
        assert world.verify(case) is Reason.PASSED
        before = state()
        with pytest.raises(Refused) as refused:
            world.change(case)
        # Customer service is told what the customer's pages do not say.
        assert (refused.value.code, str(refused.value.message)) == (
            "email_unavailable",
            "The new contact's e-mail address belongs to someone outside this account (another "
            "customer's person, vendor staff or a former member): it cannot take the role. Ask "
            "the requester for another address.",
        )
        assert state() == before
        case.refresh_from_db()
        assert case.status == "open"

    def test_a_case_without_account_cannot_be_verified(self, world):
        case = case_request(
            visitor=Visitor(name=HOLDER, email="anna@example.net", language="de"),
            request=CaseRequest(
                topic=Case.Topic.BILLING_CONTACT_CHANGE, company_name="K", new_contact=NEW_CONTACT
            ),
            client="192.0.2.9",
            by=SYSTEM,
        )
        case = case_confirm(case_id=case.pk, token=case_confirmation_token_make(case), by=SYSTEM)
        assert world.verify(case) is Reason.NO_ACCOUNT

    def test_malformed_answers_are_invalid_and_record_nothing(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        events = CaseEvent.objects.count()
        with pytest.raises(Invalid) as invalid:
            world.verify(
                case, CardAnswers(last4="42x2", exp_month=12, exp_year=2030, holder_name="A")
            )
        assert invalid.value.field == "last4"
        assert CaseEvent.objects.count() == events

    def test_only_staff_may_verify_or_change(self, world):
        case = world.visitor_case(HOLDER, "anna.private@example.net")
        with pytest.raises(Refused):
            case_verify(case=case, answers=RIGHT, agent=world.admin, by=SYSTEM)
        with pytest.raises(Refused):
            case_billing_contact_change(case=case, agent=world.admin, by=SYSTEM)


def test_a_corporate_account_changed_by_customer_service_gets_the_portal_link(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = World()
    Account.objects.filter(pk=world.account.pk).update(kind="corporate")
    from seatwise.accounts.models import CorporateCredential

    CorporateCredential.objects.create(
        account=world.account, user_id="kessler-billing", password="x"
    )
    case = world.member_case(world.admin)
    assert world.verify(case) is Reason.PASSED
    world.change(case)
    to_new = OutgoingEmail.objects.get(kind="support_billing_contact_changed_new")
    assert "kessler-billing" in to_new.body_text
    assert "/corporate/password/set/" in to_new.body_text

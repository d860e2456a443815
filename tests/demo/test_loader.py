"""demo_load creates one account for each situation of the help articles (docs/demo.md).

The expectations are written out here, not derived from seatwise.demo.data, so that a change
to the demo data set is a visible change to these tests.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.test import RequestFactory

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.accounts.services import person_add
from seatwise.audit.models import AuditEntry
from seatwise.core.vat import normalize_vat_id
from seatwise.demo.data import DEMO_PASSWORD
from seatwise.demo.loader import DemoAlreadyLoaded, demo_is_loaded, demo_load
from seatwise.payments.models import PaymentMethod
from seatwise.payments.models import TestGatewayCard as VaultCard
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.people import person_remove
from tests.factories import SYSTEM, make_account, make_card, make_subscription

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    # name: (kind, self-service eligible, country, language, currency, VAT ID)
    "Kessler Feinmechanik GmbH": ("online", True, "DE", "de", "EUR", "DE136695976"),
    "Ferraro Logistica S.p.A.": ("corporate", True, "IT", "it", "EUR", "IT00743110157"),
    "Construcciones Navarro S.L.": ("corporate", True, "ES", "es", "EUR", "ESB58378431"),
    "Harbour Analytics Ltd": ("corporate", False, "IE", "en", "EUR", "IE8256796U"),
    "Thornbury Print Works Ltd": ("corporate", True, "GB", "en", "GBP", "GB980780684"),
    "Studio Bassi Architetti": ("online", True, "IT", "it", "EUR", "IT03915620375"),
    "Talleres Ibarra S.L.": ("online", True, "ES", "es", "EUR", "ESB84163823"),
}
BILLING_CONTACTS = {
    "Kessler Feinmechanik GmbH": "anna.kessler@kessler-feinmechanik.test",
    "Ferraro Logistica S.p.A.": "marco.ferraro@ferraro-logistica.test",
    "Construcciones Navarro S.L.": "lucia.navarro@construcciones-navarro.test",
    "Harbour Analytics Ltd": "siobhan.byrne@harbour-analytics.test",
    "Thornbury Print Works Ltd": "oliver.bennett@thornbury-print.test",
    "Studio Bassi Architetti": "giulia.bassi@studio-bassi.test",
    "Talleres Ibarra S.L.": "elena.ibarra@talleres-ibarra.test",
}
# Account admins who are not the billing admin (the billing admin is an admin too).
OTHER_ADMINS = {
    "Kessler Feinmechanik GmbH": "jonas.weber@kessler-feinmechanik.test",
    "Ferraro Logistica S.p.A.": "chiara.bianchi@ferraro-logistica.test",
    "Construcciones Navarro S.L.": "javier.ortega@construcciones-navarro.test",
    "Harbour Analytics Ltd": "declan.murphy@harbour-analytics.test",
    "Thornbury Print Works Ltd": "priya.shah@thornbury-print.test",
    "Studio Bassi Architetti": "paolo.rinaldi@studio-bassi.test",
    "Talleres Ibarra S.L.": "raul.serrano@talleres-ibarra.test",
}
PLAIN_USERS = {
    "Kessler Feinmechanik GmbH": {
        "lukas.brandt@kessler-feinmechanik.test",
        "emma.clarke@kessler-feinmechanik.test",
    },
    "Ferraro Logistica S.p.A.": {"luca.conti@ferraro-logistica.test"},
    "Construcciones Navarro S.L.": {"carmen.ruiz@construcciones-navarro.test"},
    "Harbour Analytics Ltd": {"matteo.galli@harbour-analytics.test"},
    "Thornbury Print Works Ltd": {"sophie.wagner@thornbury-print.test"},
    "Studio Bassi Architetti": set(),
    "Talleres Ibarra S.L.": set(),
}
SUBSCRIPTIONS = {
    # name: {plan code: (seats, seats assigned)}
    "Kessler Feinmechanik GmbH": {
        "gotoassist-remote-support-v5-standard-yearly": (5, 2),
        "goto-meeting-business-monthly": (10, 3),
    },
    "Ferraro Logistica S.p.A.": {
        "goto-meeting-business-yearly": (25, 3),
        "goto-webinar-standard-yearly": (5, 1),
        "gotoassist-v5-standard-yearly": (10, 2),
        "gotoassist-remote-support-v5-standard-yearly": (3, 1),
    },
    "Construcciones Navarro S.L.": {
        "goto-meeting-standard-yearly": (15, 2),
        "goto-training-business-yearly": (8, 2),
    },
    "Harbour Analytics Ltd": {
        "gotoassist-v4-business-yearly": (20, 3),
        "goto-webinar-business-yearly": (4, 1),
    },
    "Thornbury Print Works Ltd": {
        "goto-meeting-standard-yearly": (6, 3),
        "gotoassist-remote-support-v5-business-yearly": (2, 1),
    },
    "Studio Bassi Architetti": {"goto-meeting-standard-monthly": (3, 2)},
    "Talleres Ibarra S.L.": {"goto-webinar-standard-monthly": (2, 2)},
}
CARDS = {
    # name: [(brand, last four, automatic, default)]
    "Kessler Feinmechanik GmbH": [("visa", "4242", True, True)],
    "Ferraro Logistica S.p.A.": [("visa", "4242", True, True)],
    "Construcciones Navarro S.L.": [("mastercard", "4444", True, True)],
    "Harbour Analytics Ltd": [("visa", "4242", True, True)],
    "Thornbury Print Works Ltd": [("visa", "4242", False, True)],
    # Stored years ago, expired since (the support console's "expired card" case).
    "Talleres Ibarra S.L.": [("mastercard", "4444", True, True)],
}
USER_IDS = {
    "Ferraro Logistica S.p.A.": "ferraro-billing",
    "Construcciones Navarro S.L.": "lucia.navarro@construcciones-navarro.test",
    "Harbour Analytics Ltd": "harbour-analytics",
    "Thornbury Print Works Ltd": "oliver.bennett@thornbury-print.test",
}
SEATS_HELD = {
    "anna.kessler@kessler-feinmechanik.test": {"gotoassist-remote-support-v5"},
    "jonas.weber@kessler-feinmechanik.test": {"gotoassist-remote-support-v5", "goto-meeting"},
    "lukas.brandt@kessler-feinmechanik.test": {"goto-meeting"},
    "emma.clarke@kessler-feinmechanik.test": {"goto-meeting"},
    "marco.ferraro@ferraro-logistica.test": {"goto-meeting", "gotoassist-v5"},
    "chiara.bianchi@ferraro-logistica.test": {
        "goto-meeting",
        "goto-webinar",
        "gotoassist-remote-support-v5",
    },
    "luca.conti@ferraro-logistica.test": {"goto-meeting", "gotoassist-v5"},
    "lucia.navarro@construcciones-navarro.test": {"goto-training"},
    "javier.ortega@construcciones-navarro.test": {"goto-meeting", "goto-training"},
    "carmen.ruiz@construcciones-navarro.test": {"goto-meeting"},
    "siobhan.byrne@harbour-analytics.test": {"gotoassist-v4"},
    "declan.murphy@harbour-analytics.test": {"gotoassist-v4", "goto-webinar"},
    "matteo.galli@harbour-analytics.test": {"gotoassist-v4"},
    "oliver.bennett@thornbury-print.test": {"goto-meeting"},
    "priya.shah@thornbury-print.test": {"goto-meeting", "gotoassist-remote-support-v5"},
    "sophie.wagner@thornbury-print.test": {"goto-meeting"},
    "giulia.bassi@studio-bassi.test": {"goto-meeting"},
    "paolo.rinaldi@studio-bassi.test": {"goto-meeting"},
    "elena.ibarra@talleres-ibarra.test": {"goto-webinar"},
    "raul.serrano@talleres-ibarra.test": {"goto-webinar"},
}
STAFF = "helen.porter@seatwise.test"


def snapshot() -> dict[str, object]:
    """Everything the demo writes, by natural keys (no database ids)."""
    return {
        "accounts": sorted(Account.objects.values_list("name", "kind", "self_service_eligible")),
        "people": sorted(
            Person.objects.values_list(
                "email", "account__name", "is_account_admin", "is_billing_contact", "language"
            ),
            key=str,
        ),
        "subscriptions": sorted(
            Subscription.objects.values_list(
                "account__name", "plan__code", "seats", "seats_assigned"
            )
        ),
        "seats": sorted(
            LicenseAssignment.objects.values_list("subscription__product__code", "person__email")
        ),
        "cards": sorted(
            PaymentMethod.objects.values_list("account__name", "brand", "last4", "is_automatic")
        ),
        "vault_cards": VaultCard.objects.count(),
        "credentials": sorted(CorporateCredential.objects.values_list("account__name", "user_id")),
    }


class TestDemoLoad:
    def test_creates_one_account_for_each_situation(self):
        data = demo_load(reset=False)

        assert {
            a.name: (a.kind, a.self_service_eligible, a.country, a.language, a.currency, a.vat_id)
            for a in Account.objects.all()
        } == ACCOUNTS
        assert set(data.accounts) == {
            "kessler",
            "ferraro",
            "navarro",
            "harbour",
            "thornbury",
            "bassi",
            "ibarra",
        }
        assert {a.name for a in data.accounts.values()} == set(ACCOUNTS)

    def test_vat_ids_are_valid_for_their_country(self):
        demo_load(reset=False)

        for account in Account.objects.all():
            assert normalize_vat_id(account.vat_id, account.country) == account.vat_id

    def test_each_account_has_its_billing_contact_admins_and_users(self):
        demo_load(reset=False)

        for name in ACCOUNTS:
            people = Person.objects.filter(account__name=name)
            assert [p.email for p in people if p.is_billing_contact] == [BILLING_CONTACTS[name]]
            assert {p.email for p in people if p.is_account_admin} == {
                BILLING_CONTACTS[name],
                OTHER_ADMINS[name],
            }
            assert {p.email for p in people if not p.is_account_admin} == PLAIN_USERS[name]

    def test_people_speak_all_four_languages(self):
        demo_load(reset=False)

        assert set(Person.objects.values_list("language", flat=True)) == {"en", "de", "it", "es"}
        assert Person.objects.get(email="emma.clarke@kessler-feinmechanik.test").language == "en"
        assert Person.objects.get(email="matteo.galli@harbour-analytics.test").language == "it"
        assert Person.objects.get(email="sophie.wagner@thornbury-print.test").language == "de"

    def test_subscriptions_and_seats(self):
        demo_load(reset=False)

        found: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for s in Subscription.objects.select_related("account", "plan"):
            assert s.status == Subscription.Status.ACTIVE
            found[s.account.name][s.plan.code] = (s.seats, s.seats_assigned)
        assert found == SUBSCRIPTIONS
        held: dict[str, set[str]] = defaultdict(set)
        for a in LicenseAssignment.objects.select_related("person", "subscription__product"):
            held[a.person.email].add(a.subscription.product.code)
        assert held == SEATS_HELD

    def test_ferraro_holds_products_with_and_without_seat_expansion(self):
        demo_load(reset=False)

        expansion = dict(
            Subscription.objects.filter(account__name="Ferraro Logistica S.p.A.").values_list(
                "product__code", "product__seat_expansion_supported"
            )
        )
        assert expansion == {
            "goto-meeting": True,
            "goto-webinar": True,
            "gotoassist-v5": True,
            "gotoassist-remote-support-v5": False,
        }

    def test_cards_on_file_automatic_or_not(self):
        demo_load(reset=False)

        found: dict[str, list[tuple[str, str, bool, bool]]] = defaultdict(list)
        for m in PaymentMethod.objects.select_related("account").order_by("pk"):
            assert m.removed_at is None
            found[m.account.name].append((m.brand, m.last4, m.is_automatic, m.is_default))
        assert found == CARDS

    def test_corporate_accounts_have_user_id_and_portal_password(self):
        demo_load(reset=False)

        credentials = {
            c.account.name: c for c in CorporateCredential.objects.select_related("account")
        }
        assert {name: c.user_id for name, c in credentials.items()} == USER_IDS
        for credential in credentials.values():
            assert check_password(DEMO_PASSWORD, credential.password)
            assert credential.password_changed_at is not None

    def test_every_demo_person_signs_in_with_the_demo_password(self):
        demo_load(reset=False)

        request = RequestFactory().post("/signin/")
        for email in [*SEATS_HELD, STAFF]:
            assert authenticate(request, username=email, password=DEMO_PASSWORD) is not None, email

    def test_vendor_staff_belongs_to_no_account(self):
        demo_load(reset=False)

        staff = Person.objects.get(email=STAFF)
        assert (staff.is_staff, staff.account_id, staff.is_superuser) == (True, None, False)
        assert Person.objects.filter(is_staff=True).count() == 1

    def test_every_write_is_audited_as_the_demo_or_whoever_it_plays(self):
        demo_load(reset=False)

        actors = set(AuditEntry.objects.values_list("actor_kind", "actor_label"))
        # The demo system, the signed-in requesters of the support cases, and the agent who
        # failed three verifications of the "locked" case.
        assert actors == {
            ("system", "demo"),
            ("person", "jonas.weber@kessler-feinmechanik.test"),
            ("person", "emma.clarke@kessler-feinmechanik.test"),
            ("person", "paolo.rinaldi@studio-bassi.test"),
            ("person", "raul.serrano@talleres-ibarra.test"),
            ("person", "chiara.bianchi@ferraro-logistica.test"),
            ("person", STAFF),
        }
        assert AuditEntry.objects.filter(action="account.create").count() == 7
        assert AuditEntry.objects.filter(action="license.assign").count() == 28

    def test_open_cases_one_for_each_situation_of_the_verification(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from seatwise.audit.actors import Actor
        from seatwise.demo.data import DEMO_CASES
        from seatwise.demo.loader import demo_expiry
        from seatwise.support.models import Case
        from seatwise.support.services import case_account_link
        from seatwise.support.verification import CardAnswers, case_verify

        data = demo_load(reset=False)
        agent = data.people[STAFF]
        assert TOTPDevice.objects.get(user=agent).confirmed
        cases = list(Case.objects.order_by("pk"))
        assert [(c.status, c.assignee_id, c.topic) for c in cases] == [
            ("open", None, "billing_contact_change")
        ] * 8
        outcomes = {}
        for spec, case in zip(DEMO_CASES, cases, strict=True):
            assert case.requester_email == spec.requester_email
            if case.account_id is None:
                case = case_account_link(
                    case=case, account=data.accounts[spec.account], by=Actor.for_person(agent)
                )
            month, year = demo_expiry(spec.says.expiry)
            outcomes[spec.key] = case_verify(
                case=case,
                answers=CardAnswers(
                    last4=spec.says.last4,
                    exp_month=month,
                    exp_year=year,
                    holder_name=spec.says.holder_name,
                ),
                agent=agent,
                by=Actor.for_person(agent),
            ).reason.value
        assert outcomes == {spec.key: spec.expected for spec in DEMO_CASES}
        assert set(outcomes.values()) == {
            "passed",
            "not_holder_or_admin",
            "card_mismatch",
            "no_card",
            "card_expired",
            "locked",
        }

    def test_refuses_a_second_load_without_reset_and_changes_nothing(self):
        demo_load(reset=False)
        before = snapshot()
        audit_before = AuditEntry.objects.count()

        with pytest.raises(DemoAlreadyLoaded):
            demo_load(reset=False)

        assert snapshot() == before
        assert AuditEntry.objects.count() == audit_before


class TestDemoReset:
    def test_reset_on_an_empty_database_loads(self):
        demo_load(reset=True)

        assert Account.objects.count() == 7
        assert demo_is_loaded()

    def test_reset_reloads_the_same_data(self):
        demo_load(reset=False)
        first = snapshot()
        first_ids = set(Account.objects.values_list("pk", flat=True))

        demo_load(reset=True)

        assert snapshot() == first
        assert first_ids.isdisjoint(Account.objects.values_list("pk", flat=True))

    def test_reset_wipes_changes_made_to_demo_accounts(self):
        data = demo_load(reset=False)
        first = snapshot()
        kessler = data.accounts["kessler"]
        person_add(
            account=kessler,
            email="new.person@kessler-feinmechanik.test",
            first_name="Neu",
            last_name="Person",
            by=SYSTEM,
        )
        make_card(kessler, number="5555555555554444")
        removed = data.people["lukas.brandt@kessler-feinmechanik.test"]
        person_remove(person=removed, by=SYSTEM)

        demo_load(reset=True)

        assert snapshot() == first
        assert not Person.objects.filter(email="new.person@kessler-feinmechanik.test").exists()

    def test_reset_keeps_other_accounts_their_audit_and_the_catalog(self):
        other = make_account(name="Not a demo account", vat_id="")
        make_subscription(other, seats=3)
        make_card(other)
        other_audit = AuditEntry.objects.filter(account_id=other.pk).count()
        demo_load(reset=False)
        demo_account_ids = list(Account.objects.exclude(pk=other.pk).values_list("pk", flat=True))

        demo_load(reset=True)

        other.refresh_from_db()
        assert Subscription.objects.get(account=other).seats == 3
        assert PaymentMethod.objects.filter(account=other).count() == 1
        assert AuditEntry.objects.filter(account_id=other.pk).count() == other_audit
        assert not AuditEntry.objects.filter(account_id__in=demo_account_ids).exists()
        # One vault card for the other account, one for each demo card.
        assert VaultCard.objects.count() == 1 + 6
        assert Account.objects.count() == 1 + 7

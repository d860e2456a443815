"""The demo data set: one customer account for each situation the help articles describe.

This module is data only. ``seatwise.demo.loader`` writes it through the domain services;
``DEMO_SIGN_INS`` derives the sign-ins from it, for docs/demo.md and the ``load_demo`` command.
Every name, address and VAT ID is invented but well formed (the VAT IDs pass their checksums);
e-mail domains are under the reserved ``.test`` top-level domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from seatwise.accounts.services import Address

# One password for every demo sign-in: product credentials and Corporate Billing Portal alike.
DEMO_PASSWORD = "seatwise-demo-2026"

Role = Literal["billing_admin", "account_admin", "user"]
Portal = Literal["product", "corporate", "staff"]

ROLE_LABELS: dict[str, str] = {
    "billing_admin": "billing admin (billing contact)",
    "account_admin": "account admin, not billing admin",
    "user": "user (holds a seat)",
    "corporate": "billing contact: Corporate Billing Portal User ID",
    "staff": "support agent (vendor staff)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    language: str
    role: Role
    # Codes of the products this person holds a seat of.
    seats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSubscription:
    plan_code: str
    seats: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoCard:
    number: str
    holder_name: str
    # False: a card given for one payment only, which article 003 does not accept for
    # adding seats.
    is_automatic: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoAccount:
    key: str
    situation: str
    name: str
    kind: Literal["online", "corporate"]
    country: str
    language: str
    currency: str
    vat_id: str
    address: Address
    people: tuple[DemoPerson, ...]
    subscriptions: tuple[DemoSubscription, ...]
    card: DemoCard | None
    self_service_eligible: bool = True
    # Corporate accounts only: the Corporate Billing Portal User ID; None means the billing
    # contact's e-mail address (the e-mail form of a User ID).
    corporate_user_id: str | None = None
    # Corporate accounts only: an open quote (article 003), as (product code, seats to add).
    open_quote: tuple[tuple[str, int], ...] = ()

    @property
    def billing_admin(self) -> DemoPerson:
        return next(p for p in self.people if p.role == "billing_admin")

    @property
    def user_id(self) -> str | None:
        if self.kind != "corporate":
            return None
        return self.corporate_user_id or self.billing_admin.email


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoStaff:
    email: str
    first_name: str
    last_name: str
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSignIn:
    """One way to sign in to the demo: where, with what, as whom."""

    portal: Portal
    login: str
    role: str
    language: str
    account: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        key="kessler",
        situation=(
            "Online account (Billing Center): billing admin, an account admin who is not "
            "billing admin, and users (articles 000, 001)."
        ),
        name="Kessler Feinmechanik GmbH",
        kind="online",
        country="DE",
        language="de",
        currency="EUR",
        vat_id="DE136695976",
        address=Address(line1="Friedrichstraße 112", postal_code="10117", city="Berlin"),
        people=(
            DemoPerson(
                email="anna.kessler@kessler-feinmechanik.test",
                first_name="Anna",
                last_name="Kessler",
                language="de",
                role="billing_admin",
                seats=("gotoassist-remote-support-v5",),
            ),
            DemoPerson(
                email="jonas.weber@kessler-feinmechanik.test",
                first_name="Jonas",
                last_name="Weber",
                language="de",
                role="account_admin",
                seats=("gotoassist-remote-support-v5", "goto-meeting"),
            ),
            DemoPerson(
                email="lukas.brandt@kessler-feinmechanik.test",
                first_name="Lukas",
                last_name="Brandt",
                language="de",
                role="user",
                seats=("goto-meeting",),
            ),
            DemoPerson(
                email="emma.clarke@kessler-feinmechanik.test",
                first_name="Emma",
                last_name="Clarke",
                language="en",
                role="user",
                seats=("goto-meeting",),
            ),
        ),
        subscriptions=(
            DemoSubscription(plan_code="gotoassist-remote-support-v5-standard-yearly", seats=5),
            DemoSubscription(plan_code="goto-meeting-business-monthly", seats=10),
        ),
        card=DemoCard(number="4242424242424242", holder_name="Anna Kessler"),
    ),
    DemoAccount(
        key="ferraro",
        situation=(
            "Corporate account eligible for self-service, automatic card on file, seats of "
            "several products (Add Seats, article 003)."
        ),
        name="Ferraro Logistica S.p.A.",
        kind="corporate",
        country="IT",
        language="it",
        currency="EUR",
        vat_id="IT00743110157",
        address=Address(line1="Via Mecenate 76", postal_code="20138", city="Milano", region="MI"),
        corporate_user_id="ferraro-billing",
        people=(
            DemoPerson(
                email="marco.ferraro@ferraro-logistica.test",
                first_name="Marco",
                last_name="Ferraro",
                language="it",
                role="billing_admin",
                seats=("goto-meeting", "gotoassist-v5"),
            ),
            DemoPerson(
                email="chiara.bianchi@ferraro-logistica.test",
                first_name="Chiara",
                last_name="Bianchi",
                language="it",
                role="account_admin",
                seats=("goto-meeting", "goto-webinar", "gotoassist-remote-support-v5"),
            ),
            DemoPerson(
                email="luca.conti@ferraro-logistica.test",
                first_name="Luca",
                last_name="Conti",
                language="it",
                role="user",
                seats=("goto-meeting", "gotoassist-v5"),
            ),
        ),
        subscriptions=(
            DemoSubscription(plan_code="goto-meeting-business-yearly", seats=25),
            DemoSubscription(plan_code="goto-webinar-standard-yearly", seats=5),
            DemoSubscription(plan_code="gotoassist-v5-standard-yearly", seats=10),
            DemoSubscription(plan_code="gotoassist-remote-support-v5-standard-yearly", seats=3),
        ),
        card=DemoCard(number="4242424242424242", holder_name="Marco Ferraro"),
    ),
    DemoAccount(
        key="navarro",
        situation=(
            "Corporate account with an automatic card and subscriptions, for quotes: an open "
            "quote must be accepted or rejected before a new order (article 003)."
        ),
        name="Construcciones Navarro S.L.",
        kind="corporate",
        country="ES",
        language="es",
        currency="EUR",
        vat_id="ESB58378431",
        address=Address(
            line1="Carrer de Pallars 193", postal_code="08005", city="Barcelona", region="Barcelona"
        ),
        people=(
            DemoPerson(
                email="lucia.navarro@construcciones-navarro.test",
                first_name="Lucía",
                last_name="Navarro",
                language="es",
                role="billing_admin",
                seats=("goto-training",),
            ),
            DemoPerson(
                email="javier.ortega@construcciones-navarro.test",
                first_name="Javier",
                last_name="Ortega",
                language="es",
                role="account_admin",
                seats=("goto-meeting", "goto-training"),
            ),
            DemoPerson(
                email="carmen.ruiz@construcciones-navarro.test",
                first_name="Carmen",
                last_name="Ruiz",
                language="es",
                role="user",
                seats=("goto-meeting",),
            ),
        ),
        subscriptions=(
            DemoSubscription(plan_code="goto-meeting-standard-yearly", seats=15),
            DemoSubscription(plan_code="goto-training-business-yearly", seats=8),
        ),
        card=DemoCard(number="5555555555554444", holder_name="Lucía Navarro"),
        open_quote=(("goto-meeting", 5),),
    ),
    DemoAccount(
        key="harbour",
        situation=(
            "Corporate account not eligible for self-service: its billing admin is sent to "
            "Corporate Account Services (article 003)."
        ),
        name="Harbour Analytics Ltd",
        kind="corporate",
        country="IE",
        language="en",
        currency="EUR",
        vat_id="IE8256796U",
        address=Address(line1="2 Grand Canal Square", postal_code="D02 A342", city="Dublin"),
        self_service_eligible=False,
        corporate_user_id="harbour-analytics",
        people=(
            DemoPerson(
                email="siobhan.byrne@harbour-analytics.test",
                first_name="Siobhan",
                last_name="Byrne",
                language="en",
                role="billing_admin",
                seats=("gotoassist-v4",),
            ),
            DemoPerson(
                email="declan.murphy@harbour-analytics.test",
                first_name="Declan",
                last_name="Murphy",
                language="en",
                role="account_admin",
                seats=("gotoassist-v4", "goto-webinar"),
            ),
            DemoPerson(
                email="matteo.galli@harbour-analytics.test",
                first_name="Matteo",
                last_name="Galli",
                language="it",
                role="user",
                seats=("gotoassist-v4",),
            ),
        ),
        subscriptions=(
            DemoSubscription(plan_code="gotoassist-v4-business-yearly", seats=20),
            DemoSubscription(plan_code="goto-webinar-business-yearly", seats=4),
        ),
        card=DemoCard(number="4242424242424242", holder_name="Siobhan Byrne"),
    ),
    DemoAccount(
        key="thornbury",
        situation=(
            "Corporate account without an automatic payment method: its only card was given "
            "for one payment, so seats cannot be added until a card is on file (article 003)."
        ),
        name="Thornbury Print Works Ltd",
        kind="corporate",
        country="GB",
        language="en",
        currency="GBP",
        vat_id="GB980780684",
        address=Address(line1="14 Old Market Street", postal_code="BS2 0EZ", city="Bristol"),
        people=(
            DemoPerson(
                email="oliver.bennett@thornbury-print.test",
                first_name="Oliver",
                last_name="Bennett",
                language="en",
                role="billing_admin",
                seats=("goto-meeting",),
            ),
            DemoPerson(
                email="priya.shah@thornbury-print.test",
                first_name="Priya",
                last_name="Shah",
                language="en",
                role="account_admin",
                seats=("goto-meeting", "gotoassist-remote-support-v5"),
            ),
            DemoPerson(
                email="sophie.wagner@thornbury-print.test",
                first_name="Sophie",
                last_name="Wagner",
                language="de",
                role="user",
                seats=("goto-meeting",),
            ),
        ),
        subscriptions=(
            DemoSubscription(plan_code="goto-meeting-standard-yearly", seats=6),
            DemoSubscription(plan_code="gotoassist-remote-support-v5-business-yearly", seats=2),
        ),
        card=DemoCard(number="4242424242424242", holder_name="Oliver Bennett", is_automatic=False),
    ),
)

DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        email="helen.porter@seatwise.test", first_name="Helen", last_name="Porter", language="en"
    ),
)


def _sign_ins() -> tuple[DemoSignIn, ...]:
    rows: list[DemoSignIn] = []
    for account in DEMO_ACCOUNTS:
        for person in account.people:
            rows.append(
                DemoSignIn(
                    portal="product",
                    login=person.email,
                    role=ROLE_LABELS[person.role],
                    language=person.language,
                    account=account.name,
                )
            )
        if account.user_id is not None:
            rows.append(
                DemoSignIn(
                    portal="corporate",
                    login=account.user_id,
                    role=ROLE_LABELS["corporate"],
                    language=account.billing_admin.language,
                    account=account.name,
                )
            )
    for staff in DEMO_STAFF:
        rows.append(
            DemoSignIn(
                portal="staff",
                login=staff.email,
                role=ROLE_LABELS["staff"],
                language=staff.language,
                account="",
            )
        )
    return tuple(rows)


# Every demo sign-in, all with DEMO_PASSWORD. docs/demo.md lists them (see seatwise.demo.docs).
DEMO_SIGN_INS: tuple[DemoSignIn, ...] = _sign_ins()
DEMO_EMAILS: frozenset[str] = frozenset(
    s.login for s in DEMO_SIGN_INS if s.portal in ("product", "staff")
)
DEMO_USER_IDS: frozenset[str] = frozenset(s.login for s in DEMO_SIGN_INS if s.portal == "corporate")

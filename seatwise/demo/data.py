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
# The free trials of the catalog's products (the Billing Center's Try): product code → (days,
# seats at most). GoToAssist Remote Support v5 has none.
DEMO_TRIAL_TERMS: dict[str, tuple[int, int]] = {
    "goto-meeting": (14, 5),
    "goto-webinar": (14, 5),
    "goto-training": (14, 5),
    "gotoassist-v4": (30, 3),
    "gotoassist-v5": (30, 3),
}

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
    # Expiry as (month, years from now); a card that has expired was stored years ago.
    expiry: tuple[int, int] = (12, 3)

    @property
    def expired(self) -> bool:
        return self.expiry[1] < 0


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
    # The support console needs two-factor sign-in: the demo agent's authenticator key, in
    # base32 as an app takes it (docs/demo.md prints it; ``manage.py demo_totp`` the code).
    totp_secret: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoAnswers:
    """What a requester tells the agent about the card on file (expiry as month and years from
    now, like ``DemoCard.expiry``)."""

    last4: str
    expiry: tuple[int, int]
    holder_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoCase:
    """An open request to change the billing contact, one for each situation of the
    verification (help article "Change the billing contact"): who asks, for whom, what they
    will say about the card, and what the verification answers."""

    key: str
    account: str  # a DemoAccount key
    # A member of the account asking signed in (their e-mail), or a visitor (name, e-mail).
    requester_email: str
    requester_name: str = ""
    requester_language: str = "en"
    signed_in: bool = False
    new_contact: tuple[str, str, str]  # first name, last name, e-mail
    says: DemoAnswers
    expected: str  # a seatwise.support.verification.Reason value
    situation: str
    # Failed verifications the demo agent already made (the "locked" situation).
    failed_attempts: int = 0


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
    DemoAccount(
        key="bassi",
        situation=(
            "Online account with no card on file: customer service cannot verify a request to "
            "change its billing contact (article 001)."
        ),
        name="Studio Bassi Architetti",
        kind="online",
        country="IT",
        language="it",
        currency="EUR",
        vat_id="IT03915620375",
        address=Address(line1="Via Santo Stefano 38", postal_code="40125", city="Bologna"),
        people=(
            DemoPerson(
                email="giulia.bassi@studio-bassi.test",
                first_name="Giulia",
                last_name="Bassi",
                language="it",
                role="billing_admin",
                seats=("goto-meeting",),
            ),
            DemoPerson(
                email="paolo.rinaldi@studio-bassi.test",
                first_name="Paolo",
                last_name="Rinaldi",
                language="it",
                role="account_admin",
                seats=("goto-meeting",),
            ),
        ),
        subscriptions=(DemoSubscription(plan_code="goto-meeting-standard-monthly", seats=3),),
        card=None,
    ),
    DemoAccount(
        key="ibarra",
        situation=(
            "Online account whose card on file has expired: customer service cannot verify a "
            "request to change its billing contact until a valid card is on file (article 001)."
        ),
        name="Talleres Ibarra S.L.",
        kind="online",
        country="ES",
        language="es",
        currency="EUR",
        vat_id="ESB84163823",
        address=Address(line1="Calle de Alcalá 210", postal_code="28028", city="Madrid"),
        people=(
            DemoPerson(
                email="elena.ibarra@talleres-ibarra.test",
                first_name="Elena",
                last_name="Ibarra",
                language="es",
                role="billing_admin",
                seats=("goto-webinar",),
            ),
            DemoPerson(
                email="raul.serrano@talleres-ibarra.test",
                first_name="Raúl",
                last_name="Serrano",
                language="es",
                role="account_admin",
                seats=("goto-webinar",),
            ),
        ),
        subscriptions=(DemoSubscription(plan_code="goto-webinar-standard-monthly", seats=2),),
        card=DemoCard(number="5555555555554444", holder_name="Elena Ibarra", expiry=(1, -1)),
    ),
)

DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        email="helen.porter@seatwise.test",
        first_name="Helen",
        last_name="Porter",
        language="en",
        totp_secret="SEATWISEDEMOAGENTHELENPORTERXYZA",
    ),
)

_KESSLER_CARD = DemoAnswers(last4="4242", expiry=(12, 3), holder_name="Anna Kessler")

# The support console's open cases: a request to change the billing contact for each situation
# of the verification. docs/demo.md lists them with what each requester says.
DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase(
        key="holder",
        account="kessler",
        requester_name="Anna Kessler",
        requester_email="anna.kessler@mailbox.test",
        requester_language="de",
        new_contact=("Lena", "Neumann", "lena.neumann@kessler-feinmechanik.test"),
        says=_KESSLER_CARD,
        expected="passed",
        situation="the card holder asks (as a visitor, from a private address): allowed",
    ),
    DemoCase(
        key="account-admin",
        account="kessler",
        requester_email="jonas.weber@kessler-feinmechanik.test",
        signed_in=True,
        new_contact=("Jonas", "Weber", "jonas.weber@kessler-feinmechanik.test"),
        says=_KESSLER_CARD,
        expected="passed",
        situation="an account admin asks, signed in; not the card holder: allowed",
    ),
    DemoCase(
        key="stranger",
        account="kessler",
        requester_name="Tobias Richter",
        requester_email="tobias.richter@mailbox.test",
        requester_language="de",
        new_contact=("Tobias", "Richter", "tobias.richter@mailbox.test"),
        says=_KESSLER_CARD,
        expected="not_holder_or_admin",
        situation=(
            "someone who knows the card but is neither its holder nor an account admin: refused"
        ),
    ),
    DemoCase(
        key="wrong-details",
        account="kessler",
        requester_email="emma.clarke@kessler-feinmechanik.test",
        signed_in=True,
        new_contact=("Emma", "Clarke", "emma.clarke@kessler-feinmechanik.test"),
        says=DemoAnswers(last4="4422", expiry=(12, 3), holder_name="Anna Kessler"),
        expected="card_mismatch",
        situation="a user who gets the card's last four digits wrong: does not match",
    ),
    DemoCase(
        key="no-card",
        account="bassi",
        requester_email="paolo.rinaldi@studio-bassi.test",
        signed_in=True,
        new_contact=("Paolo", "Rinaldi", "paolo.rinaldi@studio-bassi.test"),
        says=DemoAnswers(last4="4242", expiry=(12, 3), holder_name="Giulia Bassi"),
        expected="no_card",
        situation="an account with no card on file: cannot be verified",
    ),
    DemoCase(
        key="expired-card",
        account="ibarra",
        requester_email="raul.serrano@talleres-ibarra.test",
        signed_in=True,
        new_contact=("Raúl", "Serrano", "raul.serrano@talleres-ibarra.test"),
        says=DemoAnswers(last4="4444", expiry=(1, -1), holder_name="Elena Ibarra"),
        expected="card_expired",
        situation="the card on file has expired: cannot be verified",
    ),
    DemoCase(
        key="locked",
        account="kessler",
        requester_name="Markus Vogel",
        requester_email="markus.vogel@mailbox.test",
        requester_language="de",
        new_contact=("Markus", "Vogel", "markus.vogel@mailbox.test"),
        says=_KESSLER_CARD,
        expected="locked",
        situation="three failed attempts already: verification locked for 24 hours",
        failed_attempts=3,
    ),
    DemoCase(
        key="corporate",
        account="ferraro",
        requester_email="chiara.bianchi@ferraro-logistica.test",
        signed_in=True,
        new_contact=("Chiara", "Bianchi", "chiara.bianchi@ferraro-logistica.test"),
        says=DemoAnswers(last4="4242", expiry=(12, 3), holder_name="Marco Ferraro"),
        expected="passed",
        situation=(
            "a corporate account's admin asks customer service instead of Bill To: allowed, "
            "the new contact gets the portal's password link"
        ),
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

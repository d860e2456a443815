"""Synthetic accounts in bulk, for benchmarks and scale tests (``manage.py generate_accounts``).

``accounts_generate(count=1_000_000)`` adds ``count`` accounts in batches, each batch in one
transaction of a few set-based statements (``INSERT … SELECT`` over a recursive CTE or
``generate_series``; for invoices, built in Python because each one's hash chains to the one
before, inserted by ``core.bulk.rows_insert``, ``COPY`` on PostgreSQL; never one ORM save per
row): a million accounts take one to two minutes on SQLite and on PostgreSQL. Per account (the
rates are a ``Mix``):

- the account: a company name of three parts ("Nordwind Logistik GmbH"; about 83,000
  combinations, so that prefixes are selective), an address in one of fourteen cities with
  its country, currency and language; every tenth is corporate;
- its billing contact, also its account admin, as ``account_create`` makes it: varied first
  and last names (some non-ASCII: "Müller", "Ñuño"), the lower-case and unique e-mail
  ``bc-<id>@acct-<id>.gen.test`` (``<id>``: the account's id), no usable password;
- for a corporate account its Corporate Billing Portal User ID, ``<first word>.<id>``;
- for every tenth account one to three invoices of catalog plans, every seventh of them
  credited in full by a credit note, numbered in the current series and hash-chained exactly
  as ``seatwise.invoicing`` issues them, so that ``verify_invoice_chain`` still passes;
- for every hundredth account an open support case, numbered as ``seatwise.support.cases``
  numbers them (``CS-<case id>``);
- the audit entries of these writes (``account.create``, ``corporate_credential.create``,
  ``invoice.issue``, ``credit_note.issue``), by the system actor ``generate_accounts``.

Every check and unique constraint of these tables holds. A column this module does not set
gets its model default, so that a new field with a default needs no change here.

A batch finds its new accounts by the ids its ``INSERT … RETURNING`` returned and refuses
(rolling the batch back) if they are not one consecutive range: generate into a database
nobody else writes to at the same time (on SQLite the batch's IMMEDIATE transaction keeps
other writers out anyway).

SQL is assembled from this module's constants and quoted table and column names only; every
value is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.functions import Mod
from django.utils import timezone

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.audit.models import AuditEntry
from seatwise.catalog.models import Price
from seatwise.core.bulk import rows_insert
from seatwise.core.dates import add_months
from seatwise.invoicing.chain import document_hash
from seatwise.invoicing.lock_objects import series_lock
from seatwise.invoicing.models import (
    CREDIT_NOTE_SERIES,
    INVOICE_SERIES,
    DocumentSeries,
    Invoice,
    InvoiceLine,
)
from seatwise.invoicing.numbering import format_number
from seatwise.invoicing.snapshot import (
    credit_description,
    line_description,
    seller_snapshot,
    tax_note_in,
    unit_price_of,
)
from seatwise.pricing.lines import ProratedLine, term_line, totals
from seatwise.support.models import Case
from seatwise.tax.decisions import TaxDecision, tax_decision

ACTOR = "generate_accounts"
CREDIT_REASON = "Cancelled"
SQLITE_CACHE_KIB = 256 * 1024

# The sizes of lists picked together are coprime (first names 119, last names 127; company
# words 107, 52 and 15), so that every combination occurs.
FIRST_NAMES = (
    "Aaron", "Ada", "Adrian", "Agnes", "Alba", "Alessandro", "Alice", "Amelia", "Ana", "Andrea",
    "Anja", "Anna", "Antonio", "Arne", "Ava", "Beatriz", "Ben", "Bianca", "Boris", "Bruno", "Carla",
    "Carlos", "Caroline", "Chiara", "Chloé", "Christian", "Clara", "Daniel", "David", "Diego",
    "Dolores", "Elena", "Elias", "Elisa", "Emil", "Emma", "Enzo", "Erik", "Eva", "Fabian",
    "Federica", "Felix", "Filippo", "Finn", "Francesca", "François", "Frida", "Gabriel",
    "Georg", "Giulia", "Greta", "Hannah", "Hans", "Helena", "Henrik", "Hugo", "Ida", "Ines",
    "Irene", "Isabel", "Ivan", "Jakob", "Javier", "Jonas", "José", "Julia", "Jürgen", "Karin",
    "Klaus", "Lara", "Laura", "Leon", "Lina", "Lorenzo", "Luca", "Lucía", "Luis", "Lukas",
    "Marco", "Maria", "Marta", "Martin", "Mateo", "Matilde", "Max", "Mia", "Michael", "Miguel",
    "Nina", "Noah", "Nora", "Olga", "Oliver", "Oscar", "Pablo", "Paolo", "Paula", "Peter",
    "Pia", "Rafael", "Rebecca", "Ricardo", "Rosa", "Sara", "Sebastian", "Simon", "Sofia",
    "Søren", "Stefan", "Tobias", "Tomás", "Ursula", "Valentina", "Victor", "Zoë", "Ñuño",
    "Åsa", "Łukasz", "Émile",
)  # fmt: skip
LAST_NAMES = (
    "Alonso", "Andersen", "Bauer", "Becker", "Benedetti", "Bianchi", "Blanco", "Brandt",
    "Braun", "Bruno", "Caruso", "Castro", "Colombo", "Conti", "Costa", "Delgado", "Díaz",
    "Dietrich", "Esposito", "Fabbri", "Fernández", "Ferrari", "Fischer", "Fontana", "Frank",
    "Friedrich", "Fuchs", "Galli", "García", "Gómez", "González", "Graf", "Greco", "Günther",
    "Hahn", "Hansen", "Hartmann", "Herrera", "Hoffmann", "Hofmann", "Huber", "Jansen",
    "Jiménez", "Jung", "Kaiser", "Keller", "Klein", "Koch", "Köhler", "Krämer", "Krause",
    "Krüger", "Kuhn", "Lange", "Lehmann", "Leone", "Lombardi", "López", "Lorenz", "Ludwig",
    "Mancini", "Marino", "Martín", "Martínez", "Mayer", "Meier", "Meyer", "Molina", "Morales",
    "Moreno", "Moretti", "Müller", "Muñoz", "Navarro", "Neumann", "Nielsen", "Núñez", "O'Brien",
    "Ortega", "Otto", "Peters", "Pérez", "Pohl", "Ramos", "Ricci", "Richter", "Rinaldi",
    "Rizzo", "Romano", "Romero", "Rossi", "Rubio", "Ruiz", "Russo", "Sanchez", "Santoro",
    "Sanz", "Schäfer", "Scheller", "Schmid", "Schmidt", "Schmitt", "Schneider", "Scholz",
    "Schröder", "Schulz", "Schwarz", "Serra", "Sommer", "Suárez", "Torres", "van Dijk",
    "Vogel", "Vogt", "Wagner", "Walter", "Weber", "Weiß", "Werner", "Winkler", "Wolf",
    "Zimmermann", "Ólafsson", "Åström", "Nowak", "Ibáñez", "Lindqvist",
)  # fmt: skip
# First words are ASCII letters: a User ID is made of the first word.
COMPANY_FIRST = (
    "Acme", "Adler", "Aegis", "Alpen", "Alpha", "Altura", "Amber", "Apex", "Aquila", "Arco",
    "Argo", "Astra", "Atlas", "Aurora", "Azur", "Baltic", "Beacon", "Bergen", "Birch",
    "Blau", "Blue", "Bolt", "Bora", "Brenner", "Bright", "Cadence", "Calma", "Canopy",
    "Cedar", "Cerro", "Cima", "Citrine", "Cobalt", "Condor", "Coral", "Crest", "Delta",
    "Donau", "Drift", "Eagle", "Echo", "Edel", "Elbe", "Ember", "Falcon", "Fjord", "Flux",
    "Forte", "Garnet", "Gipfel", "Glacier", "Granite", "Harbor", "Helios", "Hydra", "Iris",
    "Isar", "Jade", "Juniper", "Kestrel", "Krone", "Lago", "Lark", "Linde", "Lumen", "Lynx",
    "Maple", "Mare", "Meridian", "Mistral", "Monte", "Nexus", "Nord", "Nordwind", "Nova",
    "Oak", "Onyx", "Orbit", "Orion", "Osprey", "Pacific", "Pino", "Polar", "Prism", "Quarz",
    "Quill", "Rhein", "Ridge", "Rio", "Sierra", "Silver", "Sol", "Solace", "Spruce",
    "Stella", "Summit", "Tannen", "Terra", "Tidal", "Titan", "Vento", "Vertex", "Vista",
    "Volta", "Willow", "Zenit", "Zephyr",
)  # fmt: skip
COMPANY_SECOND = (
    "Analytics", "Bau", "Bioscience", "Capital", "Consulting", "Data", "Design", "Digital",
    "Dynamics", "Energie", "Energy", "Engineering", "Foods", "Gruppe", "Handel", "Health",
    "Holding", "Imaging", "Industries", "Informatica", "Insurance", "Labs", "Legal",
    "Logistik", "Logistics", "Maschinenbau", "Media", "Medical", "Motors", "Networks",
    "Partners", "Pharma", "Robotics", "Security", "Servicios", "Software", "Solutions",
    "Studio", "Systems", "Technik", "Technologies", "Textil", "Trading", "Transport",
    "Travel", "Ventures", "Verlag", "Werke", "Müller", "Grün", "Señal", "Bäckerei",
)  # fmt: skip
COMPANY_FORM = (
    "GmbH", "AG", "KG", "Ltd", "PLC", "S.r.l.", "S.p.A.", "S.L.", "S.A.", "SAS", "B.V.",
    "Inc.", "LLC", "Oy", "AB",
)  # fmt: skip
# country, currency, language, postal code, city
PLACES = (
    ("DE", "EUR", "de", "10115", "Berlin"),
    ("DE", "EUR", "de", "80331", "München"),
    ("DE", "EUR", "de", "20095", "Hamburg"),
    ("AT", "EUR", "de", "1010", "Wien"),
    ("CH", "CHF", "de", "8001", "Zürich"),
    ("IT", "EUR", "it", "20121", "Milano"),
    ("IT", "EUR", "it", "00184", "Roma"),
    ("ES", "EUR", "es", "28001", "Madrid"),
    ("ES", "EUR", "es", "08001", "Barcelona"),
    ("FR", "EUR", "en", "75001", "Paris"),
    ("NL", "EUR", "en", "1012", "Amsterdam"),
    ("IE", "EUR", "en", "D02", "Dublin"),
    ("GB", "GBP", "en", "EC1A", "London"),
    ("US", "USD", "en", "10001", "New York"),
)
STREETS = ("Hauptstraße", "Via Roma", "Calle Mayor", "High Street", "Main Street", "Ringstraße")
CASE_SUBJECTS = (
    "Question about my invoice",
    "Change the billing contact",
    "Add seats to our subscription",
    "Card declined at renewal",
    "VAT ID on invoices",
    "Cancel auto renew",
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Mix:
    """How often an account gets what (every n-th account, by id or by generation order)."""

    corporate_every: int = 10
    invoiced_every: int = 10
    credited_every: int = 7  # of the invoices
    case_every: int = 100


@dataclass
class Generated:
    """What one run added; ``account_ids``: the (first, last) id of each batch."""

    accounts: int = 0
    people: int = 0
    corporate_credentials: int = 0
    invoices: int = 0
    credit_notes: int = 0
    cases: int = 0
    audit_entries: int = 0
    account_ids: list[tuple[int, int]] = field(default_factory=list)

    def add(self, other: Generated) -> None:
        self.accounts += other.accounts
        self.people += other.people
        self.corporate_credentials += other.corporate_credentials
        self.invoices += other.invoices
        self.credit_notes += other.credit_notes
        self.cases += other.cases
        self.audit_entries += other.audit_entries
        self.account_ids.extend(other.account_ids)


# --- SQL building blocks ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sql:
    sql: str
    params: list[Any]


@dataclass(frozen=True, slots=True)
class _Value:
    """A Python value for a column, converted by its model field."""

    value: Any


def _sql(text: str, *params: Any) -> _Sql:
    return _Sql(text, list(params))


def _join(*parts: _Sql) -> _Sql:
    """``parts`` joined by one space."""
    return _Sql(" || ' ' || ".join(p.sql for p in parts), [x for p in parts for x in p.params])


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[models.Model]) -> str:
    return _q(model._meta.db_table)


def _pick(words: Sequence[str], key: str, multiplier: int) -> _Sql:
    """Word ``key × multiplier mod len(words)`` of ``words`` (a cheap hash: neighbouring rows
    get unrelated words), cut out of one padded string: ``substr`` and ``rtrim`` are the same
    on both engines, and a lookup costs no join."""
    width = max(len(word) for word in words)
    packed = "".join(word.ljust(width) for word in words)
    index = f"CAST(({key} * {multiplier}) %% {len(words)} AS INTEGER)"
    return _Sql(f"rtrim(substr(%s, {index} * {width} + 1, {width}))", [packed])


def _series(first: int, last: int) -> _Sql:
    """The CTE ``g(n)``: the integers ``first`` to ``last``."""
    if connection.vendor == "postgresql":
        return _sql("g(n) AS (SELECT generate_series(%s::bigint, %s::bigint))", first, last)
    return _sql("g(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM g WHERE n < %s)", first, last)


def _first_word(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"split_part({column}, ' ', 1)"
    return f"substr({column}, 1, instr({column}, ' ') - 1)"


def _padded(column: str) -> str:
    """An integer column as text of at least six digits, as ``f"{n:06d}"``."""
    if connection.vendor == "postgresql":
        return f"lpad({column}::text, greatest(6, length({column}::text)), '0')"
    return f"printf('%%06d', {column})"


def _json_object(*pairs: tuple[str, str]) -> str:
    """A JSON object the database builds from SQL expressions (the keys are constants)."""
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    return f"{function}({', '.join(f"'{key}', {expression}" for key, expression in pairs)})"


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _column(model_field: models.Field[Any, Any]) -> str:
    column = model_field.column
    assert column is not None  # a concrete field has a column
    return _q(column)


def _default(model: type[models.Model], model_field: models.Field[Any, Any]) -> Any:
    if model_field.has_default() or model_field.null or model_field.empty_strings_allowed:
        return model_field.get_default()
    raise ImproperlyConfigured(f"{model._meta.label}.{model_field.name} has no default")


def _insert_select(model: type[models.Model], given: dict[str, _Sql | _Value]) -> _Sql:
    """``INSERT INTO table (columns) SELECT values`` of ``model``: the expressions or values
    ``given`` by attribute name, every other column its model default."""
    values: list[str] = []
    params: list[Any] = []
    remaining = dict(given)
    for model_field in _fields(model):
        expression = remaining.pop(model_field.attname, None)
        if isinstance(expression, _Sql):
            values.append(expression.sql)
            params.extend(expression.params)
        else:
            value = _default(model, model_field) if expression is None else expression.value
            values.append("%s")
            params.append(model_field.get_db_prep_save(value, connection))
    if remaining:
        raise ImproperlyConfigured(f"{model._meta.label} has no column {sorted(remaining)}")
    columns = ", ".join(_column(f) for f in _fields(model))
    return _Sql(f"INSERT INTO {_table(model)} ({columns}) SELECT {', '.join(values)}", params)


def _run(statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []


def _id_range(rows: Sequence[Sequence[Any]], what: str) -> tuple[int, int]:
    ids = sorted(int(row[0]) for row in rows)
    if ids[-1] - ids[0] + 1 != len(ids):
        raise RuntimeError(
            f"the new {what} ids are not one consecutive range: someone else inserted rows at "
            "the same time; generate into a database nobody else writes to"
        )
    return ids[0], ids[-1]


# --- Accounts, people, User IDs, cases, audit entries: set-based -----------------------------


def _insert_accounts(first_n: int, last_n: int, mix: Mix, now: datetime) -> tuple[int, int]:
    series = _series(first_n, last_n)

    def place(column: int) -> _Sql:
        return _pick([place[column] for place in PLACES], "g.n", 13)

    insert = _insert_select(
        Account,
        {
            "name": _join(
                _pick(COMPANY_FIRST, "g.n", 7919),
                _pick(COMPANY_SECOND, "g.n", 104729),
                _pick(COMPANY_FORM, "g.n", 31),
            ),
            "kind": _sql(
                f"CASE WHEN g.n %% {mix.corporate_every} = 0 THEN 'corporate' ELSE 'online' END"
            ),
            "self_service_eligible": _sql("g.n %% 17 <> 0"),
            "country": place(0),
            "currency": place(1),
            "language": place(2),
            "postal_code": place(3),
            "city": place(4),
            "address_line1": _join(_pick(STREETS, "g.n", 7), _sql("CAST(g.n %% 199 + 1 AS TEXT)")),
            "created_at": _Value(now),
        },
    )
    statement = f"WITH RECURSIVE {series.sql} {insert.sql} FROM g RETURNING id"
    return _id_range(_run(statement, [*series.params, *insert.params]), "account")


def _insert_people(first_id: int, last_id: int, now: datetime) -> int:
    insert = _insert_select(
        Person,
        {
            # Unusable, like Django's set_unusable_password(): it starts with "!".
            "password": _Value("!generated"),
            "email": _sql("'bc-' || a.id || '@acct-' || a.id || '.gen.test'"),
            "first_name": _pick(FIRST_NAMES, "a.id", 7919),
            "last_name": _pick(LAST_NAMES, "a.id", 104729),
            "language": _sql("a.language"),
            "account_id": _sql("a.id"),
            "is_account_admin": _Value(True),
            "is_billing_contact": _Value(True),
            "date_joined": _Value(now),
        },
    )
    statement = f"{insert.sql} FROM {_table(Account)} a WHERE a.id BETWEEN %s AND %s RETURNING id"
    return len(_run(statement, [*insert.params, first_id, last_id]))


def _insert_credentials(first_id: int, last_id: int, now: datetime) -> int:
    insert = _insert_select(
        CorporateCredential,
        {
            "account_id": _sql("a.id"),
            # A word, a dot and digits: within constraint corporate_user_id_form.
            "user_id": _sql(f"lower({_first_word('a.name')}) || '.' || a.id"),
            "password": _Value("!generated"),
            "created_at": _Value(now),
        },
    )
    statement = (
        f"{insert.sql} FROM {_table(Account)} a "
        "WHERE a.id BETWEEN %s AND %s AND a.kind = 'corporate' RETURNING id"
    )
    return len(_run(statement, [*insert.params, first_id, last_id]))


def _insert_cases(first_id: int, last_id: int, mix: Mix, now: datetime) -> int:
    # From the billing contacts alone: a join would let PostgreSQL, whose statistics do not
    # know yet the rows of this transaction, pick a nested loop of full scans.
    insert = _insert_select(
        Case,
        {
            "topic": _Value(Case.Topic.BILLING.value),
            "status": _Value(Case.Status.UNCONFIRMED.value),
            "account_id": _sql("p.account_id"),
            "requester_person_id": _sql("p.id"),
            "requester_name": _sql("p.first_name || ' ' || p.last_name"),
            "requester_email": _sql("p.email"),
            "requester_language": _sql("p.language"),
            "subject": _pick(CASE_SUBJECTS, "p.account_id", 7),
            "created_at": _Value(now),
        },
    )
    statement = (
        f"{insert.sql} FROM {_table(Person)} p "
        "WHERE p.account_id BETWEEN %s AND %s AND p.is_billing_contact "
        f"AND p.account_id %% {mix.case_every} = 7 RETURNING id"
    )
    rows = _run(statement, [*insert.params, first_id, last_id])
    if not rows:
        return 0
    first_case, last_case = _id_range(rows, "case")
    # Opened at once, with the number seatwise.support.cases gives: from the case's id.
    _run(
        f"UPDATE {_table(Case)} SET status = %s, opened_at = %s, "  # noqa: S608 (see the top)
        f"number = 'CS-' || {_padded('id')} WHERE id BETWEEN %s AND %s",
        [
            Case.Status.OPEN.value,
            Case._meta.get_field("opened_at").get_db_prep_save(now, connection),
            first_case,
            last_case,
        ],
    )
    return len(rows)


def _insert_audit(
    *,
    action: str,
    object_type: str,
    source: str,
    params: Sequence[Any],
    new: str,
    now: datetime,
    alias: str,
) -> int:
    """One audit entry by this generator per row of ``FROM source`` (alias ``alias``, with
    ``account_id`` and ``id`` columns, or an account itself)."""
    account_id = f"{alias}.id" if alias == "a" else f"{alias}.account_id"
    insert = _insert_select(
        AuditEntry,
        {
            "at": _Value(now),
            "actor_kind": _Value(AuditEntry.ActorKind.SYSTEM.value),
            "actor_label": _Value(ACTOR),
            "account_id": _sql(account_id),
            "action": _sql(action),
            "object_type": _Value(object_type),
            "object_id": _sql(f"CAST({alias}.id AS TEXT)"),
            "new": _sql(new),
        },
    )
    statement = f"{insert.sql} FROM {source} RETURNING id"
    return len(_run(statement, [*insert.params, *params]))


# --- Invoices: built in Python, because each one's hash chains to the one before -------------


@dataclass
class _Catalog:
    """Monthly plans with their price per currency, the VAT of each country, the seller, and
    the texts already translated."""

    plans: list[tuple[str, dict[str, Decimal]]]
    taxes: dict[str, TaxDecision]
    seller: dict[str, Any]
    texts: dict[tuple[str, ...], str] = field(default_factory=dict)

    def text(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        if key not in self.texts:
            self.texts[key] = make()
        return self.texts[key]


def _catalog(on: date) -> _Catalog:
    prices: dict[str, dict[str, Decimal]] = {}
    rows = Price.objects.filter(plan__interval="month", plan__is_active=True).values_list(
        "plan__code", "currency", "unit_amount"
    )
    for code, currency, amount in rows:
        prices.setdefault(code, {})[currency] = amount
    seller_country = str(settings.SEATWISE_SELLER["country"])
    taxes = {
        country: tax_decision(
            seller_country=seller_country, buyer_country=country, buyer_vat_id="", on=on
        )
        for country in sorted({place[0] for place in PLACES})
    }
    return _Catalog(plans=sorted(prices.items()), taxes=taxes, seller=seller_snapshot())


@dataclass
class _Chain:
    """One series' counter, locked for the batch: the next sequence and the last hash."""

    series: str
    year: int
    next_number: int
    last_hash: str

    @classmethod
    def locked(cls, series: str, year: int) -> _Chain:
        counter = series_lock(series=series, year=year)
        return cls(series, year, counter.next_number, counter.last_hash)

    def issue(self, document: Invoice, lines: list[InvoiceLine], corrects: str) -> None:
        """Number and hash ``document`` as ``seatwise.invoicing.services`` does."""
        document.series, document.year, document.sequence = self.series, self.year, self.next_number
        document.number = format_number(
            series=self.series, year=self.year, sequence=self.next_number
        )
        document.previous_hash = self.last_hash
        document.hash = document_hash(document, lines, corrects_number=corrects)
        self.next_number += 1
        self.last_hash = document.hash

    def save(self) -> None:
        DocumentSeries.objects.filter(series=self.series, year=self.year).update(
            next_number=self.next_number, last_hash=self.last_hash
        )


@dataclass(frozen=True, slots=True)
class _Buyer:
    id: int
    name: str
    country: str
    currency: str
    language: str
    address_line1: str
    postal_code: str
    city: str
    email: str
    user_id: str


def _buyers(first_id: int, last_id: int, mix: Mix) -> list[_Buyer]:
    """The batch's accounts that get invoices, with what an invoice snapshots of them.

    Three range reads rather than a join, for the reason given in ``_insert_cases``.
    """
    chosen = 3 % mix.invoiced_every
    emails = dict(
        Person.objects.filter(
            account_id__gte=first_id, account_id__lte=last_id, is_billing_contact=True
        )
        .alias(bucket=Mod("account_id", mix.invoiced_every))
        .filter(bucket=chosen)
        .values_list("account_id", "email")
    )
    user_ids = dict(
        CorporateCredential.objects.filter(account_id__gte=first_id, account_id__lte=last_id)
        .alias(bucket=Mod("account_id", mix.invoiced_every))
        .filter(bucket=chosen)
        .values_list("account_id", "user_id")
    )
    rows = (
        Account.objects.filter(pk__range=(first_id, last_id))
        .alias(bucket=Mod("id", mix.invoiced_every))
        .filter(bucket=chosen)
        .order_by("pk")
        .values_list(
            "id", "name", "country", "currency", "language", "address_line1", "postal_code", "city"
        )
    )
    return [
        _Buyer(*row, email=emails.get(row[0], ""), user_id=user_ids.get(row[0], "")) for row in rows
    ]


def _invoice(
    buyer: _Buyer, line: ProratedLine, catalog: _Catalog, on: date, now: datetime
) -> tuple[Invoice, list[InvoiceLine]]:
    """A paid renewal invoice of ``line``, unnumbered, with its line."""
    decision = catalog.taxes[buyer.country]
    computed = totals(lines=[line], tax=decision, currency=buyer.currency)
    invoice = Invoice(
        kind=Invoice.Kind.INVOICE,
        account_id=buyer.id,
        status=Invoice.Status.PAID,
        source=Invoice.Source.RENEWAL,
        issue_date=on,
        due_date=on,
        currency=buyer.currency,
        language=buyer.language,
        seller=catalog.seller,
        # The shape of seatwise.invoicing.snapshot.buyer_snapshot.
        buyer={
            "name": buyer.name,
            "address_lines": [buyer.address_line1],
            "postal_code": buyer.postal_code,
            "city": buyer.city,
            "country": buyer.country,
            "vat_id": decision.buyer_vat_id,
            "email": buyer.email,
        },
        tax_category=decision.category_code,
        tax_rate=decision.rate.quantize(Decimal("0.01")),
        tax_rate_country=decision.rate_country,
        tax_note=catalog.text(
            ("note", buyer.country, buyer.language),
            lambda: tax_note_in(tax=decision, language=buyer.language),
        ),
        net_total=computed.net,
        tax_total=computed.tax,
        gross_total=computed.gross,
        paid_amount=computed.gross,
        corporate_user_id=buyer.user_id,
        created_at=now,
    )
    lines = [
        InvoiceLine(
            position=1,
            description=catalog.text(
                ("line", line.plan_code, buyer.language),
                lambda: line_description(line=line, language=buyer.language),
            ),
            quantity=Decimal(line.quantity),
            unit_price=unit_price_of(line),
            net_amount=line.amount,
            period_start=line.period_start,
            period_end=line.period_end - timedelta(days=1),  # the document's end is inclusive
        )
    ]
    return invoice, lines


def _credit_note(invoice: Invoice, catalog: _Catalog) -> tuple[Invoice, list[InvoiceLine]]:
    """A credit note of the whole of ``invoice`` (unnumbered), which becomes ``credited``: a
    void of an invoice not paid, so nothing is settled (``settlement`` none)."""
    invoice.status = Invoice.Status.CREDITED
    invoice.paid_amount = Decimal("0.00")
    note = Invoice(
        kind=Invoice.Kind.CREDIT_NOTE,
        account_id=invoice.account_id,
        status=Invoice.Status.ISSUED,
        source=Invoice.Source.CORRECTION,
        issue_date=invoice.issue_date,
        currency=invoice.currency,
        language=invoice.language,
        seller=invoice.seller,
        buyer=invoice.buyer,
        tax_category=invoice.tax_category,
        tax_rate=invoice.tax_rate,
        tax_rate_country=invoice.tax_rate_country,
        tax_note=invoice.tax_note,
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        gross_total=invoice.gross_total,
        paid_amount=Decimal("0.00"),
        settlement=Invoice.Settlement.NONE,
        corporate_user_id=invoice.corporate_user_id,
        reason=CREDIT_REASON,
        created_at=invoice.created_at,
    )
    lines = [
        InvoiceLine(
            position=1,
            description=catalog.text(
                ("credit", invoice.language),
                lambda: credit_description(reason=CREDIT_REASON, language=invoice.language),
            ),
            quantity=Decimal(1),
            unit_price=invoice.net_total,
            net_amount=invoice.net_total,
        )
    ]
    return note, lines


def _insert_invoices(
    first_id: int, last_id: int, catalog: _Catalog, mix: Mix, on: date, now: datetime
) -> tuple[int, int, list[tuple[int, int]]]:
    """One to three invoices for every ``invoiced_every``-th account of the batch, every
    ``credited_every``-th of them credited in full. Returns the numbers of invoices and of
    credit notes, and the id ranges of the documents inserted."""
    buyers = _buyers(first_id, last_id, mix)
    if not buyers or not catalog.plans:
        return 0, 0, []
    invoice_chain = _Chain.locked(INVOICE_SERIES, on.year)
    note_chain = _Chain.locked(CREDIT_NOTE_SERIES, on.year)
    invoices: list[tuple[Invoice, list[InvoiceLine]]] = []
    notes: list[tuple[Invoice, list[InvoiceLine]]] = []
    corrected: list[Invoice] = []
    for buyer in buyers:
        offered = [(code, p[buyer.currency]) for code, p in catalog.plans if buyer.currency in p]
        for k in range(min(len(offered), 1 + buyer.id % 3)):
            code, unit = offered[(buyer.id * 31 + k) % len(offered)]
            line = term_line(
                unit_amount=unit,
                seats=1 + (buyer.id * 7 + k) % 40,
                currency=buyer.currency,
                term_start=add_months(on, -1),
                term_end=on,
                plan_code=code,
            )
            invoice, lines = _invoice(buyer, line, catalog, on, now)
            if invoice_chain.next_number % mix.credited_every == 0:
                # Credited in full: the invoice becomes "credited" (its status is not hashed).
                notes.append(_credit_note(invoice, catalog))
                corrected.append(invoice)
            invoice_chain.issue(invoice, lines, corrects="")
            invoices.append((invoice, lines))
    for (credit, credit_lines), invoice in zip(notes, corrected, strict=True):
        note_chain.issue(credit, credit_lines, corrects=invoice.number)
    ranges: list[tuple[int, int]] = []
    # The invoices first: their ids are the credit notes' ``corrects``.
    for documents, chain in ((invoices, invoice_chain), (notes, note_chain)):
        if not documents:
            continue
        if documents is notes:
            for (credit, _), invoice in zip(notes, corrected, strict=True):
                credit.corrects_id = invoice.pk
        rows_insert([document for document, _ in documents])
        # Their ids, by the numbers just taken under the series' lock.
        numbered = Invoice.objects.filter(
            series=chain.series,
            year=chain.year,
            sequence__gte=documents[0][0].sequence,
            sequence__lte=documents[-1][0].sequence,
        ).values_list("number", "pk")
        ids = dict(numbered)
        for document, lines in documents:
            document.pk = ids[document.number]
            for line_row in lines:
                line_row.invoice_id = document.pk
        ranges.append(_id_range([(pk,) for pk in ids.values()], "invoice"))
        rows_insert([row for _, lines in documents for row in lines])
    invoice_chain.save()
    note_chain.save()
    return len(invoices), len(notes), ranges


# --- The run ---------------------------------------------------------------------------------


@contextmanager
def _page_cache() -> Iterator[None]:
    """On SQLite, a page cache that holds the indexes being filled (the default 2 MB makes a
    million inserts into eight indexes twice as slow); the connection's own afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _batch(
    first_n: int, size: int, catalog: _Catalog, mix: Mix, on: date, now: datetime
) -> Generated:
    done = Generated()
    with transaction.atomic():
        first_id, last_id = _insert_accounts(first_n, first_n + size - 1, mix, now)
        done.accounts = last_id - first_id + 1
        done.account_ids.append((first_id, last_id))
        done.people = _insert_people(first_id, last_id, now)
        done.corporate_credentials = _insert_credentials(first_id, last_id, now)
        done.invoices, done.credit_notes, documents = _insert_invoices(
            first_id, last_id, catalog, mix, on, now
        )
        done.cases = _insert_cases(first_id, last_id, mix, now)
        done.audit_entries = _insert_audit(
            action="'account.create'",
            object_type="accounts.account",
            source=f"{_table(Account)} a WHERE a.id BETWEEN %s AND %s",
            params=[first_id, last_id],
            new=_json_object(("name", "a.name"), ("kind", "a.kind"), ("country", "a.country")),
            now=now,
            alias="a",
        )
        done.audit_entries += _insert_audit(
            action="'corporate_credential.create'",
            object_type="accounts.corporatecredential",
            source=f"{_table(CorporateCredential)} c WHERE c.account_id BETWEEN %s AND %s",
            params=[first_id, last_id],
            new=_json_object(("user_id", "c.user_id")),
            now=now,
            alias="c",
        )
        for first_document, last_document in documents:
            done.audit_entries += _insert_audit(
                action="CASE WHEN i.kind = 'invoice' THEN 'invoice.issue' "
                "ELSE 'credit_note.issue' END",
                object_type="invoicing.invoice",
                source=f"{_table(Invoice)} i WHERE i.id BETWEEN %s AND %s",
                params=[first_document, last_document],
                new=_json_object(("number", "i.number"), ("gross_total", "i.gross_total")),
                now=now,
                alias="i",
            )
    return done


def accounts_generate(
    *,
    count: int,
    batch: int = 50_000,
    mix: Mix | None = None,
    on: date | None = None,
    progress: Progress | None = None,
) -> Generated:
    """Add ``count`` synthetic accounts (see the module docstring), ``batch`` per transaction.

    ``on`` is the issue date of the invoices (today by default); ``progress(done, count)`` is
    called after each batch. Outside a transaction each batch commits on its own; inside one
    the caller keeps or rolls back the whole run.
    """
    if count < 1 or batch < 1:
        raise ValueError("count and batch are at least 1")
    mix = mix or Mix()
    on = on or timezone.localdate()
    now = timezone.now()
    catalog = _catalog(on)
    # Name numbers go on from the highest account id, so that a second run names differently.
    start = (Account.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    total = Generated()
    done = 0
    with _page_cache():
        while done < count:
            size = min(batch, count - done)
            total.add(_batch(start + done, size, catalog, mix, on, now))
            done += size
            if progress is not None:
                progress(done, count)
    return total

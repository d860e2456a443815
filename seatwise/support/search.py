"""The support console's search: one box that finds an account by what a caller quotes.

A query is matched, as a case-insensitive prefix (``seatwise.core.prefix``), against:

- the company name (``Account.name``);
- a person's name as "first last" or "last first" (one word is a prefix of the first or of
  the last name; several words may end in the middle of either name) and their e-mail;
- the corporate User ID of the Corporate Billing Portal;
- an invoice or credit-note number (``INV-2026-000001``) and a support case number
  (``CS-000042``): upper-case in the database, typed in any case (the prefix key folds case on
  both sides, which is the normalisation).

**Cost.** At most seven queries whatever the number of rows (one per kind, two for names),
each an index range scan in key order that stops after ``limit`` rows: no COUNT, no OFFSET,
no scan. A kind whose values cannot contain what was typed is not asked at all: e-mails and
case numbers hold no space; a User ID only the characters its check constraint allows
(``corporate_user_id_form``); an invoice number only letters, digits and hyphens
(``seatwise.invoicing.numbering``). ``tests/support/test_scale.py`` checks the counts and the
plans at a million accounts.

**Order.** Exact matches first (the whole name, e-mail or number), then by kind (accounts,
people, User IDs, invoices, cases), then alphabetically; a row found twice (a person by name
and by e-mail) is listed once. Queries under two characters (after trimming and collapsing
spaces) find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seatwise.accounts.models import Account, CorporateCredential, Person
from seatwise.core.money import format_money
from seatwise.core.prefix import prefix_filter
from seatwise.invoicing.models import Invoice
from seatwise.support.models import Case

SearchKind = Literal["account", "person", "user_id", "invoice", "case"]

MIN_QUERY = 2
# No value searched is longer than a company name (Account.name): a longer query finds nothing.
MAX_QUERY = 200
MAX_LIMIT = 100
SEPARATOR = " · "

_KIND_ORDER: Final[dict[SearchKind, int]] = {
    "account": 0,
    "person": 1,
    "user_id": 2,
    "invoice": 3,
    "case": 4,
}
_USER_ID_CHARS = re.compile(r"^[A-Za-z0-9._%+@-]+$")
_NUMBER_CHARS = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: what was found (``kind``, ``object_id``), the account it belongs to, and
    two lines to show (``title``, ``detail``, in the active language)."""

    kind: SearchKind
    account_id: int | None
    account_name: str
    title: str
    detail: str
    object_id: int


@dataclass(frozen=True, slots=True)
class _Found:
    hit: SearchHit
    exact: bool

    @property
    def order(self) -> tuple[bool, int, str, int]:
        hit = self.hit
        return (not self.exact, _KIND_ORDER[hit.kind], hit.title.casefold(), hit.object_id)


def _exact(row: Model) -> bool:
    return bool(getattr(row, "prefix_exact", False))


def _roles(person: Person) -> str:
    roles = []
    if person.is_billing_contact:
        roles.append(_("Billing contact"))
    if person.is_account_admin:
        roles.append(_("Account admin"))
    return ", ".join(roles) or _("User")


def _accounts(query: str, limit: int) -> list[_Found]:
    qs = Account.objects.only("id", "name", "kind", "country")
    return [
        _Found(
            SearchHit(
                kind="account",
                account_id=account.pk,
                account_name=account.name,
                title=account.name,
                detail=SEPARATOR.join((account.get_kind_display(), account.country)),
                object_id=account.pk,
            ),
            _exact(account),
        )
        for account in prefix_filter(qs, "name", text=query, limit=limit)
    ]


def _people_qs() -> QuerySet[Person]:
    return (
        Person.objects.filter(account__isnull=False)
        .select_related("account")
        .only(
            "id",
            "first_name",
            "last_name",
            "email",
            "is_account_admin",
            "is_billing_contact",
            "account_id",
            "account__name",
        )
    )


def _person(person: Person, *, exact: bool) -> _Found:
    account = person.account
    assert account is not None  # filtered on account__isnull=False
    return _Found(
        SearchHit(
            kind="person",
            account_id=account.pk,
            account_name=account.name,
            title=person.full_name,
            detail=SEPARATOR.join((person.email, _roles(person))),
            object_id=person.pk,
        ),
        exact,
    )


def _people(query: str, limit: int) -> list[_Found]:
    # "first last" and "last first": a one-word query is a prefix of the first name in the
    # one and of the last name in the other (the key joins the names with one space).
    found = []
    for fields in (("first_name", "last_name"), ("last_name", "first_name")):
        for person in prefix_filter(_people_qs(), *fields, text=query, limit=limit):
            found.append(_person(person, exact=_exact(person)))
    if " " not in query:
        for person in prefix_filter(_people_qs(), "email", text=query, limit=limit):
            found.append(_person(person, exact=_exact(person)))
    return found


def _user_ids(query: str, limit: int) -> list[_Found]:
    if not _USER_ID_CHARS.match(query):
        return []
    qs = CorporateCredential.objects.select_related("account").only(
        "id", "user_id", "account_id", "account__name"
    )
    return [
        _Found(
            SearchHit(
                kind="user_id",
                account_id=credential.account_id,
                account_name=credential.account.name,
                title=credential.user_id,
                detail=_("Corporate Billing Portal"),
                object_id=credential.pk,
            ),
            _exact(credential),
        )
        for credential in prefix_filter(qs, "user_id", text=query, limit=limit)
    ]


def _invoices(query: str, limit: int) -> list[_Found]:
    if not _NUMBER_CHARS.match(query):
        return []
    language = get_language() or settings.LANGUAGE_CODE
    qs = Invoice.objects.select_related("account").only(
        "id", "number", "kind", "gross_total", "currency", "account_id", "account__name"
    )
    # Numbers are upper-case; the key folds case, so "inv-2026" finds "INV-2026-000001".
    return [
        _Found(
            SearchHit(
                kind="invoice",
                account_id=invoice.account_id,
                account_name=invoice.account.name,
                title=invoice.number,
                detail=SEPARATOR.join(
                    (
                        invoice.get_kind_display(),
                        format_money(invoice.gross_total, invoice.currency, language),
                    )
                ),
                object_id=invoice.pk,
            ),
            _exact(invoice),
        )
        for invoice in prefix_filter(qs, "number", text=query, limit=limit)
    ]


def _cases(query: str, limit: int) -> list[_Found]:
    if " " in query:
        return []
    qs = Case.objects.select_related("account").only(
        "id", "number", "subject", "status", "account_id", "account__name"
    )
    return [
        _Found(
            SearchHit(
                kind="case",
                account_id=case.account_id,
                account_name=case.account.name if case.account is not None else "",
                title=case.number or "",
                detail=SEPARATOR.join((case.subject, case.get_status_display())),
                object_id=case.pk,
            ),
            _exact(case),
        )
        for case in prefix_filter(qs, "number", text=query, limit=limit)
    ]


def console_search(*, query: str, limit: int = 20) -> list[SearchHit]:
    """What ``query`` finds, best first, at most ``limit`` hits (see the module docstring)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit is 1 to {MAX_LIMIT}")
    text = " ".join(query.split())
    if not MIN_QUERY <= len(text) <= MAX_QUERY:
        return []
    found = [
        *_accounts(text, limit),
        *_people(text, limit),
        *_user_ids(text, limit),
        *_invoices(text, limit),
        *_cases(text, limit),
    ]
    found.sort(key=lambda f: f.order)
    hits: list[SearchHit] = []
    seen: set[tuple[str, int]] = set()
    for item in found:
        key = (item.hit.kind, item.hit.object_id)
        if key not in seen:
            seen.add(key)
            hits.append(item.hit)
    return hits[:limit]

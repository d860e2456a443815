"""What both audit viewers share (the Admin Center's, of the admin's own account, and the
support console's, of any account): the filter form, each entry as a row to read (who, what,
when, old → new, from which client), and the CSV export.

Who an entry names depends on who reads it (``Audience``): an account admin reads
"Customer service" for whatever vendor staff did, without the agent's name, e-mail, address
or browser; the support console reads the agent. Which entries may be read is each portal's
own check (the admin's account, an agent of the console), done before it calls this.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from babel.dates import format_datetime
from django import forms
from django.core.validators import MaxValueValidator, RegexValidator
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Person
from seatwise.accounts.selectors import people_by_id
from seatwise.audit.labels import action_choices, action_label
from seatwise.audit.models import AuditEntry
from seatwise.audit.selectors import AuditCursor, AuditQuery
from seatwise.core.languages import babel_locale
from seatwise.core.validation import ID_MAX
from seatwise.portals.shared import page_query, reader_language

# The label of a system actor acting in a Corporate Billing Portal session: ``…:<User ID>``.
CORPORATE_PORTAL_PREFIX = "corporate-portal:"
OPERATOR_PREFIX = "api:"
# A cell a spreadsheet would take for a formula starts with one of these: it is written with
# a leading apostrophe (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Audience(StrEnum):
    """Who reads the trail: an account admin (``customer``) or vendor staff (``staff``)."""

    CUSTOMER = "customer"
    STAFF = "staff"


class AuditFilterForm(forms.Form):
    """The filters of an audit trail, from the query string. ``account`` only in the support
    console's trail of every account."""

    person = forms.CharField(
        label=_("Person (e-mail address)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    action = forms.CharField(
        label=_("Action"),
        max_length=64,
        required=False,
        validators=[RegexValidator(r"^[a-z0-9_.:-]+$")],
        widget=forms.Select,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, with_account: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_account:
            # Bounded like an id, by a validator: a ``max`` of 19 digits on the page would read
            # like a card number.
            self.fields["account"] = forms.IntegerField(
                label=_("Account number"),
                min_value=1,
                required=False,
                validators=[MaxValueValidator(ID_MAX)],
            )
            self.order_fields(["account"])
        # The labelled actions in the reader's language, and a code that has no label.
        choices = [("", gettext("Every action")), *action_choices()]
        chosen = str(self.data.get("action", "")) if self.is_bound else ""
        if chosen and chosen not in dict(choices):
            choices.append((chosen, chosen))
        self.fields["action"].widget.choices = choices

    def clean_person(self) -> str:
        # E-mail addresses are stored in lower case, and never change.
        return " ".join(self.cleaned_data["person"].split()).lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data

    def audit_query(self, *, account_id: int | None) -> AuditQuery:
        """The query of a valid form, for ``account_id`` (None: the form's own ``account``,
        or every account). Dates are whole days in the current time zone, both included."""
        data = self.cleaned_data
        if account_id is None:
            account_id = data.get("account")
        return AuditQuery(
            account_id=account_id,
            actor=data.get("person") or None,
            action=data.get("action") or None,
            since=_day_start(data.get("date_from")),
            until=_day_start(data["date_to"] + timedelta(days=1)) if data.get("date_to") else None,
        )

    def query_string(self, **extra: object) -> str:
        """``?…`` of the valid form's filters (and ``extra``), for the pager and the export."""
        data = self.cleaned_data
        return page_query(
            account=data.get("account"),
            person=data.get("person"),
            action=data.get("action"),
            date_from=data["date_from"].isoformat() if data.get("date_from") else None,
            date_to=data["date_to"].isoformat() if data.get("date_to") else None,
            **extra,
        )


def _day_start(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def before_param(value: str) -> AuditCursor | None:
    """The page cursor of a query string's ``before``; a malformed one is the first page."""
    return AuditCursor.parse(value)


@dataclass(frozen=True, slots=True)
class Change:
    """One field of an entry's stored values: before (``old``) and after (``new``)."""

    field: str
    old: str | None  # None: the entry stored no value before (a creation, an event)
    new: str | None  # None: the entry stored no value after


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An entry as a reader sees it."""

    entry: AuditEntry
    who: str
    who_email: str  # the actor's e-mail address when the reader may see it, else ""
    what: str
    changes: tuple[Change, ...]
    client_ip: str
    client_agent: str

    @property
    def at(self) -> datetime:
        return self.entry.at

    @property
    def when(self) -> str:
        """The time in the reader's locale (babel, ``core.languages``) and the current time
        zone, to the second, with the zone's name."""
        local = timezone.localtime(self.entry.at)
        text = format_datetime(local, format="medium", locale=babel_locale(reader_language()))
        return f"{text} {timezone.get_current_timezone_name()}"


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return pgettext("audit value", "yes") if value else pgettext("audit value", "no")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes_of(entry: AuditEntry) -> tuple[Change, ...]:
    """The fields of an entry's ``old`` and ``new`` values, in the order stored (those only in
    ``new`` after those in ``old``)."""
    old = entry.old if isinstance(entry.old, dict) else {}
    new = entry.new if isinstance(entry.new, dict) else {}
    fields = [*old, *(name for name in new if name not in old)]
    return tuple(
        Change(
            field=name,
            old=_value(old[name]) if name in old else None,
            new=_value(new[name]) if name in new else None,
        )
        for name in fields
    )


def _who(entry: AuditEntry, person: Person | None, audience: Audience) -> tuple[str, str, bool]:
    """(name, e-mail address, whether the reader sees the client) of an entry's actor."""
    label = entry.actor_label
    if entry.actor_kind == AuditEntry.ActorKind.PERSON:
        if person is not None and person.is_staff:
            if audience is Audience.CUSTOMER:
                return gettext("Customer service"), "", False
            name = person.full_name or person.email
            return gettext("%(name)s (customer service)") % {"name": name}, person.email, True
        if person is not None:
            return person.full_name or person.email, person.email, True
        return label, label, True  # a person deleted since: the e-mail address recorded
    if entry.actor_kind == AuditEntry.ActorKind.OPERATOR:
        if audience is Audience.CUSTOMER:
            return gettext("Provisioning API"), "", False
        token = label.removeprefix(OPERATOR_PREFIX)
        return gettext("Provisioning API: %(token)s") % {"token": token}, "", True
    if label.startswith(CORPORATE_PORTAL_PREFIX):
        user_id = label.removeprefix(CORPORATE_PORTAL_PREFIX)
        return gettext("Corporate Billing Portal: %(user_id)s") % {"user_id": user_id}, "", True
    if audience is Audience.CUSTOMER:
        return pgettext("audit actor", "System"), "", True
    return gettext("System (%(label)s)") % {"label": label}, "", True


def audit_rows(entries: Iterable[AuditEntry], *, audience: Audience) -> list[AuditRow]:
    """The entries as rows for ``audience``, their actors' names read in one query."""
    entries = list(entries)
    people = people_by_id({e.actor_person_id for e in entries if e.actor_person_id is not None})
    rows = []
    for entry in entries:
        person = people.get(entry.actor_person_id) if entry.actor_person_id else None
        who, email, client_shown = _who(entry, person, audience)
        rows.append(
            AuditRow(
                entry=entry,
                who=who,
                who_email=email,
                what=action_label(entry.action),
                changes=changes_of(entry),
                client_ip=(entry.client_ip or "") if client_shown else "",
                client_agent=entry.client_agent if client_shown else "",
            )
        )
    return rows


# --- CSV ------------------------------------------------------------------------------------


def csv_cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula: one starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _changes_text(changes: tuple[Change, ...]) -> str:
    parts = []
    for change in changes:
        if change.old is None:
            parts.append(f"{change.field}: {change.new}")
        else:
            parts.append(f"{change.field}: {change.old} → {change.new or '—'}")
    return "; ".join(parts)


class _Echo:
    """A file whose ``write`` returns the line: ``csv.writer`` over a streamed response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Iterable[AuditEntry], audience: Audience, page: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte order mark: spreadsheets then read the file as UTF-8
    yield writer.writerow(
        [
            gettext("Time (UTC)"),
            gettext("Who"),
            gettext("E-mail address"),
            gettext("What"),
            gettext("Action code"),
            gettext("Object"),
            gettext("Old → new"),
            gettext("IP address"),
            gettext("User agent"),
            gettext("Account number"),
        ]
    )
    batch: list[AuditEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == page:
            yield from _csv_rows(batch, audience, writer)
            batch = []
    yield from _csv_rows(batch, audience, writer)


def _csv_rows(batch: list[AuditEntry], audience: Audience, writer: Any) -> Iterator[str]:
    for row in audit_rows(batch, audience=audience):
        entry = row.entry
        cells = [
            entry.at.astimezone(UTC).isoformat(timespec="seconds"),
            row.who,
            row.who_email,
            row.what,
            entry.action,
            f"{entry.object_type} {entry.object_id}",
            _changes_text(row.changes),
            row.client_ip,
            row.client_agent,
            "" if entry.account_id is None else str(entry.account_id),
        ]
        yield writer.writerow([csv_cell(cell) for cell in cells])


def audit_csv_response(
    *, entries: Iterable[AuditEntry], audience: Audience, filename: str
) -> StreamingHttpResponse:
    """The entries as a CSV file (UTF-8, a header row, the reader's language), streamed as
    they are read: an export of a million entries holds a thousand in memory at a time."""
    response = StreamingHttpResponse(
        _csv_lines(entries, audience, page=1000), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


def export_filename(*, account_id: int | None, today: date) -> str:
    """``audit-account-<id>-<date>.csv``, or ``audit-all-accounts-<date>.csv``."""
    scope = f"account-{account_id}" if account_id is not None else "all-accounts"
    return f"audit-{scope}-{today.isoformat()}.csv"

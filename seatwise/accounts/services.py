"""Writes of the accounts domain: accounts, people and their roles.

Every function is keyword-only, runs in one transaction and writes one audit entry per change.
Refusals raise ``seatwise.core.errors.ServiceError`` before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import (
    account_lock,
    corporate_credential_lock_by_account,
    people_lock,
)
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Account, CorporateCredential, Person
from seatwise.accounts.two_factor import two_factor_reset
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.validation import (
    clean_country,
    clean_currency,
    clean_email,
    clean_language,
    clean_text,
    clean_vat_id,
)

ACCOUNT_AUDIT_FIELDS = [
    "name",
    "kind",
    "self_service_eligible",
    "country",
    "language",
    "currency",
    "vat_id",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
]
PERSON_AUDIT_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "language",
    "account",
    "is_account_admin",
    "is_billing_contact",
    "is_active",
]
USER_ID_RE = re.compile(r"^[A-Za-z0-9._%+@-]{3,128}$")
EMAIL_UNAVAILABLE = "email_unavailable"


def email_unavailable(*, field: str = "email") -> Refused:
    """The refusal of an address that cannot join an account because it is someone else's:
    another customer's person, vendor staff, a former member of any account.

    One answer for all of them, which names none: whoever adds people to their account (Add
    Users, Bill To, the admin contact of a checkout) must not learn from it that an address is
    a customer of the vendor elsewhere. The same sentence would be right for an address that
    cannot be used for any other reason, and it sends the admin to customer service, who can
    tell more once they know who asks.
    """
    return Refused(
        EMAIL_UNAVAILABLE,
        _(
            "This e-mail address cannot be added to your account. Use another address, or "
            "contact customer service if it must be this one."
        ),
        field=field,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewPerson:
    email: str
    first_name: str
    last_name: str
    language: str = "en"
    password: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    line1: str = ""
    line2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""


def _clean_new_person(spec: NewPerson, *, prefix: str = "") -> NewPerson:
    email = clean_email(spec.email, field=f"{prefix}email", max_length=EMAIL_MAX)
    if Person.objects.filter(email__iexact=email).exists():
        raise Refused(
            "email_taken",
            _("A person with this e-mail address already exists."),
            field=f"{prefix}email",
        )
    if spec.password is not None:
        _check_password(spec.password, field=f"{prefix}password")
    return NewPerson(
        email=email,
        first_name=clean_text(spec.first_name, field=f"{prefix}first_name", max_length=NAME_MAX),
        last_name=clean_text(spec.last_name, field=f"{prefix}last_name", max_length=NAME_MAX),
        language=clean_language(spec.language, field=f"{prefix}language"),
        password=spec.password,
    )


def _check_password(password: str, *, field: str) -> None:
    try:
        validate_password(password)
    except ValidationError as error:
        raise Invalid("weak_password", " ".join(error.messages), field=field) from None


def _clean_user_id(user_id: str) -> str:
    cleaned = (user_id or "").strip()
    if not USER_ID_RE.match(cleaned):
        raise Invalid(
            "invalid_user_id",
            _("A User ID has 3 to 128 letters, digits or the characters . _ % + @ -."),
            field="corporate_user_id",
        )
    if CorporateCredential.objects.filter(user_id__iexact=cleaned).exists():
        raise Refused(
            "user_id_taken", _("This User ID is already taken."), field="corporate_user_id"
        )
    return cleaned


def account_create(
    *,
    name: str,
    kind: str,
    country: str,
    language: str,
    currency: str,
    billing_contact: NewPerson,
    by: Actor,
    vat_id: str = "",
    address: Address | None = None,
    self_service_eligible: bool = True,
    corporate_user_id: str | None = None,
    corporate_password: str | None = None,
) -> Account:
    """Create a customer account with its billing contact, who is also its first account admin.

    An account never exists without exactly one billing contact. A corporate account also gets
    its Corporate Billing Portal User ID, by default the billing contact's e-mail address.
    """
    if kind not in Account.Kind.values:
        raise Invalid("invalid_kind", _("The kind is online or corporate."), field="kind")
    country = clean_country(country)
    address = address or Address()
    account = Account(
        name=clean_text(name, field="name", max_length=200),
        kind=kind,
        self_service_eligible=bool(self_service_eligible),
        country=country,
        language=clean_language(language),
        currency=clean_currency(currency),
        vat_id=clean_vat_id(vat_id, country=country),
        address_line1=clean_text(
            address.line1, field="address_line1", max_length=200, required=False
        ),
        address_line2=clean_text(
            address.line2, field="address_line2", max_length=200, required=False
        ),
        postal_code=clean_text(
            address.postal_code, field="postal_code", max_length=20, required=False
        ),
        city=clean_text(address.city, field="city", max_length=100, required=False),
        region=clean_text(address.region, field="region", max_length=100, required=False),
    )
    contact = _clean_new_person(billing_contact, prefix="billing_contact.")
    user_id: str | None = None
    if kind == Account.Kind.CORPORATE:
        user_id = _clean_user_id(corporate_user_id or contact.email)
    elif corporate_user_id:
        raise Invalid(
            "user_id_for_online_account",
            _("Only corporate accounts have a Corporate Billing Portal User ID."),
            field="corporate_user_id",
        )
    with transaction.atomic():
        account.save()
        audit_record(
            by=by,
            action="account.create",
            obj=account,
            account_id=account.pk,
            new=snapshot(account, ACCOUNT_AUDIT_FIELDS),
        )
        person = _person_insert(
            account=account, spec=contact, is_account_admin=True, is_billing_contact=True, by=by
        )
        if user_id is not None:
            credential = CorporateCredential.objects.create(
                account=account,
                user_id=user_id,
                password=make_password(corporate_password),
                password_changed_at=timezone.now() if corporate_password else None,
            )
            audit_record(
                by=by,
                action="corporate_credential.create",
                obj=credential,
                account_id=account.pk,
                new={"user_id": user_id, "holder": person.pk},
            )
    return account


def _person_insert(
    *,
    account: Account,
    spec: NewPerson,
    is_account_admin: bool,
    is_billing_contact: bool,
    by: Actor,
) -> Person:
    person = Person(
        email=spec.email,
        first_name=spec.first_name,
        last_name=spec.last_name,
        language=spec.language,
        account=account,
        is_account_admin=is_account_admin,
        is_billing_contact=is_billing_contact,
    )
    person.set_password(spec.password)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # The e-mail was taken between the check and the insert.
        raise Refused(
            "email_taken", _("A person with this e-mail address already exists."), field="email"
        ) from None
    audit_record(
        by=by,
        action="person.add",
        obj=person,
        account_id=account.pk,
        new=snapshot(person, PERSON_AUDIT_FIELDS),
    )
    return person


def person_add(
    *,
    account: Account,
    email: str,
    first_name: str,
    last_name: str,
    by: Actor,
    language: str | None = None,
    password: str | None = None,
    is_account_admin: bool = False,
) -> Person:
    """Add a person to an account. Without a password, they cannot sign in until they set one."""
    spec = _clean_new_person(
        NewPerson(
            email=email,
            first_name=first_name,
            last_name=last_name,
            language=language or account.language,
            password=password,
        )
    )
    with transaction.atomic():
        account_lock(account.pk)
        return _person_insert(
            account=account,
            spec=spec,
            is_account_admin=is_account_admin,
            is_billing_contact=False,
            by=by,
        )


def admin_count(account_id: int) -> int:
    """How many account admins the account has (call under the account's lock to rely on it)."""
    return Person.objects.filter(account_id=account_id, is_account_admin=True).count()


def account_admin_grant(*, person: Person, by: Actor) -> Person:
    if person.account_id is None or not person.is_active:
        raise Refused("not_a_member", _("Only members of an account can be its admins."))
    with transaction.atomic():
        account_lock(person.account_id)
        person.refresh_from_db()
        if person.is_account_admin:
            return person
        person.is_account_admin = True
        person.save(update_fields=["is_account_admin"])
        audit_record(
            by=by,
            action="person.account_admin_grant",
            obj=person,
            account_id=person.account_id,
            old={"is_account_admin": False},
            new={"is_account_admin": True},
        )
    return person


def account_admin_revoke(*, person: Person, by: Actor) -> Person:
    """Revoke account admin. Never leaves an account without one: it is refused for the
    account's last admin."""
    if person.account_id is None:
        raise Refused("not_a_member", _("This person belongs to no account."))
    with transaction.atomic():
        account_lock(person.account_id)
        person.refresh_from_db()
        if not person.is_account_admin:
            return person
        if admin_count(person.account_id) <= 1:
            raise Refused("last_account_admin", _("An account keeps at least one account admin."))
        person.is_account_admin = False
        person.save(update_fields=["is_account_admin"])
        audit_record(
            by=by,
            action="person.account_admin_revoke",
            obj=person,
            account_id=person.account_id,
            old={"is_account_admin": True},
            new={"is_account_admin": False},
        )
    return person


def billing_contact_set(*, account: Account, person: Person, by: Actor) -> Person:
    """Make ``person`` the account's billing contact; the previous one loses the role.

    Both changes happen in one transaction under the account's lock, so the account has
    exactly one billing contact before and after. The partial unique index
    ``one_billing_contact_per_account`` refuses a second one at the database level too. On a
    corporate account the portal password is cleared, and its authenticator app and recovery
    codes removed: the new holder sets their own.
    """
    with transaction.atomic():
        account_lock(account.pk)
        people_lock(account.pk)
        person.refresh_from_db()
        if person.account_id != account.pk or not person.is_active:
            raise Refused(
                "not_a_member",
                _("The billing contact must be an active member of the account."),
                field="person_id",
            )
        previous = Person.objects.filter(account_id=account.pk, is_billing_contact=True).first()
        if previous is not None and previous.pk == person.pk:
            return person
        if previous is not None:
            previous.is_billing_contact = False
            previous.save(update_fields=["is_billing_contact"])
        person.is_billing_contact = True
        person.save(update_fields=["is_billing_contact"])
        audit_record(
            by=by,
            action="account.billing_contact_set",
            obj=account,
            account_id=account.pk,
            old={"billing_contact": previous.pk if previous else None},
            new={"billing_contact": person.pk},
        )
        credential = CorporateCredential.objects.filter(account_id=account.pk).first()
        if credential is not None:
            credential.password = make_password(None)
            credential.password_changed_at = None
            credential.save(update_fields=["password", "password_changed_at"])
            audit_record(
                by=by,
                action="corporate_credential.password_clear",
                obj=credential,
                account_id=account.pk,
                old={"holder": previous.pk if previous else None},
                new={"holder": person.pk},
            )
            # The previous holder's authenticator app and recovery codes go with the password.
            two_factor_reset(credential=credential, by=by)
    return person


def corporate_password_set(*, account: Account, password: str, by: Actor) -> CorporateCredential:
    """Set the Corporate Billing Portal password of a corporate account."""
    _check_password(password, field="password")
    with transaction.atomic():
        credential = corporate_credential_lock_by_account(account.pk)
        credential.password = make_password(password)
        credential.password_changed_at = timezone.now()
        credential.save(update_fields=["password", "password_changed_at"])
        audit_record(
            by=by,
            action="corporate_credential.password_set",
            obj=credential,
            account_id=account.pk,
        )
    return credential


def person_language_set(*, person: Person, language: str, by: Actor) -> Person:
    """Set the language a person sees pages and receives e-mails in."""
    language = clean_language(language)
    if person.language == language:
        return person
    with transaction.atomic():
        old = person.language
        person.language = language
        person.save(update_fields=["language"])
        audit_record(
            by=by,
            action="person.language_set",
            obj=person,
            account_id=person.account_id,
            old={"language": old},
            new={"language": language},
        )
    return person


def person_profile_update(
    *, person: Person, first_name: str, last_name: str, language: str, by: Actor
) -> Person:
    """My Account: a person changes their own name and language."""
    first = clean_text(first_name, field="first_name", max_length=NAME_MAX)
    last = clean_text(last_name, field="last_name", max_length=NAME_MAX)
    language = clean_language(language)
    old = snapshot(person, ["first_name", "last_name", "language"])
    new = {"first_name": first, "last_name": last, "language": language}
    if old == new:
        return person
    with transaction.atomic():
        person.first_name, person.last_name, person.language = first, last, language
        person.save(update_fields=["first_name", "last_name", "language"])
        audit_record(
            by=by,
            action="person.profile_update",
            obj=person,
            account_id=person.account_id,
            old=old,
            new=new,
        )
    return person


ADDRESS_FIELDS = ["address_line1", "address_line2", "postal_code", "city", "region", "country"]


def account_address_set(
    *, account: Account, address: Address, country: str | None = None, by: Actor
) -> Account:
    """The account's billing address (Bill To; the Add Seats flow's **Billing address**).

    ``country`` (ISO code) is kept when ``None``. The street, postal code and city are
    required: an invoice needs them. Invoices already issued keep the address they were
    issued with (invoicing snapshots the buyer). One audit entry when something changed.
    """
    new = {
        "address_line1": clean_text(address.line1, field="address_line1", max_length=200),
        "address_line2": clean_text(
            address.line2, field="address_line2", max_length=200, required=False
        ),
        "postal_code": clean_text(address.postal_code, field="postal_code", max_length=20),
        "city": clean_text(address.city, field="city", max_length=100),
        "region": clean_text(address.region, field="region", max_length=100, required=False),
        "country": account.country if country is None else clean_country(country),
    }
    with transaction.atomic():
        locked = account_lock(account.pk)
        old = snapshot(locked, ADDRESS_FIELDS)
        if old == new:
            return locked
        for name, value in new.items():
            setattr(locked, name, value)
        locked.save(update_fields=ADDRESS_FIELDS)
        audit_record(
            by=by,
            action="account.address_set",
            obj=locked,
            account_id=locked.pk,
            old=old,
            new=new,
        )
    for name, value in new.items():
        setattr(account, name, value)
    return locked

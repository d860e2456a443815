"""Who may use the Billing Center, and what everyone else is told (SPEC rule 2).

Articles 000, 002 and 004: signed in with the product's e-mail and password, the billing admin
of an online account lands on the account's **Subscriptions** page; anyone else sees "You seem
to have landed in the wrong place", with a link to their account profile and one of two cases:
a standard (online) account whose billing admin they are not, or an account managed in the
Corporate Billing Portal, where they may or may not be the billing admin.
"""

from __future__ import annotations

from enum import StrEnum

from seatwise.accounts.models import Account, Person


class WrongPlace(StrEnum):
    """Why someone is not let into the Billing Center."""

    # A standard (online) account: they are not its billing admin.
    ONLINE = "online"
    # A corporate account: billing is managed in the Corporate Billing Portal, whoever asks.
    CORPORATE = "corporate"
    # Vendor staff and former members: no customer account at all.
    NO_ACCOUNT = "no_account"


def billing_center_account(person: Person) -> Account | None:
    """The account whose Billing Center ``person`` may use: only the billing contact (billing
    admin) of an online account has one."""
    account = person.account
    if not person.is_active or not person.is_billing_contact or account is None:
        return None
    return account if account.kind == Account.Kind.ONLINE else None


def wrong_place_case(person: Person) -> WrongPlace:
    """The case of the "wrong place" page for someone without a Billing Center."""
    account = person.account
    if account is None or person.is_staff:
        return WrongPlace.NO_ACCOUNT
    return WrongPlace.CORPORATE if account.is_corporate else WrongPlace.ONLINE

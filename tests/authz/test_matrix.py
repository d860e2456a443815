"""Who may do what: every page and action of the Billing Center, the Admin Center, My Account
and the Corporate Billing Portal (as their urls.py files list them), GET and POST, for each kind
of visitor, with the exact answer: the status, and the exact target of a redirect.

Every answer that is not an allowed write changes nothing: the rows of people, licenses,
subscriptions and two-factor devices are compared field by field before and after, and the
audit trail and the outbox have no new entry. Every allowed write does change something.

The objects acted on (people, subscriptions) belong to account A. The billing admin of another
account, B, uses those same ids: every one of them is "not found" to them (404), and no page
shown to a person of one account mentions the other account or its people.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from seatwise.accounts.models import Person, RecoveryCode
from seatwise.accounts.services import corporate_password_set
from seatwise.audit.models import AuditEntry
from seatwise.catalog.models import Product
from seatwise.catalog.services import product_trial_set
from seatwise.invoicing.services import invoice_issue
from seatwise.notifications.models import OutgoingEmail
from seatwise.subscriptions.models import LicenseAssignment, Subscription
from seatwise.subscriptions.services import license_assign
from seatwise.subscriptions.trials import trial_start
from tests.authz.answers import (
    FORBIDDEN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    Answer,
    Case,
    fill,
    ok,
    to,
)
from tests.factories import (
    PASSWORD,
    SYSTEM,
    billing_contact,
    make_account,
    make_person,
    make_subscription,
    plan,
)
from tests.invoicing.helpers import GERMAN_VAT, five_seats
from tests.step_up import confirmed_device, otp_verified, stepped_up
from tests.worlds import module_world

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "user", "account_admin", "billing_admin", "other_billing_admin", "staff"]


# --- expected answers ----------------------------------------------------------------------------


SIGN_IN = "<sign-in>"


TO_SIGN_IN = to(SIGN_IN)


def everyone(answer: Answer) -> dict[str, Answer]:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer: Answer, **by_role: Answer) -> dict[str, Answer]:
    """Anonymous visitors are sent to the sign-in; everyone signed in gets ``answer``."""
    return {**everyone(answer), "anonymous": TO_SIGN_IN, **by_role}


def admins_only(
    *, account_admin: Answer, billing_admin: Answer, other_billing_admin: Answer
) -> dict[str, Answer]:
    """The Admin Center: sign-in for anonymous visitors, 403 for users and vendor staff."""
    return {
        "anonymous": TO_SIGN_IN,
        "user": FORBIDDEN,
        "staff": FORBIDDEN,
        "account_admin": account_admin,
        "billing_admin": billing_admin,
        "other_billing_admin": other_billing_admin,
    }


WRONG_PLACE = to("/billing/wrong-place/")
SUBSCRIPTIONS = to("/billing/subscriptions/")
ADD_LICENSES = to("/admin-center/add-licenses/")
NEW_USER = re.compile(r"^/admin-center/users/\d+/$")
NEW_PASSWORD = "a-brand-new-password-2026"

CASES: list[Case] = [
    # --- Billing Center: the billing admin of an online account only ---
    Case(
        "billing home",
        "GET",
        "/billing/",
        signed_in(WRONG_PLACE, billing_admin=SUBSCRIPTIONS, other_billing_admin=SUBSCRIPTIONS),
    ),
    Case("billing home POST", "POST", "/billing/", signed_in(NOT_ALLOWED)),
    Case(
        "subscriptions",
        "GET",
        "/billing/subscriptions/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("subscriptions POST", "POST", "/billing/subscriptions/", signed_in(NOT_ALLOWED)),
    Case(
        "wrong place",
        "GET",
        "/billing/wrong-place/",
        signed_in(OK, billing_admin=SUBSCRIPTIONS, other_billing_admin=SUBSCRIPTIONS),
    ),
    Case("wrong place POST", "POST", "/billing/wrong-place/", signed_in(NOT_ALLOWED)),
    # Billing Center self-service: the billing admin of an online account only.
    Case(
        "invoice history",
        "GET",
        "/billing/invoices/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("invoice history POST", "POST", "/billing/invoices/", signed_in(NOT_ALLOWED)),
    Case(
        # An id that is no invoice is "not found" (own and other accounts' invoices:
        # tests/billing_center/test_self_service.py).
        "invoice PDF of an id that is no invoice",
        "GET",
        "/billing/invoices/{no_invoice}/pdf/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
    ),
    Case("invoice PDF POST", "POST", "/billing/invoices/{no_invoice}/pdf/", signed_in(NOT_ALLOWED)),
    Case(
        # As the PDF (own and other accounts' documents: tests/portals/test_invoice_documents.py).
        "invoice UBL of an id that is no invoice",
        "GET",
        "/billing/invoices/{no_invoice}/ubl/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
    ),
    Case("invoice UBL POST", "POST", "/billing/invoices/{no_invoice}/ubl/", signed_in(NOT_ALLOWED)),
    Case(
        # As the PDF: an id that is no invoice of the account is "not found" (own and other
        # accounts' invoices: tests/billing_center/test_pay_now.py).
        "Pay Now of an id that is no invoice",
        "GET",
        "/billing/invoices/{no_invoice}/pay/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
    ),
    Case(
        # B's overdue invoice, which B's cancel page links to.
        "Pay Now of another account's overdue invoice",
        "GET",
        "/billing/invoices/{inv_b}/pay/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=OK),
    ),
    Case(
        # B has no card on file: nothing is charged, the history says so.
        "Pay Now POST of another account's overdue invoice",
        "POST",
        "/billing/invoices/{inv_b}/pay/",
        signed_in(
            WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=to("/billing/invoices/")
        ),
        {"form_key": "matrix-form-key-0002"},
    ),
    Case(
        "Pay Now POST of an id that is no invoice",
        "POST",
        "/billing/invoices/{no_invoice}/pay/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
        {"form_key": "matrix-form-key-0001"},
    ),
    Case(
        "payment method",
        "GET",
        "/billing/payment-method/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "payment method POST (Update Payment Method)",
        "POST",
        "/billing/payment-method/",
        # The billing admin of B puts the card on B: their own account.
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/payment-method/", writes=True),
            other_billing_admin=to("/billing/payment-method/", writes=True),
        ),
        {
            "card_number": "4242 4242 4242 4242",
            "exp_month": "12",
            "exp_year": str(date.today().year + 2),
            "cvc": "123",
            "holder_name": "Card Holder",
        },
    ),
    Case(
        "payment method POST, Luhn-invalid card",
        "POST",
        "/billing/payment-method/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
        {
            "card_number": "4242 4242 4242 4241",
            "exp_month": "12",
            "exp_year": str(date.today().year + 2),
            "cvc": "123",
            "holder_name": "Card Holder",
        },
    ),
    Case(
        "cancel subscription",
        "GET",
        "/billing/subscriptions/{sub_a}/cancel/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "cancel subscription POST (Yes, Cancel)",
        "POST",
        "/billing/subscriptions/{sub_a}/cancel/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    # Account B has an invoice unpaid past its due date: its billing admin is shown it with
    # Pay Now instead of the confirmation, and Yes, Cancel is refused (nothing written).
    Case(
        "cancel a subscription of another account (with an overdue invoice)",
        "GET",
        "/billing/subscriptions/{sub_b}/cancel/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=OK),
    ),
    Case(
        "cancel a subscription of another account (with an overdue invoice) POST",
        "POST",
        "/billing/subscriptions/{sub_b}/cancel/",
        signed_in(
            WRONG_PLACE,
            billing_admin=NOT_FOUND,
            other_billing_admin=to("/billing/subscriptions/{sub_b}/cancel/"),
        ),
    ),
    Case(
        "reactivate subscription",
        "GET",
        "/billing/subscriptions/{sub_a}/reactivate/",
        signed_in(NOT_ALLOWED),
    ),
    Case(
        # Active already: nothing to take back, nothing written.
        "reactivate an active subscription POST",
        "POST",
        "/billing/subscriptions/{sub_a}/reactivate/",
        signed_in(WRONG_PLACE, billing_admin=SUBSCRIPTIONS, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "change plan",
        "GET",
        "/billing/subscriptions/{sub_a}/plan/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        # No reviewed choice, no key: back to the review, nothing written.
        "change plan POST without a review",
        "POST",
        "/billing/subscriptions/{sub_a}/plan/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/{sub_a}/plan/"),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    Case(
        "change seats",
        "GET",
        "/billing/subscriptions/{sub_a}/seats/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "change seats POST (Confirm: fewer seats from the renewal)",
        "POST",
        "/billing/subscriptions/{sub_a}/seats/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
        {"kind": "renewal", "choice": "2", "form_key": "matrix-form-key-0001"},
    ),
    Case(
        "change seats of another account POST",
        "POST",
        "/billing/subscriptions/{sub_b}/seats/",
        signed_in(
            WRONG_PLACE,
            billing_admin=NOT_FOUND,
            other_billing_admin=to("/billing/subscriptions/", writes=True),
        ),
        {"kind": "renewal", "choice": "2", "form_key": "matrix-form-key-0001"},
    ),
    # Add a New Subscription (Buy or Try) and Subscribe Now of a trial.
    Case(
        "add a new subscription",
        "GET",
        "/billing/subscriptions/new/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "add a new subscription: a product, Buy",
        "GET",
        "/billing/subscriptions/new/?product={meeting}&mode=buy",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        # No reviewed choice, no key: back to the form, nothing written.
        "add a new subscription POST without a review",
        "POST",
        "/billing/subscriptions/new/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/new/"),
            other_billing_admin=to("/billing/subscriptions/new/"),
        ),
    ),
    Case(
        # Each billing admin starts a trial of GoTo Meeting for their own account.
        "add a new subscription POST (Start Trial)",
        "POST",
        "/billing/subscriptions/new/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/", writes=True),
            other_billing_admin=to("/billing/subscriptions/", writes=True),
        ),
        {"mode": "try", "plan": "{meeting_plan}", "seats": "1", "form_key": "matrix-form-key-0001"},
    ),
    Case(
        "subscribe now (a trial)",
        "GET",
        "/billing/subscriptions/{trial_a}/subscribe/",
        signed_in(WRONG_PLACE, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "subscribe now of a subscription that is no trial",
        "GET",
        "/billing/subscriptions/{sub_a}/subscribe/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
    ),
    Case(
        # No reviewed choice, no key: back to the review, nothing written.
        "subscribe now POST without a review",
        "POST",
        "/billing/subscriptions/{trial_a}/subscribe/",
        signed_in(
            WRONG_PLACE,
            billing_admin=to("/billing/subscriptions/{trial_a}/subscribe/"),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    Case(
        "subscribe now POST of a subscription that is no trial",
        "POST",
        "/billing/subscriptions/{sub_b}/subscribe/",
        signed_in(WRONG_PLACE, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND),
        {
            "mode": "convert",
            "plan": "{meeting_plan}",
            "seats": "1",
            "form_key": "matrix-form-key-0001",
        },
    ),
    # --- Admin Center ---
    Case(
        "admin home",
        "GET",
        "/admin-center/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("admin home POST", "POST", "/admin-center/", everyone(NOT_ALLOWED)),
    Case(
        "users",
        "GET",
        "/admin-center/users/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("users POST", "POST", "/admin-center/users/", everyone(NOT_ALLOWED)),
    Case(
        "add user",
        "GET",
        "/admin-center/users/add/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "add user POST",
        "POST",
        "/admin-center/users/add/",
        # The billing admin of B invites into B: their own account.
        admins_only(
            account_admin=to(NEW_USER, writes=True),
            billing_admin=to(NEW_USER, writes=True),
            other_billing_admin=to(NEW_USER, writes=True),
        ),
        {
            "first_name": "Nora",
            "last_name": "New",
            "email": "nora.new@example.com",
            "language": "en",
            "do_not_notify": "on",
        },
    ),
    Case(
        "add user POST, invalid",
        "POST",
        "/admin-center/users/add/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
        {"first_name": "", "last_name": "", "email": "not-an-address", "language": "en"},
    ),
    Case(
        "user details",
        "GET",
        "/admin-center/users/{user}/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "user details POST (products)",
        "POST",
        "/admin-center/users/{user}/",
        admins_only(
            account_admin=to("/admin-center/users/{user}/", writes=True),
            billing_admin=to("/admin-center/users/{user}/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
        {"do_not_notify": "on"},  # no product ticked: the user's seat is taken back
    ),
    Case(
        "user details of a user of another account",
        "GET",
        "/admin-center/users/{other_user}/",
        admins_only(account_admin=NOT_FOUND, billing_admin=NOT_FOUND, other_billing_admin=OK),
    ),
    Case(
        "user details of a vendor staff member",
        "GET",
        "/admin-center/users/{staff}/",
        admins_only(
            account_admin=NOT_FOUND, billing_admin=NOT_FOUND, other_billing_admin=NOT_FOUND
        ),
    ),
    Case(
        "remove user",
        "GET",
        "/admin-center/users/{user}/remove/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=NOT_FOUND),
    ),
    Case(
        "remove user POST",
        "POST",
        "/admin-center/users/{user}/remove/",
        admins_only(
            account_admin=to("/admin-center/users/", writes=True),
            billing_admin=to("/admin-center/users/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    Case(
        "remove a user of another account POST",
        "POST",
        "/admin-center/users/{other_user}/remove/",
        admins_only(
            account_admin=NOT_FOUND,
            billing_admin=NOT_FOUND,
            other_billing_admin=to("/admin-center/users/", writes=True),
        ),
    ),
    Case("grant admin", "GET", "/admin-center/users/{user}/admin/grant/", everyone(NOT_ALLOWED)),
    Case(
        "grant admin POST",
        "POST",
        "/admin-center/users/{user}/admin/grant/",
        admins_only(
            account_admin=to("/admin-center/users/{user}/", writes=True),
            billing_admin=to("/admin-center/users/{user}/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    Case(
        "revoke admin", "GET", "/admin-center/users/{admin2}/admin/revoke/", everyone(NOT_ALLOWED)
    ),
    Case(
        "revoke admin POST",
        "POST",
        "/admin-center/users/{admin2}/admin/revoke/",
        admins_only(
            account_admin=to("/admin-center/users/{admin2}/", writes=True),
            billing_admin=to("/admin-center/users/{admin2}/", writes=True),
            other_billing_admin=NOT_FOUND,
        ),
    ),
    Case(
        "licenses",
        "GET",
        "/admin-center/licenses/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "licenses of a product of account A",
        "GET",
        "/admin-center/licenses/?product={sub_a}",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "licenses POST, A's product to A's user",
        "POST",
        "/admin-center/licenses/",
        admins_only(
            account_admin=to("/admin-center/licenses/?product={sub_a}", writes=True),
            billing_admin=to("/admin-center/licenses/?product={sub_a}", writes=True),
            # A's subscription is no choice of B's form: refused next to the field.
            other_billing_admin=OK,
        ),
        {
            "subscription": "{sub_a}",
            "people": ["{user2}"],
            "action": "assign",
            "do_not_notify": "on",
        },
    ),
    Case(
        "licenses POST, B's product to A's user",
        "POST",
        "/admin-center/licenses/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=NOT_FOUND),
        {
            "subscription": "{sub_b}",
            "people": ["{user2}"],
            "action": "assign",
            "do_not_notify": "on",
        },
    ),
    Case(
        "admins",
        "GET",
        "/admin-center/admins/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case(
        "admins POST (grant by e-mail)",
        "POST",
        "/admin-center/admins/",
        admins_only(
            account_admin=to("/admin-center/admins/", writes=True),
            billing_admin=to("/admin-center/admins/", writes=True),
            # "No user of your account has this e-mail address."
            other_billing_admin=OK,
        ),
        {"email": "{user_email}"},
    ),
    Case(
        "account",
        "GET",
        "/admin-center/account/",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("account POST", "POST", "/admin-center/account/", everyone(NOT_ALLOWED)),
    # The audit trail of the admin's own account (another account's entries: never; see
    # tests/admin_center/test_audit.py).
    Case(
        "audit trail",
        "GET",
        "/admin-center/audit/?action=person.add",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("audit trail POST", "POST", "/admin-center/audit/", everyone(NOT_ALLOWED)),
    Case(
        "audit trail CSV",
        "GET",
        "/admin-center/audit/export.csv",
        admins_only(account_admin=OK, billing_admin=OK, other_billing_admin=OK),
    ),
    Case("audit trail CSV POST", "POST", "/admin-center/audit/export.csv", everyone(NOT_ALLOWED)),
    Case(
        "add licenses",
        "GET",
        "/admin-center/add-licenses/",
        admins_only(
            account_admin=OK, billing_admin=SUBSCRIPTIONS, other_billing_admin=SUBSCRIPTIONS
        ),
    ),
    Case("add licenses POST", "POST", "/admin-center/add-licenses/", everyone(NOT_ALLOWED)),
    Case(
        "email the billing admin",
        "GET",
        "/admin-center/add-licenses/email/",
        admins_only(account_admin=OK, billing_admin=ADD_LICENSES, other_billing_admin=ADD_LICENSES),
    ),
    Case(
        "email the billing admin POST",
        "POST",
        "/admin-center/add-licenses/email/",
        admins_only(
            account_admin=to("/admin-center/add-licenses/email/sent/", writes=True),
            billing_admin=ADD_LICENSES,
            other_billing_admin=ADD_LICENSES,
        ),
        {"note": "Three more seats, please."},
    ),
    Case(
        "email sent",
        "GET",
        "/admin-center/add-licenses/email/sent/",
        # Nothing was sent yet: back to the form (the billing admin: on to Add licenses).
        admins_only(
            account_admin=to("/admin-center/add-licenses/email/"),
            billing_admin=to("/admin-center/add-licenses/email/"),
            other_billing_admin=to("/admin-center/add-licenses/email/"),
        ),
    ),
    Case(
        "email sent POST", "POST", "/admin-center/add-licenses/email/sent/", everyone(NOT_ALLOWED)
    ),
    # --- My Account: everyone's own profile ---
    Case("my account", "GET", "/my-account/", signed_in(OK)),
    Case(
        "my account POST (profile)",
        "POST",
        "/my-account/",
        signed_in(to("/my-account/", writes=True)),
        {"first_name": "Renamed", "last_name": "Person", "language": "it"},
    ),
    Case(
        "my account POST, invalid",
        "POST",
        "/my-account/",
        signed_in(OK),
        {"first_name": "", "last_name": "", "language": "xx"},
    ),
    Case("password", "GET", "/my-account/password/", signed_in(OK)),
    Case(
        "password POST",
        "POST",
        "/my-account/password/",
        signed_in(to("/my-account/", writes=True)),
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Case(
        "password POST, wrong current password",
        "POST",
        "/my-account/password/",
        signed_in(OK),
        {
            "current_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Case("two-factor", "GET", "/my-account/two-factor/", signed_in(OK, user=FORBIDDEN)),
    Case(
        "two-factor POST (confirm without a set-up)",
        "POST",
        "/my-account/two-factor/",
        signed_in(OK, user=FORBIDDEN),
        {"code": "123456"},
    ),
    Case("two-factor start", "GET", "/my-account/two-factor/start/", signed_in(NOT_ALLOWED)),
    Case(
        "two-factor start POST",
        "POST",
        "/my-account/two-factor/start/",
        # A plain user is told that two-factor sign-in is for admins; nothing is made. Vendor
        # staff have it on already: nothing is made either.
        signed_in(
            to("/my-account/two-factor/", writes=True),
            user=to("/my-account/two-factor/"),
            staff=to("/my-account/two-factor/"),
        ),
    ),
    # Recovery codes: only for whoever has two-factor sign-in on (here: vendor staff).
    Case(
        "recovery codes",
        "GET",
        "/my-account/two-factor/recovery-codes/",
        signed_in(to("/my-account/two-factor/"), staff=OK),
    ),
    Case(
        "recovery codes POST (make new ones)",
        "POST",
        "/my-account/two-factor/recovery-codes/",
        signed_in(to("/my-account/two-factor/"), staff=ok(writes=True)),
    ),
    # The step-up re-authentication page of the product areas (tests/authz/test_step_up.py).
    Case("confirm it's you", "GET", "/signin/confirm/", signed_in(OK)),
    Case(
        "confirm it's you POST, wrong password",
        "POST",
        "/signin/confirm/",
        signed_in(OK),
        {"password": "not-my-password", "next": "/my-account/"},
    ),
    Case(
        "confirm it's you POST, the password",
        "POST",
        "/signin/confirm/",
        signed_in(to("/my-account/")),
        {"password": PASSWORD, "next": "/my-account/"},
    ),
    Case("sessions", "GET", "/my-account/sessions/", signed_in(OK)),
    Case("sessions POST", "POST", "/my-account/sessions/", signed_in(NOT_ALLOWED)),
    Case(
        "sign out everywhere", "GET", "/my-account/sessions/others/signout/", signed_in(NOT_ALLOWED)
    ),
    Case(
        "sign out everywhere POST",
        "POST",
        "/my-account/sessions/others/signout/",
        # Audited even when no other session was open.
        signed_in(to("/my-account/sessions/", writes=True)),
    ),
    Case(
        "sign out a session",
        "GET",
        "/my-account/sessions/{no_session}/signout/",
        signed_in(NOT_ALLOWED),
    ),
    Case(
        "sign out a session POST, not one of one's own",
        "POST",
        "/my-account/sessions/{no_session}/signout/",
        signed_in(NOT_FOUND),
    ),
    # --- Corporate Billing Portal: its own sign-in; a product sign-in opens none of it ---
    Case("portal", "GET", "/corporate/", everyone(to("/corporate/signin/?next=%2Fcorporate%2F"))),
    Case("portal POST", "POST", "/corporate/", everyone(NOT_ALLOWED)),
    Case("portal sign-in", "GET", "/corporate/signin/", everyone(OK)),
    Case(
        "portal sign-in POST, wrong password",
        "POST",
        "/corporate/signin/",
        everyone(OK),
        {"user_id": "{corporate_user_id}", "password": "not-the-password"},
    ),
    Case("portal sign-out", "GET", "/corporate/signout/", everyone(NOT_ALLOWED)),
    Case("portal sign-out POST", "POST", "/corporate/signout/", everyone(to("/corporate/signin/"))),
    Case("portal password reset", "GET", "/corporate/password/", everyone(OK)),
    Case(
        "portal password reset POST, unknown User ID",
        "POST",
        "/corporate/password/",
        everyone(OK),
        {"user_id": "nobody-by-this-id"},
    ),
    Case(
        "portal password set, bad link", "GET", "/corporate/password/set/{bad_token}/", everyone(OK)
    ),
    Case(
        "portal password set POST, bad link",
        "POST",
        "/corporate/password/set/{bad_token}/",
        everyone(OK),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    ),
]

PARAMS = [
    pytest.param(case, role, id=f"{case.method} {case.name} · {role}")
    for case in CASES
    for role in ROLES
]


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    people: dict[str, Person | None]
    ids: dict[str, object]
    # Text that only a person of that account may see: names and e-mail addresses.
    secrets: dict[str, list[str]]
    account_of: dict[str, str | None]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Made once for the module (``tests.worlds.module_world``)."""
    with module_world(django_db_blocker):
        yield _world()


def _world() -> World:
    a = make_account(language="en", name="Alpha Werkzeuge GmbH")
    billing_admin = billing_contact(a)  # the billing contact is also an account admin
    account_admin = make_person(a, admin=True, language="en")
    admin2 = make_person(a, admin=True, language="en")
    user = make_person(a, language="en")
    user2 = make_person(a, language="en")
    sub_a = make_subscription(a, seats=5, plan_code="goto-webinar-standard-yearly")
    license_assign(subscription=sub_a, person=user, by=SYSTEM)
    # Free trials of GoTo Meeting and GoTo Training; A is trying GoTo Training.
    for code in ("goto-meeting", "goto-training"):
        product_trial_set(
            product=Product.objects.get(code=code), trial_days=14, trial_seat_limit=5, by=SYSTEM
        )
    trial_a = trial_start(
        account=a, plan=plan("goto-training-standard-monthly"), seats=2, by=SYSTEM
    )

    b = make_account(language="en", name="Bravo Analytics Ltd")
    other_billing_admin = billing_contact(b)
    other_user = make_person(b, language="en")
    sub_b = make_subscription(b, seats=3, plan_code="goto-training-standard-yearly")
    license_assign(subscription=sub_b, person=other_user, by=SYSTEM)
    # Issued 30 days ago, due 14 days later: overdue.
    overdue_b = invoice_issue(
        account=b,
        lines=[five_seats()],
        tax=GERMAN_VAT,
        source="renewal",
        issue_date=timezone.localdate() - timedelta(days=30),
        by=SYSTEM,
    )

    staff = Person.objects.create_user(
        "agent@seatwise.test", PASSWORD, first_name="Ada", last_name="Agent", is_staff=True
    )
    # Vendor staff must use two-factor sign-in: theirs is set up (tests/auth/test_policy.py
    # shows what staff without it get).
    confirmed_device(staff)
    corporate = make_account(kind="corporate", language="en", name="Charlie Corporate SpA")
    corporate_password_set(account=corporate, password=PASSWORD, by=SYSTEM)

    people_a = [billing_admin, account_admin, admin2, user, user2]
    return World(
        people={
            "anonymous": None,
            "user": user,
            "account_admin": account_admin,
            "billing_admin": billing_admin,
            "other_billing_admin": other_billing_admin,
            "staff": staff,
        },
        ids={
            "user": user.pk,
            "user2": user2.pk,
            "admin2": admin2.pk,
            "other_user": other_user.pk,
            "staff": staff.pk,
            "sub_a": sub_a.pk,
            "sub_b": sub_b.pk,
            "inv_b": overdue_b.pk,
            "no_invoice": overdue_b.pk + 1_000_000,
            "trial_a": trial_a.pk,
            "meeting": plan("goto-meeting-standard-monthly").product_id,
            "meeting_plan": plan("goto-meeting-standard-monthly").pk,
            "user_email": user.email,
            "corporate_user_id": billing_contact(corporate).email,
            "bad_token": "bad-token",
            # A session id (the hash of a session key) no session has.
            "no_session": "0" * 64,
        },
        secrets={
            "A": [a.name, *(p.email for p in people_a)],
            "B": [b.name, other_billing_admin.email, other_user.email, overdue_b.number],
            "C": [corporate.name],
        },
        account_of={
            "anonymous": None,
            "user": "A",
            "account_admin": "A",
            "billing_admin": "A",
            "other_billing_admin": "B",
            "staff": None,
        },
    )


def snapshot() -> dict[str, object]:
    """Every row a refused request could have touched, field by field, and the journals."""
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "licenses": list(LicenseAssignment.objects.order_by("pk").values()),
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "two_factor_devices": list(TOTPDevice.objects.order_by("pk").values()),
        "recovery_codes": list(RecoveryCode.objects.order_by("pk").values()),
        "audit_entries": AuditEntry.objects.count(),
        "outgoing_emails": OutgoingEmail.objects.count(),
    }


def sign_in_url(path: str) -> str:
    query = QueryDict(mutable=True)
    query["next"] = path
    return f"/signin/?{query.urlencode(safe='/')}"


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "role"), PARAMS)
def test_matrix(client, world: World, case: Case, role: str) -> None:
    expected = case.answers[role]
    person = world.people[role]
    if person is not None:
        client.force_login(person)
        # Who may do what, for sessions that passed the sign-in's steps just now: the
        # two-factor code where it is required, and so a fresh step-up re-authentication (its
        # own matrix: tests/authz/test_step_up.py).
        if person.is_staff:
            otp_verified(client, confirmed_device(person))
        stepped_up(client, person.pk)
    path = fill(case.path, world.ids)
    data = {key: fill(value, world.ids) for key, value in case.data.items()}
    before = snapshot()

    response = client.get(path) if case.method == "GET" else client.post(path, data)

    page = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert response.status_code == expected.status, page[:2000]
    if expected.status == 302:
        location = response["Location"]
        if expected.location == SIGN_IN:
            assert location == sign_in_url(path)
        elif isinstance(expected.location, re.Pattern):
            assert expected.location.match(location), location
        else:
            assert location == fill(expected.location, world.ids)
    after = snapshot()
    if expected.writes:
        assert after != before, "an allowed action changed nothing"
    else:
        assert after == before, "a refused request (or a page) changed something"

    # No page shown to a person of one account mentions another account or its people (what
    # the request itself typed, shown back in its form, aside).
    own = world.account_of[role]
    typed = " ".join(str(v) for v in data.values())
    for account, secrets in world.secrets.items():
        if account == own:
            continue
        for secret in secrets:
            if secret not in typed:
                assert secret not in page, f"{secret!r} of account {account} shown to {role}"


def test_every_url_of_the_portals_is_in_the_matrix() -> None:
    """A page added to one of the portals' urls.py without a row here fails this test."""
    from django.urls import URLResolver, get_resolver

    covered = {re.sub(r"\{\w+\}", "<x>", case.path.split("?")[0]) for case in CASES}
    # The Corporate Billing Portal's pages have a matrix of their own, with its own visitors
    # (tests/authz/test_corporate_matrix.py).
    namespaces = {"billing", "admin_center", "my_account"}
    found: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in namespaces:
            prefix = str(entry.pattern)
            for pattern in entry.url_patterns:
                route = re.sub(r"<[^>]+>", "<x>", str(pattern.pattern))
                found.add(f"/{prefix}{route}")
    methods = {(re.sub(r"\{\w+\}", "<x>", c.path.split("?")[0]), c.method) for c in CASES}
    assert found <= covered, sorted(found - covered)
    # Both methods for every URL.
    for url in found:
        assert {(url, "GET"), (url, "POST")} <= methods, url


def test_the_portal_sign_in_opens_the_portal_of_its_own_account_and_nothing_else(
    client, world: World
) -> None:
    response = client.post(
        "/corporate/signin/",
        {"user_id": world.ids["corporate_user_id"], "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/corporate/"

    page = client.get("/corporate/")
    assert page.status_code == 200
    content = page.content.decode()
    assert world.secrets["C"][0] in content
    for secret in world.secrets["A"] + world.secrets["B"]:
        assert secret not in content
    # The portal's sign-in signs no person in: the product's pages still ask for a sign-in.
    for path in ("/billing/", "/admin-center/", "/my-account/"):
        assert client.get(path)["Location"] == sign_in_url(path)


def test_a_removed_person_is_signed_out_of_every_page(client, world: World) -> None:
    from seatwise.subscriptions.people import person_remove

    user = world.people["user"]
    assert user is not None
    client.force_login(user)
    assert client.get("/my-account/").status_code == 200

    person_remove(person=user, by=SYSTEM)

    for path in ("/my-account/", "/billing/", "/admin-center/"):
        assert client.get(path)["Location"] == sign_in_url(path)

"""The Admin Center (``/admin-center/``): users, their licenses and the account's admins.

For account admins only (SPEC roles; research §1.2.3); see ``access.py``. Each view parses a
form, calls one service and renders, or redirects after a POST with a message. Objects are
always looked up inside the admin's own account: another account's ids are "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seatwise.accounts.contact_requests import billing_admin_contact, billing_admin_contact_last
from seatwise.accounts.invitations import person_invite
from seatwise.accounts.models import Person
from seatwise.accounts.selectors import billing_contact_of
from seatwise.accounts.services import account_admin_grant, account_admin_revoke, person_remove
from seatwise.core.errors import ServiceError
from seatwise.portals.admin_center.access import Admin, account_admin_required
from seatwise.portals.admin_center.forms import (
    AddUserForm,
    AdminGrantForm,
    BillingAdminContactForm,
    BulkLicensesForm,
    ProductsForm,
)
from seatwise.portals.admin_center.selectors import (
    SEARCH_MAX_LENGTH,
    admins_page,
    live_licenses,
    member_by_email,
    member_get,
    members_get,
    people_page,
    subscription_in_account,
    user_counts,
    was_removed_from,
)
from seatwise.portals.forms import add_service_error
from seatwise.subscriptions.licensing import (
    BulkResult,
    license_products_set,
    licenses_bulk_set,
    live_subscriptions,
)

# --- helpers ------------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    admin: Admin,
    section: str,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        template,
        {"section": section, "account": admin.account, "me": admin.person, **context},
        status=status,
    )


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (all boxes unticked), else None."""
    return request.POST if request.method == "POST" else None


def _q(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "")[:SEARCH_MAX_LENGTH].split())


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < len(value) < 19 else None


def _query(**params: object) -> str:
    """A query string of the non-empty parameters, or ""."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def _member_or_404(admin: Admin, person_id: int) -> Person:
    person = member_get(account_id=admin.account.pk, person_id=person_id)
    if person is None:
        raise Http404
    return person


def _name(person: Person) -> str:
    return person.full_name or person.email


# --- overview -----------------------------------------------------------------------------------


@require_GET
@account_admin_required
def home(request: HttpRequest, admin: Admin) -> HttpResponse:
    return _page(
        request,
        admin,
        "home",
        "admin_center/home.html",
        {
            "counts": user_counts(admin.account.pk),
            "subscriptions": live_subscriptions(admin.account.pk),
        },
    )


# --- users --------------------------------------------------------------------------------------


@require_GET
@account_admin_required
def users(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Manage Users: keyset pages of the account's people, searchable by name and e-mail."""
    q = _q(request)
    after = _int_param(request, "after")
    people, next_after = people_page(account_id=admin.account.pk, q=q, after=after)
    return _page(
        request,
        admin,
        "users",
        "admin_center/users.html",
        {
            "people": people,
            "q": q,
            "next_query": _query(q=q, after=next_after) if next_after else None,
            "first_query": (_query(q=q) or "?") if after else None,
        },
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def user_add(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Add Users: name, e-mail, language and products; the new user is invited by e-mail."""
    form = AddUserForm(
        _posted(request),
        subscriptions=live_subscriptions(admin.account.pk),
        initial={"language": admin.account.language},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = person_invite(
                account=admin.account,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                product_subscriptions=form.chosen_subscriptions(),
                notify=not data["do_not_notify"],
                by=admin.actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was added. An invitation to set a password was e-mailed to %(email)s.")
                % {"name": _name(person), "email": person.email},
            )
            return redirect("admin_center:user", person_id=person.pk)
    return _page(request, admin, "user_add", "admin_center/user_add.html", {"form": form})


@require_http_methods(["GET", "POST"])
@account_admin_required
def user(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    """User Details with the Products pane: the ticked products replace the user's."""
    person = _member_or_404(admin, person_id)
    held = [str(a.subscription_id) for a in live_licenses(person)]
    form = ProductsForm(
        _posted(request),
        subscriptions=live_subscriptions(admin.account.pk),
        initial={"products": held},
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = license_products_set(
                person=person,
                subscriptions=form.chosen_subscriptions(),
                notify=not form.cleaned_data["do_not_notify"],
                by=admin.actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if change.changed:
                messages.success(
                    request, _("The products of %(name)s are saved.") % {"name": _name(person)}
                )
            else:
                messages.info(
                    request,
                    _("Nothing changed: %(name)s already holds exactly these products.")
                    % {"name": _name(person)},
                )
            return redirect("admin_center:user", person_id=person.pk)
    return _page(
        request,
        admin,
        "users",
        "admin_center/user.html",
        {"person": person, "form": form, "licenses": live_licenses(person)},
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def user_remove(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    """Remove a user (after a confirmation page): their seats are freed, they cannot sign in."""
    person = member_get(account_id=admin.account.pk, person_id=person_id)
    if person is None:
        removed = was_removed_from(account_id=admin.account.pk, person_id=person_id)
        if removed is None:
            raise Http404
        messages.info(
            request, _("%(name)s was already removed from the account.") % {"name": _name(removed)}
        )
        return redirect("admin_center:users")
    if request.method == "POST":
        try:
            person_remove(person=person, by=admin.actor)
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect("admin_center:user", person_id=person.pk)
        messages.success(
            request,
            _("%(name)s was removed from the account. Their seats are free again.")
            % {"name": _name(person)},
        )
        return redirect("admin_center:users")
    return _page(
        request,
        admin,
        "users",
        "admin_center/user_remove.html",
        {"person": person, "licenses": live_licenses(person)},
    )


# --- admins -------------------------------------------------------------------------------------


def _after_role_change(request: HttpRequest, admin: Admin, person: Person) -> HttpResponse:
    if request.POST.get("next") == "admins":
        return redirect("admin_center:admins")
    return redirect("admin_center:user", person_id=person.pk)


@require_http_methods(["GET", "POST"])
@account_admin_required
def admins(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Admins: the account admins, with revoke buttons, and a form to make a user an admin."""
    form = AdminGrantForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        person = member_by_email(account_id=admin.account.pk, email=form.cleaned_data["email"])
        if person is None:
            form.add_error("email", _("No user of your account has this e-mail address."))
        else:
            was_admin = person.is_account_admin
            try:
                account_admin_grant(person=person, by=admin.actor)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                _granted_message(request, person, was_admin=was_admin)
                return redirect("admin_center:admins")
    after = _int_param(request, "after")
    people, next_after = admins_page(account_id=admin.account.pk, after=after)
    return _page(
        request,
        admin,
        "admins",
        "admin_center/admins.html",
        {
            "form": form,
            "admins": people,
            "next_query": _query(after=next_after) if next_after else None,
            "first_query": "?" if after else None,
        },
    )


def _granted_message(request: HttpRequest, person: Person, *, was_admin: bool) -> None:
    if was_admin:
        messages.info(request, _("%(name)s is already an account admin.") % {"name": _name(person)})
    else:
        messages.success(request, _("%(name)s is now an account admin.") % {"name": _name(person)})


@require_POST
@account_admin_required
def admin_grant(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    person = _member_or_404(admin, person_id)
    was_admin = person.is_account_admin
    try:
        account_admin_grant(person=person, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        _granted_message(request, person, was_admin=was_admin)
    return _after_role_change(request, admin, person)


@require_POST
@account_admin_required
def admin_revoke(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    """Revoke account admin; the service refuses to leave the account without one."""
    person = _member_or_404(admin, person_id)
    was_admin = person.is_account_admin
    try:
        account_admin_revoke(person=person, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return _after_role_change(request, admin, person)
    if not was_admin:
        messages.info(request, _("%(name)s is not an account admin.") % {"name": _name(person)})
    elif person.pk == admin.person.pk:
        # They have just left the Admin Center: its pages would now answer 403.
        messages.success(request, _("You are no longer an account admin."))
        return redirect("my_account:home")
    else:
        messages.success(
            request, _("%(name)s is no longer an account admin.") % {"name": _name(person)}
        )
    return _after_role_change(request, admin, person)


# --- licenses -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@account_admin_required
def licenses(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Licenses: seats per product, and one product assigned to or taken from several users."""
    subscriptions = live_subscriptions(admin.account.pk)
    q = _q(request)
    after = _int_param(request, "after")
    product = _int_param(request, "product")
    chosen = (
        subscription_in_account(account_id=admin.account.pk, subscription_id=product)
        if product is not None
        else None
    )
    form = BulkLicensesForm(
        _posted(request),
        subscriptions=subscriptions,
        initial={"subscription": str(chosen.pk) if chosen else None},
    )
    if request.method == "POST" and form.is_valid():
        people = members_get(account_id=admin.account.pk, person_ids=form.cleaned_data["people"])
        if people is None:
            raise Http404
        subscription = form.chosen_subscription()
        assign = form.cleaned_data["action"] == "assign"
        try:
            result = licenses_bulk_set(
                subscription=subscription,
                people=people,
                assign=assign,
                notify=not form.cleaned_data["do_not_notify"],
                by=admin.actor,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _bulk_message(result.subscription.product.name, result))
            return redirect(
                reverse("admin_center:licenses") + _query(q=q, after=after, product=subscription.pk)
            )
    people_rows, next_after = people_page(account_id=admin.account.pk, q=q, after=after)
    return _page(
        request,
        admin,
        "licenses",
        "admin_center/licenses.html",
        {
            "subscriptions": subscriptions,
            "form": form,
            "people": people_rows,
            "selected": _selected_ids(request),
            "q": q,
            "product": chosen.pk if chosen else "",
            "next_query": _query(q=q, after=next_after, product=product) if next_after else None,
            "first_query": (_query(q=q, product=product) or "?") if after else None,
        },
    )


def _selected_ids(request: HttpRequest) -> set[int]:
    """The users ticked in a refused bulk form, ticked again when it is shown back."""
    return {int(v) for v in request.POST.getlist("people") if v.isdigit() and len(v) < 19}


def _bulk_message(product: str, result: BulkResult) -> str:
    changed, unchanged = len(result.changed), result.unchanged
    if not changed:
        if result.assign:
            return _("Nothing changed: the selected users already held a seat of %(product)s.") % {
                "product": product
            }
        return _("Nothing changed: the selected users held no seat of %(product)s.") % {
            "product": product
        }
    if result.assign:
        text = ngettext(
            "%(count)d user now holds a seat of %(product)s.",
            "%(count)d users now hold a seat of %(product)s.",
            changed,
        ) % {"count": changed, "product": product}
        if unchanged:
            text += " " + ngettext(
                "%(count)d of the selected users already held one.",
                "%(count)d of the selected users already held one.",
                unchanged,
            ) % {"count": unchanged}
        return text
    text = ngettext(
        "%(count)d user no longer holds a seat of %(product)s.",
        "%(count)d users no longer hold a seat of %(product)s.",
        changed,
    ) % {"count": changed, "product": product}
    if unchanged:
        text += " " + ngettext(
            "%(count)d of the selected users held none.",
            "%(count)d of the selected users held none.",
            unchanged,
        ) % {"count": unchanged}
    return text


# --- account ------------------------------------------------------------------------------------


@require_GET
@account_admin_required
def account(request: HttpRequest, admin: Admin) -> HttpResponse:
    """The account: its name, its kind and its billing contact (rule 1: admins may see it)."""
    return _page(
        request,
        admin,
        "account",
        "admin_center/account.html",
        {"billing_admin": billing_contact_of(admin.account)},
    )


# --- Add licenses (articles 000, 002, 004; SPEC rule 4) ----------------------------------------


@dataclass(frozen=True, slots=True)
class ProductTile:
    """A product's "logo" on the corporate Add licenses page: its initials and name."""

    name: str
    initials: str


_VERSION = re.compile(r"^v(\d+)$", re.IGNORECASE)


def product_initials(name: str) -> str:
    """At most three characters that tell the products apart: "GoTo Meeting" → "GM",
    "GoToAssist v4" → "G4", "GoToAssist Remote Support v5" → "GR5"."""
    letters, version = "", ""
    for word in name.split():
        match = _VERSION.match(word)
        if match:
            version = match.group(1)[:2]
        elif word[0].isalnum():
            letters += word[0].upper()
    return (letters[: 3 - len(version)] + version) or "?"


@require_GET
@account_admin_required
def add_licenses(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Left navigation › Add licenses: the three outcomes of the articles.

    - corporate account (billing admin or not): pick a product to sign in to the Corporate
      Billing Portal, or use its direct link;
    - billing admin of an online account: the Billing Center's Subscriptions page;
    - anyone else: ask the billing admin, shown by name and e-mail, with **Email the billing
      admin**.
    """
    if admin.account.is_corporate:
        products = {s.product.name for s in live_subscriptions(admin.account.pk)}
        tiles = [ProductTile(name, product_initials(name)) for name in sorted(products)]
        return _page(
            request,
            admin,
            "add_licenses",
            "admin_center/add_licenses_corporate.html",
            {"tiles": tiles, "signin_url": reverse("corporate:signin")},
        )
    if admin.person.is_billing_contact:
        return redirect("billing:subscriptions")
    return _page(
        request,
        admin,
        "add_licenses",
        "admin_center/add_licenses_contact.html",
        {"billing_admin": billing_contact_of(admin.account)},
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def billing_admin_email(request: HttpRequest, admin: Admin) -> HttpResponse:
    """**Email the billing admin**: an optional note, sent in the billing admin's language."""
    if admin.person.is_billing_contact:
        return redirect("admin_center:add_licenses")
    form = BillingAdminContactForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            billing_admin_contact(
                requester=admin.person, note=form.cleaned_data["note"], by=admin.actor
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return redirect("admin_center:billing_admin_email_sent")
    return _page(
        request,
        admin,
        "add_licenses",
        "admin_center/billing_admin_email.html",
        {"form": form, "billing_admin": billing_contact_of(admin.account)},
    )


@require_GET
@account_admin_required
def billing_admin_email_sent(request: HttpRequest, admin: Admin) -> HttpResponse:
    sent = billing_admin_contact_last(admin.person)
    if sent is None:
        return redirect("admin_center:billing_admin_email")
    billing_admin = billing_contact_of(admin.account)
    name = (
        billing_admin.full_name
        if billing_admin is not None and billing_admin.pk == sent.to_person_id
        else ""
    )
    return _page(
        request,
        admin,
        "add_licenses",
        "admin_center/billing_admin_email_sent.html",
        {"sent": sent, "recipient_name": name},
    )

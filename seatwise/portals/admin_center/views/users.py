"""**Manage Users** (search, Add Users with an invitation, a user's products, Remove) and
**Admins** (grant and revoke account admin)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seatwise.accounts.models import Person
from seatwise.accounts.services import account_admin_grant, account_admin_revoke
from seatwise.core.errors import ServiceError
from seatwise.portals.admin_center.access import Admin, account_admin_required, member_or_404
from seatwise.portals.admin_center.forms import AddUserForm, AdminGrantForm, ProductsForm
from seatwise.portals.admin_center.selectors import (
    SEARCH_MAX_LENGTH,
    admins_page,
    live_licenses,
    member_by_email,
    member_get,
    people_page,
    was_removed_from,
)
from seatwise.portals.forms import add_service_error
from seatwise.portals.sessions import rights_changed
from seatwise.portals.shared import id_param, page_query, posted, render_page, text_param
from seatwise.portals.step_up import PERSON, step_up_required
from seatwise.subscriptions.invitations import person_invite
from seatwise.subscriptions.licensing import license_products_set, live_subscriptions
from seatwise.subscriptions.people import person_remove


def _name(person: Person) -> str:
    return person.full_name or person.email


@require_GET
@account_admin_required
def users(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Manage Users: keyset pages of the account's people, searchable by name and e-mail."""
    q = text_param(request, "q", SEARCH_MAX_LENGTH)
    after = id_param(request, "after")
    people, next_after = people_page(account_id=admin.account.pk, q=q, after=after)
    return render_page(
        request,
        "admin_center/users.html",
        {
            "people": people,
            "q": q,
            "next_query": page_query(q=q, after=next_after) if next_after else None,
            "first_query": (page_query(q=q) or "?") if after else None,
        },
        frame=admin.frame("users"),
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def user_add(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Add Users: name, e-mail, language and products; the new user is invited by e-mail."""
    form = AddUserForm(
        posted(request),
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
    return render_page(
        request, "admin_center/user_add.html", {"form": form}, frame=admin.frame("user_add")
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def user(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    """User Details with the Products pane: the ticked products replace the user's."""
    person = member_or_404(admin, person_id)
    held = [str(a.subscription_id) for a in live_licenses(person)]
    form = ProductsForm(
        posted(request),
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
    return render_page(
        request,
        "admin_center/user.html",
        {"person": person, "form": form, "licenses": live_licenses(person)},
        frame=admin.frame("users"),
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
@step_up_required(PERSON)
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
    return render_page(
        request,
        "admin_center/user_remove.html",
        {"person": person, "licenses": live_licenses(person)},
        frame=admin.frame("users"),
    )


# --- admins -------------------------------------------------------------------------------------


def _after_role_change(request: HttpRequest, admin: Admin, person: Person) -> HttpResponse:
    if request.POST.get("next") == "admins":
        return redirect("admin_center:admins")
    return redirect("admin_center:user", person_id=person.pk)


@require_http_methods(["GET", "POST"])
@account_admin_required
@step_up_required(PERSON, methods=("POST",))
def admins(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Admins: the account admins, with revoke buttons, and a form to make a user an admin."""
    form = AdminGrantForm(posted(request))
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
                _rights_changed(request, admin, person, was_admin=was_admin)
                _granted_message(request, person, was_admin=was_admin)
                return redirect("admin_center:admins")
    after = id_param(request, "after")
    people, next_after = admins_page(account_id=admin.account.pk, after=after)
    return render_page(
        request,
        "admin_center/admins.html",
        {
            "form": form,
            "admins": people,
            "next_query": page_query(after=next_after) if next_after else None,
            "first_query": "?" if after else None,
        },
        frame=admin.frame("admins"),
    )


def _rights_changed(request: HttpRequest, admin: Admin, person: Person, *, was_admin: bool) -> None:
    """Account admin granted or revoked: the person's other sessions end, this one gets a new
    key (``seatwise.sessions.services.sessions_rotate``)."""
    if person.is_account_admin != was_admin:
        reason = "account_admin_grant" if person.is_account_admin else "account_admin_revoke"
        rights_changed(request, people=[person], reason=reason, by=admin.actor)


def _granted_message(request: HttpRequest, person: Person, *, was_admin: bool) -> None:
    if was_admin:
        messages.info(request, _("%(name)s is already an account admin.") % {"name": _name(person)})
    else:
        messages.success(request, _("%(name)s is now an account admin.") % {"name": _name(person)})


def _role_form_page(request: HttpRequest, admin: Admin, person_id: int) -> str:
    """Where the grant and revoke buttons are: the Admins page or the user's page."""
    if request.POST.get("next") == "admins":
        return reverse("admin_center:admins")
    return reverse("admin_center:user", kwargs={"person_id": person_id})


@require_POST
@account_admin_required
@step_up_required(PERSON, back=_role_form_page)
def admin_grant(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    person = member_or_404(admin, person_id)
    was_admin = person.is_account_admin
    try:
        person = account_admin_grant(person=person, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        _rights_changed(request, admin, person, was_admin=was_admin)
        _granted_message(request, person, was_admin=was_admin)
    return _after_role_change(request, admin, person)


@require_POST
@account_admin_required
@step_up_required(PERSON, back=_role_form_page)
def admin_revoke(request: HttpRequest, admin: Admin, person_id: int) -> HttpResponse:
    """Revoke account admin; the service refuses to leave the account without one."""
    person = member_or_404(admin, person_id)
    was_admin = person.is_account_admin
    try:
        person = account_admin_revoke(person=person, by=admin.actor)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return _after_role_change(request, admin, person)
    _rights_changed(request, admin, person, was_admin=was_admin)
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

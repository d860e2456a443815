"""**Add licenses** in the left navigation, with its three outcomes (articles 000, 002, 004):
a corporate account's admin is sent to the Corporate Billing Portal, the billing admin of an
online account to the Billing Center, anyone else asks the billing admin (**Email the billing
admin**)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from seatwise.accounts.contact_requests import billing_admin_contact, billing_admin_contact_last
from seatwise.accounts.selectors import billing_contact_of
from seatwise.core.errors import ServiceError
from seatwise.portals.admin_center.access import Admin, account_admin_required
from seatwise.portals.admin_center.forms import BillingAdminContactForm
from seatwise.portals.forms import add_service_error, posted_form_key
from seatwise.portals.shared import posted, render_page
from seatwise.subscriptions.licensing import live_subscriptions


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
        return render_page(
            request,
            "admin_center/add_licenses_corporate.html",
            {"tiles": tiles, "signin_url": reverse("corporate:signin")},
            frame=admin.frame("add_licenses"),
        )
    if admin.person.is_billing_contact:
        return redirect("billing:subscriptions")
    return render_page(
        request,
        "admin_center/add_licenses_contact.html",
        {"billing_admin": billing_contact_of(admin.account)},
        frame=admin.frame("add_licenses"),
    )


@require_http_methods(["GET", "POST"])
@account_admin_required
def billing_admin_email(request: HttpRequest, admin: Admin) -> HttpResponse:
    """**Email the billing admin**: an optional note, sent in the billing admin's language.

    The page's key is issued when it is shown and kept while it is shown again: the same form
    sent twice (or many times at once) sends one message."""
    if admin.person.is_billing_contact:
        return redirect("admin_center:add_licenses")
    form = BillingAdminContactForm(posted(request))
    form_key = posted_form_key(form)
    if request.method == "POST" and form.is_valid():
        try:
            billing_admin_contact(
                requester=admin.person,
                note=form.cleaned_data["note"],
                by=admin.actor,
                request_key=form.cleaned_data["form_key"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return redirect("admin_center:billing_admin_email_sent")
    return render_page(
        request,
        "admin_center/billing_admin_email.html",
        {
            "form": form,
            "form_key": form_key,
            "billing_admin": billing_contact_of(admin.account),
        },
        frame=admin.frame("add_licenses"),
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
    return render_page(
        request,
        "admin_center/billing_admin_email_sent.html",
        {"sent": sent, "recipient_name": name},
        frame=admin.frame("add_licenses"),
    )

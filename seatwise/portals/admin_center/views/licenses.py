"""**Licenses**: the seats of each product, and one product assigned to or taken from several
users at once, never beyond the seats bought (``subscriptions.licensing.licenses_bulk_set``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from seatwise.core.errors import ServiceError
from seatwise.core.validation import parse_id
from seatwise.portals.admin_center.access import Admin, account_admin_required
from seatwise.portals.admin_center.forms import BulkLicensesForm
from seatwise.portals.admin_center.selectors import (
    SEARCH_MAX_LENGTH,
    members_get,
    people_page,
    subscription_in_account,
)
from seatwise.portals.forms import add_service_error
from seatwise.portals.shared import id_param, page_query, posted, render_page, text_param
from seatwise.subscriptions.licensing import BulkResult, licenses_bulk_set, live_subscriptions


@require_http_methods(["GET", "POST"])
@account_admin_required
def licenses(request: HttpRequest, admin: Admin) -> HttpResponse:
    """Licenses: seats per product, and one product assigned to or taken from several users."""
    subscriptions = live_subscriptions(admin.account.pk)
    q = text_param(request, "q", SEARCH_MAX_LENGTH)
    after = id_param(request, "after")
    product = id_param(request, "product")
    chosen = (
        subscription_in_account(account_id=admin.account.pk, subscription_id=product)
        if product is not None
        else None
    )
    form = BulkLicensesForm(
        posted(request),
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
                reverse("admin_center:licenses")
                + page_query(q=q, after=after, product=subscription.pk)
            )
    people_rows, next_after = people_page(account_id=admin.account.pk, q=q, after=after)
    return render_page(
        request,
        "admin_center/licenses.html",
        {
            "subscriptions": subscriptions,
            "form": form,
            "people": people_rows,
            "selected": _selected_ids(request),
            "q": q,
            "product": chosen.pk if chosen else "",
            "next_query": page_query(q=q, after=next_after, product=product)
            if next_after
            else None,
            "first_query": (page_query(q=q, product=product) or "?") if after else None,
        },
        frame=admin.frame("licenses"),
    )


def _selected_ids(request: HttpRequest) -> set[int]:
    """The users ticked in a refused bulk form, ticked again when it is shown back."""
    ids = (parse_id(value) for value in request.POST.getlist("people"))
    return {person_id for person_id in ids if person_id is not None}


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

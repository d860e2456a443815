"""The portal's own sign-in with the User ID and password, sign-out, and **Forgot
Password?** with the e-mailed link that sets a new password (``accounts.corporate_signin``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from seatwise.accounts.corporate_signin import (
    corporate_authenticate,
    corporate_password_reset_complete,
    corporate_password_reset_request,
    corporate_password_token_check,
)
from seatwise.accounts.signin_throttle import SigninKind
from seatwise.accounts.two_factor import two_factor_confirmed_device
from seatwise.audit.actors import Actor, Client
from seatwise.core.errors import ServiceError
from seatwise.portals.corporate.forms import (
    CorporatePasswordResetForm,
    CorporatePasswordSetForm,
    CorporateSignInForm,
)
from seatwise.portals.corporate.session import (
    corporate_credential,
    corporate_login,
    corporate_logout,
    portal_actor,
)
from seatwise.portals.corporate.views.two_factor import corporate_signin_pending
from seatwise.portals.device_cookies import device_cookie_set, signin_client
from seatwise.portals.forms import add_service_error
from seatwise.portals.step_up import CORPORATE, step_up_mark
from seatwise.sessions.services import portal_sessions_end_others


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only the portal's own pages, and never its sign-in (a signed-in visit would loop).
    if (
        candidate.startswith(reverse("corporate:home"))
        and not candidate.startswith(reverse("corporate:signin"))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse("corporate:home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.method != "POST" and corporate_credential(request) is not None:
        return redirect(next_url)
    form = CorporateSignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            credential = corporate_authenticate(
                user_id=form.cleaned_data["user_id"],
                password=form.cleaned_data["password"],
                client=signin_client(request, SigninKind.CORPORATE),
            )
        except ServiceError as error:
            # One notice above the form, in the vendor's words: "Invalid User ID",
            # "Invalid User ID/password", or the lockout.
            form.add_error(None, str(error.message))
            status = 429 if error.code in {"locked", "throttled"} else 200
        else:
            if two_factor_confirmed_device(credential) is not None:
                return corporate_signin_pending(request, credential, next_url)
            corporate_login(request, credential)
            step_up_mark(request, CORPORATE, owner=credential.pk)
            response = redirect(next_url)
            device_cookie_set(response, kind=SigninKind.CORPORATE, login=credential.user_id)
            return response
    return render(request, "corporate/signin.html", {"form": form, "next": next_url}, status=status)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    corporate_logout(request)
    messages.success(request, _("You have signed out of the Corporate Billing Portal."))
    return redirect("corporate:signin")


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """**Forgot Password?**: User ID, **Submit**, and the same answer whether it exists."""
    form = CorporatePasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_id = form.cleaned_data["user_id"]
        corporate_password_reset_request(
            user_id=user_id, by=Actor.system("corporate-password-reset", client=Client.of(request))
        )
        return render(request, "corporate/password_reset_sent.html", {"user_id": user_id})
    return render(request, "corporate/password_reset.html", {"form": form})


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_set(request: HttpRequest, token: str) -> HttpResponse:
    """Set the portal password from the e-mailed link; the link works once."""
    credential = corporate_password_token_check(token)
    if credential is None:
        return render(request, "corporate/password_set.html", {"validlink": False})
    form = CorporatePasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            corporate_password_reset_complete(token=token, password=form.cleaned_data["password"])
        except ServiceError as error:
            if error.code == "invalid_link":
                return render(request, "corporate/password_set.html", {"validlink": False})
            add_service_error(form, error)
        else:
            # Any portal session of the old password has ended with it.
            corporate_logout(request)
            portal_sessions_end_others(
                credential=credential,
                keep=request.session,
                reason="password_set",
                by=portal_actor(credential, request),
            )
            messages.success(
                request,
                _("Your Corporate Billing Portal password is set. Sign in with your User ID."),
            )
            response = redirect("corporate:signin")
            # The link proved access to the billing contact's mailbox: this browser may sign in
            # even while the User ID is locked for others.
            device_cookie_set(response, kind=SigninKind.CORPORATE, login=credential.user_id)
            return response
    return render(
        request,
        "corporate/password_set.html",
        {"validlink": True, "form": form, "user_id": credential.user_id},
    )

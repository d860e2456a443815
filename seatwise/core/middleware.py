from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import LazyObject, empty


class ResolvedUserMiddleware:
    """``request.user`` as the person (or anonymous user) itself from here on, not behind the
    two lazy proxies that Django's authentication and django-otp put in front of it.

    Every attribute a view or template reads through those proxies took two failed lookups
    and two forwarded ones: a few hundred reads a page, 10-30 % of a portal page's time. The
    user is read on every request anyway (``TwoFactorPolicyMiddleware``, right after this),
    so resolving it here loads nothing more; django-otp's fields (``otp_device``,
    ``is_verified``) are set on the object while it resolves, and ``login``/``logout`` replace
    ``request.user`` as before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        if user is not None:
            request.user = user
        return self.get_response(request)


class PersonLanguageMiddleware:
    """A signed-in person sees Seatwise in their own language.

    Runs after LocaleMiddleware (cookie, then Accept-Language for visitors) and after
    authentication: the person's stored language wins over the browser's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user and user.is_authenticated else None
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language in self.languages:
            response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """Two headers Django's ``SecurityMiddleware`` does not set.

    - ``Permissions-Policy`` on every response: the browser features that no page of Seatwise
      uses (camera, microphone, geolocation, payment, USB and the like) are denied to the page
      and to anything it would embed (``SEATWISE_DENIED_BROWSER_FEATURES``).
    - ``Cache-Control: private, no-store`` on every response for one person only, so that
      neither the browser's cache nor a proxy keeps a page or a document (an invoice PDF, an
      API answer) after the person signed out: every response under ``SEATWISE_PRIVATE_PATHS``
      (the portals that need a sign-in, the API), whoever asks, and every response to a request
      that has a session (a signed-in person, a Corporate Billing Portal session). The public
      pages of anonymous visitors (home, help center) and the static files keep their caching.

    It stands right after ``SecurityMiddleware``, before WhiteNoise, so that the static files
    WhiteNoise answers get ``Permissions-Policy`` too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.SEATWISE_DENIED_BROWSER_FEATURES
        )
        self.private_paths = tuple(settings.SEATWISE_PRIVATE_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if self._private(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def _private(self, request: HttpRequest) -> bool:
        if request.path_info.startswith(self.private_paths):
            return True
        # Set by SessionMiddleware, further in: absent when WhiteNoise answered (a static file).
        session = getattr(request, "session", None)
        return session is not None and not session.is_empty()

"""The real URLconf, plus stand-ins for the Billing Center's Subscriptions page and the
Corporate Billing Portal's sign-in while those portals are not installed (they are built
alongside the Admin Center). Once they are, this is exactly ``config.urls``."""

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from config.urls import urlpatterns as real_urlpatterns


def _stub(request: HttpRequest) -> HttpResponse:
    return HttpResponse("stub")


def _missing(name: str) -> bool:
    try:
        reverse(name, urlconf="config.urls")
    except NoReverseMatch:
        return True
    return False


urlpatterns = list(real_urlpatterns)
if _missing("billing:subscriptions"):
    urlpatterns.insert(
        0,
        path(
            "billing/",
            include(([path("subscriptions/", _stub, name="subscriptions")], "billing")),
        ),
    )
if _missing("corporate:signin"):
    urlpatterns.insert(
        0, path("corporate/", include(([path("signin/", _stub, name="signin")], "corporate")))
    )

"""A URLconf in which every portal the home page names exists, as later issues will add them."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _stub(request: HttpRequest) -> HttpResponse:
    return HttpResponse("stub")


def _portal(namespace: str, name: str) -> tuple[list[object], str]:
    return ([path("", _stub, name=name)], namespace)


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("billing/", include(_portal("billing", "home"))),
    path("admin-center/", include(_portal("admin_center", "home"))),
    path("corporate/", include(_portal("corporate", "signin"))),
    path("help/", include(_portal("help", "home"))),
    path("", include("seatwise.portals.home.urls")),
]

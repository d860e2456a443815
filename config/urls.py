from django.urls import include, path, register_converter

from config import health
from seatwise.api.v1.api import api
from seatwise.portals.converters import IdConverter
from seatwise.portals.home.views import language_set

# ``<id:…>`` in the portals' URLs, before they are included below.
register_converter(IdConverter, "id")

urlpatterns = [
    path("healthz", health.live, name="health-live"),
    path("readyz", health.ready, name="health-ready"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("api/v1/", api.urls),
    path("my-account/", include("seatwise.portals.my_account.urls")),
    path("billing/", include("seatwise.portals.billing_center.urls")),
    path("corporate/", include("seatwise.portals.corporate.urls")),
    path("admin-center/", include("seatwise.portals.admin_center.urls")),
    path("help/", include("seatwise.portals.help.urls")),
    path("support/", include("seatwise.portals.support.urls")),
    path("", include("seatwise.portals.auth.urls")),
    path("", include("seatwise.portals.home.urls")),
]

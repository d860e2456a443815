from django.urls import include, path

from config import health
from seatwise.api.v1.api import api

urlpatterns = [
    path("healthz", health.live, name="health-live"),
    path("readyz", health.ready, name="health-ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("seatwise.portals.home.urls")),
]

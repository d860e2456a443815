from django.urls import include, path

from seatwise.api.v1.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("seatwise.portals.home.urls")),
]

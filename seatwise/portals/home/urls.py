from django.urls import path

from seatwise.portals.home import views

app_name = "home"
urlpatterns = [
    path("", views.home, name="home"),
]

from django.urls import path

from seatwise.portals.my_account import views

app_name = "my_account"
urlpatterns = [
    path("", views.home, name="home"),
    path("password/", views.password, name="password"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/start/", views.two_factor_start, name="two_factor_start"),
]

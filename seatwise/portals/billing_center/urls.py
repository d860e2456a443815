from django.urls import path

from seatwise.portals.billing_center import views

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("wrong-place/", views.wrong_place, name="wrong_place"),
]

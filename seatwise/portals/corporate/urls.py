from django.urls import path

from seatwise.portals.corporate import views

app_name = "corporate"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("password/", views.password_reset, name="password_reset"),
    path("password/set/<str:token>/", views.password_set, name="password_set"),
    # --- Add Seats, Quotes and service orders (article 003) ---
    # --- Auto Renew, Invoice History and Pay Now, Account and Bill To (article 001) ---
]

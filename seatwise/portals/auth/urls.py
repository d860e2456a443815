from django.urls import path

from seatwise.portals.auth import step_up, views

app_name = "auth"
urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("signin/verify/", views.signin_verify, name="signin_verify"),
    path("signin/confirm/", step_up.step_up, name="step_up"),
    path("signout/", views.signout, name="signout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
]

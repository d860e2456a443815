from django.urls import path

from seatwise.portals.my_account.views import password, profile, sessions, two_factor

app_name = "my_account"
urlpatterns = [
    path("", profile.home, name="home"),
    path("password/", password.password, name="password"),
    path("two-factor/", two_factor.two_factor, name="two_factor"),
    path("two-factor/start/", two_factor.two_factor_start, name="two_factor_start"),
    path("sessions/", sessions.sessions, name="sessions"),
    path("sessions/others/signout/", sessions.signout_others, name="sessions_signout_others"),
    path("sessions/<str:session_id>/signout/", sessions.signout, name="session_signout"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
]

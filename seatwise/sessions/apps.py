from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    name = "seatwise.sessions"
    # Django's own sessions app is ``sessions``.
    label = "seatwise_sessions"
    verbose_name = _("Sessions")

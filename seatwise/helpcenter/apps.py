from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class HelpCenterConfig(AppConfig):
    name = "seatwise.helpcenter"
    label = "helpcenter"
    verbose_name = _("Help center")

    def ready(self) -> None:
        from seatwise.helpcenter.checks import help_content_check

        checks.register(help_content_check, "helpcenter")

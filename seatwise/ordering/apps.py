from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderingConfig(AppConfig):
    name = "seatwise.ordering"
    label = "ordering"
    verbose_name = _("Quotes and service orders")

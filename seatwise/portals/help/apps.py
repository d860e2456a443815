from django.apps import AppConfig


class HelpPortalConfig(AppConfig):
    name = "seatwise.portals.help"
    label = "help_portal"

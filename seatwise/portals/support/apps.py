from django.apps import AppConfig


class SupportPortalConfig(AppConfig):
    name = "seatwise.portals.support"
    label = "support_portal"

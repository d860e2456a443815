from django.apps import AppConfig


class CorporatePortalConfig(AppConfig):
    name = "seatwise.portals.corporate"
    label = "corporate_portal"

from django.apps import AppConfig


class AuthPortalConfig(AppConfig):
    name = "seatwise.portals.auth"
    label = "auth_portal"

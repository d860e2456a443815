from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "seatwise.portals.home"
    label = "home"

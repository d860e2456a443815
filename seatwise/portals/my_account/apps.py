from django.apps import AppConfig


class MyAccountConfig(AppConfig):
    name = "seatwise.portals.my_account"
    label = "my_account"

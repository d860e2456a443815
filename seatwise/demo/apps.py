from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "seatwise.demo"
    label = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class AdminCenterConfig(AppConfig):
    name = "seatwise.portals.admin_center"
    label = "admin_center"

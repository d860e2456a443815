from django.apps import AppConfig


class BillingCenterConfig(AppConfig):
    name = "seatwise.portals.billing_center"
    label = "billing_center"

from django.urls import path

from seatwise.portals.billing_center.views import (
    cancel,
    changes,
    invoices,
    new_subscription,
    payment_method,
    subscriptions,
    wrong_place,
)

app_name = "billing"
urlpatterns = [
    path("", subscriptions.home, name="home"),
    path("subscriptions/", subscriptions.subscriptions, name="subscriptions"),
    path(
        "subscriptions/new/",
        new_subscription.subscription_new,
        name="subscription_new",
    ),
    path(
        "subscriptions/<id:subscription_id>/subscribe/",
        new_subscription.subscription_subscribe,
        name="subscription_subscribe",
    ),
    path(
        "subscriptions/<id:subscription_id>/cancel/",
        cancel.subscription_cancel_view,
        name="subscription_cancel",
    ),
    path(
        "subscriptions/<id:subscription_id>/reactivate/",
        cancel.subscription_reactivate_view,
        name="subscription_reactivate",
    ),
    path(
        "subscriptions/<id:subscription_id>/plan/",
        changes.subscription_plan,
        name="subscription_plan",
    ),
    path(
        "subscriptions/<id:subscription_id>/seats/",
        changes.subscription_seats,
        name="subscription_seats",
    ),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/<id:invoice_id>/pdf/", invoices.invoice_download, name="invoice_pdf"),
    path("invoices/<id:invoice_id>/ubl/", invoices.invoice_ubl_download, name="invoice_ubl"),
    path("invoices/<id:invoice_id>/pay/", invoices.invoice_pay_view, name="invoice_pay"),
    path("payment-method/", payment_method.payment_method, name="payment_method"),
    path("wrong-place/", wrong_place.wrong_place, name="wrong_place"),
]

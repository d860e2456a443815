from django.urls import path

from seatwise.portals.billing_center import views

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path(
        "subscriptions/<int:subscription_id>/cancel/",
        views.subscription_cancel_view,
        name="subscription_cancel",
    ),
    path(
        "subscriptions/<int:subscription_id>/reactivate/",
        views.subscription_reactivate_view,
        name="subscription_reactivate",
    ),
    path(
        "subscriptions/<int:subscription_id>/plan/",
        views.subscription_plan,
        name="subscription_plan",
    ),
    path(
        "subscriptions/<int:subscription_id>/seats/",
        views.subscription_seats,
        name="subscription_seats",
    ),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_download, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/pay/", views.invoice_pay_view, name="invoice_pay"),
    path("payment-method/", views.payment_method, name="payment_method"),
    path("wrong-place/", views.wrong_place, name="wrong_place"),
]

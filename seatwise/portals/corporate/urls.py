from django.urls import path

from seatwise.portals.corporate import account_views, invoice_views, ordering_views, views

app_name = "corporate"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("password/", views.password_reset, name="password_reset"),
    path("password/set/<str:token>/", views.password_set, name="password_set"),
    # --- Add Seats, Quotes and service orders (article 003) ---
    path("add-seats/", ordering_views.add_seats, name="add_seats"),
    path("quotes/", ordering_views.quotes, name="quotes"),
    path("quotes/<int:quote_id>/", ordering_views.quote_detail, name="quote"),
    path("quotes/<int:quote_id>/pdf/", ordering_views.quote_download, name="quote_pdf"),
    path("quotes/<int:quote_id>/accept/", ordering_views.quote_accept_view, name="quote_accept"),
    path("quotes/<int:quote_id>/reject/", ordering_views.quote_reject_view, name="quote_reject"),
    path("quotes/<int:quote_id>/checkout/", ordering_views.checkout, name="checkout"),
    path("service-orders/<int:order_id>/", ordering_views.service_order, name="service_order"),
    path(
        "service-orders/<int:order_id>/place/",
        ordering_views.service_order_place_view,
        name="service_order_place",
    ),
    # --- Auto Renew, Invoice History and Pay Now, Account and Bill To (article 001) ---
    path(
        "subscriptions/<int:subscription_id>/auto-renew/",
        account_views.auto_renew,
        name="auto_renew",
    ),
    path("invoices/", invoice_views.invoices, name="invoices"),
    path("invoices/<int:invoice_id>/pdf/", invoice_views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/pay/", invoice_views.invoice_pay, name="invoice_pay"),
    path("account/", account_views.account, name="account"),
    path("account/bill-to/", account_views.bill_to_edit, name="bill_to_edit"),
    path(
        "account/invoice-contacts/",
        account_views.invoice_contact_add,
        name="invoice_contact_add",
    ),
    path(
        "account/invoice-contacts/<int:contact_id>/remove/",
        account_views.invoice_contact_remove,
        name="invoice_contact_remove",
    ),
    path("account/purchase-order/", account_views.purchase_order, name="purchase_order"),
]

from django.urls import path

from seatwise.portals.corporate.views import (
    account,
    invoices,
    ordering,
    payment_profile,
    sessions,
    signin,
    subscriptions,
    two_factor,
)

app_name = "corporate"
urlpatterns = [
    path("", subscriptions.home, name="home"),
    path("signin/", signin.signin, name="signin"),
    path("signin/verify/", two_factor.signin_verify, name="signin_verify"),
    path("confirm/", two_factor.step_up, name="step_up"),
    path("signout/", signin.signout, name="signout"),
    path("password/", signin.password_reset, name="password_reset"),
    path("password/set/<str:token>/", signin.password_set, name="password_set"),
    # --- Add Seats, Quotes and service orders (article 003) ---
    path("add-seats/", ordering.add_seats, name="add_seats"),
    path("quotes/", ordering.quotes, name="quotes"),
    path("quotes/<id:quote_id>/", ordering.quote_detail, name="quote"),
    path("quotes/<id:quote_id>/pdf/", ordering.quote_download, name="quote_pdf"),
    path("quotes/<id:quote_id>/accept/", ordering.quote_accept_view, name="quote_accept"),
    path("quotes/<id:quote_id>/reject/", ordering.quote_reject_view, name="quote_reject"),
    path("quotes/<id:quote_id>/checkout/", ordering.checkout, name="checkout"),
    path("service-orders/<id:order_id>/", ordering.service_order, name="service_order"),
    path(
        "service-orders/<id:order_id>/place/",
        ordering.service_order_place_view,
        name="service_order_place",
    ),
    # --- Auto Renew, Invoice History and Pay Now, Account and Bill To (article 001) ---
    path(
        "subscriptions/<id:subscription_id>/auto-renew/",
        subscriptions.auto_renew,
        name="auto_renew",
    ),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/<id:invoice_id>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<id:invoice_id>/ubl/", invoices.invoice_ubl, name="invoice_ubl"),
    path("invoices/<id:invoice_id>/pay/", invoices.invoice_pay, name="invoice_pay"),
    path("account/", account.account, name="account"),
    path("account/bill-to/", account.bill_to_edit, name="bill_to_edit"),
    path(
        "account/invoice-contacts/",
        account.invoice_contact_add,
        name="invoice_contact_add",
    ),
    path(
        "account/invoice-contacts/<id:contact_id>/remove/",
        account.invoice_contact_remove,
        name="invoice_contact_remove",
    ),
    path("account/purchase-order/", account.purchase_order, name="purchase_order"),
    # --- Payment Profile ---
    path("payment-profile/", payment_profile.payment_profile, name="payment_profile"),
    path(
        "payment-profile/edit/",
        payment_profile.payment_profile_edit,
        name="payment_profile_edit",
    ),
    path("account/sessions/", sessions.sessions, name="sessions"),
    path(
        "account/sessions/others/signout/",
        sessions.signout_others,
        name="sessions_signout_others",
    ),
    path(
        "account/sessions/<str:session_id>/signout/",
        sessions.signout,
        name="session_signout",
    ),
    path("account/two-factor/", two_factor.two_factor, name="two_factor"),
    path("account/two-factor/start/", two_factor.two_factor_start, name="two_factor_start"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="recovery_codes",
    ),
]

"""The pages of Seatwise that help articles may name, by key.

An article lists, under ``pages`` in its front matter, every label its steps name (the words in
bold in its body), by the page on which the reader finds it. The keys are defined here, each
with the page and the person it is shown to, so that an article's writer knows where a key
leads and ``tests/helpcenter/test_labels_on_pages.py`` can open each page as that person, in
each language, and check that every label of every article really is on it.

A new key needs a line here and a visit in that test; the loader refuses a key not listed.
"""

from __future__ import annotations

from types import MappingProxyType

PAGES = MappingProxyType(
    {
        # --- sign-in and My Account -------------------------------------------------------------
        "signin": "/signin/: the product sign-in (e-mail address and password), as a visitor",
        "password_reset": "/password/reset/: reset the product password, as a visitor",
        "my_account": "/my-account/: My Account of a user of an online account",
        "my_account.corporate": "/my-account/: My Account of a person of a corporate account",
        # --- Billing Center (online accounts) -----------------------------------------------------
        "billing.subscriptions": (
            "/billing/subscriptions/: the billing admin of an online account whose "
            "subscriptions include one with a scheduled plan change, one with a scheduled seat "
            "reduction and one pending cancellation"
        ),
        "billing.wrong_place.online": (
            "/billing/wrong-place/: an account admin of an online account who is not its "
            "billing admin"
        ),
        "billing.wrong_place.corporate": "/billing/wrong-place/: a person of a corporate account",
        "billing.subscription_plan": "/billing/subscriptions/<id>/plan/: Change Plan",
        "billing.subscription_plan.review": (
            "/billing/subscriptions/<id>/plan/?plan=<id>: the review of a higher tier"
        ),
        "billing.subscription_seats": "/billing/subscriptions/<id>/seats/: Change Seats",
        "billing.subscription_seats.review": (
            "/billing/subscriptions/<id>/seats/?seats=<n>: the review of more seats"
        ),
        "billing.subscription_cancel": "/billing/subscriptions/<id>/cancel/: Cancel Subscription",
        "billing.subscription_new": (
            "/billing/subscriptions/new/: Add a New Subscription, the choice of a product"
        ),
        "billing.invoices": "/billing/invoices/: Invoice history with an open invoice",
        "billing.invoice_pay": "/billing/invoices/<id>/pay/: Pay Now of an open invoice",
        "billing.payment_method": "/billing/payment-method/: Payment Method",
        # --- Admin Center -------------------------------------------------------------------------
        "admin.home": "/admin-center/: an account admin of an online account",
        "admin.add_licenses.contact": (
            "/admin-center/add-licenses/: an account admin of an online account who is not its "
            "billing admin"
        ),
        "admin.add_licenses.corporate": (
            "/admin-center/add-licenses/: an account admin of a corporate account"
        ),
        "admin.billing_admin_email": "/admin-center/add-licenses/email/: Email the billing admin",
        "admin.users": "/admin-center/users/: Manage Users",
        "admin.user_add": "/admin-center/users/add/: Add Users",
        "admin.user": "/admin-center/users/<id>/: User Details of a user",
        "admin.licenses": "/admin-center/licenses/: Licenses",
        # --- Corporate Billing Portal (signed in with the User ID unless said otherwise) ----------
        "corporate.signin": "/corporate/signin/: the portal's sign-in, as a visitor",
        "corporate.password_reset": "/corporate/password/: Forgot Password?, as a visitor",
        "corporate.subscriptions": (
            "/corporate/: the Subscriptions tab, with one subscription renewing and one not"
        ),
        "corporate.add_seats": "/corporate/add-seats/: Add Seats, with an open quote",
        "corporate.add_seats.not_eligible": (
            "/corporate/add-seats/: Add Seats of an account not eligible for self-service"
        ),
        "corporate.quotes": "/corporate/quotes/: the Quotes tab, with an open quote",
        "corporate.quote": "/corporate/quotes/<id>/: an open quote",
        "corporate.checkout": (
            "/corporate/quotes/<id>/checkout/: after Proceed to Payment on a quote"
        ),
        "corporate.service_order": "/corporate/service-orders/<id>/: a service order not placed",
        "corporate.auto_renew": (
            "/corporate/subscriptions/<id>/auto-renew/: Auto Renew of a subscription that renews"
        ),
        "corporate.auto_renew.off": (
            "/corporate/subscriptions/<id>/auto-renew/: Auto Renew of a subscription that does "
            "not renew"
        ),
        "corporate.invoices": "/corporate/invoices/: the Invoice History tab, an invoice open",
        "corporate.pay": "/corporate/invoices/<id>/pay/: Pay Now of an open invoice",
        "corporate.account": "/corporate/account/: the Account tab",
        "corporate.bill_to_edit": "/corporate/account/bill-to/: Edit of the Bill To section",
        "corporate.payment_profile": "/corporate/payment-profile/: the Payment Profile tab",
        "corporate.payment_profile_edit": (
            "/corporate/payment-profile/edit/: Edit of the Payment Profile"
        ),
    }
)

"""The Billing Center's views, one module per flow: the Subscriptions page, Change Plan and
Change Seats, Cancel Subscription and Reactivate, the invoice history with PDFs and Pay Now,
the payment method, and the "wrong place" page for everyone but the billing admin.

Every page of the billing admin goes through ``access.billing_admin_required``; objects are
looked up inside their own account only, so that another account's ids are "not found". Each
write is a POST that calls one service and redirects (POST-redirect-GET); the services are
idempotent, so that a second click changes nothing more.
"""

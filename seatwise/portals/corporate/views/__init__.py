"""The Corporate Billing Portal's views, one module per flow: the sign-in with the User ID and
**Forgot Password?**, the Subscriptions tab with **Auto Renew**, **Add Seats** with its quotes
and service orders, the **Invoice History** with **Pay Now**, and the **Account** tab.

Every page but the sign-in needs a portal session (``session.corporate_required``) and acts on
the session's own account only: another account's ids are "not found". Writes are POSTs that
call one service and redirect (POST-redirect-GET); the services are idempotent, so a second
click changes nothing more. Refused input shows the form again with a clear message, nothing
changed.
"""

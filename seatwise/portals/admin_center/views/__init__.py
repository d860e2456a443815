"""The Admin Center's views (``/admin-center/``), one module per flow: the overview and the
account, users and admins, licenses, and **Add licenses**.

For account admins only (``access.account_admin_required``). Each view parses a form, calls
one service and renders, or redirects after a POST with a message. Objects are always looked
up inside the admin's own account: another account's ids are "not found".
"""

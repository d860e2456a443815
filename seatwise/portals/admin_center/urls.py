from django.urls import path

from seatwise.portals.admin_center.views import add_licenses, audit, home, licenses, users

app_name = "admin_center"
urlpatterns = [
    path("", home.home, name="home"),
    path("users/", users.users, name="users"),
    path("users/add/", users.user_add, name="user_add"),
    path("users/<id:person_id>/", users.user, name="user"),
    path("users/<id:person_id>/remove/", users.user_remove, name="user_remove"),
    path("users/<id:person_id>/admin/grant/", users.admin_grant, name="admin_grant"),
    path("users/<id:person_id>/admin/revoke/", users.admin_revoke, name="admin_revoke"),
    path("licenses/", licenses.licenses, name="licenses"),
    path("admins/", users.admins, name="admins"),
    path("account/", home.account, name="account"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("add-licenses/", add_licenses.add_licenses, name="add_licenses"),
    path("add-licenses/email/", add_licenses.billing_admin_email, name="billing_admin_email"),
    path(
        "add-licenses/email/sent/",
        add_licenses.billing_admin_email_sent,
        name="billing_admin_email_sent",
    ),
]

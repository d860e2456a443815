from django.urls import path

from seatwise.portals.admin_center import views

app_name = "admin_center"
urlpatterns = [
    path("", views.home, name="home"),
    path("users/", views.users, name="users"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/<int:person_id>/", views.user, name="user"),
    path("users/<int:person_id>/remove/", views.user_remove, name="user_remove"),
    path("users/<int:person_id>/admin/grant/", views.admin_grant, name="admin_grant"),
    path("users/<int:person_id>/admin/revoke/", views.admin_revoke, name="admin_revoke"),
    path("licenses/", views.licenses, name="licenses"),
    path("admins/", views.admins, name="admins"),
    path("account/", views.account, name="account"),
    path("add-licenses/", views.add_licenses, name="add_licenses"),
    path("add-licenses/email/", views.billing_admin_email, name="billing_admin_email"),
    path(
        "add-licenses/email/sent/",
        views.billing_admin_email_sent,
        name="billing_admin_email_sent",
    ),
]

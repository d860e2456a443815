from django.urls import path

from seatwise.portals.support.views import accounts, audit, cases, credits, home, two_factor

app_name = "support"
urlpatterns = [
    path("", home.home, name="home"),
    path("two-factor/", two_factor.two_factor, name="two_factor"),
    path("search/", home.search, name="search"),
    path("accounts/<id:account_id>/", accounts.account, name="account"),
    path("accounts/<id:account_id>/people/", accounts.people, name="account_people"),
    path("accounts/<id:account_id>/audit/", audit.account_audit, name="account_audit"),
    path(
        "accounts/<id:account_id>/audit/export.csv",
        audit.account_audit_export,
        name="account_audit_export",
    ),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path(
        "accounts/<id:account_id>/invoices/<id:invoice_id>/credit/",
        credits.credit,
        name="invoice_credit",
    ),
    path("cases/", cases.queue, name="cases"),
    path("cases/<id:case_id>/", cases.case, name="case"),
    path("cases/<id:case_id>/assign/", cases.assign, name="case_assign"),
    path("cases/<id:case_id>/note/", cases.note, name="case_note"),
    path("cases/<id:case_id>/reply/", cases.reply, name="case_reply"),
    path("cases/<id:case_id>/account/", cases.link_account, name="case_account"),
    path("cases/<id:case_id>/verify/", cases.verify, name="case_verify"),
    path(
        "cases/<id:case_id>/billing-contact/",
        cases.billing_contact_change,
        name="case_billing_contact",
    ),
    path("cases/<id:case_id>/close/", cases.close, name="case_close"),
]

"""What each action of the audit trail is called, in the reader's language: the one table of
it. An entry's ``action`` is a stable code (``<object>.<verb>``) written by the service that
made the change; the viewers and the export show its label, and a code without one (an
action added without its line here) as the code itself.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Accounts, people and roles
    "account.create": _("Account created"),
    "account.address_set": _("Billing address changed"),
    "account.purchase_order_set": _("Purchase order changed"),
    "account.purchase_order_expiry_reminder": _("Purchase order expiry reminder sent"),
    "account.billing_contact_set": _("Billing contact changed"),
    "account.billing_contact_handover": _("Billing contact handed over"),
    "person.add": _("User added"),
    "person.invite": _("User invited"),
    "person.remove": _("User removed"),
    "person.account_admin_grant": _("Made account admin"),
    "person.account_admin_revoke": _("Account admin role removed"),
    "person.profile_update": _("Name or language changed"),
    "person.language_set": _("Language changed"),
    "person.password_set": _("Password set"),
    "person.password_change": _("Password changed"),
    "person.password_reset_request": _("Password reset requested"),
    "person.two_factor_enable": _("Two-factor sign-in turned on"),
    "person.two_factor_disable": _("Two-factor sign-in turned off"),
    "billing_admin.contact": _("Billing admin e-mailed"),
    "invoice_contact.add": _("Invoice contact added"),
    "invoice_contact.remove": _("Invoice contact removed"),
    # Corporate Billing Portal User ID
    "corporate_credential.create": _("Corporate Billing Portal User ID created"),
    "corporate_credential.password_set": _("Corporate Billing Portal password set"),
    "corporate_credential.password_clear": _("Corporate Billing Portal password cleared"),
    "corporate_credential.password_reset_request": _(
        "Corporate Billing Portal password reset requested"
    ),
    "corporate_credential.lockout": _("Corporate Billing Portal sign-in locked"),
    "corporate_credential.unlock": _("Corporate Billing Portal sign-in unlocked"),
    # Subscriptions and licenses
    "subscription.add": _("Subscription added"),
    "subscription.seats_add": _("Seats added"),
    "subscription.plan_change": _("Plan changed"),
    "subscription.plan_schedule": _("Plan change scheduled"),
    "subscription.renew": _("Subscription renewed"),
    "subscription.cancel": _("Subscription cancelled"),
    "subscription.reactivate": _("Subscription reactivated"),
    "subscription.suspend": _("Subscription suspended"),
    "subscription.auto_renew_on": _("Auto Renew turned on"),
    "subscription.auto_renew_off": _("Auto Renew turned off"),
    "subscription.trial_start": _("Free trial started"),
    "subscription.trial_reminder": _("Trial reminder sent"),
    "subscription.trial_expire": _("Free trial ended"),
    "subscription.trial_convert": _("Trial converted to a subscription"),
    "product.trial_set": _("Trial terms of a product changed"),
    "license.assign": _("License assigned"),
    "license.unassign": _("License removed"),
    # Payment methods and payments
    "payment_method.add": _("Card added"),
    "payment_method.expiry_reminder": _("Card expiry reminder sent"),
    "payment_method.single_use_retire": _("Single-use card removed"),
    "payment_profile.set": _("Payment Profile changed"),
    "payment.charge_pending": _("Card charge started"),
    "payment.charge_succeeded": _("Card charged"),
    "payment.charge_declined": _("Card charge declined"),
    "payment.charge_not_attempted": _("Card charge not attempted"),
    "payment.charge_unknown": _("Card charge outcome unknown"),
    "payment.charge_succeeded_late": _("Card charge succeeded late"),
    "payment.late_payment_refunded": _("Late payment refunded"),
    "payment.refund_pending": _("Refund started"),
    "payment.refund_succeeded": _("Refunded"),
    "payment.refund_failed": _("Refund failed"),
    "payment.refund_not_attempted": _("Refund not attempted"),
    "payment.refund_unknown": _("Refund outcome unknown"),
    # Purchases (the sales pipeline's steps)
    "purchase.started": _("Purchase started"),
    "purchase.invoiced": _("Purchase invoiced"),
    "purchase.charged": _("Purchase charged"),
    "purchase.applied": _("Purchase applied"),
    "purchase.paid": _("Purchase paid"),
    "purchase.notified": _("Purchase confirmation sent"),
    "purchase.completed": _("Purchase completed"),
    "purchase.declined": _("Purchase declined"),
    # Invoices, credit notes and account credit
    "invoice.issue": _("Invoice issued"),
    "credit_note.issue": _("Credit note issued"),
    "invoice.record_payment": _("Payment recorded on invoice"),
    "invoice.settle": _("Invoice settled"),
    "invoice.archive": _("Invoice documents archived"),
    "account_credit.open": _("Account credit opened"),
    "account_credit.apply": _("Account credit used"),
    # Quotes and service orders (Corporate Billing Portal)
    "quote.create": _("Quote created"),
    "quote.accept": _("Quote accepted"),
    "quote.reject": _("Quote rejected"),
    "quote.expire": _("Quote expired"),
    "service_order.create": _("Service order created"),
    "service_order.update": _("Service order changed"),
    "service_order.place": _("Service order placed"),
    "service_order.received": _("Service order received"),
    "service_order.processing": _("Service order processing"),
    "service_order.completed": _("Service order completed"),
    "service_order.failed": _("Service order failed"),
    # Customer service
    "support.case_request": _("Support request received"),
    "support.case_open": _("Support case opened"),
    "support.case_assign": _("Support case assigned"),
    "support.case_note": _("Internal note added to support case"),
    "support.case_reply": _("Customer service replied"),
    "support.case_account_link": _("Support case linked to the account"),
    "support.case_close": _("Support case closed"),
    "support.verification_pass": _("Card holder verification passed"),
    "support.verification_fail": _("Card holder verification failed"),
    "support.billing_contact_change": _("Billing contact changed by customer service"),
    "support.billing_contact_change_refused": _("Billing contact change refused"),
    # Reference data (no account)
    "vat_rate.add": _("VAT rate added"),
    "vat_rate.close": _("VAT rate ended"),
    "exchange_rates.import": _("Exchange rates imported"),
}


def action_label(action: str) -> str:
    """The label of ``action`` in the active language; an unknown code as it is."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_choices() -> list[tuple[str, str]]:
    """Every labelled action as (code, label), sorted by label in the active language."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=_by_label)


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()

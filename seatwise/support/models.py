"""Customer service: support cases opened from the help center, and their timeline.

A case is opened by a customer (signed in, or a visitor who confirms their e-mail address
through a link) from the contact options at the end of a help article. Vendor staff work it in
the support console: assign it, write internal notes, reply by e-mail, and for a request to
change the billing contact (help article "Change the billing contact") verify the card on file
with the requester's answers before making the change (``seatwise.support.verification``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Account, Person
from seatwise.core.models import ChoiceLabels

CASE_SUBJECT_MAX = 120
CASE_MESSAGE_MAX = 4000
COMPANY_NAME_MAX = 200


class Case(ChoiceLabels):
    class Topic(models.TextChoices):
        BILLING_CONTACT_CHANGE = "billing_contact_change", _("Change the billing contact")
        BILLING = "billing", _("Billing, invoices and payments")
        SUBSCRIPTION = "subscription", _("Subscriptions, plans and seats")
        ACCOUNT = "account", _("Users, admins and licenses")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        # A visitor's request waits until they open the link e-mailed to them: until then it
        # is not in the console's queue, and it has no case number to quote yet.
        UNCONFIRMED = "unconfirmed", _("Waiting for e-mail confirmation")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Resolution(models.TextChoices):
        BILLING_CONTACT_CHANGED = "billing_contact_changed", _("Billing contact changed")
        ANSWERED = "answered", _("Answered")
        VERIFICATION_FAILED = "verification_failed", _("Declined: identity not verified")
        DUPLICATE = "duplicate", _("Duplicate of another case")
        NO_REPLY = "no_reply", _("No reply from the customer")

    # "CS-000042": given when the case is opened (confirmed), never reused, unique.
    number = models.CharField(_("case number"), max_length=20, unique=True, null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # The account the case concerns: the requester's own when signed in; otherwise linked by
    # the agent from the company name the visitor gave.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="support_cases", null=True, blank=True
    )
    # Who asks: a signed-in person, or a visitor with a name and a confirmed e-mail address.
    requester_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="support_cases", null=True, blank=True
    )
    requester_name = models.CharField(_("name"), max_length=2 * NAME_MAX + 1)
    requester_email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX)
    requester_language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    company_name = models.CharField(_("company"), max_length=COMPANY_NAME_MAX, blank=True)
    subject = models.CharField(_("subject"), max_length=CASE_SUBJECT_MAX)
    message = models.TextField(_("message"), max_length=CASE_MESSAGE_MAX, blank=True)
    # The help article whose contact options opened the case (its slug), if any.
    source_article = models.CharField(max_length=64, blank=True)
    # A request to change the billing contact: who is to become the billing contact.
    new_contact_first_name = models.CharField(max_length=NAME_MAX, blank=True)
    new_contact_last_name = models.CharField(max_length=NAME_MAX, blank=True)
    new_contact_email = models.EmailField(max_length=EMAIL_MAX, blank=True)
    # The client address that sent the request (rate limit of the contact form).
    client = models.CharField(max_length=64, blank=True)
    # The key of the contact form that sent the request: a double-submitted form finds the
    # case it opened, instead of opening a second one.
    request_key = models.CharField(max_length=64, blank=True)
    assignee = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        null=True,
        blank=True,
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=32, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(max_length=CASE_MESSAGE_MAX, blank=True)
    # Verification of the card on file (seatwise.support.verification): the last pass, the
    # card it matched, and until when failed attempts lock further ones.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_payment_method_id = models.BigIntegerField(null=True, blank=True)
    verified_by_id = models.BigIntegerField(null=True, blank=True)
    verification_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["unconfirmed", "open", "closed"]),
                name="case_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="unconfirmed") | models.Q(number__isnull=False),
                name="case_opened_has_number",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(resolution=""),
                name="case_closed_has_resolution",
            ),
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="case_request_key_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(topic="billing_contact_change")
                | ~models.Q(new_contact_email=""),
                name="case_billing_contact_change_names_new_contact",
            ),
        ]
        indexes = [
            # The console's queue: open cases, oldest first (keyset on id).
            models.Index(fields=["status", "id"], name="case_status_idx"),
            models.Index(fields=["assignee", "status", "id"], name="case_assignee_idx"),
            models.Index(fields=["account", "id"], name="case_account_idx"),
            # The contact form's rate limits.
            models.Index(fields=["requester_email", "created_at"], name="case_requester_idx"),
            models.Index(fields=["client", "created_at"], name="case_client_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"({self.get_status_display()})"

    @property
    def is_billing_contact_change(self) -> bool:
        return self.topic == self.Topic.BILLING_CONTACT_CHANGE

    @property
    def new_contact_name(self) -> str:
        return f"{self.new_contact_first_name} {self.new_contact_last_name}".strip()


class CaseEvent(models.Model):
    """One entry of a case's timeline, append-only: what happened, who did it, when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ASSIGNED = "assigned", _("Assigned")
        ACCOUNT_LINKED = "account_linked", _("Account linked")
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply e-mailed")
        VERIFICATION_PASSED = "verification_passed", _("Verification passed")
        VERIFICATION_FAILED = "verification_failed", _("Verification failed")
        BILLING_CONTACT_CHANGED = "billing_contact_changed", _("Billing contact changed")
        CHANGE_REFUSED = "change_refused", _("Change refused")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor_label = models.CharField(max_length=200)
    actor_person_id = models.BigIntegerField(null=True, blank=True)
    # A note's or reply's text; for a verification, nothing the requester said is kept.
    body = models.TextField(blank=True)
    # Why a verification or a change was refused (a stable code, see support.verification).
    reason = models.CharField(max_length=40, blank=True)
    # The OutgoingEmail row of a reply.
    email_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "id"], name="case_event_case_idx"),
            # Failed verifications of a case in the last 24 hours (the lock).
            models.Index(fields=["case", "kind", "at"], name="case_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.kind}"

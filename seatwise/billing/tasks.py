"""Background tasks of billing. Each is idempotent: delivery is at least once."""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils import timezone

from seatwise.audit.actors import Actor
from seatwise.billing.direct_debits import direct_debits_collect
from seatwise.billing.refunds import late_payments_settle
from seatwise.billing.renewals import renewals_bill


@task()
def renewals_run_task(*, on: str | None = None) -> int:
    """The bill run of the subscriptions due on ``on`` (ISO date; today when empty): their
    invoices issued here, their charges handed to the workers; how many it invoiced. Safe to
    run twice or after a crash: each term is invoiced and charged once
    (``billing.renewals``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return renewals_bill(on=day, by=Actor.system("billing.renewals")).invoiced


@task()
def late_payments_settle_task() -> int:
    """Refund the payments no purchase kept (``billing.refunds``). Idempotent: one refund
    purchase per charge."""
    return late_payments_settle(by=Actor.system("billing.refunds"))


@task()
def direct_debits_collect_task(*, on: str | None = None) -> int:
    """Debit the open direct-debit invoices due on ``on`` (ISO date; today when empty) or
    before under their mandates; how many it collected. Safe to run twice or after a crash:
    each invoice is debited by one purchase, once (``billing.direct_debits``)."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return direct_debits_collect(on=day, by=Actor.system("billing.direct_debits")).collected

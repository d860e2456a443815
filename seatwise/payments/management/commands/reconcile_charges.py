from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seatwise.audit.actors import Actor
from seatwise.payments.reconcile import charges_reconcile


class Command(BaseCommand):
    help = (
        "Settle charges and refunds whose outcome is unknown by asking the payment gateway "
        "(calls older than SEATWISE_GATEWAY_GRACE_SECONDS), and record late successes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        settled = charges_reconcile(by=Actor.system("payments.reconcile_charges"))
        self.stdout.write(f"{settled} charge(s) or refund(s) settled")

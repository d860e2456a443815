"""A separate process issuing invoices against the test database (the concurrency tests).

    python -m tests.invoicing.issue_worker ACCOUNT_ID COUNT START_AT

waits until the wall-clock time START_AT (so that all workers start together), issues COUNT
invoices to the account, one transaction each, and exits 0.
"""

from __future__ import annotations

import os
import sys
import time

import django


def main() -> None:
    account_id, count, start_at = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from seatwise.accounts.models import Account
    from seatwise.audit.actors import Actor
    from seatwise.invoicing.services import invoice_issue
    from tests.invoicing.helpers import GERMAN_VAT, ISSUED_ON, five_seats

    account = Account.objects.get(pk=account_id)
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(count):
        invoice_issue(
            account=account,
            lines=[five_seats()],
            tax=GERMAN_VAT,
            source="purchase",
            issue_date=ISSUED_ON,
            by=Actor.system(f"worker-{os.getpid()}"),
        )


if __name__ == "__main__":
    main()

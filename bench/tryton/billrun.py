"""B4's peer: Tryton's bill run, run by the Python of Tryton's own virtual environment (made by
``bench/tryton.py``, which also creates the database and activates ``sale_subscription`` on it
with ``trytond-admin``; this script imports ``trytond`` and ``proteus``, not Seatwise).

``TRYTOND_CONFIG=CONFIG python billrun.py DATABASE COUNT`` (``trytond`` reads its configuration
file when it is imported: the database server's URI, a queue worker).

Set up, not timed: through ``proteus`` (the helpers of Tryton's own test scenarios), a company
in EUR, the minimal chart of accounts, a fiscal year with monthly periods and invoice
sequences, a 19 % tax on the revenue of an account category, a service product at 12.00 EUR a
unit with a monthly consumption recurrence (``sale.subscription.service``) and a monthly
invoice recurrence; then in bulk (``create`` with lists, in one transaction), ``COUNT`` parties
with an address, each with one subscription of one line of quantity ``1 + n % 20``, quoted and
running. Each started a month ago less a day: one monthly period is consumed and one invoice
is due today, like Seatwise's monthly subscriptions whose term ended yesterday. ``ANALYZE``.

Timed, as Tryton's scheduler does it (``ir.cron`` runs each task as user 0 with the company in
the context, in a transaction of its own, committed): ``sale.subscription.line``
``generate_consumption`` then ``sale.subscription`` ``generate_invoice`` (one draft invoice of
one line, with its tax line, per subscription), each in a transaction of its own; then, since
those invoices end in draft without a number, ``account.invoice`` ``post`` of all of them in one
transaction (numbered from the fiscal year's invoice sequence, an account move of three lines
each, posted). The server is configured with a queue worker (``[queue] worker = True``), so the
invoice reports that posting queues (``print_invoice``) are left in ``ir.queue`` for a worker,
as Seatwise leaves its documents to its task workers.

Prints one JSON line: invoices and lines created, seconds of each step, invoices per second
through posting (``invoices_per_s``) and up to the draft invoices (``draft_invoices_per_s``),
the version of ``trytond``.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import trytond
from dateutil.relativedelta import relativedelta
from proteus import Model
from proteus import config as proteus_config
from trytond.modules.account.tests.tools import (
    create_chart,
    create_fiscalyear,
    create_tax,
    get_accounts,
)
from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
from trytond.modules.company.tests.tools import create_company, get_company
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

UNIT_PRICE = Decimal("12.00")
VAT = Decimal("0.19")
# Per step, each attempt that Tryton abandoned to start again with more locks: its seconds and
# the table it then locks.
RESTARTS: dict[str, list[tuple[float, str]]] = {}


def _in_transaction[T](
    database: str, context: dict[str, Any], work: Callable[[], T], name: str = ""
) -> T:
    """``work()`` in a transaction of its own as user 0, committed; started again with the
    locks it asked for when it needs some (``TransactionError``: rolled back, then started
    with the tables or records locked), as ``ir.cron`` and the RPC dispatcher do."""
    extras: dict[str, Any] = {}
    while True:
        started = time.perf_counter()
        try:
            with Transaction().start(database, 0, context=context, **extras):
                return work()
        except TransactionError as error:
            error.fix(extras)
            lock = str(getattr(error, "_table", type(error).__name__))
            RESTARTS.setdefault(name, []).append((time.perf_counter() - started, lock))


def _catalogue(today: datetime.date) -> dict[str, int]:
    """The company, its accounting and the subscribed service, through proteus; their ids."""
    _company_config = create_company(currency="EUR")
    company = get_company()
    _chart = create_chart(company)
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today))
    fiscalyear.save()
    fiscalyear.click("create_period")
    accounts = get_accounts(company)

    tax = create_tax(VAT, company)
    tax.save()

    monthly_rules = Model.get("sale.subscription.recurrence.rule.set")(name="Monthly")
    rule = monthly_rules.rules[0]
    rule.freq = "monthly"
    rule.interval = 1
    monthly_rules.save()

    category = Model.get("product.category")(name="Subscriptions", accounting=True)
    category.account_revenue = accounts["revenue"]
    category.customer_taxes.append(tax)
    category.save()

    unit = Model.get("product.uom").find([("name", "=", "Unit")])[0]
    template = Model.get("product.template")(
        name="Meeting seat, monthly", type="service", default_uom=unit, list_price=UNIT_PRICE
    )
    template.account_category = category
    template.save()
    product = template.products[0]
    service = Model.get("sale.subscription.service")(
        product=product, consumption_recurrence=monthly_rules
    )
    service.save()
    return {
        "company": company.id,
        "currency": company.currency.id,
        "recurrence": monthly_rules.id,
        "service": service.id,
        "unit": unit.id,
    }


def _subscriptions(database: str, ids: dict[str, int], count: int, start: datetime.date) -> None:
    """``count`` parties with an address and one running subscription each, in bulk."""

    def create() -> None:
        pool = Pool()
        party_model = pool.get("party.party")
        subscription_model = pool.get("sale.subscription")
        parties = party_model.create(
            [
                {
                    "name": f"Bill Run {n} GmbH",
                    "addresses": [
                        ("create", [{"street": f"Hauptstraße {n}", "postal_code": "10115"}])
                    ],
                }
                for n in range(count)
            ]
        )
        subscriptions = subscription_model.create(
            [
                {
                    "company": ids["company"],
                    "currency": ids["currency"],
                    "party": party.id,
                    "invoice_address": party.addresses[0].id,
                    "start_date": start,
                    "invoice_recurrence": ids["recurrence"],
                    "lines": [
                        (
                            "create",
                            [
                                {
                                    "service": ids["service"],
                                    "quantity": 1 + n % 20,
                                    "unit": ids["unit"],
                                    "unit_price": UNIT_PRICE,
                                    "start_date": start,
                                    "consumption_recurrence": ids["recurrence"],
                                }
                            ],
                        )
                    ],
                }
                for n, party in enumerate(parties)
            ]
        )
        subscription_model.quote(subscriptions)
        subscription_model.run(subscriptions)

    _in_transaction(database, {"company": ids["company"]}, create)


def _analyze(database: str) -> None:
    _in_transaction(database, {}, lambda: Transaction().connection.cursor().execute("ANALYZE"))


def _step(database: str, context: dict[str, Any], model: str, method: str, *args: Any) -> float:
    """Seconds to call ``model.method(*args)`` in a transaction of its own, committed."""
    started = time.perf_counter()
    _in_transaction(
        database, context, lambda: getattr(Pool().get(model), method)(*args), name=method
    )
    return time.perf_counter() - started


def _post(database: str, context: dict[str, Any]) -> tuple[int, float]:
    """Posts every draft invoice in one transaction: (invoices, seconds)."""

    def post() -> int:
        invoice_model = Pool().get("account.invoice")
        invoices = invoice_model.search([("state", "=", "draft")])
        invoice_model.post(invoices)
        return len(invoices)

    started = time.perf_counter()
    posted = _in_transaction(database, context, post, name="post")
    return posted, time.perf_counter() - started


def _counts(database: str) -> dict[str, int]:
    def count() -> dict[str, int]:
        pool = Pool()
        invoice_model = pool.get("account.invoice")
        return {
            "invoices": invoice_model.search_count([]),
            "posted": invoice_model.search_count([("state", "=", "posted")]),
            "numbered": invoice_model.search_count([("number", "!=", None)]),
            "invoice_lines": pool.get("account.invoice.line").search_count([]),
            "tax_lines": pool.get("account.invoice.tax").search_count([]),
            "move_lines": pool.get("account.move.line").search_count([]),
            "consumptions": pool.get("sale.subscription.line.consumption").search_count([]),
        }

    return _in_transaction(database, {}, count)


def main() -> None:
    database, count_arg = sys.argv[1:]
    count = int(count_arg)
    setup_started = time.perf_counter()
    proteus_config.set_trytond(database=database)
    today: datetime.date = _in_transaction(database, {}, lambda: Pool().get("ir.date").today())
    ids = _catalogue(today)
    # One monthly period due: consumed from its start, invoiced on it; the next one tomorrow.
    start = today - relativedelta(months=1) + datetime.timedelta(days=1)
    _subscriptions(database, ids, count, start)
    _analyze(database)
    setup_seconds = time.perf_counter() - setup_started

    # As ir.cron runs its tasks (company.ir.Cron.run_once sets the company).
    context = {"company": ids["company"], "_skip_warnings": True}
    consumption_seconds = _step(
        database, context, "sale.subscription.line", "generate_consumption", today
    )
    invoice_seconds = _step(database, context, "sale.subscription", "generate_invoice", today)
    drafts = _counts(database)
    posted_by_post, post_seconds = _post(database, context)
    counts = _counts(database)

    draft_seconds = consumption_seconds + invoice_seconds
    restart_seconds = sum(seconds for steps in RESTARTS.values() for seconds, _lock in steps)
    wall_seconds = draft_seconds + post_seconds
    seconds = wall_seconds - restart_seconds
    posted = counts["posted"]
    print(
        json.dumps(
            {
                "subscriptions": count,
                "invoices": counts["invoices"],
                "posted": posted == counts["invoices"] == counts["numbered"] > 0,
                "posted_invoices": posted,
                "posted_by_post": posted_by_post,
                "draft_invoices": drafts["invoices"],
                "draft_tax_lines": drafts["tax_lines"],
                **{name: n for name, n in counts.items() if name not in ("invoices", "posted")},
                # Through posting, without the attempts Tryton abandoned and started again.
                "seconds": seconds,
                "invoices_per_s": posted / seconds,
                # The same, with those attempts: the wall-clock time of the timed steps.
                "wall_seconds": wall_seconds,
                "invoices_per_s_with_restarts": posted / wall_seconds,
                "restart_seconds": restart_seconds,
                "restarts": RESTARTS,
                # Up to the draft invoices: what Tryton's scheduler does on its own.
                "draft_seconds": draft_seconds,
                "draft_invoices_per_s": drafts["invoices"] / draft_seconds,
                "consumption_seconds": consumption_seconds,
                "invoice_seconds": invoice_seconds,
                "post_seconds": post_seconds,
                "setup_seconds": setup_seconds,
                "version": trytond.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()

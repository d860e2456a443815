"""The one pipeline every purchase runs through.

A purchase (``sales.models.Purchase``) goes through the same steps in the same order, whatever
its kind: ``invoiced`` → ``charged`` → ``applied`` → ``paid`` → ``notified`` → ``completed``.
Its plan (``sales.plans``) says what each step does for its kind; this module says how every
step is run:

- **Once.** A step runs in a transaction with the purchase's row locked, only if the
  purchase's ``step`` is the one before it, and commits together with ``step`` naming it and
  its audit entry (``purchase.<step>``). A worker killed at any point, a customer's retry and
  the resume job running at once each find the step done or do it; none does it twice.
  ``purchase_run`` runs the steps after the charge (``applied`` to ``completed``) in one such
  transaction: nothing calls out between them, so one commit does for all four.
- **One key scheme.** Everything a step creates elsewhere is created under
  ``purchase:<id>:<step>[:<try>]``: the invoice (``:invoice``), the charge of each try
  (``:charge:<try>``), the credit note that voids an unpaid purchase (``:void``).
- **The charge** is the only step that calls out: outside any transaction, at most once per
  key (``payments.services.charge_card`` asks the gateway, never charges again, about an
  attempt whose outcome is unknown). A success is recorded as the step; a decline (or no charge
  possible) goes to the plan's ``declined`` (void the invoice and fail, or try again later); an
  unknown outcome leaves the purchase open at ``invoiced`` until the gateway says otherwise.
- **Batches.** ``purchases_start_many`` starts many purchases of a kind in one transaction
  and ``steps_run`` runs one step for many purchases in one transaction (the plan's
  ``invoice_many`` may issue a block of invoices at once); ``purchases_start_and_run`` does
  both in one transaction, the purchases it stored not read again (the renewal run's
  batches; one at a time after a failure).
- **Resumption.** ``purchases_resume`` (every minute) runs again every open purchase whose
  ``resume_at`` has come: an unknown charge settled since, a crashed worker's purchase.

**Fault hook** (tests and drills): when the environment variable ``SEATWISE_PURCHASE_FAULT``
is ``<step>`` or ``<kind>:<step>``, the process kills itself with SIGKILL right after that step
committed, as a crash at the worst moment would (steps run together commit at that step).
"""

from __future__ import annotations

import logging
import os
import signal
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.models import Account
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, audit_record_many
from seatwise.core.bulk import rows_update, values_insert
from seatwise.core.errors import Refused, ServiceError
from seatwise.core.memo import memo_scope
from seatwise.invoicing.models import Invoice
from seatwise.payments.models import Charge, PaymentMethod, Refund
from seatwise.payments.services import call_grace
from seatwise.sales.lock_objects import purchase_lock, purchases_lock
from seatwise.sales.models import STEPS, Purchase
from seatwise.sales.plans import PurchasePlan, plan_for

logger = logging.getLogger(__name__)

FAULT_ENV = "SEATWISE_PURCHASE_FAULT"
BATCH_SIZE = 100
# The fields a step may change on the purchase, saved with the step.
_SAVED = [
    "step",
    "status",
    "invoice",
    "charge",
    "refund",
    "void_note",
    "tries",
    "resume_at",
    "failure_code",
    "failure_message",
    "updated_at",
    "completed_at",
]
_SAVED_ATTNAMES = [
    field.attname
    for name in _SAVED
    for field in Purchase._meta.concrete_fields
    if field.name == name
]


def step_key(purchase: Purchase, step: str, attempt: int | None = None) -> str:
    """The idempotency key of what ``step`` of ``purchase`` creates elsewhere."""
    key = f"purchase:{purchase.pk}:{step}"
    return f"{key}:{attempt}" if attempt is not None else key


def purchase_start(
    *,
    kind: str,
    account: Account,
    key: str,
    params: dict[str, Any],
    by: Actor,
    lines: dict[str, Any] | None = None,
    currency: str = "",
    payment_method: PaymentMethod | None = None,
    invoice: Invoice | None = None,
) -> tuple[Purchase, bool]:
    """Store a new purchase, or find the one started before under ``key`` (True: new).

    Call it in the caller's transaction, under the lock that serialises the purchase's checks
    (the account's, or the invoice's for Pay Now): a twin call with the same key then finds the
    first one's purchase. The same key for another purchase is refused.
    """
    earlier = Purchase.objects.filter(account_id=account.pk, key=key).first()
    if earlier is not None:
        if earlier.kind != kind or earlier.params != params:
            raise Refused(
                "idempotency_key_reused",
                _("This idempotency key was already used for another purchase."),
                field="idempotency_key",
            )
        return earlier, False
    now = timezone.now()
    purchase = Purchase.objects.create(
        kind=kind,
        account=account,
        key=key,
        params=params,
        lines=lines or {},
        currency=currency,
        payment_method=payment_method,
        invoice=invoice,
        # Left to its caller for as long as a gateway call may take.
        resume_at=now + call_grace(),
        created_at=now,
        updated_at=now,
    )
    audit_record(
        by=by,
        action="purchase.started",
        obj=purchase,
        account_id=account.pk,
        new={"kind": kind, **{k: str(v) for k, v in params.items()}},
    )
    return purchase, True


@dataclass(frozen=True, slots=True)
class NewPurchase:
    """One purchase for ``purchases_start_many``: as the arguments of ``purchase_start``."""

    account_id: int
    key: str
    params: dict[str, Any]
    currency: str = ""


# The columns a new purchase is stored with (its links to invoice, charge … are null).
_STARTED_FIELDS = (
    "kind",
    "account_id",
    "key",
    "params",
    "lines",
    "currency",
    "step",
    "status",
    "tries",
    "resume_at",
    "failure_code",
    "failure_message",
    "created_at",
    "updated_at",
)
# Every column of a purchase, in the model's order (a new one is built from its row), and
# where the key and the stored columns are in it.
_ATTNAMES = [field.attname for field in Purchase._meta.concrete_fields]
_PK_AT = _ATTNAMES.index("id")
_STARTED_AT = [_ATTNAMES.index(name) for name in _STARTED_FIELDS]


def purchases_start_many(*, kind: str, new: list[NewPurchase], by: Actor) -> list[Purchase]:
    """``purchase_start`` for a batch of one ``kind``, set-based, in one transaction of its
    own: the purchases not started yet stored in one insert of plain rows that returns their
    keys, with their ``purchase.started`` audit entries in another; the batch's purchases
    returned in the order of ``new`` (those just stored built from their rows, not read back).

    A purchase started before under its (account, key), by an earlier run or a concurrent one,
    is read and returned as it stands (the unique constraint keeps one; ``ignore_conflicts``);
    its start was audited by whoever stored it. A key already used by a purchase of another
    kind or with other params is left out and logged.
    """
    with transaction.atomic():
        purchases, _stored = _purchases_start(kind=kind, new=new, by=by)
    return purchases


def purchases_start_and_run(
    step: str, *, kind: str, new: list[NewPurchase], by: Actor, accounts: bool = True
) -> tuple[list[Purchase], list[Purchase]]:
    """``purchases_start_many`` and ``steps_run`` of ``step`` for the batch's purchases whose
    next step it is, in one transaction: the purchases it has just stored are its own rows
    (inserted by this transaction, nobody else sees them), so they are not locked and read
    again; only those started before are. The purchases as ``purchases_start_many`` returns
    them, and those the step ran for. The fault hook fires after the commit, as after
    ``steps_run``: a crash leaves the batch either not started or started with its step done.
    """
    _check_batch_step(step)
    with transaction.atomic(), memo_scope():
        purchases, stored = _purchases_start(kind=kind, new=new, by=by)
        earlier = [p.pk for p in purchases if p.pk not in stored and p.next_step == step]
        held = [p for p in purchases if p.pk in stored]
        if earlier:
            held.extend(purchases_lock(earlier, accounts=accounts))
        # In id order, as ``purchases_lock`` reads them (the order their invoices are numbered).
        todo = _steps_do_many(step, sorted(held, key=_pk), by=by)
    for purchase in todo:
        _fault_point(purchase.kind, step)
    return purchases, todo


def _pk(purchase: Purchase) -> int:
    return purchase.pk


def _purchases_start(
    *, kind: str, new: list[NewPurchase], by: Actor
) -> tuple[list[Purchase], set[int]]:
    """``purchases_start_many`` in the caller's transaction; with the keys of the purchases
    it stored (the others were started before)."""
    if not new:
        return [], set()
    now = timezone.now()
    # Left to its caller for as long as a gateway call may take.
    resume_at = now + call_grace()
    status = Purchase.Status.OPEN.value
    rows: list[tuple[Any, ...]] = [
        # In the order of _STARTED_FIELDS.
        (
            kind,
            item.account_id,
            item.key,
            item.params,
            {},
            item.currency,
            "",
            status,
            1,
            resume_at,
            "",
            "",
            now,
            now,
        )
        for item in new
    ]
    stored = values_insert(
        Purchase,
        _STARTED_FIELDS,
        rows,
        returning=("id", "account_id", "key"),
        ignore_conflicts=True,
    )
    ours = {(account_id, key): pk for pk, account_id, key in stored}
    earlier: dict[tuple[int, str], Purchase] = {}
    if len(ours) < len(new):
        missing = [item for item in new if (item.account_id, item.key) not in ours]
        earlier = {
            (purchase.account_id, purchase.key): purchase
            for purchase in Purchase.objects.filter(
                account_id__in={item.account_id for item in missing},
                key__in={item.key for item in missing},
            )
        }
    purchases: list[Purchase] = []
    started: list[tuple[int, int | None, dict[str, Any] | None]] = []
    db = Purchase.objects.db
    for item, row in zip(new, rows, strict=True):
        pk = ours.get((item.account_id, item.key))
        if pk is not None:
            # Every column in the model's order: the stored ones, the key, nulls elsewhere.
            values: list[Any] = [None] * len(_ATTNAMES)
            values[_PK_AT] = pk
            for at, value in zip(_STARTED_AT, row, strict=True):
                values[at] = value
            purchase = Purchase.from_db(db, _ATTNAMES, values)
            started.append((pk, item.account_id, {"kind": kind, **_texts(item.params)}))
        else:
            found = earlier.get((item.account_id, item.key))
            if found is None or found.kind != kind or found.params != item.params:
                logger.error("purchase key %s of account %s: reused", item.key, item.account_id)
                continue
            purchase = found
        purchases.append(purchase)
    audit_record_many(by=by, action="purchase.started", model=Purchase, entries=started)
    return purchases, set(ours.values())


def _texts(params: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in params.items()}


def purchases_in_flight(*, account_id: int, kinds: tuple[str, ...]) -> bool:
    """Whether a purchase of one of ``kinds`` of the account is still open."""
    return Purchase.objects.filter(
        account_id=account_id, kind__in=kinds, status=Purchase.Status.OPEN
    ).exists()


def purchase_run(purchase_id: int, *, by: Actor) -> Purchase:
    """Run the purchase's remaining steps; return it as it stands (``open`` while its charge's
    outcome is unknown, or after a decline its plan tries again later). Call it outside
    ``transaction.atomic()``: the charge must be committed before the gateway is called. A
    refusal of the card before the gateway is called (it was removed) fails the purchase and
    is raised."""
    while True:
        purchase = Purchase.objects.select_related(
            "account", "invoice", "charge", "payment_method"
        ).get(pk=purchase_id)
        step = purchase.next_step
        if step is None:
            return purchase
        if step == "charged":
            if not _charge_step(purchase, plan_for(purchase.kind), by=by):
                return Purchase.objects.get(pk=purchase_id)
        else:
            _steps_run_up_to_charge(purchase_id, by=by)


def steps_run(
    step: str, purchase_ids: list[int], *, by: Actor, accounts: bool = True
) -> list[Purchase]:
    """Run ``step`` (any step but ``charged``) for the purchases whose next step it is, in one
    transaction; the purchases it ran for. ``accounts`` False: the purchases are read without
    their accounts (a batch whose plan reads what it needs set-based, the bill run's)."""
    _check_batch_step(step)
    # The batch's lookups (prices, VAT rates, plan names) are read once (``core.memo``).
    with transaction.atomic(), memo_scope():
        todo = _steps_do_many(step, purchases_lock(purchase_ids, accounts=accounts), by=by)
    for purchase in todo:
        _fault_point(purchase.kind, step)
    return todo


def _check_batch_step(step: str) -> None:
    if step == "charged" or step not in STEPS:
        raise ValueError(f"steps_run cannot run {step!r}")


def _steps_do_many(step: str, locked: list[Purchase], *, by: Actor) -> list[Purchase]:
    """``step`` for those of the held purchases whose next step it is, recorded; in the
    caller's transaction. The purchases it ran for."""
    todo = [p for p in locked if p.next_step == step]
    before = [_saved_values(purchase) for purchase in todo]
    by_kind: dict[str, list[Purchase]] = defaultdict(list)
    for purchase in todo:
        by_kind[purchase.kind].append(purchase)
    for kind, purchases in by_kind.items():
        plan = plan_for(kind)
        if step == "invoiced":
            plan.invoice_many(purchases, by=by)
        else:
            for purchase in purchases:
                _step_do(plan, purchase, step, by=by)
    _steps_record(todo, step, by=by, before=before)
    return todo


def _saved_values(purchase: Purchase) -> tuple[Any, ...]:
    return tuple(getattr(purchase, attname) for attname in _SAVED_ATTNAMES)


def _steps_run_up_to_charge(purchase_id: int, *, by: Actor) -> None:
    """One purchase's next steps up to its charge or its end, in one transaction: after the
    charge, ``applied`` → ``paid`` → ``notified`` → ``completed`` commit together instead of
    in one transaction each (nothing calls out between them). Each step is still done only
    if it is the next one and recorded with its own ``step`` and audit entry; a crash before
    the commit leaves the purchase at ``charged``, to be resumed. The fault hook ends the
    transaction at the step it names, so that a drill still stops right after any step."""
    kind = ""
    done: list[str] = []
    with transaction.atomic(), memo_scope():
        while True:
            # Locked and read afresh for each step, as ``steps_run`` does: a step sees what
            # the one before it wrote, never a copy cached before it.
            [purchase] = purchases_lock([purchase_id])
            kind, step = purchase.kind, purchase.next_step
            if step is None or step == "charged":
                break
            plan = plan_for(kind)
            if step == "invoiced":
                plan.invoice_many([purchase], by=by)
            else:
                _step_do(plan, purchase, step, by=by)
            _step_record(purchase, step, by=by)
            done.append(step)
            if _fault_named(kind, step):
                break
    for step in done:
        _fault_point(kind, step)


def _step_do(plan: PurchasePlan, purchase: Purchase, step: str, *, by: Actor) -> None:
    if step == "applied":
        plan.apply(purchase, by=by)
    elif step == "paid":
        plan.pay(purchase, by=by)
    elif step == "notified":
        plan.notify(purchase, by=by)


def _step_record(purchase: Purchase, step: str, *, by: Actor) -> None:
    """Mark ``step`` done on the locked purchase, with its audit entry."""
    _steps_record([purchase], step, by=by)


def _steps_record(
    purchases: list[Purchase],
    step: str,
    *,
    by: Actor,
    before: list[tuple[Any, ...]] | None = None,
) -> None:
    """Mark ``step`` done on the locked purchases, set-based: one UPDATE of their rows and
    one INSERT of their audit entries (a bill run's batch records its step at once).

    ``before``: the purchases' ``_SAVED`` values as read (or stored) before the step; then
    only the columns the step changed on some purchase are written (a batch's ``invoiced``
    sets four of twelve, and every column written costs the database its index upkeep)."""
    if not purchases:
        return
    now = timezone.now()
    for purchase in purchases:
        purchase.step = step
        purchase.updated_at = now
        if step == "completed":
            purchase.status = Purchase.Status.COMPLETED
            purchase.completed_at = now
            purchase.resume_at = None
    saved = _SAVED
    if before is not None:
        after = [_saved_values(purchase) for purchase in purchases]
        saved = [
            name
            for index, name in enumerate(_SAVED)
            if any(old[index] != new[index] for old, new in zip(before, after, strict=True))
        ]
    rows_update(purchases, saved)
    audit_record_many(
        by=by,
        action=f"purchase.{step}",
        model=Purchase,
        entries=[
            (purchase.pk, purchase.account_id, _described(purchase)) for purchase in purchases
        ],
    )


def _described(purchase: Purchase) -> dict[str, Any]:
    return {
        "kind": purchase.kind,
        "step": purchase.step,
        "status": purchase.status,
        "invoice": purchase.invoice.number if purchase.invoice is not None else None,
        "charge": purchase.charge_id,
        "refund": purchase.refund_id,
        "void_note": purchase.void_note.number if purchase.void_note is not None else None,
    }


def _charge_step(purchase: Purchase, plan: PurchasePlan, *, by: Actor) -> bool:
    """The charge step: the plan's gateway call (a charge, or a refund). True: the step is
    recorded or the purchase ended; False: the call's outcome is unknown, or it was declined
    and the plan scheduled another try: the purchase waits."""
    key = step_key(purchase, plan.money_step, purchase.tries)
    made = plan.money_found(purchase, key)
    if made is None or plan.outcome(made) == "waiting":
        # A call made before is asked about for the amount it was made for.
        amount = made.amount if made is not None else plan.amount_due(purchase)
        if amount is None:
            # Another payment of the invoice may still take the money: look again later.
            _charge_wait(purchase.pk, None)
            return False
        if made is None and amount <= 0:
            return _charge_settle(purchase.pk, None, by=by, succeeded=True)
        if made is None and _abandoned(purchase, plan):
            return _charge_settle(purchase.pk, None, by=by, succeeded=False)
        if made is None and purchase.payment_method_id is None:
            return _charge_settle(purchase.pk, None, by=by, succeeded=False)
        try:
            made = plan.charge(purchase, key=key, amount=amount, by=by)
        except ServiceError as refusal:
            twin = plan.money_found(purchase, key)
            if twin is None:
                # Refused before the gateway was called (the card was removed): nothing was
                # charged, and no charge holds the key.
                _charge_settle(purchase.pk, None, by=by, succeeded=False, refusal=refusal)
                raise
            # A twin run of the same purchase made the call meanwhile (its charge is what the
            # refusal counted): that call is this step's.
            made = twin
    outcome = plan.outcome(made)
    if outcome == "succeeded":
        return _charge_settle(purchase.pk, made, by=by, succeeded=True)
    if outcome == "declined":
        return _charge_settle(purchase.pk, made, by=by, succeeded=False)
    _charge_wait(purchase.pk, made)
    return False


def _keep(purchase: Purchase, made: Charge | Refund | None) -> None:
    """Keep the step's gateway call on the purchase."""
    if isinstance(made, Refund):
        purchase.refund = made
    else:
        purchase.charge = made


def _abandoned(purchase: Purchase, plan: PurchasePlan) -> bool:
    after = plan.abandon_after
    return after is not None and timezone.now() - purchase.created_at >= after


def _charge_settle(
    purchase_id: int,
    charge: Charge | Refund | None,
    *,
    by: Actor,
    succeeded: bool,
    refusal: ServiceError | None = None,
) -> bool:
    """Record the charge step (``succeeded``: paid, or nothing to pay) or hand the decline to
    the plan, under the purchase's lock; a purchase past this step is left alone. False: the
    plan scheduled another try, the purchase waits for it."""
    with transaction.atomic():
        purchase = purchase_lock(purchase_id)
        if purchase.next_step != "charged":
            return True
        _keep(purchase, charge)
        if succeeded:
            _step_record(purchase, "charged", by=by)
        else:
            tries = purchase.tries
            if isinstance(charge, Refund):
                purchase.failure_code = charge.failure_code or charge.status
                purchase.failure_message = charge.gateway_message[:500]
            elif charge is not None:
                purchase.failure_code = charge.decline_code or charge.status
                purchase.failure_message = charge.message[:500]
            elif refusal is not None:
                purchase.failure_code = refusal.code[:64]
                purchase.failure_message = str(refusal.message)[:500]
            else:
                purchase.failure_code = "no_automatic_payment_method"
            plan_for(purchase.kind).declined(purchase, charge=charge, by=by)
            purchase.updated_at = timezone.now()
            if purchase.status != Purchase.Status.OPEN:
                purchase.resume_at = None
            purchase.save(update_fields=_SAVED)
            audit_record(
                by=by,
                action="purchase.declined",
                obj=purchase,
                account_id=purchase.account_id,
                new={
                    **_described(purchase),
                    "try": tries,
                    "failure_code": purchase.failure_code,
                },
            )
    if succeeded:
        _fault_point(purchase.kind, "charged")
        return True
    # Declined: ended (failed), or open for another try at ``resume_at`` (not now).
    return purchase.status != Purchase.Status.OPEN


def _charge_wait(purchase_id: int, made: Charge | Refund | None) -> None:
    """An unknown outcome (or, ``made`` None, another payment in flight): keep the call on
    the purchase and look again after the grace."""
    with transaction.atomic():
        purchase = purchase_lock(purchase_id)
        if purchase.next_step != "charged":
            return
        if made is not None:
            _keep(purchase, made)
        purchase.resume_at = timezone.now() + call_grace()
        purchase.updated_at = timezone.now()
        purchase.save(update_fields=["charge", "refund", "resume_at", "updated_at"])


def purchases_run(purchase_ids: list[int], *, by: Actor, concurrency: int = 1) -> list[Purchase]:
    """``purchase_run`` for each purchase; the purchases as they stand after it. One
    purchase's failure (logged; its ``resume_at`` brings it back) does not stop the others.
    The bill run hands its renewals to workers this way (``purchases_run_task``).

    ``concurrency`` > 1 runs that many purchases at once, each in a thread with its own
    database connection (closed when its purchase is done): a charge spends its time waiting
    for the gateway, so one worker keeps several calls in flight. Each purchase is still run
    by one thread, under its own lock, as ``purchase_run`` runs it anywhere."""
    if concurrency <= 1 or len(purchase_ids) <= 1:
        ran = (_run_logged(purchase_id, by=by) for purchase_id in purchase_ids)
        return [purchase for purchase in ran if purchase is not None]

    def run_in_thread(purchase_id: int) -> Purchase | None:
        try:
            return _run_logged(purchase_id, by=by)
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return [p for p in pool.map(run_in_thread, purchase_ids) if p is not None]


def _run_logged(purchase_id: int, *, by: Actor) -> Purchase | None:
    try:
        return purchase_run(purchase_id, by=by)
    except Exception:
        logger.exception("purchase %s: not run, resumed later", purchase_id)
        return None


def purchases_resume(*, by: Actor, now: datetime | None = None) -> int:
    """Run again every open purchase whose ``resume_at`` has come; the number that ended
    (completed or failed). One purchase's failure does not stop the others."""
    now = now or timezone.now()
    ended = 0
    after = 0
    while True:
        ids = list(
            Purchase.objects.filter(status=Purchase.Status.OPEN, pk__gt=after)
            .filter(Q(resume_at__isnull=True) | Q(resume_at__lte=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return ended
        after = ids[-1]
        ended += sum(p.status != Purchase.Status.OPEN for p in purchases_run(ids, by=by))


def _fault_named(kind: str, step: str) -> bool:
    """Whether the fault hook names ``step`` of a purchase of ``kind``."""
    fault = os.environ.get(FAULT_ENV)
    return bool(fault) and fault in (step, f"{kind}:{step}")


def _fault_point(kind: str, step: str) -> None:
    """The fault hook: see the module docstring."""
    if _fault_named(kind, step):
        fault = os.environ.get(FAULT_ENV)
        logger.warning("%s=%s: killing the process after this step", FAULT_ENV, fault)
        os.kill(os.getpid(), signal.SIGKILL)

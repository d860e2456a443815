from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from seatwise.core.paging import keyset_page
from seatwise.core.prepared import prepared
from seatwise.payments.models import Charge, PaymentMethod, Refund


def payment_methods_page(
    *, account_id: int, after: int | None, limit: int
) -> tuple[list[PaymentMethod], int | None]:
    """Keyset page of an account's payment methods, removed ones included."""
    qs = PaymentMethod.objects.filter(account_id=account_id).order_by("pk")
    return keyset_page(qs, after=after, limit=limit)


def payment_method_get(payment_method_id: int) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(pk=payment_method_id).first()


@prepared
def _default_payment_method(account_id: int) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(
        account_id=account_id, is_default=True, removed_at__isnull=True
    ).order_by("pk")[:1]


def default_payment_method(*, account_id: int) -> PaymentMethod | None:
    """The card charged for renewals and orders: the account's default, not removed."""
    return next(iter(_default_payment_method(account_id)), None)


def charge_get(charge_id: int) -> Charge | None:
    return Charge.objects.select_related("payment_method").filter(pk=charge_id).first()


def charge_for_key(idempotency_key: str) -> Charge | None:
    return Charge.objects.filter(idempotency_key=idempotency_key).first()


def charges_for_invoice(invoice_id: int) -> list[Charge]:
    """Every charge made for an invoice, oldest first, with its card (for receipts)."""
    return list(
        Charge.objects.select_related("payment_method").filter(invoice_id=invoice_id).order_by("pk")
    )


def refunds_by_credit_note(credit_note_ids: Iterable[int]) -> dict[int, Refund]:
    """The refund of each of these credit notes that has one, in one query: the latest when a
    credit note has several (a retry under a new key after a failed refund)."""
    ids = list(credit_note_ids)
    if not ids:
        return {}
    refunds = Refund.objects.filter(credit_note_id__in=ids).order_by("credit_note_id", "pk")
    return {int(refund.credit_note_id): refund for refund in refunds if refund.credit_note_id}

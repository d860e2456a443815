"""Writes of quotes and service orders: the Add Seats flow of corporate accounts (the help
articles add-seats-corporate and quotes).

A billing admin prices a cart of seats to add (``quote_create``), accepts or rejects the quote
(``quote_accept``, ``quote_reject``; the scheduled ``quotes_expire`` expires an open quote 7 days
after it was sent), saves the checkout (``checkout_save``: admin contact, payment method and
billing address make the quote's one draft service order) and places the order
(``service_order_place``). Placing starts the order's purchase in the sales pipeline and
enqueues the processing task in the same transaction, so the order cannot be placed without
them; the worker runs the purchase (``seatwise.ordering.pipeline``).
``add_seats_check`` says whether an account may use Add Seats at all: a corporate account,
eligible for self-service, whose Payment Profile is a card (``payments.profiles``), with an
automatic card. ``quote_create`` does not need the card: the
checkout's **Payment method** step can add one.

Every function is keyword-only. A refusal raises ``seatwise.core.errors.Refused`` or
``Invalid`` (naming the form field it concerns, if any) before anything is written, or inside
the transaction, which is then rolled back: a refused call changes nothing. Accepting,
rejecting and placing again return the quote or order as it is.

``AdminContact`` is the **Admin contact** step's data. Helpers for the pipeline and the PDF:
``quote_tax_decision`` (the VAT the quote was priced with) and ``quote_line_priced``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from seatwise.accounts.lock_objects import account_lock
from seatwise.accounts.models import EMAIL_MAX, NAME_MAX, Account, Person
from seatwise.accounts.services import Address, account_address_set, email_unavailable
from seatwise.audit.actors import Actor
from seatwise.audit.services import audit_record, snapshot
from seatwise.core.errors import Invalid, Refused
from seatwise.core.tasking import enqueue_on_commit
from seatwise.core.validation import clean_country, clean_email, clean_language, clean_text
from seatwise.invoicing.seller import account_tax_decision, seller
from seatwise.ordering.lock_objects import (
    open_quote_lock,
    quote_lock,
    service_order_lock,
    service_order_lock_by_quote,
    service_order_lock_by_quote_existing,
)
from seatwise.ordering.models import Quote, QuoteLine, ServiceOrder
from seatwise.ordering.selectors import add_seats_subscriptions
from seatwise.payments.gateways.base import CardDetails
from seatwise.payments.models import PaymentMethod, PaymentProfile
from seatwise.payments.profiles import payment_profile_of
from seatwise.payments.services import payment_method_add
from seatwise.pricing.lines import ProratedLine, preview_seat_addition, totals
from seatwise.sales.models import Purchase
from seatwise.sales.runner import purchase_start
from seatwise.subscriptions.models import LIVE_STATUSES, Subscription
from seatwise.subscriptions.services import MAX_SEATS
from seatwise.tax.decisions import (
    EN16931_CATEGORY_CODE,
    OUTSIDE_SCOPE_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxCategory,
    TaxDecision,
    tax_decision,
)

logger = logging.getLogger(__name__)

# A quote expires 7 days after it is sent, unless accepted or rejected.
QUOTE_VALIDITY = timedelta(days=7)
QUOTE_AUDIT_FIELDS = ["number", "status", "currency", "net_total", "tax_total", "gross_total"]
ORDER_AUDIT_FIELDS = [
    "number",
    "status",
    "admin_first_name",
    "admin_last_name",
    "admin_email",
    "admin_language",
    "payment_method",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
]
EXPIRE_BATCH = 200
_CATEGORY_OF_CODE: dict[str, TaxCategory] = {
    code: category for category, code in EN16931_CATEGORY_CODE.items()
}
# Where the gateway's card refusals are shown on the checkout form.
_CARD_FIELDS = {
    "invalid_number": "card_number",
    "card_declined": "card_number",
    "unknown_token": "card_number",
    "invalid_expiry": "card_expiry",
    "expired_card": "card_expiry",
    "incorrect_cvc": "card_cvc",
}


@dataclass(frozen=True, slots=True)
class AdminContact:
    """The checkout's **Admin contact**: created or updated as an account admin in the Admin
    Center and given a seat of every product of the quote when the order is processed."""

    first_name: str
    last_name: str
    email: str
    language: str


# --- Preconditions --------------------------------------------------------------------------


def _check_corporate_self_service(account: Account) -> None:
    if not account.is_corporate:
        raise Refused(
            "not_corporate",
            _("Adding seats through quotes and service orders is for corporate accounts."),
        )
    if not account.self_service_eligible:
        raise Refused(
            "not_self_service",
            _(
                "Your account is not eligible for self-service because its products need "
                "additional support. To add seats, please contact Corporate Account Services."
            ),
        )


def _has_automatic_card(account_id: int) -> bool:
    return PaymentMethod.objects.filter(
        account_id=account_id, is_automatic=True, removed_at__isnull=True
    ).exists()


def _check_card_profile(account: Account) -> None:
    """Article 003's automatic payment method is the account's Payment Profile: a card. An
    account paying its invoices by bank transfer, check or direct debit changes its Payment
    Profile to a card first (``payments.profiles``)."""
    profile = payment_profile_of(account)
    if profile.payment_type != PaymentProfile.PaymentType.CARD:
        raise Refused(
            "payment_profile_not_card",
            _(
                "Adding seats needs an automatic payment method: a credit or debit card. Your "
                "Payment Profile is %(type)s. Choose Credit/Debit Card on the Payment Profile "
                "tab (Edit), then Add Seats again."
            )
            % {"type": profile.label},
            field="payment_method",
        )


def add_seats_check(*, account: Account) -> None:
    """Article 003's preparations: a corporate account, eligible for self-service, with an
    automatic payment method (credit or debit card) as its Payment Profile. Refused, in this
    order: ``not_corporate``, ``not_self_service`` (pointing to Corporate Account Services),
    ``payment_profile_not_card`` (the Payment Profile is bank transfer, check or direct
    debit: pointing to it), ``no_automatic_payment_method`` (explaining how to add a card).
    Writes nothing."""
    _check_corporate_self_service(account)
    _check_card_profile(account)
    if not _has_automatic_card(account.pk):
        raise Refused(
            "no_automatic_payment_method",
            _(
                "Adding seats needs an automatic payment method: a credit or debit card that "
                "is charged automatically. Add one in the Payment method step after Proceed "
                "to Payment: choose to add a card, enter its details, and it is kept on file "
                "for this order and your renewals."
            ),
            field="payment_method",
        )


# --- Quotes ---------------------------------------------------------------------------------


def _decision_snapshot(decision: TaxDecision) -> dict[str, object]:
    with translation.override("en"):
        note = str(decision.legal_note)
    return {
        "tax_category": decision.category_code,
        "tax_rate": decision.rate.quantize(Decimal("0.01")),
        "tax_note": note[:255],
        "tax_rate_country": decision.rate_country,
        "buyer_vat_id": decision.buyer_vat_id,
    }


def quote_tax_decision(quote: Quote) -> TaxDecision:
    """The VAT the quote was priced with, for its invoice (so the amounts match to the cent)."""
    category = _CATEGORY_OF_CODE[quote.tax_category]
    note = {"reverse_charge": REVERSE_CHARGE_NOTE, "outside_scope": OUTSIDE_SCOPE_NOTE}.get(
        category, ""
    )
    return TaxDecision(
        category=category,
        rate=quote.tax_rate,
        rate_country=quote.tax_rate_country,
        legal_note=note,
        buyer_vat_id=quote.buyer_vat_id,
    )


def quote_line_priced(line: QuoteLine, currency: str) -> ProratedLine:
    """A stored quote line as the pricing module's line (what the invoice is issued from)."""
    return ProratedLine(
        kind="seats_added",
        plan_code=line.plan_code,
        quantity=line.quantity,
        unit_amount=line.unit_amount,
        currency=currency,
        period_start=line.period_start,
        period_end=line.period_end,
        days=line.days,
        term_days=line.term_days,
        amount=line.amount,
    )


def _clean_seats(
    seats: Mapping[int, int], allowed: dict[int, Subscription]
) -> list[tuple[Subscription, int]]:
    wanted: list[tuple[Subscription, int]] = []
    for subscription_id, quantity in seats.items():
        field = f"seats-{subscription_id}"
        subscription = allowed.get(subscription_id)
        if subscription is None:
            raise Refused(
                "seat_expansion_not_supported",
                _(
                    "Seats can be added only to current subscriptions of GoTo Meeting, GoTo "
                    "Webinar, GoTo Training, GoToAssist v4 and GoToAssist v5 (products with "
                    "seat expansion supported)."
                ),
                field=field,
            )
        most = MAX_SEATS - subscription.seats
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= most:
            raise Invalid(
                "invalid_seats",
                _("Enter a whole number of seats to add, from 0 to %(max)d.") % {"max": most},
                field=field,
                max=most,
            )
        if quantity:
            wanted.append((subscription, quantity))
    if not wanted:
        raise Invalid(
            "nothing_to_add",
            _("Enter the number of seats to add (New Seat Qty) for at least one product."),
            field="seats",
        )
    order = {s.pk: index for index, s in enumerate(allowed.values())}
    return sorted(wanted, key=lambda item: order[item[0].pk])


def _expire(quote: Quote, *, now: datetime, by: Actor, replaced_by: Quote | None = None) -> None:
    """Expire a locked open quote (the job, or a new order replacing it) with its audit."""
    old = snapshot(quote, ["status"])
    quote.status = Quote.Status.EXPIRED
    quote.decided_at = now
    quote.replaced_by = replaced_by
    quote.save(update_fields=["status", "decided_at", "replaced_by"])
    audit_record(
        by=by,
        action="quote.expire",
        obj=quote,
        account_id=quote.account_id,
        old=old,
        new={
            **snapshot(quote, ["status"]),
            "reason": "replaced" if replaced_by is not None else "validity_ended",
            "replaced_by": replaced_by.number if replaced_by is not None else None,
        },
    )


REQUEST_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def quote_create(
    *,
    account: Account,
    seats: Mapping[int, int],
    replace_open: bool,
    by: Actor,
    on: date | None = None,
    request_key: str = "",
) -> Quote:
    """**Save Cart and Review**: the quote of adding ``seats`` (subscription id → seats to add).

    ``request_key``: the key of the form that asks (issued when it is shown). A quote already
    made under it for the account is returned as it is, nothing else happens: a form
    submitted twice, or by many tabs at once, makes one quote and expires no other.

    Each line is ``pricing.lines.preview_seat_addition`` for its subscription on day ``on``
    (today by default), co-termed to the subscription's term end; the totals are
    ``pricing.totals`` of all lines with the account's VAT on that day, exactly as the invoice
    of the order will compute them from the same lines (one VAT amount per document). The VAT
    decision is stored with the quote, so the invoice uses it whatever changes in between.

    Article 003: an open quote must be accepted or rejected first. With ``replace_open`` the
    open quote expires at once, replaced by this one, in the same transaction (audited);
    without it the call is refused with ``open_quote``. An open quote already past its expiry
    is expired on the way (as the job would).
    """
    _check_corporate_self_service(account)
    allowed = {s.pk: s for s in add_seats_subscriptions(account_id=account.pk)}
    wanted = _clean_seats(seats, allowed)
    day = on or timezone.localdate()
    decision = account_tax_decision(account=account, on=day)
    lines: list[ProratedLine] = []
    for subscription, quantity in wanted:
        preview = preview_seat_addition(
            subscription=subscription, seats_to_add=quantity, on=day, tax=decision
        )
        lines.extend(preview.lines)
    computed = totals(lines=lines, tax=decision, currency=account.currency)
    now = timezone.now()
    key = request_key if REQUEST_KEY_RE.match(request_key or "") else ""
    with transaction.atomic():
        account_lock(account.pk)
        earlier = (
            Quote.objects.filter(account_id=account.pk, request_key=key).first() if key else None
        )
        if earlier is not None:
            return earlier
        current = open_quote_lock(account.pk)
        if current is not None and current.expires_at > now and not replace_open:
            raise Refused(
                "open_quote",
                _(
                    "Your quote %(number)s is still open. Accept or reject it on the Quotes "
                    "tab first. If you go on, it expires at once and the quote of this new "
                    "order replaces it."
                )
                % {"number": current.number},
                field="replace_open",
                number=current.number,
            )
        if current is not None:
            # Out of the one-open-quote index before the new quote goes in; audited below,
            # once the quote that replaces it has its number.
            Quote.objects.filter(pk=current.pk).update(status=Quote.Status.EXPIRED, decided_at=now)
        quote = Quote.objects.create(
            account=account,
            number=f"tmp-{uuid.uuid4().hex[:28]}",
            status=Quote.Status.OPEN,
            currency=account.currency,
            net_total=computed.net,
            tax_total=computed.tax,
            gross_total=computed.gross,
            priced_on=day,
            sent_at=now,
            expires_at=now + QUOTE_VALIDITY,
            created_at=now,
            request_key=key,
            **_decision_snapshot(decision),
        )
        quote.number = f"Q-{now.year}-{quote.pk:06d}"
        quote.save(update_fields=["number"])
        QuoteLine.objects.bulk_create(
            [
                QuoteLine(
                    quote=quote,
                    position=position,
                    subscription=subscription,
                    product_name=subscription.product.name,
                    plan_code=line.plan_code,
                    quantity=line.quantity,
                    unit_amount=line.unit_amount,
                    period_start=line.period_start,
                    period_end=line.period_end,
                    days=line.days,
                    term_days=line.term_days,
                    amount=line.amount,
                )
                for position, ((subscription, _qty), line) in enumerate(
                    zip(wanted, lines, strict=True), start=1
                )
            ]
        )
        if current is not None:
            # Article 003: the open quote expires at once, replaced by the new order's quote
            # (one past its 7 days simply expires, as the job would have done).
            _expire(
                current,
                now=now,
                by=by,
                replaced_by=quote if current.expires_at > now else None,
            )
        audit_record(
            by=by,
            action="quote.create",
            obj=quote,
            account_id=account.pk,
            new={
                **snapshot(quote, QUOTE_AUDIT_FIELDS),
                "lines": [[s.pk, q] for s, q in wanted],
                "replaced": current.number if current is not None else None,
            },
        )
    return quote


def _refuse_decided(quote: Quote, *, now: datetime) -> None:
    if quote.status == Quote.Status.EXPIRED or (
        quote.status == Quote.Status.OPEN and quote.expires_at <= now
    ):
        raise Refused(
            "quote_expired",
            _("Quote %(number)s has expired. Add Seats again for a new quote.")
            % {"number": quote.number},
            field="quote",
        )
    if quote.status == Quote.Status.REJECTED:
        raise Refused(
            "quote_rejected",
            _("Quote %(number)s was rejected. Add Seats again for a new quote.")
            % {"number": quote.number},
            field="quote",
        )


def _accept_locked(quote: Quote, *, now: datetime, by: Actor) -> None:
    old = snapshot(quote, ["status"])
    quote.status = Quote.Status.ACCEPTED
    quote.decided_at = now
    quote.save(update_fields=["status", "decided_at"])
    audit_record(
        by=by,
        action="quote.accept",
        obj=quote,
        account_id=quote.account_id,
        old=old,
        new=snapshot(quote, ["status"]),
    )


def quote_accept(*, quote: Quote, by: Actor) -> Quote:
    """Accept an open quote (Quotes tab, or the checkout). Accepting it again returns it."""
    now = timezone.now()
    with transaction.atomic():
        locked = quote_lock(quote.pk)
        if locked.status == Quote.Status.ACCEPTED:
            return locked
        _refuse_decided(locked, now=now)
        _accept_locked(locked, now=now, by=by)
    return locked


def quote_reject(*, quote: Quote, by: Actor) -> Quote:
    """Reject an open quote. Rejecting it again returns it; an accepted one is refused."""
    now = timezone.now()
    with transaction.atomic():
        locked = quote_lock(quote.pk)
        if locked.status == Quote.Status.REJECTED:
            return locked
        if locked.status == Quote.Status.ACCEPTED:
            raise Refused(
                "quote_accepted",
                _("Quote %(number)s was already accepted.") % {"number": locked.number},
                field="quote",
            )
        _refuse_decided(locked, now=now)
        old = snapshot(locked, ["status"])
        locked.status = Quote.Status.REJECTED
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_at"])
        audit_record(
            by=by,
            action="quote.reject",
            obj=locked,
            account_id=locked.account_id,
            old=old,
            new=snapshot(locked, ["status"]),
        )
    return locked


def quotes_expire(*, now: datetime, by: Actor) -> int:
    """The scheduled job: every open quote whose 7 days have passed by ``now`` expires.

    Each quote in its own short transaction, re-checked under its lock, so the job is
    idempotent and safe next to a concurrent accept or reject. Returns how many expired.
    """
    expired = 0
    after = 0
    while True:
        ids = list(
            Quote.objects.filter(status=Quote.Status.OPEN, expires_at__lte=now, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:EXPIRE_BATCH]
        )
        if not ids:
            return expired
        for quote_id in ids:
            with transaction.atomic():
                locked = quote_lock(quote_id)
                if locked.status == Quote.Status.OPEN and locked.expires_at <= now:
                    _expire(locked, now=now, by=by)
                    expired += 1
        after = ids[-1]


# --- Checkout and service orders ------------------------------------------------------------


def _clean_admin(admin: AdminContact, *, account: Account) -> AdminContact:
    cleaned = AdminContact(
        first_name=clean_text(admin.first_name, field="admin_first_name", max_length=NAME_MAX),
        last_name=clean_text(admin.last_name, field="admin_last_name", max_length=NAME_MAX),
        email=clean_email(admin.email, field="admin_email", max_length=EMAIL_MAX),
        language=clean_language(admin.language, field="admin_language"),
    )
    holder = Person.objects.filter(email__iexact=cleaned.email).first()
    if holder is not None and (holder.account_id != account.pk or not holder.is_active):
        # Someone else's address: an answer that does not say whose.
        raise email_unavailable(field="admin_email")
    return cleaned


def _clean_address(address: Address) -> Address:
    return Address(
        line1=clean_text(address.line1, field="address_line1", max_length=200),
        line2=clean_text(address.line2, field="address_line2", max_length=200, required=False),
        postal_code=clean_text(address.postal_code, field="postal_code", max_length=20),
        city=clean_text(address.city, field="city", max_length=100),
        region=clean_text(address.region, field="region", max_length=100, required=False),
    )


def _usable_method(*, account_id: int, payment_method_id: int) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(
        pk=payment_method_id, account_id=account_id, is_automatic=True, removed_at__isnull=True
    ).first()


def _check_country(*, quote: Quote, account: Account, country: str) -> None:
    """A billing country that changes the quote's VAT needs a new quote: the invoice must
    show the quote's amounts."""
    if country == account.country:
        return
    changed = tax_decision(
        seller_country=seller().country,
        buyer_country=country,
        buyer_vat_id=account.vat_id,
        on=quote.priced_on,
    )
    if (changed.category_code, changed.rate) != (quote.tax_category, quote.tax_rate):
        raise Refused(
            "country_changes_vat",
            _(
                "With this country the VAT of quote %(number)s would change. Keep the country, "
                "or change the Bill To address first and then Add Seats again for a new quote."
            )
            % {"number": quote.number},
            field="country",
        )


def _add_card(
    *, account: Account, card: CardDetails, card_key: str | None, by: Actor
) -> PaymentMethod:
    try:
        return payment_method_add(
            account=account,
            card=card,
            is_automatic=True,
            make_default=True,
            idempotency_key=card_key,
            by=by,
        )
    except Invalid as error:
        field = (
            "card_holder_name"
            if (error.field or "").startswith("card.holder")
            else _CARD_FIELDS.get(error.code, "card_number")
        )
        raise Invalid(error.code, error.message, field=field) from None


def _order_values(
    *, admin: AdminContact, method: PaymentMethod, address: Address, country: str
) -> dict[str, object]:
    return {
        "admin_first_name": admin.first_name,
        "admin_last_name": admin.last_name,
        "admin_email": admin.email,
        "admin_language": admin.language,
        "payment_method": method,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": country,
    }


def _refuse_placed(order: ServiceOrder) -> None:
    raise Refused(
        "service_order_placed",
        _("Service order %(number)s was already placed.") % {"number": order.number},
        field="order",
        order_id=order.pk,
    )


def checkout_save(
    *,
    quote: Quote,
    admin: AdminContact,
    payment_method_id: int | None,
    new_card: CardDetails | None,
    address: Address,
    country: str,
    by: Actor,
    card_key: str | None = None,
) -> ServiceOrder:
    """**Save and Proceed to Service Order** (article 003): Admin contact, Payment method,
    Billing address.

    ``card_key``: the idempotency key of the form that carried ``new_card``, so that a
    double-submitted checkout stores the card once (``payments.services.payment_method_add``).

    Everything is validated first. A ``new_card`` goes to the gateway and is kept on file as
    the account's default automatic card (article 003 needs one); otherwise
    ``payment_method_id`` must be an automatic card of this account. Then, in one
    transaction: the quote is accepted if still open, the address is saved on the account
    (``accounts.services.account_address_set``), and the quote's one service order is
    created, or updated while it is a draft. Concurrent callers get the same order: the
    quote's row lock serialises them and the one-to-one key backs it.
    """
    account = quote.account
    _check_corporate_self_service(account)
    _check_card_profile(account)
    cleaned_admin = _clean_admin(admin, account=account)
    cleaned_address = _clean_address(address)
    cleaned_country = clean_country(country, field="country")
    if new_card is None and payment_method_id is None:
        raise Invalid(
            "payment_method_required",
            _("Choose a card on file or add a card."),
            field="payment_method",
        )
    method: PaymentMethod | None = None
    if new_card is None:
        assert payment_method_id is not None
        method = _usable_method(account_id=account.pk, payment_method_id=payment_method_id)
        if method is None:
            raise Invalid(
                "invalid_payment_method",
                _("Choose a card of your account that can be charged automatically."),
                field="payment_method",
            )
    now = timezone.now()
    fresh = Quote.objects.get(pk=quote.pk)
    if fresh.status != Quote.Status.ACCEPTED:
        _refuse_decided(fresh, now=now)
    placed = ServiceOrder.objects.filter(quote_id=quote.pk).exclude(
        status=ServiceOrder.Status.DRAFT
    )
    if (already := placed.first()) is not None:
        _refuse_placed(already)
    _check_country(quote=fresh, account=account, country=cleaned_country)
    if new_card is not None:
        method = _add_card(account=account, card=new_card, card_key=card_key, by=by)
    assert method is not None
    values = _order_values(
        admin=cleaned_admin, method=method, address=cleaned_address, country=cleaned_country
    )
    with transaction.atomic():
        account_lock(account.pk)
        locked = quote_lock(quote.pk)
        if locked.status != Quote.Status.ACCEPTED:
            _refuse_decided(locked, now=now)
            _accept_locked(locked, now=now, by=by)
        account_address_set(
            account=account, address=cleaned_address, country=cleaned_country, by=by
        )
        order = _draft_order_save(quote=locked, values=values, by=by)
    quote.status = locked.status
    return order


def _draft_order_save(*, quote: Quote, values: dict[str, object], by: Actor) -> ServiceOrder:
    """Create the quote's order, or update it while a draft. Call under the quote's lock."""
    order = service_order_lock_by_quote(quote.pk)
    if order is None:
        try:
            with transaction.atomic():
                order = ServiceOrder.objects.create(
                    account_id=quote.account_id,
                    quote=quote,
                    number=quote.number.replace("Q-", "SO-", 1),
                    **values,
                )
        except IntegrityError:
            # A concurrent caller created it first (the lock makes this unlikely): theirs.
            order = service_order_lock_by_quote_existing(quote.pk)
        else:
            audit_record(
                by=by,
                action="service_order.create",
                obj=order,
                account_id=order.account_id,
                new=snapshot(order, ORDER_AUDIT_FIELDS),
            )
            return order
    if order.is_placed:
        _refuse_placed(order)
    old = snapshot(order, ORDER_AUDIT_FIELDS)
    for name, value in values.items():
        setattr(order, name, value)
    new = snapshot(order, ORDER_AUDIT_FIELDS)
    if new != old:
        order.save(update_fields=list(values))
        audit_record(
            by=by,
            action="service_order.update",
            obj=order,
            account_id=order.account_id,
            old=old,
            new=new,
        )
    return order


def _check_placeable(order: ServiceOrder, quote: Quote, *, now: datetime) -> None:
    if quote.status != Quote.Status.ACCEPTED or now >= quote.expires_at:
        raise Refused(
            "quote_expired",
            _(
                "Quote %(number)s has expired: a service order must be placed within 7 days "
                "of its quote. Add Seats again for a new quote."
            )
            % {"number": quote.number},
            field="quote",
        )
    _check_card_profile(order.account)
    if (
        _usable_method(account_id=order.account_id, payment_method_id=order.payment_method_id)
        is None
    ):
        raise Refused(
            "payment_method_unusable",
            _(
                "The card chosen for this order was removed or cannot be charged "
                "automatically. Choose another card in the Payment method step."
            ),
            field="payment_method",
        )
    lines = list(quote.lines.all())
    current = {
        s.pk: s
        for s in Subscription.objects.filter(
            pk__in=[line.subscription_id for line in lines], status__in=LIVE_STATUSES
        )
    }
    for line in lines:
        subscription = current.get(line.subscription_id)
        if (
            subscription is None
            or subscription.term_end != line.period_end
            or subscription.seats + line.quantity > MAX_SEATS
        ):
            raise Refused(
                "quote_outdated",
                _(
                    "A subscription of quote %(number)s has changed since it was priced. Add "
                    "Seats again for a new quote."
                )
                % {"number": quote.number},
                field="quote",
            )


def service_order_purchase_start(*, order: ServiceOrder, currency: str, by: Actor) -> Purchase:
    """Start the purchase of a locked order being placed (kind ``service_order``, key
    ``service-order:<id>``, charged on the order's card) and link it to the order."""
    purchase, _new = purchase_start(
        kind=Purchase.Kind.SERVICE_ORDER,
        account=order.account,
        key=f"service-order:{order.pk}",
        params={"order": order.pk},
        currency=currency,
        payment_method=order.payment_method,
        by=by,
    )
    order.purchase = purchase
    order.save(update_fields=["purchase"])
    return purchase


def service_order_place(*, order: ServiceOrder, by: Actor) -> ServiceOrder:
    """**Place Service Order**: draft → received, its purchase started in the sales pipeline
    (kind ``service_order``, key ``service-order:<id>``, charged on the order's card) and the
    processing task enqueued, all in one transaction (the task row commits with the order, so
    it cannot be lost; the pipeline's resume job finishes a purchase whose task was).

    Idempotent: the order's row lock serialises concurrent submitters (double click, reload,
    two tabs, retried requests); the first places it, every other caller gets the same order
    back unchanged, so there is one order, one purchase, one task, one charge. The order is
    processed in seconds by the worker (``ordering.pipeline``), not in the articles' 24 hours.
    """
    from seatwise.ordering.tasks import service_order_process_task

    now = timezone.now()
    with transaction.atomic():
        # The account first, as the checkout locks it (account, quote, order): the purchase
        # inserted below takes a key-share lock on the account row (PostgreSQL).
        account_lock(order.account_id)
        locked = service_order_lock(order.pk)
        if locked.is_placed:
            return locked
        quote = Quote.objects.get(pk=locked.quote_id)
        _check_placeable(locked, quote, now=now)
        old = snapshot(locked, ["status"])
        purchase = service_order_purchase_start(order=locked, currency=quote.currency, by=by)
        locked.status = ServiceOrder.Status.RECEIVED
        locked.placed_at = now
        locked.save(update_fields=["status", "placed_at"])
        audit_record(
            by=by,
            action="service_order.place",
            obj=locked,
            account_id=locked.account_id,
            old=old,
            new={**snapshot(locked, ["status"]), "quote": quote.number, "purchase": purchase.pk},
        )
        # If lost, the purchase is run by sales.tasks.purchases_resume_task.
        enqueue_on_commit(service_order_process_task, order_id=locked.pk)
    order.status, order.placed_at = locked.status, locked.placed_at
    order.purchase = locked.purchase
    return locked

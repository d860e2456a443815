from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.translation import get_language

from seatwise.core.money import format_money
from seatwise.support.contact import SupportContact, support_contact

register = template.Library()


@register.simple_tag
def support_contact_options() -> SupportContact:
    """``{% support_contact_options as contact %}``: customer service's e-mail, phone, hours."""
    return support_contact()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """``{{ invoice.gross_total|money:invoice.currency }}``, in the reader's language."""
    if amount is None:
        return ""
    return format_money(amount, currency, get_language() or settings.LANGUAGE_CODE)

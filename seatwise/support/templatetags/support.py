from __future__ import annotations

from django import template

from seatwise.support.contact import SupportContact, support_contact

register = template.Library()


@register.simple_tag
def support_contact_options() -> SupportContact:
    """``{% support_contact_options as contact %}``: customer service's e-mail, phone, hours."""
    return support_contact()

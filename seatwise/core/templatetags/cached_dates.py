"""``|date``: Django's filter, its output for a calendar day kept per format and language.

A list page formats the same few days again and again (a term's start and end on every row,
the same issue date down a page of invoices); Django formats each anew, some 15 µs (the
format looked up, the format string split, each part rendered). A ``datetime.date`` with a
literal or named format (``"SHORT_DATE_FORMAT"``) formats the same in the same language
whoever reads it, so its text is kept (``_kept``, bounded); a time of day, with its time zone,
is formatted by Django's filter as before. A builtin of the template engine
(``TEMPLATES[…]["OPTIONS"]["builtins"]``), so it replaces Django's filter in every template.
The kept texts are dropped when a test changes a setting.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import date as django_date
from django.utils.translation import get_language

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    # (A template's literal is a SafeString: a str.)
    if type(value) is datetime.date and (arg is None or isinstance(arg, str)):
        return _kept(value, str(arg) if arg is not None else None, get_language())
    return str(django_date(value, arg))


@lru_cache(maxsize=4096)
def _kept(value: datetime.date, arg: str | None, language: str | None) -> str:
    return str(django_date(value, arg))


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _kept.cache_clear()

"""The network address a request comes from.

Behind ``SEATWISE_PROXY_COUNT`` proxies that each append the address they received the request
from to ``X-Forwarded-For``, the client's address is the entry that the outermost of them
added: the ``SEATWISE_PROXY_COUNT``-th from the right. Entries further left were written by the
client itself and are never trusted. Without proxies (the default) it is the connection's own
address. Per-client limits (``accounts.signin_throttle``) and django-axes' access log
(``AXES_CLIENT_IP_CALLABLE``) both use it, so that behind a proxy each client is counted on its
own instead of all of them as the proxy.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address, normalised (``""`` when it is not a valid address)."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "SEATWISE_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address.strip()[:64]))
    except ValueError:
        return ""

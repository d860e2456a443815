"""The client's address: the connection's own, or behind trusted proxies the one the outermost
of them saw; never what the client wrote itself."""

from __future__ import annotations

from django.test import RequestFactory
from django.test.utils import override_settings

from seatwise.core.clients import client_address


def request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_connections_address_and_forwarded_for_is_ignored():
    assert client_address(request("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


def test_an_address_is_normalised_and_garbage_is_no_address():
    assert client_address(request("2001:DB8:0:0::1")) == "2001:db8::1"
    assert client_address(request("not an address")) == ""


@override_settings(SEATWISE_PROXY_COUNT=1)
def test_behind_one_proxy_the_last_forwarded_entry():
    assert client_address(request("10.0.0.2", "203.0.113.9, 192.0.2.7")) == "192.0.2.7"


@override_settings(SEATWISE_PROXY_COUNT=2)
def test_behind_two_proxies_the_entry_the_outer_one_wrote():
    assert client_address(request("10.0.0.3", "203.0.113.9, 192.0.2.7, 10.0.0.2")) == "192.0.2.7"


@override_settings(SEATWISE_PROXY_COUNT=2)
def test_fewer_entries_than_proxies_fall_back_to_the_connection():
    assert client_address(request("10.0.0.3", "192.0.2.7")) == "10.0.0.3"

"""B5: the provisioning API's writes on the production server.

Clients on loopback (threads of this process, each with its own keep-alive connection) run the
same flow again and again: create an account with its billing contact, put a card on file
(test gateway token), subscribe to a plan with five seats, give the billing contact a seat,
and read the account's invoices. Four writes and two reads per flow; the figure is writes per
second (each a transaction of its own on the server).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.report import Figure, quick
from bench.server import Server

TX_GOAL = 1000.0
CLIENTS = 4
PLAN = "goto-meeting-standard-monthly"


@dataclass
class _Tally:
    writes: int = 0
    reads: int = 0
    flows: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Client:
    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        payload = None if body is None else json.dumps(body)
        self.connection.request(method, f"/api/v1{path}", body=payload, headers=self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        return answer.status, (json.loads(data) if data else None)


def _flow(client: _Client) -> tuple[int, int]:
    """One account through the API; (writes, reads). Raises on an unexpected answer."""
    unique = uuid.uuid4().hex[:12]

    def expect(status: int, wanted: int, what: str, data: object) -> None:
        if status != wanted:
            raise RuntimeError(f"{what}: {status} {data}")

    status, account = client.call(
        "POST",
        "/accounts",
        {
            "name": f"Bench {unique} GmbH",
            "kind": "online",
            "country": "DE",
            "language": "de",
            "currency": "EUR",
            "address_line1": "Invalidenstraße 1",
            "postal_code": "10115",
            "city": "Berlin",
            "billing_contact": {
                "email": f"billing-{unique}@bench.example",
                "first_name": "Berta",
                "last_name": "Bauer",
                "language": "de",
            },
        },
    )
    expect(status, 201, "create account", account)
    assert isinstance(account, dict)
    account_id = account["id"]
    status, card = client.call(
        "POST", f"/accounts/{account_id}/payment-methods", {"token": "tok_visa"}
    )
    expect(status, 201, "card on file", card)
    status, subscription = client.call(
        "POST", f"/accounts/{account_id}/subscriptions", {"plan_code": PLAN, "seats": 5}
    )
    expect(status, 201, "subscribe", subscription)
    assert isinstance(subscription, dict)
    status, roles = client.call("GET", f"/accounts/{account_id}/roles")
    expect(status, 200, "roles", roles)
    assert isinstance(roles, dict)
    contact = roles["billing_contact"]["id"]
    status, seat = client.call(
        "POST", f"/subscriptions/{subscription['id']}/assignments", {"person_id": contact}
    )
    expect(status, 201, "assign a seat", seat)
    status, invoices = client.call("GET", f"/accounts/{account_id}/invoices")
    expect(status, 200, "invoices", invoices)
    return 4, 2


def _clients_run(base_url: str, token: str, seconds: float) -> tuple[_Tally, float]:
    """``CLIENTS`` clients running the flow for ``seconds``: what they did, and in how long."""
    tally = _Tally()
    stop = time.monotonic() + seconds

    def run() -> None:
        client = _Client(base_url, token)
        while time.monotonic() < stop:
            try:
                writes, reads = _flow(client)
            except Exception as error:  # reported by the caller: the run fails
                with tally.lock:
                    tally.failures.append(str(error))
                return
            with tally.lock:
                tally.writes += writes
                tally.reads += reads
                tally.flows += 1

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def api_writes(server: Server, token: str) -> list[Figure]:
    """B5: ``CLIENTS`` clients running the flow for a while; writes per second.

    As for the pages (B1), one second of the same load first, not counted: a web worker's
    first request loads the URL configuration and the API's modules (most of a second of
    CPU), which is the start of a worker, not the throughput of the API."""
    seconds = 4.0 if quick() else 15.0
    warm_up, _warm_up_elapsed = _clients_run(server.url, token, 1.0)
    tally, elapsed = _clients_run(server.url, token, seconds)
    for done in (warm_up, tally):
        if done.failures:
            raise RuntimeError(f"B5: {len(done.failures)} flows failed, e.g. {done.failures[0]}")
    return [
        Figure(
            "B5.api_tx_per_s",
            tally.writes / elapsed,
            "tx/s",
            goal=TX_GOAL,
            higher_is_better=True,
            detail={
                "clients": CLIENTS,
                "flows_per_s": round(tally.flows / elapsed, 2),
                "reads_per_s": round(tally.reads / elapsed, 2),
                "flow": "account, card (token), subscription (5 seats), seat; roles and "
                "invoices read",
                "web_worker_peak_rss_mb": round(server.worker_peak_rss_mb(), 1),
            },
        )
    ]

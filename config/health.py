"""Health checks for load balancers and monitoring.

``/healthz`` (liveness): the process answers; also the benchmarks' trivial baseline view.

``/readyz`` (readiness): JSON with the state of what the installation depends on. 503 when a
web server cannot serve (the database, or the broker when one is configured, does not
answer); 200 otherwise, with ``"status": "degraded"`` when the background work lags: no worker
has run the heartbeat job for ``WORKER_LATE`` (workers or the scheduler are down), or an
e-mail has waited unsent longer than ``EMAIL_LATE`` (the mail server refuses or workers lag).
A web server stays in rotation while workers are down: pages still answer, and the work
waits in the queue and the outbox.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

WORKER_LATE = timedelta(minutes=3)
EMAIL_LATE = timedelta(minutes=10)


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Also the trivial baseline view of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not ready"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _broker() -> dict[str, Any] | None:
    if settings.SEATWISE_TASK_BACKEND != "rq":
        return None
    try:
        import django_rq

        django_rq.get_connection("default").ping()
    except Exception as error:  # a broker that does not answer
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _worker() -> dict[str, Any]:
    from seatwise.core.housekeeping import WORKER_HEARTBEAT
    from seatwise.core.models import Heartbeat

    beat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    if beat is None:
        return {"ok": False, "last_seen_seconds": None}
    age = timezone.now() - beat.at
    return {"ok": age <= WORKER_LATE, "last_seen_seconds": int(age.total_seconds())}


def _outbox() -> dict[str, Any]:
    from seatwise.notifications.models import OutgoingEmail

    oldest = OutgoingEmail.objects.filter(
        status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING]
    ).aggregate(oldest=Min("created_at"))["oldest"]
    failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED).exists()
    age = int((timezone.now() - oldest).total_seconds()) if oldest is not None else None
    return {
        "ok": (age is None or age <= EMAIL_LATE.total_seconds()) and not failed,
        "oldest_unsent_seconds": age,
        "failed": failed,
    }


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    database = _database()
    checks: dict[str, Any] = {"database": database}
    broker = _broker()
    if broker is not None:
        checks["broker"] = broker
    serving = database["ok"] and (broker is None or broker["ok"])
    if database["ok"]:
        checks["worker"] = _worker()
        checks["outbox"] = _outbox()
    healthy = serving and all(check["ok"] for check in checks.values())
    status = "ok" if healthy else ("degraded" if serving else "unavailable")
    return JsonResponse({"status": status, **checks}, status=200 if serving else 503)

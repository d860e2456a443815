from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Also the trivial baseline view of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"database": "unavailable"}, status=503)
    return JsonResponse({"database": "ok"})

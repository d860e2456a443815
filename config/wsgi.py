"""The WSGI application the web server (granian) serves.

Seatwise's own system checks run first: a production start with a demo's parts (the test
payment gateway, the demo seller, the file outbox) fails here, as ``manage.py`` commands fail
(seatwise.core.checks).

Then every view is imported (the URLconf) and what the process has built so far is frozen out
of the garbage collector (``gc.freeze``): those objects (Django, the views, the catalog of
translations; some 130,000) live as long as the process, yet each full collection walked
them all again, a pause of 40–140 ms in the middle of some request (the page's p99). A
collection now walks only what requests made since.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_unsafe_start() -> None:
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))


_refuse_unsafe_start()


def _freeze_what_lives_as_long_as_the_process() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view)
    gc.collect()
    gc.freeze()


_freeze_what_lives_as_long_as_the_process()

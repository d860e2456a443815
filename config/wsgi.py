"""The WSGI application the web server (granian) serves.

Seatwise's own system checks run first: a production start with a demo's parts (the test
payment gateway, the demo seller, the file outbox) fails here, as ``manage.py`` commands fail
(seatwise.core.checks).
"""

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

"""The test suite's settings: the production settings, with what tests need instead.

- A demo installation (the test payment gateway, the demo seller and the file outbox are what
  the tests use; seatwise.core.checks refuses them in production), served over plain HTTP.
- Static files served as they are, without `collectstatic` (the live-server browser tests and
  the template tests need no manifest); a test checks the production storage separately.
- A fast password hasher: Argon2 costs a good part of a second per password on these machines.
  tests/test_settings.py checks that production hashes with Argon2.
"""

import os

# A test installation is a demo one: said before the production settings are read, so that
# what they derive from it is the demo's too (plain HTTP: no HTTPS redirect, no secure cookies,
# no HSTS), here and in the worker and server processes the tests start.
os.environ.setdefault("SEATWISE_DEMO", "true")

from config.settings import *  # noqa: F403
from config.settings import (
    RQ_QUEUES,
    SEATWISE_REDIS_URL,
    SEATWISE_TASK_BACKEND,
    STORAGES,
)

SEATWISE_DEMO = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-xdist runs the suite in several processes, each with its own test databases; with the
# Redis task backend each also gets its own Redis database, so that no process runs another's
# tasks (the worker processes a test starts inherit PYTEST_XDIST_WORKER).
if SEATWISE_TASK_BACKEND == "rq":
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", …
    _db = int(_worker.removeprefix("gw")) + 1 if _worker else 0
    _url = SEATWISE_REDIS_URL.rsplit("/", 1)[0] + f"/{_db}"
    SEATWISE_REDIS_URL = _url
    RQ_QUEUES = {name: {**queue, "URL": _url} for name, queue in RQ_QUEUES.items()}

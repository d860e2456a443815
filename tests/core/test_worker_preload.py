"""core.tasking.worker_preload: a task worker loads, before its first task, what the tasks use.

The test starts a fresh Python (this test process has long loaded everything) that preloads as
``scripts/serve.sh worker`` does (``core.rq_workers.ServingWorker``, ``manage.py task_worker``:
both run their tasks in their own process), and reports what a task then finds there: it reads
no template and loads no library again. A preload that fails stops the worker before it takes
a task, with the error on its output, for its supervisor to restart it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRELOADED_TASK = """
import json, sys
import django
django.setup()
from django.db import connection
connection.ensure_connection()  # a parent that touched its database before preloading

from seatwise.core.tasking import worker_preload
worker_preload()

from django.template import engines
from django.template.loader import get_template
from seatwise.core import pdf
from seatwise.invoicing import einvoice

loader = engines["django"].engine.template_loaders[0]
cached = len(loader.get_template_cache)
get_template("emails/base.html")
get_template("invoicing/invoice.html")
print(json.dumps({
    "weasyprint_loaded": "weasyprint" in sys.modules,
    "pdf_tools_ready": getattr(pdf._local, "tools", None) is not None,
    "templates_cached": cached,
    "templates_read_again": len(loader.get_template_cache) - cached,
    "schemas_compiled": sorted(getattr(einvoice._schemas, "by_flavor", {})),
    "database_connection_open": connection.connection is not None,
}))
"""


def _embedded(tmp_path: Path, *, settings_module: str) -> dict[str, str]:
    """The environment of a process on the embedded database and the database task backend
    (``manage.py task_worker``'s), in a folder of its own, whichever the suite runs on."""
    scale = {"DATABASE_URL", "SEATWISE_TASK_BACKEND", "SEATWISE_REDIS_URL"}
    return {
        **{name: value for name, value in os.environ.items() if name not in scale},
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SEATWISE_VAR_DIR": str(tmp_path),
    }


def _project_templates() -> int:
    folder = Path(settings.BASE_DIR) / "templates"
    return sum(1 for path in folder.rglob("*") if path.suffix in (".html", ".txt"))


def test_a_task_finds_pdfs_templates_and_schemas_loaded_and_no_connection_left_open(tmp_path):
    env = _embedded(tmp_path, settings_module="config.test_settings")
    done = subprocess.run(
        [sys.executable, "-c", PRELOADED_TASK],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {
        "weasyprint_loaded": True,
        "pdf_tools_ready": True,
        "templates_cached": _project_templates(),
        "templates_read_again": 0,
        "schemas_compiled": ["factur-x", "ubl-2.1-creditnote", "ubl-2.1-invoice"],
        "database_connection_open": False,
    }


def broken_preload() -> None:
    """A preload step that fails, as a missing font or library would."""
    raise RuntimeError("the PDF fonts are missing")


def test_a_worker_whose_preload_fails_stops_before_any_task_and_says_why(tmp_path):
    (tmp_path / "broken_preload_settings.py").write_text(
        "from config.test_settings import *  # noqa: F403\n"
        "SEATWISE_TASK_PRELOAD = ['tests.core.test_worker_preload.broken_preload']\n"
    )
    env = {
        **_embedded(tmp_path, settings_module="broken_preload_settings"),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "task_worker", "--batch"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "RuntimeError: the PDF fonts are missing" in done.stderr
    # It stopped in the preload: django-tasks-db's worker never started.
    assert "Starting worker" not in done.stderr + done.stdout

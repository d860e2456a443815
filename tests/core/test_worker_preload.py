"""core.tasking.worker_preload: a task worker loads, before its first task, what the tasks use.

The test starts a fresh Python (this test process has long loaded everything) that preloads as
``scripts/serve.sh worker`` does (``core.rq_workers.ServingWorker``, ``manage.py task_worker``),
then forks as RQ's default worker would for a task, and reports from the forked process what
was already there: in process or forked, a task reads no template and loads no library again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

FORKED_TASK = """
import json, os, sys
import django
django.setup()
from django.db import connection
connection.ensure_connection()  # a parent that touched its database before preloading

from seatwise.core.tasking import worker_preload
worker_preload()

pid = os.fork()
if pid:
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))

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
    "database_connection_inherited": connection.connection is not None,
}))
"""


def _project_templates() -> int:
    folder = Path(settings.BASE_DIR) / "templates"
    return sum(1 for path in folder.rglob("*") if path.suffix in (".html", ".txt"))


def test_a_forked_task_finds_pdfs_templates_and_schemas_loaded_and_no_connection(tmp_path):
    # On the embedded database in a folder of its own, whichever database the suite runs on.
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "SEATWISE_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", FORKED_TASK],
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
        "database_connection_inherited": False,
    }

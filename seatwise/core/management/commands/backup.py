"""``manage.py backup FILE``: a consistent copy of the database while Seatwise runs.

- SQLite: SQLite's online backup (the same as the ``sqlite3`` shell's ``.backup``): a copy of
  one moment, taken page by page without stopping writers for long.
- PostgreSQL: ``pg_dump --format=custom`` (a snapshot of one moment), restored with
  ``pg_restore``. ``pg_dump`` must be on the PATH, of the server's major version or newer.

Restoring is described in docs/operations.md ("Backups and the restore drill"); keep the secret
key (``var/secret_key`` or ``SEATWISE_SECRET_KEY``) with the backup: sign-in links, sessions
and confirmation links depend on it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


class Command(BaseCommand):
    help = "Write a consistent backup of the database to FILE (SQLite copy or pg_dump archive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the backup (replaced if it exists).")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"]).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            self._sqlite(target)
        elif connection.vendor == "postgresql":
            self._postgresql(target)
        else:
            raise CommandError(f"No backup for the {connection.vendor} database.")
        self.stdout.write(f"Backup written to {target} ({target.stat().st_size} bytes).")

    def _sqlite(self, target: Path) -> None:
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        partial = target.with_suffix(target.suffix + ".part")
        copy = sqlite3.connect(str(partial))
        try:
            with copy:
                source.backup(copy, pages=256)
        finally:
            copy.close()
            source.close()
        partial.replace(target)

    def _postgresql(self, target: Path) -> None:
        if shutil.which("pg_dump") is None:
            raise CommandError("pg_dump is not on the PATH (Debian: postgresql-client).")
        settings = connection.settings_dict
        env = dict(os.environ)
        if settings.get("PASSWORD"):
            env["PGPASSWORD"] = str(settings["PASSWORD"])
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--file={target}",
            f"--host={settings.get('HOST') or 'localhost'}",
            f"--port={settings.get('PORT') or 5432}",
            f"--username={settings.get('USER') or 'postgres'}",
            str(settings["NAME"]),
        ]
        # The command is built from the database settings, not from anyone's input.
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")

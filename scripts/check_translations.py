"""Fail when a translation catalog is incomplete or stale.

For every ``locale/<lang>/LC_MESSAGES/django.po``:

- every message is translated (all plural forms) and none is fuzzy;
- the placeholders of each translation match its message (``%(name)s`` and the like);
- the catalog is current: the messages extracted from the code now are exactly the ones in
  the catalog (obsolete ``#~`` entries aside). To know what the code holds now, the project is
  copied to a temporary directory and ``makemessages`` runs there, with the same options as
  the documented command, so the real catalogs are never touched.

Run from anywhere: ``.venv/bin/python scripts/check_translations.py``. To fix a stale
catalog, run ``manage.py makemessages -l de -l it -l es --ignore=.venv --ignore=var
--ignore=tests`` and translate what it adds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
IGNORED = [".venv", "var", "tests"]
# Not copied to the temporary tree: nothing to extract there, or too big.
NOT_COPIED = {
    ".git",
    ".venv",
    ".tools",
    "var",
    "tests",
    "test-artifacts",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
}

MessageKey = tuple[str | None, str]


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def _key(message_id: str | tuple[str, ...], context: str | None) -> MessageKey:
    singular = message_id if isinstance(message_id, str) else message_id[0]
    return (context, singular)


def _label(key: MessageKey) -> str:
    context, message_id = key
    return f"{message_id!r}" + (f" (context {context!r})" if context else "")


def _keys(catalog: Catalog) -> set[MessageKey]:
    # Iterating a catalog yields its current messages; obsolete ones live apart.
    return {_key(m.id, m.context) for m in catalog if m.id}


def completeness_problems(catalog: Catalog) -> list[str]:
    problems: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        key = _key(message.id, message.context)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {_label(key)}")
        elif not all(strings):
            problems.append(f"untranslated: {_label(key)}")
        else:
            for error in message.check(catalog):
                problems.append(f"placeholders: {_label(key)}: {error}")
    return problems


def extracted_catalogs(languages: list[str]) -> dict[str, Catalog]:
    """Run makemessages on a copy of the project and return the resulting catalogs."""
    with tempfile.TemporaryDirectory(prefix="seatwise-messages-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(
            ROOT, tree, ignore=lambda _dir, names: [n for n in names if n in NOT_COPIED]
        )
        env = {
            **os.environ,
            "SEATWISE_VAR_DIR": str(Path(tmp) / "var"),
            "SEATWISE_SECRET_KEY": os.environ.get("SEATWISE_SECRET_KEY") or "check-translations",
        }
        command = [sys.executable, "manage.py", "makemessages"]
        for language in languages:
            command += ["-l", language]
        for pattern in IGNORED:
            command.append(f"--ignore={pattern}")
        result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
            command, cwd=tree, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit("makemessages failed in the temporary copy of the project.")
        return {
            language: _read(tree / "locale" / language / "LC_MESSAGES" / "django.po")
            for language in languages
        }


def main() -> int:
    catalogs = {
        path.parent.parent.name: path for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    }
    if not catalogs:
        print(f"No catalogs found under {LOCALE_DIR}.")
        return 1
    failed = False
    extracted = extracted_catalogs(sorted(catalogs))
    for language, path in catalogs.items():
        catalog = _read(path)
        problems = completeness_problems(catalog)
        current, wanted = _keys(catalog), _keys(extracted[language])
        problems += [
            f"missing (in the code, not in the catalog): {_label(k)}"
            for k in sorted(wanted - current, key=str)
        ]
        problems += [
            f"stale (in the catalog, no longer in the code): {_label(k)}"
            for k in sorted(current - wanted, key=str)
        ]
        relative = path.relative_to(ROOT)
        if problems:
            failed = True
            print(f"{relative}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"{relative}: {len(current)} messages, all translated and current")
    if failed:
        print(
            "\nFix: manage.py makemessages -l de -l it -l es --ignore=.venv --ignore=var "
            "--ignore=tests, then translate every new or fuzzy entry."
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

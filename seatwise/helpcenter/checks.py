"""System check: the help center's content files are complete and valid.

Run by ``manage.py check`` (and before ``migrate``, ``runserver`` and the tests): every problem
``articles.load_library`` finds (front matter, labels, related slugs, a language missing) is
one error, so that broken content fails the build instead of a reader's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error


def help_content_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # Imported here, not at start-up: the Markdown and YAML parsers cost every process that
    # sets Django up (web and task workers, the scheduler) a tenth of its start, and only this
    # check and the help pages need them.
    from seatwise.helpcenter.articles import (
        ArticleError,
        content_dir,
        content_languages,
        load_library,
    )

    try:
        # Read afresh, not from the process's cache: the check is about the files as they are.
        load_library(content_dir(), content_languages())
    except ArticleError as error:
        return [
            Error(problem, hint="See seatwise/helpcenter/articles.py.", id="helpcenter.E001")
            for problem in error.problems
        ]
    return []

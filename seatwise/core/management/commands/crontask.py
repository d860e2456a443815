"""``manage.py crontask``: django-crontask's scheduler, loaded only when it runs.

django-crontask is not in ``INSTALLED_APPS``: importing its package builds APScheduler's
scheduler, which scans the entry points of every installed distribution, a sixth of the
start of every process that sets Django up (web and task workers too), though only the
scheduler process needs it. This module gives the scheduler its command back; it runs the
periodic jobs of ``seatwise.core.schedule`` (loaded from ``seatwise/core/tasks.py``).
"""

from crontask.management.commands.crontask import Command

__all__ = ["Command"]

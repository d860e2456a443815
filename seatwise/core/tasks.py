"""Loaded by the scheduler, django-crontask's ``manage.py crontask``, which imports the
``tasks`` module of every installed app: registers Seatwise's periodic jobs
(``seatwise.core.schedule``). No other process imports it, and core defines no task."""

from __future__ import annotations

from seatwise.core.schedule import schedule_register

schedule_register()

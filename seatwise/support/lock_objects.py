"""Row locks of the support app. Call inside ``transaction.atomic()``."""

from __future__ import annotations

from seatwise.support.models import Case


def case_lock(case_id: int) -> Case:
    return Case.objects.select_for_update().get(pk=case_id)

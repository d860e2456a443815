from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from seatwise.accounts.models import Person


class PersonBackend(ModelBackend):
    """Django's model backend, loading the signed-in person with their account in one query
    (every portal page shows the account's name)."""

    def get_user(self, user_id: Any) -> Person | None:
        person = Person.objects.select_related("account").filter(pk=user_id).first()
        return person if person is not None and self.user_can_authenticate(person) else None

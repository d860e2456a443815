from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from seatwise.accounts.models import Person
from seatwise.core.prepared import prepared


@prepared
def _person_with_account(person_id: int) -> QuerySet[Person]:
    return Person.objects.select_related("account").filter(pk=person_id)


class PersonBackend(ModelBackend):
    """Django's model backend, loading the signed-in person with their account in one query
    (every portal page shows the account's name)."""

    def get_user(self, user_id: Any) -> Person | None:
        if type(user_id) is str and user_id.isascii() and user_id.isdigit() and len(user_id) <= 18:
            user_id = int(user_id)
        if type(user_id) is not int:
            return None
        person = next(iter(_person_with_account(user_id)), None)
        return person if person is not None and self.user_can_authenticate(person) else None

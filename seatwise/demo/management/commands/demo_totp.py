from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from seatwise.demo.data import DEMO_STAFF


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of each demo staff member (the demo's authenticator "
        "keys are public: docs/demo.md). For the demo only; real staff use their own app."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for staff in DEMO_STAFF:
            totp = TOTP(base64.b32decode(staff.totp_secret))
            self.stdout.write(f"{staff.email}  {totp.token():06d}")

"""``manage.py exchange_rates_import FILE``: record the ECB's euro reference rates.

FILE is the ECB's ``eurofxref-hist.csv`` (every day since 1999) or ``eurofxref.csv`` (the
day's rates), as published on the ECB's website (unzipped), or ``-`` for standard input. Only
the currencies Seatwise may need are kept (``tax.exchange.RELEVANT_CURRENCIES``). Importing
again is harmless; run it every working day after the ECB's publication (around 16:00 CET).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatwise.audit.actors import Actor
from seatwise.core.errors import ServiceError
from seatwise.tax.exchange import RatesFileInvalid, ecb_rates_read
from seatwise.tax.services import exchange_rates_import


class Command(BaseCommand):
    help = "Import the ECB's euro foreign exchange reference rates from a eurofxref CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="eurofxref-hist.csv or eurofxref.csv, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(options["file"])
        try:
            if name == "-":
                imported = exchange_rates_import(
                    rates=list(ecb_rates_read(sys.stdin)), by=Actor.system("exchange_rates_import")
                )
            else:
                with Path(name).open(encoding="utf-8-sig", newline="") as stream:
                    imported = exchange_rates_import(
                        rates=list(ecb_rates_read(stream)),
                        by=Actor.system("exchange_rates_import"),
                    )
        except OSError as error:
            raise CommandError(f"{name}: {error.strerror}") from error
        except RatesFileInvalid as error:
            raise CommandError(f"{name}: not an ECB reference-rate file: {error}") from error
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"{imported.added} rates added, {imported.already_on_record} already on record"
        )

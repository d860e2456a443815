"""The standard VAT rates of the 27 EU member states from 1 January 2024.

Sources: the European Commission's "VAT rates applied in the Member States" and the national
laws for the changes since: FI 25.5 % from 1 September 2024, SK 23 % from 1 January 2025,
EE 24 % from 1 July 2025, RO 21 % from 1 August 2025. A change is two rows: the old rate
with its last day, the new one from the day after. Later changes are added by the operator
through ``seatwise.tax.services.vat_rate_add``.

The data is written inline: migrations never import application code.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

START = date(2024, 1, 1)

# country, rate in percent, first day, last day (None: still valid)
RATES = [
    ("AT", "20", START, None),
    ("BE", "21", START, None),
    ("BG", "20", START, None),
    ("CY", "19", START, None),
    ("CZ", "21", START, None),
    ("DE", "19", START, None),
    ("DK", "25", START, None),
    ("EE", "22", START, date(2025, 6, 30)),
    ("EE", "24", date(2025, 7, 1), None),
    ("ES", "21", START, None),
    ("FI", "24", START, date(2024, 8, 31)),
    ("FI", "25.5", date(2024, 9, 1), None),
    ("FR", "20", START, None),
    ("GR", "24", START, None),
    ("HR", "25", START, None),
    ("HU", "27", START, None),
    ("IE", "23", START, None),
    ("IT", "22", START, None),
    ("LT", "21", START, None),
    ("LU", "17", START, None),
    ("LV", "21", START, None),
    ("MT", "18", START, None),
    ("NL", "21", START, None),
    ("PL", "23", START, None),
    ("PT", "23", START, None),
    ("RO", "19", START, date(2025, 7, 31)),
    ("RO", "21", date(2025, 8, 1), None),
    ("SE", "25", START, None),
    ("SI", "22", START, None),
    ("SK", "20", START, date(2024, 12, 31)),
    ("SK", "23", date(2025, 1, 1), None),
]


def load(apps, schema_editor):
    VatRate = apps.get_model("tax", "VatRate")
    for country, rate, valid_from, valid_to in RATES:
        VatRate.objects.get_or_create(
            country=country,
            valid_from=valid_from,
            defaults={"rate": Decimal(rate), "valid_to": valid_to},
        )


class Migration(migrations.Migration):
    dependencies = [("tax", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

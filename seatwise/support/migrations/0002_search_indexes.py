"""The support console's search by case number (seatwise.support.search).

``support.Case``'s ``Meta`` belongs to the support cases' code, so this index is created by
``CreatePrefixIndex``, outside the migration state (see seatwise.core.prefix): a later
migration that makes SQLite rebuild the case table must create it again.
"""

from django.db import migrations

from seatwise.core.prefix import CreatePrefixIndex


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
    ]

    operations = [
        CreatePrefixIndex(model_name="case", fields=["number"], name="case_number_prefix_idx"),
    ]

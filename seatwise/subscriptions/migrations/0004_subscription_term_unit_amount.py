"""``Subscription.term_unit_amount``: the price per seat and term the current term was sold at.

Existing subscriptions get their plan's catalog price in the account's currency at the time
of this migration: the price an upgrade credited until now, frozen from here on. A plan
without a price in that currency leaves it empty (the upgrade is refused then, as before).
From now on it is set when a subscription is added, renewed or upgraded.
"""

from django.db import migrations, models


def prices_backfill(apps, schema_editor):
    Price = apps.get_model("catalog", "Price")
    Subscription = apps.get_model("subscriptions", "Subscription")
    for price in Price.objects.order_by("pk"):
        Subscription.objects.filter(
            plan_id=price.plan_id,
            account__currency=price.currency,
            term_unit_amount__isnull=True,
        ).update(term_unit_amount=price.unit_amount)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_default_catalog"),
        ("subscriptions", "0003_renewal_changes_cancel_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="term_unit_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=12,
                null=True,
                verbose_name="price per seat and term",
            ),
        ),
        migrations.RunPython(prices_backfill, migrations.RunPython.noop),
    ]

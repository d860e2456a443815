"""The product line of the help articles as the default catalog.

Prices are per seat and term, net of VAT. The data is written inline: migrations never import
application code.
"""

from decimal import Decimal

from django.db import migrations

PRODUCTS = [
    # code, name, seat expansion supported (help article add-seats-corporate), sort order
    ("goto-meeting", "GoTo Meeting", True, 10),
    ("goto-webinar", "GoTo Webinar", True, 20),
    ("goto-training", "GoTo Training", True, 30),
    ("gotoassist-v4", "GoToAssist v4", True, 40),
    ("gotoassist-v5", "GoToAssist v5", True, 50),
    ("gotoassist-remote-support-v5", "GoToAssist Remote Support v5", False, 60),
]
# Monthly EUR price per seat for the standard and business tiers.
MONTHLY_EUR = {
    "goto-meeting": ("14.00", "19.00"),
    "goto-webinar": ("59.00", "129.00"),
    "goto-training": ("109.00", "229.00"),
    "gotoassist-v4": ("42.00", "69.00"),
    "gotoassist-v5": ("49.00", "79.00"),
    "gotoassist-remote-support-v5": ("49.00", "79.00"),
}
# Other currencies: fixed list prices, not live exchange rates.
CURRENCY_FACTOR = {"EUR": Decimal("1"), "USD": Decimal("1.10"), "GBP": Decimal("0.85"), "CHF": Decimal("0.95")}
ANNUAL_MONTHS = 10  # an annual term costs ten monthly terms


def load(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Plan = apps.get_model("catalog", "Plan")
    Price = apps.get_model("catalog", "Price")
    for code, name, expansion, order in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code,
            defaults={"name": name, "seat_expansion_supported": expansion, "sort_order": order},
        )
        for rank, (tier, monthly) in enumerate(zip(("standard", "business"), MONTHLY_EUR[code], strict=True)):
            for interval, months in (("month", 1), ("year", ANNUAL_MONTHS)):
                plan, _ = Plan.objects.get_or_create(
                    code=f"{code}-{tier}-{interval}ly",
                    defaults={"product": product, "tier": tier, "interval": interval, "tier_rank": rank},
                )
                for currency, factor in CURRENCY_FACTOR.items():
                    amount = (Decimal(monthly) * months * factor).quantize(Decimal("1"))
                    Price.objects.get_or_create(
                        plan=plan, currency=currency, defaults={"unit_amount": amount}
                    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""``get_<field>_display()`` of the models with ``core.models.ChoiceLabels``: Django's label
for every value of every choice field, in every language, kept per language."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test import override_settings
from django.utils import translation

from seatwise.core.models import ChoiceLabels, _label

LANGUAGES = ["en", "de", "it", "es"]


def labelled_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if issubclass(model, ChoiceLabels)]


def test_the_models_whose_labels_pages_show_have_them():
    names = {model.__name__ for model in labelled_models()}
    assert names == {"Account", "Plan", "Invoice", "Quote", "ServiceOrder", "Subscription", "Case"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_is_djangos_in_every_language(language):
    checked = 0
    with translation.override(language):
        for model in labelled_models():
            for field in model._meta.concrete_fields:
                if not field.choices:
                    continue
                display = f"get_{field.name}_display"
                for value in [value for value, _label_text in field.flatchoices] + ["bogus"]:
                    instance = model(**{field.attname: value})
                    expected = models.Model._get_FIELD_display(instance, field)
                    for _ in range(2):  # the second time from what was kept
                        assert getattr(instance, display)() == expected, (model, field, value)
                    checked += 1
    assert checked > 40


def test_a_label_follows_the_language_and_is_dropped_on_a_settings_change():
    from seatwise.subscriptions.models import Subscription

    subscription = Subscription(status=Subscription.Status.ACTIVE)
    with translation.override("de"):
        assert subscription.get_status_display() == "Aktiv"
    with translation.override("en"):
        assert subscription.get_status_display() == "Active"
    assert _label.cache_info().currsize > 0
    with override_settings(LANGUAGE_CODE="de"):
        assert _label.cache_info().currsize == 0


def test_values_outside_the_choices_are_labelled_as_django_does():
    from seatwise.subscriptions.models import Subscription

    field = Subscription._meta.get_field("status")
    with translation.override("en"):
        for value in (["active"], "bogus", None):
            subscription = Subscription(status=value)
            expected = models.Model._get_FIELD_display(subscription, field)
            assert subscription.get_status_display() == expected
        assert Subscription(status=["active"]).get_status_display() == "['active']"

"""The portals' form renderer: Django's field rendering, with the portals' field markup.

Templates render a field with ``{{ form.name.as_field_group }}`` (or a whole form with
``{{ form }}``). Django builds the widget's attributes: ``aria-describedby`` names the help text
(``<id>_helptext``) and the error list (``<id>_error``) the field has, and ``aria-invalid="true"``
marks a field with errors. templates/portal/field_group.html gives those elements exactly these
ids, so that a screen reader reads the help and the errors with the field.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    """Renders forms with the project's templates (settings.TEMPLATES), so that a template in
    templates/ can replace one of Django's; each field with ``portal/field_group.html``."""

    field_template_name = "portal/field_group.html"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "seatwise.core"
    label = "core"

    def ready(self) -> None:
        # Registers Seatwise's system checks (production integrations).
        from seatwise.core import checks  # noqa: F401

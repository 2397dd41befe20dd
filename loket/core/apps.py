from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks (clock, errors, access, middleware) and the project-wide commands."""

    name = "loket.core"
    label = "loket_core"  # "core" alone is too likely to clash with a third-party app

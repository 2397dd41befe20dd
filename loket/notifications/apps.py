from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _default_templates(sender, **kwargs) -> None:
    # After every migrate: the rows of the kinds of message that have none yet (never overwrites
    # an admin's edit). Until then, and if a row is missing, enqueue uses the texts in code.
    from loket.notifications.services import ensure_default_templates

    ensure_default_templates()


class NotificationsConfig(AppConfig):
    name = "loket.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        post_migrate.connect(_default_templates, sender=self, dispatch_uid="loket.notifications.default_templates")

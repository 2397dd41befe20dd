from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "loket.queueing"
    label = "queueing"
    verbose_name = "Antrean"

    def ready(self) -> None:
        from loket.queueing.services import notify

        notify.register()

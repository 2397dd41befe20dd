from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermohonanConfig(AppConfig):
    name = "loket.permohonan"
    verbose_name = _("Online requests (permohonan)")

    def ready(self) -> None:
        from loket.permohonan.services import on_document_signed
        from loket.signing import events

        events.on_signed(on_document_signed)

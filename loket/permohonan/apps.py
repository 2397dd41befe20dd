from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermohonanConfig(AppConfig):
    name = "loket.permohonan"
    verbose_name = _("Online requests (permohonan)")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "loket.signing"
    verbose_name = _("Electronic signatures")

    def ready(self) -> None:
        # pades (a helper) embeds the CRL that the services keep fresh: see pades.use_crl_source.
        from loket.signing import pades
        from loket.signing.services import ca

        pades.use_crl_source(ca.current_crl)
